/*
 * test_rips.c - unit tests of the Rips persistence engine
 *
 * Hand-checked complexes, invariants on random clouds, interruption at
 * every interrupt check with a leak check, the memory limit, bad input,
 * collapse on/off, prime fields, and the distance kernels' precision.
 *
 * Under TE_UNIT_REDUCED (make test's valgrind run) the cancellation
 * workloads and the precision test take smaller inputs, and the
 * cancellations trip at fewer points (the first 10 checks and about 10
 * more, not 40 and 40).  The sizes stay above the kernels' blocks: points
 * through the full distance matrix and te_distances_lower go in rows of
 * DIST_BLOCK (256), so 300 and 600 points make two and three of them; the
 * spanning tree of points goes in columns of COL_BLOCK (1024), so 2100
 * points make three.
 */
#include "topembed/rips.h"
#include "topembed/distance.h"
#include "rips_graph_internal.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a counting allocator and a tripping interrupt check ---- */

typedef struct Counter
{
	int64_t		live_blocks;
	int64_t		live_bytes;
	int64_t		checks;			/* interrupt checks seen */
	int64_t		trip_at;		/* return nonzero from this check on; -1 never */
	double		last;			/* time of the previous check */
	double		max_gap;		/* the longest time between checks */
} Counter;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

static void *
count_alloc(void *ctx, size_t size)
{
	Counter    *c = ctx;
	size_t	   *p = malloc(size + 16);

	if (!p)
		return NULL;
	p[0] = size;
	c->live_blocks++;
	c->live_bytes += (int64_t) size;
	return (char *) p + 16;
}

static void
count_release(void *ctx, void *ptr)
{
	Counter    *c = ctx;
	size_t	   *p = (size_t *) ((char *) ptr - 16);

	c->live_blocks--;
	c->live_bytes -= (int64_t) p[0];
	free(p);
}

static int
count_check(void *ctx)
{
	Counter    *c = ctx;
	double		t = now();

	if (c->last > 0 && t - c->last > c->max_gap)
		c->max_gap = t - c->last;
	c->last = t;
	c->checks++;
	return c->trip_at >= 0 && c->checks > c->trip_at;
}

static void
env_counting(TeEnv *env, Counter *c, int64_t trip_at)
{
	memset(c, 0, sizeof(*c));
	c->trip_at = trip_at;
	memset(env, 0, sizeof(*env));
	env->alloc = count_alloc;
	env->release = count_release;
	env->check = count_check;
	env->ctx = c;
}

/* ---- helpers ---- */

static uint64_t rng_state = 88172645463325252ull;

static double
urand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double) (rng_state >> 11) / 9007199254740992.0;
}

static double
nrand(void)
{
	double		u = urand() + 1e-300,
				v = urand();

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double *
random_points(int64_t n, int dim, int shape)
{
	double	   *x = malloc(sizeof(double) * (size_t) (n * dim));
	int64_t		i;
	int			k;

	for (i = 0; i < n; i++)
	{
		for (k = 0; k < dim; k++)
			x[i * dim + k] = nrand();
		if (shape == 1 && dim >= 2)
		{
			/* a noisy circle */
			double		t = 2.0 * M_PI * urand();

			x[i * dim] = cos(t) + 0.05 * nrand();
			x[i * dim + 1] = sin(t) + 0.05 * nrand();
			for (k = 2; k < dim; k++)
				x[i * dim + k] = 0.05 * nrand();
		}
		if (shape == 2 && i > 0 && urand() < 0.3)
			memcpy(x + i * dim, x + (int64_t) (urand() * (double) i) * dim,
				   sizeof(double) * (size_t) dim);
	}
	return x;
}

static int
same_diagram(const TeDiagram *a, const TeDiagram *b)
{
	int64_t		i;

	if (a->n_pairs != b->n_pairs)
		return 0;
	for (i = 0; i < a->n_pairs; i++)
		if (a->pairs[i].dim != b->pairs[i].dim || a->pairs[i].birth != b->pairs[i].birth ||
			a->pairs[i].death != b->pairs[i].death)
			return 0;
	return 1;
}

/* the n(n-1)/2 lower-triangle entries of a full matrix */
static double *
lower_of(const double *full, int64_t n)
{
	double	   *l = malloc(sizeof(double) * (size_t) (n * (n - 1) / 2 + 1));
	int64_t		i,
				j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			l[i * (i - 1) / 2 + j] = full[i * n + j];
	return l;
}

/* find the bar of dimension dim (the first one), or NULL */
static const TePersPair *
bar(const TeDiagram *d, int dim, int index)
{
	int64_t		i;

	for (i = 0; i < d->n_pairs; i++)
		if (d->pairs[i].dim == dim && index-- == 0)
			return &d->pairs[i];
	return NULL;
}

/* ---- tests ---- */

static void
test_small_complexes(void)
{
	TeEnv		env;
	TeRipsOptions o;
	TeDiagram	d;
	TeStatus	st;
	const TePersPair *b;
	int64_t		ess;
	double		sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	double		hex[12];
	double		tri[] = {0, 0, 1, 0, 0.5, sqrt(3.0) / 2.0};
	int			i;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);

	/* the unit square: one H1 bar [1, sqrt 2) */
	st = te_rips_points(&env, sq, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK, "square: status ok");
	unit_ok(te_diagram_count(&d, 0, &ess) == 4 && ess == 1, "square: 4 H0 bars, one essential");
	b = bar(&d, 0, 0);
	unit_ok(b && b->birth == 0.0 && b->death == 1.0, "square: H0 bars die at 1");
	b = bar(&d, 1, 0);
	unit_ok(te_diagram_count(&d, 1, NULL) == 1 && b && b->birth == 1.0 &&
			b->death == (double) (float) sqrt(2.0), "square: one H1 bar [1, sqrt 2) (float32)");
	te_diagram_free(&env, &d);

	/* an equilateral triangle: no H1 at all */
	st = te_rips_points(&env, tri, 3, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK && te_diagram_count(&d, 1, NULL) == 0 &&
			te_diagram_count(&d, 0, NULL) == 3, "triangle: 3 H0 bars, no H1");
	te_diagram_free(&env, &d);

	/* the regular hexagon of side 1: H1 [1, sqrt 3), then the octahedron: H2 [sqrt 3, 2) */
	for (i = 0; i < 6; i++)
	{
		hex[2 * i] = cos(M_PI / 3.0 * i);
		hex[2 * i + 1] = sin(M_PI / 3.0 * i);
	}
	o.max_dim = 2;
	o.threshold = INFINITY;
	st = te_rips_points(&env, hex, 6, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	b = bar(&d, 1, 0);
	unit_ok(st == TE_OK && te_diagram_count(&d, 1, NULL) == 1 && b &&
			fabs(b->birth - 1.0) < 1e-6 && fabs(b->death - sqrt(3.0)) < 1e-6,
			"hexagon: one H1 bar [1, sqrt 3)");
	b = bar(&d, 2, 0);
	unit_ok(te_diagram_count(&d, 2, NULL) == 1 && b && fabs(b->birth - sqrt(3.0)) < 1e-6 &&
			fabs(b->death - 2.0) < 1e-6, "hexagon: one H2 bar [sqrt 3, 2) (an octahedron)");
	te_diagram_free(&env, &d);
	o.threshold = NAN;

	/* the same square as a distance matrix */
	{
		double		full[16] = {0, 1, 2, 1, 1, 0, 1, 2, 2, 1, 0, 1, 1, 2, 1, 0};
		double	   *l = lower_of(full, 4);

		o.max_dim = 1;
		st = te_rips_distances(&env, l, 4, &o, &d);
		b = bar(&d, 1, 0);
		unit_ok(st == TE_OK && te_diagram_count(&d, 1, NULL) == 1 && b && b->birth == 1.0 &&
				b->death == 2.0, "4-cycle distance matrix: one H1 bar [1, 2)");
		te_diagram_free(&env, &d);
		/* a threshold below the diagonals: the cycle never dies */
		o.threshold = 1.5;
		st = te_rips_distances(&env, l, 4, &o, &d);
		b = bar(&d, 1, 0);
		unit_ok(st == TE_OK && b && b->birth == 1.0 && isinf(b->death),
				"4-cycle below its death: an essential H1 class [1, inf)");
		te_diagram_free(&env, &d);
		o.threshold = NAN;
		free(l);
	}

	/* degenerate sizes */
	st = te_rips_points(&env, sq, 0, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK && d.n_pairs == 0, "no points: empty diagram");
	te_diagram_free(&env, &d);
	st = te_rips_points(&env, sq, 1, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK && d.n_pairs == 1 && isinf(d.pairs[0].death), "one point: one essential bar");
	te_diagram_free(&env, &d);
	o.max_dim = 0;
	st = te_rips_points(&env, sq, 1, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK && d.n_pairs == 1 && isinf(d.pairs[0].death),
			"one point, H0 only: one essential bar");
	te_diagram_free(&env, &d);
}

/* ripser's 13-point projective plane example */
static const double projective_plane[] = {
	1, 1, 2, 1, 2, 2, 1, 2, 2, 2, 1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1, 2, 2, 1, 2, 2,
	1, 2, 1, 1, 2, 2, 2, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 2, 2, 1, 2,
	2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1
};

static void
test_fields(void)
{
	TeEnv		env;
	TeRipsOptions o;
	TeDiagram	d;
	TeStatus	st;
	const TePersPair *b1,
			   *b2;
	int			p;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = 2;
	st = te_rips_distances(&env, projective_plane, 13, &o, &d);
	b1 = bar(&d, 1, 0);
	b2 = bar(&d, 2, 0);
	unit_ok(st == TE_OK && te_diagram_count(&d, 1, NULL) == 1 && te_diagram_count(&d, 2, NULL) == 1 &&
			b1->birth == 1 && b1->death == 2 && b2->birth == 1 && b2->death == 2,
			"projective plane over Z/2: H1 [1,2) and H2 [1,2)");
	te_diagram_free(&env, &d);
	for (p = 3; p <= 46337; p = (p == 3) ? 5 : (p == 5) ? 46337 : 46338)
	{
		o.modulus = p;
		st = te_rips_distances(&env, projective_plane, 13, &o, &d);
		unit_ok(st == TE_OK && te_diagram_count(&d, 1, NULL) == 0 &&
				te_diagram_count(&d, 2, NULL) == 0 && te_diagram_count(&d, 0, NULL) == 13,
				"projective plane over Z/%d: no H1, no H2", p);
		te_diagram_free(&env, &d);
	}
}

/* components of the graph "distance <= t" by union-find, for the invariants */
static int64_t
components(const double *x, int64_t n, int dim, double t)
{
	int64_t    *par = malloc(sizeof(int64_t) * (size_t) n),
				i,
				j,
				c = n;

	for (i = 0; i < n; i++)
		par[i] = i;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
		{
			double		s = 0;
			int			k;
			int64_t		a = i,
						b = j;

			for (k = 0; k < dim; k++)
				s += (x[i * dim + k] - x[j * dim + k]) * (x[i * dim + k] - x[j * dim + k]);
			if ((float) sqrt(s) > (float) t)
				continue;
			while (par[a] != a)
				a = par[a];
			while (par[b] != b)
				b = par[b];
			if (a != b)
			{
				par[a] = b;
				c--;
			}
		}
	free(par);
	return c;
}

static int64_t
distinct_points(const double *x, int64_t n, int dim)
{
	int64_t		i,
				j,
				c = 0;

	for (i = 0; i < n; i++)
	{
		for (j = 0; j < i; j++)
			if (memcmp(x + i * dim, x + j * dim, sizeof(double) * (size_t) dim) == 0)
				break;
		if (j == i)
			c++;
	}
	return c;
}

static void
test_invariants(void)
{
	TeEnv		env;
	TeRipsOptions o;
	int			trial,
				bad_count = 0,
				bad_order = 0,
				bad_ess = 0,
				bad_collapse = 0,
				bad_h0 = 0,
				bad_inf = 0;

	te_env_init_malloc(&env);
	for (trial = 0; trial < 60; trial++)
	{
		int64_t		n = 5 + (int64_t) (urand() * 40);
		int			dim = 1 + (int) (urand() * 6);
		double	   *x = random_points(n, dim, trial % 3);
		TeDiagram	d,
					d2,
					d0;
		int64_t		i,
					ess;
		double		t = 0.5 + urand();

		te_rips_options_init(&o);
		o.max_dim = 2;
		if (te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d) != TE_OK)
		{
			bad_count++;
			free(x);
			continue;
		}
		if (te_diagram_count(&d, 0, &ess) != distinct_points(x, n, dim) || ess != 1)
			bad_count++;
		for (i = 0; i < d.n_pairs; i++)
		{
			if (!(d.pairs[i].birth < d.pairs[i].death))
				bad_order++;
			if (i > 0 && (d.pairs[i - 1].dim > d.pairs[i].dim ||
						  (d.pairs[i - 1].dim == d.pairs[i].dim &&
						   d.pairs[i - 1].birth > d.pairs[i].birth)))
				bad_order++;
		}
		/* collapse off gives the very same diagram */
		o.collapse = 0;
		te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d2);
		if (!same_diagram(&d, &d2))
			bad_collapse++;
		te_diagram_free(&env, &d2);
		/* no threshold gives the same diagram as the enclosing radius */
		o.collapse = 1;
		o.threshold = INFINITY;
		te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d2);
		if (!same_diagram(&d, &d2))
			bad_inf++;
		te_diagram_free(&env, &d2);
		/* H0 by spanning tree agrees with the full run's H0 */
		o.threshold = NAN;
		o.max_dim = 0;
		te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d0);
		if (te_diagram_count(&d0, 0, NULL) != te_diagram_count(&d, 0, NULL))
			bad_h0++;
		else
			for (i = 0; i < d0.n_pairs; i++)
				if (!(d0.pairs[i].death == d.pairs[i].death ||
					  fabs(d0.pairs[i].death - d.pairs[i].death) <= 1e-6 * d.pairs[i].death))
					bad_h0++;
		te_diagram_free(&env, &d0);
		te_diagram_free(&env, &d);

		/* with a threshold: essential H0 classes = components */
		o.max_dim = 1;
		o.threshold = t;
		te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
		te_diagram_count(&d, 0, &ess);
		if (ess != components(x, n, dim, t))
			bad_ess++;
		te_diagram_free(&env, &d);
		o.max_dim = 0;
		te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
		te_diagram_count(&d, 0, &ess);
		if (ess != components(x, n, dim, t))
			bad_ess++;
		te_diagram_free(&env, &d);
		free(x);
	}
	unit_ok(bad_count == 0, "random clouds: H0 has one bar per distinct point, one essential");
	unit_ok(bad_order == 0, "random clouds: birth < death, sorted by (dim, birth)");
	unit_ok(bad_collapse == 0, "random clouds: collapse on and off give identical diagrams");
	unit_ok(bad_inf == 0, "random clouds: threshold INFINITY equals the enclosing radius");
	unit_ok(bad_h0 == 0, "random clouds: H0 by spanning tree equals the full run's H0");
	unit_ok(bad_ess == 0, "random clouds: essential H0 classes = components at the threshold");
}

