/*
 * test_landmarks.c - unit tests of farthest-point sampling (te_landmarks)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topembed/landmarks.h"
#include "unit.h"

/* points on a line at 0, 1, 3, 7, 15: the greedy order from 0 is 15, 7, 3, 1 */
static void
test_line(TeEnv *env)
{
	double		x[5] = {0, 1, 3, 7, 15};
	TeLandmarks lm;
	TeStatus	st;

	st = te_landmarks(env, x, 5, 1, TE_METRIC_EUCLIDEAN, 5, 0, &lm);
	unit_ok(st == TE_OK && lm.k == 5 && lm.index[0] == 0 && lm.index[1] == 4 && lm.index[2] == 3 &&
			lm.index[3] == 2 && lm.index[4] == 1,
			"line: the greedy order from 0 is 15, 7, 3, 1");
	unit_ok(st == TE_OK && isinf(lm.radius[0]) && lm.radius[1] == 15 && lm.radius[2] == 7 &&
			lm.radius[3] == 3 && lm.radius[4] == 1 && lm.covering_radius == 0,
			"line: insertion radii inf, 15, 7, 3, 1; all points: covering radius 0");
	te_landmarks_free(env, &lm);
	st = te_landmarks(env, x, 5, 1, TE_METRIC_EUCLIDEAN, 2, 0, &lm);
	unit_ok(st == TE_OK && lm.k == 2 && lm.covering_radius == 7,
			"line: two landmarks {0, 15} cover within 7 (%g)", lm.covering_radius);
	te_landmarks_free(env, &lm);
	st = te_landmarks(env, x, 5, 1, TE_METRIC_EUCLIDEAN, 1, 2, &lm);
	unit_ok(st == TE_OK && lm.k == 1 && lm.index[0] == 2 && lm.covering_radius == 12,
			"line: one landmark at 3 covers within 12 (%g)", lm.covering_radius);
	te_landmarks_free(env, &lm);
}

/* equal distances go to the lowest index; angular radii in radians */
static void
test_ties_and_angles(TeEnv *env)
{
	/* the four unit directions of the plane, each scaled differently */
	double		x[8] = {1, 0, 0, 2, -3, 0, 0, -4};
	TeLandmarks lm;
	TeStatus	st;

	st = te_landmarks(env, x, 4, 2, TE_METRIC_ANGULAR, 3, 0, &lm);
	unit_ok(st == TE_OK && lm.index[1] == 2 && lm.index[2] == 1,
			"angular: from (1,0) the opposite (-3,0) first, then (0,2) before the tied (0,-4)");
	unit_ok(st == TE_OK && unit_close(lm.radius[1], M_PI, 1e-15) && unit_close(lm.radius[2], M_PI / 2, 1e-15) &&
			unit_close(lm.covering_radius, M_PI / 2, 1e-15),
			"angular: radii pi, pi/2; covering radius pi/2 (%.17g)", lm.covering_radius);
	te_landmarks_free(env, &lm);
	st = te_landmarks(env, x, 4, 2, TE_METRIC_COSINE, 2, 0, &lm);
	unit_ok(st == TE_OK && unit_close(lm.radius[1], 2.0, 1e-15) && unit_close(lm.covering_radius, 1.0, 1e-15),
			"cosine: radius 2 to the opposite point, covering radius 1");
	te_landmarks_free(env, &lm);
}

