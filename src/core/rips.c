/*
 * rips.c - entry points of the Rips persistence engine
 *
 * te_rips_points() and te_rips_distances() validate their input, build the
 * filtered graph (or, for H0 alone, go straight to a spanning tree), choose
 * the threshold, collapse the graph when that pays, and run the phases:
 * H0 by Kruskal, then persistent cohomology dimension by dimension.  Also
 * here: the final sort of the diagram and the memory model.  It is the top
 * floor of the engine: the phases and rips_graph.c never call back into it.
 */
#include "rips_collapse_internal.h"
#include "rips_graph_internal.h"
#include "rips_h0_internal.h"
#include "rips_reduce_internal.h"
#include "rips_sparse_internal.h"
#include "parallel_internal.h"
#include "rips_threads_internal.h"

#include <float.h>
#include <stdlib.h>

/* ---- diagrams ---- */

/*
 * Choose the float scale for kernel distances up to bound, which stand for
 * themselves times 2^unit_exp: see RipsCtx
 */
static void
set_float_scale(RipsCtx *c, double bound, int unit_exp)
{
	int			e = 0;

	if (bound > 0.0 && isfinite(bound))
		(void) frexp(bound, &e);
	c->fexp = RIPS_FLOAT_TOP - e;
	c->fs1 = ldexp(1.0, c->fexp / 2);
	c->fs2 = ldexp(1.0, c->fexp - c->fexp / 2);
	c->out_exp = unit_exp - c->fexp;
}

/* the default options */
void
te_rips_options_init(TeRipsOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->max_dim = 1;
	o->threshold = NAN;
	o->modulus = 2;
	o->collapse = 1;
	o->memory_limit = 0;
	o->stats = NULL;
	o->tree = NULL;
}

/* (dim, birth, death) order of bars */
static inline int
pair_less(const TePersPair *x, const TePersPair *y)
{
	if (x->dim != y->dim)
		return x->dim < y->dim;
	if (x->birth != y->birth)
		return x->birth < y->birth;
	return x->death < y->death;
}

/*
 * pairs_sort(): the bars in (dim, birth, death) order.  Bars that tie are
 * equal in every field (values are never -0.0 or NaN), so the order among
 * them cannot show
 */
#define ST_PREFIX pairs
#define ST_ELEMENT_TYPE TePersPair
#define ST_LESS(x, y) pair_less((x), (y))
#include "sort_template.h"

/* a bar and its generator, sorted together when generators are asked for */
typedef struct GenPair
{
	TePersPair	p;
	TeRipsGenerator g;
} GenPair;

/* (dim, birth, death), then the birth and death rows: a total order of distinct bars */
static inline int
gen_pair_less(const GenPair *x, const GenPair *y)
{
	int			i;

	if (pair_less(&x->p, &y->p))
		return 1;
	if (pair_less(&y->p, &x->p))
		return 0;
	for (i = 0; i <= TE_RIPS_MAX_DIM; i++)
		if (x->g.birth[i] != y->g.birth[i])
			return x->g.birth[i] < y->g.birth[i];
	for (i = 0; i <= TE_RIPS_MAX_DIM + 1; i++)
		if (x->g.death[i] != y->g.death[i])
			return x->g.death[i] < y->g.death[i];
	return 0;
}

/* gen_pairs_sort(): bars with their generators, in that order */
#define ST_PREFIX gen_pairs
#define ST_ELEMENT_TYPE GenPair
#define ST_LESS(x, y) gen_pair_less((x), (y))
#include "sort_template.h"

/* sort the diagram and its generators together; TE_NOMEM if no room to */
static TeStatus
sort_with_generators(TeEnv *env, TeDiagram *d, TeRipsGenerators *g)
{
	GenPair    *t = te_alloc_array(env, (size_t) d->n_pairs, sizeof(GenPair));
	int64_t		i;

	if (!t)
		return te_fail(env, TE_NOMEM, "out of memory sorting %lld bars with their generators",
					   (long long) d->n_pairs);
	for (i = 0; i < d->n_pairs; i++)
	{
		t[i].p = d->pairs[i];
		t[i].g = g->gen[i];
	}
	gen_pairs_sort(t, d->n_pairs);
	for (i = 0; i < d->n_pairs; i++)
	{
		d->pairs[i] = t[i].p;
		g->gen[i] = t[i].g;
	}
	te_free(env, t);
	return TE_OK;
}

