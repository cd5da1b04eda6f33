/*
 * distance.h - dissimilarities between embeddings, computed in blocks
 *
 * Three metrics on points given as rows of doubles:
 *   euclidean  ||x - y|| on the vectors as given;
 *   cosine     1 - cos(x, y), computed on the L2-normalised vectors;
 *   angular    arccos(cos(x, y)) in radians, on the normalised vectors.
 *
 * Cosine and angular refuse a zero vector (TE_INVALID naming its index).
 * Blocks of the distance matrix come from BLAS (||x||^2 + ||y||^2 - 2 x.y);
 * pairs where that formula cancels badly (near-duplicates, near-antipodal
 * vectors under angular) are recomputed directly, so the values agree with a
 * direct evaluation in double to well below float32 resolution.
 */
#ifndef TOPEMBED_DISTANCE_H
#define TOPEMBED_DISTANCE_H

#include "topembed/common.h"

typedef enum TeMetric
{
	TE_METRIC_EUCLIDEAN,
	TE_METRIC_COSINE,
	TE_METRIC_ANGULAR
} TeMetric;

/* the metric's name ("euclidean", "cosine", "angular") */
const char *te_metric_name(TeMetric metric);

/* parse a metric name; 0 on success, -1 if unknown */
int			te_metric_parse(const char *name, TeMetric *metric);

/*
 * The n(n-1)/2 distances between n points of dimension dim in Ripser's
 * lower-triangle order (row i = 1..n-1 holds d(i,0..i-1)), in double.
 * TE_INVALID for non-finite coordinates or a zero vector under cosine or
 * angular.
 */
TeStatus	te_distances_lower(TeEnv *env, const double *points, int64_t n, int dim,
							   TeMetric metric, double *out);

#endif							/* TOPEMBED_DISTANCE_H */
