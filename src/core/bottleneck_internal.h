/*
 * bottleneck_internal.h - what wasserstein.c uses of bottleneck.c (not public)
 */
#ifndef TOPEMBED_BOTTLENECK_INTERNAL_H
#define TOPEMBED_BOTTLENECK_INTERNAL_H

#include "topembed/diagram.h"
#include "diagram_internal.h"
#include "alloc_internal.h"

#include <math.h>

/* L-infinity distance between two points */
static inline double
linf(double bx, double dx, double by, double dy)
{
	double		u = fabs(bx - by),
				v = fabs(dx - dy);

	return u > v ? u : v;
}

/* largest magnitude and spread of the finite coordinates of two diagram parts */
void		bn_part_extent(const TeDgmPart *A, const TeDgmPart *B, double *mag,
						   double *spread);

/*
 * Coordinates beyond 2^1000 could overflow in differences: scale both parts
 * down by 2^-64 (exact) and return the factor to divide results by.
 */
double		bn_part_prescale(TeDgmPart *A, TeDgmPart *B);

/* the largest difference of the sorted essential births (the counts are equal) */
double		bn_essential_max(const TeDgmPart *A, const TeDgmPart *B);

/*
 * the exact bottleneck distance of the finite points of A and B, into *out;
 * mate (may be NULL, else A->n entries) receives a matching that attains
 * it: the partner in B of each finite point of A, or -1 (the diagonal)
 */
TeStatus	bottleneck_finite(TeEnv *env, Arena *ar, const TeDgmPart *A, const TeDgmPart *B,
							  double *out, int32_t *mate);

/*
 * The rows of a matching (diagram.h) of the dim parts A and B of a and b,
 * loaded by te_dgm_part_load and scaled by f (bn_part_prescale): mate[k] is
 * the partner in B of A's k-th finite point, or -1; essential points pair
 * in sorted order, the surplus ones going to the diagonal at +INFINITY
 */
TeStatus	bn_matching_build(TeEnv *env, const TePersPair *a, int64_t na,
							  const TePersPair *b, int64_t nb, int dim, const TeDgmPart *A,
							  const TeDgmPart *B, const int32_t *mate, double f,
							  TeMatching *m);

#endif							/* TOPEMBED_BOTTLENECK_INTERNAL_H */