/* ---- options ---- */

/* TE_INVALID for options outside the documented ranges */
static TeStatus
check_options(TeEnv *env, const TeRipsOptions *o)
{
	if (o->max_dim < 0 || o->max_dim > TE_RIPS_MAX_DIM)
		return te_fail(env, TE_INVALID, "max_dim must be between 0 and %d, not %d",
					   TE_RIPS_MAX_DIM, o->max_dim);
	if (o->modulus < 2 || o->modulus > TE_RIPS_MAX_MODULUS || !te_is_prime(o->modulus))
		return te_fail(env, TE_INVALID, "modulus must be a prime between 2 and %d, not %d",
					   TE_RIPS_MAX_MODULUS, o->modulus);
	if (!isnan(o->threshold) && o->threshold < 0.0)
		return te_fail(env, TE_INVALID, "threshold must be >= 0, not %g", o->threshold);
	if (o->heap_budget < 0)
		return te_fail(env, TE_INVALID, "heap_budget must be >= 0, not %lld",
					   (long long) o->heap_budget);
	if (o->tree && o->max_dim != 0)
		return te_fail(env, TE_INVALID, "the spanning tree comes with max_dim 0 only, not %d",
					   o->max_dim);
	return TE_OK;
}

/* the user's threshold as a stored float32 (as Ripser parses it); NAN stays NAN */
static float
user_threshold(const RipsCtx *c, const TeRipsOptions *o)
{
	double		t;

	if (isnan(o->threshold))
		return NAN;
	t = ldexp(o->threshold, -c->out_exp);
	if (t > (double) FLT_MAX)
		return INFINITY;
	return (float) t;
}

/* ---- the run on a graph ---- */

/*
 * Collapse pays when simplices of dimension >= 2 are enumerated: their
 * number grows with the cube and beyond of the degree, while the collapse
 * costs about one domination test per edge.  For H1 alone the cohomology
 * pass is already near-linear in the edges (almost all are apparent pairs),
 * so the collapse would cost more than it saves.
 */
static int
collapse_pays(const TeRipsOptions *o, const RipsGraph *g)
{
	/* generators name simplices of the full complex: its cocycles need all of them */
	if (!o->collapse || o->max_dim < 2 || o->generators)
		return 0;
	return g->m > RIPS_COLLAPSE_MIN_EDGES_PER_VERTEX * g->n;
}

/*
 * The phases on a built value matrix: enclosing radius and threshold, the
 * graph, the collapse when it pays, H0, then cohomology.  A threshold above
 * the enclosing radius gives the same diagram as the radius itself (the
 * complex is a cone from there on), so the smaller of the two is used.
 */
static TeStatus
run_graph(RipsCtx *c, RipsGraph *g, const TeRipsOptions *o)
{
	int64_t		n = g->n,
				i,
				j;
	float		r = INFINITY,
				thr = user_threshold(c, o);
	uint64_t   *tree = NULL;
	TeStatus	st;

	/* enclosing radius: beyond it the complex is a cone */
	rips_phase(c, "enclosing radius", "rows", (double) n);
	if (n >= 1)
	{
		for (i = 0; i < n; i++)
		{
			const float *row = g->D + i * n;
			float		ri = 0.0f;

			for (j = 0; j < n; j++)
				if (row[j] > ri)
					ri = row[j];
			if (ri < r)
				r = ri;
			c->done = (double) (i + 1);
			if ((st = rips_tick(c, (uint64_t) n)) != TE_OK)
				return st;
		}
	}
	c->stats->enclosing_radius = rips_from_stored(c, r);
	if (isnan(thr) || thr > r)
		thr = r;
	g->threshold = thr;
	c->stats->threshold = rips_from_stored(c, thr);

	if ((st = rips_graph_finish(c, g)) != TE_OK)
		return st;
	c->stats->n_edges = g->m;
	c->stats->n_edges_collapsed = g->m;

	if (collapse_pays(o, g))
	{
		int			passes = 0;

		if ((st = rips_collapse(c, g, RIPS_COLLAPSE_MAX_PASSES, &passes)) != TE_OK)
			return st;
		c->stats->collapse_passes = passes;
		c->stats->n_edges_collapsed = g->m;
	}

	tree = arena_alloc0(c->mem, sizeof(uint64_t) * (size_t) ((g->m + 63) / 64 + 1));
	if (!tree)
		return c->mem->status;
	st = rips_h0_graph(c, g, tree);
	if (st == TE_OK && o->max_dim >= 1)
		st = rips_reduce(c, g, tree);
	arena_free(c->mem, tree);
	return st;
}

