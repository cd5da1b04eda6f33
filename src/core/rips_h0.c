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
#include "topembed/rips_internal.h"

#include <stdlib.h>

/* ---- union-find ---- */

static int64_t
uf_find(int32_t *parent, int64_t x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

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

/* ---- Kruskal on a graph ---- */

TeStatus
rips_h0_graph(RipsCtx *c, const RipsGraph *g, uint64_t *tree_bits)
{
	int64_t		n = g->n,
				i,
				comps = n;
	int32_t    *parent,
			   *size;
	TeStatus	st = TE_OK;

	if (n == 0)
		return TE_OK;
	parent = rips_array(c->mem, (size_t) n, sizeof(int32_t));
	size = rips_array(c->mem, (size_t) n, sizeof(int32_t));
	if (!parent || !size)
	{
		rips_free(c->mem, parent);
		rips_free(c->mem, size);
		return c->mem->status;
	}
	for (i = 0; i < n; i++)
	{
		parent[i] = (int32_t) i;
		size[i] = 1;
	}
	for (i = 0; i < g->m && comps > 1; i++)
	{
		uint64_t	k = g->keys[i];
		int64_t		a = uf_find(parent, rips_key_a(k)),
					b = uf_find(parent, rips_key_b(k));

		if (a != b)
		{
			uf_link(parent, size, a, b);
			comps--;
			tree_bits[i >> 6] |= (uint64_t) 1 << (i & 63);
			if ((st = rips_emit(c, 0, 0.0, (double) rips_key_value(k))) != TE_OK)
				break;
		}
		if ((i & 0xFFFF) == 0 && (st = rips_tick(c, 0x10000 * 4)) != TE_OK)
			break;
	}
	for (i = 0; st == TE_OK && i < comps; i++)
		st = rips_emit(c, 0, 0.0, INFINITY);
	rips_free(c->mem, parent);
	rips_free(c->mem, size);
	return st;
}

/* ---- Prim on a lower triangle ---- */

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
	key = rips_array(c->mem, (size_t) n, sizeof(double));
	done = rips_alloc0(c->mem, (size_t) n);
	if (!key || !done)
	{
		rips_free(c->mem, key);
		rips_free(c->mem, done);
		return c->mem->status;
	}
	for (v = 0; v < n; v++)
		key[v] = INFINITY;
	done[0] = 1;
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
			float		w = (float) bestw;

			if (w <= threshold)
				st = rips_emit(c, 0, 0.0, (double) w);
			else
				essential++;
		}
		if (st == TE_OK)
			st = rips_tick(c, (uint64_t) n * 3);
		if (st != TE_OK)
			break;
	}
	for (v = 0; st == TE_OK && v < essential; v++)
		st = rips_emit(c, 0, 0.0, INFINITY);
	rips_free(c->mem, key);
	rips_free(c->mem, done);
	return st;
}

/* ---- Boruvka on points ---- */

/* neighbours kept per point */
#define KNN 16
/* columns per kernel call */
#define COL_BLOCK 1024

typedef struct Nbr
{
	double		d2;
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
	double	   *lb;				/* unlisted points outside are >= lb */
} Knn;

/* offer (d2, v) to the bounded max-heap of point u */
static inline void
knn_offer(Knn *k, int64_t u, double d2, int64_t v)
{
	Nbr		   *h = k->list + u * KNN;
	int32_t		len = k->len[u];
	int			i;

	if (len < KNN)
	{
		/* sift up */
		i = len;
		while (i > 0)
		{
			int			par = (i - 1) / 2;

			if (!nbr_less(h[par].d2, h[par].v, d2, v))
				break;
			h[i] = h[par];
			i = par;
		}
		h[i].d2 = d2;
		h[i].v = v;
		k->len[u] = len + 1;
		if (len + 1 == KNN)
			k->lb[u] = h[0].d2;
		return;
	}
	if (!nbr_less(d2, v, h[0].d2, h[0].v))
		return;
	/* replace the largest and sift down */
	i = 0;
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					big = -1;
		double		bd = d2;
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
	h[i].d2 = d2;
	h[i].v = v;
	k->lb[u] = h[0].d2;
}

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