/* one workload, run with the check tripping after k calls */
typedef TeStatus (*Workload) (TeEnv *env, TeDiagram *d);

static double *wl_points;
static double *wl_lower;
static int64_t wl_n_h2;			/* points of wl_h2 */
static int64_t wl_n_h2_cos;		/* points of wl_h2_nocollapse_cosine */
static int64_t wl_n_h0;			/* points of wl_h0_points */
static int64_t wl_n_lower;		/* points of wl_lower */

static TeStatus
wl_h2(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;

	te_rips_options_init(&o);
	o.max_dim = 2;
	return te_rips_points(env, wl_points, wl_n_h2, 16, TE_METRIC_EUCLIDEAN, &o, d);
}

static TeStatus
wl_h2_nocollapse_cosine(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;

	te_rips_options_init(&o);
	o.max_dim = 2;
	o.collapse = 0;
	o.modulus = 3;
	return te_rips_points(env, wl_points, wl_n_h2_cos, 16, TE_METRIC_COSINE, &o, d);
}

/* wl_h2 with generators (freed at once: the checks are of the diagram and the memory) */
static TeStatus
wl_h2_generators(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;
	TeRipsGenerators g;
	TeStatus	st;

	te_rips_options_init(&o);
	o.max_dim = 2;
	o.generators = &g;
	st = te_rips_points(env, wl_points, wl_n_h2, 16, TE_METRIC_EUCLIDEAN, &o, d);
	te_rips_generators_free(env, &g);
	return st;
}

static TeStatus
wl_h0_points(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;

	te_rips_options_init(&o);
	o.max_dim = 0;
	return te_rips_points(env, wl_points, wl_n_h0, 16, TE_METRIC_ANGULAR, &o, d);
}

static TeStatus
wl_h1_lower(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;

	te_rips_options_init(&o);
	o.max_dim = 1;
	o.threshold = 5.0;
	return te_rips_distances(env, wl_lower, wl_n_lower, &o, d);
}

static TeStatus
wl_h0_lower(TeEnv *env, TeDiagram *d)
{
	TeRipsOptions o;

	te_rips_options_init(&o);
	o.max_dim = 0;
	return te_rips_distances(env, wl_lower, wl_n_lower, &o, d);
}

static void
test_cancel_one(const char *name, Workload w)
{
	TeEnv		env;
	Counter		c;
	TeDiagram	d;
	TeStatus	st;
	int64_t		total,
				k,
				tried = 0,
				bad_status = 0,
				bad_leak = 0,
				bad_stop = 0,
				first = unit_size(40, 10),
				spread = unit_size(40, 10);
	double		t0,
				max_gap;

	/* a full run: how many checks, and the longest gap between them */
	env_counting(&env, &c, -1);
	t0 = now();
	st = w(&env, &d);
	max_gap = c.max_gap;
	total = c.checks;
	unit_ok(st == TE_OK && c.checks > 0, "%s: runs (%lld interrupt checks in %.2f s)",
			name, (long long) total, now() - t0);
	te_diagram_free(&env, &d);
	unit_ok(c.live_blocks == 0, "%s: frees everything it allocates", name);
	/* generous for a loaded machine; TE_UNIT_SLOW=factor under valgrind */
	unit_ok(max_gap < 0.25 * unit_slow(),
			"%s: longest gap between interrupt checks %.1f ms", name, 1000.0 * max_gap);

	/* trip at every check (the first 40, then about 40 more spread over the run; 10 and 10 reduced) */
	for (k = 0; k < total; k += (k < first ? 1 : 1 + total / spread))
	{
		env_counting(&env, &c, k);
		st = w(&env, &d);
		tried++;
		if (st != TE_CANCELLED)
			bad_status++;
		if (c.live_blocks != 0 || d.n_pairs != 0 || d.pairs != NULL)
			bad_leak++;
		/* it must stop at the first refused check */
		if (c.checks != k + 1)
			bad_stop++;
		te_diagram_free(&env, &d);
	}
	unit_ok(bad_status == 0, "%s: TE_CANCELLED at each of %lld trip points", name, (long long) tried);
	unit_ok(bad_leak == 0, "%s: no leak and an empty diagram after each cancellation", name);
	unit_ok(bad_stop == 0, "%s: returns at the first refused check", name);
}

