/*
 * test_spectrum.c - unit tests of the eigen-solver, the moments sketch and
 * the collapse measures
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topembed/eigen.h"
#include "topembed/moments.h"
#include "topembed/spectrum.h"
#include "unit.h"

/* a small deterministic generator */
static uint64_t rng_state = 88172645463325252ULL;

static double
urand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double) (rng_state >> 11) / 9007199254740992.0 - 0.5;
}

/* a counting allocator that can fail after a budget of calls */
typedef struct Counter
{
	long		live;
	int			check_calls;
	int			trip_at;		/* stop at this check call; 0 = never */
} Counter;

static void *
count_alloc(void *ctx, size_t size)
{
	((Counter *) ctx)->live++;
	return malloc(size);
}

static void
count_release(void *ctx, void *ptr)
{
	((Counter *) ctx)->live--;
	free(ptr);
}

static int
count_check(void *ctx)
{
	Counter    *c = ctx;

	c->check_calls++;
	return c->trip_at > 0 && c->check_calls >= c->trip_at;
}

static void
counting_env(TeEnv *env, Counter *c)
{
	memset(env, 0, sizeof(*env));
	env->alloc = count_alloc;
	env->release = count_release;
	env->check = count_check;
	env->ctx = c;
}

/* A = Q diag(lam) Q' with Q a product of random Householder reflections */
static void
make_matrix(int d, const double *lam, double *A, double *Q)
{
	double	   *v = malloc(sizeof(double) * d);
	double	   *T = malloc(sizeof(double) * d * d);
	int			r,
				i,
				j,
				k;

	for (i = 0; i < d; i++)
		for (j = 0; j < d; j++)
			Q[i + j * d] = (i == j);
	for (r = 0; r < 3; r++)
	{
		double		nn = 0;

		for (i = 0; i < d; i++)
		{
			v[i] = urand();
			nn += v[i] * v[i];
		}
		/* Q := (I - 2 v v' / v'v) Q */
		for (j = 0; j < d; j++)
		{
			double		s = 0;

			for (i = 0; i < d; i++)
				s += v[i] * Q[i + j * d];
			for (i = 0; i < d; i++)
				Q[i + j * d] -= 2 * v[i] * s / nn;
		}
	}
	for (i = 0; i < d; i++)
		for (j = 0; j < d; j++)
			T[i + j * d] = Q[i + j * d] * lam[j];
	for (i = 0; i < d; i++)
		for (j = 0; j < d; j++)
		{
			double		s = 0;

			for (k = 0; k < d; k++)
				s += T[i + k * d] * Q[j + k * d];
			A[i + j * d] = s;
		}
	free(v);
	free(T);
}

static void
test_eigen(void)
{
	int			sizes[] = {1, 2, 5, 100, 300};
	int			t;

	for (t = 0; t < 5; t++)
	{
		int			d = sizes[t];
		int			k = d < 4 ? d : 4;
		double	   *lam = malloc(sizeof(double) * d);
		double	   *A = malloc(sizeof(double) * d * d);
		double	   *A0 = malloc(sizeof(double) * d * d);
		double	   *Q = malloc(sizeof(double) * d * d);
		double	   *w = malloc(sizeof(double) * d);
		double	   *V = malloc(sizeof(double) * d * k);
		double		err = 0,
					res = 0;
		Counter		c = {0, 0, 0};
		TeEnv		env;
		int			i,
					j;

		/* eigenvalues 10, 9, ... spread and distinct */
		for (i = 0; i < d; i++)
			lam[i] = 10.0 * pow(0.97, i);
		make_matrix(d, lam, A, Q);
		memcpy(A0, A, sizeof(double) * d * d);
		counting_env(&env, &c);
		unit_ok(te_sym_eigen(&env, d, A, w, k, V) == TE_OK, "eigen d=%d: solves", d);
		for (i = 0; i < d; i++)
			err = fmax(err, fabs(w[i] - lam[i]) / lam[0]);
		unit_ok(err < 1e-12, "eigen d=%d: eigenvalues descending and exact (%.2g)", d, err);
		for (j = 0; j < k; j++)
		{
			double		big = 0;
			int			bi = 0;

			for (i = 0; i < d; i++)
			{
				double		s = 0;
				int			m;

				for (m = 0; m < d; m++)
					s += A0[i + m * d] * V[m + j * d];
				res = fmax(res, fabs(s - w[j] * V[i + j * d]));
				if (fabs(V[i + j * d]) > big)
				{
					big = fabs(V[i + j * d]);
					bi = i;
				}
			}
			unit_ok(V[bi + j * d] > 0, "eigen d=%d: vector %d has its largest component positive", d, j);
		}
		unit_ok(res < 1e-12 * lam[0], "eigen d=%d: A v = lambda v for the top %d (%.2g)", d, k, res);
		unit_ok(c.live == 0, "eigen d=%d: every allocation released", d);
		free(lam);
		free(A);
		free(A0);
		free(Q);
		free(w);
		free(V);
	}
}

