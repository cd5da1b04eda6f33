/*
 * spectrum.h - the covariance spectrum of a moments sketch and the measures
 * of dimensional collapse
 *
 *   eigenvalues λ_1 >= ... >= λ_d of the covariance C = S / n (Jing et al.
 *   2022); rounding noise below zero is reported as 0
 *   explained_variance_ratio  λ_i / Σλ
 *   effective_rank            exp(-Σ p_i log p_i), p = λ / Σλ   (Roy & Vetterli 2007)
 *   participation_ratio       (Σλ)^2 / Σλ^2
 *   dims_99                   smallest k with Σ_{i<=k} λ_i / Σλ >= 0.99  (CLOOB)
 *   numerical_rank            #{λ_i > λ_1 · d · DBL_EPSILON}  (numpy's matrix_rank tolerance)
 *   rankme                    exp(-Σ p_k log p_k), p_k = σ_k / Σσ + 1e-7, over the
 *                             min(n, d) singular values σ of the uncentred n x d
 *                             embedding matrix X (Garrido et al. 2023); σ_k^2 are
 *                             the eigenvalues of X'X = S + n mean mean', which a
 *                             sketch holds exactly
 */
#ifndef TOPEMBED_SPECTRUM_H
#define TOPEMBED_SPECTRUM_H

#include "topembed/common.h"
#include "topembed/moments.h"

#define TE_RANKME_EPS 1e-7

typedef struct TeSpectrum
{
	int			dim;
	int64_t		n;
	double	   *eigenvalues;	/* dim values, supplied by the caller */
	double		total_variance; /* Σλ */
	int			has_measures;	/* Σλ > 0 */
	double		effective_rank;
	double		participation_ratio;
	int			dims_99;
	int			numerical_rank;
	double		rankme;
} TeSpectrum;

/* spectrum and measures of a sketch without pending rows (n >= 1) */
TeStatus	te_spectrum_compute(TeEnv *env, const TeMoments *m, TeSpectrum *out);

/* the measures from descending covariance eigenvalues (fills out->...) */
void		te_spectrum_measures(TeSpectrum *out);

/* RankMe of descending singular values (count values) */
double		te_rankme(const double *sigma, int count);

/*
 * PCA basis: the mean and the top-k unit eigenvectors of the covariance
 * (columns of V, d x k column-major, descending), each with its largest-
 * magnitude component positive.  Also the k eigenvalues (of S / n).
 */
TeStatus	te_pca_basis(TeEnv *env, const TeMoments *m, int k, double *V, double *values);

#endif							/* TOPEMBED_SPECTRUM_H */
