/*
 * rips_reduce_internal.h - the cohomology reduction of the Rips engine (rips_reduce.c)
 *
 * Not a public API: rips.c, the engine's driver, calls it.
 */
#ifndef TOPEMBED_RIPS_REDUCE_INTERNAL_H
#define TOPEMBED_RIPS_REDUCE_INTERNAL_H

#include "rips_graph_internal.h"

/* persistent cohomology in dimensions 1..max_dim */
TeStatus	rips_reduce(RipsCtx *c, const RipsGraph *g, const uint64_t *tree_bits);

#endif							/* TOPEMBED_RIPS_REDUCE_INTERNAL_H */
