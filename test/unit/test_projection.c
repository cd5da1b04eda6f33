/*
 * test_projection.c - unit tests of te_projection_quality (projection.c)
 *
 * The full dimension keeps everything (trustworthiness and continuity 1,
 * bottleneck 0, explained variance 1); trustworthiness and continuity equal
 * a brute-force evaluation over full rank matrices, on projections made
 * here from the core's own PCA basis; explained variance grows with k; bad
 * input is TE_INVALID; an interruption at every interrupt check returns
 * TE_CANCELLED with nothing left allocated.  The cross-checks against
 * sklearn, numpy, ripser and GUDHI are in test/check/projection_quality.py.
 */
#include "topembed/moments.h"
#include "topembed/projection.h"
#include "topembed/spectrum.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* n points of dim in a few elongated blobs */
static double *
blob_points(int64_t n, int dim)
{
	double	   *x = malloc(sizeof(double) * (size_t) (n * dim));
	int64_t		i;
	int			k;

	for (i = 0; i < n; i++)
		for (k = 0; k < dim; k++)
			x[i * dim + k] = (k == (int) (i % 3) ? 4.0 : 0.0) + unit_urand() / (1.0 + k);
	return x;
}

/* the centred projection of the points onto the core's top-k basis */
static double *
project_here(const double *x, int64_t n, int dim, int k)
{
	TeEnv		env;
	int			batch = te_moments_batch(dim);
	TeMoments  *m = malloc(te_moments_size(dim, TE_MOM_EXPANDED, batch));
	double	   *V = malloc(sizeof(double) * dim * k);
	double	   *y = malloc(sizeof(double) * n * k);
	const double *mean;
	int64_t		i;
	int			a,
				c;

	te_env_init_malloc(&env);
	te_moments_init(m, dim, TE_MOM_EXPANDED, batch);
	for (i = 0; i < n; i++)
		te_moments_add(&env, m, x + i * dim);
	te_moments_flush(&env, m);
	te_pca_basis(&env, m, k, V, NULL);
	mean = te_moments_mean_c(m);
	for (i = 0; i < n; i++)
		for (c = 0; c < k; c++)
		{
			double		s = 0.0;

			for (a = 0; a < dim; a++)
				s += (x[i * dim + a] - mean[a]) * V[c * dim + a];
			y[i * k + c] = s;
		}
	free(m);
	free(V);
	return y;
}

