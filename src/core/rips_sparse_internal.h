/*
 * rips_sparse_internal.h - the sparse Rips phase (rips_sparse.c)
 *
 * Not a public API: te_rips_sparse (rips.c) validates the input, prepares
 * the points and the context, and calls rips_sparse_run; rips_sparse.c
 * builds on rips_graph_internal.h (the context, bars, sorting) and on the
 * greedy permutation of landmarks.c, and calls nothing above it.
 */
#ifndef TOPEMBED_RIPS_SPARSE_INTERNAL_H
#define TOPEMBED_RIPS_SPARSE_INTERNAL_H

#include "rips_graph_internal.h"

/*
 * The sparsity parameter mu in (0, 1) of the construction for a guarantee
 * of 1 + epsilon on the output's scale under metric: 1 - 1 / (1 + epsilon),
 * or 1 - 1 / sqrt(1 + epsilon) under cosine (the square of the chord)
 */
double		rips_sparse_mu(TeMetric metric, double epsilon);

/*
 * Bytes of the run that do not depend on the number of edges: the greedy
 * permutation (allocated on the env, not the arena), the radii and ranks,
 * the row offsets, the union-find and a distance tile
 */
size_t		rips_sparse_fixed_bytes(int64_t n, int dim);

/*
 * bytes per edge of the sparse graph at the run's peak, beside the fixed
 * part: 12 for the sorted edge, 16 for its two adjacency entries, 16 for
 * its column record and 36 for the pivot table at its largest load (72 in
 * all was measured at 4.5 million edges), with room for the stored columns
 */
#define RIPS_SPARSE_EDGE_BYTES 80

/*
 * The sparse filtration of the prepared points p (the caller's points too,
 * for the greedy permutation) for the guarantee epsilon, and its bars up to
 * c->max_dim (0 or 1) into c->out in the input's units.  Fills info.
 * Working memory is on c->mem; the caller releases it.
 */
TeStatus	rips_sparse_run(RipsCtx *c, const DistPoints *p, const double *points,
							double epsilon, TeRipsSparseInfo *info);

#endif							/* TOPEMBED_RIPS_SPARSE_INTERNAL_H */
