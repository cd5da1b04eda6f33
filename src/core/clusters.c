/*
 * clusters.c - flat clusters from the single-linkage dendrogram (clusters.h)
 *
 * The dendrogram is the minimum spanning tree the Rips engine finds for H0
 * (te_rips_points with TeRipsOptions.tree); this file only cuts it: a
 * union-find over the tree edges up to the cut, then the clusters numbered
 * by size and smallest id.  It calls the engine, never the reverse.
 */
#include "topembed/clusters.h"

#include <math.h>
#include <string.h>

/* a row's id and its row number, to order the rows by id */
typedef struct IdRow
{
	int64_t		id;
	int64_t		row;
} IdRow;

/* a cluster before it has its number: its root, size and smallest id */
typedef struct Clus
{
	int64_t		root;
	int64_t		size;
	int64_t		min_id;
} Clus;

/* idrows_sort(): by id, then row */
#define ST_PREFIX idrows
#define ST_ELEMENT_TYPE IdRow
#define ST_LESS(x, y) ((x)->id < (y)->id || ((x)->id == (y)->id && (x)->row < (y)->row))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/* lengths_sort(): edge lengths ascending (never NaN) */
#define ST_PREFIX lengths
#define ST_ELEMENT_TYPE double
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/* clus_sort(): larger clusters first, then by smallest id */
#define ST_PREFIX clus
#define ST_ELEMENT_TYPE Clus
#define ST_LESS(x, y) ((x)->size > (y)->size || ((x)->size == (y)->size && (x)->min_id < (y)->min_id))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/* the root of x, halving the path on the way */
static int64_t
uf_find(int64_t *parent, int64_t x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* TE_INVALID unless the cut is a scale > 0 or a k in 1..n */
static TeStatus
check_cut(TeEnv *env, int64_t n, const TeClusterCut *cut)
{
	if (!cut)
		return te_fail(env, TE_INVALID, "no cut given");
	if (cut->k == 0)
	{
		if (isnan(cut->scale) || !(cut->scale > 0.0))
			return te_fail(env, TE_INVALID, "scale must be a number > 0, not %g", cut->scale);
		return TE_OK;
	}
	if (cut->k < 1 || cut->k > n)
		return te_fail(env, TE_INVALID, "k must be between 1 and the number of points (%lld), not %lld",
					   (long long) n, (long long) cut->k);
	return TE_OK;
}

/*
 * The rows in id order, into *order (n entries from the env); TE_INVALID
 * with info->duplicate set when an id comes twice
 */
static TeStatus
ids_in_order(TeEnv *env, TeTicker *tk, const int64_t *ids, int64_t n, IdRow **order,
			 TeClusterInfo *info)
{
	IdRow	   *o;
	int64_t		i;
	TeStatus	st;

	*order = NULL;
	o = te_alloc_array(env, (size_t) (n > 0 ? n : 1), sizeof(IdRow));
	if (!o)
		return te_fail(env, TE_NOMEM, "out of memory ordering %lld ids", (long long) n);
	for (i = 0; i < n; i++)
	{
		o[i].id = ids[i];
		o[i].row = i;
	}
	if ((st = idrows_sort(tk, o, n)) != TE_OK)
	{
		te_free(env, o);
		return st;
	}
	for (i = 1; i < n; i++)
		if (o[i].id == o[i - 1].id)
		{
			info->duplicate = 1;
			info->duplicate_id = o[i].id;
			te_free(env, o);
			return te_fail(env, TE_INVALID, "id %lld occurs more than once",
						   (long long) info->duplicate_id);
		}
	*order = o;
	return TE_OK;
}

/* the scale a cut stands for: the scale itself, or the k-th cut's edge length */
static TeStatus
cut_scale(TeEnv *env, TeTicker *tk, int64_t n, const TeRipsTreeEdge *tree,
		  const TeClusterCut *cut, double *t)
{
	double	   *len;
	int64_t		i;
	TeStatus	st;

	if (cut->k == 0)
	{
		*t = cut->scale;
		return TE_OK;
	}
	/* k = n: nothing but distance 0 joins */
	if (cut->k >= n)
	{
		*t = 0.0;
		return TE_OK;
	}
	len = te_alloc_array(env, (size_t) (n - 1), sizeof(double));
	if (!len)
		return te_fail(env, TE_NOMEM, "out of memory sorting %lld edges", (long long) (n - 1));
	for (i = 0; i < n - 1; i++)
		len[i] = tree[i].length;
	st = lengths_sort(tk, len, n - 1);
	/* each of the n - k shortest edges joins two clusters */
	if (st == TE_OK)
		*t = len[n - cut->k - 1];
	te_free(env, len);
	return st;
}

/*
 * Cut the tree at t and number the clusters (order holds the rows by id):
 * the union-find, the table of clusters, their numbers, then the output
 */
static TeStatus
cut_tree(TeEnv *env, TeTicker *tk, int64_t n, const IdRow *order, const TeRipsTreeEdge *tree,
		 double t, TeClusterMember *out, TeClusterInfo *info)
{
	int64_t    *parent,
			   *size,
			   *label,
				i,
				nc = 0;
	Clus	   *cl;
	TeStatus	st = TE_OK;

	parent = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	size = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	label = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	cl = te_alloc_array(env, (size_t) n, sizeof(Clus));
	if (!parent || !size || !label || !cl)
	{
		st = te_fail(env, TE_NOMEM, "out of memory cutting the tree of %lld points", (long long) n);
		goto done;
	}
	for (i = 0; i < n; i++)
	{
		parent[i] = i;
		size[i] = 1;
		label[i] = -1;
	}
	/* join along every edge up to the cut, the smaller tree under the larger */
	for (i = 0; i < n - 1; i++)
	{
		int64_t		a,
					b;

		if (!(tree[i].length <= t))
			continue;
		a = uf_find(parent, tree[i].a);
		b = uf_find(parent, tree[i].b);
		if (a != b)
		{
			if (size[a] < size[b])
			{
				int64_t		x = a;

				a = b;
				b = x;
			}
			parent[b] = a;
			size[a] += size[b];
		}
		if ((i & 4095) == 0 && (st = te_tick(tk, 4096 * 8)) != TE_OK)
			goto done;
	}
	/* one entry per cluster, met in id order, so the first id met is the smallest */
	for (i = 0; i < n; i++)
	{
		int64_t		r = uf_find(parent, order[i].row);

		if (label[r] < 0)
		{
			label[r] = nc;
			cl[nc].root = r;
			cl[nc].size = size[r];
			cl[nc].min_id = order[i].id;
			nc++;
		}
		if ((i & 4095) == 0 && (st = te_tick(tk, 4096 * 8)) != TE_OK)
			goto done;
	}
	if ((st = clus_sort(tk, cl, nc)) != TE_OK)
		goto done;
	for (i = 0; i < nc; i++)
		label[cl[i].root] = i + 1;
	for (i = 0; i < n; i++)
	{
		int64_t		r = uf_find(parent, order[i].row);

		out[i].id = order[i].id;
		out[i].cluster = (int32_t) label[r];
		out[i].cluster_size = size[r];
	}
	info->n_clusters = nc;
	info->cut = t;
done:
	te_free(env, parent);
	te_free(env, size);
	te_free(env, label);
	te_free(env, cl);
	return st;
}

/* the clusters of a given tree: see clusters.h */
TeStatus
te_single_linkage_cut(TeEnv *env, int64_t n, const int64_t *ids, const TeRipsTreeEdge *tree,
					  const TeClusterCut *cut, TeClusterMember *out, TeClusterInfo *info)
{
	TeClusterInfo dummy;
	TeTicker	tk;
	IdRow	   *order = NULL;
	double		t = 0.0;
	int64_t		i;
	TeStatus	st;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->cut = NAN;
	if (n < 0 || (n > 0 && (!ids || !out || (n > 1 && !tree))))
		return te_fail(env, TE_INVALID, "need n >= 0 points with ids and their tree");
	if (n > INT32_MAX)
		return te_fail(env, TE_LIMIT, "at most %d points, not %lld", INT32_MAX, (long long) n);
	if ((st = check_cut(env, n, cut)) != TE_OK)
		return st;
	for (i = 0; i < n - 1; i++)
		if (tree[i].a < 0 || tree[i].a >= n || tree[i].b < 0 || tree[i].b >= n ||
			isnan(tree[i].length) || tree[i].length < 0.0)
			return te_fail(env, TE_INVALID, "tree edge %lld is not an edge of %lld points",
						   (long long) i + 1, (long long) n);
	if (n == 0)
		return TE_OK;
	te_ticker_init(&tk, env);
	if ((st = ids_in_order(env, &tk, ids, n, &order, info)) != TE_OK)
		return st;
	if ((st = cut_scale(env, &tk, n, tree, cut, &t)) == TE_OK)
		st = cut_tree(env, &tk, n, order, tree, t, out, info);
	te_free(env, order);
	return st;
}

/* the clusters of a point cloud: see clusters.h */
TeStatus
te_clusters_points(TeEnv *env, const double *points, const int64_t *ids, int64_t n, int dim,
				   TeMetric metric, const TeClusterCut *cut, size_t memory_limit,
				   TeClusterMember *out, TeClusterInfo *info)
{
	TeClusterInfo dummy;
	TeRipsOptions opt;
	TeRipsTreeEdge *tree;
	TeDiagram	d;
	TeTicker	tk;
	IdRow	   *order = NULL;
	double		t = 0.0;
	TeStatus	st;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->cut = NAN;
	if (n < 0 || (n > 0 && (!points || !ids || !out || dim < 1)))
		return te_fail(env, TE_INVALID, "need n >= 0 points of dimension >= 1 with ids");
	if (n > INT32_MAX)
		return te_fail(env, TE_LIMIT, "at most %d points, not %lld", INT32_MAX, (long long) n);
	if ((st = check_cut(env, n, cut)) != TE_OK)
		return st;
	if (n == 0)
		return TE_OK;
	te_ticker_init(&tk, env);
	/* the ids first: a repeated one is refused before the expensive part */
	if ((st = ids_in_order(env, &tk, ids, n, &order, info)) != TE_OK)
		return st;
	tree = te_alloc_array(env, (size_t) n, sizeof(TeRipsTreeEdge));
	if (!tree)
	{
		te_free(env, order);
		return te_fail(env, TE_NOMEM, "out of memory for the tree of %lld points", (long long) n);
	}
	te_rips_options_init(&opt);
	opt.max_dim = 0;
	opt.threshold = INFINITY;
	opt.memory_limit = memory_limit;
	opt.tree = tree;
	memset(&d, 0, sizeof(d));
	st = te_rips_points(env, points, n, dim, metric, &opt, &d);
	te_diagram_free(env, &d);
	if (st == TE_OK)
		st = cut_scale(env, &tk, n, tree, cut, &t);
	if (st == TE_OK)
		st = cut_tree(env, &tk, n, order, tree, t, out, info);
	te_free(env, tree);
	te_free(env, order);
	return st;
}

/*
 * The tree, the id order and the cut's tables per point (about 110 bytes),
 * on top of what the engine needs for H0
 */
#define CLUSTERS_MEM_PER_POINT 112.0

/* the expected peak of working memory: see clusters.h */
size_t
te_clusters_memory_estimate(int64_t n, int dim)
{
	size_t		e = te_rips_memory_estimate(n, dim, 0, INFINITY);
	double		extra = (double) (n > 0 ? n : 0) * CLUSTERS_MEM_PER_POINT;

	if (e == SIZE_MAX || (double) e + extra >= (double) SIZE_MAX)
		return SIZE_MAX;
	return e + (size_t) extra;
}
