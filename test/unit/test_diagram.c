/*
 * test_diagram.c - unit tests of the diagram summaries and distances
 */
#include "topembed/diagram.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define P(d, b, e) {(d), (b), (e)}
#define N(x) ((int64_t) (sizeof(x) / sizeof((x)[0])))

/* ---------------------------------------------------------------- counting allocator */

typedef struct Counting
{
	long		live;			/* blocks not yet released */
	long		allocs;			/* successful allocations */
	long		fail_after;		/* refuse allocation number fail_after + 1 (-1: never) */
	long		checks;			/* interrupt checks seen */
	long		cancel_at;		/* ask to stop at this check (0: never) */
} Counting;

/* allocate, unless told to fail */
static void *
count_alloc(void *ctx, size_t size)
{
	Counting   *c = ctx;
	void	   *p;

	if (c->fail_after >= 0 && c->allocs >= c->fail_after)
		return NULL;
	p = malloc(size);
	if (p)
	{
		c->live++;
		c->allocs++;
	}
	return p;
}

/* release and count */
static void
count_release(void *ctx, void *ptr)
{
	Counting   *c = ctx;

	c->live--;
	free(ptr);
}

/* trip after cancel_at checks */
static int
count_check(void *ctx)
{
	Counting   *c = ctx;

	c->checks++;
	return c->cancel_at > 0 && c->checks >= c->cancel_at;
}

/* an environment on the counting allocator */
static void
counting_env(TeEnv *env, Counting *c, long fail_after, long cancel_at)
{
	memset(c, 0, sizeof(*c));
	c->fail_after = fail_after;
	c->cancel_at = cancel_at;
	memset(env, 0, sizeof(*env));
	env->alloc = count_alloc;
	env->release = count_release;
	env->check = count_check;
	env->ctx = c;
}

/* ---------------------------------------------------------------- brute force */

static double bf_best;

/* try every partial matching of a[i..] into the unused points of b */
static void
bf_rec(const TePersPair *a, int na, const TePersPair *b, int nb, int i, int *used,
	   double acc, double p, int bott)
{
	int			j;

	if (i == na)
	{
		for (j = 0; j < nb; j++)
			if (!used[j])
			{
				double		h = (b[j].death - b[j].birth) / 2;

				acc = bott ? fmax(acc, h) : acc + pow(h, p);
			}
		if (acc < bf_best)
			bf_best = acc;
		return;
	}
	{
		double		h = (a[i].death - a[i].birth) / 2;

		bf_rec(a, na, b, nb, i + 1, used, bott ? fmax(acc, h) : acc + pow(h, p), p, bott);
	}
	for (j = 0; j < nb; j++)
		if (!used[j])
		{
			double		c = fmax(fabs(a[i].birth - b[j].birth), fabs(a[i].death - b[j].death));

			used[j] = 1;
			bf_rec(a, na, b, nb, i + 1, used, bott ? fmax(acc, c) : acc + pow(c, p), p, bott);
			used[j] = 0;
		}
}

/* exact distance of two small finite diagrams by enumeration */
static double
brute(const TePersPair *a, int na, const TePersPair *b, int nb, double p, int bott)
{
	int			used[16] = {0};

	bf_best = INFINITY;
	bf_rec(a, na, b, nb, 0, used, 0.0, p, bott);
	return bott ? bf_best : pow(bf_best, 1.0 / p);
}

/* a random finite diagram of dim 0; same_birth puts every birth at 0 */
static void
random_diagram(TePersPair *d, int n, int same_birth, int ties)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		double		b = same_birth ? 0.0 : (double) rand() / RAND_MAX,
					l = (double) rand() / RAND_MAX * 0.6;

		if (ties)
		{
			b = floor(b * 4) / 4;
			l = floor(l * 4) / 4;
		}
		d[i].dim = 0;
		d[i].birth = b;
		d[i].death = b + l;
	}
}

/* ---------------------------------------------------------------- tests */

