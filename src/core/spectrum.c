/*
 * spectrum.c - covariance spectrum, collapse measures and PCA basis
 */
#include "topembed/spectrum.h"
#include "topembed/eigen.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* eigenvalues of a scatter matrix below -NEGATIVE_EIGEN_TOL * trace are not rounding */
#define NEGATIVE_EIGEN_TOL 1e-8

/* the measures of a spectrum from its descending covariance eigenvalues */
void
te_spectrum_measures(TeSpectrum *out)
{
	int			d = out->dim;
	double	   *lam = out->eigenvalues;
	double		total = 0.0,
				sq = 0.0,
				h = 0.0,
				cum = 0.0,
				top = 0.0,
				tol;
	int			i;

	for (i = 0; i < d; i++)
	{
		if (lam[i] < 0.0)
			lam[i] = 0.0;
		if (lam[i] > top)
			top = lam[i];
		total += lam[i];
	}
	/* squares relative to the largest eigenvalue where they could overflow */
	if (top > 1e150 || top < 1e-150)
		for (i = 0; top > 0.0 && i < d; i++)
			sq += (lam[i] / top) * (lam[i] / top);
	else
	{
		for (i = 0; i < d; i++)
			sq += lam[i] * lam[i];
		top = 1.0;
	}
	out->total_variance = total;
	tol = lam[0] * d * DBL_EPSILON;
	out->numerical_rank = 0;
	for (i = 0; i < d; i++)
		if (lam[i] > tol)
			out->numerical_rank++;
	out->has_measures = total > 0.0;
	if (!out->has_measures)
		return;
	out->dims_99 = d;
	for (i = 0; i < d; i++)
	{
		double		p = lam[i] / total;

		if (p > 0.0)
			h -= p * log(p);
		cum += p;
		if (cum >= 0.99 && out->dims_99 == d)
			out->dims_99 = i + 1;
	}
	out->effective_rank = exp(h);
	out->participation_ratio = (total / top) * (total / top) / sq;
}

/* RankMe (exp of the entropy of the normalised values) of descending singular values */
double
te_rankme(const double *sigma, int count)
{
	double		total = 0.0,
				h = 0.0;
	int			i;

	for (i = 0; i < count; i++)
		total += sigma[i];
	if (total <= 0.0)
		return 1.0;
	for (i = 0; i < count; i++)
	{
		double		p = sigma[i] / total + TE_RANKME_EPS;

		h -= p * log(p);
	}
	return exp(h);
}

