/*
 * projection.h - how much structure survives a PCA projection to fewer
 * dimensions
 *
 * For n points of dimension d and each target dimension k, the points are
 * centred and projected onto the top-k principal axes of their covariance
 * (the moments sketch of the same rows and te_pca_basis, exactly what
 * topembed.pca_project does with the moments of the same rows), and the
 * projection is compared with the full space:
 *
 *   explained_variance  sum of the k largest covariance eigenvalues over
 *                       their total (the trace); numpy's
 *                       eigvalsh(cov)[::-1][:k].sum() / trace(cov)
 *   trustworthiness     Venna & Kaski 2001 at K neighbours:
 *                       1 - 2 / (n K (2n - 3K - 1)) * sum_i sum_{j in U_K(i)}
 *                       (r(i, j) - K), where U_K(i) are the K nearest
 *                       neighbours of i in the projection that are not among
 *                       its K nearest in the full space and r(i, j) is the
 *                       rank of j among i's neighbours in the full space
 *                       (1 = nearest); sklearn.manifold.trustworthiness
 *   continuity          the same with the two spaces' roles swapped: the
 *                       K nearest in the full space ranked in the projection
 *   bottleneck_h0/h1    the bottleneck distance (diagram.h) between the
 *                       Vietoris-Rips diagrams of the full space and of the
 *                       projection, both euclidean, threshold the enclosing
 *                       radius of each
 *   clusters            the H0 classes of the projection's diagram that
 *                       persist longer than cut times its longest finite H0
 *                       bar, plus the essential one(s): the single-linkage
 *                       clusters (clusters.h) at the scale cut * the longest
 *                       edge of the projection's minimum spanning tree
 *
 * Ranks: the full space ranks by the given metric (euclidean, cosine, or
 * angular, which ranks as cosine does), the projection by euclidean
 * distance, as sklearn's trustworthiness(X, X_embedded, metric=...) does.
 * Equal distances rank by row number.  The diagrams are euclidean in both
 * spaces whatever the metric: the projection is an orthogonal map of the
 * centred points, euclidean distances are what it shortens, and only in
 * one metric do the two diagrams share their units.
 *
 * Time O(n^2 (d + sum k) + n^2 log n * #dims) for the ranks, plus the
 * persistence runs; memory O(n (d + max k)) plus the persistence engine's
 * (te_rips_memory_estimate), which dominates from H1 on.
 */
#ifndef TOPEMBED_PROJECTION_H
#define TOPEMBED_PROJECTION_H

#include "topembed/common.h"
#include "topembed/distance.h"

/* the largest homology dimension compared */
#define TE_PROJECTION_MAX_DIM 1

typedef struct TeProjectionOptions
{
	int			neighbours;		/* K: 1 <= K < n / 2 (as sklearn requires) */
	TeMetric	metric;			/* of the full space's ranks */
	int			max_dim;		/* 0 or 1 */
	double		cut;			/* 0 < cut <= 1, the clusters' relative cut */
	size_t		memory_limit;	/* bytes for each persistence run; 0 = none */
} TeProjectionOptions;

/* one target dimension's figures */
typedef struct TeProjectionRow
{
	int			dims;
	double		explained_variance; /* NAN when the total variance is 0 */
	double		trustworthiness;
	double		continuity;
	double		bottleneck_h0;
	double		bottleneck_h1;	/* NAN with max_dim 0 */
	int64_t		clusters;
} TeProjectionRow;

/*
 * The figures of n points (row-major doubles of dimension dim) for each of
 * the n_dims target dimensions dims[] (1..dim, in any order, repeats
 * allowed); out has n_dims rows, in the order of dims.  TE_INVALID for bad
 * options or input (env->msg says what), TE_LIMIT (the memory limit of a
 * persistence run), TE_NOMEM, TE_CANCELLED, TE_NUMERIC.
 */
TeStatus	te_projection_quality(TeEnv *env, const double *points, int64_t n, int dim,
								  const int *dims, int n_dims,
								  const TeProjectionOptions *opt, TeProjectionRow *out);

/*
 * Estimated peak working memory in bytes of te_projection_quality, not
 * counting the caller's points; SIZE_MAX if it cannot be represented
 */
size_t		te_projection_memory_estimate(int64_t n, int dim, const int *dims, int n_dims,
										  int max_dim);

/*
 * The centred points' coordinates on their top kmax principal axes (1 <=
 * kmax <= dim): Y (n x kmax, row-major), the kmax largest covariance
 * eigenvalues in values and their total, the trace, in *total; the PCA of
 * projection_quality and of topembed.pca_svg
 */
TeStatus	te_pca_coordinates(TeEnv *env, const double *points, int64_t n, int dim, int kmax,
							   double *values, double *total, double *Y);

#endif							/* TOPEMBED_PROJECTION_H */