/*
 * The panels of 32 columns above the last 128 (eigen.c) are where the solver
 * checks for interrupts: d = 700 makes 18 of them, 20 checks in all; the
 * reduced size, 448, still makes 10 panels and 12 checks, the last one after
 * the eigenvectors are found, so only the trip at check 20 is left out.
 */
static void
test_eigen_cancel(void)
{
	int			d = (int) unit_size(700, 448);
	double	   *lam = malloc(sizeof(double) * d);
	double	   *A = malloc(sizeof(double) * d * d);
	double	   *Q = malloc(sizeof(double) * d * d);
	double	   *w = malloc(sizeof(double) * d);
	double	   *V = malloc(sizeof(double) * d * 3);
	int			trips[] = {1, 2, 5, 12, 20};
	int			t,
				i,
				total;
	Counter		c = {0, 0, 0};
	TeEnv		env;

	for (i = 0; i < d; i++)
		lam[i] = 1.0 + i;
	make_matrix(d, lam, A, Q);
	counting_env(&env, &c);
	memcpy(Q, A, sizeof(double) * d * d);
	te_sym_eigen(&env, d, Q, w, 3, V);
	total = c.check_calls;
	unit_ok(total >= 10, "eigen d=%d checks for interrupts %d times, between panels", d, total);
	for (t = 0; t < 5; t++)
	{
		TeStatus	st;

		if (unit_reduced() && trips[t] > total)
		{
			char		why[64];

			snprintf(why, sizeof(why), "d=%d makes only %d checks", d, total);
			unit_skip_reduced(why,
							  "eigen d=%d: an interrupt at check %d cancels and releases everything",
							  d, trips[t]);
			continue;
		}
		c.live = 0;
		c.check_calls = 0;
		c.trip_at = trips[t];
		memcpy(Q, A, sizeof(double) * d * d);
		st = te_sym_eigen(&env, d, Q, w, 3, V);
		unit_ok(st == TE_CANCELLED && c.live == 0,
				"eigen d=%d: an interrupt at check %d cancels and releases everything", d, trips[t]);
	}
	free(lam);
	free(A);
	free(Q);
	free(w);
	free(V);
}

/* naive two-pass mean and scatter */
static void
naive(const double *X, int n, int d, double *mean, double *S)
{
	int			r,
				i,
				j;

	memset(mean, 0, sizeof(double) * d);
	memset(S, 0, sizeof(double) * d * d);
	for (r = 0; r < n; r++)
		for (i = 0; i < d; i++)
			mean[i] += X[r * d + i] / n;
	for (r = 0; r < n; r++)
		for (i = 0; i < d; i++)
			for (j = 0; j < d; j++)
				S[i + j * d] += (X[r * d + i] - mean[i]) * (X[r * d + j] - mean[j]);
}

static TeMoments *
new_sketch(int d, int batch)
{
	TeMoments  *m = malloc(te_moments_size(d, TE_MOM_EXPANDED, batch));

	te_moments_init(m, d, TE_MOM_EXPANDED, batch);
	return m;
}

