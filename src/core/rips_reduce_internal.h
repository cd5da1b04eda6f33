/*
 * rips_reduce_internal.h - the cohomology reduction of the Rips engine (rips_reduce.c)
 *
 * Not a public API: rips.c, the engine's driver, calls it.
 */
#ifndef TOPEMBED_RIPS_REDUCE_INTERNAL_H
#define TOPEMBED_RIPS_REDUCE_INTERNAL_H

#include "rips_graph_internal.h"

/*
 * the bytes the threaded sweep of dimension 1 on n points holds on
 * threads threads (0 for one): each thread's heap, reduction vectors and
 * scratch, and the queue and the pre-pass flags.  The sweep takes fewer
 * threads (one: the sweep of one thread) when that would pass the limit.
 */
size_t		rips_reduce_par_bytes(int64_t n, int threads);

/* persistent cohomology in dimensions 1..max_dim */
TeStatus	rips_reduce(RipsCtx *c, const RipsGraph *g, const uint64_t *tree_bits);

#endif							/* TOPEMBED_RIPS_REDUCE_INTERNAL_H */
