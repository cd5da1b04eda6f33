/*
 * diagram.h - summaries of persistence diagrams and exact distances between them
 *
 * A diagram is an array of TePersPair (pair.h).  Every function takes the
 * whole array and a homology dimension dim; bars of other dimensions are
 * ignored, so one array can hold H0, H1 and H2 together.
 *
 * Valid input (checked on every pair, whatever its dimension):
 *   - n >= 0, and pairs may be NULL only when n == 0;
 *   - 0 <= dim <= TE_PAIR_MAX_DIM (pair.h) for the argument and for every
 *     pair;
 *   - birth is finite (not NaN, not +-inf);
 *   - death is not NaN, and birth <= death; death = +INFINITY marks an
 *     essential class.
 * Anything else is TE_INVALID with env->msg naming the offending pair.
 * Bars with birth == death (on the diagonal) are allowed everywhere.
 *
 * Conventions (the references are GUDHI 3.7 and Bubenik 2015):
 *
 *  Betti numbers   beta_k(r) = #{bars of dim k : birth <= r < death}: a bar
 *                  is alive on the half-open interval [birth, death).  This is
 *                  GUDHI's persistent_betti_numbers(r, r) and what
 *                  gudhi.representations.BettiCurve(predefined_grid=...) gives.
 *                  Essential bars count for every r >= birth.  r = +inf gives 0.
 *  Entropy         over the finite bars of dim with lengths l_i = death - birth:
 *                  p_i = l_i / sum l,  E = -sum p_i ln p_i  (natural log), with
 *                  0 ln 0 = 0.  This is gudhi.representations.Entropy(
 *                  mode="scalar") (which returns NaN when some l_i = 0, where we
 *                  return the limit) and giotto-tda's PersistenceEntropy
 *                  (base e, zero-length bars dropped by nan_to_num).
 *                  Essential bars are excluded.  No finite bar, or all lengths
 *                  zero: *defined = 0 (SQL NULL) and *out = 0.
 *  Total pers.     sum over finite bars of (death - birth)^p, p > 0 finite;
 *                  essential bars excluded and counted in *n_essential.  An
 *                  empty diagram gives 0; a sum beyond DBL_MAX gives +inf.
 *  Landscape       Bubenik 2015: lambda_j(t) = j-th largest value of the tents
 *                  max(0, min(t - birth, death - t)) over the bars of dim, 0
 *                  when fewer than j tents are positive.  An essential bar is
 *                  the limit death -> inf of its tent, max(0, t - birth), which
 *                  is Bubenik's definition through the rank function
 *                  (sup{h >= 0 : beta^{t-h, t+h} >= j}).
 *                  gudhi.representations.Landscape samples the same functions
 *                  on its grid_ but in rotated coordinates: its values are
 *                  sqrt(2) times ours.  Its default grid is
 *                  linspace(min birth, max death, resolution + 2)[1:-1];
 *                  ours is any grid the caller gives.
 *  Distances       the L-infinity ground metric of GUDHI and Hera:
 *                  c(x, y) = max(|bx - by|, |dx - dy|), and a point may be
 *                  matched to the diagonal at cost (death - birth) / 2.
 *                  Essential bars are matched only to essential bars, birth to
 *                  birth: different numbers of them give +INFINITY; equal
 *                  numbers are matched in sorted order of births (optimal in
 *                  one dimension for every p >= 1 and for the bottleneck).
 *                  bottleneck = max(finite part, essential part);
 *                  W_p = (finite part^p + sum |b_i - b'_i|^p)^(1/p).
 *                  Two empty diagrams are at distance 0.  Results agree with
 *                  gudhi.bottleneck_distance(a, b, e=0) and with
 *                  gudhi.wasserstein.wasserstein_distance(a, b, order=p,
 *                  internal_p=inf) (POT, exact once it converges) to 1e-9.
 *  Matchings       the matching behind a distance (te_*_matching): one row
 *                  per bar of dim of a (in the order of a), then one per bar
 *                  of dim of b left unmatched (in the order of b), each with
 *                  its cost c(x, y), or (death - birth) / 2 for a bar sent to
 *                  the diagonal.  Essential bars are paired as above, the
 *                  k-th smallest birth of a with the k-th of b; when the
 *                  counts differ the surplus ones (the latest births of the
 *                  larger set) go to the diagonal at cost +INFINITY, and the
 *                  finite bars keep their optimal matching.  So the largest
 *                  cost is the bottleneck distance and (sum cost^p)^(1/p)
 *                  the Wasserstein distance.
 */
