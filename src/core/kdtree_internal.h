/*
 * kdtree_internal.h - the 2-d tree of the matching solvers (not public)
 *
 * Used by bottleneck.c and wasserstein.c; defined in kdtree.c.  The caller
 * allocates the arrays of a KdTree (idx and dead for n slots, alive and box
 * for kd_nodes(n) nodes) and fills idx with the point ids before kd_build.
 */
#ifndef TOPEMBED_KDTREE_INTERNAL_H
#define TOPEMBED_KDTREE_INTERNAL_H

#include "topembed/common.h"

/* a node of at most this many slots is a leaf, scanned point by point */
#define KD_LEAF 8

/*
 * A 2-d tree over a segment of point ids, in implicit heap numbering (node 1
 * is the root, covering slots [0, n); a node of more than KD_LEAF slots
 * splits at the middle slot along its wider side).  Each node keeps its
 * bounding box and the number of slots not yet taken, so a query can find
 * and remove one point in a box in O(sqrt n) without visiting taken ones.
 */
typedef struct KdTree
{
	int32_t		n;
	int32_t    *idx;			/* point ids, permuted by the build */
	uint8_t    *dead;			/* per slot: taken */
	int32_t    *alive;			/* per node */
	double	   *box;			/* per node: min x, max x, min y, max y */
} KdTree;

/* node slots needed for a tree of n points (ids stay below 4n/KD_LEAF + 4) */
static inline int64_t
kd_nodes(int64_t n)
{
	return 4 * (n / KD_LEAF) + 8;
}

/* call back for every point within r of (qx, qy), ignoring the alive marks */
typedef struct KdVisit
{
	const double *x;
	const double *y;
	double		qx,
				qy,
				r;
	void		(*fn) (void *arg, int32_t id);
	void	   *arg;
	const int  *stop;			/* the walk ends once *stop is nonzero */
} KdVisit;

/* build a tree over the ids already in t->idx[0..n); nonzero if cancelled */
int			kd_build(KdTree *t, const double *x, const double *y, TeTicker *tk);

/* mark every slot alive again */
void		kd_reset(KdTree *t);

/* take an alive point within r of (qx, qy); -1 if there is none */
int32_t		kd_take(KdTree *t, const double *x, const double *y, double qx, double qy,
					double r);

/*
 * call q->fn for every point of node's subtree (node 1, slots [0, n): the
 * whole tree) within q->r of (q->qx, q->qy), alive or not
 */
void		kd_range_node(const KdTree *t, const KdVisit *q, int64_t node, int32_t lo,
						  int32_t hi);

#endif							/* TOPEMBED_KDTREE_INTERNAL_H */
