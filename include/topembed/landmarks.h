/*
 * landmarks.h - farthest-point sampling (the greedy permutation)
 *
 * From a start point, each next landmark is the point farthest from the
 * landmarks chosen so far (ties: the lowest index).  After k steps the
 * covering radius eps, the largest distance from a point to its nearest
 * landmark, is the Hausdorff distance between the landmarks and the points.
 * Under a metric (euclidean, angular) the Rips diagrams of the two sets are
 * then within bottleneck distance 2 eps of each other; cosine distance is
 * not a metric, and the bound holds for it only after the change of scale
 * t -> sqrt(2 t) (cosine distance is half the squared chord).
 *
 * The work is O(n k dim) through the distance kernels of distance.c, with
 * interrupt checks; memory is O(n) beside the points.
 */
#ifndef TOPEMBED_LANDMARKS_H
#define TOPEMBED_LANDMARKS_H

#include "topembed/common.h"
#include "topembed/distance.h"

typedef struct TeLandmarks
{
	int64_t    *index;			/* k indices into the points, in greedy order */
	double	   *radius;			/* radius[r]: distance of landmark r to landmarks
								 * 0..r-1 when it joined (radius[0] = Infinity) */
	int64_t		k;				/* landmarks chosen */
	double		covering_radius;	/* max over points of the distance to the
									 * nearest landmark */
} TeLandmarks;

/*
 * Choose k landmarks (1 <= k <= n) among n points of dim by farthest-point
 * sampling from point start, under metric.  out's arrays are allocated on
 * env; free them with te_landmarks_free.  TE_INVALID for bad arguments,
 * non-finite coordinates or a zero vector under cosine and angular.  With
 * env->progress set, the step "greedy permutation" reports the landmarks
 * chosen so far (unit "points", total k) every 64 landmarks.
 */
TeStatus	te_landmarks(TeEnv *env, const double *points, int64_t n, int dim,
						 TeMetric metric, int64_t k, int64_t start, TeLandmarks *out);

/*
 * The same on up to threads threads of the core's own (threads <= 1: one).
 * Each step's row of distances is cut into blocks of DIST_BLOCK points that
 * the threads share once a row is long enough (n * dim of at least 2^14);
 * the landmarks and radii are those of one thread, bit for bit.  The
 * threads call no env callback; interrupts are checked, and progress
 * reported, between sections of 0.1 s (parallel_internal.h).
 */
TeStatus	te_landmarks_threads(TeEnv *env, const double *points, int64_t n, int dim,
								 TeMetric metric, int64_t k, int64_t start, int threads,
								 TeLandmarks *out);

/* release the arrays of a TeLandmarks */
void		te_landmarks_free(TeEnv *env, TeLandmarks *out);

/* bytes te_landmarks allocates for n points and k landmarks, beside the points */
size_t		te_landmarks_memory(int64_t n, int dim, int64_t k);

#endif							/* TOPEMBED_LANDMARKS_H */