/* set up the run's context and zero the counters */
static void
ctx_init(RipsCtx *c, Arena *mem, TeEnv *env, const TeRipsOptions *o,
		 TeDiagram *out, TeRipsStats *stats)
{
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->mem = mem;
	c->next_check = RIPS_CHECK_INTERVAL;
	c->out = out;
	c->gen = o->generators;
	if (c->gen)
		memset(c->gen, 0, sizeof(*c->gen));
	c->modulus = (uint32_t) o->modulus;
	c->max_dim = o->max_dim;
	c->heap_budget = o->heap_budget;
	c->threads = o->threads > 1 ? o->threads : 1;
	c->fs1 = c->fs2 = 1.0;
	c->fexp = c->out_exp = 0;
	memset(stats, 0, sizeof(*stats));
	stats->enclosing_radius = NAN;
	stats->threshold = NAN;
	c->stats = stats;
}

/*
 * Release whatever working memory is still held (a failing phase may leave
 * blocks behind), then sort the diagram and publish the counters, or clear
 * the diagram on failure
 */
static TeStatus
finish(RipsCtx *c, TeStatus st, const TeRipsOptions *o)
{
	arena_free_all(c->mem);
	c->stats->peak_bytes = c->mem->peak;
	if (o->stats)
		*o->stats = *c->stats;
	if (st == TE_OK && c->gen && c->out->n_pairs > 1)
		st = sort_with_generators(c->env, c->out, c->gen);
	if (st != TE_OK)
	{
		te_diagram_free(c->env, c->out);
		te_rips_generators_free(c->env, c->gen);
		return st;
	}
	if (!c->gen && c->out->n_pairs > 1)
		pairs_sort(c->out->pairs, c->out->n_pairs);
	return TE_OK;
}

/* where the distance tiles of te_rips_points go */
typedef struct GraphFill
{
	RipsCtx    *c;
	const DistPoints *p;
	RipsGraph  *g;
} GraphFill;

/* store one tile of distances, as floats, in both halves of the matrix */
static TeStatus
fill_tile(void *arg, int64_t i0, int64_t i1, int64_t j0, int64_t j1, const double *blk)
{
	GraphFill  *gf = arg;
	int64_t		i;

	/* the pairs (i, j <= i) of this tile, for the progress reports */
	for (i = i0 > j0 ? i0 : j0; i < i1; i++)
		gf->c->done += (double) ((i < j1 ? i + 1 : j1) - j0);
	rips_store_tile(gf->c, gf->p, gf->g, i0, i1, j0, j1, blk);
	return rips_tick(gf->c, (uint64_t) (i1 - i0) * (uint64_t) (j1 - j0) *
					 RIPS_WORK_DOUBLE_PAIR(gf->p->dim));
}

