/*
 * rips_sparse.c - the sparse Rips filtration and its persistence (H0, H1)
 *
 * The construction of Cavanna, Jahanseir and Sheehy ("A geometric
 * perspective on sparse filtrations", CCCG 2015), after Sheehy's sparse
 * Rips (2013), in the edge form GUDHI uses for the Rips scale:
 *
 *  1. the greedy permutation of the points (te_landmarks with k = n): each
 *     point p gets its insertion radius l_p, its distance to the points
 *     before it;
 *  2. every pair {p, q}, q after p (so l_q <= l_p), at distance d is kept
 *       with value d                  if d mu <= 2 l_q,
 *       with value 2 (d - l_q / mu)   else if d mu <= l_p + l_q and
 *                                         d mu <= l_q (1 + 1 / (1 - mu)),
 *     and dropped otherwise (mu in (0, 1) is the sparsity parameter);
 *  3. the flag complex of that weighted graph is filtered by its values.
 *
 * Every kept value is at least the pair's distance, so the flag complex at
 * scale t lies inside the Rips complex at t; and the Rips complex at t lies
 * inside the sparse filtration with vertex deaths (GUDHI's blockers) at
 * t / (1 - mu), which lies inside the flag complex at the same scale (the
 * same edges, fewer simplices).  The three are nested, so the persistence
 * modules are multiplicatively (1 / (1 - mu))-interleaved and the diagrams
 * of log-values are within bottleneck distance log(1 / (1 - mu)).
 *
 * The construction runs in a base metric: the Euclidean distance under
 * euclidean, the chord under cosine (cosine distance is chord^2 / 2, not a
 * metric), the angle under angular.  te_rips_sparse takes the user's
 * epsilon as the guarantee on the output's scale, 1 + epsilon, and chooses
 * mu so that it holds there (under cosine the base factor is the square
 * root of the output's).
 *
 * Persistence of the flag complex: H0 by Kruskal with union-find over the
 * edges in filtration order, H1 by cohomology over Z/2, the columns (edges
 * outside the spanning forest) from the youngest down.  A column's
 * coboundary is the set of triangles {a, b, k} for k a common neighbour of
 * a and b, found by merging the two sorted adjacency rows; the pivot is the
 * oldest triangle (diameter, then combinatorial index), and the reduction
 * adds earlier columns through their reduction vectors (lists of edges)
 * whose coboundaries are enumerated again, as Ripser does.  Vertex numbers
 * are 32-bit and nothing is n x n: memory is O(n) plus O(edges).
 */
#include "rips_graph_internal.h"
#include "rips_sparse_internal.h"
#include "topembed/landmarks.h"

#include <stdlib.h>

/* an edge of the sparse graph: its value in the base metric and its ends */
typedef struct SpEdge
{
	float		v;
	int32_t		a;				/* a > b */
	int32_t		b;
} SpEdge;

/* a triangle in a working column: its diameter and combinatorial index */
typedef struct SpTri
{
	float		d;
	int64_t		idx;
} SpTri;

/* one stored reduction vector: edges pool[off .. off + len) (filtration ranks) */
typedef struct SpCol
{
	int64_t		off;
	int64_t		len;
} SpCol;

/* the pivot table: triangle index -> column (open addressing) */
typedef struct SpHash
{
	int64_t    *key;			/* -1 = empty */
	int32_t    *val;
	int64_t		cap;			/* a power of two */
	int64_t		len;
} SpHash;

typedef struct Sp
{
	RipsCtx    *c;
	Arena	   *mem;
	int64_t		n;
	/* the edges in filtration order */
	SpEdge	   *e;
	int64_t		m;
	/* adjacency rows, sorted by neighbour: nbr and value of each entry */
	int64_t    *off;			/* n + 1 */
	int32_t    *nbr;
	float	   *val;
	/* the working column (a min-heap) and its reduction vector */
	SpTri	   *heap;
	int64_t		hlen;
	int64_t		hcap;
	int32_t    *vw;
	int64_t		vlen;
	int64_t		vcap;
	/* stored columns */
	SpCol	   *cols;
	int64_t		ncols;
	int32_t    *pool;
	int64_t		pool_len;
	int64_t		pool_cap;
	SpHash		piv;
	/* the value map to the output's units */
	TeMetric	metric;
	int			unit_exp;
} Sp;

/* ---- values ---- */