static void
test_validation(void)
{
	TeEnv		env;
	TePersPair	nanp[] = {P(0, 0, 1), P(0, NAN, 1)};
	TePersPair	backwards[] = {P(1, 2, 1)};
	TePersPair	infbirth[] = {P(0, INFINITY, INFINITY)};
	TePersPair	negdim[] = {P(-1, 0, 1)};
	TePersPair	ok[] = {P(0, 0, 1)};
	double		d,
				g[] = {0.0},
				gn[] = {NAN},
				land[1];
	int			betti[2],
				defined;
	int64_t		curve[1];

	te_env_init_malloc(&env);
	unit_ok(te_diagram_validate(&env, nanp, 2) == TE_INVALID && strstr(env.msg, "NaN"),
			"validate: NaN is invalid (%s)", env.msg);
	unit_ok(te_diagram_validate(&env, backwards, 1) == TE_INVALID, "validate: birth > death is invalid (%s)", env.msg);
	unit_ok(te_diagram_validate(&env, infbirth, 1) == TE_INVALID, "validate: infinite birth is invalid");
	unit_ok(te_diagram_validate(&env, negdim, 1) == TE_INVALID, "validate: negative dimension is invalid");
	unit_ok(te_diagram_validate(&env, NULL, 3) == TE_INVALID, "validate: NULL pairs with n > 0 is invalid");
	unit_ok(te_diagram_validate(&env, NULL, 0) == TE_OK, "validate: empty diagram is valid");
	unit_ok(te_diagram_validate(&env, ok, -1) == TE_INVALID, "validate: negative count is invalid");

	unit_ok(te_bottleneck_distance(&env, nanp, 2, ok, 1, 0, &d) == TE_INVALID, "bottleneck: NaN -> TE_INVALID");
	unit_ok(te_bottleneck_distance(&env, ok, 1, backwards, 1, 1, &d) == TE_INVALID, "bottleneck: birth > death -> TE_INVALID");
	unit_ok(te_wasserstein_distance(&env, ok, 1, nanp, 2, 0, 1.0, &d) == TE_INVALID, "wasserstein: NaN -> TE_INVALID");
	unit_ok(te_wasserstein_distance(&env, ok, 1, ok, 1, 0, 0.5, &d) == TE_INVALID, "wasserstein: p < 1 -> TE_INVALID");
	unit_ok(te_wasserstein_distance(&env, ok, 1, ok, 1, 0, NAN, &d) == TE_INVALID, "wasserstein: p NaN -> TE_INVALID");
	unit_ok(te_persistence_entropy(&env, nanp, 2, 0, &d, &defined) == TE_INVALID, "entropy: NaN -> TE_INVALID");
	unit_ok(te_total_persistence(&env, backwards, 1, 1, 1.0, &d, NULL) == TE_INVALID, "total: birth > death -> TE_INVALID");
	unit_ok(te_total_persistence(&env, ok, 1, 0, 0.0, &d, NULL) == TE_INVALID, "total: p = 0 -> TE_INVALID");
	unit_ok(te_betti_numbers(&env, nanp, 2, 0.5, betti, 1) == TE_INVALID, "betti: NaN pair -> TE_INVALID");
	unit_ok(te_betti_numbers(&env, ok, 1, NAN, betti, 1) == TE_INVALID, "betti: NaN scale -> TE_INVALID");
	unit_ok(te_betti_curve(&env, ok, 1, 0, gn, 1, curve) == TE_INVALID, "betti curve: NaN grid -> TE_INVALID");
	unit_ok(te_betti_curve(&env, backwards, 1, 0, g, 1, curve) == TE_INVALID, "betti curve: birth > death -> TE_INVALID");
	unit_ok(te_persistence_landscape(&env, ok, 1, 0, 0, g, 1, land) == TE_INVALID, "landscape: k = 0 -> TE_INVALID");
	unit_ok(te_persistence_landscape(&env, nanp, 2, 0, 1, g, 1, land) == TE_INVALID, "landscape: NaN -> TE_INVALID");
	unit_ok(te_bottleneck_distance(&env, ok, 1, ok, 1, -1, &d) == TE_INVALID, "bottleneck: negative dim -> TE_INVALID");
}

static void
test_empty(void)
{
	TeEnv		env;
	TePersPair	other[] = {P(1, 0, 5)};
	double		d = -1,
				g[] = {0.0, 1.0},
				land[4] = {9, 9, 9, 9};
	int			defined = 1,
				betti[3] = {9, 9, 9};
	int64_t		curve[2] = {9, 9},
				ness = 9;
	TeStatus	st;

	te_env_init_malloc(&env);
	st = te_bottleneck_distance(&env, NULL, 0, NULL, 0, 0, &d);
	unit_ok(st == TE_OK && d == 0.0, "bottleneck of two empty diagrams is 0");
	st = te_wasserstein_distance(&env, NULL, 0, NULL, 0, 0, 2.0, &d);
	unit_ok(st == TE_OK && d == 0.0, "wasserstein of two empty diagrams is 0");
	st = te_bottleneck_distance(&env, other, 1, other, 1, 0, &d);
	unit_ok(st == TE_OK && d == 0.0, "bottleneck: a dim with no bars gives 0");
	st = te_bottleneck_distance(&env, other, 1, NULL, 0, 1, &d);
	unit_ok(st == TE_OK && d == 2.5, "bottleneck against an empty diagram: half the persistence (%g)", d);
	st = te_wasserstein_distance(&env, NULL, 0, other, 1, 1, 1.0, &d);
	unit_ok(st == TE_OK && d == 2.5, "wasserstein against an empty diagram: half the persistence (%g)", d);
	st = te_persistence_entropy(&env, NULL, 0, 0, &d, &defined);
	unit_ok(st == TE_OK && !defined, "entropy of an empty diagram is undefined");
	st = te_total_persistence(&env, NULL, 0, 0, 1.0, &d, &ness);
	unit_ok(st == TE_OK && d == 0.0 && ness == 0, "total persistence of an empty diagram is 0");
	st = te_betti_numbers(&env, NULL, 0, 1.0, betti, 2);
	unit_ok(st == TE_OK && betti[0] == 0 && betti[1] == 0 && betti[2] == 0, "betti numbers of an empty diagram are 0");
	st = te_betti_curve(&env, NULL, 0, 0, g, 2, curve);
	unit_ok(st == TE_OK && curve[0] == 0 && curve[1] == 0, "betti curve of an empty diagram is 0");
	st = te_persistence_landscape(&env, NULL, 0, 0, 2, g, 2, land);
	unit_ok(st == TE_OK && land[0] == 0 && land[1] == 0 && land[2] == 0 && land[3] == 0,
			"landscape of an empty diagram is 0");
	st = te_betti_curve(&env, other, 1, 1, NULL, 0, NULL);
	unit_ok(st == TE_OK, "betti curve on an empty grid");
}