/* the steps of a run in the order the engine takes them */
static const char *const progress_order[] = {
	"distances", "H0 nearest neighbours", "H0 spanning tree", "enclosing radius", "graph",
	"sorting edges", "edge collapse", "H0", "H1 cohomology", "H2 cohomology", "H3 cohomology"
};

/* what a run's progress reports looked like */
typedef struct ProgressLog
{
	int64_t		calls;
	int64_t		bad;			/* reports breaking an invariant */
	int			last_step;		/* index in progress_order, -1 before the first */
	double		last_done;
	char		steps[256];		/* the steps seen, in order */
	char		first_bad[160];
} ProgressLog;

/* note one report and check it: a known step, in order, counts in range and never going back */
static void
record_progress(void *ctx, const char *phase, const char *unit, double done, double total)
{
	ProgressLog *p = ctx;
	int			s,
				n = (int) (sizeof(progress_order) / sizeof(progress_order[0])),
				ok = 1;

	p->calls++;
	for (s = 0; s < n && strcmp(phase, progress_order[s]) != 0; s++)
		;
	if (s == n || unit == NULL || unit[0] == '\0' || done < 0.0 || total < 0.0 ||
		(total > 0.0 && done > total * (1.0 + 1e-12)) || s < p->last_step ||
		(s == p->last_step && done < p->last_done))
		ok = 0;
	if (!ok && p->bad++ == 0)
		snprintf(p->first_bad, sizeof(p->first_bad), "%s: %g of %g %s after %s %g",
				 phase, done, total, unit ? unit : "(null)",
				 p->last_step >= 0 ? progress_order[p->last_step] : "nothing", p->last_done);
	if (s < n && s != p->last_step)
	{
		size_t		len = strlen(p->steps);

		snprintf(p->steps + len, sizeof(p->steps) - len, "%s%s", len ? ", " : "", phase);
		p->last_step = s;
	}
	p->last_done = done;
}

/*
 * The progress reports of a workload: at least one, every one a known step
 * in the engine's order with its count in range and never going back, the
 * expected steps seen, and the same diagram as without reports
 */
static void
test_progress_one(const char *name, Workload w, const char *expect)
{
	TeEnv		env;
	ProgressLog log;
	TeDiagram	plain,
				reported;
	TeStatus	s1,
				s2;

	te_env_init_malloc(&env);
	s1 = w(&env, &plain);
	memset(&log, 0, sizeof(log));
	log.last_step = -1;
	env.progress = record_progress;
	env.progress_ctx = &log;
	s2 = w(&env, &reported);
	unit_ok(s1 == TE_OK && s2 == TE_OK && log.calls > 0,
			"%s: %lld progress reports", name, (long long) log.calls);
	unit_ok(log.bad == 0, "%s: every report names a known step, in order, within its count%s%s",
			name, log.bad ? "; first bad: " : "", log.first_bad);
	unit_ok(strcmp(log.steps, expect) == 0, "%s: the steps reported are %s (expected %s)",
			name, log.steps, expect);
	unit_ok(same_diagram(&plain, &reported), "%s: reporting progress leaves the diagram alone", name);
	te_diagram_free(&env, &plain);
	te_diagram_free(&env, &reported);
}

static void
test_cancellation(void)
{
	TeEnv		env;
	int64_t		n;
	char		name[80];

	wl_n_h2 = unit_size(400, 300);
	wl_n_h2_cos = unit_size(160, 120);
	wl_n_h0 = unit_size(3000, 2100);
	wl_n_lower = n = unit_size(1200, 600);
	wl_points = random_points(wl_n_h0, 16, 0);
	wl_lower = malloc(sizeof(double) * (size_t) (n * (n - 1) / 2));
	te_env_init_malloc(&env);
	te_distances_lower(&env, wl_points, n, 16, TE_METRIC_EUCLIDEAN, wl_lower);
	/* the reduced sizes must keep the blocked kernels blocked */
	unit_ok(wl_n_h2 > DIST_BLOCK && n > 2 * DIST_BLOCK && wl_n_h0 > 2 * 1024,
			"cancellation workloads of %lld, %lld and %lld points span several DIST_BLOCK (%d) "
			"and COL_BLOCK (1024) blocks", (long long) wl_n_h2, (long long) n,
			(long long) wl_n_h0, DIST_BLOCK);
	test_cancel_one("points up to H2 with collapse", wl_h2);
	test_cancel_one("cosine points up to H2, Z/3, no collapse", wl_h2_nocollapse_cosine);
	test_cancel_one("points up to H2 with generators", wl_h2_generators);
	snprintf(name, sizeof(name), "H0 of %lld points by spanning tree", (long long) wl_n_h0);
	test_cancel_one(name, wl_h0_points);
	snprintf(name, sizeof(name), "%lld distances up to H1 with a threshold", (long long) n);
	test_cancel_one(name, wl_h1_lower);
	snprintf(name, sizeof(name), "H0 of %lld distances by Prim", (long long) n);
	test_cancel_one(name, wl_h0_lower);

	test_progress_one("progress of points up to H2", wl_h2,
					  "distances, enclosing radius, graph, sorting edges, edge collapse, H0, "
					  "H1 cohomology, H2 cohomology");
	test_progress_one("progress of cosine points up to H2", wl_h2_nocollapse_cosine,
					  "distances, enclosing radius, graph, sorting edges, H0, H1 cohomology, "
					  "H2 cohomology");
	test_progress_one("progress of H0 by spanning tree", wl_h0_points,
					  "H0 nearest neighbours, H0 spanning tree");
	test_progress_one("progress of distances up to H1", wl_h1_lower,
					  "distances, enclosing radius, graph, sorting edges, H0, H1 cohomology");
	free(wl_points);
	free(wl_lower);
}

static void
test_memory_limit(void)
{
	TeEnv		env;
	Counter		c;
	TeRipsOptions o;
	TeRipsStats stats;
	TeDiagram	d;
	TeStatus	st;
	size_t		peak;
	double	   *x = random_points(300, 8, 0);

	env_counting(&env, &c, -1);
	te_rips_options_init(&o);
	o.max_dim = 2;
	o.stats = &stats;
	st = te_rips_points(&env, x, 300, 8, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK && stats.peak_bytes > 0, "memory: a run reports its peak (%zu bytes)",
			stats.peak_bytes);
	unit_ok(stats.peak_bytes <= te_rips_memory_estimate(300, 8, 2, NAN),
			"memory: the estimate (%zu) covers the peak", te_rips_memory_estimate(300, 8, 2, NAN));
	te_diagram_free(&env, &d);
	peak = stats.peak_bytes;

	o.memory_limit = peak / 2;
	st = te_rips_points(&env, x, 300, 8, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_LIMIT && strstr(env.msg, "memory") != NULL,
			"memory: a limit below the peak gives TE_LIMIT (%s)", env.msg);
	unit_ok(c.live_blocks == 0 && d.n_pairs == 0, "memory: nothing left allocated after TE_LIMIT");

	o.memory_limit = peak + 64;
	st = te_rips_points(&env, x, 300, 8, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK, "memory: a limit just above the peak is enough (%s)", env.msg);
	te_diagram_free(&env, &d);

	o.memory_limit = 1000;
	o.max_dim = 0;
	st = te_rips_points(&env, x, 300, 8, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_LIMIT && c.live_blocks == 0, "memory: the H0 path honours the limit too");
	free(x);

	unit_ok(te_rips_memory_estimate(20000, 512, 0, NAN) < (size_t) 200 << 20,
			"memory: the H0 estimate for 20000 x 512 is O(n dim) (%zu MB)",
			te_rips_memory_estimate(20000, 512, 0, NAN) >> 20);
	unit_ok(te_rips_memory_estimate(20000, 512, 1, NAN) > (size_t) 1 << 30,
			"memory: the H1 estimate for 20000 points grows with n^2 (%zu MB)",
			te_rips_memory_estimate(20000, 512, 1, NAN) >> 20);
	unit_ok(te_rips_memory_estimate(100000, 512, 1, NAN) == SIZE_MAX,
			"memory: too many points for H1 is SIZE_MAX");
	unit_ok(te_rips_memory_estimate(8000, 512, 2, NAN) > te_rips_memory_estimate(8000, 512, 1, NAN),
			"memory: the estimate grows with max_dim");
	unit_ok(te_rips_memory_estimate(8000, 512, 2, 0.5) < te_rips_memory_estimate(8000, 512, 2, NAN) / 2 &&
			te_rips_memory_estimate(8000, 512, 2, 0.5) >= (size_t) 8000 * 8000 * 4,
			"memory: a finite threshold leaves out the edge part (%zu MB), not the n^2 matrix",
			te_rips_memory_estimate(8000, 512, 2, 0.5) >> 20);
	unit_ok(te_rips_memory_estimate(8000, 512, 2, INFINITY) == te_rips_memory_estimate(8000, 512, 2, NAN),
			"memory: no threshold counts every edge, as the enclosing radius does");
}

