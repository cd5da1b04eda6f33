/*
 * rips_reduce.c - persistent cohomology of a flag filtration, Ripser-style
 *
 * Simplices are numbered by the combinatorial number system: a k-simplex
 * with vertices v0 > v1 > ... > vk has index sum_i C(v_i, k + 1 - i), and
 * the index orders k-simplices colexicographically.  The filtration orders
 * simplices by diameter, then by decreasing index; cohomology reduces the
 * coboundary columns in the reverse order (diameter descending, index
 * ascending), and a column's pivot is its oldest cofacet.  Coboundaries are
 * never stored: a cofacet is a vertex w adjacent to every vertex of the
 * simplex, found by AND-ing adjacency bitsets, and its diameter is read from
 * the value matrix.
 *
 * Dimension k's columns are produced by a sweep over the edges from the
 * longest down: the k-simplices whose latest edge is e are e plus a
 * (k-1)-clique among the common neighbours of e's ends that come before e.
 * So no list of simplices is ever materialised.  During the sweep, "lvl"
 * holds the graph at the current diameter d, which answers in a few word
 * operations the question behind every shortcut: which is the oldest
 * cofacet of the same diameter (the highest common neighbour in lvl)?
 *
 * Shortcuts, in the order tried for a column s of diameter d:
 *  1. s is the oldest cofacet of its youngest facet (an apparent pair one
 *     dimension down): its column is cleared;
 *  2. s was the pivot of a column one dimension down (clearing);
 *  3. s's oldest cofacet r has diameter d and s is r's youngest facet
 *     (an apparent pair): no column;
 *  4. r exists, is nobody's pivot yet and is not claimed by an apparent
 *     pair (an emergent pair): paired with no reduction at all.
 * Otherwise s's coboundary goes into a heap and is reduced against earlier
 * columns (found by pivot in a hash table) and against the apparent pairs,
 * whose columns are not stored but rebuilt when needed.  The reduced
 * columns keep only their reduction vector (Ripser's "V"), normalised so
 * that the pivot's coefficient is 1.
 *
 * The working heap has a budget (HEAP_BUDGET entries).  A column that adds
 * many others (a long-lived class on low-dimensional data) would otherwise
 * hold every cofacet of every column it added: 58 million entries, 700 MB,
 * for one column of 2,500 points on a curve.  Past the budget the heap
 * keeps only a window of diameters (wlo, whi] that starts at its oldest
 * entry: the entries beyond whi leave, and later pushes skip them.  The
 * pivot is still the oldest entry, since every entry up to whi is there.
 * When the window sums to zero, it moves above whi and the cofacets beyond
 * the old window are pushed again from the working reduction vector.
 *
 * Coefficients are in Z/p for a prime p <= 46337.
 */
#include "rips_reduce_internal.h"
#include "parallel_internal.h"

#include <stdlib.h>

/*
 * One entry of a coboundary or a reduction vector, 12 bytes: the simplex
 * index shifted left by cbits with the coefficient in the low bits (for
 * Z/2 there are no coefficient bits: every stored coefficient is 1), and
 * the diameter.  Ripser packs its entries the same way.
 */
typedef struct __attribute__((packed)) REntry
{
	uint64_t	key;
	float		diam;
} REntry;

/* pivot index -> column reference */
typedef struct PivHash
{
	int64_t    *keys;			/* -1 = empty */
	int64_t    *vals;
	int64_t		cap;			/* power of two */
	int64_t		len;
} PivHash;

/* a stored reduction vector */
typedef struct Col
{
	REntry	   *e;
	int64_t		len;
} Col;

/* a k-simplex met in a tie group, waiting to be sorted by index */
typedef struct Pending
{
	int64_t		idx;
	uint64_t	packed;			/* up to four 16-bit vertices */
} Pending;

#define MAXV (TE_RIPS_MAX_DIM + 2)	/* vertices of the largest cofacet */

/* heaps of this many entries (768 kB) or more are compacted before growing */
#define HEAP_COMPACT_MIN ((int64_t) 1 << 16)

/*
 * The working heap holds at most about this many entries (48 MB), unless
 * one diameter alone has more: beyond it, the cofacets of the largest
 * diameters leave the heap and come back when the pivot reaches them (see
 * window_shrink).  Smaller budgets cost time: each return pushes the
 * cofacets of the whole working reduction vector again.
 */
#define HEAP_BUDGET ((int64_t) 1 << 22)

/* bins of the diameter histogram that chooses a shrunk window */
#define WINDOW_BINS 4096

struct Batch;

typedef struct Eng
{
	RipsCtx    *c;
	Arena	   *mem;
	const RipsGraph *g;
	int64_t		n;
	int64_t		W;
	const float *D;
	const uint64_t *adj;
	uint64_t   *lvl;
	float		level;
	int64_t    *binom;			/* (K + 1) x (n + 1) */
	int			K;
	uint32_t	p;
	int			cbits;			/* coefficient bits in an entry key */
	uint64_t	cmask;
	uint32_t   *inv;
	uint64_t   *cand;			/* scratch of push_coboundary */
	uint64_t   *cset;			/* scratch of the sweep */
	/* the working coboundary: a min-heap by age */
	REntry	   *heap;
	int64_t		hlen;
	int64_t		hcap;
	int64_t		hlive;			/* entries after the last compaction */
	int64_t		hbudget;		/* entries the heap may hold before its window shrinks */
	float		wlo;			/* the heap holds the cofacets of diameter in (wlo, whi] */
	float		whi;
	/* the working reduction vector */
	REntry	   *vw;
	int64_t		vlen;
	int64_t		vcap;
	/* pivots of this dimension and of the one below */
	PivHash		cur;
	PivHash		prev;
	/* stored reduction vectors: a table and a chunked pool */
	Col		   *cols;
	int64_t		ncols;
	int64_t		capcols;
	REntry	  **chunks;
	int64_t		nchunks;
	int64_t		capchunks;
	REntry	   *pool;
	int64_t		pool_used;
	int64_t		pool_cap;
	/* tie groups */
	Pending    *pend;
	int64_t		plen;
	int64_t		pcap;
	/* the H1 loops of the generators: breadth-first search scratch */
	int32_t    *bfs_parent;
	int32_t    *bfs_queue;
	uint64_t   *bfs_seen;

	/*
	 * lvl_exact: lvl holds the graph of diameter "level" exactly; else
	 * (the threaded sweep) it may hold more edges, of values up to a later
	 * level, and every question put to it checks the values.
	 */
	int			lvl_exact;
	/* a worker's copy (see the threaded sweep): no env callback, bounded scratch */
	int			worker;
	uint64_t	wwork;			/* a worker's work units in its task */
	uint64_t	wcheck;			/* its next par_stop_asked at this much work */
	struct Batch *bat;			/* the threaded sweep's queue, or NULL */
} Eng;

/*
 * A worker asks whether to give its column up (the calling thread then
 * reduces it afresh) every this much work: so an interrupt ends a long
 * column within a few milliseconds (see par_stop_asked)
 */
#define TASK_CHECK_WORK RIPS_CHECK_INTERVAL

/*
 * count work: on the calling thread, rips_tick; a worker only counts, and
 * says TE_LIMIT (give the column up) when an interrupt asks its task to end
 */
static inline TeStatus
eng_tick(Eng *E, uint64_t units)
{
	if (E->worker)
	{
		E->wwork += units;
		if (E->wwork < E->wcheck)
			return TE_OK;
		E->wcheck = E->wwork + TASK_CHECK_WORK;
		return par_stop_asked() ? TE_LIMIT : TE_OK;
	}
	return rips_tick(E->c, units);
}

/* ---- small helpers ---- */

/* C(v, t) from the table */
static inline int64_t
binom(const Eng *E, int64_t v, int t)
{
	return E->binom[(int64_t) t * (E->n + 1) + v];
}

/* index of the simplex with vertices v[0] > ... > v[k] */
static inline int64_t
simplex_idx(const Eng *E, const int *v, int k)
{
	int64_t		s = 0;
	int			i;

	for (i = 0; i <= k; i++)
		s += binom(E, v[i], k + 1 - i);
	return s;
}

/* the vertices of the k-simplex with index idx, descending */
static void
simplex_vertices(const Eng *E, int64_t idx, int k, int *v)
{
	int64_t		top = E->n;
	int			i;

	for (i = 0; i <= k; i++)
	{
		int			t = k + 1 - i;
		int64_t		lo = t - 1,
					hi = top - 1;
		const int64_t *B = E->binom + (int64_t) t * (E->n + 1);

		/* the largest v in [lo, hi] with C(v, t) <= idx */
		while (lo < hi)
		{
			int64_t		mid = (lo + hi + 1) / 2;

			if (B[mid] <= idx)
				lo = mid;
			else
				hi = mid - 1;
		}
		v[i] = (int) lo;
		idx -= B[lo];
		top = lo;
	}
}

/* the value of edge ab (INF if absent) */
static inline float
edge_value(const Eng *E, int a, int b)
{
	return E->D[(int64_t) a * E->n + b];
}

/* a * b mod p */
static inline uint32_t
mulmod(uint32_t a, uint32_t b, uint32_t p)
{
	return (uint32_t) (((uint64_t) a * b) % p);
}

/* the simplex index of an entry */
static inline int64_t
e_idx(const Eng *E, const REntry *e)
{
	return (int64_t) (e->key >> E->cbits);
}

/* the coefficient of an entry (1 for Z/2) */
static inline uint32_t
e_coef(const Eng *E, const REntry *e)
{
	return E->cbits ? (uint32_t) (e->key & E->cmask) : 1;
}

/* pack an index and a coefficient into a key */
static inline uint64_t
e_key(const Eng *E, int64_t idx, uint32_t coef)
{
	return ((uint64_t) idx << E->cbits) | (E->cbits ? (uint64_t) coef : 0);
}

/*
 * The youngest facet of the simplex v[0..nv-1] of diameter d: the facet of
 * diameter d with the smallest index, i.e. the one leaving out the largest
 * vertex possible.  Returns the position of the vertex left out.
 */
static int
youngest_facet(const Eng *E, const int *v, int nv, float d)
{
	float		e[MAXV][MAXV];
	int			i,
				j,
				m;

	for (i = 0; i < nv; i++)
		for (j = i + 1; j < nv; j++)
			e[i][j] = edge_value(E, v[i], v[j]);
	for (m = 0; m < nv; m++)
	{
		float		fd = 0.0f;

		for (i = 0; i < nv; i++)
			for (j = i + 1; j < nv; j++)
				if (i != m && j != m && e[i][j] > fd)
					fd = e[i][j];
		if (fd == d)
			return m;
	}
	return -1;
}