/* persistence of a point cloud: see rips.h */
TeStatus
te_rips_points(TeEnv *env, const double *points, int64_t n, int dim,
			   TeMetric metric, const TeRipsOptions *opt, TeDiagram *out)
{
	TeRipsOptions defaults;
	TeRipsStats stats;
	Arena		mem;
	RipsCtx		c;
	DistPoints	p;
	RipsGraph	g;
	TeStatus	st;

	if (!opt)
	{
		te_rips_options_init(&defaults);
		opt = &defaults;
	}
	memset(out, 0, sizeof(*out));
	if (opt->generators)
		memset(opt->generators, 0, sizeof(*opt->generators));
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (n < 0 || (n > 0 && (!points || dim < 1)))
		return te_fail(env, TE_INVALID, "need n >= 0 points of dimension >= 1");
	arena_init(&mem, env, opt->memory_limit, "persistence");
	ctx_init(&c, &mem, env, opt, out, &stats);
	stats.n_points = n;
	memset(&g, 0, sizeof(g));

	if ((st = dist_points_prepare(&mem, &p, points, n, dim, metric)) != TE_OK)
		return finish(&c, st, opt);
	set_float_scale(&c, dist_points_bound(&p), p.unit_exp);

	if (opt->max_dim == 0)
	{
		float		thr = user_threshold(&c, opt);

		if (n > INT32_MAX)
		{
			dist_points_release(&mem, &p);
			return finish(&c, te_fail(env, TE_LIMIT, "at most %d points, not %lld",
									  INT32_MAX, (long long) n), opt);
		}
		/* the tree's edges never exceed the enclosing radius */
		stats.threshold = isnan(thr) ? NAN : rips_from_stored(&c, thr);
		st = rips_h0_points(&c, &p, isnan(thr) ? INFINITY : thr, opt->tree);
		dist_points_release(&mem, &p);
		return finish(&c, st, opt);
	}

	if (n > TE_RIPS_MAX_POINTS_HIGHER)
	{
		dist_points_release(&mem, &p);
		return finish(&c, te_fail(env, TE_LIMIT,
								  "persistence above H0 supports at most %d points, not %lld",
								  TE_RIPS_MAX_POINTS_HIGHER, (long long) n), opt);
	}

	/* the full matrix, block by block */
	if ((st = dist_points_center(&mem, &p)) != TE_OK)
	{
		dist_points_release(&mem, &p);
		return finish(&c, st, opt);
	}
	g.n = n;
	g.D = arena_array(&mem, (size_t) (n > 0 ? n * n : 1), sizeof(float));
	if (!g.D)
		st = mem.status;
	else
	{
		GraphFill	gf = {&c, &p, &g};

		rips_phase(&c, "distances", "pairs", (double) n * (double) (n + 1) / 2.0);
		st = c.threads > 1 ? rips_fill_points_par(&c, &p, &g) :
			dist_lower_tiles(&mem, &p, fill_tile, &gf, NULL);
	}
	dist_points_release(&mem, &p);
	if (st == TE_OK)
		st = run_graph(&c, &g, opt);
	rips_graph_release(&mem, &g);
	return finish(&c, st, opt);
}

