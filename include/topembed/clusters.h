/*
 * clusters.h - flat clusters from the single-linkage dendrogram
 *
 * Single linkage merges two clusters at the smallest distance between
 * them, so its dendrogram is the minimum spanning tree of the points: two
 * points share a cluster at scale t exactly when the tree path between them
 * has no edge longer than t (their cophenetic distance is at most t).  The
 * tree is the one the Rips engine finds for H0 (rips.h, TeRipsOptions.tree),
 * so a cut at t has one cluster per H0 bar that dies after t, plus the
 * essential one.
 *
 * Two ways to choose the cut, as scipy.cluster.hierarchy.fcluster's:
 *  - a scale t > 0 (criterion 'distance'): join along tree edges of length
 *    <= t;
 *  - a number of clusters k in 1..n (criterion 'maxclust'): the cut at the
 *    smallest t >= 0 that leaves at most k clusters, which is the (n-k)-th
 *    smallest tree edge (0 for k = n).  When edges of that length tie, the
 *    cut joins them all and leaves fewer than k clusters.
 *
 * Clusters are numbered 1.. by size, largest first; clusters of one size by
 * the smallest id they hold, so the labels depend only on the ids and the
 * partition, never on the order the rows came in.
 */
#ifndef TOPEMBED_CLUSTERS_H
#define TOPEMBED_CLUSTERS_H

#include "topembed/common.h"
#include "topembed/distance.h"
#include "topembed/rips.h"

/* one point's cluster */
typedef struct TeClusterMember
{
	int64_t		id;
	int32_t		cluster;		/* 1 = the largest */
	int64_t		cluster_size;
} TeClusterMember;

/* how to cut: a scale (k = 0) or a number of clusters (k >= 1) */
typedef struct TeClusterCut
{
	double		scale;			/* > 0, with k = 0 */
	int64_t		k;				/* 1..n, or 0 for the scale */
} TeClusterCut;

/* what a cut gave */
typedef struct TeClusterInfo
{
	int64_t		n_clusters;
	double		cut;			/* the scale cut at (for k: the chosen edge length) */
	int			duplicate;		/* TE_INVALID because an id came twice */
	int64_t		duplicate_id;	/* that id */
} TeClusterInfo;

/*
 * The clusters of n points with ids, given the points' minimum spanning
 * tree (n - 1 edges from te_rips_points, any order).  out (n members) comes
 * back ordered by id.  TE_INVALID for a bad cut or a repeated id (info says
 * which), TE_NOMEM, TE_CANCELLED.
 */
TeStatus	te_single_linkage_cut(TeEnv *env, int64_t n, const int64_t *ids,
								  const TeRipsTreeEdge *tree, const TeClusterCut *cut,
								  TeClusterMember *out, TeClusterInfo *info);

/*
 * The clusters of n points (row-major doubles of dimension dim) under a
 * metric: the ids are checked first, then the Rips engine's H0 tree is cut.
 * memory_limit bounds the engine as in TeRipsOptions.  Statuses as
 * te_single_linkage_cut and te_rips_points.
 */
TeStatus	te_clusters_points(TeEnv *env, const double *points, const int64_t *ids,
							   int64_t n, int dim, TeMetric metric, const TeClusterCut *cut,
							   size_t memory_limit, TeClusterMember *out, TeClusterInfo *info);

/*
 * Estimated peak working memory in bytes of te_clusters_points, not counting
 * the caller's input and output; SIZE_MAX if it cannot be represented
 */
size_t		te_clusters_memory_estimate(int64_t n, int dim);

#endif							/* TOPEMBED_CLUSTERS_H */
