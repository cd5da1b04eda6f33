/*
 * rips.h - exact persistent homology of Vietoris-Rips filtrations
 *
 * The engine follows Ripser 1.2.1 (Bauer 2021) and reproduces its diagrams:
 * persistent cohomology with clearing, simplices indexed by the
 * combinatorial number system and coboundaries enumerated on the fly,
 * apparent and emergent pairs, and the enclosing radius as the default
 * threshold.  Distances are kept as float32, as Ripser keeps them: they are
 * computed in double, rounded to float, and reported widened back to double.
 * The floats are stored at a power-of-two scale that puts the largest
 * distance near 2^100, and points with extreme coordinates are first copied
 * scaled by powers of two (src/core/rips_graph_internal.h), so no magnitude overflows or
 * underflows; the diagram is scaled back exactly.
 *
 * Beyond Ripser:
 *  - distances of point clouds come in blocks from BLAS;
 *  - for H2 and above the filtered graph is edge-collapsed first when that
 *    pays (Boissonnat and Pritam, SoCG 2020, visited backwards as in Glisse
 *    and Pritam, SoCG 2022): edges dominated from their value to the end
 *    are dropped, which leaves every diagram unchanged;
 *  - columns come from a sweep over the edges, so no list of simplices is
 *    ever stored, and the apparent and emergent pair tests are a few word
 *    operations on adjacency bitsets;
 *  - H0 alone (max_dim 0) comes from a minimum spanning tree that needs
 *    O(n * dim) memory, never an n x n matrix.
 *
 * Every entry point allocates only through the TeEnv, calls its interrupt
 * check often, and returns a TeStatus with details in env->msg.
 */
#ifndef TOPEMBED_RIPS_H
#define TOPEMBED_RIPS_H

#include "topembed/common.h"
#include "topembed/diagram.h"
#include "topembed/distance.h"
#include "topembed/pair.h"

/* the largest homology dimension computed */
#define TE_RIPS_MAX_DIM 3
/* the largest prime coefficient field accepted (p * p fits in int32) */
#define TE_RIPS_MAX_MODULUS 46337
/*
 * The most points for max_dim >= 1: vertex numbers are kept in 16 bits, and
 * the n x n float matrix is the dominant memory cost anyway.
 */
#define TE_RIPS_MAX_POINTS_HIGHER 65535
/* the most threads of its own the engine runs (TeRipsOptions.threads) */
#define TE_RIPS_MAX_THREADS 64


/* optional counters of one run, filled when TeRipsOptions.stats is set */
typedef struct TeRipsStats
{
	int64_t		n_points;
	double		threshold;		/* the diameter bound used (float value) */
	double		enclosing_radius;	/* NAN if not computed */
	int64_t		n_edges;		/* edges within the threshold */
	int64_t		n_edges_collapsed;	/* edges after collapse (= n_edges without) */
	int			collapse_passes;	/* 0 when the graph was not collapsed */
	int64_t		columns[TE_RIPS_MAX_DIM + 1];	/* columns met per dimension */
	int64_t		apparent[TE_RIPS_MAX_DIM + 1];	/* skipped as apparent pairs */
	int64_t		emergent[TE_RIPS_MAX_DIM + 1];	/* paired without reduction */
	int64_t		reduced[TE_RIPS_MAX_DIM + 1];	/* reduced with a working column */
	int64_t		additions;		/* column additions in all reductions */
	int64_t		window_shrinks;	/* working heaps past their budget, cut at a diameter */
	int64_t		window_advances;	/* working heaps pushed again above a cut */
	int64_t		compactions;	/* sparse H1: working columns compacted (equal
								 * triangles cancelled in pairs) */
	size_t		peak_bytes;		/* peak tracked working memory */
} TeRipsStats;

/*
 * One edge of the minimum spanning tree of a point cloud: its two points
 * (row numbers from 0, a < b) and its length as the engine keeps it, the
 * float32-rounded distance in the input's units (the death of its H0 bar)
 */
typedef struct TeRipsTreeEdge
{
	int64_t		a;
	int64_t		b;
	double		length;
} TeRipsTreeEdge;