static void
test_betti(void)
{
	TeEnv		env;
	TePersPair	d[] = {P(0, 0, 1), P(0, 0.5, INFINITY), P(1, 0.2, 0.4), P(1, 0.4, 0.4), P(2, 0, 1)};
	double		grid[] = {-1, 0, 0.2, 0.4, 0.5, 1, INFINITY};
	int64_t		c0[7],
				c1[7];
	int			b[2];

	te_env_init_malloc(&env);
	te_betti_numbers(&env, d, N(d), 0.4, b, 1);
	unit_ok(b[0] == 1 && b[1] == 0, "betti at 0.4: [0,1) alive, [0.2,0.4) dead at its death (%d %d)", b[0], b[1]);
	te_betti_numbers(&env, d, N(d), 0.2, b, 1);
	unit_ok(b[0] == 1 && b[1] == 1, "betti at 0.2: a bar is alive at its birth (%d %d)", b[0], b[1]);
	te_betti_numbers(&env, d, N(d), 0.5, b, 1);
	unit_ok(b[0] == 2 && b[1] == 0, "betti at 0.5: essential class counts (%d %d)", b[0], b[1]);
	te_betti_numbers(&env, d, N(d), INFINITY, b, 1);
	unit_ok(b[0] == 0, "betti at +inf is 0");
	te_betti_curve(&env, d, N(d), 0, grid, 7, c0);
	unit_ok(c0[0] == 0 && c0[1] == 1 && c0[2] == 1 && c0[3] == 1 && c0[4] == 2 && c0[5] == 1 && c0[6] == 0,
			"betti curve H0: 0 1 1 1 2 1 0 (got %lld %lld %lld %lld %lld %lld %lld)",
			(long long) c0[0], (long long) c0[1], (long long) c0[2], (long long) c0[3],
			(long long) c0[4], (long long) c0[5], (long long) c0[6]);
	te_betti_curve(&env, d, N(d), 1, grid, 7, c1);
	unit_ok(c1[0] == 0 && c1[1] == 0 && c1[2] == 1 && c1[3] == 0 && c1[4] == 0,
			"betti curve H1: the bar on the diagonal never counts");
}

static void
test_entropy_total(void)
{
	TeEnv		env;
	TePersPair	two[] = {P(0, 0, 1), P(0, 3, 4)};
	TePersPair	three[] = {P(1, 0, 1), P(1, 1, 3), P(1, 2, 3), P(1, 0, INFINITY), P(0, 0, 100)};
	TePersPair	zero[] = {P(0, 1, 1), P(0, 2, 2)};
	TePersPair	one_zero[] = {P(0, 0, 1), P(0, 2, 2)};
	TePersPair	ess[] = {P(0, 0, INFINITY)};
	double		e,
				t;
	int			defined;
	int64_t		ness;

	te_env_init_malloc(&env);
	te_persistence_entropy(&env, two, 2, 0, &e, &defined);
	unit_ok(defined && unit_close(e, log(2.0), 1e-15), "entropy of two equal bars is ln 2 (%.17g)", e);
	te_persistence_entropy(&env, three, N(three), 1, &e, &defined);
	unit_ok(defined && unit_close(e, 1.5 * log(2.0), 1e-15),
			"entropy of lengths 1,2,1 is 1.5 ln 2, essential bar and dim 0 ignored (%.17g)", e);
	te_persistence_entropy(&env, zero, 2, 0, &e, &defined);
	unit_ok(!defined, "entropy with all lengths zero is undefined");
	te_persistence_entropy(&env, one_zero, 2, 0, &e, &defined);
	unit_ok(defined && e == 0.0, "entropy: a zero-length bar contributes 0 ln 0 = 0");
	te_persistence_entropy(&env, ess, 1, 0, &e, &defined);
	unit_ok(!defined, "entropy of essential bars only is undefined");

	te_total_persistence(&env, three, N(three), 1, 1.0, &t, &ness);
	unit_ok(t == 4.0 && ness == 1, "total persistence p=1: 4, one essential bar left out");
	te_total_persistence(&env, three, N(three), 1, 2.0, &t, &ness);
	unit_ok(t == 6.0, "total persistence p=2: 1 + 4 + 1 = 6 (%g)", t);
	te_total_persistence(&env, three, N(three), 1, 0.5, &t, &ness);
	unit_ok(unit_close(t, 2.0 + sqrt(2.0), 1e-15), "total persistence p=0.5: 2 + sqrt 2 (%.17g)", t);
}