/* repeated points: every landmark is a point of its own, the repeats last at radius 0 */
static void
test_duplicates(TeEnv *env)
{
	/* A, A, B, A: two distinct places, four points */
	double		x[8] = {0, 0, 0, 0, 3, 4, 0, 0};
	TeLandmarks lm;
	TeStatus	st;
	int			seen[4] = {0, 0, 0, 0},
				i,
				distinct = 1;

	st = te_landmarks(env, x, 4, 2, TE_METRIC_EUCLIDEAN, 4, 0, &lm);
	for (i = 0; st == TE_OK && i < 4; i++)
		distinct &= lm.index[i] >= 0 && lm.index[i] < 4 && seen[lm.index[i]]++ == 0;
	unit_ok(st == TE_OK && distinct && lm.index[1] == 2 && lm.index[2] == 1 && lm.index[3] == 3,
			"repeated points: all four chosen once, B first, then the repeats of A in index order");
	unit_ok(st == TE_OK && unit_close(lm.radius[1], 5.0, 1e-15) && lm.radius[2] == 0.0 && lm.radius[3] == 0.0 &&
			lm.covering_radius == 0.0, "repeated points: radii 5, 0, 0 and covering radius 0");
	te_landmarks_free(env, &lm);
	st = te_landmarks(env, x, 4, 2, TE_METRIC_EUCLIDEAN, 3, 0, &lm);
	unit_ok(st == TE_OK && lm.index[2] == 1 && lm.covering_radius == 0.0,
			"three of four: the third is a repeat of A, and the fourth is covered at 0");
	te_landmarks_free(env, &lm);
}

/* bad arguments, a zero vector, a NaN */
static void
test_invalid(TeEnv *env)
{
	double		x[4] = {1, 0, 0, 0},
				y[2] = {1, NAN};
	TeLandmarks lm;

	unit_ok(te_landmarks(env, x, 2, 2, TE_METRIC_EUCLIDEAN, 3, 0, &lm) == TE_INVALID, "k > n: TE_INVALID");
	unit_ok(te_landmarks(env, x, 2, 2, TE_METRIC_EUCLIDEAN, 0, 0, &lm) == TE_INVALID, "k = 0: TE_INVALID");
	unit_ok(te_landmarks(env, x, 2, 2, TE_METRIC_EUCLIDEAN, 1, 2, &lm) == TE_INVALID, "start = n: TE_INVALID");
	unit_ok(te_landmarks(env, x, 2, 2, TE_METRIC_ANGULAR, 1, 0, &lm) == TE_INVALID && lm.index == NULL,
			"a zero vector under angular: TE_INVALID, nothing left allocated");
	unit_ok(te_landmarks(env, y, 1, 2, TE_METRIC_EUCLIDEAN, 1, 0, &lm) == TE_INVALID, "NaN: TE_INVALID");
}

static int	calls;

/* an interrupt check that asks to stop at its third call */
static int
stop_third(void *ctx)
{
	(void) ctx;
	return ++calls >= 3;
}

/* the sampling of a larger cloud checks for interrupts and stops */
static void
test_cancel(void)
{
	int64_t		n = unit_size(20000, 3000),
				i;
	int			dim = 64;
	double	   *x = malloc(sizeof(double) * n * dim);
	TeEnv		env;
	TeLandmarks lm;
	TeStatus	st;

	srand(7);
	for (i = 0; i < n * dim; i++)
		x[i] = rand() / (double) RAND_MAX - 0.5;
	te_env_init_malloc(&env);
	env.check = stop_third;
	calls = 0;
	st = te_landmarks(&env, x, n, dim, TE_METRIC_EUCLIDEAN, 500, 0, &lm);
	unit_ok(st == TE_CANCELLED && calls == 3 && lm.index == NULL,
			"an interrupt check asking to stop ends the sampling of %lld points (TE_CANCELLED at call %d)",
			(long long) n, calls);
	free(x);
}

/* what the progress callback was told */
typedef struct Reports
{
	int			n;
	int			bad;			/* wrong step or unit, or a count out of order */
	double		last;
} Reports;

static void
note_progress(void *ctx, const char *phase, const char *unit, double done, double total)
{
	Reports    *r = ctx;

	r->bad += strcmp(phase, "greedy permutation") != 0 || strcmp(unit, "points") != 0 ||
		total != 300.0 || !(done > r->last) || done >= total;
	r->last = done;
	r->n++;
}

