/*
 * intrinsic.h - intrinsic dimension from exact nearest neighbours
 *
 * Distances are Euclidean, on the points as given.  The k nearest
 * neighbours of every point come from blocked BLAS products (||x||^2 +
 * ||y||^2 - 2 x.y) over blocks of rows and columns, so memory stays at the
 * blocks plus n (k + 4) candidates; the distances of the candidates are
 * then recomputed directly, so the kept distances are exact in double.
 *
 * TwoNN (Facco et al. 2017): mu_i = r2(x_i) / r1(x_i); with the mu sorted,
 * the largest 10% dropped and F_i = i / n the empirical distribution of the
 * i-th smallest (i = 1..m, m = floor(0.9 n)), the dimension is the slope of
 * the line through the origin fitting -log(1 - F_i) against log(mu_(i)):
 * sum x_i y_i / sum x_i^2.
 *
 * Levina-Bickel MLE with the MacKay-Ghahramani correction: the inverse of
 * the mean over points i and neighbours j < k of log(T_k(x_i) / T_j(x_i)),
 * that is the inverse of the mean of the per-point inverse estimates,
 * rather than the mean of the per-point estimates.
 */
#ifndef TOPEMBED_INTRINSIC_H
#define TOPEMBED_INTRINSIC_H

#include "topembed/common.h"

typedef enum TeIdMethod
{
	TE_ID_TWONN,
	TE_ID_MLE
} TeIdMethod;

/*
 * The most neighbours the MLE takes: the estimators use a few tens, and the
 * candidate lists cost n * k doubles and O(k) per candidate.
 */
#define TE_INTRINSIC_MAX_K 1000

/* parse a method name ("twonn", "mle"); 0 on success, -1 if unknown */
int			te_id_method_parse(const char *name, TeIdMethod *method);

/*
 * The intrinsic dimension of n points (n x dim, row-major).  k is the
 * neighbour count of the MLE (2 <= k < n) and is not used by TwoNN (which
 * needs n >= 3).  TE_INVALID for bad arguments or duplicate points (a zero
 * neighbour distance), TE_CANCELLED on interrupt.
 */
TeStatus	te_intrinsic_dimension(TeEnv *env, const double *points, int64_t n, int dim,
								   TeIdMethod method, int k, double *out);

/*
 * The k nearest-neighbour distances of every point, ascending (n x k into
 * dist), and the neighbours' indices (n x k into idx, may be NULL); 1 <= k
 * < n.  Ties go to the lower index.
 */
TeStatus	te_knn(TeEnv *env, const double *points, int64_t n, int dim, int k,
				   double *dist, int64_t *idx);

#endif							/* TOPEMBED_INTRINSIC_H */