/* order point u's list ascending; its bound is the last entry (or none) */
static void
knn_seal(Knn *k, int64_t u)
{
	Nbr		   *h = k->list + u * KNN;

	qsort(h, (size_t) k->len[u], sizeof(Nbr), nbr_cmp);
	k->lb[u] = (k->len[u] == KNN) ? h[KNN - 1].d2 : INFINITY;
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

TeStatus
rips_h0_points(RipsCtx *c, const RipsPoints *p, float threshold)
{
	RipsMem    *mem = c->mem;
	int64_t		n = p->n,
				dim = p->dim,
				i,
				j,
				i0,
				j0,
				comps,
				essential = 1;
	Knn			k;
	Best	   *best = NULL;
	int32_t    *parent = NULL,
			   *size = NULL;
	double	   *blk = NULL,
			   *rows = NULL,
			   *rows_sq = NULL;
	int64_t    *ids = NULL,
			   *scan = NULL,
			   *tree = NULL;
	int64_t		ntree = 0;
	TeStatus	st = TE_OK;

	memset(&k, 0, sizeof(k));
	if (n == 0)
		return TE_OK;
	if (n == 1)
		return rips_emit(c, 0, 0.0, INFINITY);

	k.list = rips_array(mem, (size_t) n * KNN, sizeof(Nbr));
	k.len = rips_alloc0(mem, sizeof(int32_t) * (size_t) n);
	k.lb = rips_array(mem, (size_t) n, sizeof(double));
	best = rips_array(mem, (size_t) n, sizeof(Best));
	parent = rips_array(mem, (size_t) n, sizeof(int32_t));
	size = rips_array(mem, (size_t) n, sizeof(int32_t));
	blk = rips_array(mem, (size_t) RIPS_BLOCK * COL_BLOCK, sizeof(double));
	rows = rips_array(mem, (size_t) RIPS_BLOCK * (size_t) dim, sizeof(double));
	rows_sq = rips_array(mem, RIPS_BLOCK, sizeof(double));
	ids = rips_array(mem, RIPS_BLOCK, sizeof(int64_t));
	scan = rips_array(mem, (size_t) n, sizeof(int64_t));
	tree = rips_array(mem, (size_t) n * 2, sizeof(int64_t));
	if (!k.list || !k.len || !k.lb || !best || !parent || !size || !blk ||
		!rows || !rows_sq || !ids || !scan || !tree)
	{
		st = mem->status;
		goto done;
	}
	for (i = 0; i < n; i++)
	{
		k.lb[i] = INFINITY;
		parent[i] = (int32_t) i;
		size[i] = 1;
	}

	/* one pass over all pairs: the K nearest neighbours of every point */
	for (i0 = 0; i0 < n; i0 += RIPS_BLOCK)
	{
		int64_t		i1 = i0 + RIPS_BLOCK < n ? i0 + RIPS_BLOCK : n;

		for (j0 = i0; j0 < n; j0 += COL_BLOCK)
		{
			int64_t		j1 = j0 + COL_BLOCK < n ? j0 + COL_BLOCK : n,
						bj = j1 - j0;

			rips_block_sq(p, i0, i1, j0, j1, blk);
			for (i = i0; i < i1; i++)
			{
				const double *row = blk + (i - i0) * bj;
				int64_t		jstart = (j0 > i + 1) ? j0 : i + 1;

				for (j = jstart; j < j1; j++)
				{
					double		d2 = row[j - j0];

					if (d2 <= k.lb[i])
						knn_offer(&k, i, d2, j);
					if (d2 <= k.lb[j])
						knn_offer(&k, j, d2, i);
				}
			}
			if ((st = rips_tick(c, (uint64_t) (i1 - i0) * (uint64_t) bj * (uint64_t) (dim / 4 + 16))) != TE_OK)
				goto done;
		}
	}
	for (i = 0; i < n; i++)
	{
		knn_seal(&k, i);
		if ((i & 1023) == 0 && (st = rips_tick(c, 1024 * KNN * 24)) != TE_OK)
			goto done;
	}

	/* Boruvka rounds */
	comps = n;
	while (comps > 1)
	{
		int64_t		nscan = 0,
					s0;

		for (i = 0; i < n; i++)
		{
			best[i].d2 = INFINITY;
			best[i].a = best[i].b = INT64_MAX;
		}
		/* the listed neighbours first */
		for (i = 0; i < n; i++)
		{
			int64_t		ri = uf_find(parent, i);
			const Nbr  *h = k.list + i * KNN;
			int			t;

			for (t = 0; t < k.len[i]; t++)
				if (uf_find(parent, h[t].v) != ri)
				{
					best_offer(&best[ri], h[t].d2, i, h[t].v);
					break;
				}
			if ((i & 4095) == 0 && (st = rips_tick(c, 4096 * KNN * 8)) != TE_OK)
				goto done;
		}
		/* points whose unlisted neighbours might beat their component's best */
		for (i = 0; i < n; i++)
		{
			int64_t		ri = uf_find(parent, i);
			const Nbr  *h = k.list + i * KNN;
			int			t,
						inside = 1;

			for (t = 0; t < k.len[i]; t++)
				if (uf_find(parent, h[t].v) != ri)
				{
					inside = 0;
					break;
				}
			if (inside && k.lb[i] <= best[ri].d2 && isfinite(k.lb[i]))
				scan[nscan++] = i;
			if ((i & 4095) == 0 && (st = rips_tick(c, 4096 * KNN * 8)) != TE_OK)
				goto done;
		}

		/* rescan those against all points; refill their lists */
		for (s0 = 0; s0 < nscan; s0 += RIPS_BLOCK)
		{
			int64_t		s1 = s0 + RIPS_BLOCK < nscan ? s0 + RIPS_BLOCK : nscan,
						bi = s1 - s0,
						s;

			for (s = 0; s < bi; s++)
			{
				int64_t		u = scan[s0 + s];

				ids[s] = u;
				rows_sq[s] = p->sq[u];
				memcpy(rows + s * dim, p->x + u * dim, sizeof(double) * (size_t) dim);
				k.len[u] = 0;
				k.lb[u] = INFINITY;
			}
			for (j0 = 0; j0 < n; j0 += COL_BLOCK)
			{
				int64_t		j1 = j0 + COL_BLOCK < n ? j0 + COL_BLOCK : n,
							bj = j1 - j0;

				rips_block_sq_rows(p, rows, rows_sq, ids, bi, j0, j1, blk);
				for (s = 0; s < bi; s++)
				{
					int64_t		u = ids[s],
								ru = uf_find(parent, u);
					const double *row = blk + s * bj;

					for (j = j0; j < j1; j++)
					{
						double		d2 = row[j - j0];

						if (d2 <= k.lb[u] && uf_find(parent, j) != ru)
							knn_offer(&k, u, d2, j);
					}
				}
				if ((st = rips_tick(c, (uint64_t) bi * (uint64_t) bj * (uint64_t) (dim / 4 + 16))) != TE_OK)
					goto done;
			}
			for (s = 0; s < bi; s++)
			{
				int64_t		u = ids[s];

				knn_seal(&k, u);
				if (k.len[u] > 0)
					best_offer(&best[uf_find(parent, u)], k.list[u * KNN].d2, u,
							   k.list[u * KNN].v);
			}
		}

		/* merge along every component's best edge */
		for (i = 0; i < n; i++)
		{
			int64_t		a,
						b;

			if (parent[i] != i || !isfinite(best[i].d2))
				continue;
			a = uf_find(parent, best[i].a);
			b = uf_find(parent, best[i].b);
			if (a == b)
				continue;
			uf_link(parent, size, a, b);
			tree[2 * ntree] = best[i].a;
			tree[2 * ntree + 1] = best[i].b;
			ntree++;
			comps--;
		}
	}

	/* the tree's lengths, directly, as float32 */
	for (i = 0; i < ntree; i++)
	{
		float		w = (float) rips_pair_dist(p, tree[2 * i], tree[2 * i + 1]);

		if (w <= threshold)
			st = rips_emit(c, 0, 0.0, (double) w);
		else
			essential++;
		if (st != TE_OK)
			goto done;
		if ((i & 1023) == 0 && (st = rips_tick(c, 1024 * (uint64_t) dim)) != TE_OK)
			goto done;
	}
	for (i = 0; i < essential; i++)
		if ((st = rips_emit(c, 0, 0.0, INFINITY)) != TE_OK)
			goto done;

done:
	rips_free(mem, k.list);
	rips_free(mem, k.len);
	rips_free(mem, k.lb);
	rips_free(mem, best);
	rips_free(mem, parent);
	rips_free(mem, size);
	rips_free(mem, blk);
	rips_free(mem, rows);
	rips_free(mem, rows_sq);
	rips_free(mem, ids);
	rips_free(mem, scan);
	rips_free(mem, tree);
	return st;
}