static void
test_landscape(void)
{
	TeEnv		env;
	TePersPair	one[] = {P(0, 0, 2)};
	TePersPair	two[] = {P(0, 0, 2), P(0, 1, 3), P(0, 0, INFINITY), P(1, 0, 10)};
	double		grid[] = {0, 0.5, 1, 1.5, 2, 3},
				want1[] = {0, 0.5, 1, 0.5, 0, 0},
				out[3 * 6];
	int			i,
				good = 1;

	te_env_init_malloc(&env);
	te_persistence_landscape(&env, one, 1, 0, 2, grid, 6, out);
	for (i = 0; i < 6; i++)
		good &= out[i] == want1[i] && out[6 + i] == 0.0;
	unit_ok(good, "landscape of one bar [0,2): a tent of height 1, lambda_2 = 0");

	/* finite bars [0,2), [1,3) and the essential [0,inf): tents min(t-b, d-t)+ and t */
	te_persistence_landscape(&env, two, N(two), 0, 3, grid, 6, out);
	{
		double		w1[] = {0, 0.5, 1, 1.5, 2, 3},
					w2[] = {0, 0.5, 1, 0.5, 1, 0},
					w3[] = {0, 0, 0, 0.5, 0, 0};

		good = 1;
		for (i = 0; i < 6; i++)
			good &= unit_close(out[i], w1[i], 1e-15) && unit_close(out[6 + i], w2[i], 1e-15) &&
				unit_close(out[12 + i], w3[i], 1e-15);
		unit_ok(good, "landscape with an essential bar: lambda_1 = t, lambda_2, lambda_3 by hand");
	}
}

static void
test_vectorise(void)
{
	TeEnv		env;
	TePersPair	d[] = {P(1, 0.2, 0.6), P(1, 0.3, INFINITY), P(0, 0, 1)};
	double		grid[] = {0.1, 0.3, 0.4, 0.5, 0.7, INFINITY, -INFINITY},
				want[] = {0, 0.1, 0.2, 0.1, 0, 0, 0},
				out[7],
				img[2],
				bd[4] = {0, 1, 0, 0},
				sigma = 0.5,
				s2 = 0.25,
				used = 0;
	int			i,
				good = 1;

	te_env_init_malloc(&env);
	unit_ok(te_persistence_silhouette(&env, d, N(d), 1, 3.0, grid, 7, out) == TE_OK,
			"silhouette of one finite bar and an essential one: TE_OK");
	for (i = 0; i < 7; i++)
		good &= unit_close(out[i], want[i], 1e-15);
	unit_ok(good, "silhouette: the finite bar's tent, the essential bar left out, 0 at +-inf");
	unit_ok(te_persistence_silhouette(&env, d, N(d), 1, -1.0, grid, 7, out) == TE_INVALID &&
			te_persistence_silhouette(&env, d, N(d), 1, NAN, grid, 7, out) == TE_INVALID,
			"silhouette: p < 0 or NaN -> TE_INVALID");
	unit_ok(te_persistence_image(&env, d, N(d), 1, 1, 2, &sigma, TE_IMAGE_LINEAR, bd, img, &used) == TE_OK &&
			used == 0.5 &&
			unit_close(img[0], 0.4 * exp(-(0.04 + 0.16) / (2 * s2)) / (2 * M_PI * s2), 1e-15) &&
			unit_close(img[1], 0.4 * exp(-(0.64 + 0.16) / (2 * s2)) / (2 * M_PI * s2), 1e-15),
			"image of one bar: a Gaussian at (0.2, 0.4) sampled at (0, 0) and (1, 0), by hand");
	unit_ok(te_persistence_image(&env, d, N(d), 1, 1, 2, NULL, TE_IMAGE_CONSTANT, NULL, img, &used) == TE_OK &&
			used == 1.0 && unit_close(img[0], 1 / (2 * M_PI), 1e-15),
			"image with one bar and fitted bounds: one point, sigma 1");
	sigma = 0.0;
	unit_ok(te_persistence_image(&env, d, N(d), 1, 1, 2, &sigma, TE_IMAGE_LINEAR, NULL, img, NULL) == TE_INVALID &&
			te_persistence_image(&env, d, N(d), 1, 0, 2, NULL, TE_IMAGE_LINEAR, NULL, img, NULL) == TE_INVALID &&
			te_persistence_image(&env, d, N(d), 1, 20000, 20000, NULL, TE_IMAGE_LINEAR, NULL, img, NULL) == TE_LIMIT,
			"image: sigma 0 or no rows -> TE_INVALID, too many pixels -> TE_LIMIT");
	bd[3] = -1;
	unit_ok(te_persistence_image(&env, d, N(d), 1, 1, 2, NULL, TE_IMAGE_LINEAR, bd, img, NULL) == TE_INVALID,
			"image: reversed bounds -> TE_INVALID");
}