/* the sampling reports its progress every 64 landmarks, and it leaves the result alone */
static void
test_progress(void)
{
	int64_t		n = 2000,
				i;
	int			dim = 8,
				same = 1;
	double	   *x = malloc(sizeof(double) * n * dim);
	TeEnv		env;
	TeLandmarks quiet,
				told;
	Reports		r = {0, 0, 0.0};

	srand(11);
	for (i = 0; i < n * dim; i++)
		x[i] = rand() / (double) RAND_MAX - 0.5;
	te_env_init_malloc(&env);
	if (te_landmarks(&env, x, n, dim, TE_METRIC_EUCLIDEAN, 300, 0, &quiet) != TE_OK)
		same = 0;
	env.progress = note_progress;
	env.progress_ctx = &r;
	if (te_landmarks(&env, x, n, dim, TE_METRIC_EUCLIDEAN, 300, 0, &told) != TE_OK)
		same = 0;
	for (i = 0; same && i < 300; i++)
		same = quiet.index[i] == told.index[i] && quiet.radius[i] == told.radius[i];
	/* landmarks 64, 128, 192 and 256 of 300 */
	unit_ok(same && r.n == 4 && r.bad == 0 && r.last == 256.0,
			"300 landmarks report 4 times as the \"greedy permutation\" in points (%d reports, "
			"%d bad, the last at %.0f), with the same landmarks", r.n, r.bad, r.last);
	te_landmarks_free(&env, &quiet);
	te_landmarks_free(&env, &told);
	free(x);
}

/*
 * On threads the landmarks and radii are those of one thread, bit for bit,
 * ties included: the second half of the points repeats the first, so every
 * farthest point has a twin, and the lower index must win on threads too.
 * Both sizes are past the row length that starts the threads; the smaller
 * takes every point, so the last row finds no point left.  A stop asked
 * for at the third check (the threads check between sections of 0.1 s)
 * ends the threaded sampling too, and frees what it allocated.
 */
static void
test_threads_case(int64_t n, int dim, int64_t k, int cancel)
{
	int64_t		i;
	int			same,
				t;
	double	   *x = malloc(sizeof(double) * n * dim);
	TeEnv		env;
	TeLandmarks one,
				many;
	TeStatus	st;

	srand(13);
	for (i = 0; i < n / 2 * dim; i++)
		x[i] = rand() / (double) RAND_MAX - 0.5;
	memcpy(x + n / 2 * dim, x, sizeof(double) * (n / 2) * dim);
	te_env_init_malloc(&env);
	same = te_landmarks(&env, x, n, dim, TE_METRIC_EUCLIDEAN, k, 0, &one) == TE_OK;
	for (t = 2; t <= 3; t++)
	{
		int			twins = 1;

		same = same && te_landmarks_threads(&env, x, n, dim, TE_METRIC_EUCLIDEAN, k, 0, t, &many) == TE_OK;
		for (i = 0; same && i < k; i++)
		{
			same = one.index[i] == many.index[i] && memcmp(&one.radius[i], &many.radius[i], sizeof(double)) == 0;
			/* a twin is never taken while its lower copy is free */
			twins = twins && (i < 2 || many.index[i] < n / 2 || many.radius[i] == 0.0);
		}
		unit_ok(same && twins && one.covering_radius == many.covering_radius,
				"%lld landmarks of %lld points in R^%d with twins: %d threads give those of one, bit for bit, "
				"the lower twin first (covering radius %g)", (long long) k, (long long) n, dim, t,
				many.covering_radius);
		if (many.index)
			te_landmarks_free(&env, &many);
	}
	te_landmarks_free(&env, &one);
	if (cancel)
	{
		env.check = stop_third;
		calls = 0;
		/* every landmark: the run outlasts three sections */
		st = te_landmarks_threads(&env, x, n, dim, TE_METRIC_EUCLIDEAN, n, 0, 2, &many);
		unit_ok(st == TE_CANCELLED && calls == 3 && many.index == NULL,
				"an interrupt check asking to stop ends the threaded sampling (TE_CANCELLED at call %d)", calls);
	}
	free(x);
}

/* the sampling on threads: two sizes, and a stop */
static void
test_threads(void)
{
	test_threads_case(1200, 16, 1200, 0);
	test_threads_case(17000, 64, unit_size(400, 100), 1);
}

int
main(void)
{
	TeEnv		env;

	te_env_init_malloc(&env);
	test_line(&env);
	test_ties_and_angles(&env);
	test_duplicates(&env);
	test_invalid(&env);
	test_cancel();
	test_progress();
	test_threads();
	return unit_done();
}