/* a value of the base metric in the output's units */
static double
sp_out(const Sp *s, double v)
{
	switch (s->metric)
	{
		case TE_METRIC_COSINE:
			return 0.5 * v * v;
		case TE_METRIC_EUCLIDEAN:
			{
				/* the scale back may overflow a finite value: clamp it */
				double		r = ldexp(v, s->unit_exp);

				return isinf(r) && !isinf(v) ? DBL_MAX : r;
			}
		case TE_METRIC_ANGULAR:
			break;
	}
	return v;
}

/*
 * count the work of a loop over edges: a check every 65,536 edges (i is
 * the loop's index), so a loop over hundreds of millions stays interruptible
 */
static inline TeStatus
sp_tick_edges(Sp *s, int64_t i)
{
	if ((i & 0xFFFF) != 0xFFFF)
		return TE_OK;
	return rips_tick(s->c, (uint64_t) 16 << 16);
}

/* a value of the output's units (a landmark radius) in the base metric */
static double
base_of_output(TeMetric metric, int unit_exp, double r)
{
	switch (metric)
	{
		case TE_METRIC_COSINE:
			return sqrt(2.0 * r);
		case TE_METRIC_EUCLIDEAN:
			return ldexp(r, -unit_exp);
		case TE_METRIC_ANGULAR:
			break;
	}
	return r;
}

/* see rips_sparse_internal.h */
double
rips_sparse_mu(TeMetric metric, double epsilon)
{
	double		base = metric == TE_METRIC_COSINE ? sqrt(1.0 + epsilon) : 1.0 + epsilon;

	return 1.0 - 1.0 / base;
}

/* ---- step 2: the sparse graph ---- */

typedef struct SpBuild
{
	Sp		   *s;
	const DistPoints *p;
	const double *lam;			/* insertion radius per point, base metric */
	const int64_t *rank;		/* place in the greedy permutation per point */
	double		mu;
	double		mu_top;			/* 1 + 1 / (1 - mu) */
	int64_t		cap;
	int64_t		pairs_done;
} SpBuild;

/* the value of the pair (i, j) at base distance d, or -1 if it is dropped */
static double
sp_edge_value(const SpBuild *b, int64_t i, int64_t j, double d)
{
	double		li = b->lam[i],
				lj = b->lam[j],
				t;

	/* lj is the later point's radius, the smaller */
	if (b->rank[i] > b->rank[j])
	{
		t = li;
		li = lj;
		lj = t;
	}
	if (d * b->mu <= 2.0 * lj)
		return d;
	if (d * b->mu <= li + lj && d * b->mu <= lj * b->mu_top)
		return 2.0 * (d - lj / b->mu);
	return -1.0;
}

/* keep the pairs of one tile of squared distances that the rule keeps */
static TeStatus
sp_tile(void *arg, int64_t i0, int64_t i1, int64_t j0, int64_t j1, const double *blk)
{
	SpBuild    *b = arg;
	Sp		   *s = b->s;
	int64_t		i,
				j,
				w = j1 - j0;
	TeStatus	st;

	for (i = i0; i < i1; i++)
	{
		int64_t		jend = j1 < i ? j1 : i;

		for (j = j0; j < jend; j++)
		{
			double		sq = blk[(i - i0) * w + (j - j0)],
						d,
						v;

			if (sq < 0.0)
				sq = 0.0;
			d = s->metric == TE_METRIC_ANGULAR ? dist_metric_from_sq(b->p, i, j, sq) : sqrt(sq);
			v = sp_edge_value(b, i, j, d);
			if (v < 0.0)
				continue;
			if (s->m == b->cap)
			{
				int64_t		cap = b->cap ? 2 * b->cap : 4096;
				SpEdge	   *ne = arena_grow(s->mem, s->e, sizeof(SpEdge) * (size_t) b->cap,
											sizeof(SpEdge) * (size_t) cap);

				if (!ne)
					return te_fail(s->c->env, s->mem->status,
								   "the sparse graph outgrew the memory limit at %lld edges, %.1f%% of the pairs examined; a larger epsilon keeps fewer",
								   (long long) s->m,
								   100.0 * (double) b->pairs_done / ((double) s->n * (double) (s->n - 1) / 2.0));
				s->e = ne;
				b->cap = cap;
			}
			if (s->m >= INT32_MAX)
				return te_fail(s->c->env, TE_LIMIT, "the sparse graph has more than %d edges",
							   INT32_MAX);
			s->e[s->m].v = (float) v;
			s->e[s->m].a = (int32_t) i;
			s->e[s->m].b = (int32_t) j;
			s->m++;
		}
		if (jend > j0)
			b->pairs_done += jend - j0;
	}
	s->c->done = (double) b->pairs_done;
	if ((st = rips_tick(s->c, (uint64_t) (i1 - i0) * (uint64_t) w * 4)) != TE_OK)
		return st;
	return TE_OK;
}