/* persistence of a given dissimilarity: see rips.h */
TeStatus
te_rips_distances(TeEnv *env, const double *lower, int64_t n,
				  const TeRipsOptions *opt, TeDiagram *out)
{
	TeRipsOptions defaults;
	TeRipsStats stats;
	Arena		mem;
	RipsCtx		c;
	RipsGraph	g;
	TeStatus	st = TE_OK;
	int64_t		i,
				j;
	double		maxd = 0.0;

	if (!opt)
	{
		te_rips_options_init(&defaults);
		opt = &defaults;
	}
	memset(out, 0, sizeof(*out));
	if (opt->generators)
		memset(opt->generators, 0, sizeof(*opt->generators));
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (n < 0 || (n > 1 && !lower))
		return te_fail(env, TE_INVALID, "need n >= 0 points and their distances");
	if (opt->tree)
		return te_fail(env, TE_INVALID, "the spanning tree comes from te_rips_points only");
	if (opt->generators)
		return te_fail(env, TE_INVALID, "generators come from te_rips_points only");
	for (i = 1; i < n; i++)
	{
		double		rowmax = 0.0;

		for (j = 0; j < i; j++)
		{
			double		v = lower[i * (i - 1) / 2 + j];

			/* points are numbered from 1 in messages, as everywhere else */
			if (isnan(v))
				return te_fail(env, TE_INVALID, "distance d(%lld,%lld) is NaN",
							   (long long) i + 1, (long long) j + 1);
			if (!isfinite(v))
				return te_fail(env, TE_INVALID, "distance d(%lld,%lld) is infinite",
							   (long long) i + 1, (long long) j + 1);
			if (v < 0.0)
				return te_fail(env, TE_INVALID, "distance d(%lld,%lld) is negative (%g)",
							   (long long) i + 1, (long long) j + 1, v);
			if (v > rowmax)
				rowmax = v;
		}
		if (rowmax > maxd)
			maxd = rowmax;
		if ((i & 63) == 0 && te_check(env) != TE_OK)
			return TE_CANCELLED;
	}
	arena_init(&mem, env, opt->memory_limit, "persistence");
	ctx_init(&c, &mem, env, opt, out, &stats);
	stats.n_points = n;
	set_float_scale(&c, maxd, 0);

	if (opt->max_dim == 0)
	{
		float		thr = user_threshold(&c, opt);

		stats.threshold = isnan(thr) ? NAN : rips_from_stored(&c, thr);
		st = rips_h0_lower(&c, lower, n, isnan(thr) ? INFINITY : thr);
		return finish(&c, st, opt);
	}
	if (n > TE_RIPS_MAX_POINTS_HIGHER)
		return finish(&c, te_fail(env, TE_LIMIT,
								  "persistence above H0 supports at most %d points, not %lld",
								  TE_RIPS_MAX_POINTS_HIGHER, (long long) n), opt);

	memset(&g, 0, sizeof(g));
	g.n = n;
	g.D = arena_array(&mem, (size_t) (n > 0 ? n * n : 1), sizeof(float));
	if (!g.D)
		return finish(&c, mem.status, opt);
	rips_phase(&c, "distances", "rows", (double) n);
	for (i = 0; i < n; i++)
	{
		g.D[i * n + i] = 0.0f;
		for (j = 0; j < i; j++)
		{
			float		v = rips_to_float(&c, lower[i * (i - 1) / 2 + j]);

			if (v == 0.0f)
				v = 0.0f;		/* no negative zero in the keys */
			g.D[i * n + j] = v;
			g.D[j * n + i] = v;
		}
		c.done = (double) (i + 1);
		if ((st = rips_tick(&c, (uint64_t) i)) != TE_OK)
			break;
	}
	if (st == TE_OK)
		st = run_graph(&c, &g, opt);
	rips_graph_release(&mem, &g);
	return finish(&c, st, opt);
}

/* sparse Rips persistence: see rips.h */
TeStatus
te_rips_sparse(TeEnv *env, const double *points, int64_t n, int dim,
			   TeMetric metric, double epsilon, const TeRipsOptions *opt,
			   TeRipsSparseInfo *info, TeDiagram *out)
{
	TeRipsOptions defaults;
	TeRipsStats stats;
	TeRipsSparseInfo ignored;
	Arena		mem;
	RipsCtx		c;
	DistPoints	p;
	TeStatus	st;

	if (!opt)
	{
		te_rips_options_init(&defaults);
		opt = &defaults;
	}
	if (!info)
		info = &ignored;
	memset(info, 0, sizeof(*info));
	memset(out, 0, sizeof(*out));
	if (opt->generators)
		memset(opt->generators, 0, sizeof(*opt->generators));
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (opt->max_dim > 1)
		return te_fail(env, TE_INVALID, "sparse persistence computes H0 and H1 only, not up to H%d",
					   opt->max_dim);
	if (opt->modulus != 2)
		return te_fail(env, TE_INVALID, "sparse persistence is over Z/2 only, not Z/%d",
					   opt->modulus);
	if (!isnan(opt->threshold) && !isinf(opt->threshold))
		return te_fail(env, TE_INVALID, "sparse persistence takes no threshold, not %g",
					   opt->threshold);
	if (opt->tree || opt->generators)
		return te_fail(env, TE_INVALID, "sparse persistence gives neither the spanning tree nor generators");
	if (!(epsilon > 0.0) || !isfinite(epsilon))
		return te_fail(env, TE_INVALID, "epsilon must be a positive finite number, not %g", epsilon);
	if (n < 0 || (n > 0 && (!points || dim < 1)))
		return te_fail(env, TE_INVALID, "need n >= 0 points of dimension >= 1");
	if (n > TE_RIPS_SPARSE_MAX_POINTS)
		return te_fail(env, TE_LIMIT, "sparse persistence supports at most %d points, not %lld",
					   TE_RIPS_SPARSE_MAX_POINTS, (long long) n);
	arena_init(&mem, env, opt->memory_limit, "sparse persistence");
	ctx_init(&c, &mem, env, opt, out, &stats);
	stats.n_points = n;
	if ((st = dist_points_prepare(&mem, &p, points, n, dim, metric)) != TE_OK)
		return finish(&c, st, opt);
	if ((st = dist_points_center(&mem, &p)) == TE_OK)
		st = rips_sparse_run(&c, &p, points, epsilon, info);
	dist_points_release(&mem, &p);
	return finish(&c, st, opt);
}

