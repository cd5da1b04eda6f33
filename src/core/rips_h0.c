/*
 * rips_h0.c - zero-dimensional persistence from minimum spanning trees
 *
 * H0 of a Rips filtration has one bar [0, w) per edge w of a minimum
 * spanning tree (the tree's edges are exactly the merges of Kruskal's
 * algorithm) plus one essential bar per component at the threshold.  Three
 * ways to the tree:
 *
 *  - rips_h0_graph: Kruskal on the sorted edges of a built graph (the
 *    max_dim >= 1 path, which has them anyway); it also marks the tree edges
 *    whose columns cohomology clears in dimension 1.
 *  - rips_h0_lower: Prim on a given lower-triangle matrix, O(n^2) time and
 *    O(n) extra memory.
 *  - rips_h0_points: Boruvka on points with O(n * dim) memory.  One blocked
 *    pass over all pairs (dgemm) keeps each point's K nearest neighbours.
 *    Each Boruvka round then takes, for every point, the first neighbour in
 *    its list outside its component; a point whose list lies wholly inside
 *    knows only a lower bound (its K-th distance), and is rescanned against
 *    all points only when that bound could beat its component's best edge.
 *    A rescan refills the list with the nearest points outside the
 *    component, which stays a valid lower bound as components grow.
 *
 * The tree is found on double distances; its edge lengths are recomputed
 * directly and rounded to float32.  Rounding is monotone, so a minimum tree
 * for the doubles is one for the floats too.  With the default threshold
 * (the enclosing radius) every tree edge is below the threshold: the graph
 * at the enclosing radius contains a spanning star.
 */
#include "rips_h0_internal.h"
#include "parallel_internal.h"

#include <stdlib.h>

/* ---- union-find ---- */

/* link two roots, the smaller tree under the larger */
static void
uf_link(int32_t *parent, int32_t *size, int64_t a, int64_t b)
{
	if (size[a] < size[b])
	{
		int64_t		t = a;

		a = b;
		b = t;
	}
	parent[b] = (int32_t) a;
	size[a] += size[b];
}

/*
 * Union-find for Kruskal, with (when rep is set) each component's lowest
 * row, for the elder rule of the generators
 */
typedef struct Kruskal
{
	int32_t    *parent;
	int32_t    *size;
	int32_t    *rep;			/* NULL without generators */
} Kruskal;

/* a Kruskal state for n points, in the run's arena */
static TeStatus
kruskal_init(RipsCtx *c, Kruskal *k, int64_t n)
{
	int64_t		i;

	k->parent = arena_array(c->mem, (size_t) n, sizeof(int32_t));
	k->size = arena_array(c->mem, (size_t) n, sizeof(int32_t));
	k->rep = c->gen ? arena_array(c->mem, (size_t) n, sizeof(int32_t)) : NULL;
	if (!k->parent || !k->size || (c->gen && !k->rep))
		return c->mem->status;
	for (i = 0; i < n; i++)
	{
		k->parent[i] = (int32_t) i;
		k->size[i] = 1;
		if (k->rep)
			k->rep[i] = (int32_t) i;
	}
	return TE_OK;
}

/* release a Kruskal state */
static void
kruskal_release(RipsCtx *c, Kruskal *k)
{
	arena_free(c->mem, k->parent);
	arena_free(c->mem, k->size);
	arena_free(c->mem, k->rep);
}

/*
 * Offer the edge ab of stored length d: if it joins two components, link
 * them and emit the H0 bar that dies there (with its generator: the younger
 * component's lowest row, by the elder rule, and the edge); *joined says
 * whether it did
 */
static TeStatus
kruskal_offer(RipsCtx *c, Kruskal *k, int64_t a, int64_t b, float d, int *joined)
{
	int64_t		ra = rips_uf_find(k->parent, a),
				rb = rips_uf_find(k->parent, b);
	int			bv[1],
				dv[2],
				added;
	int32_t		low;

	*joined = ra != rb;
	if (ra == rb)
		return TE_OK;
	uf_link(k->parent, k->size, ra, rb);
	if (!k->rep)
		return rips_emit(c, 0, 0.0, (double) d);
	bv[0] = k->rep[ra] > k->rep[rb] ? k->rep[ra] : k->rep[rb];
	low = k->rep[ra] < k->rep[rb] ? k->rep[ra] : k->rep[rb];
	k->rep[rips_uf_find(k->parent, ra)] = low;
	dv[0] = (int) a;
	dv[1] = (int) b;
	return rips_emit_gen(c, 0, 0.0, (double) d, bv, 1, dv, 2, &added);
}

/* the essential H0 classes left: one per component, with its lowest row */
static TeStatus
kruskal_essential(RipsCtx *c, Kruskal *k, int64_t n, int64_t comps)
{
	int64_t		i;
	TeStatus	st = TE_OK;

	if (!k->rep)
	{
		for (i = 0; st == TE_OK && i < comps; i++)
			st = rips_emit(c, 0, 0.0, INFINITY);
		return st;
	}
	for (i = 0; st == TE_OK && i < n; i++)
		if (k->parent[i] == i)
		{
			int			bv[1] = {k->rep[i]},
						added;

			st = rips_emit_gen(c, 0, 0.0, INFINITY, bv, 1, NULL, 0, &added);
		}
	return st;
}