static void
test_bottleneck_hand(void)
{
	TeEnv		env;
	TePersPair	a1[] = {P(0, 0, 2)};
	TePersPair	b1[] = {P(0, 0, 2.5)};
	TePersPair	a2[] = {P(0, 0, 10)};
	TePersPair	b2[] = {P(0, 1, 12)};
	TePersPair	a3[] = {P(1, 0, 1), P(1, 0, 10)};
	TePersPair	b3[] = {P(1, 0, 10.2)};
	TePersPair	ae[] = {P(0, 0, INFINITY), P(0, 0, 1)};
	TePersPair	be[] = {P(0, 0.3, INFINITY), P(0, 0, 1)};
	TePersPair	be2[] = {P(0, 0.3, INFINITY), P(0, 1, INFINITY)};
	TePersPair	diag[] = {P(0, 1, 1), P(0, 2, 2)};
	double		d;

	te_env_init_malloc(&env);
	te_bottleneck_distance(&env, a1, 1, b1, 1, 0, &d);
	unit_ok(d == 0.5, "bottleneck: [0,2) vs [0,2.5) matched at 0.5 (%g)", d);
	te_bottleneck_distance(&env, a2, 1, b2, 1, 0, &d);
	unit_ok(d == 2.0, "bottleneck: L-inf ground metric max(1, 2) = 2 (%g)", d);
	te_bottleneck_distance(&env, a3, 2, b3, 1, 1, &d);
	unit_ok(unit_close(d, 0.5, 1e-15), "bottleneck: the short bar goes to the diagonal at 0.5 (%g)", d);
	te_bottleneck_distance(&env, ae, 2, be, 2, 0, &d);
	unit_ok(unit_close(d, 0.3, 1e-15), "bottleneck: essential classes matched birth to birth (%g)", d);
	te_bottleneck_distance(&env, ae, 2, be2, 2, 0, &d);
	unit_ok(isinf(d), "bottleneck: different numbers of essential classes give +inf");
	te_bottleneck_distance(&env, diag, 2, NULL, 0, 0, &d);
	unit_ok(d == 0.0, "bottleneck: points on the diagonal cost nothing");
	te_bottleneck_distance(&env, a3, 2, a3, 2, 1, &d);
	unit_ok(d == 0.0, "bottleneck of a diagram with itself is 0");
	te_bottleneck_distance(&env, a3, 2, b3, 1, 0, &d);
	unit_ok(d == 0.0, "bottleneck: bars of other dimensions are ignored");
	te_wasserstein_distance(&env, a3, 2, b3, 1, 1, INFINITY, &d);
	unit_ok(unit_close(d, 0.5, 1e-15), "wasserstein with p = inf is the bottleneck distance");
}

static void
test_wasserstein_hand(void)
{
	TeEnv		env;
	TePersPair	a1[] = {P(0, 0, 2)};
	TePersPair	a3[] = {P(1, 0, 1), P(1, 1, 10)};
	TePersPair	b3[] = {P(1, 1, 10.2)};
	TePersPair	h0a[] = {P(0, 0, 1), P(0, 0, 10)};
	TePersPair	h0b[] = {P(0, 0, 10.2)};
	TePersPair	ae[] = {P(0, 0, INFINITY), P(0, 0, 1)};
	TePersPair	be[] = {P(0, 0.5, INFINITY)};
	TePersPair	be2[] = {P(0, 0.5, INFINITY), P(0, 0.7, INFINITY)};
	TePersPair	x[] = {P(0, 0, 4), P(0, 1, 5)};
	TePersPair	y[] = {P(0, 1, 4), P(0, 0, 5)};
	double		d;

	te_env_init_malloc(&env);
	te_wasserstein_distance(&env, a1, 1, NULL, 0, 0, 1.0, &d);
	unit_ok(d == 1.0, "W1 of one bar against nothing: half its length");
	te_wasserstein_distance(&env, a3, 2, b3, 1, 1, 1.0, &d);
	unit_ok(unit_close(d, 0.7, 1e-14), "W1: 0.2 for the match + 0.5 to the diagonal (%.17g)", d);
	te_wasserstein_distance(&env, a3, 2, b3, 1, 1, 2.0, &d);
	unit_ok(unit_close(d, sqrt(0.29), 1e-14), "W2: sqrt(0.2^2 + 0.5^2) (%.17g)", d);
	te_wasserstein_distance(&env, h0a, 2, h0b, 1, 0, 1.0, &d);
	unit_ok(unit_close(d, 0.7, 1e-14), "W1 with one common birth (line programme) (%.17g)", d);
	te_wasserstein_distance(&env, h0a, 2, h0b, 1, 0, 2.0, &d);
	unit_ok(unit_close(d, sqrt(0.29), 1e-14), "W2 with one common birth (line programme) (%.17g)", d);
	te_wasserstein_distance(&env, ae, 2, be, 1, 0, 1.0, &d);
	unit_ok(unit_close(d, 1.0, 1e-15), "W1: essential |0 - 0.5| + finite 0.5 (%.17g)", d);
	te_wasserstein_distance(&env, ae, 2, be, 1, 0, 2.0, &d);
	unit_ok(unit_close(d, sqrt(0.5), 1e-15), "W2: sqrt(0.25 + 0.25) (%.17g)", d);
	te_wasserstein_distance(&env, ae, 2, be2, 2, 0, 1.0, &d);
	unit_ok(isinf(d), "W1: different numbers of essential classes give +inf");
	/* crossing pairs: [0,4)->[1,4) and [1,5)->[0,5) cost 1 each; the other way 1 each too */
	te_wasserstein_distance(&env, x, 2, y, 2, 0, 1.0, &d);
	unit_ok(unit_close(d, 2.0, 1e-15), "W1 of two crossing pairs is 2 (%.17g)", d);
	te_wasserstein_distance(&env, x, 2, x, 2, 0, 3.0, &d);
	unit_ok(d == 0.0, "W3 of a diagram with itself is 0");
}