/*
 * The simplices of one bar, in row numbers from 0 (ascending), filled when
 * TeRipsOptions.generators is set.  Unused places hold -1.
 *  - birth: the dim + 1 rows of the simplex whose entry makes the class;
 *    its longest edge has the bar's birth (H0: the one row whose component
 *    the bar is, the component's lowest row, the younger one by the elder
 *    rule when two merge);
 *  - death: the dim + 2 rows of the simplex whose entry kills it, its
 *    longest edge of the bar's death (H0: the two rows of the merging
 *    edge); all -1 for an essential class;
 *  - H1 only: a loop of cycle_len rows at cycle_rows[cycle ...]: from the
 *    birth edge's lower row to its higher one, a path of fewest edges
 *    among the edges no longer than the birth (other than the birth edge),
 *    so consecutive rows, and the last with the first (the birth edge),
 *    are edges present at the birth; the
 *    loop is a cycle containing the birth edge once, so it is not a sum of
 *    triangles of the complex before the birth.  cycle is -1 elsewhere.
 *  - H1 and up, finite bars, coefficients mod 2 only: the representative
 *    cocycle, the reduction vector of the bar's column in persistent
 *    cohomology: cocycle_len simplices of dim + 1 rows each (ascending) at
 *    cycle_rows[cocycle ...].  It holds the birth simplex, and its
 *    coboundary vanishes on every simplex of diameter below the death, so
 *    it is a cocycle of the complex just before the death.  cocycle is -1
 *    elsewhere (H0, essential classes, other coefficient fields).
 */
typedef struct TeRipsGenerator
{
	int32_t		birth[TE_RIPS_MAX_DIM + 1];
	int32_t		death[TE_RIPS_MAX_DIM + 2];
	int64_t		cycle;
	int64_t		cycle_len;
	int64_t		cocycle;
	int64_t		cocycle_len;	/* simplices, not rows */
} TeRipsGenerator;

/* the generators of a diagram: gen[i] belongs to the diagram's pairs[i] */
typedef struct TeRipsGenerators
{
	TeRipsGenerator *gen;
	int64_t		n;
	int64_t		capacity;
	int32_t    *cycle_rows;		/* the loops' and the cocycles' rows */
	int64_t		n_cycle_rows;
	int64_t		cycle_capacity;
} TeRipsGenerators;

/* free what te_rips_points put into g, and empty it */
void		te_rips_generators_free(TeEnv *env, TeRipsGenerators *g);

typedef struct TeRipsOptions
{
	int			max_dim;		/* 0..3 */
	double		threshold;		/* NAN (default) = enclosing radius;
								 * INFINITY = none; else a diameter bound */
	int			modulus;		/* prime coefficient field, 2 by default */
	int			collapse;		/* nonzero (default) = edge-collapse when it
								 * pays; 0 = never */
	size_t		memory_limit;	/* bytes; 0 = unlimited; TE_LIMIT if exceeded */
	TeRipsStats *stats;			/* NULL (default) or counters to fill */

	/*
	 * NULL (default), or room for n - 1 edges that te_rips_points fills with
	 * the minimum spanning tree it finds for H0, every edge whatever the
	 * threshold (the points path with max_dim 0 only; elsewhere TE_INVALID).
	 * On success exactly n - 1 edges are written (none for n <= 1).
	 */
	TeRipsTreeEdge *tree;

	/*
	 * NULL (default), or filled by te_rips_points with one generator per
	 * pair of the diagram, in the diagram's order (it need not be
	 * initialised; on failure it is left empty).  te_rips_distances refuses
	 * it (TE_INVALID).  With it the graph is never collapsed, since the
	 * cocycles are of the full complex (a run to H2 takes longer).
	 */
	TeRipsGenerators *generators;

	/*
	 * Entries the working heap of a column reduction holds before the
	 * cofacets of its largest diameters leave it, to come back when the
	 * pivot reaches them (the diagram is the same whatever the value).
	 * 0 (default): 4M entries (48 MB).  Tests set small values to exercise
	 * the cut.  In te_rips_sparse a value below 65,536 is instead the size
	 * from which a full working column is compacted (its pairs of equal
	 * triangles cancelled) before it grows, and the size it starts at.
	 */
	int64_t		heap_budget;

	/*
	 * Threads of the engine's own (0 or 1, the default: the calling thread
	 * only; at most TE_RIPS_MAX_THREADS are used).  They share the distance kernel of
	 * te_rips_points and the nearest-neighbour pass of H0 of points
	 * (max_dim 0), and te_rips_sparse's greedy permutation; the other
	 * phases run on the calling thread.  The
	 * diagram, the tree, the generators and the counters do not depend on
	 * it, bit for bit.  The threads never call the env callbacks: the
	 * calling thread asks env->pending (if set) between pieces of work,
	 * joins them all, and only then calls env->check; none outlives the
	 * call.  H0's extra threads each hold their own candidate lists (about
	 * 530 bytes per point) and are only started while that fits under
	 * memory_limit; BLAS is called from every thread at once, so it must be
	 * thread-safe (OpenBLAS built with threading or USE_LOCKING is).
	 */
	int			threads;
} TeRipsOptions;