/*
 * sort the edges into filtration order: by value, ties by the order they
 * were found in (a float's bits order like the value for v >= +0.0)
 */
static TeStatus
sp_sort_edges(Sp *s)
{
	uint64_t   *keys;
	SpEdge	   *sorted;
	int64_t		i;
	TeStatus	st;

	keys = arena_array(s->mem, (size_t) (s->m > 0 ? s->m : 1), sizeof(uint64_t));
	if (!keys)
		return s->mem->status;
	for (i = 0; i < s->m; i++)
	{
		float		v = s->e[i].v;
		uint32_t	bits;

		memcpy(&bits, &v, sizeof(bits));
		keys[i] = ((uint64_t) bits << 32) | (uint64_t) i;
		if ((st = sp_tick_edges(s, i)) != TE_OK)
		{
			arena_free(s->mem, keys);
			return st;
		}
	}
	if ((st = rips_sort_keys(s->c, keys, s->m)) != TE_OK)
	{
		arena_free(s->mem, keys);
		return st;
	}
	sorted = arena_array(s->mem, (size_t) (s->m > 0 ? s->m : 1), sizeof(SpEdge));
	if (!sorted)
	{
		arena_free(s->mem, keys);
		return s->mem->status;
	}
	for (i = 0; i < s->m; i++)
	{
		sorted[i] = s->e[keys[i] & 0xFFFFFFFFu];
		if ((st = sp_tick_edges(s, i)) != TE_OK)
		{
			arena_free(s->mem, keys);
			return st;
		}
	}
	arena_free(s->mem, keys);
	arena_free(s->mem, s->e);
	s->e = sorted;
	return TE_OK;
}

/*
 * order the entries of row [lo, hi) by neighbour: an insertion sort, since
 * the rows are filled in the order the tiles found the edges, which is
 * already by neighbour (row i gets j < i in the tiles of its own block row,
 * left to right, then j > i from the block rows below), so this only checks
 */
static void
sp_row_sort(int32_t *nbr, float *val, int64_t lo, int64_t hi)
{
	int64_t		i,
				j;

	for (i = lo + 1; i < hi; i++)
	{
		int32_t		x = nbr[i];
		float		v = val[i];

		for (j = i; j > lo && nbr[j - 1] > x; j--)
		{
			nbr[j] = nbr[j - 1];
			val[j] = val[j - 1];
		}
		nbr[j] = x;
		val[j] = v;
	}
}

/* the adjacency rows of the edges, each sorted by neighbour */
static TeStatus
sp_rows(Sp *s)
{
	int64_t    *fill;
	int64_t		i;
	TeStatus	st;

	s->off = arena_array0(s->mem, (size_t) s->n + 1, sizeof(int64_t));
	s->nbr = arena_array(s->mem, (size_t) (2 * s->m + 1), sizeof(int32_t));
	s->val = arena_array(s->mem, (size_t) (2 * s->m + 1), sizeof(float));
	fill = arena_array(s->mem, (size_t) s->n + 1, sizeof(int64_t));
	if (!s->off || !s->nbr || !s->val || !fill)
	{
		arena_free(s->mem, fill);
		return s->mem->status;
	}
	for (i = 0; i < s->m; i++)
	{
		s->off[s->e[i].a + 1]++;
		s->off[s->e[i].b + 1]++;
		if ((st = sp_tick_edges(s, i)) != TE_OK)
		{
			arena_free(s->mem, fill);
			return st;
		}
	}
	for (i = 0; i < s->n; i++)
		s->off[i + 1] += s->off[i];
	memcpy(fill, s->off, sizeof(int64_t) * (size_t) s->n);
	for (i = 0; i < s->m; i++)
	{
		const SpEdge *e = &s->e[i];

		s->nbr[fill[e->a]] = e->b;
		s->val[fill[e->a]++] = e->v;
		s->nbr[fill[e->b]] = e->a;
		s->val[fill[e->b]++] = e->v;
		if ((st = sp_tick_edges(s, i)) != TE_OK)
		{
			arena_free(s->mem, fill);
			return st;
		}
	}
	arena_free(s->mem, fill);
	for (i = 0; i < s->n; i++)
	{
		sp_row_sort(s->nbr, s->val, s->off[i], s->off[i + 1]);
		if ((st = rips_tick(s->c, (uint64_t) (s->off[i + 1] - s->off[i]) * 8 + 1)) != TE_OK)
			return st;
	}
	return TE_OK;
}

