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

/* the exact bottleneck distance of the finite points of A and B, into *out */
TeStatus	bottleneck_finite(TeEnv *env, Arena *ar, const TeDgmPart *A, const TeDgmPart *B,
							  double *out);

#endif							/* TOPEMBED_BOTTLENECK_INTERNAL_H */