static void
test_moments(void)
{
	enum
	{
		N = 1000, D = 12
	};
	double	   *X = malloc(sizeof(double) * N * D);
	double		mean[D],
				S[D * D],
				full[D * D];
	TeMoments  *whole = new_sketch(D, 37);
	TeMoments  *parts[3];
	TeMoments  *packed,
			   *back;
	Counter		c = {0, 0, 0};
	TeEnv		env;
	double		err = 0,
				merr = 0;
	int			r,
				i;

	counting_env(&env, &c);
	/* a large common offset: raw sums of squares would lose digits here */
	for (r = 0; r < N; r++)
		for (i = 0; i < D; i++)
			X[r * D + i] = 1e4 + urand() * (i + 1);
	naive(X, N, D, mean, S);
	for (i = 0; i < 3; i++)
		parts[i] = new_sketch(D, 5 + 11 * i);
	for (r = 0; r < N; r++)
	{
		te_moments_add(&env, whole, X + r * D);
		te_moments_add(&env, parts[(r * 31) % 3], X + r * D);
	}
	unit_ok(te_moments_count(whole) == N && whole->n_pending > 0, "moments: pending rows are counted");
	te_moments_merge(&env, parts[0], parts[1]);
	te_moments_merge(&env, parts[0], parts[2]);
	te_moments_flush(&env, whole);
	te_moments_flush(&env, parts[0]);
	unit_ok(whole->n == N && parts[0]->n == N, "moments: all rows folded");
	te_moments_scatter_full(whole, full);
	for (i = 0; i < D * D; i++)
		err = fmax(err, fabs(full[i] - S[i]));
	for (i = 0; i < D; i++)
		merr = fmax(merr, fabs(te_moments_mean(whole)[i] - mean[i]));
	unit_ok(err < 1e-9 * fabs(S[D * D - 1]) && merr < 1e-10,
			"moments: batched Chan updates match a two-pass computation at offset 1e4 (%.2g, %.2g)", err, merr);
	te_moments_scatter_full(parts[0], full);
	err = 0;
	for (i = 0; i < D * D; i++)
		err = fmax(err, fabs(full[i] - S[i]));
	unit_ok(err < 1e-9 * fabs(S[D * D - 1]), "moments: merged parts with pending rows equal the whole");

	/* compact and expand round-trip, and the hash */
	packed = malloc(te_moments_size(D, 0, 0));
	back = malloc(te_moments_size(D, TE_MOM_EXPANDED, 4));
	te_moments_compact(whole, packed);
	te_moments_expand(packed, back, 4);
	err = 0;
	{
		int			a,
					b;

		for (a = 0; a < D; a++)
			for (b = a; b < D; b++)
				err = fmax(err, fabs(te_moments_scatter_at(whole, a, b) - te_moments_scatter_at(back, a, b)));
	}
	unit_ok(err == 0.0 && back->n == N, "moments: compact then expand keeps the upper triangle exactly");
	unit_ok(packed->fingerprint == te_moments_hash(packed) && packed->fingerprint != 0, "moments: fingerprint set");
	{
		TeMoments  *other = new_sketch(D + 1, 4);

		te_moments_add(&env, other, X);
		unit_ok(te_moments_merge(&env, whole, other) == TE_INVALID, "moments: dimension mismatch refused");
		free(other);
	}
	unit_ok(te_moments_add(&env, packed, X) == TE_INVALID, "moments: no rows into a compact sketch");

	/* norms tracked for the unit-vector check */
	unit_ok(whole->min_norm > 3e4 && whole->max_norm >= whole->min_norm, "moments: norm range tracked");
	free(X);
	free(whole);
	free(packed);
	free(back);
	for (i = 0; i < 3; i++)
		free(parts[i]);
}

static void
test_measures(void)
{
	double		lam[4] = {4, 1, 0, -1e-18};
	double		sig[3] = {1, 1, 1};
	TeSpectrum	sp;

	memset(&sp, 0, sizeof(sp));
	sp.dim = 4;
	sp.eigenvalues = lam;
	te_spectrum_measures(&sp);
	unit_ok(lam[3] == 0.0, "measures: rounding noise below zero reported as 0");
	unit_ok(unit_close(sp.effective_rank, exp(-(0.8 * log(0.8) + 0.2 * log(0.2))), 1e-15), "measures: effective rank");
	unit_ok(unit_close(sp.participation_ratio, 25.0 / 17.0, 1e-15), "measures: participation ratio");
	unit_ok(sp.dims_99 == 2 && sp.numerical_rank == 2, "measures: dims_99 2, numerical rank 2");
	unit_ok(unit_close(te_rankme(sig, 3), 3.0, 1e-5), "rankme of three equal singular values is about 3");
	lam[0] = lam[1] = lam[2] = lam[3] = 0;
	te_spectrum_measures(&sp);
	unit_ok(!sp.has_measures && sp.numerical_rank == 0, "measures: a zero spectrum has none");
}

