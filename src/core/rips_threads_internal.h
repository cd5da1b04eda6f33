/*
 * rips_threads_internal.h - threaded phases of the Rips engine (rips_threads.c)
 *
 * Not a public API: rips.c, the engine's driver, calls them when
 * TeRipsOptions.threads asks for more than one thread.  They give exactly
 * what their one-thread counterparts in rips.c give.
 */
#ifndef TOPEMBED_RIPS_THREADS_INTERNAL_H
#define TOPEMBED_RIPS_THREADS_INTERNAL_H

#include "rips_graph_internal.h"

/*
 * the n x n float values of the prepared points into g->D (allocated, n
 * set), the distance blocks shared among c->threads threads
 */
TeStatus	rips_fill_points_par(RipsCtx *c, const DistPoints *p, RipsGraph *g);

/*
 * store the kernel block blk of rows [i0, i1) against columns [j0, j1) as
 * float values, the pairs j <= i in both halves of g->D; what both the
 * one-thread fill of rips.c and the workers store (it calls no env callback)
 */
void		rips_store_tile(const RipsCtx *c, const DistPoints *p, RipsGraph *g,
							int64_t i0, int64_t i1, int64_t j0, int64_t j1, const double *blk);

#endif							/* TOPEMBED_RIPS_THREADS_INTERNAL_H */