/* Kruskal over the sorted edges: bars, essential classes, tree bits */
TeStatus
rips_h0_graph(RipsCtx *c, const RipsGraph *g, uint64_t *tree_bits)
{
	int64_t		n = g->n,
				i,
				comps = n;
	Kruskal		k;
	TeStatus	st = TE_OK;

	if (n == 0)
		return TE_OK;
	if ((st = kruskal_init(c, &k, n)) != TE_OK)
	{
		kruskal_release(c, &k);
		return st;
	}
	rips_phase(c, "H0", "edges", (double) g->m);
	for (i = 0; i < g->m && comps > 1; i++)
	{
		uint32_t	e = g->edges[i];
		int			joined;

		if ((st = kruskal_offer(c, &k, rips_pair_a(e), rips_pair_b(e),
								rips_graph_value(g, i), &joined)) != TE_OK)
			break;
		if (joined)
		{
			comps--;
			tree_bits[i >> 6] |= (uint64_t) 1 << (i & 63);
		}
		c->done = (double) (i + 1);
		if ((i & 0xFFFF) == 0 && (st = rips_tick(c, 0x10000 * 4)) != TE_OK)
			break;
	}
	if (st == TE_OK)
		st = kruskal_essential(c, &k, n, comps);
	kruskal_release(c, &k);
	return st;
}

/* ---- Prim on a lower triangle ---- */

/* Prim's algorithm reading the lower triangle in place */
TeStatus
rips_h0_lower(RipsCtx *c, const double *lower, int64_t n, float threshold)
{
	double	   *key;
	unsigned char *done;
	int64_t		step,
				v,
				u = 0,
				essential = 1;
	TeStatus	st = TE_OK;

	if (n == 0)
		return TE_OK;
	key = arena_array(c->mem, (size_t) n, sizeof(double));
	done = arena_alloc0(c->mem, (size_t) n);
	if (!key || !done)
	{
		arena_free(c->mem, key);
		arena_free(c->mem, done);
		return c->mem->status;
	}
	for (v = 0; v < n; v++)
		key[v] = INFINITY;
	done[0] = 1;
	rips_phase(c, "H0", "points", (double) n);
	for (step = 1; step < n; step++)
	{
		int64_t		best = -1;
		double		bestw = INFINITY;
		const double *row = lower + u * (u - 1) / 2;

		/* relax from u: d(u, v) for v < u is row u, for v > u column u */
		for (v = 0; v < u; v++)
			if (!done[v] && row[v] < key[v])
				key[v] = row[v];
		for (v = u + 1; v < n; v++)
		{
			double		d = lower[v * (v - 1) / 2 + u];

			if (!done[v] && d < key[v])
				key[v] = d;
		}
		for (v = 0; v < n; v++)
			if (!done[v] && (best < 0 || key[v] < bestw))
			{
				best = v;
				bestw = key[v];
			}
		done[best] = 1;
		u = best;
		{
			float		w = rips_to_float(c, bestw);

			if (w <= threshold)
				st = rips_emit(c, 0, 0.0, (double) w);
			else
				essential++;
		}
		c->done = (double) (step + 1);
		if (st == TE_OK)
			st = rips_tick(c, (uint64_t) n * 3);
		if (st != TE_OK)
			break;
	}
	for (v = 0; st == TE_OK && v < essential; v++)
		st = rips_emit(c, 0, 0.0, INFINITY);
	arena_free(c->mem, key);
	arena_free(c->mem, done);
	return st;
}

/* ---- Boruvka on points ---- */

/*
 * The blocked passes run in float32 (sgemm, about three times the speed of
 * dgemm) on a centred float copy of the points, and every decision that
 * matters is taken on exact double distances: a point's list holds its
 * KNN nearest candidates by the float approximation a(v), their exact
 * squared distances d(v) sorted, and a lower bound for everything left out,
 *   lb = (the KNN-th approximation) - eps,
 * where eps bounds |a - d| (rounding of the copy and of a float dot product
 * of length dim: 2 (dim + 2) u |x| |y|, u = 2^-24, with a margin).
 * Centring keeps |x| at the scale of the spread, so eps stays small.
 */

/* candidates kept per point */
#define KNN 32
/* columns per kernel call */
#define COL_BLOCK 1024

typedef struct Nbr
{
	double		d2;				/* approximate while filling, then exact */
	int64_t		v;
} Nbr;

/* (d2, v) lexicographic: is a before b? */
static inline int
nbr_less(double da, int64_t va, double db, int64_t vb)
{
	return da < db || (da == db && va < vb);
}

typedef struct Knn
{
	Nbr		   *list;			/* n x KNN; a max-heap while filling */
	int32_t    *len;			/* entries per point */
	double	   *top;			/* the largest approximation kept, once full */
	double	   *lb;				/* points left out are at least this far */
} Knn;

/* offer (a, v) to the bounded max-heap of point u */
static inline void
knn_offer(Knn *k, int64_t u, double a, int64_t v)
{
	Nbr		   *h = k->list + u * KNN;
	int32_t		len = k->len[u];
	int			i;

	if (len < KNN)
	{
		i = len;
		while (i > 0)
		{
			int			par = (i - 1) / 2;

			if (!nbr_less(h[par].d2, h[par].v, a, v))
				break;
			h[i] = h[par];
			i = par;
		}
		h[i].d2 = a;
		h[i].v = v;
		k->len[u] = len + 1;
		if (len + 1 == KNN)
			k->top[u] = h[0].d2;
		return;
	}
	if (!nbr_less(a, v, h[0].d2, h[0].v))
		return;
	i = 0;
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					big = -1;
		double		bd = a;
		int64_t		bv = v;

		if (l < KNN && nbr_less(bd, bv, h[l].d2, h[l].v))
		{
			big = l;
			bd = h[l].d2;
			bv = h[l].v;
		}
		if (r < KNN && nbr_less(bd, bv, h[r].d2, h[r].v))
			big = r;
		if (big < 0)
			break;
		h[i] = h[big];
		i = big;
	}
	h[i].d2 = a;
	h[i].v = v;
	k->top[u] = h[0].d2;
}