/* the defaults: max_dim 1, threshold NAN, modulus 2, collapse on, no limit, no tree, no generators, one thread */
void		te_rips_options_init(TeRipsOptions *o);

/*
 * Persistence of the Rips filtration of n points of dimension dim (row-major
 * doubles) under a metric.  out is overwritten (it need not be initialised);
 * on failure it is left empty.  Statuses: TE_INVALID (bad options or input,
 * env->msg says what and where), TE_LIMIT (memory_limit, or too many points
 * for max_dim >= 1), TE_NOMEM, TE_CANCELLED.
 */
TeStatus	te_rips_points(TeEnv *env, const double *points, int64_t n, int dim,
						   TeMetric metric, const TeRipsOptions *opt, TeDiagram *out);

/*
 * Persistence of a given dissimilarity: the lower triangle in Ripser's order
 * (row i = 1..n-1 holds d(i,0..i-1)), n(n-1)/2 finite values >= 0.
 */
TeStatus	te_rips_distances(TeEnv *env, const double *lower, int64_t n,
							  const TeRipsOptions *opt, TeDiagram *out);

/*
 * Estimated peak working memory in bytes of te_rips_points (dim > 0) or
 * te_rips_distances (dim == 0), not counting the caller's input.  With
 * max_dim 0 this is O(n * dim) (O(n) for distances); above it grows with n^2
 * and with the edges within the threshold.  For a finite threshold the
 * edge-dependent part is unknown beforehand and left out (the run enforces
 * memory_limit on it); NAN (the enclosing radius) or INFINITY count every
 * edge.  SIZE_MAX if the problem cannot be represented at all.
 */
size_t		te_rips_memory_estimate(int64_t n, int dim, int max_dim, double threshold);

/*
 * The same for a run with TeRipsOptions.threads = threads: each thread
 * beyond the first holds its own kernel block, and for H0 of points its
 * own candidate lists (te_rips_memory_estimate is this with 1 thread)
 */
size_t		te_rips_memory_estimate_threads(int64_t n, int dim, int max_dim, double threshold,
											int threads);

/*
 * Sparse Rips persistence (Sheehy 2013; Cavanna, Jahanseir & Sheehy 2015):
 * the flag filtration of a sparse graph built on the greedy permutation of
 * the points, whose diagram is within a multiplicative (1 + epsilon)
 * interleaving of the exact Rips diagram: on log-values the bottleneck
 * distance is at most log(1 + epsilon).  H0 and H1 only (opt->max_dim 0 or
 * 1), over Z/2 (opt->modulus 2), no threshold (NAN or INFINITY), no tree
 * and no generators; opt->memory_limit bounds the working memory (the graph
 * is counted as it is found) and the greedy permutation, O(n), is on the
 * env.  The work is O(n^2 dim) for the permutation and the graph plus the
 * reduction of the graph's flag complex; nothing is n x n.  Vertex numbers
 * are 32-bit: up to TE_RIPS_SPARSE_MAX_POINTS points.
 */
#define TE_RIPS_SPARSE_MAX_POINTS 2000000

typedef struct TeRipsSparseInfo
{
	double		epsilon;		/* the guarantee asked for */
	double		mu;				/* the construction's parameter in (0, 1), in the
								 * base metric (the chord under cosine) */
	int64_t		n_edges;		/* edges of the sparse graph */
} TeRipsSparseInfo;

TeStatus	te_rips_sparse(TeEnv *env, const double *points, int64_t n, int dim,
						   TeMetric metric, double epsilon, const TeRipsOptions *opt,
						   TeRipsSparseInfo *info, TeDiagram *out);

/*
 * Bytes of te_rips_sparse beside the caller's points: the part that does not
 * depend on the graph (fixed) and the bytes per edge of the graph (per_edge);
 * the number of edges is known only once the graph is built
 */
void		te_rips_sparse_memory(int64_t n, int dim, size_t *fixed, size_t *per_edge);

#endif							/* TOPEMBED_RIPS_H */