/* te_moments_validate: layouts, counts, norms and scatter of built and forged sketches */
static void
test_validate(void)
{
	TeEnv		env;
	int			d = 3,
				batch = 4,
				r;
	size_t		esize = te_moments_size(d, TE_MOM_EXPANDED, batch),
				csize = te_moments_size(d, 0, 0);
	TeMoments  *m = malloc(esize),
			   *c = malloc(csize),
			   *f = malloc(csize);
	double		rows[5][3] = {{1, 2, 0.5}, {3, 1, 2}, {-1, 0, 1}, {2, 2, 2}, {0, 1, 0}};
	double		huge[3] = {1e200, 0, 0},
				huge2[3] = {-1e200, 1e200, 0};

	te_env_init_malloc(&env);
	te_moments_init(m, d, TE_MOM_EXPANDED, batch);
	unit_ok(m->layout == TE_MOM_LAYOUT, "moments validate: a new sketch carries layout %d", TE_MOM_LAYOUT);
	for (r = 0; r < 5; r++)
		te_moments_add(&env, m, rows[r]);
	unit_ok(te_moments_validate(&env, m, esize, 16000, 1) == TE_OK,
			"moments validate: an expanded sketch with a pending row is valid (%s)", env.msg);
	te_moments_flush(&env, m);
	te_moments_compact(m, c);
	unit_ok(te_moments_validate(&env, c, csize, 16000, 1) == TE_OK, "moments validate: its compact form is valid");
	c->layout = 0;
	unit_ok(te_moments_validate(&env, c, csize, 16000, 1) == TE_OK, "moments validate: layout 0 (0.1.0's) is read");
	c->layout = 7;
	unit_ok(te_moments_validate(&env, c, csize, 16000, 0) == TE_INVALID && strstr(env.msg, "layout"),
			"moments validate: an unknown layout is refused (%s)", env.msg);
	c->layout = TE_MOM_LAYOUT;
	unit_ok(te_moments_validate(&env, c, csize + 8, 16000, 0) == TE_INVALID, "moments validate: a wrong size is refused");
	memcpy(f, c, csize);
	f->n = 1;
	unit_ok(te_moments_validate(&env, f, csize, 16000, 1) == TE_INVALID,
			"moments validate: one row with a scatter is refused (%s)", env.msg);
	memcpy(f, c, csize);
	te_moments_scatter(f)[1] = 1e3;
	unit_ok(te_moments_validate(&env, f, csize, 16000, 1) == TE_INVALID,
			"moments validate: a covariance beyond its variances is refused (%s)", env.msg);
	memcpy(f, c, csize);
	f->n = -1;
	unit_ok(te_moments_validate(&env, f, csize, 16000, 0) == TE_INVALID,
			"moments validate: a negative count is refused (%s)", env.msg);
	memcpy(f, c, csize);
	te_moments_scatter(f)[0] = 1e6;
	unit_ok(te_moments_validate(&env, f, csize, 16000, 1) == TE_INVALID,
			"moments validate: a variance the norms rule out is refused (%s)", env.msg);
	/* overflow is refused when building */
	te_moments_init(m, d, TE_MOM_EXPANDED, batch);
	te_moments_add(&env, m, huge);
	te_moments_add(&env, m, huge2);
	unit_ok(te_moments_flush(&env, m) == TE_RANGE, "moments: a scatter beyond the double range is TE_RANGE (%s)",
			env.msg);
	free(m);
	free(c);
	free(f);
}

/*
 * The rows form: a sketch of at most d/2 rows, none folded, keeps them;
 * expanded and flushed it is the compact sketch of the same rows bit for
 * bit, it merges, and its invariants are checked
 */