#ifndef TOPEMBED_DIAGRAM_H
#define TOPEMBED_DIAGRAM_H

#include "topembed/common.h"
#include "topembed/pair.h"

/*
 * Every function allocates through env only and calls te_check(env) in its
 * long loops (every loop over the bars or the grid is paced by the work it
 * does, so a cancel is seen within milliseconds even on 10^7 bars); on
 * TE_CANCELLED or TE_NOMEM it has released all it allocated.
 */

/*
 * A persistence diagram: pairs allocated through the env; zero-length pairs
 * (birth == death) are left out; sorted by (dim, birth, death).  The Rips
 * engine (rips.h) produces them.
 */
typedef struct TeDiagram
{
	TePersPair *pairs;
	int64_t		n_pairs;
	int64_t		capacity;
} TeDiagram;

/* free the pairs of a diagram and leave it empty */
void		te_diagram_free(TeEnv *env, TeDiagram *d);

/* number of bars of one dimension, and of those essential (death infinite) */
int64_t		te_diagram_count(const TeDiagram *d, int dim, int64_t *n_essential);

/* TE_OK if every pair is valid (see above), else TE_INVALID naming the first bad one */
TeStatus	te_diagram_validate(TeEnv *env, const TePersPair *pairs, int64_t n);

/*
 * Betti numbers at scale r: betti[k] for k = 0 .. max_dim_out (the array has
 * max_dim_out + 1 entries); bars of higher dimension are ignored.  r may be
 * +-inf but not NaN.
 */
TeStatus	te_betti_numbers(TeEnv *env, const TePersPair *pairs, int64_t n, double r,
							 int *betti, int max_dim_out);

/*
 * Betti curve of dimension dim: out[i] = beta_dim(grid[i]) for i < m.  The
 * grid need not be sorted; its values may be +-inf but not NaN.
 * O((n + m) log n).
 */
TeStatus	te_betti_curve(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
						   const double *grid, int m, int64_t *out);

/* persistence entropy of the finite bars of dim; *defined = 0 when it has none */
TeStatus	te_persistence_entropy(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
								   double *out, int *defined);

/*
 * total persistence sum (death - birth)^p over the finite bars of dim;
 * n_essential (may be NULL) receives the number of essential bars left out
 */
TeStatus	te_total_persistence(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
								 double p, double *out, int64_t *n_essential);

/*
 * The SQL face's bounds on a landscape's size (topembed.limits() reports
 * them): the most functions lambda_1..lambda_k, and the most values k * m
 * of the k x m result (10^8 doubles, 800 MB, below PostgreSQL's 1 GB array
 * limit)
 */
#define TE_LANDSCAPE_MAX_K 10000
#define TE_LANDSCAPE_MAX_VALUES 100000000

/*
 * Persistence landscape: out[j * m + i] = lambda_{j+1}(grid[i]) for j < k,
 * i < m (k x m, row-major).  k >= 1, m >= 0; grid values not NaN.
 * O(m (n + k log k)) time, n doubles of scratch.
 */
TeStatus	te_persistence_landscape(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
									 int k, const double *grid, int m, double *out);