static void
test_bad_input(void)
{
	TeEnv		env;
	Counter		c;
	TeRipsOptions o;
	TeDiagram	d;
	TeStatus	st;
	double		l[6] = {1, 1, 1, 1, 1, 1};
	double		x[8] = {1, 0, 0, 1, 0, 0, 1, 1};

	env_counting(&env, &c, -1);
	te_rips_options_init(&o);

	l[4] = NAN;
	st = te_rips_distances(&env, l, 4, &o, &d);
	/* l[4] is d(point 4, point 2): messages number points from 1 */
	unit_ok(st == TE_INVALID && strstr(env.msg, "NaN") && strstr(env.msg, "d(4,2)"),
			"a NaN distance is refused, named by 1-based points: %s", env.msg);
	l[4] = -0.5;
	st = te_rips_distances(&env, l, 4, &o, &d);
	unit_ok(st == TE_INVALID && strstr(env.msg, "negative") && strstr(env.msg, "d(4,2)"),
			"a negative distance is refused: %s", env.msg);
	l[4] = INFINITY;
	st = te_rips_distances(&env, l, 4, &o, &d);
	unit_ok(st == TE_INVALID && strstr(env.msg, "infinite") && strstr(env.msg, "d(4,2)"),
			"an infinite distance is refused: %s", env.msg);
	l[4] = 1;

	st = te_rips_points(&env, x, 4, 2, TE_METRIC_COSINE, &o, &d);
	unit_ok(st == TE_INVALID && strstr(env.msg, "point 3") && strstr(env.msg, "zero vector"),
			"a zero vector under cosine is refused: %s", env.msg);
	st = te_rips_points(&env, x, 4, 2, TE_METRIC_ANGULAR, &o, &d);
	unit_ok(st == TE_INVALID && strstr(env.msg, "point 3"), "and under angular");
	st = te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK, "a zero vector is fine under euclidean");
	te_diagram_free(&env, &d);
	x[5] = NAN;
	st = te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_INVALID && strstr(env.msg, "point 3") && strstr(env.msg, "position 2"), "a NaN coordinate is refused: %s",
			env.msg);
	x[5] = 0;

	o.max_dim = 4;
	unit_ok(te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d) == TE_INVALID,
			"max_dim 4 is refused: %s", env.msg);
	o.max_dim = 1;
	o.modulus = 4;
	unit_ok(te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d) == TE_INVALID,
			"modulus 4 is refused: %s", env.msg);
	o.modulus = 46349;
	unit_ok(te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d) == TE_INVALID,
			"a prime above 46337 is refused");
	o.modulus = 2;
	o.threshold = -1;
	unit_ok(te_rips_points(&env, x, 4, 2, TE_METRIC_EUCLIDEAN, &o, &d) == TE_INVALID,
			"a negative threshold is refused");
	o.threshold = NAN;
	unit_ok(te_rips_points(&env, x, 4, 2, (TeMetric) 7, &o, &d) == TE_INVALID,
			"an unknown metric is refused");
	unit_ok(c.live_blocks == 0, "bad input leaves nothing allocated");
}

/* BLAS distances against direct evaluation: identical after rounding to float */
static void
test_distance_precision(void)
{
	TeEnv		env;
	int64_t		n = 600,
				i,
				j,
				mism[3] = {0, 0, 0};
	int			dim = (int) unit_size(512, 64),
				k,
				m;
	double	   *x = random_points(n, dim, 0),
			   *out = malloc(sizeof(double) * (size_t) (n * (n - 1) / 2));

	/* near-duplicates too, where the dot-product formula cancels */
	for (i = 1; i < n; i += 7)
		for (k = 0; k < dim; k++)
			x[i * dim + k] = x[(i - 1) * dim + k] + 1e-7 * nrand();
	te_env_init_malloc(&env);
	for (m = 0; m < 3; m++)
	{
		TeMetric	metric = (TeMetric) m;

		te_distances_lower(&env, x, n, dim, metric, out);
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
			{
				long double s = 0,
							sp = 0,
							na = 0,
							nb = 0,
							dot = 0;
				double		ref;

				for (k = 0; k < dim; k++)
				{
					long double a = x[i * dim + k],
								b = x[j * dim + k];

					na += a * a;
					nb += b * b;
					dot += a * b;
				}
				if (metric == TE_METRIC_EUCLIDEAN)
				{
					for (k = 0; k < dim; k++)
					{
						long double t = (long double) x[i * dim + k] - x[j * dim + k];

						s += t * t;
					}
					ref = (double) sqrtl(s);
				}
				else
				{
					long double ra = sqrtl(na),
								rb = sqrtl(nb);

					for (k = 0; k < dim; k++)
					{
						long double a = x[i * dim + k] / ra,
									b = x[j * dim + k] / rb;

						s += (a - b) * (a - b);
						sp += (a + b) * (a + b);
					}
					ref = metric == TE_METRIC_COSINE ? (double) (s / 2)
						: (double) (2 * atan2l(sqrtl(s), sqrtl(sp)));
				}
				if ((float) out[i * (i - 1) / 2 + j] != (float) ref)
					mism[m]++;
			}
	}
	unit_ok(mism[0] + mism[1] + mism[2] <= 2,
			"BLAS distances round to the same float32 as long-double evaluation "
			"(%lld/%lld/%lld mismatches of %lld, dimension %d)", (long long) mism[0], (long long) mism[1],
			(long long) mism[2], (long long) (n * (n - 1) / 2), dim);
	free(x);
	free(out);
}

/*
 * Points far from the origin (offset 1e4, spread 1): te_distances_lower
 * centres them, so every pair comes from the dgemm formula, none from the
 * direct guard, and the values match a long-double direct evaluation
 */
static void
test_distances_far(void)
{
	TeEnv		env;
	Arena		m;
	DistPoints	p;
	int64_t		n = 300,
				i,
				j,
				direct = -1,
				uncentred = 0;
	int			dim = 16,
				k;
	double	   *x = malloc(sizeof(double) * (size_t) (n * dim));
	double	   *a = malloc(sizeof(double) * (size_t) (n * (n - 1) / 2));
	double	   *b = malloc(sizeof(double) * (size_t) (n * (n - 1) / 2));
	double	   *blk = malloc(sizeof(double) * (size_t) (n * n));
	double		worst = 0.0;
	TeStatus	st;

	te_env_init_malloc(&env);
	for (i = 0; i < n * dim; i++)
		x[i] = 1e4 + (urand() - 0.5);
	st = dist_lower_triangle(&env, x, n, dim, TE_METRIC_EUCLIDEAN, a, &direct);
	unit_ok(st == TE_OK && direct == 0,
			"far points: te_distances_lower takes the fast path (%lld of %lld pairs direct)",
			(long long) direct, (long long) (n * (n - 1) / 2));
	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
		{
			long double s = 0.0L;
			double		ref;

			for (k = 0; k < dim; k++)
			{
				long double t = (long double) x[i * dim + k] - (long double) x[j * dim + k];

				s += t * t;
			}
			ref = (double) sqrtl(s);
			if (fabs(a[i * (i - 1) / 2 + j] - ref) / ref > worst)
				worst = fabs(a[i * (i - 1) / 2 + j] - ref) / ref;
		}
	unit_ok(worst < 1e-9, "far points: the distances match a direct evaluation (worst relative error %.2e)",
			worst);
	st = te_distances_lower(&env, x, n, dim, TE_METRIC_EUCLIDEAN, b);
	unit_ok(st == TE_OK && memcmp(a, b, sizeof(double) * (size_t) (n * (n - 1) / 2)) == 0,
			"far points: te_distances_lower gives the same values");
	/* without centring, the formula cancels and the guard takes every pair */
	arena_init(&m, &env, 0, "distances");
	st = dist_points_prepare(&m, &p, x, n, dim, TE_METRIC_EUCLIDEAN);
	if (st == TE_OK)
		uncentred = dist_block_sq(&p, 0, n, 0, n, blk);
	unit_ok(st == TE_OK && uncentred == n * (n - 1),
			"far points: uncentred, all %lld ordered pairs would fall to the direct guard",
			(long long) uncentred);
	arena_free_all(&m);
	free(x);
	free(a);
	free(b);
	free(blk);
}

/* te_is_prime against a sieve, and on a few large values */
static void
test_is_prime(void)
{
	enum
	{
		LIM = 50000
	};
	static char composite[LIM];
	int64_t		i,
				j;
	int			bad = 0;

	for (i = 2; i < LIM; i++)
		if (!composite[i])
			for (j = i * i; j < LIM; j += i)
				composite[j] = 1;
	for (i = -3; i < LIM; i++)
		if (te_is_prime(i) != (i >= 2 && !composite[i]))
			bad++;
	unit_ok(bad == 0, "te_is_prime agrees with a sieve below %d (%d disagreements)", LIM, bad);
	unit_ok(te_is_prime(TE_RIPS_MAX_MODULUS) && te_is_prime(1000000007) &&
			!te_is_prime((int64_t) 1000003 * 1000003) && te_is_prime(INT32_MAX),
			"te_is_prime on 46337, 10^9+7, 1000003^2 and 2^31-1");
}

