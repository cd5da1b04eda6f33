/*
 * test_clusters.c - unit tests of the H0 spanning tree output and the
 * single-linkage cuts (clusters.c)
 *
 * The tree te_rips_points hands out is checked against its own diagram
 * (the same lengths as the H0 deaths) and for spanning; the cuts against a
 * brute-force union of every pair within the scale; bad input, and an
 * interruption at every interrupt check with a leak check.  1100 points
 * make two column blocks of the tree's kernel (COL_BLOCK 1024).
 */
#include "topembed/clusters.h"
#include "topembed/rips.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* n points of dim in a few blobs, so that cuts have structure */
static double *
blob_points(int64_t n, int dim)
{
	double	   *x = malloc(sizeof(double) * (size_t) (n * dim));
	int64_t		i;
	int			k;

	for (i = 0; i < n; i++)
		for (k = 0; k < dim; k++)
			x[i * dim + k] = (double) ((i % 5) * (k == (int) (i % 5) % dim)) * 3.0 + unit_urand();
	return x;
}

/* the root of x */
static int64_t
find(int64_t *p, int64_t x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

/* ascending doubles for qsort (the test may use libc) */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* the tree: n-1 edges that span, lengths equal to the H0 deaths */
static void
test_tree(void)
{
	int64_t		n = 1100,
				i,
				comps;
	int			dim = 6;
	double	   *x = blob_points(n, dim);
	TeRipsTreeEdge *tree = malloc(sizeof(TeRipsTreeEdge) * (size_t) n);
	int64_t    *par = malloc(sizeof(int64_t) * (size_t) n);
	double	   *len = malloc(sizeof(double) * (size_t) n);
	double	   *deaths = malloc(sizeof(double) * (size_t) n);
	TeRipsOptions o;
	TeDiagram	d;
	TeEnv		env;
	TeStatus	st;
	int64_t		nd = 0;
	int			same = 1;

	te_env_init_malloc(&env);
	te_rips_options_init(&o);
	o.max_dim = 0;
	o.tree = tree;
	st = te_rips_points(&env, x, n, dim, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_OK, "te_rips_points with a tree output: %s", te_status_name(st));
	for (i = 0; i < n; i++)
		par[i] = i;
	comps = n;
	for (i = 0; i < n - 1; i++)
	{
		int64_t		a = find(par, tree[i].a),
					b = find(par, tree[i].b);

		if (a != b)
		{
			par[a] = b;
			comps--;
		}
		len[i] = tree[i].length;
	}
	unit_ok(comps == 1, "the n-1 tree edges span the %lld points (%lld components)",
			(long long) n, (long long) comps);
	for (i = 0; i < d.n_pairs; i++)
		if (isfinite(d.pairs[i].death))
			deaths[nd++] = d.pairs[i].death;
	qsort(len, (size_t) (n - 1), sizeof(double), cmp_double);
	qsort(deaths, (size_t) nd, sizeof(double), cmp_double);
	/* zero-length bars are left out of the diagram; these points have none */
	same = nd == n - 1;
	for (i = 0; same && i < nd; i++)
		same = len[i] == deaths[i];
	unit_ok(same, "the tree's lengths are exactly the finite H0 deaths (%lld of them)", (long long) nd);
	te_diagram_free(&env, &d);
	o.max_dim = 1;
	st = te_rips_points(&env, x, 50, dim, TE_METRIC_EUCLIDEAN, &o, &d);
	unit_ok(st == TE_INVALID, "a tree output with max_dim 1 is refused");
	free(x);
	free(tree);
	free(par);
	free(len);
	free(deaths);
}

/* cuts against a brute-force union of every pair within the scale */
static void
test_cuts(void)
{
	int64_t		n = 400,
				i,
				j;
	int			dim = 5,
				s,
				bad = 0;
	double	   *x = blob_points(n, dim);
	int64_t    *ids = malloc(sizeof(int64_t) * (size_t) n);
	int64_t    *par = malloc(sizeof(int64_t) * (size_t) n);
	int64_t    *row_of = malloc(sizeof(int64_t) * (size_t) n);
	TeClusterMember *out = malloc(sizeof(TeClusterMember) * (size_t) n);
	double		scales[] = {0.35, 0.6, 0.9, 1.5, 3.0};
	TeClusterInfo info;
	TeClusterCut cut;
	TeEnv		env;
	TeStatus	st;

	te_env_init_malloc(&env);
	/* ids in another order than the rows: row i has id (i * 7) % n */
	for (i = 0; i < n; i++)
	{
		ids[i] = (i * 7) % n;
		row_of[ids[i]] = i;
	}
	for (s = 0; s < 5; s++)
	{
		int64_t		nc = 0,
					prev_size = INT64_MAX;

		for (i = 0; i < n; i++)
			par[i] = i;
		for (i = 0; i < n; i++)
			for (j = 0; j < i; j++)
			{
				double		d2 = 0.0;
				int			k;

				for (k = 0; k < dim; k++)
					d2 += (x[i * dim + k] - x[j * dim + k]) * (x[i * dim + k] - x[j * dim + k]);
				if (sqrt(d2) <= scales[s])
				{
					int64_t		a = find(par, i),
								b = find(par, j);

					if (a != b)
						par[a] = b;
				}
			}
		cut.scale = scales[s];
		cut.k = 0;
		st = te_clusters_points(&env, x, ids, n, dim, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info);
		if (st != TE_OK)
		{
			bad++;
			continue;
		}
		/* same cluster <=> same brute-force root; labels by size, ids ordered */
		for (i = 0; i < n; i++)
		{
			if (out[i].id != i)
				bad++;
			for (j = 0; j < i; j += 7)
				if ((out[i].cluster == out[j].cluster) !=
					(find(par, row_of[i]) == find(par, row_of[j])))
					bad++;
			if (out[i].cluster > nc)
				nc = out[i].cluster;
		}
		for (i = 1; i <= nc; i++)
		{
			int64_t		size = 0;

			for (j = 0; j < n; j++)
				if (out[j].cluster == i)
					size++;
			if (size > prev_size)
				bad++;
			prev_size = size;
		}
		if (nc != info.n_clusters)
			bad++;
		/* the k form at the count this scale gave is the same partition */
		cut.k = nc;
		{
			TeClusterMember *o2 = malloc(sizeof(TeClusterMember) * (size_t) n);

			st = te_clusters_points(&env, x, ids, n, dim, TE_METRIC_EUCLIDEAN, &cut, 0, o2, &info);
			if (st != TE_OK || info.n_clusters != nc)
				bad++;
			for (i = 0; st == TE_OK && i < n; i++)
				if (o2[i].id != out[i].id || o2[i].cluster != out[i].cluster ||
					o2[i].cluster_size != out[i].cluster_size)
				{
					bad++;
					break;
				}
			free(o2);
		}
	}
	unit_ok(bad == 0, "cuts at 5 scales equal the brute-force components, numbered by size; "
			"the k form at the same count gives the same labels (%d mismatches)", bad);
	free(x);
	free(ids);
	free(par);
	free(row_of);
	free(out);
}

/* bad input is refused with TE_INVALID and says why */
static void
test_bad_input(void)
{
	double		x[] = {0, 0, 1, 0, 5, 0};
	int64_t		ids[] = {3, 9, 3};
	int64_t		ok_ids[] = {3, 9, 4};
	TeClusterMember out[3];
	TeClusterInfo info;
	TeClusterCut cut = {0.0, 0};
	TeEnv		env;

	te_env_init_malloc(&env);
	cut.scale = 1.0;
	unit_ok(te_clusters_points(&env, x, ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_INVALID &&
			info.duplicate && info.duplicate_id == 3, "a repeated id is refused and named");
	cut.scale = 0.0;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_INVALID,
			"scale 0 is refused: %s", env.msg);
	cut.scale = NAN;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_INVALID,
			"scale NaN is refused");
	cut.k = 4;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_INVALID,
			"k above n is refused: %s", env.msg);
	cut.k = -1;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_INVALID,
			"k below 1 is refused");
	cut.k = 3;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_OK &&
			info.n_clusters == 3 && out[0].id == 3 && out[0].cluster == 1 && out[2].cluster == 3,
			"k = n: singletons numbered by id");
	cut.k = 2;
	unit_ok(te_clusters_points(&env, x, ok_ids, 3, 2, TE_METRIC_EUCLIDEAN, &cut, 0, out, &info) == TE_OK &&
			info.n_clusters == 2 && info.cut == 1.0 && out[0].cluster == 1 && out[1].cluster == 2 &&
			out[2].cluster == 1 && out[0].cluster_size == 2,
			"k = 2 cuts at the shortest edge: ids 3 and 4 together, 9 alone");
}