/* order of two neighbours by (squared distance, index) */
static int
nbr_cmp(const void *a, const void *b)
{
	const Nbr  *x = a,
			   *y = b;

	if (nbr_less(x->d2, x->v, y->d2, y->v))
		return -1;
	if (nbr_less(y->d2, y->v, x->d2, x->v))
		return 1;
	return 0;
}

/*
 * Turn point u's heap of approximations into its exact, sorted list and
 * set its lower bound (none needed if the list holds every candidate).
 */
static void
knn_seal(Knn *k, const DistPoints *p, int64_t u, double eps_u)
{
	Nbr		   *h = k->list + u * KNN;
	int			t;

	k->lb[u] = (k->len[u] == KNN) ? k->top[u] - eps_u : INFINITY;
	for (t = 0; t < k->len[u]; t++)
		h[t].d2 = dist_pair_sq(p, u, h[t].v);
	/* a few entries: insertion sort */
	for (t = 1; t < k->len[u]; t++)
	{
		Nbr			x = h[t];
		int			j = t - 1;

		while (j >= 0 && nbr_cmp(&h[j], &x) > 0)
		{
			h[j + 1] = h[j];
			j--;
		}
		h[j + 1] = x;
	}
}

typedef struct Best
{
	double		d2;
	int64_t		a;				/* a < b */
	int64_t		b;
} Best;

/* offer edge (u, v) of squared length d2 to a component's best */
static inline void
best_offer(Best *bst, double d2, int64_t u, int64_t v)
{
	int64_t		a = u < v ? u : v,
				b = u < v ? v : u;

	if (d2 < bst->d2 || (d2 == bst->d2 && (a < bst->a || (a == bst->a && b < bst->b))))
	{
		bst->d2 = d2;
		bst->a = a;
		bst->b = b;
	}
}

/* scratch of the rescans */
typedef struct ScanBuf
{
	float	   *rows;			/* DIST_BLOCK x dim */
	double	   *rows_sq;
	int64_t    *ids;
	float	   *cols;			/* COL_BLOCK x dim gathered outsiders */
	double	   *cols_sq;
	int64_t    *cids;
	float	   *dots;			/* DIST_BLOCK x COL_BLOCK */
	double	   *blk;
} ScanBuf;

/*
 * Rescan the points pts[0..npts-1] and refill their lists with their
 * nearest points outside their own components.  With own >= 0 all of them
 * lie in component own, and only the points outside it are gathered and
 * compared; otherwise every point is compared and insiders are skipped.
 */
static TeStatus
scan_rows(RipsCtx *c, Knn *k, const DistPoints *p, const float *F, const double *fsq,
		  const double *eps, const int32_t *comp, const int64_t *pts, int64_t npts,
		  int32_t own, Best *best, int32_t *parent, ScanBuf *sb)
{
	int64_t		n = p->n,
				dim = p->dim,
				s0,
				j,
				j0;
	TeStatus	st;

	for (s0 = 0; s0 < npts; s0 += DIST_BLOCK)
	{
		int64_t		s1 = s0 + DIST_BLOCK < npts ? s0 + DIST_BLOCK : npts,
					bi = s1 - s0,
					s;

		for (s = 0; s < bi; s++)
		{
			int64_t		u = pts[s0 + s];

			sb->ids[s] = u;
			sb->rows_sq[s] = fsq[u];
			memcpy(sb->rows + s * dim, F + u * dim, sizeof(float) * (size_t) dim);
			k->len[u] = 0;
			k->top[u] = INFINITY;
		}
		j0 = 0;
		while (j0 < n)
		{
			int64_t		bj = 0;
			const float *cols;
			const double *csq;

			if (own >= 0)
			{
				/* gather the next COL_BLOCK outsiders */
				for (; j0 < n && bj < COL_BLOCK; j0++)
					if (comp[j0] != own)
					{
						memcpy(sb->cols + bj * dim, F + j0 * dim, sizeof(float) * (size_t) dim);
						sb->cols_sq[bj] = fsq[j0];
						sb->cids[bj] = j0;
						bj++;
					}
				cols = sb->cols;
				csq = sb->cols_sq;
			}
			else
			{
				bj = j0 + COL_BLOCK < n ? COL_BLOCK : n - j0;
				cols = F + j0 * dim;
				csq = fsq + j0;
				for (j = 0; j < bj; j++)
					sb->cids[j] = j0 + j;
				j0 += bj;
			}
			if (bj == 0)
				break;
			dist_dots_float(sb->rows, bi, cols, bj, (int) dim, sb->dots);
			for (s = 0; s < bi; s++)
			{
				int64_t		u = sb->ids[s];
				int32_t		cu = comp[u];
				const float *dr = sb->dots + s * bj;
				double		su = sb->rows_sq[s];

				for (j = 0; j < bj; j++)
				{
					double		a = su + csq[j] - 2.0 * (double) dr[j];

					if (a <= k->top[u] && (own >= 0 || comp[sb->cids[j]] != cu))
						knn_offer(k, u, a, sb->cids[j]);
				}
			}
			if ((st = rips_tick(c, (uint64_t) bi * (uint64_t) bj * RIPS_WORK_FLOAT_PAIR(dim))) != TE_OK)
				return st;
		}
		for (s = 0; s < bi; s++)
		{
			int64_t		u = sb->ids[s];

			knn_seal(k, p, u, eps[u]);
			if (k->len[u] > 0)
				best_offer(&best[rips_uf_find(parent, u)], k->list[u * KNN].d2, u,
						   k->list[u * KNN].v);
		}
	}
	return TE_OK;
}

/*
 * The working state of rips_h0_points: every block it allocates, so that
 * the phases below share them and one call releases them
 */
