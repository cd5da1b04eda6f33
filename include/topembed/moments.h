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
 *  - rows (TE_MOM_ROWS): what is stored for a small set, while its rows take
 *    fewer doubles than the packed scatter (2 rows <= dim): no scatter, no
 *    folded rows (n = 0, a zero mean), the rows themselves as pending rows
 *    in a buffer exactly full (batch = n_pending >= 1).  It folds into the
 *    very compact sketch the expanded state would have given: the same rows
 *    in one batch, in the same order.
 * n, mean and scatter always describe the folded rows only; pending rows
 * count in n_pending.
 */
#ifndef TOPEMBED_MOMENTS_H
#define TOPEMBED_MOMENTS_H

#include "topembed/common.h"

#define TE_MOM_EXPANDED 1
#define TE_MOM_ROWS 2

/*
 * The on-disk layout of the struct below, in its 'layout' field.  0.1.0
 * always wrote 0 there (the field was reserved and zeroed); this layout is
 * the same, and new values carry 1.  A later change of the layout gets a
 * new number, so that values stored by older versions can be read or
 * refused.  The rows form came with 0.3.0 and carries layout 2; the other
 * forms still carry 1, which 0.2.0 reads.
 */
#define TE_MOM_LAYOUT 1
#define TE_MOM_LAYOUT_ROWS 2
#define TE_MOM_LAYOUT_OLDEST 0

/* the largest buffer of pending rows an expanded sketch may have */
#define TE_MOM_MAX_BATCH 4096

typedef struct TeMoments
{
	int32_t		vl_len_;		/* reserved for the caller's header */
	int32_t		dim;
	int32_t		flags;			/* TE_MOM_EXPANDED, TE_MOM_ROWS or 0 */
	int32_t		n_pending;		/* buffered rows (expanded and rows forms) */
	int32_t		batch;			/* buffer capacity in rows (the same) */
	int32_t		layout;			/* TE_MOM_LAYOUT, TE_MOM_LAYOUT_ROWS for the rows form
								 * (0 from 0.1.0: the same layout as 1) */
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

/*
 * The rows a sketch keeps in the rows form: its pending rows when it has
 * folded none and they are fewer than half its dimension (then they take
 * fewer doubles than the packed scatter); 0 when it must be compact.
 */
int			te_moments_rows_kept(const TeMoments *m);

/* write the rows form of src (te_moments_rows_kept(src) > 0) into dst */
void		te_moments_to_rows(const TeMoments *src, TeMoments *dst);

/*
 * write the expanded form of the compact or rows sketch src into dst, with
 * a buffer of batch rows (at least src's rows for the rows form)
 */
void		te_moments_expand(const TeMoments *src, TeMoments *dst, int batch);

/* the full symmetric scatter (d x d, both triangles) of a flushed sketch */
void		te_moments_scatter_full(const TeMoments *m, double *out);

/* content hash of a compact sketch (dim, n, mean, scatter) */
uint64_t	te_moments_hash(const TeMoments *m);

/*
 * Check a sketch read from outside (a stored value, a deserialised one, an
 * aggregate state handed over by another process) against the invariants
 * of the ones this code builds: size bytes in all (the caller's varlena
 * size), a known layout and flags, 1 <= dim <= max_dim, counts >= 0 whose
 * sum fits in int64, a norm range 0 <= min_norm <= max_norm (both 0 when
 * empty), and with deep set also every value finite, an empty sketch all
 * zero, one row's scatter zero, a non-negative scatter diagonal, each
 * |S_ij| within sqrt(S_ii S_jj) (as a positive semi-definite matrix has
 * it), ||mean|| <= max_norm and trace(S) / n between n (min_norm^2 -
 * ||mean||^2) / n and max_norm^2 - ||mean||^2 (every row's norm lies in
 * [min_norm, max_norm]), all within rounding.  TE_INVALID naming the first
 * broken one.
 */
TeStatus	te_moments_validate(TeEnv *env, const TeMoments *m, size_t size, int max_dim,
								int deep);

#endif							/* TOPEMBED_MOMENTS_H */