/* the highest vertex adjacent in rows to all of v[0..nv-1], or -1 */
static inline int64_t
top_common(const Eng *E, const uint64_t *rows, const int *v, int nv)
{
	int64_t		w;
	int			i;

	for (w = E->W - 1; w >= 0; w--)
	{
		uint64_t	x = rows[(int64_t) v[0] * E->W + w];

		for (i = 1; i < nv && x; i++)
			x &= rows[(int64_t) v[i] * E->W + w];
		if (x)
			return (w << 6) + 63 - __builtin_clzll(x);
	}
	return -1;
}

/*
 * The highest vertex above floor adjacent to all of v[0..nv-1] in the
 * graph of diameter d (which lvl holds, perhaps with more: see lvl_exact),
 * or -1
 */
static inline int64_t
level_top(const Eng *E, const int *v, int nv, float d, int64_t floor)
{
	int64_t		w;
	int			i;

	if (E->lvl_exact)
	{
		w = top_common(E, E->lvl, v, nv);
		return w > floor ? w : -1;
	}
	for (w = E->W - 1; w >= 0 && (w << 6) + 63 > floor; w--)
	{
		uint64_t	x = E->lvl[(int64_t) v[0] * E->W + w];

		for (i = 1; i < nv && x; i++)
			x &= E->lvl[(int64_t) v[i] * E->W + w];
		while (x)
		{
			int64_t		y = (w << 6) + 63 - __builtin_clzll(x);

			if (y <= floor)
				return -1;
			x &= ~((uint64_t) 1 << (y & 63));
			for (i = 0; i < nv && E->D[(int64_t) v[i] * E->n + y] <= d; i++)
				;
			if (i == nv)
				return y;
		}
	}
	return -1;
}

/*
 * Is there a cofacet of v[0..nv-1] of diameter <= d made with a vertex
 * above "above"?  (Then the cofacet made with "above" is not the oldest.)
 */
static int
older_cofacet(const Eng *E, const int *v, int nv, float d, int64_t above)
{
	int64_t		w,
				lowword = above >> 6;
	int			i;

	if (d == E->level)
		return level_top(E, v, nv, d, above) >= 0;
	for (w = E->W - 1; w >= lowword; w--)
	{
		uint64_t	x = E->adj[(int64_t) v[0] * E->W + w];

		for (i = 1; i < nv && x; i++)
			x &= E->adj[(int64_t) v[i] * E->W + w];
		if (w == lowword)
			x &= (above & 63) == 63 ? 0 : ~(((uint64_t) 2 << (above & 63)) - 1);
		while (x)
		{
			int64_t		y = (w << 6) + 63 - __builtin_clzll(x);
			float		dm = 0.0f;

			x &= ~((uint64_t) 1 << (y & 63));
			for (i = 0; i < nv; i++)
			{
				float		t = E->D[(int64_t) v[i] * E->n + y];

				if (t > dm)
					dm = t;
			}
			if (dm <= d)
				return 1;
		}
	}
	return 0;
}

/* copy v without position m into out */
static inline void
without(const int *v, int nv, int m, int *out)
{
	int			i,
				j = 0;

	for (i = 0; i < nv; i++)
		if (i != m)
			out[j++] = v[i];
}

/* insert w into the descending v[0..nv-1]; returns its position */
static inline int
with_vertex(const int *v, int nv, int w, int *out)
{
	int			i,
				j = 0,
				pos = -1;

	for (i = 0; i < nv; i++)
	{
		if (pos < 0 && w > v[i])
		{
			pos = j;
			out[j++] = w;
		}
		out[j++] = v[i];
	}
	if (pos < 0)
	{
		pos = j;
		out[j] = w;
	}
	return pos;
}

/* ---- the pivot hash ---- */

/* a multiplicative hash of a simplex index */
static inline uint64_t
hash64(int64_t k)
{
	uint64_t	x = (uint64_t) k * 0x9E3779B97F4A7C15ull;

	return x ^ (x >> 29);
}

/* an empty table of cap slots (a power of two) */
static TeStatus
hash_init(Eng *E, PivHash *h, int64_t cap)
{
	int64_t		i;

	h->cap = cap;
	h->len = 0;
	h->keys = arena_array(E->mem, (size_t) cap, sizeof(int64_t));
	h->vals = arena_array(E->mem, (size_t) cap, sizeof(int64_t));
	if (!h->keys || !h->vals)
		return E->mem->status;
	for (i = 0; i < cap; i++)
		h->keys[i] = -1;
	return TE_OK;
}

/* free a table */
static void
hash_release(Eng *E, PivHash *h)
{
	arena_free(E->mem, h->keys);
	arena_free(E->mem, h->vals);
	h->keys = h->vals = NULL;
	h->cap = h->len = 0;
}

/* the value stored for key, or -1 */
static inline int64_t
hash_find(const PivHash *h, int64_t key)
{
	uint64_t	mask = (uint64_t) h->cap - 1,
				i;

	if (h->cap == 0)
		return -1;
	for (i = hash64(key) & mask;; i = (i + 1) & mask)
	{
		if (h->keys[i] == key)
			return h->vals[i];
		if (h->keys[i] == -1)
			return -1;
	}
}

/* insert key -> val, doubling the table past half full */
static TeStatus
hash_insert(Eng *E, PivHash *h, int64_t key, int64_t val)
{
	uint64_t	mask,
				i;

	if ((h->len + 1) * 2 > h->cap)
	{
		PivHash		nh;
		int64_t		j;
		TeStatus	st = hash_init(E, &nh, h->cap * 2);

		if (st != TE_OK)
		{
			hash_release(E, &nh);
			return st;
		}
		for (j = 0; j < h->cap; j++)
			if (h->keys[j] != -1)
			{
				uint64_t	m2 = (uint64_t) nh.cap - 1,
							t;

				for (t = hash64(h->keys[j]) & m2; nh.keys[t] != -1; t = (t + 1) & m2)
					;
				nh.keys[t] = h->keys[j];
				nh.vals[t] = h->vals[j];
			}
		nh.len = h->len;
		hash_release(E, h);
		*h = nh;
	}
	mask = (uint64_t) h->cap - 1;
	for (i = hash64(key) & mask; h->keys[i] != -1; i = (i + 1) & mask)
		;
	h->keys[i] = key;
	h->vals[i] = val;
	h->len++;
	return TE_OK;
}

/*
 * Column references: >= 0 is a stored vector; <= -2 encodes a one-simplex
 * vector (an emergent pair) as -(2 * idx + sign) - 2, whose diameter is the
 * pivot's.
 */
static inline int64_t
trivial_ref(int64_t idx, int sign)
{
	return -(2 * idx + sign) - 2;
}

/*
 * In-place sorts by a 64-bit field, so that no hidden allocation happens
 * (glibc's qsort may malloc a scratch copy): the introsort of
 * sort_template.h, an n log n worst case
 */
#define ST_PREFIX entries
#define ST_ELEMENT_TYPE REntry
#define ST_LESS(x, y) ((x)->key < (y)->key)
#include "sort_template.h"

#define ST_PREFIX pending
#define ST_ELEMENT_TYPE Pending
#define ST_LESS(x, y) ((x)->idx < (y)->idx)
#include "sort_template.h"

/* ---- the working heap (oldest entry on top) ---- */


/* does a come before b in the filtration? */
static inline int
older(const REntry *a, const REntry *b)
{
	return a->diam < b->diam || (a->diam == b->diam && a->key > b->key);
}

static inline void heap_sift_down(REntry *h, int64_t n, int64_t i, REntry x);

/*
 * Merge the duplicate entries of the heap and drop the cancelled ones, then
 * rebuild it.  Entries of added columns pile up in the heap until they reach
 * the top; a long reduction would otherwise hold many dead copies.
 */
static TeStatus
heap_compact(Eng *E)
{
	REntry	   *h = E->heap,
			   *aux;
	int64_t		i,
				out = 0,
				n = E->hlen;
	uint32_t	p = E->p;
	uint64_t	all = 0;

	/*
	 * sort by key: LSD radix on the bits in use, else (no room for its
	 * copy, or a heap past half its budget) in place
	 */
	for (i = 0; i < n; i++)
		all |= h[i].key;
	/* the radix sort's copy only while it stays within the heap's budget */
	aux = n <= E->hbudget / 2 && !E->worker ?
		arena_array(E->mem, (size_t) n, sizeof(REntry)) : NULL;
	if (aux)
	{
		int64_t		count[1 << 11];
		int			bits = 64 - __builtin_clzll(all | 1),
					shift;
		REntry	   *src = h,
				   *dst = aux;

		for (shift = 0; shift < bits; shift += 11)
		{
			int64_t		sum = 0;
			TeStatus	st = eng_tick(E, (uint64_t) n * 8);

			if (st != TE_OK)
			{
				arena_free(E->mem, aux);
				return st;
			}
			memset(count, 0, sizeof(count));
			for (i = 0; i < n; i++)
				count[(src[i].key >> shift) & 2047]++;
			for (i = 0; i < 2048; i++)
			{
				int64_t		t = count[i];

				count[i] = sum;
				sum += t;
			}
			for (i = 0; i < n; i++)
				dst[count[(src[i].key >> shift) & 2047]++] = src[i];
			{
				REntry	   *t = src;

				src = dst;
				dst = t;
			}
		}
		if (src != h)
			memcpy(h, src, sizeof(REntry) * (size_t) n);
		arena_free(E->mem, aux);
	}
	else
		entries_sort(h, n);
	for (i = 0; i < n;)
	{
		int64_t		j = i + 1;
		int64_t		idx = e_idx(E, &h[i]);
		uint32_t	c = e_coef(E, &h[i]);

		while (j < n && e_idx(E, &h[j]) == idx)
		{
			c += e_coef(E, &h[j]);
			if (c >= p)
				c -= p;
			j++;
		}
		if (c != 0)
		{
			h[out].key = e_key(E, idx, c);
			h[out].diam = h[i].diam;
			out++;
		}
		i = j;
	}
	/* hardly anything cancelled: do not try again for this column */
	E->hlive = (out * 10 > n * 9) ? INT64_MAX / 4 : out;
	E->hlen = out;
	for (i = (out - 2) / 4; out > 1 && i >= 0; i--)
		heap_sift_down(h, out, i, h[i]);
	return eng_tick(E, (uint64_t) n * 8);
}