/* squared euclidean distance */
static double
dist2(const double *a, const double *b, int dim)
{
	double		s = 0.0;
	int			i;

	for (i = 0; i < dim; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return s;
}

/*
 * rank[i * n + j]: the rank of j among i's neighbours (1 = nearest), by
 * counting the points nearer (ties by index), the slow obvious way
 */
static int64_t *
rank_matrix(const double *x, int64_t n, int dim)
{
	int64_t    *r = malloc(sizeof(int64_t) * n * n);
	int64_t		i,
				j,
				l;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
		{
			double		dj = dist2(x + i * dim, x + j * dim, dim);
			int64_t		c = 0;

			if (j == i)
			{
				r[i * n + j] = 0;
				continue;
			}
			for (l = 0; l < n; l++)
			{
				double		dl;

				if (l == i || l == j)
					continue;
				dl = dist2(x + i * dim, x + l * dim, dim);
				if (dl < dj || (dl == dj && l < j))
					c++;
			}
			r[i * n + j] = c + 1;
		}
	return r;
}

/* trustworthiness of (ranks of one space, ranks of the other), brute force */
static double
brute_trust(const int64_t *rank_hi, const int64_t *rank_lo, int64_t n, int K)
{
	double		t = 0.0;
	int64_t		i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (j != i && rank_lo[i * n + j] <= K && rank_hi[i * n + j] > K)
				t += (double) (rank_hi[i * n + j] - K);
	return 1.0 - 2.0 / ((double) n * K * (2.0 * n - 3.0 * K - 1.0)) * t;
}

static void
options(TeProjectionOptions *o, int K, int max_dim)
{
	memset(o, 0, sizeof(*o));
	o->neighbours = K;
	o->metric = TE_METRIC_EUCLIDEAN;
	o->max_dim = max_dim;
	o->cut = 0.5;
}

static void
test_values(void)
{
	int64_t		n = 90;
	int			dim = 7,
				K = 6;
	int			dims[] = {2, 7, 1, 4};
	double	   *x = blob_points(n, dim);
	TeProjectionOptions o;
	TeProjectionRow out[4];
	UnitCounter		c;
	TeEnv		env;
	TeStatus	st;
	int64_t    *rank_hi = rank_matrix(x, n, dim);
	int			i;

	options(&o, K, 1);
	unit_env_counting(&env, &c, -1);
	st = te_projection_quality(&env, x, n, dim, dims, 4, &o, out);
	unit_ok(st == TE_OK && c.live_blocks == 0, "90 points: TE_OK, nothing left allocated (%s)", env.msg);
	unit_ok(out[1].dims == 7 && out[1].trustworthiness == 1.0 && out[1].continuity == 1.0 &&
			out[1].bottleneck_h0 <= 1e-6 && out[1].bottleneck_h1 <= 1e-6 &&
			unit_close(out[1].explained_variance, 1.0, 1e-12),
			"the full dimension keeps everything (trust %g, continuity %g, bottleneck %g / %g)",
			out[1].trustworthiness, out[1].continuity, out[1].bottleneck_h0, out[1].bottleneck_h1);
	unit_ok(out[2].explained_variance < out[0].explained_variance &&
			out[0].explained_variance < out[3].explained_variance &&
			out[3].explained_variance < out[1].explained_variance,
			"explained variance grows with k (%g, %g, %g, %g)", out[2].explained_variance,
			out[0].explained_variance, out[3].explained_variance, out[1].explained_variance);
	for (i = 0; i < 4; i++)
	{
		double	   *y = project_here(x, n, dim, dims[i]);
		int64_t    *rank_lo = rank_matrix(y, n, dims[i]);

		unit_ok(unit_close(out[i].trustworthiness, brute_trust(rank_hi, rank_lo, n, K), 1e-14) &&
				unit_close(out[i].continuity, brute_trust(rank_lo, rank_hi, n, K), 1e-14),
				"k = %d: trustworthiness %.6f and continuity %.6f equal the brute-force ranks",
				dims[i], out[i].trustworthiness, out[i].continuity);
		unit_ok(out[i].clusters >= 1 && out[i].clusters <= n && out[i].bottleneck_h0 >= 0.0,
				"k = %d: %lld clusters, bottleneck H0 %g", dims[i], (long long) out[i].clusters,
				out[i].bottleneck_h0);
		free(y);
		free(rank_lo);
	}
	options(&o, K, 0);
	st = te_projection_quality(&env, x, n, dim, dims, 4, &o, out);
	unit_ok(st == TE_OK && isnan(out[0].bottleneck_h1) && c.live_blocks == 0,
			"max_dim 0: no H1 distance (NaN), nothing left allocated");
	free(x);
	free(rank_hi);
}

static void
test_bad_input(void)
{
	int64_t		n = 20;
	int			dim = 3;
	double	   *x = blob_points(n, dim);
	TeProjectionOptions o;
	TeProjectionRow out[2];
	TeEnv		env;
	int			two[] = {2, 2},
				zero[] = {0},
				big[] = {4};

	te_env_init_malloc(&env);
	options(&o, 10, 1);
	unit_ok(te_projection_quality(&env, x, n, dim, two, 2, &o, out) == TE_INVALID,
			"neighbours = n / 2: TE_INVALID (%s)", env.msg);
	options(&o, 9, 1);
	unit_ok(te_projection_quality(&env, x, n, dim, two, 2, &o, out) == TE_OK,
			"neighbours = n / 2 - 1 and a repeated target dimension: TE_OK");
	unit_ok(te_projection_quality(&env, x, n, dim, zero, 1, &o, out) == TE_INVALID,
			"target dimension 0: TE_INVALID");
	unit_ok(te_projection_quality(&env, x, n, dim, big, 1, &o, out) == TE_INVALID,
			"target dimension above the points': TE_INVALID");
	unit_ok(te_projection_quality(&env, x, n, dim, two, 0, &o, out) == TE_INVALID,
			"no target dimension: TE_INVALID");
	o.max_dim = 2;
	unit_ok(te_projection_quality(&env, x, n, dim, two, 1, &o, out) == TE_INVALID, "max_dim 2: TE_INVALID");
	o.max_dim = 1;
	o.cut = 0.0;
	unit_ok(te_projection_quality(&env, x, n, dim, two, 1, &o, out) == TE_INVALID, "cut 0: TE_INVALID");
	o.cut = 0.5;
	x[5] = NAN;
	unit_ok(te_projection_quality(&env, x, n, dim, two, 1, &o, out) == TE_INVALID, "a NaN coordinate: TE_INVALID");
	x[5] = 0.0;
	x[3] = x[4] = 0.0;
	o.metric = TE_METRIC_COSINE;
	unit_ok(te_projection_quality(&env, x, n, dim, two, 1, &o, out) == TE_INVALID &&
			strstr(env.msg, "zero vector") != NULL, "cosine and a zero vector: TE_INVALID (%s)", env.msg);
	free(x);
}

static void
test_cancellation(void)
{
	int64_t		n = 300;
	int			dim = 16;
	int			dims[] = {2, 8};
	double	   *x = blob_points(n, dim);
	TeProjectionOptions o;
	TeProjectionRow out[2];
	UnitCounter		c;
	TeEnv		env;
	TeStatus	st;
	int64_t		total,
				i,
				step,
				trips = 0,
				wrong = 0,
				leaks = 0;

	options(&o, 10, 1);
	unit_env_counting(&env, &c, -1);
	st = te_projection_quality(&env, x, n, dim, dims, 2, &o, out);
	total = c.checks;
	unit_ok(st == TE_OK && c.live_blocks == 0 && total > 0,
			"300 points: %lld interrupt checks, nothing left allocated", (long long) total);
	step = total > 400 ? total / 400 : 1;
	for (i = 0; i < total; i += step)
	{
		unit_env_counting(&env, &c, i);
		st = te_projection_quality(&env, x, n, dim, dims, 2, &o, out);
		trips++;
		if (st != TE_CANCELLED)
			wrong++;
		if (c.live_blocks != 0)
			leaks++;
	}
	unit_ok(wrong == 0 && leaks == 0, "cancelled at %lld of the %lld checks: TE_CANCELLED every time, "
			"no block left (%lld wrong, %lld leaking)", (long long) trips, (long long) total,
			(long long) wrong, (long long) leaks);
	free(x);
}

int
main(void)
{
	test_values();
	test_bad_input();
	test_cancellation();
	return unit_done();
}