/* the covariance spectrum and its measures of a sketch without pending rows */
TeStatus
te_spectrum_compute(TeEnv *env, const TeMoments *m, TeSpectrum *out)
{
	int			d = m->dim;
	const double *mean = te_moments_mean_c(m);
	double	   *A;
	double	   *w;
	double		trace = 0.0,
				mnorm,
				sn;
	int			i,
				j,
				count,
				e,
				et,
				em,
				kn,
				km = 0;
	TeStatus	st;

	if (m->n_pending != 0)
		return te_fail(env, TE_INVALID, "the sketch has unfolded rows");
	if (m->n < 1)
		return te_fail(env, TE_INVALID, "the sketch is empty");
	out->dim = d;
	out->n = m->n;
	A = te_alloc_array(env, (size_t) d * d, sizeof(double));
	w = te_alloc_array(env, d, sizeof(double));
	if (A == NULL || w == NULL)
	{
		te_free(env, A);
		te_free(env, w);
		return te_fail(env, TE_NOMEM, "no memory for a %d x %d eigen-solve", d, d);
	}

	/* covariance spectrum: eigenvalues of S, divided by n */
	te_moments_scatter_full(m, A);
	if ((st = te_sym_eigen(env, d, A, w, 0, NULL)) != TE_OK)
		goto done;
	/*
	 * A scatter matrix is positive semi-definite: an eigenvalue below zero
	 * by more than rounding means the sketch was forged or damaged.
	 */
	for (i = 0; i < d; i++)
		trace += te_moments_scatter_at(m, i, i);
	for (i = 0; i < d; i++)
		if (w[i] < -NEGATIVE_EIGEN_TOL * trace)
		{
			st = te_fail(env, TE_INVALID,
						 "invalid topembed.moments value: its scatter matrix has the negative eigenvalue %g",
						 w[i]);
			goto done;
		}
	for (i = 0; i < d; i++)
		out->eigenvalues[i] = w[i] / (double) m->n;
	te_spectrum_measures(out);

	/*
	 * RankMe: singular values of X from X'X = S + n mean mean', scaled by a
	 * power of two 1/c so that neither term overflows (RankMe does not change
	 * with the scale)
	 */
	mnorm = 0.0;
	for (i = 0; i < d; i++)
		if (fabs(mean[i]) > mnorm)
			mnorm = fabs(mean[i]);
	/* n mean mean' = 2^em (sn u)(sn u)' with |u| <= 1, sn = sqrt(n / 2^kn) */
	et = em = INT_MIN;
	if (trace > 0.0)
		(void) frexp(trace, &et);
	(void) frexp((double) m->n, &kn);
	if (mnorm > 0.0)
	{
		(void) frexp(mnorm, &km);
		em = 2 * km + kn;
	}
	e = et > em ? et : em;
	/* no scaling at all where nothing can overflow or underflow (as 0.1.0 did) */
	if (e == INT_MIN || (e > -900 && e < 900))
		e = 0;
	sn = sqrt(ldexp((double) m->n, -kn));
	te_moments_scatter_full(m, A);
	for (j = 0; j < d; j++)
	{
		double		uj = sn * (mnorm > 0.0 ? ldexp(mean[j], -km) : 0.0);

		for (i = 0; i <= j; i++)
		{
			double		ui = sn * (mnorm > 0.0 ? ldexp(mean[i], -km) : 0.0);

			if (e == 0)
				A[(size_t) i + (size_t) j * d] += (double) m->n * mean[i] * mean[j];
			else
				A[(size_t) i + (size_t) j * d] = ldexp(A[(size_t) i + (size_t) j * d], -e) +
					(em == INT_MIN ? 0.0 : ldexp(ui * uj, em - e));
		}
	}
	if ((st = te_sym_eigen(env, d, A, w, 0, NULL)) != TE_OK)
		goto done;
	count = m->n < d ? (int) m->n : d;
	for (i = 0; i < count; i++)
		w[i] = w[i] > 0.0 ? sqrt(w[i]) : 0.0;
	out->rankme = te_rankme(w, count);

done:
	te_free(env, A);
	te_free(env, w);
	return st;
}

/* the top-k unit eigenvectors and eigenvalues of the covariance of a sketch */
TeStatus
te_pca_basis(TeEnv *env, const TeMoments *m, int k, double *V, double *values)
{
	int			d = m->dim;
	double	   *A,
			   *w;
	TeStatus	st;
	int			i;

	if (m->n_pending != 0)
		return te_fail(env, TE_INVALID, "the sketch has unfolded rows");
	if (k < 1 || k > d)
		return te_fail(env, TE_INVALID, "k must be between 1 and %d, not %d", d, k);
	A = te_alloc_array(env, (size_t) d * d, sizeof(double));
	w = te_alloc_array(env, d, sizeof(double));
	if (A == NULL || w == NULL)
	{
		te_free(env, A);
		te_free(env, w);
		return te_fail(env, TE_NOMEM, "no memory for a %d x %d eigen-solve", d, d);
	}
	te_moments_scatter_full(m, A);
	st = te_sym_eigen(env, d, A, w, k, V);
	if (st == TE_OK && values)
		for (i = 0; i < k; i++)
			values[i] = m->n > 0 ? w[i] / (double) m->n : 0.0;
	te_free(env, A);
	te_free(env, w);
	return st;
}