static void
test_rows_form(void)
{
	enum
	{
		D = 16, R = 3
	};
	TeEnv		env;
	double		rows[R][D];
	size_t		esize = te_moments_size(D, TE_MOM_EXPANDED, 64),
				rsize = te_moments_size(D, TE_MOM_ROWS, R),
				csize = te_moments_size(D, 0, 0);
	TeMoments  *direct = malloc(esize),
			   *viarows = malloc(esize),
			   *merged = malloc(esize),
			   *rf = malloc(rsize),
			   *bad = malloc(rsize),
			   *c1 = malloc(csize),
			   *c2 = malloc(csize);
	int			r,
				i;

	te_env_init_malloc(&env);
	for (r = 0; r < R; r++)
		for (i = 0; i < D; i++)
			rows[r][i] = urand() * (i + 1) + 0.25;
	te_moments_init(direct, D, TE_MOM_EXPANDED, 64);
	for (r = 0; r < R; r++)
		te_moments_add(&env, direct, rows[r]);
	unit_ok(te_moments_rows_kept(direct) == R, "rows form: %d pending rows of %d-d are kept as rows", R, D);
	te_moments_to_rows(direct, rf);
	unit_ok(rf->flags == TE_MOM_ROWS && rf->layout == TE_MOM_LAYOUT_ROWS && rf->n == 0 && rf->n_pending == R &&
			te_moments_count(rf) == R && memcmp(rf->data + D, rows, sizeof(rows)) == 0,
			"rows form: layout %d, no folded rows, the rows in their order", TE_MOM_LAYOUT_ROWS);
	unit_ok(te_moments_validate(&env, rf, rsize, 16000, 1) == TE_OK, "rows form: valid (%s)", env.msg);

	/* expanded and flushed: the compact sketch of the direct path, bit for bit */
	te_moments_expand(rf, viarows, 64);
	te_moments_flush(&env, viarows);
	te_moments_compact(viarows, c1);
	te_moments_flush(&env, direct);
	te_moments_compact(direct, c2);
	unit_ok(memcmp(c1, c2, csize) == 0, "rows form: folds into the compact sketch of the same rows, bit for bit");
	unit_ok(te_moments_rows_kept(direct) == 0, "rows form: a sketch with folded rows is not kept as rows");

	/* merged into an expanded sketch: the rows join its buffer */
	te_moments_init(merged, D, TE_MOM_EXPANDED, 64);
	unit_ok(te_moments_merge(&env, merged, rf) == TE_OK && te_moments_merge(&env, merged, rf) == TE_OK &&
			te_moments_count(merged) == 2 * R && te_moments_rows_kept(merged) == 2 * R,
			"rows form: two merge into a sketch of %d pending rows, still a rows sketch", 2 * R);
	for (r = 0; r < R; r++)
		te_moments_add(&env, merged, rows[r]);
	unit_ok(te_moments_rows_kept(merged) == 0, "rows form: more than d/2 rows (%d of %d-d) must be compact",
			(int) te_moments_count(merged), D);

	/* the invariants */
	memcpy(bad, rf, rsize);
	bad->n = 1;
	unit_ok(te_moments_validate(&env, bad, rsize, 16000, 0) == TE_INVALID,
			"rows form: folded rows are refused (%s)", env.msg);
	memcpy(bad, rf, rsize);
	bad->layout = TE_MOM_LAYOUT;
	unit_ok(te_moments_validate(&env, bad, rsize, 16000, 0) == TE_INVALID,
			"rows form: layout 1 with the rows flag is refused (%s)", env.msg);
	memcpy(bad, rf, rsize);
	bad->n_pending = R - 1;
	unit_ok(te_moments_validate(&env, bad, rsize, 16000, 0) == TE_INVALID,
			"rows form: a buffer not full is refused (%s)", env.msg);
	memcpy(bad, rf, rsize);
	bad->data[D + 3] = 1e9;
	unit_ok(te_moments_validate(&env, bad, rsize, 16000, 1) == TE_INVALID,
			"rows form: a row outside the norm range is refused (%s)", env.msg);
	memcpy(bad, rf, rsize);
	bad->data[0] = 1.0;
	unit_ok(te_moments_validate(&env, bad, rsize, 16000, 1) == TE_INVALID,
			"rows form: a mean is refused (%s)", env.msg);
	free(direct);
	free(viarows);
	free(merged);
	free(rf);
	free(bad);
	free(c1);
	free(c2);
}

int
main(void)
{
	test_validate();
	test_rows_form();
	test_eigen();
	test_eigen_cancel();
	test_moments();
	test_measures();
	return unit_done();
}