/*
 * Persistence image (Adams et al. 2017, JMLR 18) of the finite bars of dim,
 * in (birth, persistence = death - birth) coordinates, sampled the way
 * gudhi.representations.PersistenceImage does (3.7): for row r < rows and
 * column c < cols
 *
 *   out[r * cols + c] = sum_j w_j exp(-((b_j - x_c)^2 + (p_j - y_r)^2)
 *                                     / (2 sigma^2)) / (2 pi sigma^2)
 *
 * with x_c = linspace(bounds[0], bounds[1], cols)[c] (births) and
 * y_r = linspace(bounds[2], bounds[3], rows)[r] (persistences), as numpy's
 * linspace computes them (lo + i * (hi - lo) / (n - 1), the last one hi;
 * one point is lo).  The Gaussian is evaluated at the grid points, not
 * integrated over pixels.  w_j = p_j (TE_IMAGE_LINEAR) or 1
 * (TE_IMAGE_CONSTANT).  Essential bars are left out (GUDHI's
 * DiagramSelector(point_type="finite")).
 *   bounds: {birth min, birth max, persistence min, persistence max}, finite,
 *           min <= max; NULL takes them from the finite bars of dim (the
 *           extremes of their births and persistences, as PersistenceImage's
 *           fit does).
 *   sigma:  NULL derives it: the larger pixel spacing (hi - lo) / (n - 1) of
 *           the two axes (an axis of one point counts 0), or 1 (GUDHI's
 *           default bandwidth) when both are 0.  Given, it must lie in
 *           [TE_IMAGE_MIN_SIGMA, TE_IMAGE_MAX_SIGMA] (so 2 pi sigma^2 is a
 *           normal double).
 * No finite bar gives an image of zeros.  *sigma_used (may be NULL)
 * receives the sigma used.  rows, cols >= 1 and rows * cols <=
 * TE_IMAGE_MAX_VALUES.  O(n (rows + cols)) exponentials and at most
 * O(n rows cols) multiply-adds (pixels where a factor underflows to 0 are
 * skipped, exactly).
 */
typedef enum TeImageWeight
{
	TE_IMAGE_LINEAR,			/* w = death - birth */
	TE_IMAGE_CONSTANT			/* w = 1 */
} TeImageWeight;

/* the most pixels of one persistence image (800 MB of doubles) */
#define TE_IMAGE_MAX_VALUES 100000000
#define TE_IMAGE_MIN_SIGMA 1e-150
#define TE_IMAGE_MAX_SIGMA 1e150

TeStatus	te_persistence_image(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
								 int rows, int cols, const double *sigma, TeImageWeight weight,
								 const double *bounds, double *out, double *sigma_used);

/*
 * Power-weighted silhouette (Chazal, Fasy, Lecci, Rinaldo, Wasserman 2014)
 * of the finite bars of dim on a grid:
 *
 *   out[i] = sum_j w_j L_j(grid[i]) / sum_j w_j,  w_j = (d_j - b_j)^p,
 *   L_j(t) = max(0, min(t - b_j, d_j - t))       (the landscape's tents)
 *
 * p >= 0 finite (p = 0: the mean tent; 0^0 = 1).  Essential bars are left
 * out (their weight would be infinite).  No finite bar of positive length
 * gives zeros.  gudhi.representations.Silhouette(weight=lambda x:
 * (x[1] - x[0])**p) samples the same function in rotated coordinates: its
 * values are sqrt(2) times these.  Grid values not NaN (+-inf give 0).
 * O(n m).
 */
TeStatus	te_persistence_silhouette(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
									  double p, const double *grid, int m, double *out);

/*
 * One row of a matching: the positions (0-based) of a bar of a and of b in
 * their arrays, -1 for the diagonal (never both), and the cost of the row
 */
typedef struct TeMatchRow
{
	int64_t		ia;
	int64_t		ib;
	double		cost;
} TeMatchRow;

/* a matching of two diagrams' dim parts (see Matchings above), allocated through the env */
typedef struct TeMatching
{
	TeMatchRow *rows;
	int64_t		n_rows;
} TeMatching;

/* free the rows of a matching and leave it empty */
void		te_matching_free(TeEnv *env, TeMatching *m);

