/*
 * rips_collapse_internal.h - the edge collapse of the Rips engine (rips_collapse.c)
 *
 * Not a public API: rips.c, the engine's driver, calls it.
 */
#ifndef TOPEMBED_RIPS_COLLAPSE_INTERNAL_H
#define TOPEMBED_RIPS_COLLAPSE_INTERNAL_H

#include "rips_graph_internal.h"

/* edge collapse of the graph in place; returns the number of passes made */
TeStatus	rips_collapse(RipsCtx *c, RipsGraph *g, int max_passes, int *passes);

#endif							/* TOPEMBED_RIPS_COLLAPSE_INTERNAL_H */
