/*
 * gap.h - the modality gap (Liang et al. 2022) as a streaming accumulator
 *
 * Every embedding is L2-normalised on entry.  The accumulator keeps, in
 * float64, the sums of the normalised image and text vectors and (paired
 * form) Welford's running mean and M2 of the paired cosines.  From these:
 *
 *   gap vector  = mean(x^) - mean(y^),   gap = ||gap vector||
 *   cone        = mean over i != j of cos(x_i, x_j)
 *               = (||sum x^||^2 - n) / (n (n - 1))
 *   alignment   = E ||x^ - y^||^2 = 2 - 2 E cos(x^, y^)   (Wang & Isola)
 *   l2i         = E ||x^ - y^||, the mean distance of matched pairs
 *   rmg         = m / (m + (a_image + a_text) / 2), the relative modality
 *                 gap of Schrodi et al. 2024, with m = (1 - E cos(x^, y^)) / 2
 *                 and a_side = (1 - cone_side) / 2: cosine dissimilarities
 *                 in [0, 1] of matched pairs and within each modality
 *
 * Two accumulators of the same dimension merge exactly (Chan et al. for the
 * cosine moments), so the work splits across parallel workers.
 */
#ifndef TOPEMBED_GAP_H
#define TOPEMBED_GAP_H

#include "topembed/common.h"

#define TE_GAP_PAIRED 1			/* fed with (image, text) pairs */

/*
 * The on-disk layout of TeGapAcc, in its 'layout' field: 0.1.0 always wrote
 * 0 there (reserved, zeroed); layout 1 is the same.  Layout 2 appends a
 * TeGapDist after the 2 * dim sums (the mean distance of matched pairs).
 * Values of layouts 0 and 1 are read by te_gap_upgrade, which gives them an
 * empty TeGapDist: their l2i is unknown (NULL), the rest is unchanged.
 */
#define TE_GAP_LAYOUT 2
#define TE_GAP_LAYOUT_OLDEST 0

typedef struct TeGapAcc
{
	int32_t		vl_len_;		/* reserved for the caller's header */
	int32_t		dim;
	int32_t		flags;			/* TE_GAP_PAIRED or 0 */
	int32_t		layout;			/* TE_GAP_LAYOUT (0 from 0.1.0: the same layout) */
	int64_t		n_image;
	int64_t		n_text;
	int64_t		n_pairs;
	double		cos_mean;		/* mean of paired cosines */
	double		cos_m2;			/* sum of squared deviations */
	double		sum[];			/* dim image sums, then dim text sums */
} TeGapAcc;

/* layout 2: what follows the sums */
typedef struct TeGapDist
{
	int64_t		n;				/* pairs whose distance is in sum */
	double		sum;			/* sum of ||x^ - y^|| over those pairs */
} TeGapDist;

/* the TeGapDist of a layout-2 accumulator */
#define TE_GAP_DIST(acc) \
	((TeGapDist *) ((char *) (acc) + offsetof(TeGapAcc, sum) + sizeof(double) * 2 * (size_t) (acc)->dim))

typedef struct TeGapStats
{
	int64_t		n_image;
	int64_t		n_text;
	int64_t		n_pairs;
	int32_t		dim;
	int			has_gap;		/* both modalities present */
	double		gap;
	double		image_centroid_norm;	/* valid when n_image > 0 */
	double		text_centroid_norm; /* valid when n_text > 0 */
	int			has_image_cone; /* n_image >= 2 */
	int			has_text_cone;	/* n_text >= 2 */
	double		image_cone;
	double		text_cone;
	int			has_paired;		/* paired form with n_pairs > 0 */
	double		paired_cosine_mean;
	double		paired_cosine_std;	/* population standard deviation */
	double		alignment;
	int			has_l2i;		/* every pair's distance was accumulated */
	double		l2i;			/* mean ||x^ - y^|| of matched pairs */
	int			has_rmg;		/* paired, n_pairs >= 2 and a denominator > 0 */
	double		rmg;			/* relative modality gap (Schrodi et al.) */
} TeGapStats;

/* bytes of an accumulator for dim dimensions (layout TE_GAP_LAYOUT) */
size_t		te_gap_acc_size(int dim);

/* bytes of an accumulator of layout 0 or 1 (0.1.0's) */
size_t		te_gap_acc_size_v1(int dim);

/*
 * The layout of raw accumulator bytes (the field is at the same place in
 * every layout); -1 when size is too small to hold it
 */
int			te_gap_layout_of(const void *raw, size_t size);

/*
 * Read an accumulator of layout 0 or 1 of size bytes into out (memory of
 * te_gap_acc_size(dim) bytes, dim taken from raw): the same fields, layout
 * TE_GAP_LAYOUT and an empty TeGapDist.  TE_INVALID if it is not such an
 * accumulator of a plausible size; out is then untouched.
 */
TeStatus	te_gap_upgrade(TeEnv *env, const void *raw, size_t size, int max_dim, TeGapAcc *out);

/* start an empty accumulator in memory of te_gap_acc_size(dim) bytes */
void		te_gap_acc_init(TeGapAcc *acc, int dim, int flags);

/* L2-normalise x in place; returns its norm (0 for a zero vector) */
double		te_normalize(double *x, int dim);

/* add one (image, text) pair; TE_INVALID for a zero vector; x and y may be overwritten */
TeStatus	te_gap_add_pair(TeEnv *env, TeGapAcc *acc, double *x, double *y);

/* add one embedding of one modality; TE_INVALID for a zero vector */
TeStatus	te_gap_add_one(TeEnv *env, TeGapAcc *acc, double *x, int is_image);

/*
 * The same for float4 data, read in place (no copy): TE_INVALID for a zero
 * vector or a non-finite value, and then nothing is added
 */
TeStatus	te_gap_add_pair_f4(TeEnv *env, TeGapAcc *acc, const float *x, const float *y);
TeStatus	te_gap_add_one_f4(TeEnv *env, TeGapAcc *acc, const float *x, int is_image);

/*
 * Check an accumulator from outside (stored, deserialised, or handed over
 * by another process) against the invariants of the ones this code builds:
 * size bytes in all, a known layout and flags, 1 <= dim <= max_dim, counts
 * >= 0 (the paired form counts every pair once on each side: n_image =
 * n_text = n_pairs; the unpaired one has n_pairs = 0), finite sums of norm
 * at most their count (they add unit vectors), zero sums for an empty side,
 * a cosine mean in [-1, 1] (0 without pairs) and 0 <= cos_m2 <= n_pairs
 * (0 for fewer than two pairs), within rounding.  TE_INVALID naming the
 * first broken one.
 */
TeStatus	te_gap_validate(TeEnv *env, const TeGapAcc *acc, size_t size, int max_dim);

/* fold b into a; TE_INVALID if dimension or form differ, TE_RANGE if a count overflows */
TeStatus	te_gap_merge(TeEnv *env, TeGapAcc *a, const TeGapAcc *b);

/* the statistics; gap_vector (dim doubles) may be NULL */
void		te_gap_result(const TeGapAcc *acc, TeGapStats *out, double *gap_vector);

/*
 * The gap fields from means of normalised vectors of each side (as kept by
 * a moments sketch): counts, means and dimension in, stats out.
 */
void		te_gap_from_means(int dim, int64_t n_image, const double *mean_image,
							  int64_t n_text, const double *mean_text,
							  TeGapStats *out, double *gap_vector);

#endif							/* TOPEMBED_GAP_H */