/* the memory of te_rips_sparse: see rips.h */
void
te_rips_sparse_memory(int64_t n, int dim, size_t *fixed, size_t *per_edge)
{
	double		b = (double) rips_sparse_fixed_bytes(n, dim);

	/* the prepared (scaled, centred) copy of the points and their norms */
	b += (double) n * ((double) dim + 2.0) * sizeof(double);
	*fixed = b > (double) SIZE_MAX / 2 ? SIZE_MAX : (size_t) b;
	*per_edge = RIPS_SPARSE_EDGE_BYTES;
}

/* ---- memory estimate ---- */

/* a + b, saturating at SIZE_MAX */
static size_t
add_sat(size_t a, double b)
{
	if (b < 0)
		b = 0;
	if ((double) a + b >= (double) SIZE_MAX)
		return SIZE_MAX;
	return a + (size_t) b;
}

/*
 * The memory model of te_rips_memory_estimate, in bytes, phase by phase
 * (docs/performance.md gives the table and the measurements behind it):
 *  - every run: an allowance for the small blocks, and 16 bytes a point;
 *  - H0 of points: the float copy, the candidate lists and per-point state
 *    (RIPS_MEM_H0_PER_POINT), the kernel blocks;
 *  - from H1 on, held through every later phase: the n x n float values,
 *    three n x n bitset matrices (adjacency, the sweep's level graph, the
 *    collapse's), the kernel block, the edges within the threshold at 4
 *    bytes each plus a tree bit;
 *  - the edge sort: its bin offsets (8 bytes a bin, one bin per 16 edges,
 *    at most 2^20) and the scratch of its largest bin, allowed
 *    RIPS_MEM_SORT_LARGEST_BIN times the mean bin (on threads, one such
 *    scratch a thread, of at most 65,536 keys: rips_sort_par_bytes);
 *  - the reduction: what it holds whatever the size (binomials, scratch),
 *    the working heap (at most its budget of 4M entries of 12 bytes and
 *    one coboundary, plus two thirds of that while it grows: 85 MB; below
 *    that, 100 bytes an edge and dimension, which covers the 52 of H2 at
 *    1,000 points and the 95 of H1 on 800 points of a curve in R^3, whose
 *    long-lived loops add many columns), and per edge an allowance for the pivot tables and the
 *    stored reduction vectors: 2 bytes for H1, whose columns are nearly
 *    all apparent pairs (0.5 measured at 10,000 points), and 32 more for
 *    each dimension above (H2 used 19 at 1,000 points and 25 at 2,000:
 *    its emergent pairs and reduced columns grow with the edges);
 *  - H1 on threads: per thread a heap room of 256 entries a point (at
 *    most the budget) and 8 entries a point for reduction vectors, 12
 *    bytes each (rips_reduce_par_bytes: 3.1 MB a thread at 1,000 points,
 *    at least 98 kB).
 * The unit tests hold the estimate above the measured peak.
 */