/* the in-place key sort on a few input patterns */
static void
test_sort_keys(void)
{
	TeEnv		env;
	Arena		mem;
	RipsCtx		c;
	int64_t		n = 100000,
				i;
	uint64_t   *a = malloc(sizeof(uint64_t) * (size_t) n);
	int			pattern,
				bad = 0;

	te_env_init_malloc(&env);
	arena_init(&mem, &env, 0, "persistence");
	memset(&c, 0, sizeof(c));
	c.env = &env;
	c.mem = &mem;
	c.next_check = RIPS_CHECK_INTERVAL;
	for (pattern = 0; pattern < 6; pattern++)
	{
		for (i = 0; i < n; i++)
			switch (pattern)
			{
				case 0:
					a[i] = (uint64_t) (urand() * 1e18);
					break;
				case 1:
					a[i] = (uint64_t) i;
					break;
				case 2:
					a[i] = (uint64_t) (n - i);
					break;
				case 3:
					a[i] = (uint64_t) (i < n / 2 ? i : n - i);
					break;
				case 4:
					a[i] = (uint64_t) (urand() * 3);
					break;
				default:
					a[i] = 42;
			}
		rips_sort_keys(&c, a, n);
		for (i = 1; i < n; i++)
			if (a[i - 1] > a[i])
			{
				bad++;
				break;
			}
	}
	unit_ok(bad == 0, "the key sort orders random, sorted, reversed, organ-pipe, few-valued "
			"and constant inputs");
	unit_ok(mem.cur == 0, "the key sort allocates nothing");
	free(a);
}

/* the float32-rounded distance of rows a and b, as the engine keeps it */
static double
row_dist(const double *x, int dim, int a, int b)
{
	double		s = 0.0;
	int			k;

	for (k = 0; k < dim; k++)
		s += (x[a * dim + k] - x[b * dim + k]) * (x[a * dim + k] - x[b * dim + k]);
	return (double) (float) sqrt(s);
}

/* the largest distance among the first nv rows of v (-1s end it early) */
static double
simplex_diam(const double *x, int dim, const int32_t *v, int nv)
{
	double		m = 0.0;
	int			i,
				j;

	for (i = 0; i < nv && v[i] >= 0; i++)
		for (j = 0; j < i; j++)
			if (row_dist(x, dim, v[i], v[j]) > m)
				m = row_dist(x, dim, v[i], v[j]);
	return m;
}

/*
 * Generators of a run: one per bar; the birth and death simplices have
 * dim + 1 and dim + 2 distinct rows and diameters equal to the bar's birth
 * and death; H0 births are one row; an H1 loop starts and ends with its
 * birth edge's rows and every step is an edge no longer than the birth;
 * and the diagram is the one of a run without generators
 */
static void
test_generators_one(const char *name, const double *x, int64_t n, int dim, int max_dim)
{
	TeEnv		env;
	TeRipsOptions o;
	TeRipsGenerators g;
	TeDiagram	plain,
				d;
	int64_t		i,
				bad_simplex = 0,
				bad_value = 0,
				bad_loop = 0,
				loops = 0,
				bad_cocycle = 0,
				cocycles = 0;
	TeStatus	s1,
				s2;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = max_dim;
	s1 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &plain);
	o.generators = &g;
	s2 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(s1 == TE_OK && s2 == TE_OK && g.n == d.n_pairs && same_diagram(&plain, &d),
			"%s: one generator per bar (%lld), the same diagram as without", name, (long long) g.n);
	for (i = 0; s2 == TE_OK && i < d.n_pairs; i++)
	{
		const TePersPair *p = &d.pairs[i];
		const TeRipsGenerator *q = &g.gen[i];
		int			nb = p->dim == 0 ? 1 : p->dim + 1,
					nd = isinf(p->death) ? 0 : p->dim + 2,
					j;

		for (j = 0; j <= TE_RIPS_MAX_DIM; j++)
			if ((j < nb) != (q->birth[j] >= 0) || q->birth[j] >= n ||
				(j > 0 && j < nb && q->birth[j] <= q->birth[j - 1]))
				bad_simplex++;
		for (j = 0; j <= TE_RIPS_MAX_DIM + 1; j++)
			if ((j < nd) != (q->death[j] >= 0) || q->death[j] >= n ||
				(j > 0 && j < nd && q->death[j] <= q->death[j - 1]))
				bad_simplex++;
		if (!unit_close(simplex_diam(x, dim, q->birth, nb), p->birth, 1e-6) ||
			(nd > 0 && !unit_close(simplex_diam(x, dim, q->death, nd), p->death, 1e-6)))
			bad_value++;
		/* the cocycle of a finite bar above H0: simplices of dim + 1 rows, the birth simplex among them */
		if (p->dim >= 1 && nd > 0)
		{
			int64_t		m;
			int			has_birth = 0;

			cocycles++;
			if (q->cocycle < 0 || q->cocycle_len < 1)
				bad_cocycle++;
			for (m = 0; q->cocycle >= 0 && m < q->cocycle_len; m++)
			{
				const int32_t *sx = g.cycle_rows + q->cocycle + m * (p->dim + 1);
				int			same = 1;

				for (j = 0; j <= p->dim; j++)
				{
					if (sx[j] < 0 || sx[j] >= n || (j > 0 && sx[j] <= sx[j - 1]))
						bad_cocycle++;
					same &= sx[j] == q->birth[j];
				}
				has_birth |= same;
			}
			if (!has_birth)
				bad_cocycle++;
		}
		else if (q->cocycle != -1)
			bad_cocycle++;
		if (p->dim == 1)
		{
			const int32_t *r = g.cycle_rows + q->cycle;

			loops++;
			/*
			 * three rows would bound a triangle present at the birth: a
			 * loop that represents a bar has at least four
			 */
			if (q->cycle < 0 || q->cycle_len < 4 || r[0] != q->birth[0] ||
				r[q->cycle_len - 1] != q->birth[1])
				bad_loop++;
			else
				for (j = 0; j < q->cycle_len; j++)
				{
					int			a = r[j],
								b = r[(j + 1) % q->cycle_len];

					if (a == b || row_dist(x, dim, a, b) > p->birth * (1.0 + 1e-6))
					{
						bad_loop++;
						break;
					}
				}
		}
		else if (q->cycle != -1)
			bad_loop++;
	}
	unit_ok(bad_simplex == 0, "%s: birth and death simplices of dim + 1 and dim + 2 rows", name);
	unit_ok(bad_value == 0, "%s: their diameters are the bars' births and deaths", name);
	unit_ok(bad_loop == 0, "%s: %lld H1 loops close through their birth edge on edges no longer "
			"than the birth", name, (long long) loops);
	unit_ok(bad_cocycle == 0, "%s: %lld finite bars above H0 carry a cocycle of simplices of their "
			"dimension holding the birth simplex", name, (long long) cocycles);
	te_diagram_free(&env, &plain);
	te_diagram_free(&env, &d);
	te_rips_generators_free(&env, &g);
}

/* the generators on a noisy circle (one long loop), random clouds to H2, and the tree path */
static void
test_generators(void)
{
	double	   *circle = random_points(150, 3, 1),
			   *cloud = random_points(90, 4, 0),
			   *dups = random_points(120, 3, 2),
			   *big = random_points(unit_size(3000, 2100), 8, 0),
			   *grid = calloc(64 * 3, sizeof(double));
	int			gi;
	TeEnv		env;
	TeRipsOptions o;
	TeRipsGenerators g;
	TeDiagram	d;

	/* a 4 x 4 x 4 grid of unit steps: many loops, and all their lengths tie */
	for (gi = 0; gi < 64; gi++)
	{
		grid[3 * gi] = gi % 4;
		grid[3 * gi + 1] = (gi / 4) % 4;
		grid[3 * gi + 2] = gi / 16;
	}
	test_generators_one("generators of a noisy circle to H1", circle, 150, 3, 1);
	test_generators_one("generators of a random cloud to H2", cloud, 90, 4, 2);
	test_generators_one("generators with duplicate points to H2", dups, 120, 3, 2);
	test_generators_one("generators of H0 by spanning tree", big, unit_size(3000, 2100), 8, 0);
	test_generators_one("generators of a grid, every length tied, to H2", grid, 64, 3, 2);

	/* distances have no rows to name */
	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.generators = &g;
	unit_ok(te_rips_distances(&env, circle, 3, &o, &d) == TE_INVALID && g.n == 0,
			"te_rips_distances refuses generators, leaving them empty");
	free(circle);
	free(cloud);
	free(dups);
	free(big);
	free(grid);
}

/*
 * The working heap's budget changes the work, not the diagram: small
 * budgets cut the heap at a diameter (and push again above the cut) on a
 * curve whose few H1 reductions add many columns, in H1 to H3, over Z/2 and
 * Z/3, with generators too; together the runs must both cut and advance
 */
