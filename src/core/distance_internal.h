/*
 * distance_internal.h - the distance kernels of the core (not a public API)
 *
 * DistPoints is a point set prepared for blocked distance computation:
 * validated, scaled by powers of two when its magnitudes would overflow or
 * underflow, normalised by per-row factors under cosine and angular, and
 * centred when it sits far from the origin.  On it: blocks of squared
 * distances in double through one dgemm (with a direct guard), the metric
 * from a squared length, single pairs computed directly, a float32 block
 * kernel for approximate screening, and one tiling helper that visits the
 * lower triangle block by block.  The Rips engine builds on this module;
 * this module includes nothing of the engine.
 */
#ifndef TOPEMBED_DISTANCE_INTERNAL_H
#define TOPEMBED_DISTANCE_INTERNAL_H

#include <math.h>
#include <string.h>

#include "alloc_internal.h"
#include "parallel_internal.h"
#include "topembed/common.h"
#include "topembed/distance.h"

typedef struct DistPoints
{
	const double *x;			/* the caller's rows, or own */
	double	   *scale;			/* 1 / ||x_i|| (cosine, angular), else NULL */
	double	   *own;			/* a copy scaled by powers of two and/or centred */
	double	   *sq;				/* squared norms of the (scaled) rows */
	int			unit_exp;		/* a kernel distance times 2^unit_exp is the input's */
	double		maxabs;			/* the largest |coordinate| of x (before centring) */
	int64_t		n;
	int			dim;
	TeMetric	metric;
} DistPoints;

/*
 * Coordinates the kernels take as they are: under Euclidean every |x| in
 * [2^-60, 2^60] (squares, sums over 16000 dimensions and their float32
 * copies stay far from overflow and underflow), under cosine and angular
 * the largest |x| of each row in [2^-200, 2^200] (dot products of two rows
 * stay normal doubles).  Other point sets are copied scaled by powers of two.
 */
#define DIST_COORD_SAFE 1152921504606846976.0	/* 2^60 */
#define DIST_ROW_SAFE 1.6069380442589903e+60	/* 2^200 */

/*
 * Validate and prepare points: finite values, no zero vector when
 * normalising.  Normalisation is by per-point scale factors; a copy is made
 * only for magnitudes outside the safe ranges above (or, later, to centre).
 */
TeStatus	dist_points_prepare(Arena *m, DistPoints *p, const double *points,
								int64_t n, int dim, TeMetric metric);
void		dist_points_release(Arena *m, DistPoints *p);

/* an upper bound of every distance of the prepared points, in kernel units */
double		dist_points_bound(const DistPoints *p);

/* switch to a centred copy when the points sit far from the origin */
TeStatus	dist_points_center(Arena *m, DistPoints *p);

/*
 * Squared Euclidean distances of the (normalised) rows i0..i1-1 against
 * j0..j1-1 into out (row stride j1 - j0), through one dgemm; entries that
 * cancel badly are recomputed directly (their number, the diagonal left out,
 * is returned).  Under cosine and angular these are squared chord lengths,
 * monotone in the metric.
 */
int64_t		dist_block_sq(const DistPoints *p, int64_t i0, int64_t i1,
						  int64_t j0, int64_t j1, double *out);

/* the metric value of a pair from its squared chord/Euclidean length */
double		dist_metric_from_sq(const DistPoints *p, int64_t i, int64_t j, double sq);

/* the squared distance of one pair, computed directly */
double		dist_pair_sq(const DistPoints *p, int64_t i, int64_t j);

/* the metric value of one pair, computed directly */
double		dist_pair_dist(const DistPoints *p, int64_t i, int64_t j);

/* rows per block of the kernels */
#define DIST_BLOCK 256

/* dots[s * bj + t] = rows[s] . cols[t] for bi and bj float rows of dim, by sgemm */
void		dist_dots_float(const float *rows, int64_t bi, const float *cols, int64_t bj,
							int dim, float *dots);

/*
 * Approximate squared distances of bi float rows (squared norms rsq) against
 * the float rows j0..j1-1 of F (squared norms fsq): rsq + fsq - 2 dot, the
 * dots from one sgemm into the scratch dots (bi x (j1 - j0)), the result
 * into out (same shape, row stride j1 - j0)
 */
void		dist_block_sq_float(const float *rows, const double *rsq, int64_t bi,
								const float *F, const double *fsq, int64_t j0, int64_t j1,
								int dim, float *dots, double *out);

/*
 * Visit every block of the lower triangle (diagonal blocks included) of the
 * prepared points: for i0 = 0, DIST_BLOCK, ... and j0 = 0, DIST_BLOCK, ...,
 * j0 <= i0, the squared distances of rows i0..i1-1 against j0..j1-1 are
 * computed by dist_block_sq into one scratch block (row stride j1 - j0) and
 * handed to visit, which returns TE_OK to go on (it paces the interrupt
 * checks).  Within a row of blocks the diagonal block comes last.  With
 * n_direct, the pairs the guard recomputed directly are added to it.
 */
typedef TeStatus (*DistTileFn) (void *arg, int64_t i0, int64_t i1,
								int64_t j0, int64_t j1, const double *blk);
TeStatus	dist_lower_tiles(Arena *m, const DistPoints *p, DistTileFn visit, void *arg,
							 int64_t *n_direct);

/*
 * The same blocks on nthreads threads (parallel_internal.h): each block is
 * computed into the scratch of the worker that takes it and handed to
 * visit on that worker's thread, in no particular order, so visit must
 * write disjoint outputs and may not call the env callbacks.  section, if
 * set, hears between sections how many of dist_tile_count(n) blocks are
 * done.  TE_OK, TE_CANCELLED, or the arena's status for the scratch.
 */
typedef void (*DistTileWorkFn) (void *arg, int worker, int64_t i0, int64_t i1,
								int64_t j0, int64_t j1, const double *blk);
TeStatus	dist_lower_tiles_par(Arena *m, const DistPoints *p, int nthreads,
								 DistTileWorkFn visit, ParSectionFn section, void *arg);

/* the blocks of the lower triangle of n points that dist_lower_tiles visits */
int64_t		dist_tile_count(int64_t n);

/*
 * te_distances_lower (distance.h), reporting in *n_direct (if not NULL) how
 * many pairs fell to the direct guard rather than the dgemm formula
 */
TeStatus	dist_lower_triangle(TeEnv *env, const double *points, int64_t n, int dim,
								TeMetric metric, double *out, int64_t *n_direct);

#endif							/* TOPEMBED_DISTANCE_INTERNAL_H */