typedef struct H0Work
{
	RipsCtx    *c;
	const DistPoints *p;
	int64_t		n;
	int64_t		dim;
	Knn			k;				/* the candidate lists */
	Best	   *best;			/* per component root: its best outgoing edge */
	int32_t    *parent;			/* union-find of the components */
	int32_t    *size;
	float	   *F;				/* the centred float copy, n x dim */
	double	   *fsq;			/* its squared row norms */
	double	   *eps;			/* per point: the float kernel's error bound */
	double	   *mean;			/* the centroid (dim) */
	double	   *blk;			/* kernel output, DIST_BLOCK x COL_BLOCK */
	float	   *dots;			/* kernel scratch, DIST_BLOCK x COL_BLOCK */
	ScanBuf		sb;				/* scratch of the rescans */
	int64_t    *scan;			/* points to rescan in a round */
	int64_t    *scan2;			/* the same, grouped by component */
	int64_t    *cstart;			/* per component: start of its group (n + 1) */
	int64_t    *csize;			/* per component: its points */
	int32_t    *comp;			/* per point: its dense component number */
	int64_t    *tree;			/* the tree's edges, two ends each */
	int64_t		ntree;
} H0Work;

/* allocate the work of n points (the order fixes the peak of tracked memory) */
static TeStatus
h0_work_alloc(H0Work *w)
{
	Arena	   *mem = w->c->mem;
	int64_t		n = w->n,
				dim = w->dim;

	w->k.list = arena_array(mem, (size_t) n * KNN, sizeof(Nbr));
	w->k.len = arena_alloc0(mem, sizeof(int32_t) * (size_t) n);
	w->k.top = arena_array(mem, (size_t) n, sizeof(double));
	w->k.lb = arena_array(mem, (size_t) n, sizeof(double));
	w->best = arena_array(mem, (size_t) n, sizeof(Best));
	w->parent = arena_array(mem, (size_t) n, sizeof(int32_t));
	w->size = arena_array(mem, (size_t) n, sizeof(int32_t));
	w->F = arena_array(mem, (size_t) n * (size_t) dim, sizeof(float));
	w->fsq = arena_array(mem, (size_t) n, sizeof(double));
	w->eps = arena_array(mem, (size_t) n, sizeof(double));
	w->mean = arena_alloc0(mem, sizeof(double) * (size_t) dim);
	w->blk = arena_array(mem, (size_t) DIST_BLOCK * COL_BLOCK, sizeof(double));
	w->dots = arena_array(mem, (size_t) DIST_BLOCK * COL_BLOCK, sizeof(float));
	w->sb.rows = arena_array(mem, (size_t) DIST_BLOCK * (size_t) dim, sizeof(float));
	w->sb.rows_sq = arena_array(mem, DIST_BLOCK, sizeof(double));
	w->sb.ids = arena_array(mem, DIST_BLOCK, sizeof(int64_t));
	w->sb.cols = arena_array(mem, (size_t) COL_BLOCK * (size_t) dim, sizeof(float));
	w->sb.cols_sq = arena_array(mem, COL_BLOCK, sizeof(double));
	w->sb.cids = arena_array(mem, COL_BLOCK, sizeof(int64_t));
	w->sb.dots = w->dots;
	w->sb.blk = w->blk;
	w->scan = arena_array(mem, (size_t) n, sizeof(int64_t));
	w->scan2 = arena_array(mem, (size_t) n, sizeof(int64_t));
	w->cstart = arena_array(mem, (size_t) n + 1, sizeof(int64_t));
	w->csize = arena_array(mem, (size_t) n, sizeof(int64_t));
	w->comp = arena_array(mem, (size_t) n, sizeof(int32_t));
	w->tree = arena_array(mem, (size_t) n * 2, sizeof(int64_t));
	if (!w->k.list || !w->k.len || !w->k.top || !w->k.lb || !w->best || !w->parent ||
		!w->size || !w->F || !w->fsq || !w->eps || !w->mean || !w->blk || !w->dots ||
		!w->sb.rows || !w->sb.rows_sq || !w->sb.ids || !w->sb.cols || !w->sb.cols_sq ||
		!w->sb.cids || !w->scan || !w->scan2 || !w->cstart || !w->csize || !w->comp ||
		!w->tree)
		return mem->status;
	return TE_OK;
}

/* release every block of the work (NULLs are fine) */
static void
h0_work_release(H0Work *w)
{
	Arena	   *mem = w->c->mem;

	arena_free(mem, w->k.list);
	arena_free(mem, w->k.len);
	arena_free(mem, w->k.top);
	arena_free(mem, w->k.lb);
	arena_free(mem, w->best);
	arena_free(mem, w->parent);
	arena_free(mem, w->size);
	arena_free(mem, w->F);
	arena_free(mem, w->fsq);
	arena_free(mem, w->eps);
	arena_free(mem, w->mean);
	arena_free(mem, w->blk);
	arena_free(mem, w->dots);
	arena_free(mem, w->sb.rows);
	arena_free(mem, w->sb.rows_sq);
	arena_free(mem, w->sb.ids);
	arena_free(mem, w->sb.cols);
	arena_free(mem, w->sb.cols_sq);
	arena_free(mem, w->sb.cids);
	arena_free(mem, w->scan);
	arena_free(mem, w->scan2);
	arena_free(mem, w->cstart);
	arena_free(mem, w->csize);
	arena_free(mem, w->comp);
	arena_free(mem, w->tree);
}