static void
test_heap_window(void)
{
	int64_t		n = 400,
				i,
				budgets[] = {1200, 4000, 30000},
				shrinks = 0,
				advances = 0;
	double	   *curve = malloc(sizeof(double) * (size_t) (n * 3)),
			   *cloud = random_points(70, 4, 0);
	int			bi,
				run,
				bad = 0,
				leaks = 0;

	for (i = 0; i < n; i++)
	{
		double		g = (double) (i + 1);

		curve[3 * i] = sin(g);
		curve[3 * i + 1] = cos(g * 1.3);
		curve[3 * i + 2] = sin(g * 0.7);
	}
	for (run = 0; run < 4; run++)
	{
		const double *x = run < 2 ? curve : cloud;
		int64_t		np = run < 2 ? n : 70;
		int			dim = run < 2 ? 3 : 4;
		TeEnv		env;
		TeRipsOptions o;
		TeRipsStats st;
		TeDiagram	ref,
					d;

		te_env_init_malloc(&env);
		te_rips_options_init(&o);
		o.max_dim = run < 2 ? 1 : 3;
		o.modulus = (run & 1) ? 3 : 2;
		if (te_rips_points(&env, x, np, dim, TE_METRIC_EUCLIDEAN, &o, &ref) != TE_OK)
		{
			bad++;
			continue;
		}
		for (bi = 0; bi < 3; bi++)
		{
			o.heap_budget = budgets[bi];
			o.stats = &st;
			if (te_rips_points(&env, x, np, dim, TE_METRIC_EUCLIDEAN, &o, &d) != TE_OK ||
				!same_diagram(&ref, &d))
				bad++;
			shrinks += st.window_shrinks;
			advances += st.window_advances;
			te_diagram_free(&env, &d);
		}
		te_diagram_free(&env, &ref);
	}
	{
		Counter		cnt;
		TeEnv		env;
		TeRipsOptions o;
		TeRipsGenerators g,
					g2;
		TeDiagram	ref,
					d;
		int64_t		trip;

		env_counting(&env, &cnt, -1);
		te_rips_options_init(&o);
		o.generators = &g;
		if (te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &ref) != TE_OK)
			bad++;
		o.generators = &g2;
		o.heap_budget = 1200;
		if (te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &d) != TE_OK ||
			!same_diagram(&ref, &d) || g.n != g2.n || g.n_cycle_rows != g2.n_cycle_rows ||
			memcmp(g.cycle_rows, g2.cycle_rows, sizeof(int32_t) * (size_t) g.n_cycle_rows) != 0)
			bad++;
		te_diagram_free(&env, &ref);
		te_diagram_free(&env, &d);
		te_rips_generators_free(&env, &g);
		te_rips_generators_free(&env, &g2);
		o.generators = NULL;
		/* cancelled at several points of a run whose heap is cut */
		for (trip = 1; trip < 200; trip *= 3)
		{
			Counter		c2;
			TeEnv		e2;

			env_counting(&e2, &c2, trip);
			if (te_rips_points(&e2, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &d) == TE_OK)
				te_diagram_free(&e2, &d);
			leaks += c2.live_blocks != 0;
		}
		leaks += cnt.live_blocks != 0;
		o.heap_budget = -1;
		if (te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &d) != TE_INVALID)
			bad++;
	}
	unit_ok(bad == 0, "heap budgets of 1200, 4000 and 30000 entries give the diagrams of the "
			"default (a curve to H1 and a cloud to H3, Z/2 and Z/3, generators; %d differ)", bad);
	unit_ok(shrinks > 0 && advances > 0, "the small budgets cut the heap (%lld times) and "
			"pushed again above a cut (%lld times)", (long long) shrinks, (long long) advances);
	unit_ok(!leaks, "runs with a cut heap free everything, also when cancelled (%d leaked)", leaks);
	free(curve);
	free(cloud);
}

/* ---- sparse Rips ---- */

/* the bars of dimension dim of d that are longer than zero, as a count */
static int64_t
bars_of(const TeDiagram *d, int dim)
{
	int64_t		i,
				k = 0;

	for (i = 0; i < d->n_pairs; i++)
		k += d->pairs[i].dim == dim;
	return k;
}

/*
 * te_rips_sparse: a vanishing epsilon keeps every pair and gives the exact
 * diagram; a coarse one keeps fewer edges and stays within the factor on a
 * curve's long loops; the arguments it refuses; cancelled and limited runs
 * free everything.  (test/check/sparse_rips.py compares it with GUDHI.)
 */
static void
test_sparse(void)
{
	int64_t		n = 300,
				i,
				trip;
	double	   *curve = malloc(sizeof(double) * (size_t) (n * 3));
	TeEnv		env;
	TeRipsOptions o;
	TeRipsStats st;
	TeRipsSparseInfo info;
	TeDiagram	exact,
				d;
	int			bad = 0,
				leaks = 0,
				refused = 0,
				m;
	double		worst = 0.0;

	for (i = 0; i < n; i++)
	{
		/* a closed knot-like loop with noise: one long H1 bar and many short ones */
		double		g = 2.0 * M_PI * (double) i / (double) n;

		curve[3 * i] = cos(g) + 0.02 * nrand();
		curve[3 * i + 1] = sin(g) + 0.02 * nrand();
		curve[3 * i + 2] = 0.3 * sin(3.0 * g) + 0.02 * nrand();
	}
	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = 1;
	o.threshold = INFINITY;
	o.stats = &st;
	if (te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &exact) != TE_OK)
		bad++;
	o.threshold = NAN;
	if (te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1e-9, &o, &info, &d) != TE_OK ||
		info.n_edges != n * (n - 1) / 2 || d.n_pairs != exact.n_pairs)
		bad++;
	else
		for (i = 0; i < d.n_pairs; i++)
		{
			const TePersPair *a = &d.pairs[i],
					   *b = &exact.pairs[i];
			double		e = fabs(a->birth - b->birth) + (isinf(b->death) ? (isinf(a->death) ? 0 : 1) :
														 fabs(a->death - b->death));

			if (a->dim != b->dim)
				bad++;
			if (e > worst)
				worst = e;
		}
	te_diagram_free(&env, &d);
	unit_ok(bad == 0 && worst < 1e-6, "sparse Rips at epsilon 1e-9 keeps all %lld pairs and gives the "
			"exact diagram of a curve (worst difference %.2g)", (long long) (n * (n - 1) / 2), worst);

	/* a distance beyond DBL_MAX in the input's units is clamped to DBL_MAX, not made infinite */
	{
		double		far[2] = {-1e308, 1e308};
		int			fin = 0,
					inf = 0;

		bad = 0;
		if (te_rips_sparse(&env, far, 2, 1, TE_METRIC_EUCLIDEAN, 0.5, &o, &info, &d) != TE_OK)
			bad++;
		else
		{
			for (i = 0; i < d.n_pairs; i++)
			{
				fin += d.pairs[i].dim == 0 && d.pairs[i].birth == 0.0 && d.pairs[i].death == DBL_MAX;
				inf += d.pairs[i].dim == 0 && d.pairs[i].birth == 0.0 && isinf(d.pairs[i].death);
			}
			bad += d.n_pairs != 2 || fin != 1 || inf != 1;
			te_diagram_free(&env, &d);
		}
		unit_ok(bad == 0, "sparse Rips of two points 2e308 apart: one H0 bar dying at DBL_MAX "
				"and one that never dies (%d, %d)", fin, inf);
	}

	/* coarse: fewer edges, the same number of long loops (death/birth > (1+eps)^2) */
	bad = 0;
	if (te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &o, &info, &d) != TE_OK)
		bad++;
	else
	{
		/*
		 * matched bars move each end by a factor 2 at most, so a bar that
		 * dies 6 times later than it is born on one side dies at least 1.5
		 * times later on the other
		 */
		int64_t		e16 = 0,
					e4 = 0,
					s16 = 0,
					s4 = 0;

		for (i = 0; i < exact.n_pairs; i++)
			if (exact.pairs[i].dim == 1)
			{
				e16 += exact.pairs[i].death > 6.0 * exact.pairs[i].birth;
				e4 += exact.pairs[i].death > 1.5 * exact.pairs[i].birth;
			}
		for (i = 0; i < d.n_pairs; i++)
			if (d.pairs[i].dim == 1)
			{
				s16 += d.pairs[i].death > 6.0 * d.pairs[i].birth;
				s4 += d.pairs[i].death > 1.5 * d.pairs[i].birth;
			}
		if (info.n_edges * 2 > n * (n - 1) / 2 || info.mu != 0.5 || bars_of(&d, 0) != n ||
			e16 == 0 || s4 < e16 || e4 < s16)
		{
			fprintf(stderr, "# edges %lld mu %g h0 %lld e16 %lld e4 %lld s16 %lld s4 %lld\n",
					(long long) info.n_edges, info.mu, (long long) bars_of(&d, 0), (long long) e16,
					(long long) e4, (long long) s16, (long long) s4);
			bad++;
		}
		te_diagram_free(&env, &d);
	}
	unit_ok(bad == 0, "sparse Rips at epsilon 1 (mu 0.5) keeps under half the pairs (%lld), n H0 bars, "
			"and its loops with death > 1.5 birth cover the exact ones with death > 6 birth, and back", (long long) info.n_edges);

	/* refusals */
	{
		TeRipsOptions r = o;
		TeRipsTreeEdge tree[1];

		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 0.0, &o, &info, &d) == TE_INVALID;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, NAN, &o, &info, &d) == TE_INVALID;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, INFINITY, &o, &info, &d) == TE_INVALID;
		r.max_dim = 2;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &r, &info, &d) == TE_INVALID;
		r = o;
		r.modulus = 3;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &r, &info, &d) == TE_INVALID;
		r = o;
		r.threshold = 0.5;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &r, &info, &d) == TE_INVALID;
		r = o;
		r.max_dim = 0;
		r.tree = tree;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &r, &info, &d) == TE_INVALID;
		curve[7] = NAN;
		refused += te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, 1.0, &o, &info, &d) == TE_INVALID;
		curve[7] = 0.5;
		refused += te_rips_sparse(&env, curve, 0, 3, TE_METRIC_EUCLIDEAN, 1.0, &o, &info, &d) == TE_OK &&
			d.n_pairs == 0;
	}
	unit_ok(refused == 9, "sparse Rips refuses epsilon 0, NaN and Infinity, max_dim 2, Z/3, a threshold, "
			"the tree and a NaN coordinate, and gives nothing for no points (%d of 9)", refused);

	/*
	 * Working columns compacted from 4, 16 and 256 triangles on (65,536
	 * otherwise, which this input never reaches): the same diagram, bar
	 * for bar, at epsilon 0.5 and with every pair kept
	 */
	{
		static const double epss[2] = {0.5, 1e-9};
		static const int64_t budgets[3] = {4, 16, 256};
		int			e,
					k,
					differ = 0;
		int64_t		shrinks = 0;

		for (e = 0; e < 2; e++)
		{
			TeDiagram	base;
			TeRipsOptions r = o;

			if (te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, epss[e], &o, &info, &base) != TE_OK)
			{
				differ++;
				continue;
			}
			for (k = 0; k < 3; k++)
			{
				r.heap_budget = budgets[k];
				if (te_rips_sparse(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, epss[e], &r, &info, &d) != TE_OK)
				{
					differ++;
					continue;
				}
				differ += !same_diagram(&base, &d);
				if (budgets[k] == 4)
					shrinks += st.compactions;
				te_diagram_free(&env, &d);
			}
			te_diagram_free(&env, &base);
		}
		unit_ok(differ == 0 && shrinks > 0,
				"sparse Rips compacting its working columns from 4, 16 or 256 triangles gives the same "
				"diagram at epsilon 0.5 and 1e-9 (%d differ; %lld compactions from 4)", differ, (long long) shrinks);
	}

	/*
	 * cancelled at many points, and under a small memory limit: nothing
	 * leaks; each trip also cancels a run that compacts from 4 triangles
	 * (whether a stop lands inside a compaction is not observed)
	 */
	bad = 0;
	for (trip = 1; trip < 3000; trip = trip * 2 + 1)
	{
		int			twice;

		for (twice = 0; twice < 2; twice++)
		{
			Counter		c2;
			TeEnv		e2;
			TeRipsOptions r = o;
			TeStatus	s2;

			r.heap_budget = twice ? 4 : 0;
			env_counting(&e2, &c2, trip);
			s2 = te_rips_sparse(&e2, curve, n, 3, TE_METRIC_EUCLIDEAN, twice ? 1e-9 : 0.5, &r, &info, &d);
			if (s2 == TE_OK)
				te_diagram_free(&e2, &d);
			else if (s2 != TE_CANCELLED)
			{
				fprintf(stderr, "# trip %lld: %s\n", (long long) trip, e2.msg);
				bad++;
			}
			leaks += c2.live_blocks != 0;
		}
	}
	for (m = 0; m < 6; m++)
	{
		Counter		c2;
		TeEnv		e2;
		TeRipsOptions r = o;
		TeStatus	s2;

		env_counting(&e2, &c2, -1);
		r.memory_limit = (size_t) 20000 << (2 * m);
		s2 = te_rips_sparse(&e2, curve, n, 3, TE_METRIC_EUCLIDEAN, 0.5, &r, &info, &d);
		if (s2 == TE_OK)
			te_diagram_free(&e2, &d);
		else if (s2 != TE_LIMIT)
		{
			fprintf(stderr, "# limit %zu: %s\n", r.memory_limit, e2.msg);
			bad++;
		}
		refused += s2 == TE_LIMIT;
		leaks += c2.live_blocks != 0;
	}
	unit_ok(bad == 0 && leaks == 0 && refused > 9,
			"cancelled or limited sparse runs return TE_CANCELLED or TE_LIMIT and free everything "
			"(%d leaked)", leaks);
	te_diagram_free(&env, &exact);
	free(curve);
}