static void
test_extremes(void)
{
	TeEnv		env;
	TePersPair	huge[] = {P(0, 0, 1e200), P(0, 1, 1e200)};
	TePersPair	small[] = {P(0, 0, 2)};
	TePersPair	widest[] = {P(0, -1e308, 1e308), P(0, 0, 1)};
	TePersPair	one[] = {P(0, 0, 20)};
	TePersPair	shifted[] = {P(0, 1e6, 1e6 + 1), P(0, 1e6 + 0.5, 1e6 + 2.5)};
	TePersPair	shifted2[] = {P(0, 1e6 + 0.5, 1e6 + 2)};
	double		d;
	TeStatus	st;

	te_env_init_malloc(&env);
	st = te_wasserstein_distance(&env, huge, 2, small, 1, 0, 2.0, &d);
	unit_ok(st == TE_OK && unit_close(d, sqrt(2.0) * 5e199, 1e-14),
			"W2 with deaths at 1e200: squares do not overflow (%g)", d);
	st = te_bottleneck_distance(&env, widest, 2, small, 1, 0, &d);
	unit_ok(st == TE_OK && d == 1e308, "bottleneck of a bar [-1e308, 1e308): 1e308, no overflow (%g)", d);
	st = te_wasserstein_distance(&env, widest, 2, small, 1, 0, 1.0, &d);
	unit_ok(st == TE_OK && unit_close(d, 1e308, 1e-15), "W1 of a bar [-1e308, 1e308) is finite (%g)", d);
	st = te_wasserstein_distance(&env, one, 1, NULL, 0, 0, 400.0, &d);
	unit_ok(st == TE_OK && unit_close(d, 10.0, 1e-14), "W400 of [0,20) against nothing: 10 (no overflow of 10^400) (%.17g)", d);
	st = te_wasserstein_distance(&env, shifted, 2, shifted2, 1, 0, 1.0, &d);
	unit_ok(st == TE_OK && unit_close(d, 1.0, 1e-9), "W1 of bars near 1e6: 0.5 + 0.5 (%.17g)", d);
	st = te_bottleneck_distance(&env, shifted, 2, shifted2, 1, 0, &d);
	unit_ok(st == TE_OK && unit_close(d, 0.5, 1e-9), "bottleneck of bars near 1e6: 0.5 (%.17g)", d);
}

static void
test_brute_force(void)
{
	TeEnv		env;
	TePersPair	a[7],
				b[7];
	int			t,
				bad_b = 0,
				bad_w = 0,
				cases = 0;

	te_env_init_malloc(&env);
	srand(12345);
	for (t = 0; t < 400; t++)
	{
		int			na = rand() % 7,
					nb = rand() % 7,
					same = t % 3 == 0,
					ties = t % 2;
		double		ps[] = {1.0, 2.0, 1.5},
					d,
					want;
		int			k;

		random_diagram(a, na, same, ties);
		random_diagram(b, nb, same, ties);
		te_bottleneck_distance(&env, a, na, b, nb, 0, &d);
		want = brute(a, na, b, nb, 1.0, 1);
		if (!unit_close(d, want, 1e-12))
		{
			if (bad_b++ < 3)
				printf("# bottleneck case %d: %.17g, brute force %.17g\n", t, d, want);
		}
		for (k = 0; k < 3; k++)
		{
			te_wasserstein_distance(&env, a, na, b, nb, 0, ps[k], &d);
			want = brute(a, na, b, nb, ps[k], 0);
			if (!unit_close(d, want, 1e-12))
			{
				if (bad_w++ < 3)
					printf("# W%g case %d: %.17g, brute force %.17g\n", ps[k], t, d, want);
			}
		}
		cases++;
	}
	unit_ok(bad_b == 0, "bottleneck equals brute-force enumeration on %d small diagrams (%d off)", cases, bad_b);
	unit_ok(bad_w == 0, "W1, W2, W1.5 equal brute-force enumeration on %d small diagrams (%d off)", cases, bad_w);
}

/*
 * TE_OK if m is a matching of the dim-0 bars of a and b (each once, costs
 * right) whose total in order p (INFINITY: the largest cost) is d
 */
static TeStatus
matching_consistent(const TeMatching *m, const TePersPair *a, int64_t na, const TePersPair *b,
					int64_t nb, double p, double d)
{
	int		   *seen_a = calloc((size_t) na + 1, sizeof(int)),
			   *seen_b = calloc((size_t) nb + 1, sizeof(int));
	double		top = 0.0,
				sum = 0.0;
	int64_t		i;
	int			good = 1;

	for (i = 0; i < m->n_rows; i++)
	{
		const TeMatchRow *r = &m->rows[i];
		double		want;

		if (r->ia < 0 && r->ib < 0)
			good = 0;
		else if (r->ia >= 0 && r->ib >= 0)
			want = fmax(fabs(a[r->ia].birth - b[r->ib].birth), fabs(a[r->ia].death - b[r->ib].death));
		else if (r->ia >= 0)
			want = (a[r->ia].death - a[r->ia].birth) / 2;
		else
			want = (b[r->ib].death - b[r->ib].birth) / 2;
		if (!good || r->cost != want)
		{
			good = 0;
			break;
		}
		if (r->ia >= 0)
			seen_a[r->ia]++;
		if (r->ib >= 0)
			seen_b[r->ib]++;
		top = fmax(top, r->cost);
		sum += isinf(p) ? 0.0 : pow(r->cost, p);
	}
	for (i = 0; i < na; i++)
		good &= seen_a[i] == 1;
	for (i = 0; i < nb; i++)
		good &= seen_b[i] == 1;
	free(seen_a);
	free(seen_b);
	if (isinf(p))
		good &= top == d;
	else
		good &= fabs(pow(sum, 1.0 / p) - d) <= 1e-12 * d;
	return good ? TE_OK : TE_NUMERIC;
}

