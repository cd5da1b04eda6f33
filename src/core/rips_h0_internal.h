/*
 * rips_h0_internal.h - the H0 phase of the Rips engine (rips_h0.c)
 *
 * Not a public API: rips.c, the engine's driver, calls it.
 */
#ifndef TOPEMBED_RIPS_H0_INTERNAL_H
#define TOPEMBED_RIPS_H0_INTERNAL_H

#include "rips_graph_internal.h"

/* H0 of the graph by Kruskal; marks the tree edges (bit per key position) */
TeStatus	rips_h0_graph(RipsCtx *c, const RipsGraph *g, uint64_t *tree_bits);

/*
 * H0 of points from a minimum spanning tree in O(n * dim) memory; tree
 * (NULL or room for n - 1 edges) receives the tree's edges
 */
TeStatus	rips_h0_points(RipsCtx *c, const DistPoints *p, float threshold,
						   TeRipsTreeEdge *tree);

/*
 * The bytes each thread beyond the first holds in H0 of n points: its
 * candidate lists and kernel blocks
 */
size_t		rips_h0_thread_bytes(int64_t n);

/* H0 of a lower-triangle dissimilarity by Prim in O(n) extra memory */
TeStatus	rips_h0_lower(RipsCtx *c, const double *lower, int64_t n, float threshold);

#endif							/* TOPEMBED_RIPS_H0_INTERNAL_H */