/* ---- the engine's own threads ---- */

/*
 * An env for the threaded runs: the counting allocator, an interrupt check
 * and a pending callback that both say stop once armed, and a progress
 * callback that arms them when the phase named arm_at begins and keeps
 * the last phase seen.  With spurious set, pending always says yes while
 * the check never stops: the runs must then finish with the same result.
 */
typedef struct ThreadProbe
{
	Counter		count;
	const char *arm_at;
	const char *last_phase;
	int			armed;
	int			spurious;
	int64_t		pendings;
} ThreadProbe;

/* the check of a ThreadProbe: the counter's, or stop once armed */
static int
probe_check(void *ctx)
{
	ThreadProbe *tp = ctx;

	return count_check(&tp->count) || tp->armed;
}

/* the non-throwing pending callback of a ThreadProbe */
static int
probe_pending(void *ctx)
{
	ThreadProbe *tp = ctx;

	tp->pendings++;
	return tp->armed || tp->spurious;
}

/* arm the probe when its phase begins; keep the last phase */
static void
probe_progress(void *ctx, const char *phase, const char *unit, double done, double total)
{
	ThreadProbe *tp = ctx;

	(void) unit;
	(void) done;
	(void) total;
	tp->last_phase = phase;
	if (tp->arm_at && strcmp(phase, tp->arm_at) == 0)
		tp->armed = 1;
}

/* set up env on a fresh probe (Counter at its start, so count_alloc works on it) */
static void
env_probe(TeEnv *env, ThreadProbe *tp, const char *arm_at, int spurious, int with_pending)
{
	memset(tp, 0, sizeof(*tp));
	env_counting(env, &tp->count, -1);
	env->ctx = tp;
	env->check = probe_check;
	env->pending = with_pending ? probe_pending : NULL;
	env->progress = probe_progress;
	env->progress_ctx = tp;
	tp->arm_at = arm_at;
	tp->spurious = spurious;
}

/* the counters that must not depend on the threads (all but the peak) */
static int
same_stats(const TeRipsStats *a, const TeRipsStats *b)
{
	int			k;

	if (a->n_points != b->n_points || a->n_edges != b->n_edges ||
		a->n_edges_collapsed != b->n_edges_collapsed || a->additions != b->additions ||
		memcmp(&a->threshold, &b->threshold, sizeof(double)) != 0 ||
		memcmp(&a->enclosing_radius, &b->enclosing_radius, sizeof(double)) != 0)
		return 0;
	for (k = 0; k <= TE_RIPS_MAX_DIM; k++)
		if (a->columns[k] != b->columns[k] || a->reduced[k] != b->reduced[k] ||
			a->apparent[k] != b->apparent[k] || a->emergent[k] != b->emergent[k])
			return 0;
	return 1;
}

/* threads 2..4 against 1 on one cloud: diagram, counters, and for H0 the tree */
static void
threads_compare(const char *what, const double *x, int64_t n, int dim, TeMetric metric,
				int max_dim)
{
	TeEnv		env;
	TeRipsOptions o;
	TeRipsStats s1,
				sk;
	TeDiagram	d1,
				dk;
	TeRipsTreeEdge *t1 = malloc(sizeof(TeRipsTreeEdge) * (size_t) n),
			   *tk = malloc(sizeof(TeRipsTreeEdge) * (size_t) n);
	TeStatus	st;
	int			k;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = max_dim;
	o.stats = &s1;
	o.tree = max_dim == 0 ? t1 : NULL;
	o.threads = 1;
	st = te_rips_points(&env, x, n, dim, metric, &o, &d1);
	unit_ok(st == TE_OK && d1.n_pairs > 0, "threads: %s, one thread runs (%lld bars)", what,
			(long long) d1.n_pairs);
	for (k = 2; k <= 4; k++)
	{
		o.threads = k;
		o.stats = &sk;
		o.tree = max_dim == 0 ? tk : NULL;
		st = te_rips_points(&env, x, n, dim, metric, &o, &dk);
		unit_ok(st == TE_OK && same_diagram(&d1, &dk) && same_stats(&s1, &sk) &&
				(max_dim > 0 || memcmp(t1, tk, sizeof(TeRipsTreeEdge) * (size_t) (n - 1)) == 0),
				"threads: %s, %d threads give the one-thread diagram%s bit for bit", what, k,
				max_dim == 0 ? " and tree" : "");
		te_diagram_free(&env, &dk);
	}
	te_diagram_free(&env, &d1);
	free(t1);
	free(tk);
}

/*
 * Cancel a threaded run when the phase arm_at begins: the pending callback
 * stops the section, the workers are joined, the check stops the run:
 * TE_CANCELLED, nothing left allocated, no later phase begun
 */
static void
threads_cancel(const char *what, const double *x, int64_t n, int dim, int max_dim,
			   const char *arm_at, int with_pending)
{
	TeEnv		env;
	ThreadProbe tp;
	TeRipsOptions o;
	TeDiagram	d;
	TeStatus	st;

	env_probe(&env, &tp, arm_at, 0, with_pending);
	te_rips_options_init(&o);
	o.max_dim = max_dim;
	o.threads = 2;
	st = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_CANCELLED && tp.count.live_blocks == 0 && d.n_pairs == 0 &&
			tp.last_phase && strcmp(tp.last_phase, arm_at) == 0 &&
			(!with_pending || tp.pendings > 0),
			"threads: %s, cancelled in \"%s\" on 2 threads%s: %s, %lld blocks left, last phase \"%s\"",
			what, arm_at, with_pending ? " (pending callback)" : " (no pending callback)",
			te_status_name(st), (long long) tp.count.live_blocks,
			tp.last_phase ? tp.last_phase : "");
}

/* an interrupt that is no cancel (pending yes, check no) changes nothing */
static void
threads_spurious(const char *what, const double *x, int64_t n, int dim, int max_dim)
{
	TeEnv		env;
	ThreadProbe tp;
	TeRipsOptions o;
	TeDiagram	d1,
				d2;
	TeStatus	st1,
				st2;

	te_rips_options_init(&o);
	o.max_dim = max_dim;
	env_probe(&env, &tp, NULL, 0, 1);
	o.threads = 1;
	st1 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d1);
	env_probe(&env, &tp, NULL, 1, 1);
	o.threads = 2;
	st2 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d2);
	unit_ok(st1 == TE_OK && st2 == TE_OK && same_diagram(&d1, &d2) && tp.pendings >= 1,
			"threads: %s, a pending interrupt that is no cancel ends sections early (%lld asks) and the diagram stays",
			what, (long long) tp.pendings);
	te_diagram_free(&env, &d1);
	te_diagram_free(&env, &d2);
}

