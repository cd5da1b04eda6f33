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

#endif							/* TOPEMBED_RIPS_THREADS_INTERNAL_H */
