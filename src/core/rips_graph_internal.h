/*
 * rips_graph_internal.h - the ground floor of the Rips engine
 *
 * Not a public API: the PostgreSQL face uses rips.h and distance.h only.
 * What every phase builds on, defined in rips_graph.c and here:
 *  - RipsCtx: what every phase needs (env, the Arena of alloc_internal.h,
 *    interrupt pacing, the output diagram, the coefficient field);
 *  - RipsGraph: the filtered graph of the flag filtration (dense n x n float
 *    values, adjacency bitsets and the edges in filtration order).
 * The phases (rips_h0.c, rips_collapse.c, rips_reduce.c) build on this
 * file, each with its own header, and rips.c drives them; nothing here
 * calls up into a phase or the driver.  The point sets and distance
 * kernels are in distance_internal.h.
 *
 * Filtration order.  Edges, and simplices in general, are ordered by
 * diameter, then by decreasing combinatorial index (Ripser's order).  An
 * edge {a > b} is packed into a 64-bit key whose unsigned order is exactly
 * this order: the float bits of its value (values are >= +0.0), then
 * 0xFFFF - a, then 0xFFFF - b.  Vertex numbers therefore fit in 16 bits
 * whenever an n x n graph is built.
 */
#ifndef TOPEMBED_RIPS_GRAPH_INTERNAL_H
#define TOPEMBED_RIPS_GRAPH_INTERNAL_H

#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc_internal.h"
#include "distance_internal.h"
#include "topembed/common.h"
#include "topembed/rips.h"

/* ---- named constants of the engine ---- */

/*
 * Passes of the edge collapse at most: each pass walks the edges backwards
 * and drops those dominated from their value on; later passes find fewer
 * and fewer, and eight reach the fixed point on every data set we have
 * seen (the stats report the passes made), while bounding the cost.
 */
#define RIPS_COLLAPSE_MAX_PASSES 8

/*
 * The collapse runs only when the graph has more than this many edges per
 * vertex (a mean degree above twice it): sparser graphs have few dominated
 * edges and few triangles, and the collapse would cost more than it saves.
 */
#define RIPS_COLLAPSE_MIN_EDGES_PER_VERTEX 3

/*
 * Work units (about one per simple operation, for pacing the interrupt
 * checks) of one pair of a double kernel block: a dgemm over dim, done at
 * about four multiply-adds a unit, plus the guard, the metric and the two
 * stores
 */
#define RIPS_WORK_DOUBLE_PAIR(dim) ((uint64_t) (dim) / 4 + 32)

/* the same for one pair of a float32 block (sgemm is twice as fast) */
#define RIPS_WORK_FLOAT_PAIR(dim) ((uint64_t) (dim) / 8 + 16)

/* ---- context of one run ---- */

/* roughly 1 unit per simple operation; a check every few milliseconds */
#define RIPS_CHECK_INTERVAL ((uint64_t) 1 << 20)

typedef struct RipsCtx
{
	TeEnv	   *env;
	Arena	   *mem;
	uint64_t	work;			/* work units done */
	uint64_t	next_check;		/* work at which to call te_check next */
	TeDiagram  *out;
	TeRipsGenerators *gen;		/* NULL, or one generator per bar of out */
	TeRipsStats *stats;			/* never NULL inside the engine */
	uint32_t	modulus;
	int			max_dim;
	int64_t		heap_budget;	/* TeRipsOptions.heap_budget */
	int			threads;		/* TeRipsOptions.threads, at least 1 */

	/*
	 * Distances are kept as float32 in a scale of their own: a kernel value
	 * v is stored as (float) (v * 2^fexp), and a stored value s stands for
	 * s * 2^out_exp of the input's units.  The exponents are chosen so that
	 * the largest distance is stored near 2^RIPS_FLOAT_TOP: nothing
	 * overflows float32, and the values are exactly the input's rounded to
	 * 24 significant bits (an input that fits float32 gives the same bits
	 * as with no scaling at all, scaled).  2^fexp is applied as two normal
	 * doubles fs1 * fs2, so that it never overflows or underflows itself.
	 */
	double		fs1,
				fs2;
	int			fexp;
	int			out_exp;

	/*
	 * the step under way, for progress reports: its name, what it counts,
	 * how many of how many are done (total 0: not known)
	 */
	const char *phase;
	const char *unit;
	double		done;
	double		total;
} RipsCtx;

/* the binary exponent at which the largest distance is stored */
#define RIPS_FLOAT_TOP 100

/* a kernel distance as the stored float */
static inline float
rips_to_float(const RipsCtx *c, double v)
{
	return (float) ((v * c->fs1) * c->fs2);
}

/* a stored value in the input's units, finite if it was */
static inline double
rips_from_stored(const RipsCtx *c, double v)
{
	double		r = ldexp(v, c->out_exp);

	if (isinf(r) && !isinf(v))
		r = DBL_MAX;
	return r;
}

/* count work; call the interrupt check when enough has been done */
static inline TeStatus
rips_tick(RipsCtx *c, uint64_t units)
{
	c->work += units;
	if (c->work >= c->next_check)
	{
		c->next_check = c->work + RIPS_CHECK_INTERVAL;
		if (c->phase)
			te_progress(c->env, c->phase, c->unit, c->done, c->total);
		return te_check(c->env);
	}
	return TE_OK;
}

/*
 * a new step begins: name it and its size for the progress reports, and
 * report its start (so every step is reported at least once)
 */
static inline void
rips_phase(RipsCtx *c, const char *phase, const char *unit, double total)
{
	c->phase = phase;
	c->unit = unit;
	c->done = 0.0;
	c->total = total;
	te_progress(c->env, phase, unit, 0.0, total);
}