/* every check of a threaded run tripped in turn: cancelled or done, never a leak */
static void
threads_trip_every(const char *what, const double *x, int64_t n, int dim, int max_dim, int trips)
{
	TeEnv		env;
	ThreadProbe tp;
	TeRipsOptions o;
	TeDiagram	d;
	TeStatus	st;
	int			t,
				bad = 0,
				cancelled = 0;

	te_rips_options_init(&o);
	o.max_dim = max_dim;
	o.threads = 2;
	for (t = 0; t < trips; t++)
	{
		env_probe(&env, &tp, NULL, 0, 1);
		tp.count.trip_at = t;
		st = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
		if (st == TE_CANCELLED)
			cancelled++;
		if ((st != TE_OK && st != TE_CANCELLED) || (st == TE_CANCELLED && d.n_pairs != 0))
			bad++;
		if (st == TE_OK)
			te_diagram_free(&env, &d);
		if (tp.count.live_blocks != 0)
			bad++;
	}
	unit_ok(bad == 0 && cancelled > 0,
			"threads: %s, a cancel at each of the first %d checks on 2 threads: %d cancelled, %d leaks or bad statuses",
			what, trips, cancelled, bad);
}

/* with a memory limit just above the one-thread peak, H0's extra lists are not taken */
static void
threads_memory_limit(const double *x, int64_t n, int dim)
{
	TeEnv		env;
	TeRipsOptions o;
	TeRipsStats s;
	TeDiagram	d1,
				d2;
	TeStatus	st1,
				st2;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = 0;
	o.stats = &s;
	st1 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d1);
	o.memory_limit = s.peak_bytes + 4096;
	o.threads = 4;
	st2 = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d2);
	unit_ok(st1 == TE_OK && st2 == TE_OK && same_diagram(&d1, &d2) &&
			s.peak_bytes <= o.memory_limit,
			"threads: H0 under a memory limit just above its one-thread peak runs on 4 threads asked for, within the limit (%s)",
			te_status_name(st2));
	if (st1 == TE_OK)
		te_diagram_free(&env, &d1);
	if (st2 == TE_OK)
		te_diagram_free(&env, &d2);
}

/*
 * H1's threaded sweep (pre-pass, queued reductions, columns given up or
 * redone) against one thread: on a curve whose few reductions add many
 * columns and on a cloud, over Z/2 and Z/3, with the default heap budget
 * and one so small that workers give most columns up: the diagram and the
 * counters of one thread, on 2 and 3
 */
static void
threads_h1_sweep(const double *cloud, int64_t ncloud, int dim)
{
	int64_t		n = unit_size(400, 200),
				i,
				budgets[] = {0, 1200};
	double	   *curve = malloc(sizeof(double) * (size_t) (n * 3));
	int			run,
				bi,
				k,
				bad = 0,
				runs = 0;

	for (i = 0; i < n; i++)
	{
		double		g = (double) (i + 1);

		curve[3 * i] = sin(g);
		curve[3 * i + 1] = cos(g * 1.3);
		curve[3 * i + 2] = sin(g * 0.7);
	}
	for (run = 0; run < 4; run++)
		for (bi = 0; bi < 2; bi++)
		{
			const double *x = run < 2 ? curve : cloud;
			int64_t		np = run < 2 ? n : ncloud;
			int			d = run < 2 ? 3 : dim;
			TeEnv		env;
			TeRipsOptions o;
			TeRipsStats s1,
						sk;
			TeDiagram	ref,
						dk;

			te_env_init_malloc(&env);
			te_rips_options_init(&o);
			o.modulus = (run & 1) ? 3 : 2;
			o.heap_budget = budgets[bi];
			o.stats = &s1;
			o.threads = 1;
			if (te_rips_points(&env, x, np, d, TE_METRIC_EUCLIDEAN, &o, &ref) != TE_OK)
			{
				bad++;
				continue;
			}
			o.stats = &sk;
			for (k = 2; k <= 3; k++)
			{
				o.threads = k;
				runs++;
				if (te_rips_points(&env, x, np, d, TE_METRIC_EUCLIDEAN, &o, &dk) != TE_OK)
				{
					bad++;
					continue;
				}
				if (!same_diagram(&ref, &dk) || !same_stats(&s1, &sk))
					bad++;
				te_diagram_free(&env, &dk);
			}
			te_diagram_free(&env, &ref);
		}
	unit_ok(bad == 0, "threads: H1's threaded sweep gives the one-thread diagram and counters "
			"(a curve and a cloud, Z/2 and Z/3, default and tiny heap budgets; %d of %d runs differ)",
			bad, runs);

	/* cancelled at checks spread over the run, mostly in the sweep: never a leak */
	{
		Counter		cnt;
		TeEnv		env;
		TeRipsOptions o;
		TeDiagram	d;
		int64_t		total,
					t;
		int			cancelled = 0,
					leaks = 0,
					wrong = 0;

		te_rips_options_init(&o);
		o.threads = 2;
		env_counting(&env, &cnt, -1);
		if (te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &d) == TE_OK)
			te_diagram_free(&env, &d);
		total = cnt.checks;
		for (t = total / 8; t < total; t += total / 8 > 0 ? total / 8 : 1)
		{
			TeStatus	st;

			env_counting(&env, &cnt, t);
			st = te_rips_points(&env, curve, n, 3, TE_METRIC_EUCLIDEAN, &o, &d);
			if (st == TE_OK)
				te_diagram_free(&env, &d);
			else if (st == TE_CANCELLED && d.n_pairs == 0)
				cancelled++;
			else
				wrong++;
			leaks += cnt.live_blocks != 0;
		}
		unit_ok(cancelled > 0 && leaks == 0 && wrong == 0,
				"threads: H1 on 2 threads cancelled at checks spread over %lld: %d cancelled, "
				"%d leaked, %d bad statuses", (long long) total, cancelled, leaks, wrong);
	}
	free(curve);
}

/*
 * An edge sort whose bin of zero-length edges is too large for a worker
 * (the calling thread sorts it, with its checks) beside bins the workers
 * sort: the one-thread diagram and counters on 2 and 3 threads
 */
static void
threads_big_bin(void)
{
	int64_t		n = unit_size(640, 420),
				same = n * 2 / 3,
				i;
	double	   *x = random_points(n, 5, 0);

	/* C(same, 2) > 65,536 edges of length zero */
	for (i = 1; i < same; i++)
		memcpy(x + i * 5, x, sizeof(double) * 5);
	threads_compare("H1 of a cloud whose zero-length edges fill one big sort bin", x, n, 5,
					TE_METRIC_EUCLIDEAN, 1);
	free(x);
}

static void
test_threads(void)
{
	int64_t		n1 = unit_size(520, 300),
				n0 = unit_size(2100, 1100);
	double	   *a = random_points(n1, 8, 0),
			   *b = random_points(n1, 6, 2),
			   *c = random_points(n0, 16, 0),
			   *e = random_points(n0, 12, 2),
			   *s = random_points(520, 8, 0);

	threads_compare("H1 of a Gaussian cloud (euclidean)", a, n1, 8, TE_METRIC_EUCLIDEAN, 1);
	threads_compare("H1 of a Gaussian cloud (cosine)", a, n1, 8, TE_METRIC_COSINE, 1);
	threads_compare("H1 of a cloud with repeated points", b, n1, 6, TE_METRIC_EUCLIDEAN, 1);
	threads_compare("H0 of a Gaussian cloud (euclidean)", c, n0, 16, TE_METRIC_EUCLIDEAN, 0);
	threads_compare("H0 of a Gaussian cloud (angular)", c, n0, 16, TE_METRIC_ANGULAR, 0);
	threads_compare("H0 of a cloud with repeated points", e, n0, 12, TE_METRIC_EUCLIDEAN, 0);
	threads_cancel("H1", a, n1, 8, 1, "distances", 1);
	threads_cancel("H1", a, n1, 8, 1, "distances", 0);
	threads_cancel("H1", a, n1, 8, 1, "H1 cohomology", 1);
	threads_cancel("H1", a, n1, 8, 1, "H1 cohomology", 0);
	threads_h1_sweep(a, n1, 8);
	/* 520 points whatever the size: more than one task of the threaded edge sort */
	threads_cancel("H1", s, 520, 8, 1, "sorting edges", 1);
	threads_cancel("H1", s, 520, 8, 1, "sorting edges", 0);
	threads_big_bin();
	threads_cancel("H0", c, n0, 16, 0, "H0 nearest neighbours", 1);
	threads_cancel("H0", c, n0, 16, 0, "H0 nearest neighbours", 0);
	threads_spurious("H1", a, n1, 8, 1);
	threads_spurious("H0", c, n0, 16, 0);
	threads_trip_every("H1", a, n1, 8, 1, (int) unit_size(8, 4));
	threads_trip_every("H0", c, n0, 16, 0, (int) unit_size(8, 4));
	threads_memory_limit(c, n0, 16);
	free(a);
	free(b);
	free(c);
	free(e);
	free(s);
}

int
main(void)
{
	test_is_prime();
	test_distances_far();
	test_sort_keys();
	test_small_complexes();
	test_fields();
	test_invariants();
	test_bad_input();
	test_memory_limit();
	test_distance_precision();
	test_cancellation();
	test_generators();
	test_heap_window();
	test_sparse();
	test_threads();
	return unit_done();
}