/* one matching under the counting environment: its distance, checked against its rows */
static TeStatus
run_matching(TeEnv *env, const TePersPair *a, int64_t na, const TePersPair *b, int64_t nb,
			 double p, double *d)
{
	TeMatching	m;
	TeStatus	st = isinf(p) ? te_bottleneck_matching(env, a, na, b, nb, 0, d, &m)
		: te_wasserstein_matching(env, a, na, b, nb, 0, p, d, &m);

	if (st == TE_OK)
		st = matching_consistent(&m, a, na, b, nb, p, *d);
	else if (m.rows != NULL || m.n_rows != 0)
		st = TE_NUMERIC;		/* an error leaves m empty */
	te_matching_free(env, &m);
	return st;
}

/* run one distance under the counting environment */
static TeStatus
run_distance(TeEnv *env, int which, const TePersPair *a, int64_t na, const TePersPair *b,
			 int64_t nb, double *d)
{
	double		grid[200];
	double	   *land;
	int			i;
	TeStatus	st;

	switch (which)
	{
		case 7:
			return run_matching(env, a, na, b, nb, INFINITY, d);
		case 8:
			return run_matching(env, a, na, b, nb, 2.0, d);
		case 9:
			/* the line programme's matching (every birth at 0) */
			{
				TePersPair *a0 = malloc(sizeof(TePersPair) * (size_t) na),
						   *b0 = malloc(sizeof(TePersPair) * (size_t) nb);

				for (i = 0; i < na; i++)
					a0[i] = (TePersPair) {0, 0.0, a[i].death - a[i].birth};
				for (i = 0; i < nb; i++)
					b0[i] = (TePersPair) {0, 0.0, b[i].death - b[i].birth};
				st = run_matching(env, a0, na, b0, nb, 1.5, d);
				free(a0);
				free(b0);
				return st;
			}
		case 0:
			return te_bottleneck_distance(env, a, na, b, nb, 0, d);
		case 1:
			return te_wasserstein_distance(env, a, na, b, nb, 0, 1.0, d);
		case 2:
			return te_wasserstein_distance(env, a, na, b, nb, 0, 2.0, d);
		case 3:
			/* the same diagrams with every birth at 0: the line programme */
			{
				TePersPair *a0 = malloc(sizeof(TePersPair) * (size_t) na),
						   *b0 = malloc(sizeof(TePersPair) * (size_t) nb);

				for (i = 0; i < na; i++)
					a0[i] = (TePersPair) {0, 0.0, a[i].death - a[i].birth};
				for (i = 0; i < nb; i++)
					b0[i] = (TePersPair) {0, 0.0, b[i].death - b[i].birth};
				st = te_wasserstein_distance(env, a0, na, b0, nb, 0, 1.5, d);
				free(a0);
				free(b0);
				return st;
			}
		case 5:
			{
				double	   *img = malloc(sizeof(double) * 40 * 45),
							sigma = 0.05;

				st = te_persistence_image(env, a, na, 0, 40, 45, &sigma, TE_IMAGE_LINEAR, NULL, img, NULL);
				*d = img[17 * 45 + 3];
				free(img);
				return st;
			}
		case 6:
			for (i = 0; i < 200; i++)
				grid[i] = i / 200.0;
			land = malloc(sizeof(double) * 200);
			st = te_persistence_silhouette(env, a, na, 0, 2.0, grid, 200, land);
			*d = land[100];
			free(land);
			return st;
		default:
			for (i = 0; i < 200; i++)
				grid[i] = i / 200.0;
			land = malloc(sizeof(double) * 3 * 200);
			st = te_persistence_landscape(env, a, na, 0, 3, grid, 200, land);
			*d = land[100];
			free(land);
			return st;
	}
}