/* the bits of a diameter (>= +0.0), in the order of the values */
static inline uint32_t
diam_bits(float d)
{
	uint32_t	b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/*
 * Lower the top of the heap's window so that about half the budget stays:
 * the entries of the largest diameters leave the heap, and the window's top
 * whi becomes the largest diameter kept.  The cofacets left out come back
 * when the pivot passes whi (window_advance), so the column's pivot is
 * still its oldest entry: every entry of diameter <= whi is in the heap.
 * Nothing happens when one diameter holds too many entries on its own.
 */
static TeStatus
window_shrink(Eng *E)
{
	REntry	   *h = E->heap;
	int64_t		n = E->hlen,
				i,
				out = 0,
				sum = 0,
				target = E->hbudget / 2,
				count[WINDOW_BINS];
	uint32_t	blo = diam_bits(h[0].diam),	/* the top is the oldest entry */
				bhi = blo;
	uint64_t	span;
	int			b,
				keep = 0;
	float		top = h[0].diam;

	for (i = 0; i < n; i++)
		if (diam_bits(h[i].diam) > bhi)
			bhi = diam_bits(h[i].diam);
	if (bhi == blo)
		return eng_tick(E, (uint64_t) n);
	span = (uint64_t) (bhi - blo) + 1;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[(uint64_t) (diam_bits(h[i].diam) - blo) * WINDOW_BINS / span]++;
	/* the most bins whose entries fit the target (the first bin at least) */
	for (b = 0; b < WINDOW_BINS; b++)
	{
		sum += count[b];
		if (sum > target && b > 0)
			break;
		keep = b;
	}
	for (i = 0; i < n; i++)
		if ((int64_t) ((uint64_t) (diam_bits(h[i].diam) - blo) * WINDOW_BINS / span) <= keep &&
			h[i].diam > top)
			top = h[i].diam;
	if (diam_bits(top) < bhi)
	{
		for (i = 0; i < n; i++)
			if (h[i].diam <= top)
				h[out++] = h[i];
		E->hlen = out;
		E->hlive = out;
		E->whi = top;
		E->c->stats->window_shrinks++;
		for (i = (out - 2) / 4; out > 1 && i >= 0; i--)
			heap_sift_down(h, out, i, h[i]);
	}
	return eng_tick(E, (uint64_t) n * 4);
}

/*
 * Room for extra more entries: compact when mostly dead; past the budget,
 * shrink the window; else grow
 */
static TeStatus
heap_reserve(Eng *E, int64_t extra)
{
	/*
	 * a worker's heap has a fixed room, no larger than the budget: it is
	 * compacted in place when mostly dead, and a column that still does
	 * not fit is given up (the calling thread reduces it afresh), so a
	 * worker's window is never cut
	 */
	if (E->worker)
	{
		TeStatus	st;

		if (E->hlen + extra > E->hcap && E->hlen >= 2 * E->hlive &&
			(st = heap_compact(E)) != TE_OK)
			return st;
		return E->hlen + extra > E->hcap ? TE_LIMIT : TE_OK;
	}
	if (E->hlen + extra > E->hbudget && E->hlen > 0)
	{
		TeStatus	st;

		if (E->hlen >= 2 * E->hlive && (st = heap_compact(E)) != TE_OK)
			return st;
		if (E->hlen + extra > E->hbudget && E->hlen > 0 && (st = window_shrink(E)) != TE_OK)
			return st;
	}
	if (E->hlen + extra > E->hcap)
	{
		int64_t		cap = E->hcap ? E->hcap : 1024;
		REntry	   *nh;

		/* compact rather than grow when the heap is mostly dead copies */
		if (E->hlen >= HEAP_COMPACT_MIN && E->hlen >= 2 * E->hlive)
		{
			TeStatus	st = heap_compact(E);

			if (st != TE_OK)
				return st;
			if (E->hlen + extra <= E->hcap)
				return TE_OK;
		}
		while (cap < E->hlen + extra)
			cap += cap / 2;
		/* no growth past the budget that the cut could have avoided */
		if (cap > E->hbudget + E->n && E->hlen + extra <= E->hbudget + E->n)
			cap = E->hbudget + E->n;
		nh = arena_grow(E->mem, E->heap, sizeof(REntry) * (size_t) E->hlen,
					   sizeof(REntry) * (size_t) cap);
		if (!nh)
			return E->mem->status;
		E->heap = nh;
		E->hcap = cap;
	}
	return TE_OK;
}

/* a 4-ary heap: the children of i are 4i+1 .. 4i+4 */
static inline void
heap_push(Eng *E, REntry x)
{
	REntry	   *h = E->heap;
	int64_t		i = E->hlen++;

	while (i > 0)
	{
		int64_t		par = (i - 1) >> 2;

		if (!older(&x, &h[par]))
			break;
		h[i] = h[par];
		i = par;
	}
	h[i] = x;
}

/* place x at i and sift it down a heap of n entries */
static inline void
heap_sift_down(REntry *h, int64_t n, int64_t i, REntry x)
{
	for (;;)
	{
		int64_t		c = 4 * i + 1,
					m,
					e;

		if (c >= n)
			break;
		m = c;
		e = c + 4 < n ? c + 4 : n;
		for (c = c + 1; c < e; c++)
			if (older(&h[c], &h[m]))
				m = c;
		if (!older(&h[m], &x))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* remove the top entry */
static inline void
heap_pop(Eng *E)
{
	int64_t		n = --E->hlen;

	if (n > 0)
		heap_sift_down(E->heap, n, 0, E->heap[n]);
}

/*
 * The oldest entry with a nonzero summed coefficient (left in the heap):
 * 1 with *out set, 0 if the column is zero.  Long runs of cancelling
 * entries call the interrupt check; if it refuses, *st is set and 0 is
 * returned.
 */
static int
heap_pivot(Eng *E, REntry *out, uint64_t *work, TeStatus *st)
{
	uint32_t	p = E->p;
	uint64_t	popped = 0;

	*st = TE_OK;
	while (E->hlen > 0)
	{
		REntry		top = E->heap[0];
		int64_t		idx = e_idx(E, &top);
		uint32_t	c = e_coef(E, &top);

		heap_pop(E);
		popped++;
		while (E->hlen > 0 && e_idx(E, &E->heap[0]) == idx)
		{
			c += e_coef(E, &E->heap[0]);
			if (c >= p)
				c -= p;
			heap_pop(E);
			popped++;
		}
		if (c != 0)
		{
			top.key = e_key(E, idx, c);
			heap_push(E, top);
			*out = top;
			*work += popped * 8;
			return 1;
		}
		if (popped >= 65536)
		{
			if ((*st = eng_tick(E, popped * 8)) != TE_OK)
				return 0;
			popped = 0;
		}
	}
	*work += popped * 8;
	return 0;
}

/* push the coboundary of coef * v (a k-simplex of diameter d) */
static TeStatus
push_coboundary(Eng *E, const int *v, int k, float d, uint32_t coef, uint64_t *work)
{
	int64_t		W = E->W,
				n = E->n,
				w,
				count = 0,
				above[MAXV + 1],
				below[MAXV + 1];
	uint32_t	p = E->p,
				neg = p - coef;
	const float *rows[MAXV];
	TeStatus	st;
	int			i,
				j;

	for (w = 0; w < W; w++)
	{
		uint64_t	x = E->adj[(int64_t) v[0] * W + w];

		for (i = 1; i <= k; i++)
			x &= E->adj[(int64_t) v[i] * W + w];
		E->cand[w] = x;
		count += rips_popcount(x);
	}
	*work += (uint64_t) (W * (k + 1)) + (uint64_t) count * 16;
	if (count == 0)
		return TE_OK;
	if ((st = heap_reserve(E, count)) != TE_OK)
		return st;
	above[0] = 0;
	for (j = 1; j <= k + 1; j++)
		above[j] = above[j - 1] + binom(E, v[j - 1], k + 2 - (j - 1));
	below[k + 1] = 0;
	for (j = k; j >= 0; j--)
		below[j] = below[j + 1] + binom(E, v[j], k + 1 - j);
	for (i = 0; i <= k; i++)
		rows[i] = E->D + (int64_t) v[i] * n;

	j = 0;
	for (w = W - 1; w >= 0; w--)
	{
		uint64_t	x = E->cand[w];

		while (x)
		{
			int			b = 63 - __builtin_clzll(x);
			int64_t		y = (w << 6) + b;
			REntry		e;
			float		dm = d;

			x &= ~((uint64_t) 1 << b);
			while (j <= k && v[j] > y)
				j++;
			for (i = 0; i <= k; i++)
				if (rows[i][y] > dm)
					dm = rows[i][y];
			/* outside the window: summed to zero already, or back later */
			if (dm <= E->wlo || dm > E->whi)
				continue;
			e.key = e_key(E, above[j] + binom(E, y, k + 2 - j) + below[j],
						  (j & 1) ? neg : coef);
			e.diam = dm;
			heap_push(E, e);
		}
	}
	return TE_OK;
}

/* ---- the working reduction vector and stored columns ---- */

/* append an entry to the working reduction vector */
static TeStatus
vw_add(Eng *E, int64_t idx, float diam, uint32_t coef)
{
	if (E->vlen == E->vcap)
	{
		int64_t		cap = E->vcap ? E->vcap * 2 : 256;
		REntry	   *nv;

		if (E->worker)
			return TE_LIMIT;	/* a worker's room is fixed: give the column up */
		nv = arena_grow(E->mem, E->vw, sizeof(REntry) * (size_t) E->vlen,
						sizeof(REntry) * (size_t) cap);
		if (!nv)
			return E->mem->status;
		E->vw = nv;
		E->vcap = cap;
	}
	E->vw[E->vlen].key = e_key(E, idx, coef);
	E->vw[E->vlen].diam = diam;
	E->vlen++;
	return TE_OK;
}

/* room for len entries in the pool, contiguous */
static REntry *
pool_take(Eng *E, int64_t len)
{
	if (E->pool_used + len > E->pool_cap)
	{
		int64_t		cap = E->pool_cap ? E->pool_cap * 2 : 4096;

		if (cap > ((int64_t) 1 << 22))
			cap = (int64_t) 1 << 22;
		if (cap < len)
			cap = len;
		if (E->nchunks == E->capchunks)
		{
			int64_t		nc = E->capchunks ? E->capchunks * 2 : 16;
			REntry	  **ch = arena_grow(E->mem, E->chunks, sizeof(REntry *) * (size_t) E->nchunks,
									   sizeof(REntry *) * (size_t) nc);

			if (!ch)
				return NULL;
			E->chunks = ch;
			E->capchunks = nc;
		}
		E->pool = arena_array(E->mem, (size_t) cap, sizeof(REntry));
		if (!E->pool)
			return NULL;
		E->chunks[E->nchunks++] = E->pool;
		E->pool_used = 0;
		E->pool_cap = cap;
	}
	E->pool_used += len;
	return E->pool + E->pool_used - len;
}

/*
 * sort and merge the reduction vector e[0..len) in place, scaled by
 * 1/pivot coefficient; returns its new length (no env callback: workers
 * call it too)
 */
static int64_t
merge_vector(const Eng *E, REntry *e, int64_t len, uint32_t pivot_coef)
{
	int64_t		i,
				out = 0;
	uint32_t	p = E->p,
				scale = (p == 2) ? 1 : E->inv[pivot_coef];

	if (len > 1)
		entries_sort(e, len);
	for (i = 0; i < len;)
	{
		int64_t		j = i + 1;
		int64_t		idx = e_idx(E, &e[i]);
		uint32_t	c = e_coef(E, &e[i]);

		while (j < len && e_idx(E, &e[j]) == idx)
		{
			c += e_coef(E, &e[j]);
			if (c >= p)
				c -= p;
			j++;
		}
		if (c != 0)
		{
			e[out].diam = e[i].diam;
			e[out].key = e_key(E, idx, mulmod(c, scale, p));
			out++;
		}
		i = j;
	}
	return out;
}

/* store the merged reduction vector e[0..len) as a column; *ref names it */
static TeStatus
store_merged(Eng *E, const REntry *e, int64_t len, int64_t *ref)
{
	REntry	   *dst;

	if (E->ncols == E->capcols)
	{
		int64_t		cap = E->capcols ? E->capcols * 2 : 1024;
		Col		   *nc = arena_grow(E->mem, E->cols, sizeof(Col) * (size_t) E->ncols,
								   sizeof(Col) * (size_t) cap);

		if (!nc)
			return E->mem->status;
		E->cols = nc;
		E->capcols = cap;
	}
	dst = pool_take(E, len);
	if (!dst)
		return E->mem->status;
	memcpy(dst, e, sizeof(REntry) * (size_t) len);
	E->cols[E->ncols].e = dst;
	E->cols[E->ncols].len = len;
	*ref = E->ncols++;
	return TE_OK;
}

/* merge the working vector, scale it by 1/pivot coefficient, store it */
static TeStatus
store_column(Eng *E, uint32_t pivot_coef, int64_t *ref)
{
	if (E->vlen > 1)
	{
		TeStatus	st = eng_tick(E, (uint64_t) E->vlen * 16);

		if (st != TE_OK)
			return st;
	}
	return store_merged(E, E->vw, merge_vector(E, E->vw, E->vlen, pivot_coef), ref);
}

/* free the stored reduction vectors of a dimension */
static void
columns_release(Eng *E)
{
	int64_t		i;

	for (i = 0; i < E->nchunks; i++)
		arena_free(E->mem, E->chunks[i]);
	arena_free(E->mem, E->chunks);
	arena_free(E->mem, E->cols);
	E->chunks = NULL;
	E->nchunks = E->capchunks = 0;
	E->pool = NULL;
	E->pool_used = E->pool_cap = 0;
	E->cols = NULL;
	E->ncols = E->capcols = 0;
}

/* add f times the column referenced by ref (pivot piv) to the working column */
static TeStatus
add_column(Eng *E, int64_t ref, const REntry *piv, uint32_t f, int k, uint64_t *work)
{
	uint32_t	p = E->p;
	int			v[MAXV];
	TeStatus	st;

	if (ref <= -2)
	{
		int64_t		x = -(ref + 2),
					idx = x >> 1;
		uint32_t	c = mulmod((x & 1) ? p - 1 : 1, f, p);

		simplex_vertices(E, idx, k, v);
		if ((st = vw_add(E, idx, piv->diam, c)) != TE_OK)
			return st;
		return push_coboundary(E, v, k, piv->diam, c, work);
	}
	else
	{
		const Col  *col = &E->cols[ref];
		int64_t		i;

		for (i = 0; i < col->len; i++)
		{
			const REntry *s = &col->e[i];
			uint32_t	c = mulmod(e_coef(E, s), f, p);
			int64_t		sidx = e_idx(E, s);

			simplex_vertices(E, sidx, k, v);
			if ((st = vw_add(E, sidx, s->diam, c)) != TE_OK)
				return st;
			if ((st = push_coboundary(E, v, k, s->diam, c, work)) != TE_OK)
				return st;
			if (*work > RIPS_CHECK_INTERVAL / 4)
			{
				if ((st = eng_tick(E, *work)) != TE_OK)
					return st;
				*work = 0;
			}
		}
	}
	return TE_OK;
}

/* ---- generators ---- */

/*
 * The H1 loop of the birth edge ab: a path of fewest edges from a to b
 * among the edges before ab in the filtration (shorter, or as long and
 * earlier in key order: the graph of the current level holds every edge
 * of ab's length, and those after ab are skipped, or a tie could close a
 * loop that is already a triangle's boundary), found breadth-first, lowest
 * rows first; its rows from a to b go to the last bar emitted.  The ends
 * are joined so (ab is not a tree edge, so Kruskal joined them earlier).
 */
static TeStatus
h1_loop(Eng *E, int a, int b)
{
	int64_t		W = E->W,
				head = 0,
				tail = 0,
				len = 0,
				x;
	int			found = 0;
	TeStatus	st = TE_OK;
	float		dab = E->D[(int64_t) a * E->n + b];
	uint64_t	kab = rips_edge_key(dab, (uint32_t) a, (uint32_t) b);

	memset(E->bfs_seen, 0, sizeof(uint64_t) * (size_t) W);
	rips_bit_set(E->bfs_seen, a);
	E->bfs_queue[tail++] = a;
	E->bfs_parent[a] = -1;
	while (head < tail && !found)
	{
		int32_t		u = E->bfs_queue[head++];
		const uint64_t *row = E->lvl + (int64_t) u * W;
		int64_t		wd;

		for (wd = 0; wd < W && !found; wd++)
		{
			uint64_t	bits = row[wd] & ~E->bfs_seen[wd];

			while (bits)
			{
				int32_t		v = (int32_t) (wd * 64 + __builtin_ctzll(bits));

				bits &= bits - 1;
				if (u == a && v == b)
					continue;
				/* an edge of ab's length after ab in the filtration */
				if (E->D[(int64_t) u * E->n + v] == dab &&
					rips_edge_key(dab, (uint32_t) u, (uint32_t) v) > kab)
					continue;
				rips_bit_set(E->bfs_seen, v);
				E->bfs_parent[v] = u;
				if (v == b)
				{
					found = 1;
					break;
				}
				E->bfs_queue[tail++] = v;
			}
		}
		if ((head & 63) == 0 && (st = eng_tick(E, 64 * (uint64_t) (W + 8))) != TE_OK)
			return st;
	}
	if (!found)
		return te_fail(E->c->env, TE_NUMERIC, "no loop closes the H1 birth edge (%d, %d)", a, b);
	/* the rows from b back to a, then reversed into the queue's space */
	for (x = b; x != -1; x = E->bfs_parent[x])
		E->bfs_queue[len++] = (int32_t) x;
	for (x = 0; x < len / 2; x++)
	{
		int32_t		t = E->bfs_queue[x];

		E->bfs_queue[x] = E->bfs_queue[len - 1 - x];
		E->bfs_queue[len - 1 - x] = t;
	}
	return rips_gen_cycle(E->c, E->bfs_queue, len);
}

/*
 * Emit the bar of the k-simplex v (diameter d) dying with the (k+1)-simplex
 * pv at death (pv NULL: essential), with its generator: over Z/2 its
 * cocycle, the stored reduction vector col (NULL: none), and in H1 its loop
 */
static TeStatus
emit_column(Eng *E, const int *v, int k, float d, const int *pv, float death, const Col *col)
{
	int			added,
				w[MAXV];
	int64_t		i;
	TeStatus	st;

	if (!E->c->gen)
		return rips_emit(E->c, k, (double) d, pv ? (double) death : INFINITY);
	st = rips_emit_gen(E->c, k, (double) d, pv ? (double) death : INFINITY,
					   v, k + 1, pv, pv ? k + 2 : 0, &added);
	if (st != TE_OK || !added)
		return st;
	for (i = 0; col && E->p == 2 && i < col->len && st == TE_OK; i++)
	{
		simplex_vertices(E, e_idx(E, &col->e[i]), k, w);
		st = rips_gen_cocycle_add(E->c, w, k + 1);
	}
	if (st != TE_OK || k != 1)
		return st;
	return h1_loop(E, v[0] < v[1] ? v[0] : v[1], v[0] < v[1] ? v[1] : v[0]);
}

/* ---- one column ---- */

/*
 * Every entry of the heap's window summed to zero: move the window above
 * it and push again, for every simplex of the working reduction vector,
 * its cofacets beyond the old window (those within it summed to zero, and
 * a column added later has its pivot, its oldest entry, above them).
 */
static TeStatus
window_advance(Eng *E, int k, uint64_t *work)
{
	int64_t		i;
	int			v[MAXV];
	TeStatus	st;

	E->c->stats->window_advances++;
	E->wlo = E->whi;
	E->whi = INFINITY;
	E->hlive = 0;
	for (i = 0; i < E->vlen; i++)
	{
		const REntry *s = &E->vw[i];

		simplex_vertices(E, e_idx(E, s), k, v);
		if ((st = push_coboundary(E, v, k, s->diam, e_coef(E, s), work)) != TE_OK)
			return st;
		if (*work > RIPS_CHECK_INTERVAL / 4)
		{
			if ((st = eng_tick(E, *work)) != TE_OK)
				return st;
			*work = 0;
		}
	}
	return TE_OK;
}

/*
 * Reduce the coboundary of the k-simplex v (index idx, diameter d) until
 * its pivot is nobody's (*found 1, *pivot set) or it is zero (*found 0):
 * the working reduction vector E->vw is then the column's.  The pivot
 * table and the stored columns are only read, so workers run it too.
 */
static TeStatus
reduce_core(Eng *E, const int *v, int k, int64_t idx, float d, REntry *pivot, int *found)
{
	RipsCtx    *c = E->c;
	uint64_t	work = 0;
	TeStatus	st;

	c->stats->reduced[k]++;
	E->hlen = 0;
	E->hlive = 0;
	E->vlen = 0;
	E->wlo = -1.0f;
	E->whi = INFINITY;
	if ((st = vw_add(E, idx, d, 1)) != TE_OK)
		return st;
	if ((st = push_coboundary(E, v, k, d, 1, &work)) != TE_OK)
		return st;
	for (;;)
	{
		REntry		piv;
		int64_t		ref;
		uint32_t	f;
		int			pv[MAXV],
					fv[MAXV],
					m;

		if ((st = eng_tick(E, work)) != TE_OK)
			return st;
		work = 0;
		if (!heap_pivot(E, &piv, &work, &st))
		{
			if (st != TE_OK)
				return st;
			if (E->whi == INFINITY)
			{
				*found = 0;
				return TE_OK;
			}
			if ((st = window_advance(E, k, &work)) != TE_OK)
				return st;
			continue;
		}
		f = E->p - e_coef(E, &piv);
		ref = hash_find(&E->cur, e_idx(E, &piv));
		if (ref != -1)
		{
			c->stats->additions++;
			if ((st = add_column(E, ref, &piv, f, k, &work)) != TE_OK)
				return st;
			continue;
		}
		/* is the pivot the upper half of an apparent pair? */
		simplex_vertices(E, e_idx(E, &piv), k + 1, pv);
		m = youngest_facet(E, pv, k + 2, piv.diam);
		without(pv, k + 2, m, fv);
		if (!older_cofacet(E, fv, k + 1, piv.diam, pv[m]))
		{
			uint32_t	cc = mulmod((m & 1) ? E->p - 1 : 1, f, E->p);

			c->stats->additions++;
			if ((st = vw_add(E, simplex_idx(E, fv, k), piv.diam, cc)) != TE_OK)
				return st;
			if ((st = push_coboundary(E, fv, k, piv.diam, cc, &work)) != TE_OK)
				return st;
			continue;
		}
		/* a new pivot */
		*pivot = piv;
		*found = 1;
		return TE_OK;
	}
}

/* reduce the coboundary of the k-simplex v (index idx, diameter d), store and emit it */
static TeStatus
reduce_column(Eng *E, const int *v, int k, int64_t idx, float d)
{
	REntry		piv;
	int64_t		ref = -1;
	int			found,
				pv[MAXV];
	TeStatus	st = reduce_core(E, v, k, idx, d, &piv, &found);

	if (st != TE_OK)
		return st;
	if (!found)
		return emit_column(E, v, k, d, NULL, INFINITY, NULL);
	simplex_vertices(E, e_idx(E, &piv), k + 1, pv);
	if ((st = store_column(E, e_coef(E, &piv), &ref)) != TE_OK)
		return st;
	if ((st = hash_insert(E, &E->cur, e_idx(E, &piv), ref)) != TE_OK)
		return st;
	return emit_column(E, v, k, d, pv, piv.diam, &E->cols[ref]);
}

/* ---- reductions on threads ---- */

/*
 * The threaded sweep of dimension 1 (sweep_par) does not reduce a column
 * when it meets it: it queues it, and a flush reduces the queue on the
 * threads in rounds.  In a round, each column still to do is reduced
 * against the pivots known when the round began (the table and the stored
 * columns are only read then); then the calling thread stores the columns
 * in queue order until one whose pivot was taken since (by an earlier
 * column of the same flush) is met: that one and every later one whose
 * pivot is taken are the next round's, reduced afresh against the grown
 * table.  A round's first column saw every earlier column, so each round
 * stores at least one.  A column a worker gave up (its heap or vector
 * room was full, or an interrupt asked it to end) is reduced on the
 * calling thread when its turn comes.  A stored column added exactly the
 * columns the one-thread reduction adds, in the same order: up to the
 * pivot where the worker stopped every pivot met was in the table, which
 * only grows and maps it to one column, and that pivot is still free when
 * the column is stored.  So the pairs, the columns stored and the
 * counters are those of one thread.  The queue is flushed before the
 * sweep asks the table anything (an emergent pair), so its answers are
 * the one-thread ones too.
 */

/* queued columns at most before a flush */
#define QUEUE_MAX 256

/* a worker's heap room: entries per point (at least 4096, at most the budget) */
#define PAR_HEAP_PER_POINT 256
#define PAR_HEAP_MIN ((int64_t) 1 << 12)

/* a worker's room for the reduction vectors of one flush: entries per point */
#define PAR_VEC_PER_POINT 8
#define PAR_VEC_MIN ((int64_t) 1 << 12)

/* a queued column and what a worker made of it */
typedef struct QItem
{
	int			v[MAXV];
	int64_t		idx;
	float		d;
	int			state;			/* QI_*, below */
	int			worker;
	REntry		piv;
	int64_t		off;			/* its merged vector in the worker's room */
	int64_t		len;
	int64_t		additions;
} QItem;

#define QI_LEFT 0				/* given up: the calling thread reduces it */
#define QI_PIVOT 1				/* reduced to the pivot piv */
#define QI_ZERO 2				/* reduced to zero: an essential class */
#define QI_TODO 3				/* for the next round's workers */

/* the threaded sweep's shared state */
typedef struct Batch
{
	Eng		   *E;				/* the calling thread's engine */
	int			k;
	int			nthreads;
	Eng		   *weng;			/* one engine copy per thread */
	RipsCtx    *wctx;			/* their contexts (stats of their own) */
	TeRipsStats *wstats;
	REntry	   *heaps;			/* nthreads x hcap */
	int64_t		hcap;
	REntry	   *vecs;			/* nthreads x vcap */
	int64_t		vcap;
	int64_t    *vused;			/* per thread, in this flush */
	uint64_t   *wcand;			/* nthreads x W */
	uint64_t   *wwork;			/* per thread, in this flush */
	QItem	   *q;
	int64_t		nq;
	int64_t    *todo;			/* the round's columns: indexes into q */
	int64_t		ntodo;
	/* the pre-pass of one segment */
	const uint64_t *tree_bits;
	uint8_t    *skip;			/* per edge of the segment: 1 = nothing to do */
	int64_t    *napp;			/* apparent pairs per pre-pass task */
	int64_t		skipcap;		/* edges of skip's room (napp's: tasks for them) */
	int64_t		lo;				/* the segment: edges lo..hi */
	int64_t		hi;
} Batch;

/* a thread's room for its heap, for n points and a heap budget */
static int64_t
par_heap_cap(int64_t n, int64_t budget)
{
	int64_t		cap = n * PAR_HEAP_PER_POINT;

	if (cap < PAR_HEAP_MIN)
		cap = PAR_HEAP_MIN;
	return cap < budget ? cap : budget;
}

/* a thread's room for the vectors of one flush, for n points */
static int64_t
par_vec_cap(int64_t n)
{
	int64_t		cap = n * PAR_VEC_PER_POINT;

	return cap < PAR_VEC_MIN ? PAR_VEC_MIN : cap;
}

/* the bytes each thread holds in the threaded sweep */
static size_t
par_thread_bytes(int64_t n)
{
	return (size_t) (par_heap_cap(n, INT64_MAX) + par_vec_cap(n)) * sizeof(REntry) +
		(size_t) ((n + 63) / 64) * sizeof(uint64_t) + sizeof(Eng) + sizeof(RipsCtx) +
		sizeof(TeRipsStats) + 4 * sizeof(int64_t) + 8 * ARENA_HEADER;
}

/* worker's engine for a round: the caller's, read-only but for its own scratch */
static void
worker_eng_set(Batch *B, int i)
{
	Eng		   *W = &B->weng[i];

	*W = *B->E;
	B->wctx[i] = *B->E->c;
	memset(&B->wstats[i], 0, sizeof(TeRipsStats));
	B->wctx[i].stats = &B->wstats[i];
	W->c = &B->wctx[i];
	W->worker = 1;
	W->bat = NULL;
	W->lvl_exact = 0;
	W->heap = B->heaps + (int64_t) i * B->hcap;
	W->hcap = B->hcap;
	W->hlen = 0;
	W->cand = B->wcand + (int64_t) i * (B->E->W > 0 ? B->E->W : 1);
	W->vw = NULL;
	W->vlen = W->vcap = 0;
	W->pend = NULL;
	W->plen = W->pcap = 0;
	B->wwork[i] = 0;
}

/* one column of the round on a worker (a par_run task) */
static void
reduce_task(void *arg, int worker, int64_t t)
{
	Batch	   *B = arg;
	Eng		   *W = &B->weng[worker];
	QItem	   *it = &B->q[B->todo[t]];
	int64_t		add0 = W->c->stats->additions;
	REntry		piv;
	int			found = 0;
	TeStatus	st;

	it->state = QI_LEFT;
	W->level = it->d;
	W->wwork = 0;
	W->wcheck = TASK_CHECK_WORK;
	W->vw = B->vecs + (int64_t) worker * B->vcap + B->vused[worker];
	W->vcap = B->vcap - B->vused[worker];
	W->vlen = 0;
	st = reduce_core(W, it->v, B->k, it->idx, it->d, &piv, &found);
	B->wwork[worker] += W->wwork;
	W->vcap = 0;
	if (st != TE_OK)
		return;
	it->worker = worker;
	it->additions = W->c->stats->additions - add0;
	if (!found)
	{
		it->state = QI_ZERO;
		return;
	}
	it->piv = piv;
	it->off = B->vused[worker];
	it->len = merge_vector(W, W->vw, W->vlen, e_coef(W, &piv));
	B->vused[worker] += it->len;
	it->state = QI_PIVOT;
}

/* one round: the queue's columns still to do, from t on, on the threads */
static TeStatus
flush_round(Eng *E, int64_t t)
{
	Batch	   *B = E->bat;
	uint64_t	work = 0;
	int			i;
	TeStatus	st;

	B->ntodo = 0;
	for (; t < B->nq; t++)
		if (B->q[t].state == QI_TODO)
			B->todo[B->ntodo++] = t;
	/* the table and the columns may have moved since the last round */
	for (i = 0; i < B->nthreads; i++)
		worker_eng_set(B, i);
	st = par_run(E->c->env, B->nthreads, B->ntodo, reduce_task, NULL, B);
	for (i = 0; i < B->nthreads; i++)
		work += B->wwork[i];
	return st == TE_OK ? rips_tick(E->c, work) : st;
}

/* store queued column it (reduced by a worker) and emit its bar */
static TeStatus
store_queued(Eng *E, QItem *it)
{
	Batch	   *B = E->bat;
	TeRipsStats *stats = E->c->stats;
	int			pv[MAXV];
	int64_t		ref = -1;
	TeStatus	st;

	E->level = it->d;
	stats->reduced[B->k]++;
	stats->additions += it->additions;
	if (it->state == QI_ZERO)
		return emit_column(E, it->v, B->k, it->d, NULL, INFINITY, NULL);
	simplex_vertices(E, e_idx(E, &it->piv), B->k + 1, pv);
	st = store_merged(E, B->vecs + (int64_t) it->worker * B->vcap + it->off, it->len, &ref);
	if (st == TE_OK)
		st = hash_insert(E, &E->cur, e_idx(E, &it->piv), ref);
	if (st == TE_OK)
		st = emit_column(E, it->v, B->k, it->d, pv, it->piv.diam, &E->cols[ref]);
	return st;
}

/* has a column stored since queued column it was reduced taken its pivot? */
static inline int
queued_taken(const Eng *E, const QItem *it)
{
	return it->state == QI_PIVOT && hash_find(&E->cur, e_idx(E, &it->piv)) != -1;
}

/*
 * Reduce the queue on the threads in rounds, storing the columns and
 * emitting the bars in queue order on the calling thread (see above)
 */
static TeStatus
flush_queue(Eng *E)
{
	Batch	   *B = E->bat;
	int64_t		t = 0,
				u;
	int			i;
	TeStatus	st = TE_OK;

	for (i = 0; i < B->nthreads; i++)
		B->vused[i] = 0;
	while (t < B->nq && st == TE_OK)
	{
		if ((st = flush_round(E, t)) != TE_OK)
			break;
		for (; t < B->nq && st == TE_OK; t++)
		{
			QItem	   *it = &B->q[t];

			if (queued_taken(E, it))
				it->state = QI_TODO;
			if (it->state == QI_TODO)
				break;
			E->level = it->d;
			if (it->state == QI_LEFT)
				st = reduce_column(E, it->v, B->k, it->idx, it->d);
			else
				st = store_queued(E, it);
		}
		for (u = t + 1; u < B->nq; u++)
			if (queued_taken(E, &B->q[u]))
				B->q[u].state = QI_TODO;
	}
	B->nq = 0;
	return st;
}

/* reduce the column now, or queue it in the threaded sweep */
static TeStatus
reduce_or_queue(Eng *E, const int *v, int k, int64_t idx, float d)
{
	Batch	   *B = E->bat;
	QItem	   *it;

	if (!B)
		return reduce_column(E, v, k, idx, d);
	if (B->nq == QUEUE_MAX)
	{
		TeStatus	st = flush_queue(E);

		if (st != TE_OK)
			return st;
	}
	it = &B->q[B->nq++];
	memcpy(it->v, v, sizeof(int) * (size_t) (k + 1));
	it->idx = idx;
	it->d = d;
	it->state = QI_TODO;
	return TE_OK;
}

/* the table is about to be asked: no column may wait in the queue */
static inline TeStatus
queue_settle(Eng *E)
{
	return E->bat && E->bat->nq ? flush_queue(E) : TE_OK;
}

/* handle the k-simplex v (index idx, diameter d = current level) */
static TeStatus
column(Eng *E, const int *v, int k, int64_t idx, float d)
{
	TeRipsStats *stats = E->c->stats;
	int			fv[MAXV],
				rv[MAXV],
				m;
	int64_t		w;

	stats->columns[k]++;
	if (k >= 2)
	{
		/* 1. the oldest cofacet of its youngest facet: cleared */
		m = youngest_facet(E, v, k + 1, d);
		without(v, k + 1, m, fv);
		if (level_top(E, fv, k, d, -1) == v[m])
			return TE_OK;
		/* 2. a pivot one dimension down: cleared */
		if (hash_find(&E->prev, idx) != -1)
			return TE_OK;
	}
	w = level_top(E, v, k + 1, d, -1);
	if (w >= 0)
	{
		int			j = with_vertex(v, k + 1, (int) w, rv);
		int64_t		ridx;

		m = youngest_facet(E, rv, k + 2, d);
		if (m == j)
		{
			/* 3. an apparent pair */
			stats->apparent[k]++;
			return TE_OK;
		}
		without(rv, k + 2, m, fv);
		ridx = simplex_idx(E, rv, k + 1);
		if (level_top(E, fv, k + 1, d, -1) != rv[m])
		{
			TeStatus	st = queue_settle(E);

			if (st != TE_OK)
				return st;
			if (hash_find(&E->cur, ridx) == -1)
			{
				/* 4. an emergent pair */
				stats->emergent[k]++;
				return hash_insert(E, &E->cur, ridx, trivial_ref(idx, j & 1));
			}
		}
	}
	return reduce_or_queue(E, v, k, idx, d);
}

/*
 * The same for a simplex whose latest edge is the only edge of value d
 * (no ties at d, the usual case): then the facets of diameter d are those
 * keeping that edge, so every youngest facet leaves out the largest other
 * vertex, and the four shortcuts need no facet search.  wmax is the
 * largest vertex outside the edge (-1 for the edge itself).
 */
static TeStatus
column_single(Eng *E, const int *v, int k, int64_t idx, float d, int wmax)
{
	TeRipsStats *stats = E->c->stats;
	int			fv[MAXV],
				rv[MAXV],
				m,
				i;
	int64_t		w;

	stats->columns[k]++;
	if (k >= 2)
	{
		for (m = 0; v[m] != wmax; m++)
			;
		without(v, k + 1, m, fv);
		if (level_top(E, fv, k, d, -1) == wmax)
			return TE_OK;
		if (hash_find(&E->prev, idx) != -1)
			return TE_OK;
	}
	w = level_top(E, v, k + 1, d, -1);
	if (w >= 0)
	{
		int			j;
		int64_t		ridx;

		if (w > wmax)
		{
			stats->apparent[k]++;
			return TE_OK;
		}
		j = with_vertex(v, k + 1, (int) w, rv);
		for (i = 0; rv[i] != wmax; i++)
			;
		without(rv, k + 2, i, fv);
		ridx = simplex_idx(E, rv, k + 1);
		if (level_top(E, fv, k + 1, d, -1) != wmax)
		{
			TeStatus	st = queue_settle(E);

			if (st != TE_OK)
				return st;
			if (hash_find(&E->cur, ridx) == -1)
			{
				stats->emergent[k]++;
				return hash_insert(E, &E->cur, ridx, trivial_ref(idx, j & 1));
			}
		}
	}
	return reduce_or_queue(E, v, k, idx, d);
}

/* ---- the sweep ---- */

/* insertion sort of small vertex lists, descending */
static inline void
sort_desc(int *v, int nv)
{
	int			i,
				j;

	for (i = 1; i < nv; i++)
	{
		int			x = v[i];

		for (j = i - 1; j >= 0 && v[j] < x; j--)
			v[j + 1] = v[j];
		v[j + 1] = x;
	}
}

/* queue a simplex of a tie group for sorting by index */
static TeStatus
pending_add(Eng *E, const int *v, int nv, int64_t idx)
{
	uint64_t	packed = 0;
	int			i;

	if (E->plen == E->pcap)
	{
		int64_t		cap = E->pcap ? E->pcap * 2 : 1024;
		Pending    *np = arena_grow(E->mem, E->pend, sizeof(Pending) * (size_t) E->plen,
								   sizeof(Pending) * (size_t) cap);

		if (!np)
			return E->mem->status;
		E->pend = np;
		E->pcap = cap;
	}
	for (i = 0; i < nv; i++)
		packed |= (uint64_t) (uint16_t) v[i] << (16 * i);
	E->pend[E->plen].idx = idx;
	E->pend[E->plen].packed = packed;
	E->plen++;
	return TE_OK;
}

/* is edge xy before the edge with key ke in the filtration? */
static inline int
before(const Eng *E, int x, int y, uint64_t ke)
{
	return rips_edge_key(edge_value(E, x, y), (uint32_t) x, (uint32_t) y) < ke;
}

/*
 * The k-simplices (k = 2, 3) whose latest edge is the edge with key ke, in
 * increasing index order when the edge is alone at its value (ties = 0),
 * else collected for sorting.
 */
static TeStatus
simplices_of_edge(Eng *E, int k, uint64_t ke, int ties)
{
	int64_t		W = E->W,
				w;
	int			a = (int) rips_key_a(ke),
				b = (int) rips_key_b(ke);
	float		d = rips_key_value(ke);
	const uint64_t *la = E->lvl + (int64_t) a * W,
			   *lb = E->lvl + (int64_t) b * W;
	uint64_t   *C = E->cset;
	uint64_t	work = 0;
	TeStatus	st = TE_OK;

	for (w = 0; w < W; w++)
		C[w] = la[w] & lb[w];
	for (w = 0; w < W && st == TE_OK; w++)
	{
		uint64_t	x = C[w];

		while (x && st == TE_OK)
		{
			int			w1 = (int) ((w << 6) + __builtin_ctzll(x));

			x &= x - 1;
			if (ties && !(before(E, w1, a, ke) && before(E, w1, b, ke)))
				continue;
			if (k == 2)
			{
				int			v[3] = {a, b, w1};
				int64_t		idx;

				sort_desc(v, 3);
				idx = simplex_idx(E, v, 2);
				st = ties ? pending_add(E, v, 3, idx) : column_single(E, v, 2, idx, d, w1);
				work += 16 + 4 * (uint64_t) W;
				if (work > RIPS_CHECK_INTERVAL / 4)
				{
					st = st == TE_OK ? eng_tick(E, work) : st;
					work = 0;
				}
			}
			else
			{
				/* a second vertex below w1, adjacent to w1 */
				const uint64_t *l1 = E->lvl + (int64_t) w1 * W;
				int64_t		u;

				for (u = 0; u <= (w1 >> 6) && st == TE_OK; u++)
				{
					uint64_t	y = C[u] & l1[u];

					if (u == (w1 >> 6))
						y &= ((uint64_t) 1 << (w1 & 63)) - 1;
					work++;
					while (y && st == TE_OK)
					{
						int			w2 = (int) ((u << 6) + __builtin_ctzll(y));
						int			v[4] = {a, b, w1, w2};
						int64_t		idx;

						y &= y - 1;
						if (ties && !(before(E, w2, a, ke) && before(E, w2, b, ke) &&
									  before(E, w1, w2, ke)))
							continue;
						sort_desc(v, 4);
						idx = simplex_idx(E, v, 3);
						st = ties ? pending_add(E, v, 4, idx) : column_single(E, v, 3, idx, d, w1);
						work += 16 + 5 * (uint64_t) W;
						if (work > RIPS_CHECK_INTERVAL / 4)
						{
							st = st == TE_OK ? eng_tick(E, work) : st;
							work = 0;
						}
					}
				}
			}
		}
	}
	if (st == TE_OK)
		st = eng_tick(E, work + (uint64_t) W);
	return st;
}

/* process the pending simplices of a tie group in increasing index order */
static TeStatus
flush_pending(Eng *E, int k, float d)
{
	int64_t		i;
	TeStatus	st = TE_OK;

	if (E->plen > 1)
		pending_sort(E->pend, E->plen);
	for (i = 0; i < E->plen && st == TE_OK; i++)
	{
		int			v[MAXV],
					j;

		for (j = 0; j <= k; j++)
			v[j] = (int) ((E->pend[i].packed >> (16 * j)) & 0xFFFF);
		st = column(E, v, k, E->pend[i].idx, d);
		if (st == TE_OK && (i & 255) == 0)
			st = eng_tick(E, 256 * (16 + 4 * (uint64_t) E->W));
	}
	E->plen = 0;
	return st;
}

/* the progress reports' name of each dimension's sweep */
static const char *const cohomology_phase[TE_RIPS_MAX_DIM + 1] = {
	"H0", "H1 cohomology", "H2 cohomology", "H3 cohomology"
};

/* all columns of dimension k, in reverse filtration order */
static TeStatus
sweep(Eng *E, int k, const uint64_t *tree_bits)
{
	const RipsGraph *g = E->g;
	int64_t		pos = g->m - 1,
				q,
				W = E->W;
	TeStatus	st = TE_OK;

	memcpy(E->lvl, E->adj, sizeof(uint64_t) * (size_t) (E->n * W));
	rips_phase(E->c, cohomology_phase[k], "edges", (double) g->m);
	while (pos >= 0 && st == TE_OK)
	{
		float		d = rips_graph_value(g, pos);
		int64_t		g0 = pos;

		E->c->done = (double) (g->m - 1 - pos);

		while (g0 > 0 && rips_graph_value(g, g0 - 1) == d)
			g0--;
		E->level = d;
		if (k == 1)
		{
			for (q = pos; q >= g0 && st == TE_OK; q--)
			{
				uint32_t	e = g->edges[q];
				int			v[2];

				if ((tree_bits[q >> 6] >> (q & 63)) & 1)
					continue;
				v[0] = (int) rips_pair_a(e);
				v[1] = (int) rips_pair_b(e);
				if (g0 == pos)
					st = column_single(E, v, 1, binom(E, v[0], 2) + v[1], d, -1);
				else
					st = column(E, v, 1, binom(E, v[0], 2) + v[1], d);
				if (st == TE_OK && (q & 255) == 0)
					st = eng_tick(E, 256 * (uint64_t) (W + 8));
			}
		}
		else if (g0 == pos)
			st = simplices_of_edge(E, k, rips_graph_key(g, pos), 0);
		else
		{
			for (q = pos; q >= g0 && st == TE_OK; q--)
				st = simplices_of_edge(E, k, rips_graph_key(g, q), 1);
			if (st == TE_OK)
				st = flush_pending(E, k, d);
		}
		/* the group's edges leave the graph of the smaller diameters */
		for (q = pos; q >= g0; q--)
		{
			uint32_t	e = g->edges[q];
			int64_t		a = rips_pair_a(e),
						b = rips_pair_b(e);

			rips_bit_clear(E->lvl + a * W, b);
			rips_bit_clear(E->lvl + b * W, a);
		}
		pos = g0 - 1;
	}
	return st;
}

/* ---- the threaded sweep of dimension 1 ---- */

/*
 * sweep_par does what sweep does for k = 1, segment by segment of about
 * PAR_SEGMENT edges (cut between two values, so that no tie group is cut):
 *  1. a pre-pass on the threads marks the edges with nothing to do: tree
 *     edges, and the edges alone at their value with a common neighbour
 *     within their value (apparent pairs); lvl holds the graph of the
 *     segment's top value, a superset of each edge's, so a neighbour's
 *     two edges are checked in the value matrix;
 *  2. the calling thread walks the other edges in order, as sweep does,
 *     its questions to lvl checked the same way, and queues the columns
 *     to reduce (see flush_queue);
 *  3. the queue is flushed;
 *  4. the segment's edges leave lvl, on the threads, each taking the rows
 *     of its own residue.
 */

/*
 * edges of a segment (about: a tie group is never cut, and one past twice
 * this gets flags of its size) and of one pre-pass task
 */
#define PAR_SEGMENT ((int64_t) 1 << 16)
#define PAR_CHUNK ((int64_t) 1 << 12)

/* the flags' first room for m edges */
static int64_t
par_skip_cap(int64_t m)
{
	return m < 1 ? 1 : m < 2 * PAR_SEGMENT ? m : 2 * PAR_SEGMENT;
}

/* the bytes of the sweep's queue and flags for m edges, whatever the threads */
static size_t
par_fixed_bytes(int64_t m)
{
	return QUEUE_MAX * (sizeof(QItem) + sizeof(int64_t)) + (size_t) par_skip_cap(m) +
		(size_t) (par_skip_cap(m) / PAR_CHUNK + 2) * sizeof(int64_t) + 16 * ARENA_HEADER;
}

/* the bytes of the threaded sweep on n points and threads threads: see rips_reduce_internal.h */
size_t
rips_reduce_par_bytes(int64_t n, int threads)
{
	if (threads < 2)
		return 0;
	return (size_t) threads * par_thread_bytes(n) + par_fixed_bytes(n * (n - 1) / 2);
}

/* does edge q tie with a neighbour in the filtration? */
static inline int
edge_ties(const RipsGraph *g, int64_t q, float d)
{
	return (q > 0 && rips_graph_value(g, q - 1) == d) ||
		(q + 1 < g->m && rips_graph_value(g, q + 1) == d);
}

/* one pre-pass task: edges lo + t * PAR_CHUNK on, of the segment */
static void
prepass_task(void *arg, int worker, int64_t t)
{
	Batch	   *B = arg;
	const Eng  *E = B->E;
	const RipsGraph *g = E->g;
	int64_t		q0 = B->lo + t * PAR_CHUNK,
				q1 = q0 + PAR_CHUNK - 1,
				q,
				napp = 0;

	(void) worker;
	if (q1 > B->hi)
		q1 = B->hi;
	for (q = q0; q <= q1; q++)
	{
		uint32_t	e = g->edges[q];
		int			v[2];
		float		d;
		int64_t		w;

		B->skip[q - B->lo] = 0;
		if ((B->tree_bits[q >> 6] >> (q & 63)) & 1)
		{
			B->skip[q - B->lo] = 1;
			continue;
		}
		v[0] = (int) rips_pair_a(e);
		v[1] = (int) rips_pair_b(e);
		d = E->D[(int64_t) v[0] * E->n + v[1]];
		w = level_top(E, v, 2, d, -1);
		if (w < 0)
			continue;
		/* alone at its value, the edge is the youngest facet of any cofacet at d */
		if (edge_ties(g, q, d))
		{
			int			rv[3],
						j = with_vertex(v, 2, (int) w, rv);

			if (youngest_facet(E, rv, 3, d) != j)
				continue;
		}
		B->skip[q - B->lo] = 1;
		napp++;
	}
	B->napp[t] = napp;
}

/* one clearing task: the segment's edges leave the rows r of lvl with r % ntasks == t */
static void
clear_task(void *arg, int worker, int64_t t)
{
	Batch	   *B = arg;
	Eng		   *E = B->E;
	int64_t		q,
				W = E->W,
				nt = B->nthreads;

	(void) worker;
	for (q = B->lo; q <= B->hi; q++)
	{
		uint32_t	e = E->g->edges[q];
		int64_t		a = rips_pair_a(e),
					b = rips_pair_b(e);

		if (a % nt == t)
			rips_bit_clear(E->lvl + a * W, b);
		if (b % nt == t)
			rips_bit_clear(E->lvl + b * W, a);
	}
}

/* the threads of the threaded sweep: while their rooms fit under the memory limit */
static int
sweep_par_threads(const Eng *E)
{
	Arena	   *mem = E->mem;
	int			t = par_threads(E->c->threads, PAR_MAX_THREADS);

	while (t > 1 && mem->limit > 0 && mem->cur + rips_reduce_par_bytes(E->n, t) > mem->limit)
		t--;
	return t;
}

/* allocate the threaded sweep's state for nthreads threads */
static TeStatus
batch_alloc(Eng *E, Batch *B, int nthreads, const uint64_t *tree_bits)
{
	Arena	   *mem = E->mem;
	int64_t		W = E->W > 0 ? E->W : 1;

	memset(B, 0, sizeof(*B));
	B->E = E;
	B->k = 1;
	B->nthreads = nthreads;
	B->tree_bits = tree_bits;
	B->hcap = par_heap_cap(E->n, E->hbudget);
	B->vcap = par_vec_cap(E->n);
	B->weng = arena_array(mem, (size_t) nthreads, sizeof(Eng));
	B->wctx = arena_array(mem, (size_t) nthreads, sizeof(RipsCtx));
	B->wstats = arena_array(mem, (size_t) nthreads, sizeof(TeRipsStats));
	B->heaps = arena_array(mem, (size_t) nthreads * (size_t) B->hcap, sizeof(REntry));
	B->vecs = arena_array(mem, (size_t) nthreads * (size_t) B->vcap, sizeof(REntry));
	B->vused = arena_array(mem, (size_t) nthreads, sizeof(int64_t));
	B->wwork = arena_array(mem, (size_t) nthreads, sizeof(uint64_t));
	B->wcand = arena_array(mem, (size_t) nthreads * (size_t) W, sizeof(uint64_t));
	B->q = arena_array(mem, QUEUE_MAX, sizeof(QItem));
	B->todo = arena_array(mem, QUEUE_MAX, sizeof(int64_t));
	B->skipcap = par_skip_cap(E->g->m);
	B->skip = arena_array(mem, (size_t) B->skipcap, 1);
	B->napp = arena_array(mem, (size_t) (B->skipcap / PAR_CHUNK + 2), sizeof(int64_t));
	if (!B->weng || !B->wctx || !B->wstats || !B->heaps || !B->vecs || !B->vused ||
		!B->wwork || !B->wcand || !B->q || !B->todo || !B->skip || !B->napp)
		return mem->status;
	return TE_OK;
}

/* room in the flags for a segment of len edges (a long tie group) */
static TeStatus
batch_grow(Eng *E, Batch *B, int64_t len)
{
	arena_free(E->mem, B->skip);
	arena_free(E->mem, B->napp);
	B->skipcap = len;
	B->skip = arena_array(E->mem, (size_t) len, 1);
	B->napp = arena_array(E->mem, (size_t) (len / PAR_CHUNK + 2), sizeof(int64_t));
	if (!B->skip || !B->napp)
		return E->mem->status;
	return TE_OK;
}

/* free the threaded sweep's state */
static void
batch_release(Eng *E, Batch *B)
{
	arena_free(E->mem, B->weng);
	arena_free(E->mem, B->wctx);
	arena_free(E->mem, B->wstats);
	arena_free(E->mem, B->heaps);
	arena_free(E->mem, B->vecs);
	arena_free(E->mem, B->vused);
	arena_free(E->mem, B->wwork);
	arena_free(E->mem, B->wcand);
	arena_free(E->mem, B->q);
	arena_free(E->mem, B->todo);
	arena_free(E->mem, B->skip);
	arena_free(E->mem, B->napp);
	memset(B, 0, sizeof(*B));
}

/*
 * the edges of one segment the pre-pass left, in reverse filtration order:
 * what sweep does with them (the edges it skips only count as apparent
 * pairs, so leaving them out of a tie group changes nothing)
 */
static TeStatus
segment_columns(Eng *E, Batch *B)
{
	const RipsGraph *g = E->g;
	int64_t		q,
				seen = 0;
	TeStatus	st = TE_OK;

	for (q = B->hi; q >= B->lo && st == TE_OK; q--)
	{
		uint32_t	e;
		int			v[2];
		float		d;
		int64_t		idx;

		if (B->skip[q - B->lo])
			continue;
		e = g->edges[q];
		v[0] = (int) rips_pair_a(e);
		v[1] = (int) rips_pair_b(e);
		d = E->D[(int64_t) v[0] * E->n + v[1]];
		idx = binom(E, v[0], 2) + v[1];
		E->level = d;
		E->c->done = (double) (g->m - 1 - q);
		if (edge_ties(g, q, d))
			st = column(E, v, 1, idx, d);
		else
			st = column_single(E, v, 1, idx, d, -1);
		if (st == TE_OK && (++seen & 255) == 0)
			st = eng_tick(E, 256 * (uint64_t) (E->W + 8));
	}
	return st;
}

/* sweep for k = 1 on nthreads threads (see above) */
static TeStatus
sweep_par(Eng *E, const uint64_t *tree_bits, int nthreads)
{
	const RipsGraph *g = E->g;
	TeRipsStats *stats = E->c->stats;
	Batch		B;
	int64_t		hi = g->m - 1,
				t;
	TeStatus	st;

	memcpy(E->lvl, E->adj, sizeof(uint64_t) * (size_t) (E->n * E->W));
	rips_phase(E->c, cohomology_phase[1], "edges", (double) g->m);
	st = batch_alloc(E, &B, nthreads, tree_bits);
	E->lvl_exact = 0;
	E->bat = &B;
	while (hi >= 0 && st == TE_OK)
	{
		int64_t		lo = hi - PAR_SEGMENT + 1,
					ntasks;

		if (lo < 0)
			lo = 0;
		while (lo > 0 && rips_graph_value(g, lo - 1) == rips_graph_value(g, lo))
			lo--;
		/* a tie group longer than the flags' room: more room */
		if (hi - lo + 1 > B.skipcap && (st = batch_grow(E, &B, hi - lo + 1)) != TE_OK)
			break;
		B.lo = lo;
		B.hi = hi;
		ntasks = (hi - lo + PAR_CHUNK) / PAR_CHUNK;
		st = par_run(E->c->env, nthreads, ntasks, prepass_task, NULL, &B);
		for (t = 0; t < ntasks && st == TE_OK; t++)
		{
			stats->columns[1] += B.napp[t];
			stats->apparent[1] += B.napp[t];
		}
		if (st == TE_OK)
			st = rips_tick(E->c, (uint64_t) (hi - lo + 1) * (uint64_t) (E->W / 4 + 8));
		if (st == TE_OK)
			st = segment_columns(E, &B);
		if (st == TE_OK)
			st = flush_queue(E);
		if (st == TE_OK)
			st = par_run(E->c->env, nthreads, nthreads, clear_task, NULL, &B);
		E->c->done = (double) (g->m - lo);
		if (st == TE_OK)
			st = rips_tick(E->c, (uint64_t) (hi - lo + 1) * 8);
		hi = lo - 1;
	}
	E->bat = NULL;
	E->lvl_exact = 1;
	batch_release(E, &B);
	return st;
}

/* ---- set-up and the dimension loop ---- */

/* binomials, bitsets, scratch and inverses mod p for one run */
static TeStatus
eng_init(Eng *E, RipsCtx *c, const RipsGraph *g)
{
	int64_t		n = g->n,
				v;
	int			t;

	memset(E, 0, sizeof(*E));
	E->c = c;
	E->mem = c->mem;
	E->g = g;
	E->n = n;
	E->W = g->W;
	E->D = g->D;
	E->adj = g->adj;
	E->p = c->modulus;
	E->K = c->max_dim + 2;
	E->hbudget = HEAP_BUDGET;
	if (c->heap_budget > 0)
		E->hbudget = c->heap_budget;
	E->wlo = -1.0f;
	E->whi = INFINITY;
	E->lvl_exact = 1;

	/* binomials C(v, t) for v <= n, t <= K, refusing overflow */
	E->binom = arena_array(c->mem, (size_t) (E->K + 1) * (size_t) (n + 1), sizeof(int64_t));
	if (!E->binom)
		return c->mem->status;
	for (t = 0; t <= E->K; t++)
		for (v = 0; v <= n; v++)
		{
			int64_t    *B = E->binom;
			int64_t		val;

			if (t == 0)
				val = 1;
			else if (v < t)
				val = 0;
			else
			{
				int64_t		x = B[(int64_t) (t - 1) * (n + 1) + v - 1],
							y = B[(int64_t) t * (n + 1) + v - 1];

				if (x > INT64_MAX / 4 - y)
					return te_fail(c->env, TE_LIMIT,
								   "%lld points are too many to index simplices of dimension %d",
								   (long long) n, c->max_dim + 1);
				val = x + y;
			}
			B[(int64_t) t * (n + 1) + v] = val;
		}

	/* entry keys hold the index and (beyond Z/2) the coefficient */
	if (E->p > 2)
	{
		E->cbits = 32 - __builtin_clz(E->p - 1);
		E->cmask = ((uint64_t) 1 << E->cbits) - 1;
	}
	if ((uint64_t) E->binom[(int64_t) E->K * (n + 1) + n] > (UINT64_MAX >> E->cbits))
		return te_fail(c->env, TE_LIMIT,
					   "%lld points are too many to index simplices of dimension %d with coefficients mod %u",
					   (long long) n, c->max_dim + 1, E->p);

	E->lvl = arena_array(c->mem, (size_t) (n * E->W > 0 ? n * E->W : 1), sizeof(uint64_t));
	E->cand = arena_array(c->mem, (size_t) (E->W > 0 ? E->W : 1), sizeof(uint64_t));
	E->cset = arena_array(c->mem, (size_t) (E->W > 0 ? E->W : 1), sizeof(uint64_t));
	if (!E->lvl || !E->cand || !E->cset)
		return c->mem->status;
	if (c->gen)
	{
		E->bfs_parent = arena_array(c->mem, (size_t) n, sizeof(int32_t));
		E->bfs_queue = arena_array(c->mem, (size_t) n, sizeof(int32_t));
		E->bfs_seen = arena_array(c->mem, (size_t) (E->W > 0 ? E->W : 1), sizeof(uint64_t));
		if (!E->bfs_parent || !E->bfs_queue || !E->bfs_seen)
			return c->mem->status;
	}
	if (E->p > 2)
	{
		uint32_t	i;

		E->inv = arena_array(c->mem, E->p, sizeof(uint32_t));
		if (!E->inv)
			return c->mem->status;
		E->inv[0] = 0;
		E->inv[1] = 1;
		for (i = 2; i < E->p; i++)
			E->inv[i] = E->p - mulmod(E->p / i, E->inv[E->p % i], E->p);
	}
	return TE_OK;
}

/* free everything eng_init and the sweeps allocated */
static void
eng_release(Eng *E)
{
	columns_release(E);
	hash_release(E, &E->cur);
	hash_release(E, &E->prev);
	arena_free(E->mem, E->binom);
	arena_free(E->mem, E->lvl);
	arena_free(E->mem, E->cand);
	arena_free(E->mem, E->cset);
	arena_free(E->mem, E->inv);
	arena_free(E->mem, E->heap);
	arena_free(E->mem, E->vw);
	arena_free(E->mem, E->pend);
	arena_free(E->mem, E->bfs_parent);
	arena_free(E->mem, E->bfs_queue);
	arena_free(E->mem, E->bfs_seen);
}

/* cohomology dimension by dimension; pivots of one clear the next */
TeStatus
rips_reduce(RipsCtx *c, const RipsGraph *g, const uint64_t *tree_bits)
{
	Eng			E;
	TeStatus	st;
	int			k,
				nthreads;

	if (g->n < 2 || c->max_dim < 1)
		return TE_OK;
	st = eng_init(&E, c, g);
	for (k = 1; st == TE_OK && k <= c->max_dim; k++)
	{
		if ((st = hash_init(&E, &E.cur, 1024)) != TE_OK)
			break;
		/* H1 on threads: not with generators, whose loops need lvl exact */
		if (k == 1 && c->threads > 1 && !c->gen && (nthreads = sweep_par_threads(&E)) > 1)
			st = sweep_par(&E, tree_bits, nthreads);
		else
			st = sweep(&E, k, tree_bits);
		/* this dimension's pivots clear the next one's columns */
		hash_release(&E, &E.prev);
		E.prev = E.cur;
		memset(&E.cur, 0, sizeof(E.cur));
		columns_release(&E);
	}
	eng_release(&E);
	return st;
}