/* the centred float copy, its norms and error bounds; singleton components */
static TeStatus
h0_float_copy(H0Work *w)
{
	const DistPoints *p = w->p;
	int64_t		n = w->n,
				dim = w->dim,
				i,
				j;
	double	   *mean = w->mean,
				maxnorm = 0.0,
				mnorm = 0.0,
				xmax = 0.0,
				c_eps;
	TeStatus	st;

	for (i = 0; i < n; i++)
	{
		double		f = p->scale ? p->scale[i] : 1.0;

		for (j = 0; j < dim; j++)
			mean[j] += p->x[i * dim + j] * f;
	}
	for (j = 0; j < dim; j++)
		mean[j] /= (double) n;
	for (i = 0; i < n; i++)
	{
		double		s = 0.0,
					sc = p->scale ? p->scale[i] : 1.0;

		for (j = 0; j < dim; j++)
		{
			float		f = (float) (p->x[i * dim + j] * sc - mean[j]);

			w->F[i * dim + j] = f;
			s += (double) f * (double) f;
		}
		w->fsq[i] = s;
		if (sqrt(s) > maxnorm)
			maxnorm = sqrt(s);
		w->k.lb[i] = INFINITY;
		w->k.top[i] = INFINITY;
		w->parent[i] = (int32_t) i;
		w->size[i] = 1;
		if ((i & 1023) == 0 && (st = rips_tick(w->c, 1024 * (uint64_t) dim * 4)) != TE_OK)
			return st;
	}

	/*
	 * |a - d| <= 2 (gamma_dim + 2u + u^2) |f_x| |f_y| for the float copies
	 * (u = 2^-24), plus the double rounding of the centring, a few units of
	 * 2^-53 times |x| + |mean| on each side.
	 */
	for (j = 0; j < dim; j++)
		mnorm += mean[j] * mean[j];
	mnorm = sqrt(mnorm);
	for (i = 0; i < n; i++)
		if (sqrt(p->sq[i]) > xmax)
			xmax = sqrt(p->sq[i]);
	c_eps = 2.0 * ((double) (dim + 4) * 5.9604644775390625e-8) * 1.0625;
	for (i = 0; i < n; i++)
		w->eps[i] = c_eps * sqrt(w->fsq[i]) * maxnorm +
			8.0 * (double) (dim + 4) * 1.1102230246251565e-16 *
			(sqrt(p->sq[i]) + mnorm) * (xmax + mnorm) + 1e-300;
	return TE_OK;
}

/* ---- the candidate pass on threads ---- */

/*
 * The pass over all pairs shared among threads.  The tasks are the blocks
 * of the one-thread pass (DIST_BLOCK rows from i0 against COL_BLOCK columns
 * from j0 >= i0); each worker offers the pairs of its blocks to both ends
 * in candidate lists of its own (worker 0 in the run's).  A list keeps the
 * KNN smallest (approximation, index) of what was offered to it, a total
 * order, so merging the workers' lists point by point keeps exactly the
 * KNN smallest of all the pairs, the set the one-thread pass keeps; the
 * seal then orders it by exact distance as there.
 */
typedef struct H0Par
{
	H0Work	   *w;
	int			nthreads;
	Knn			k[PAR_MAX_THREADS];
	double	   *blk[PAR_MAX_THREADS];
	float	   *dots[PAR_MAX_THREADS];
	int64_t    *tstart;			/* per row block: its first task (nrb + 1) */
	int64_t		nrb;
	int64_t		ntasks;
	int64_t		total;			/* pairs of the pass, for the progress */
} H0Par;