/* ---- H0: Kruskal ---- */

/* the H0 bars; tree[] marks the edges of the spanning forest */
static TeStatus
sp_h0(Sp *s, uint64_t *tree)
{
	int32_t    *parent = arena_array(s->mem, (size_t) (s->n > 0 ? s->n : 1), sizeof(int32_t));
	int64_t		i,
				comps = s->n;
	TeStatus	st = TE_OK;

	if (!parent)
		return s->mem->status;
	for (i = 0; i < s->n; i++)
		parent[i] = (int32_t) i;
	rips_phase(s->c, "H0", "edges", (double) s->m);
	for (i = 0; i < s->m; i++)
	{
		int32_t		ra = (int32_t) rips_uf_find(parent, s->e[i].a),
					rb = (int32_t) rips_uf_find(parent, s->e[i].b);

		if (ra != rb)
		{
			/* the younger root (higher number) joins the older */
			if (ra < rb)
				parent[rb] = ra;
			else
				parent[ra] = rb;
			tree[i >> 6] |= (uint64_t) 1 << (i & 63);
			comps--;
			if ((st = rips_emit(s->c, 0, 0.0, sp_out(s, s->e[i].v))) != TE_OK)
				break;
		}
		if ((i & 4095) == 0)
		{
			s->c->done = (double) i;
			if ((st = rips_tick(s->c, 4096 * 16)) != TE_OK)
				break;
		}
	}
	for (i = 0; st == TE_OK && i < comps; i++)
		st = rips_emit(s->c, 0, 0.0, INFINITY);
	arena_free(s->mem, parent);
	return st;
}

/* ---- H1: cohomology over Z/2 ---- */

/* older in the filtration: smaller diameter, then smaller index */
static inline int
tri_older(const SpTri *x, const SpTri *y)
{
	return x->d < y->d || (x->d == y->d && x->idx < y->idx);
}

/* x (x - 1) / 2 (x - 2) below stays within int64 for every vertex number */
_Static_assert(INT64_MAX / TE_RIPS_SPARSE_MAX_POINTS / TE_RIPS_SPARSE_MAX_POINTS >
			   TE_RIPS_SPARSE_MAX_POINTS / 2,
			   "tri_index must not overflow at TE_RIPS_SPARSE_MAX_POINTS");

/* the combinatorial index of the triangle x > y > z */
static inline int64_t
tri_index(int64_t x, int64_t y, int64_t z)
{
	return x * (x - 1) / 2 * (x - 2) / 3 + y * (y - 1) / 2 + z;
}

/* tri_sort(): working entries oldest first, paced by the interrupt check */
#define ST_PREFIX tri
#define ST_ELEMENT_TYPE SpTri
#define ST_LESS(x, y) tri_older((x), (y))
#define ST_CHECK(c, units) rips_tick((c), (units))
#define ST_CHECK_TYPE RipsCtx
#include "sort_template.h"

/*
 * Cancel the pairs of equal triangles in the working column (Z/2): sort it
 * oldest first, keep the triangles of odd count.  A sorted array is a heap.
 * A heap of millions takes a while to sort, so the sort checks for
 * interrupts; if it stops, the heap is left as it was sorted so far, and
 * the run ends.
 */
static TeStatus
heap_compact(Sp *s)
{
	int64_t		i,
				len = 0;
	TeStatus	st;

	if ((st = tri_sort(s->c, s->heap, s->hlen)) != TE_OK)
		return st;
	for (i = 0; i < s->hlen;)
	{
		int64_t		j = i;

		while (j < s->hlen && s->heap[j].idx == s->heap[i].idx)
			j++;
		if ((j - i) & 1)
			s->heap[len++] = s->heap[i];
		i = j;
	}
	s->hlen = len;
	return TE_OK;
}

/* a full heap this large is compacted before it may grow */
#define SP_HEAP_COMPACT_AT ((int64_t) 1 << 16)