/*
 * append a bar (stored values, birth < death) to the output, in the
 * input's units; zero-length bars are dropped
 */
TeStatus	rips_emit(RipsCtx *c, int dim, double birth, double death);

/*
 * the same, with the bar's simplices for c->gen (when it is set): nb birth
 * and nd death vertices (row numbers, any order; nd 0 for an essential
 * class).  *added says whether the bar was kept (zero-length bars are not)
 */
TeStatus	rips_emit_gen(RipsCtx *c, int dim, double birth, double death,
						  const int *bv, int nb, const int *dv, int nd, int *added);

/* give the last bar emitted the loop rows[0..len) as its H1 cycle */
TeStatus	rips_gen_cycle(RipsCtx *c, const int32_t *rows, int64_t len);

/*
 * add the simplex v (nv rows) to the last bar's cocycle; a bar's simplices
 * must be added one after the other, with nothing else added between
 */
TeStatus	rips_gen_cocycle_add(RipsCtx *c, const int *v, int nv);

/* sort n 64-bit keys ascending, in place */
TeStatus	rips_sort_keys(RipsCtx *c, uint64_t *keys, int64_t n);

/*
 * the extra bytes of the edge sort on threads (0 for one): each thread's
 * scratch for bins of up to most edges (at most 65,536 a thread), the
 * task table for m edges
 */
size_t		rips_sort_par_bytes(int64_t m, int64_t most, int threads);

/* ---- union-find (H0 of the dense and of the sparse graph) ---- */

/* the root of x in the forest parent[], halving the path on the way */
static inline int64_t
rips_uf_find(int32_t *parent, int64_t x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* ---- the filtered graph ---- */

/*
 * The edges in filtration order are kept as 32-bit pairs (a << 16 | b,
 * a > b), 4 bytes an edge, not as their 8-byte keys: a key is rebuilt from
 * the pair and the value matrix (rips_graph_key).  At 10,000 points that is
 * 190 MB less.
 */
typedef struct RipsGraph
{
	int64_t		n;
	int64_t		W;				/* 64-bit words per bitset row */
	float	   *D;				/* n x n values; +INF = no edge; 0 diagonal */
	uint64_t   *adj;			/* n x W: edges with a finite value */
	uint32_t   *edges;			/* the m edges in filtration order, as pairs */
	int64_t		m;
	float		threshold;
} RipsGraph;

/* the filtration key of the edge {a, b} of value v */
static inline uint64_t
rips_edge_key(float v, uint32_t a, uint32_t b)
{
	uint32_t	bits;

	if (a < b)
	{
		uint32_t	t = a;

		a = b;
		b = t;
	}
	memcpy(&bits, &v, sizeof(bits));
	return ((uint64_t) bits << 32) | ((uint64_t) (0xFFFFu - a) << 16) | (uint64_t) (0xFFFFu - b);
}

/* the value of an edge key */
static inline float
rips_key_value(uint64_t k)
{
	uint32_t	bits = (uint32_t) (k >> 32);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* the larger vertex of an edge key */
static inline uint32_t
rips_key_a(uint64_t k)
{
	return 0xFFFFu - (uint32_t) ((k >> 16) & 0xFFFFu);
}

/* the smaller vertex of an edge key */
static inline uint32_t
rips_key_b(uint64_t k)
{
	return 0xFFFFu - (uint32_t) (k & 0xFFFFu);
}

/* the pair of the edge {a > b} */
static inline uint32_t
rips_pair(uint32_t a, uint32_t b)
{
	return (a << 16) | b;
}

/* the larger vertex of a pair */
static inline uint32_t
rips_pair_a(uint32_t e)
{
	return e >> 16;
}

/* the smaller vertex of a pair */
static inline uint32_t
rips_pair_b(uint32_t e)
{
	return e & 0xFFFFu;
}

/* the value of the i-th edge of the filtration */
static inline float
rips_graph_value(const RipsGraph *g, int64_t i)
{
	uint32_t	e = g->edges[i];

	return g->D[(int64_t) rips_pair_a(e) * g->n + rips_pair_b(e)];
}

/* the filtration key of the i-th edge */
static inline uint64_t
rips_graph_key(const RipsGraph *g, int64_t i)
{
	uint32_t	e = g->edges[i];

	return rips_edge_key(rips_graph_value(g, i), rips_pair_a(e), rips_pair_b(e));
}

/*
 * Population count without a library call: builds for baseline x86-64
 * have no popcnt instruction, and __builtin_popcountll would call libgcc.
 */
static inline int
rips_popcount(uint64_t x)
{
#if defined(__POPCNT__) || !defined(__x86_64__)
	return __builtin_popcountll(x);
#else
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
	return (int) ((x * 0x0101010101010101ull) >> 56);
#endif
}

/* set bit i of a bitset row */
static inline void
rips_bit_set(uint64_t *row, int64_t i)
{
	row[i >> 6] |= (uint64_t) 1 << (i & 63);
}

/* clear bit i of a bitset row */
static inline void
rips_bit_clear(uint64_t *row, int64_t i)
{
	row[i >> 6] &= ~((uint64_t) 1 << (i & 63));
}

/* bit i of a bitset row */
static inline int
rips_bit_test(const uint64_t *row, int64_t i)
{
	return (int) ((row[i >> 6] >> (i & 63)) & 1);
}

/* build adj and the sorted keys from D (entries above threshold become INF) */
TeStatus	rips_graph_finish(RipsCtx *c, RipsGraph *g);
void		rips_graph_release(Arena *m, RipsGraph *g);

#endif							/* TOPEMBED_RIPS_GRAPH_INTERNAL_H */