#define RIPS_MEM_FIXED (256.0 * 1024)
#define RIPS_MEM_H0_PER_POINT 800.0
#define RIPS_MEM_REDUCE_FIXED (4.0 * 1024 * 1024)
#define RIPS_MEM_SORT_LARGEST_BIN 64.0
#define RIPS_MEM_HEAP_MAX (12.0 * ((1 << 22) + 65536) * 5.0 / 3.0)
#define RIPS_MEM_HEAP_PER_EDGE_PER_DIM 100.0
#define RIPS_MEM_PER_EDGE_H1 2.0
#define RIPS_MEM_PER_EDGE_PER_DIM_ABOVE_H1 32.0

/* the expected peak of tracked memory: see rips.h */
size_t
te_rips_memory_estimate(int64_t n, int dim, int max_dim, double threshold)
{
	return te_rips_memory_estimate_threads(n, dim, max_dim, threshold, 1);
}

/* the same with threads: see rips.h */
size_t
te_rips_memory_estimate_threads(int64_t n, int dim, int max_dim, double threshold, int threads)
{
	double		nn = (double) (n > 0 ? n : 0);
	double		m = nn * (nn - 1.0) / 2.0;
	double		bytes = RIPS_MEM_FIXED;

	if (n < 0 || dim < 0 || max_dim < 0 || max_dim > TE_RIPS_MAX_DIM)
		return SIZE_MAX;
	if (dim > 0)
		bytes += nn * 16.0;		/* norms and scale factors */
	if (max_dim == 0)
	{
		if (dim > 0)
		{
			/* float copy, candidate lists and per-point state, kernel blocks */
			bytes += nn * (double) dim * 4.0 + nn * RIPS_MEM_H0_PER_POINT;
			bytes += (double) DIST_BLOCK * 1024 * 12.0 + (DIST_BLOCK + 1024.0) * dim * 4.0;
			bytes += (double) (par_threads(threads, (n + DIST_BLOCK - 1) / DIST_BLOCK) - 1) *
				(double) rips_h0_thread_bytes(n);
		}
		else
			bytes += nn * 24.0;	/* Prim's keys */
		return add_sat(0, bytes);
	}
	if (n > TE_RIPS_MAX_POINTS_HIGHER)
		return SIZE_MAX;
	/* n x n floats and three bitset matrices, whatever the threshold */
	bytes += nn * nn * 4.0 + 3.0 * nn * nn / 8.0 + RIPS_MEM_REDUCE_FIXED;
	if (dim > 0)
		bytes += (double) DIST_BLOCK * DIST_BLOCK * 8.0 * (double) (threads > 1 ? threads : 1);
	/* H1 on threads: each thread's heap room and vectors, the queue and flags */
	bytes += (double) rips_reduce_par_bytes(n, par_threads(threads, PAR_MAX_THREADS));

	/*
	 * The edges and their tree bits, the sort's bins and largest bin, the
	 * working heap and an allowance for pivots and reduction vectors, per
	 * edge within the threshold.  With the default threshold (the enclosing
	 * radius) that is nearly every edge.  A finite threshold keeps fewer,
	 * but how many is known only once the distances are: the estimate then
	 * leaves this part out, and the run holds it to memory_limit as it goes.
	 */
	if (!isfinite(threshold))
	{
		double		bins = fmin(fmax(m / 16.0, 1024.0), 1048576.0);

		bytes += m * (4.0 + 1.0 / 8.0);
		bytes += bins * 8.0 + RIPS_MEM_SORT_LARGEST_BIN * (m / bins) * 8.0;
		bytes += (double) rips_sort_par_bytes((int64_t) m, (int64_t) (RIPS_MEM_SORT_LARGEST_BIN * (m / bins)),
											  par_threads(threads, PAR_MAX_THREADS));
		bytes += fmin(RIPS_MEM_HEAP_MAX, RIPS_MEM_HEAP_PER_EDGE_PER_DIM * m * (double) max_dim);
		bytes += m * (RIPS_MEM_PER_EDGE_H1 + RIPS_MEM_PER_EDGE_PER_DIM_ABOVE_H1 * (double) (max_dim - 1));
	}
	return add_sat(0, bytes);
}