/*
 * the size from which a full working column is compacted: SP_HEAP_COMPACT_AT,
 * or TeRipsOptions.heap_budget where a test sets it lower (the heap then
 * starts that small too, so that small inputs compact often)
 */
static int64_t
sp_compact_at(const Sp *s)
{
	int64_t		b = s->c->heap_budget;

	return b > 0 && b < SP_HEAP_COMPACT_AT ? b : SP_HEAP_COMPACT_AT;
}

/* add t to the working column (a min-heap by age), compacting or growing it when full */
static TeStatus
heap_push(Sp *s, SpTri t)
{
	int64_t		i;
	TeStatus	st;

	/* most of a long column's entries cancel in pairs: drop them first */
	if (s->hlen == s->hcap && s->hcap >= sp_compact_at(s))
	{
		if ((st = heap_compact(s)) != TE_OK)
			return st;
		s->c->stats->compactions++;
		if (s->hlen <= s->hcap / 2)
			s->c->stats->window_shrinks++;
	}
	if (s->hlen == s->hcap)
	{
		int64_t		first = sp_compact_at(s) < 1024 ? sp_compact_at(s) : 1024,
					cap = s->hcap ? 2 * s->hcap : first;
		SpTri	   *nh = arena_grow(s->mem, s->heap, sizeof(SpTri) * (size_t) s->hcap,
									sizeof(SpTri) * (size_t) cap);

		if (!nh)
			return te_fail(s->c->env, s->mem->status,
						   "a working column of the sparse H1 reduction outgrew the memory limit at %lld triangles",
						   (long long) s->hlen);
		s->heap = nh;
		s->hcap = cap;
	}
	i = s->hlen++;
	while (i > 0)
	{
		int64_t		up = (i - 1) / 2;

		if (!tri_older(&t, &s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = t;
	return TE_OK;
}

/* take the oldest entry out of the working column (which is not empty) */
static SpTri
heap_pop(Sp *s)
{
	SpTri		top = s->heap[0],
				x = s->heap[--s->hlen];
	int64_t		i = 0,
				n = s->hlen;

	for (;;)
	{
		int64_t		k = 2 * i + 1;

		if (k >= n)
			break;
		if (k + 1 < n && tri_older(&s->heap[k + 1], &s->heap[k]))
			k++;
		if (!tri_older(&s->heap[k], &x))
			break;
		s->heap[i] = s->heap[k];
		i = k;
	}
	if (n > 0)
		s->heap[i] = x;
	return top;
}

/*
 * The pivot of the working column (its oldest triangle with an odd count),
 * taken out of the heap: 1 with *out set, 0 if the column is zero.  Pops
 * count 8 units of work each (a sift through the heap's levels), and a long
 * run of cancelling pairs calls the interrupt check; if that refuses, *st is
 * set and 0 is returned.
 */
static int
heap_pivot(Sp *s, SpTri *out, uint64_t *work, TeStatus *st)
{
	uint64_t	popped = 0;

	*st = TE_OK;
	while (s->hlen > 0)
	{
		SpTri		t = heap_pop(s);
		int			odd = 1;

		popped++;
		while (s->hlen > 0 && s->heap[0].idx == t.idx)
		{
			(void) heap_pop(s);
			popped++;
			odd ^= 1;
		}
		if (odd)
		{
			*out = t;
			*work += popped * 8;
			return 1;
		}
		if (popped >= 65536)
		{
			if ((*st = rips_tick(s->c, popped * 8)) != TE_OK)
				return 0;
			popped = 0;
		}
	}
	*work += popped * 8;
	return 0;
}

/*
 * The cofacets of edge r (a filtration rank): pushed into the working
 * column (oldest NULL), or only the oldest of them into *oldest (*found
 * says whether there is one), without touching the heap
 */
static TeStatus
cofacets(Sp *s, int64_t r, SpTri *oldest, int *found, uint64_t *work)
{
	const SpEdge *e = &s->e[r];
	int64_t		x = s->off[e->a],
				xe = s->off[e->a + 1],
				y = s->off[e->b],
				ye = s->off[e->b + 1];
	TeStatus	st;

	if (found)
		*found = 0;
	*work += (uint64_t) (xe - x + ye - y);
	while (x < xe && y < ye)
	{
		int32_t		kx = s->nbr[x],
					ky = s->nbr[y];

		if (kx < ky)
			x++;
		else if (ky < kx)
			y++;
		else
		{
			SpTri		t;
			int64_t		k = kx,
						a = e->a,
						b = e->b;

			t.d = e->v;
			if (s->val[x] > t.d)
				t.d = s->val[x];
			if (s->val[y] > t.d)
				t.d = s->val[y];
			/* a > b; place k */
			if (k > a)
				t.idx = tri_index(k, a, b);
			else if (k > b)
				t.idx = tri_index(a, k, b);
			else
				t.idx = tri_index(a, b, k);
			if (!oldest)
			{
				if ((st = heap_push(s, t)) != TE_OK)
					return st;
			}
			else if (!*found || tri_older(&t, oldest))
			{
				*oldest = t;
				*found = 1;
			}
			x++;
			y++;
		}
	}
	return TE_OK;
}

/* push the cofacets of edge r into the working column */
static inline TeStatus
push_coboundary(Sp *s, int64_t r, uint64_t *work)
{
	return cofacets(s, r, NULL, NULL, work);
}

/* a 64-bit mix of a triangle index for the pivot table (splitmix64's finaliser) */
static uint64_t
sp_hash64(int64_t k)
{
	uint64_t	x = (uint64_t) k;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* the column whose pivot is triangle key, or -1 */
static int32_t
piv_find(const SpHash *h, int64_t key)
{
	uint64_t	i = sp_hash64(key) & (uint64_t) (h->cap - 1);

	for (;;)
	{
		if (h->key[i] == -1)
			return -1;
		if (h->key[i] == key)
			return h->val[i];
		i = (i + 1) & (uint64_t) (h->cap - 1);
	}
}

/* record a pivot; the table was sized for every column up front */
static void
piv_insert(SpHash *h, int64_t key, int32_t val)
{
	uint64_t	i = sp_hash64(key) & (uint64_t) (h->cap - 1);

	while (h->key[i] != -1)
		i = (i + 1) & (uint64_t) (h->cap - 1);
	h->key[i] = key;
	h->val[i] = val;
	h->len++;
}

/* append edge r to the working reduction vector */
static TeStatus
vw_add(Sp *s, int32_t r)
{
	if (s->vlen == s->vcap)
	{
		int64_t		cap = s->vcap ? 2 * s->vcap : 256;
		int32_t    *nv = arena_grow(s->mem, s->vw, sizeof(int32_t) * (size_t) s->vcap,
									sizeof(int32_t) * (size_t) cap);

		if (!nv)
			return s->mem->status;
		s->vw = nv;
		s->vcap = cap;
	}
	s->vw[s->vlen++] = r;
	return TE_OK;
}

/* i32_sort(): edge ranks ascending, paced by the interrupt check */
#define ST_PREFIX i32
#define ST_ELEMENT_TYPE int32_t
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_CHECK(c, units) rips_tick((c), (units))
#define ST_CHECK_TYPE RipsCtx
#include "sort_template.h"

/*
 * store the working reduction vector as column col (its edges with an odd
 * count; a vector of the column's own edge alone takes no pool room)
 */
static TeStatus
store_column(Sp *s, int64_t col)
{
	int64_t		i,
				len = 0;
	TeStatus	st;

	if (s->vlen > 1)
	{
		if ((st = i32_sort(s->c, s->vw, s->vlen)) != TE_OK)
			return st;
		for (i = 0; i < s->vlen;)
		{
			int64_t		j = i;

			while (j < s->vlen && s->vw[j] == s->vw[i])
				j++;
			if ((j - i) & 1)
				s->vw[len++] = s->vw[i];
			i = j;
		}
	}
	else
		len = s->vlen;
	s->cols[col].len = len;
	s->cols[col].off = -1;
	if (len == 1 && s->vw[0] == (int32_t) col)
		return TE_OK;			/* implicit: the column's own edge */
	if (s->pool_len + len > s->pool_cap)
	{
		int64_t		cap = s->pool_cap ? 2 * s->pool_cap : 4096;
		int32_t    *np;

		while (cap < s->pool_len + len)
			cap *= 2;
		np = arena_grow(s->mem, s->pool, sizeof(int32_t) * (size_t) s->pool_cap,
						sizeof(int32_t) * (size_t) cap);
		if (!np)
			return te_fail(s->c->env, s->mem->status,
						   "the stored columns of the sparse H1 reduction outgrew the memory limit at %lld entries",
						   (long long) s->pool_len);
		s->pool = np;
		s->pool_cap = cap;
	}
	memcpy(s->pool + s->pool_len, s->vw, sizeof(int32_t) * (size_t) len);
	s->cols[col].off = s->pool_len;
	s->pool_len += len;
	return TE_OK;
}

/*
 * add column j to the working column: its edges to the reduction vector
 * and their coboundaries to the heap (a column not stored is its own edge
 * alone); a stored column may hold thousands of edges, so the interrupt
 * check is called along the way
 */
static TeStatus
add_column(Sp *s, int32_t j, uint64_t *work)
{
	const int32_t *v;
	int64_t		i;
	TeStatus	st;

	if (s->cols[j].off < 0)
	{
		if ((st = vw_add(s, j)) != TE_OK)
			return st;
		return push_coboundary(s, j, work);
	}
	v = s->pool + s->cols[j].off;
	for (i = 0; i < s->cols[j].len; i++)
	{
		if ((st = vw_add(s, v[i])) != TE_OK || (st = push_coboundary(s, v[i], work)) != TE_OK)
			return st;
		if (*work > RIPS_CHECK_INTERVAL)
		{
			if ((st = rips_tick(s->c, *work)) != TE_OK)
				return st;
			*work = 0;
		}
	}
	return TE_OK;
}

/* the H1 bars from the columns outside the spanning forest */
static TeStatus
sp_h1(Sp *s, const uint64_t *tree)
{
	int64_t		r,
				cap = 16,
				forest = 0,
				i;
	uint64_t	work = 0;
	TeStatus	st = TE_OK;

	/* at most one pivot per column outside the forest; a load of 2/3 at most */
	for (i = 0; i < (s->m + 63) / 64; i++)
		forest += __builtin_popcountll(tree[i]);
	while (cap < (3 * (s->m - forest)) / 2 + 2)
		cap *= 2;
	s->piv.cap = cap;
	s->piv.key = arena_array(s->mem, (size_t) cap, sizeof(int64_t));
	s->piv.val = arena_array(s->mem, (size_t) cap, sizeof(int32_t));
	s->cols = arena_array(s->mem, (size_t) (s->m > 0 ? s->m : 1), sizeof(SpCol));
	if (!s->piv.key || !s->piv.val || !s->cols)
		return s->mem->status;
	for (i = 0; i < cap; i++)
		s->piv.key[i] = -1;
	rips_phase(s->c, "H1 cohomology", "edges", (double) s->m);
	for (r = s->m - 1; r >= 0; r--)
	{
		SpTri		piv;
		int			found;

		s->cols[r].len = 0;
		s->cols[r].off = -1;
		if (tree[r >> 6] & ((uint64_t) 1 << (r & 63)))
			continue;
		s->c->stats->columns[1]++;
		s->hlen = 0;
		s->vlen = 0;
		if ((st = vw_add(s, (int32_t) r)) != TE_OK)
			break;
		/*
		 * the coboundary of one edge has no repeated triangle, so its
		 * oldest is its pivot: when no earlier column has that pivot the
		 * column is reduced as it is, and the heap is not needed
		 */
		(void) cofacets(s, r, &piv, &found, &work);
		if (found && piv_find(&s->piv, piv.idx) >= 0 &&
			(st = push_coboundary(s, r, &work)) != TE_OK)
			break;
		for (; s->hlen > 0;)
		{
			int32_t		j;

			found = heap_pivot(s, &piv, &work, &st);
			if (!found || (j = piv_find(&s->piv, piv.idx)) < 0)
				break;
			/* add column j: the pivot goes back to cancel with j's */
			if ((st = heap_push(s, piv)) != TE_OK)
				break;
			s->c->stats->additions++;
			if ((st = add_column(s, j, &work)) != TE_OK)
				break;
			if (work > RIPS_CHECK_INTERVAL)
			{
				if ((st = rips_tick(s->c, work)) != TE_OK)
					break;
				work = 0;
			}
		}
		if (st != TE_OK)
			break;
		if (!found)
		{
			/* a cocycle that never dies */
			if ((st = rips_emit(s->c, 1, sp_out(s, s->e[r].v), INFINITY)) != TE_OK)
				break;
		}
		else
		{
			if (s->vlen > 1)
				s->c->stats->reduced[1]++;
			else
				s->c->stats->emergent[1]++;
			piv_insert(&s->piv, piv.idx, (int32_t) r);
			if ((st = store_column(s, r)) != TE_OK)
				break;
			if ((st = rips_emit(s->c, 1, sp_out(s, s->e[r].v), sp_out(s, piv.d))) != TE_OK)
				break;
		}
		s->c->done = (double) (s->m - r);
		work += 16;
		if (work > RIPS_CHECK_INTERVAL / 16)
		{
			if ((st = rips_tick(s->c, work)) != TE_OK)
				break;
			work = 0;
		}
	}
	return st;
}

/* ---- the run ---- */

/* see rips_sparse_internal.h */
size_t
rips_sparse_fixed_bytes(int64_t n, int dim)
{
	double		b = 0.0;

	b += (double) te_landmarks_memory(n, dim, n);	/* the greedy permutation */
	b += (double) n * (sizeof(int64_t) + sizeof(double)) * 2;	/* its output, lam, rank */
	b += (double) (n + 1) * sizeof(int64_t) * 2;	/* rows and their fill */
	b += (double) n * sizeof(int32_t);	/* union-find */
	b += (double) DIST_BLOCK * DIST_BLOCK * sizeof(double);
	if (b > (double) SIZE_MAX / 2)
		return SIZE_MAX;
	return (size_t) b;
}

/* see rips_sparse_internal.h */
TeStatus
rips_sparse_run(RipsCtx *c, const DistPoints *p, const double *points, double epsilon,
				TeRipsSparseInfo *info)
{
	Sp			s;
	SpBuild		b;
	TeLandmarks lm;
	double	   *lam = NULL;
	int64_t    *rank = NULL,
				i;
	uint64_t   *tree = NULL;
	TeStatus	st;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	memset(&lm, 0, sizeof(lm));
	s.c = c;
	s.mem = c->mem;
	s.n = p->n;
	s.metric = p->metric;
	s.unit_exp = p->unit_exp;
	info->epsilon = epsilon;
	info->mu = rips_sparse_mu(p->metric, epsilon);
	info->n_edges = 0;
	if (s.n == 0)
		return TE_OK;

	/* 1. the greedy permutation and the insertion radii */
	rips_phase(c, "greedy permutation", "points", (double) s.n);
	if ((st = te_landmarks_threads(c->env, points, s.n, p->dim, p->metric, s.n, 0, c->threads, &lm)) != TE_OK)
		return st;
	lam = arena_array(s.mem, (size_t) s.n, sizeof(double));
	rank = arena_array(s.mem, (size_t) s.n, sizeof(int64_t));
	if (!lam || !rank)
	{
		st = s.mem->status;
		goto done;
	}
	for (i = 0; i < s.n; i++)
	{
		int64_t		q = lm.index[i];

		rank[q] = i;
		lam[q] = i == 0 ? INFINITY : base_of_output(p->metric, p->unit_exp, lm.radius[i]);
	}
	te_landmarks_free(c->env, &lm);

	/* 2. the sparse graph, tile by tile, in filtration order */
	b.s = &s;
	b.p = p;
	b.lam = lam;
	b.rank = rank;
	b.mu = info->mu;
	b.mu_top = 1.0 + 1.0 / (1.0 - info->mu);
	rips_phase(c, "sparse graph", "pairs", (double) s.n * (double) (s.n - 1) / 2.0);
	if ((st = dist_lower_tiles(s.mem, p, sp_tile, &b, NULL)) != TE_OK)
	{
		info->n_edges = s.m;	/* how far it got, for the caller's message */
		goto done;
	}
	arena_free(s.mem, lam);
	arena_free(s.mem, rank);
	lam = NULL;
	rank = NULL;
	info->n_edges = s.m;
	c->stats->n_edges = s.m;
	c->stats->n_edges_collapsed = s.m;
	rips_phase(c, "sorting edges", "edges", 0.0);
	/* the rows first: the edges are still in the tile order, which sorts them */
	if ((st = sp_rows(&s)) != TE_OK || (st = sp_sort_edges(&s)) != TE_OK)
		goto done;

	/* 3. H0, then H1 */
	tree = arena_alloc0(s.mem, sizeof(uint64_t) * (size_t) ((s.m + 63) / 64 + 1));
	if (!tree)
	{
		st = s.mem->status;
		goto done;
	}
	if ((st = sp_h0(&s, tree)) != TE_OK)
		goto done;
	if (c->max_dim >= 1)
		st = sp_h1(&s, tree);
done:
	te_landmarks_free(c->env, &lm);
	/* every block goes with the arena; the run's caller frees it */
	return st;
}