/* cancelled at every interrupt check: TE_CANCELLED, nothing left allocated */
static void
test_cancellation(void)
{
	int64_t		n = 1100,
				i,
				trips = 0,
				leaks = 0,
				wrong = 0,
				total;
	int			dim = 4;
	double	   *x = blob_points(n, dim);
	int64_t    *ids = malloc(sizeof(int64_t) * (size_t) n);
	TeClusterMember *out = malloc(sizeof(TeClusterMember) * (size_t) n);
	TeClusterCut cut = {0.0, 3};
	UnitCounter		c;
	TeEnv		env;
	TeStatus	st;

	for (i = 0; i < n; i++)
		ids[i] = n - i;
	unit_env_counting(&env, &c, -1);
	st = te_clusters_points(&env, x, ids, n, dim, TE_METRIC_COSINE, &cut, 0, out, NULL);
	total = c.checks;
	unit_ok(st == TE_OK && c.live_blocks == 0 && total > 0,
			"clusters_k of %lld points: %lld interrupt checks, nothing left allocated",
			(long long) n, (long long) total);
	for (i = 0; i < total; i++)
	{
		unit_env_counting(&env, &c, i);
		st = te_clusters_points(&env, x, ids, n, dim, TE_METRIC_COSINE, &cut, 0, out, NULL);
		trips++;
		if (st != TE_CANCELLED)
			wrong++;
		if (c.live_blocks != 0)
			leaks++;
	}
	unit_ok(wrong == 0 && leaks == 0, "cancelled at each of the %lld checks: TE_CANCELLED every time, "
			"no block left (%lld wrong, %lld leaking)", (long long) trips, (long long) wrong,
			(long long) leaks);
	free(x);
	free(ids);
	free(out);
}

int
main(void)
{
	test_tree();
	test_cuts();
	test_bad_input();
	test_cancellation();
	return unit_done();
}