/*
 * The most cells (bars of a times bars of b) of the table that the
 * matching of diagrams whose finite bars share one birth keeps (2 bits a
 * cell, so 1 GiB); the distance alone needs no table
 */
#define TE_MATCHING_MAX_LINE_CELLS ((int64_t) 1 << 32)

/*
 * Exact bottleneck distance between the dim parts of a and b (see above).
 * Binary search over the candidate values (pairwise coordinate differences
 * and half-persistences, sampled at random without being listed) with a
 * Hopcroft-Karp decision procedure whose neighbour search runs on k-d trees.
 */
TeStatus	te_bottleneck_distance(TeEnv *env, const TePersPair *a, int64_t na,
								   const TePersPair *b, int64_t nb, int dim, double *out);

/*
 * te_bottleneck_distance with the matching it found: *out is the same
 * value, and m (may be NULL: then this is te_bottleneck_distance) receives
 * a matching whose largest cost is exactly *out.  Bottleneck matchings are
 * rarely unique; this one pairs every bar whose (death - birth) / 2 exceeds
 * the finite part's distance with a bar within it, and sends the rest to
 * the diagonal unless the search paired them.  On an error m is left empty.
 */
TeStatus	te_bottleneck_matching(TeEnv *env, const TePersPair *a, int64_t na,
								   const TePersPair *b, int64_t nb, int dim, double *out,
								   TeMatching *m);

/*
 * Exact p-Wasserstein distance (p >= 1; p = INFINITY gives the bottleneck
 * distance) between the dim parts of a and b, L-infinity ground metric.
 * An exact min-cost assignment: the rows are the finite points of the
 * smaller diagram, the columns the other diagram's points plus one private
 * diagonal slot per row; the edge x-y is kept only when
 * c(x, y)^p < diag(x)^p + diag(y)^p (otherwise sending both to the diagonal
 * is at least as good).  Solved by shortest augmenting paths (Dijkstra with
 * Jonker-Volgenant potentials) on each row's 40 nearest kept edges, then the
 * potentials are checked on every kept edge and violated edges added until
 * the check proves optimality (after 8 rounds all kept edges are added, so
 * the work is bounded).  Memory: 160 bytes per row plus 4 per added edge.
 * When all finite points share one birth (Rips H0) an O(na nb) dynamic
 * programme over sorted deaths is used instead.  Costs are computed in units
 * of the bottleneck distance B (computed first): the optimal cost W_p^p / B^p
 * then lies in [1, N] for N points, so no term that matters underflows, and
 * terms above 2N + 2 (which no optimal matching uses) are capped or left
 * out, so nothing overflows, for every p >= 1.
 * Timing (bench/README.md): two 5,000-point diagrams 0.1-2.5 s; two random
 * 20,000-point diagrams 19 s for W1 (bottleneck: 0.9 s).  Growth is roughly
 * quadratic, so beyond ~20,000 points the exact method becomes slow.
 */
TeStatus	te_wasserstein_distance(TeEnv *env, const TePersPair *a, int64_t na,
									const TePersPair *b, int64_t nb, int dim, double p,
									double *out);

/*
 * te_wasserstein_distance with the optimal matching it found: *out is the
 * same value, and m (may be NULL: then this is te_wasserstein_distance)
 * receives the matching, whose (sum cost^p)^(1/p) is *out to rounding.
 * p = INFINITY gives te_bottleneck_matching.  When every finite bar has the
 * same birth, the dynamic programme keeps 2 bits per pair of finite bars to
 * recover its matching (TE_LIMIT beyond TE_MATCHING_MAX_LINE_CELLS pairs).
 * On an error m is left empty.
 */
TeStatus	te_wasserstein_matching(TeEnv *env, const TePersPair *a, int64_t na,
									const TePersPair *b, int64_t nb, int dim, double p,
									double *out, TeMatching *m);

#endif							/* TOPEMBED_DIAGRAM_H */