static void
test_cancel_and_nomem(void)
{
	static const char *names[] = {"bottleneck", "W1", "W2", "W1.5 of H0-like diagrams", "landscape",
	"persistence image", "silhouette", "bottleneck matching", "W2 matching", "W1.5 matching of H0-like diagrams"};
	TePersPair *a = malloc(sizeof(TePersPair) * 400),
			   *b = malloc(sizeof(TePersPair) * 400);
	int			which;

	srand(777);
	random_diagram(a, 400, 0, 0);
	random_diagram(b, 350, 0, 0);
	for (which = 0; which < 10; which++)
	{
		TeEnv		env;
		Counting	c;
		double		want,
					d;
		long		k,
					checks_total,
					allocs_total;
		int			cancel_ok = 1,
					nomem_ok = 1,
					ncancel = 0;
		TeStatus	st;

		counting_env(&env, &c, -1, 0);
		st = run_distance(&env, which, a, 400, b, 350, &want);
		checks_total = c.checks;
		allocs_total = c.allocs;
		unit_ok(st == TE_OK && c.live == 0 && checks_total > 0,
				"%s: %ld interrupt checks, %ld allocations, none left over", names[which],
				checks_total, allocs_total);

		/* stop at every check in turn: TE_CANCELLED and nothing leaked */
		for (k = 1; k <= checks_total + 1; k++)
		{
			counting_env(&env, &c, -1, k);
			st = run_distance(&env, which, a, 400, b, 350, &d);
			if (k <= checks_total)
			{
				ncancel++;
				if (st != TE_CANCELLED || c.live != 0)
					cancel_ok = 0;
			}
			else if (st != TE_OK || d != want || c.live != 0)
				cancel_ok = 0;
		}
		unit_ok(cancel_ok, "%s: cancelled at each of %d checks without a leak, and completes after",
				names[which], ncancel);

		/* refuse each allocation in turn: TE_NOMEM and nothing leaked */
		for (k = 0; k < allocs_total; k++)
		{
			counting_env(&env, &c, k, 0);
			st = run_distance(&env, which, a, 400, b, 350, &d);
			if (st != TE_NOMEM || c.live != 0)
				nomem_ok = 0;
		}
		unit_ok(nomem_ok, "%s: every refused allocation gives TE_NOMEM without a leak (%ld tried)",
				names[which], allocs_total);
	}
	free(a);
	free(b);
}

/* matchings by hand: essential bars, unequal counts, either side the larger */
static void
test_matching_hand(void)
{
	TeEnv		env;
	TeMatching	m;
	TePersPair	a[] = {P(0, 0, INFINITY), P(1, 0, 9), P(0, 1, INFINITY), P(0, 0, 3)};
	TePersPair	b[] = {P(0, 0.5, INFINITY), P(0, 0, 2.5)};
	TePersPair	big[] = {P(0, 0, 1), P(0, 0.2, 1.1), P(0, 3, 4), P(0, 0.5, 0.6)};
	TePersPair	small[] = {P(0, 0.1, 1), P(0, 3.2, 4)};
	double		d;
	TeStatus	st;

	te_env_init_malloc(&env);
	st = te_wasserstein_matching(&env, a, N(a), b, N(b), 0, 1.0, &d, &m);
	unit_ok(st == TE_OK && isinf(d) && m.n_rows == 3 &&
			m.rows[0].ia == 0 && m.rows[0].ib == 0 && m.rows[0].cost == 0.5 &&
			m.rows[1].ia == 2 && m.rows[1].ib == -1 && isinf(m.rows[1].cost) &&
			m.rows[2].ia == 3 && m.rows[2].ib == 1 && m.rows[2].cost == 0.5,
			"unequal essential counts: sorted births pair, the surplus goes to the diagonal at inf");
	te_matching_free(&env, &m);
	st = te_bottleneck_matching(&env, a, N(a), b, N(b), 1, &d, &m);
	unit_ok(st == TE_OK && d == 4.5 && m.n_rows == 1 && m.rows[0].ia == 1 && m.rows[0].ib == -1 &&
			m.rows[0].cost == 4.5, "only the bars of dim: the H1 bar goes to the diagonal");
	te_matching_free(&env, &m);
	/* the larger side first and second: the same pairs, turned round */
	st = te_wasserstein_matching(&env, big, N(big), small, N(small), 0, 2.0, &d, &m);
	unit_ok(st == TE_OK && matching_consistent(&m, big, N(big), small, N(small), 2.0, d) == TE_OK &&
			m.n_rows == 4 && m.rows[0].ib == 0 && m.rows[1].ib == -1 && m.rows[2].ib == 1 &&
			m.rows[3].ib == -1, "W2 matching with the larger diagram first");
	te_matching_free(&env, &m);
	st = te_wasserstein_matching(&env, small, N(small), big, N(big), 0, 2.0, &d, &m);
	unit_ok(st == TE_OK && matching_consistent(&m, small, N(small), big, N(big), 2.0, d) == TE_OK &&
			m.n_rows == 4 && m.rows[0].ib == 0 && m.rows[1].ib == 2 && m.rows[2].ia == -1 &&
			m.rows[2].ib == 1 && m.rows[3].ib == 3, "W2 matching with the larger diagram second");
	te_matching_free(&env, &m);
	st = te_wasserstein_matching(&env, big, N(big), big, N(big), 0, 1000.0, &d, &m);
	unit_ok(st == TE_OK && d == 0.0 && m.n_rows == 4 && m.rows[3].ib == 3 && m.rows[3].cost == 0.0,
			"a diagram against itself: every bar with itself at cost 0");
	te_matching_free(&env, &m);
	unit_ok(te_wasserstein_matching(&env, big, N(big), small, N(small), 0, 0.5, &d, &m) == TE_INVALID &&
			m.rows == NULL && m.n_rows == 0, "p < 1: TE_INVALID and no rows");
}

int
main(void)
{
	test_validation();
	test_empty();
	test_betti();
	test_entropy_total();
	test_landscape();
	test_vectorise();
	test_bottleneck_hand();
	test_wasserstein_hand();
	test_extremes();
	test_brute_force();
	test_matching_hand();
	test_cancel_and_nomem();
	return unit_done();
}
