/*
 * geometry.h - the geometry of a modality: uniformity (Wang & Isola 2020)
 * and what drives the modality gap (Schrodi et al. 2024)
 *
 * Both take points as rows of doubles that the caller has L2-normalised.
 *
 * uniformity = log( 2 / (n (n - 1)) sum_{i<j} exp(-t ||x_i - x_j||^2) ),
 * summed exactly over every pair, in blocks of rows whose Gram products come
 * from BLAS, with a running log-sum-exp (a running maximum and the sum of
 * exp(v - maximum)), so that no term underflows to a zero sum even for a
 * large t.
 *
 * The gap drivers of n matched pairs (x_i, y_i), with Delta = mean(x) -
 * mean(y):
 *  - the share of ||Delta||^2 in its k largest coordinates (Delta_j^2);
 *  - the share of ||Delta||^2 along each of the k leading principal
 *    directions of the pooled 2n points (eigenvectors of their covariance);
 *  - the accuracy, over the 2n points, of the midpoint classifier along
 *    Delta: a point is called an image when (p - (mean(x) + mean(y)) / 2) .
 *    Delta > 0;
 *  - the accuracy of Fisher's linear discriminant: the same rule along w =
 *    S_w^+ Delta, where S_w = S_x + S_y is the within-modality scatter from
 *    the two moments sketches and ^+ the pseudo-inverse (eigenvalues below
 *    TE_LDA_RCOND times the largest are dropped).
 * A point exactly on the boundary counts as misclassified.
 */
#ifndef TOPEMBED_GEOMETRY_H
#define TOPEMBED_GEOMETRY_H

#include "topembed/common.h"

/* relative cut-off of the pseudo-inverse of the within-modality scatter */
#define TE_LDA_RCOND 1e-10

/*
 * The uniformity of n >= 2 points (n x dim, row-major) at temperature t > 0.
 * TE_INVALID for n < 2 or a bad t; TE_CANCELLED on interrupt.
 */
TeStatus	te_uniformity(TeEnv *env, const double *points, int64_t n, int dim, double t,
						  double *out);

typedef struct TeGapDrivers
{
	int64_t		n_pairs;
	int			dim;
	int			k;
	double		gap;			/* ||Delta|| */
	int		   *top_coordinates;	/* k, 0-based, largest Delta_j^2 first */
	double	   *coordinate_shares;	/* k: Delta_j^2 / ||Delta||^2 of those */
	double		top_share;		/* their sum */
	double	   *pc_shares;		/* k: (v_c . Delta)^2 / ||Delta||^2 */
	double		pc_share;		/* their sum */
	double	   *pc_variance;	/* k: eigenvalues of the pooled covariance */
	double		midpoint_accuracy;
	double		lda_accuracy;
	double		lda_separation; /* sqrt(Delta' S_w^+ Delta) * sqrt(2n - 2) */
} TeGapDrivers;

/*
 * The gap drivers of n >= 2 pairs: image and text are n x dim, row-major,
 * L2-normalised; 1 <= k <= dim.  The arrays of out are allocated through
 * env.  TE_INVALID for bad arguments or a zero gap; TE_CANCELLED on
 * interrupt; TE_NUMERIC if an eigen-solve fails.
 */
TeStatus	te_gap_drivers(TeEnv *env, const double *image, const double *text, int64_t n,
						   int dim, int k, TeGapDrivers *out);

#endif							/* TOPEMBED_GEOMETRY_H */
