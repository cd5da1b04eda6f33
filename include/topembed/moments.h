/*
 * moments.h - a mergeable sketch of a set of vectors: count, mean and the
 * centred scatter matrix S = sum (x - mean)(x - mean)', in float64
 *
 * Rows are buffered and folded in by batches: the batch is centred on its own
 * mean, its scatter added with one BLAS level-3 call (dsyrk), and the batch
 * merged with the running sketch by Chan et al.'s parallel formula
 *
 *   n = na + nb,  delta = mean_b - mean_a,
 *   mean = mean_a + delta nb / n,  S = S_a + S_b + delta delta' na nb / n,
 *
 * never as raw sums of squares.  The same formula merges two sketches.
 *
 * Two layouts share the struct:
 *  - expanded (TE_MOM_EXPANDED): the aggregate's working state; the scatter
 *    is a full d x d column-major matrix whose upper triangle is valid, and
 *    a buffer of up to 'batch' pending rows follows;
 *  - compact: what is stored; the scatter's upper triangle packed row by row
 *    (d (d + 1) / 2 values), no pending rows.
 * n, mean and scatter always describe the folded rows only; pending rows
 * count in n_pending.
 */
#ifndef TOPEMBED_MOMENTS_H
#define TOPEMBED_MOMENTS_H

#include "topembed/common.h"

#define TE_MOM_EXPANDED 1

typedef struct TeMoments
{
	int32_t		vl_len_;		/* reserved for the caller's header */
	int32_t		dim;
	int32_t		flags;			/* TE_MOM_EXPANDED or 0 */
	int32_t		n_pending;		/* buffered rows (expanded only) */
	int32_t		batch;			/* buffer capacity in rows (expanded only) */
	int32_t		reserved;
	int64_t		n;				/* folded rows */
	double		min_norm;		/* smallest and largest L2 norm of all rows */
	double		max_norm;		/* (folded and pending); 0 when there are none */
	uint64_t	fingerprint;	/* content hash of a compact sketch; 0 if unset */
	double		data[];			/* mean, scatter, then pending rows */
} TeMoments;

/* rows per batch for a given dimension */
int			te_moments_batch(int dim);

/* bytes of a sketch */
size_t		te_moments_size(int dim, int flags, int batch);

/* an empty sketch in memory of te_moments_size(dim, flags, batch) bytes */
void		te_moments_init(TeMoments *m, int dim, int flags, int batch);

/* the mean (dim values) and the scatter */
double	   *te_moments_mean(TeMoments *m);
double	   *te_moments_scatter(TeMoments *m);
const double *te_moments_mean_c(const TeMoments *m);
const double *te_moments_scatter_c(const TeMoments *m);

/* scatter entry (i, j) of either layout */
double		te_moments_scatter_at(const TeMoments *m, int i, int j);

/* all rows: folded plus pending */
int64_t		te_moments_count(const TeMoments *m);

/* add one row (expanded only); folds a full buffer */
TeStatus	te_moments_add(TeEnv *env, TeMoments *m, const double *x);

/* fold the pending rows into n, mean and scatter (expanded only) */
TeStatus	te_moments_flush(TeEnv *env, TeMoments *m);

/* fold sketch b (either layout) into the expanded sketch a */
TeStatus	te_moments_merge(TeEnv *env, TeMoments *a, const TeMoments *b);

/* write the compact form of the flushed expanded sketch src into dst */
void		te_moments_compact(const TeMoments *src, TeMoments *dst);

/* write the expanded form of the compact sketch src into dst */
void		te_moments_expand(const TeMoments *src, TeMoments *dst, int batch);

/* the full symmetric scatter (d x d, both triangles) of a flushed sketch */
void		te_moments_scatter_full(const TeMoments *m, double *out);

/* content hash of a compact sketch (dim, n, mean, scatter) */
uint64_t	te_moments_hash(const TeMoments *m);

#endif							/* TOPEMBED_MOMENTS_H */