/* one block of the pass (a worker's task): offers into the worker's lists */
static void
h0_par_block(void *arg, int worker, int64_t t)
{
	H0Par	   *hp = arg;
	H0Work	   *w = hp->w;
	Knn		   *k = &hp->k[worker];
	int64_t		n = w->n,
				dim = w->dim,
				lo = 0,
				hi = hp->nrb - 1,
				i0,
				i1,
				j0,
				j1,
				bj,
				i,
				j;
	const double *blk = hp->blk[worker];

	/* the row block of task t: the last with tstart <= t */
	while (lo < hi)
	{
		int64_t		mid = (lo + hi + 1) / 2;

		if (hp->tstart[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	i0 = lo * DIST_BLOCK;
	i1 = i0 + DIST_BLOCK < n ? i0 + DIST_BLOCK : n;
	j0 = i0 + (t - hp->tstart[lo]) * COL_BLOCK;
	j1 = j0 + COL_BLOCK < n ? j0 + COL_BLOCK : n;
	bj = j1 - j0;
	dist_block_sq_float(w->F + i0 * dim, w->fsq + i0, i1 - i0, w->F, w->fsq, j0, j1,
						(int) dim, hp->dots[worker], hp->blk[worker]);
	for (i = i0; i < i1; i++)
	{
		const double *row = blk + (i - i0) * bj;
		int64_t		jstart = (j0 > i + 1) ? j0 : i + 1;

		for (j = jstart; j < j1; j++)
		{
			double		a = row[j - j0];

			if (a <= k->top[i])
				knn_offer(k, i, a, j);
			if (a <= k->top[j])
				knn_offer(k, j, a, i);
		}
	}
}

/* merge the workers' lists of 1024 points into the run's and seal them (a task) */
static void
h0_par_merge(void *arg, int worker, int64_t t)
{
	H0Par	   *hp = arg;
	H0Work	   *w = hp->w;
	int64_t		u0 = t * 1024,
				u1 = u0 + 1024 < w->n ? u0 + 1024 : w->n,
				u;
	int			q,
				e;

	(void) worker;
	for (u = u0; u < u1; u++)
	{
		for (q = 1; q < hp->nthreads; q++)
		{
			const Nbr  *h = hp->k[q].list + u * KNN;

			for (e = 0; e < hp->k[q].len[u]; e++)
				knn_offer(&w->k, u, h[e].d2, h[e].v);
		}
		knn_seal(&w->k, w->p, u, w->eps[u]);
	}
}

/* between sections of the pass: the pairs done, for the progress reports */
static void
h0_par_section(void *arg, int64_t done)
{
	H0Par	   *hp = arg;
	RipsCtx    *c = hp->w->c;

	c->done = (double) hp->total * (double) done / (double) (hp->ntasks > 0 ? hp->ntasks : 1);
	te_progress(c->env, c->phase, c->unit, c->done, c->total);
}

/* the lists for every point and the kernel block of one more thread: see rips_h0_internal.h */
size_t
rips_h0_thread_bytes(int64_t n)
{
	return (size_t) n * (KNN * sizeof(Nbr) + sizeof(int32_t) + sizeof(double)) +
		(size_t) DIST_BLOCK * COL_BLOCK * (sizeof(double) + sizeof(float)) + 8 * ARENA_HEADER;
}

/*
 * The threads the pass may use: each one beyond the first holds lists
 * for every point and a kernel block, and starts only while that fits
 * under the memory limit
 */
static int
h0_par_threads(H0Work *w)
{
	Arena	   *mem = w->c->mem;
	size_t		extra = rips_h0_thread_bytes(w->n);
	int			t = par_threads(w->c->threads, (w->n + DIST_BLOCK - 1) / DIST_BLOCK);

	while (t > 1 && mem->limit > 0 && mem->cur + (size_t) (t - 1) * extra > mem->limit)
		t--;
	return t;
}

/* allocate the extra workers' lists and scratch, and the task table */
static TeStatus
h0_par_alloc(H0Par *hp)
{
	H0Work	   *w = hp->w;
	Arena	   *mem = w->c->mem;
	int64_t		n = w->n,
				b,
				u;
	int			q;

	hp->nrb = (n + DIST_BLOCK - 1) / DIST_BLOCK;
	hp->tstart = arena_array(mem, (size_t) hp->nrb + 1, sizeof(int64_t));
	if (!hp->tstart)
		return mem->status;
	hp->tstart[0] = 0;
	for (b = 0; b < hp->nrb; b++)
		hp->tstart[b + 1] = hp->tstart[b] + (n - b * DIST_BLOCK + COL_BLOCK - 1) / COL_BLOCK;
	hp->ntasks = hp->tstart[hp->nrb];
	hp->k[0] = w->k;
	hp->blk[0] = w->blk;
	hp->dots[0] = w->dots;
	for (q = 1; q < hp->nthreads; q++)
	{
		hp->k[q].list = arena_array(mem, (size_t) n * KNN, sizeof(Nbr));
		hp->k[q].len = arena_alloc0(mem, sizeof(int32_t) * (size_t) n);
		hp->k[q].top = arena_array(mem, (size_t) n, sizeof(double));
		hp->k[q].lb = NULL;
		hp->blk[q] = arena_array(mem, (size_t) DIST_BLOCK * COL_BLOCK, sizeof(double));
		hp->dots[q] = arena_array(mem, (size_t) DIST_BLOCK * COL_BLOCK, sizeof(float));
		if (!hp->k[q].list || !hp->k[q].len || !hp->k[q].top || !hp->blk[q] || !hp->dots[q])
			return mem->status;
		for (u = 0; u < n; u++)
			hp->k[q].top[u] = INFINITY;
	}
	return TE_OK;
}

/* release what h0_par_alloc took (NULLs are fine) */
static void
h0_par_release(H0Par *hp)
{
	Arena	   *mem = hp->w->c->mem;
	int			q;

	arena_free(mem, hp->tstart);
	for (q = 1; q < hp->nthreads; q++)
	{
		arena_free(mem, hp->k[q].list);
		arena_free(mem, hp->k[q].len);
		arena_free(mem, hp->k[q].top);
		arena_free(mem, hp->blk[q]);
		arena_free(mem, hp->dots[q]);
	}
}

/* the candidate pass on threads: the lists h0_candidates makes, sealed */
static TeStatus
h0_candidates_par(H0Work *w, int nthreads)
{
	H0Par		hp;
	TeStatus	st;

	memset(&hp, 0, sizeof(hp));
	hp.w = w;
	hp.nthreads = nthreads;
	hp.total = w->n * (w->n - 1) / 2;
	rips_phase(w->c, "H0 nearest neighbours", "pairs", (double) hp.total);
	if ((st = h0_par_alloc(&hp)) == TE_OK)
		st = par_run(w->c->env, nthreads, hp.ntasks, h0_par_block, h0_par_section, &hp);
	if (st == TE_OK)
		st = par_run(w->c->env, nthreads, (w->n + 1023) / 1024, h0_par_merge, NULL, &hp);
	h0_par_release(&hp);
	return st;
}

/* ---- the candidate pass ---- */

/* one pass over all pairs: the KNN nearest candidates of every point */
static TeStatus
h0_candidates(H0Work *w)
{
	int64_t		n = w->n,
				dim = w->dim,
				i,
				j,
				i0,
				j0;
	TeStatus	st;
	int			nthreads = h0_par_threads(w);

	if (nthreads > 1)
		return h0_candidates_par(w, nthreads);
	rips_phase(w->c, "H0 nearest neighbours", "pairs", (double) n * (double) (n - 1) / 2.0);
	for (i0 = 0; i0 < n; i0 += DIST_BLOCK)
	{
		int64_t		i1 = i0 + DIST_BLOCK < n ? i0 + DIST_BLOCK : n;

		for (j0 = i0; j0 < n; j0 += COL_BLOCK)
		{
			int64_t		j1 = j0 + COL_BLOCK < n ? j0 + COL_BLOCK : n,
						bj = j1 - j0;

			dist_block_sq_float(w->F + i0 * dim, w->fsq + i0, i1 - i0, w->F, w->fsq, j0, j1,
								(int) dim, w->dots, w->blk);
			for (i = i0; i < i1; i++)
			{
				const double *row = w->blk + (i - i0) * bj;
				int64_t		jstart = (j0 > i + 1) ? j0 : i + 1;

				for (j = jstart; j < j1; j++)
				{
					double		a = row[j - j0];

					if (a <= w->k.top[i])
						knn_offer(&w->k, i, a, j);
					if (a <= w->k.top[j])
						knn_offer(&w->k, j, a, i);
				}
			}
			/* the pairs i < j of the block, for the progress reports */
			for (i = i0; i < i1; i++)
				if (i + 1 < j1)
					w->c->done += (double) (j1 - (j0 > i + 1 ? j0 : i + 1));
			if ((st = rips_tick(w->c, (uint64_t) (i1 - i0) * (uint64_t) bj * RIPS_WORK_FLOAT_PAIR(dim))) != TE_OK)
				return st;
		}
	}
	for (i = 0; i < n; i++)
	{
		knn_seal(&w->k, w->p, i, w->eps[i]);
		if ((i & 255) == 0 && (st = rips_tick(w->c, 256 * KNN * (uint64_t) (dim + 16))) != TE_OK)
			return st;
	}
	return TE_OK;
}

/*
 * A round's candidates from the lists: each component's best listed edge
 * (exact if no bound is below it), and in w->scan the *nscan points whose
 * unlisted neighbours might beat their component's best
 */
static TeStatus
h0_round_lists(H0Work *w, int64_t *nscan)
{
	int64_t		n = w->n,
				i;
	TeStatus	st;

	*nscan = 0;
	for (i = 0; i < n; i++)
	{
		w->best[i].d2 = INFINITY;
		w->best[i].a = w->best[i].b = INT64_MAX;
	}
	for (i = 0; i < n; i++)
	{
		int64_t		ri = rips_uf_find(w->parent, i);
		const Nbr  *h = w->k.list + i * KNN;
		int			t;

		for (t = 0; t < w->k.len[i]; t++)
			if (rips_uf_find(w->parent, h[t].v) != ri)
			{
				best_offer(&w->best[ri], h[t].d2, i, h[t].v);
				break;
			}
		if ((i & 4095) == 0 && (st = rips_tick(w->c, 4096 * KNN * 8)) != TE_OK)
			return st;
	}
	for (i = 0; i < n; i++)
	{
		int64_t		ri = rips_uf_find(w->parent, i);
		const Nbr  *h = w->k.list + i * KNN;
		double		known = INFINITY;
		int			t;

		for (t = 0; t < w->k.len[i]; t++)
			if (rips_uf_find(w->parent, h[t].v) != ri)
			{
				known = h[t].d2;
				break;
			}
		if (w->k.lb[i] < known && w->k.lb[i] <= w->best[ri].d2)
			w->scan[(*nscan)++] = i;
		if ((i & 4095) == 0 && (st = rips_tick(w->c, 4096 * KNN * 8)) != TE_OK)
			return st;
	}
	return TE_OK;
}

/*
 * Rescan the nscan points of w->scan exactly: grouped by component, the
 * points of a large component against the outsiders only, the rest
 * together against everyone
 */
static TeStatus
h0_round_rescan(H0Work *w, int64_t nscan)
{
	int64_t		n = w->n,
				nc = 0,
				i,
				t,
				q,
				nmixed = 0;
	int64_t    *cstart = w->cstart,
			   *scan2 = w->scan2;
	TeStatus	st;

	/* dense component numbers; the scanned points grouped by component */
	for (i = 0; i < n; i++)
		if (w->parent[i] == i)
			cstart[i] = nc++;
	for (i = 0; i < n; i++)
		w->comp[i] = (int32_t) cstart[rips_uf_find(w->parent, i)];
	memset(cstart, 0, sizeof(int64_t) * (size_t) (nc + 1));
	memset(w->csize, 0, sizeof(int64_t) * (size_t) nc);
	for (i = 0; i < n; i++)
		w->csize[w->comp[i]]++;
	for (t = 0; t < nscan; t++)
		cstart[w->comp[w->scan[t]] + 1]++;
	for (t = 0; t < nc; t++)
		cstart[t + 1] += cstart[t];
	for (t = 0; t < nscan; t++)
		scan2[cstart[w->comp[w->scan[t]]]++] = w->scan[t];
	/* cstart[c] is now the end of c's group; walk the groups */
	for (q = 0, t = 0; t < nc; t++)
	{
		int64_t		g0 = q,
					g1 = cstart[t];

		q = g1;
		if (g1 == g0)
			continue;
		if (w->csize[t] * 4 >= n && g1 - g0 >= 16)
		{
			/* a large component: scan its points against the outsiders only */
			if ((st = scan_rows(w->c, &w->k, w->p, w->F, w->fsq, w->eps, w->comp, scan2 + g0,
								g1 - g0, (int32_t) t, w->best, w->parent, &w->sb)) != TE_OK)
				return st;
		}
		else
		{
			memmove(scan2 + nmixed, scan2 + g0, sizeof(int64_t) * (size_t) (g1 - g0));
			nmixed += g1 - g0;
		}
	}
	if (nmixed > 0 &&
		(st = scan_rows(w->c, &w->k, w->p, w->F, w->fsq, w->eps, w->comp, scan2, nmixed, -1,
						w->best, w->parent, &w->sb)) != TE_OK)
		return st;
	return TE_OK;
}

/* merge along every component's best edge, recording the tree */
static void
h0_round_merge(H0Work *w, int64_t *comps)
{
	int64_t		i;

	for (i = 0; i < w->n; i++)
	{
		int64_t		a,
					b;

		if (w->parent[i] != i || !isfinite(w->best[i].d2))
			continue;
		a = rips_uf_find(w->parent, w->best[i].a);
		b = rips_uf_find(w->parent, w->best[i].b);
		if (a == b)
			continue;
		uf_link(w->parent, w->size, a, b);
		w->tree[2 * w->ntree] = w->best[i].a;
		w->tree[2 * w->ntree + 1] = w->best[i].b;
		w->ntree++;
		(*comps)--;
	}
}

/* certified Boruvka rounds until one component is left */
static TeStatus
h0_boruvka(H0Work *w)
{
	int64_t		comps = w->n;
	TeStatus	st;

	rips_phase(w->c, "H0 spanning tree", "merges", (double) (w->n - 1));
	while (comps > 1)
	{
		int64_t		nscan,
					before = comps;

		if ((st = h0_round_lists(w, &nscan)) != TE_OK)
			return st;
		if (nscan > 0 && (st = h0_round_rescan(w, nscan)) != TE_OK)
			return st;
		h0_round_merge(w, &comps);
		w->c->done = (double) (w->n - comps);
		/* every round merges at least one pair unless distances are not finite */
		if (comps == before)
			return te_fail(w->c->env, TE_NUMERIC,
						   "the spanning tree of %lld points made no progress (non-finite distances)",
						   (long long) w->n);
	}
	return TE_OK;
}

/* a tree edge in Kruskal's order, for the generators */
typedef struct TreeEdge
{
	float		d;
	int32_t		a;
	int32_t		b;
} TreeEdge;

/* (length, a, b) lexicographic */
static inline int
tree_edge_less(const TreeEdge *x, const TreeEdge *y)
{
	if (x->d != y->d)
		return x->d < y->d;
	if (x->a != y->a)
		return x->a < y->a;
	return x->b < y->b;
}

#define ST_PREFIX tree_edges
#define ST_ELEMENT_TYPE TreeEdge
#define ST_LESS(x, y) tree_edge_less((x), (y))
#include "sort_template.h"

/*
 * The bars of the tree with their generators: its edges within the
 * threshold, shortest first, through Kruskal's union-find (which gives the
 * elder rule's birth rows), then a class per component left
 */
static TeStatus
h0_emit_tree_gen(H0Work *w, float threshold)
{
	int64_t		n = w->n,
				i,
				m = 0,
				comps = n;
	TreeEdge   *e = arena_array(w->c->mem, (size_t) (w->ntree > 0 ? w->ntree : 1), sizeof(TreeEdge));
	Kruskal		k;
	TeStatus	st;

	if (!e)
		return w->c->mem->status;
	for (i = 0; i < w->ntree; i++)
	{
		float		d = rips_to_float(w->c, dist_pair_dist(w->p, w->tree[2 * i], w->tree[2 * i + 1]));

		if (d <= threshold)
		{
			e[m].d = d;
			e[m].a = (int32_t) w->tree[2 * i];
			e[m].b = (int32_t) w->tree[2 * i + 1];
			m++;
		}
		if ((i & 1023) == 0 && (st = rips_tick(w->c, 1024 * (uint64_t) w->dim)) != TE_OK)
		{
			arena_free(w->c->mem, e);
			return st;
		}
	}
	tree_edges_sort(e, m);
	st = kruskal_init(w->c, &k, n);
	for (i = 0; st == TE_OK && i < m; i++)
	{
		int			joined;

		st = kruskal_offer(w->c, &k, e[i].a, e[i].b, e[i].d, &joined);
		comps -= joined;
	}
	if (st == TE_OK)
		st = kruskal_essential(w->c, &k, n, comps);
	kruskal_release(w->c, &k);
	arena_free(w->c->mem, e);
	return st;
}

/*
 * The bars: the tree's lengths, directly, as float32, then the essential
 * ones; the edges themselves into out when it is set
 */
static TeStatus
h0_emit_tree(H0Work *w, float threshold, TeRipsTreeEdge *out)
{
	int64_t		i,
				essential = 1;
	TeStatus	st = TE_OK;

	if (w->c->gen)
	{
		for (i = 0; out && i < w->ntree; i++)
		{
			out[i].a = w->tree[2 * i];
			out[i].b = w->tree[2 * i + 1];
			out[i].length = rips_from_stored(w->c, (double) rips_to_float(w->c,
																		   dist_pair_dist(w->p, out[i].a, out[i].b)));
		}
		return h0_emit_tree_gen(w, threshold);
	}

	for (i = 0; i < w->ntree; i++)
	{
		float		d = rips_to_float(w->c, dist_pair_dist(w->p, w->tree[2 * i], w->tree[2 * i + 1]));

		if (out)
		{
			out[i].a = w->tree[2 * i];
			out[i].b = w->tree[2 * i + 1];
			out[i].length = rips_from_stored(w->c, (double) d);
		}
		if (d <= threshold)
			st = rips_emit(w->c, 0, 0.0, (double) d);
		else
			essential++;
		if (st != TE_OK)
			return st;
		if ((i & 1023) == 0 && (st = rips_tick(w->c, 1024 * (uint64_t) w->dim)) != TE_OK)
			return st;
	}
	for (i = 0; i < essential; i++)
		if ((st = rips_emit(w->c, 0, 0.0, INFINITY)) != TE_OK)
			return st;
	return TE_OK;
}

/* H0 of points: candidate lists in one pass, then certified Boruvka rounds; tree: see rips.h */
TeStatus
rips_h0_points(RipsCtx *c, const DistPoints *p, float threshold, TeRipsTreeEdge *tree)
{
	H0Work		w;
	TeStatus	st;

	if (p->n == 0)
		return TE_OK;
	if (p->n == 1)
	{
		int			bv[1] = {0},
					added;

		return rips_emit_gen(c, 0, 0.0, INFINITY, bv, 1, NULL, 0, &added);
	}
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.p = p;
	w.n = p->n;
	w.dim = p->dim;
	if ((st = h0_work_alloc(&w)) == TE_OK &&
		(st = h0_float_copy(&w)) == TE_OK &&
		(st = h0_candidates(&w)) == TE_OK &&
		(st = h0_boruvka(&w)) == TE_OK)
		st = h0_emit_tree(&w, threshold, tree);
	h0_work_release(&w);
	return st;
}
