/*
 * projection.c - how much structure survives a PCA projection (projection.h)
 *
 * It composes the other parts of the core and adds only the neighbour
 * ranks: the PCA comes from a moments sketch of the points and te_pca_basis,
 * the diagrams from te_rips_points, their distances from
 * te_bottleneck_distance.  The ranks are taken one point at a time, so
 * they need O(n) memory beside the projections, never an n x n matrix.
 */
#include "topembed/projection.h"

#include <math.h>
#include <string.h>

#include "topembed/diagram.h"
#include "topembed/moments.h"
#include "topembed/rips.h"
#include "topembed/spectrum.h"

/* a distance from the current point and the row it leads to */
typedef struct RankedRow
{
	double		d;
	int64_t		j;
} RankedRow;

/* ranked_sort(): nearer first, equal distances by row number */
#define ST_PREFIX ranked
#define ST_ELEMENT_TYPE RankedRow
#define ST_LESS(x, y) ((x)->d < (y)->d || ((x)->d == (y)->d && (x)->j < (y)->j))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/*
 * sum (x - y)^2 over n values, in four interleaved partial sums so that the
 * compiler can keep them in vector registers (only the ranks of these
 * values are used, and they do not depend on the summation order beyond
 * rounding)
 */
static inline double
sq_dist(const double *x, const double *y, int n)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;
	int			a = 0;

	for (; a + 4 <= n; a += 4)
	{
		double		d0 = x[a] - y[a],
					d1 = x[a + 1] - y[a + 1],
					d2 = x[a + 2] - y[a + 2],
					d3 = x[a + 3] - y[a + 3];

		s0 += d0 * d0;
		s1 += d1 * d1;
		s2 += d2 * d2;
		s3 += d3 * d3;
	}
	for (; a < n; a++)
		s0 += (x[a] - y[a]) * (x[a] - y[a]);
	return (s0 + s1) + (s2 + s3);
}

/* sum x y over n values, in four partial sums as sq_dist */
static inline double
dot(const double *x, const double *y, int n)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;
	int			a = 0;

	for (; a + 4 <= n; a += 4)
	{
		s0 += x[a] * y[a];
		s1 += x[a + 1] * y[a + 1];
		s2 += x[a + 2] * y[a + 2];
		s3 += x[a + 3] * y[a + 3];
	}
	for (; a < n; a++)
		s0 += x[a] * y[a];
	return (s0 + s1) + (s2 + s3);
}

/* the largest of the target dimensions */
static int
max_target(const int *dims, int n_dims)
{
	int			k = 0,
				i;

	for (i = 0; i < n_dims; i++)
		if (dims[i] > k)
			k = dims[i];
	return k;
}

/* bytes of a + b, SIZE_MAX when either is or when it overflows */
static size_t
add_sat(size_t a, double b)
{
	double		s = (double) a + b;

	if (a == SIZE_MAX || !(b >= 0) || s >= (double) SIZE_MAX)
		return SIZE_MAX;
	return (size_t) s;
}

/* the memory model: see projection.h */
size_t
te_projection_memory_estimate(int64_t n, int dim, const int *dims, int n_dims, int max_dim)
{
	int			kmax = max_target(dims, n_dims);
	double		nn = (double) (n > 0 ? n : 0);
	double		own;
	size_t		rips,
				r;
	int			i;

	if (n < 0 || dim < 1 || kmax < 1 || max_dim < 0 || max_dim > TE_PROJECTION_MAX_DIM)
		return SIZE_MAX;
	/* the sketch with its batch, the eigen-solve, the basis */
	own = (double) te_moments_size(dim, TE_MOM_EXPANDED, te_moments_batch(dim)) +
		2.0 * dim * (double) dim * 8.0 + (double) dim * kmax * 8.0;
	/* the projections, one contiguous copy, norms, two ranked rows and ranks */
	own += nn * kmax * 8.0 + nn * kmax * 8.0 + nn * 8.0 + nn * 2.0 * (sizeof(RankedRow) + 8.0);
	rips = te_rips_memory_estimate(n, dim, max_dim, NAN);
	for (i = 0; i < n_dims; i++)
	{
		r = te_rips_memory_estimate(n, dims[i], max_dim, NAN);
		if (r == SIZE_MAX)
			return SIZE_MAX;
		if (r > rips)
			rips = r;
	}
	if (rips == SIZE_MAX)
		return SIZE_MAX;
	/* the full space's diagram is kept while the projections' are computed */
	return add_sat(rips, own + nn * 4.0 * sizeof(TePersPair));
}

/* check the options and input; TE_INVALID with env->msg */
static TeStatus
check_input(TeEnv *env, const double *points, int64_t n, int dim, const int *dims, int n_dims,
			const TeProjectionOptions *opt)
{
	int64_t		i;
	int			c;

	if (n_dims < 1)
		return te_fail(env, TE_INVALID, "no target dimension");
	for (c = 0; c < n_dims; c++)
		if (dims[c] < 1 || dims[c] > dim)
			return te_fail(env, TE_INVALID, "target dimension %d is not between 1 and %d",
						   dims[c], dim);
	if (opt->neighbours < 1 || 2 * (int64_t) opt->neighbours >= n)
		return te_fail(env, TE_INVALID, "neighbours must be at least 1 and below n / 2 = %g, not %d",
					   (double) n / 2.0, opt->neighbours);
	if (opt->max_dim < 0 || opt->max_dim > TE_PROJECTION_MAX_DIM)
		return te_fail(env, TE_INVALID, "max_dim must be 0 or 1, not %d", opt->max_dim);
	if (!(opt->cut > 0.0 && opt->cut <= 1.0))
		return te_fail(env, TE_INVALID, "cut must be above 0 and at most 1, not %g", opt->cut);
	for (i = 0; i < n * dim; i++)
		if (!isfinite(points[i]))
			return te_fail(env, TE_INVALID, "point %lld has a non-finite coordinate",
						   (long long) (i / dim));
	return TE_OK;
}

/*
 * The moments of the points, the top-kmax basis V (dim x kmax column-major)
 * and eigenvalues, the total variance, and the centred projections Y
 * (n x kmax row-major): nested, so the projection to k is Y's first k columns
 */
TeStatus
te_pca_coordinates(TeEnv *env, const double *points, int64_t n, int dim, int kmax,
				   double *values, double *total, double *Y)
{
	int			batch = te_moments_batch(dim);
	TeMoments  *m;
	double	   *V = NULL;
	const double *mean;
	TeStatus	st = TE_OK;
	int64_t		i;
	int			j,
				c;

	m = te_alloc(env, te_moments_size(dim, TE_MOM_EXPANDED, batch));
	V = te_alloc_array(env, (size_t) dim * kmax, sizeof(double));
	if (m == NULL || V == NULL)
	{
		st = te_fail(env, TE_NOMEM, "no memory for the PCA of %d dimensions", dim);
		goto done;
	}
	te_moments_init(m, dim, TE_MOM_EXPANDED, batch);
	for (i = 0; i < n; i++)
		if ((st = te_moments_add(env, m, points + i * dim)) != TE_OK)
			goto done;
	if ((st = te_moments_flush(env, m)) != TE_OK)
		goto done;
	if ((st = te_pca_basis(env, m, kmax, V, values)) != TE_OK)
		goto done;
	*total = 0.0;
	for (j = 0; j < dim; j++)
		*total += te_moments_scatter_at(m, j, j);
	*total /= (double) m->n;
	mean = te_moments_mean_c(m);
	for (i = 0; i < n; i++)
	{
		const double *x = points + i * dim;

		if ((st = te_check(env)) != TE_OK)
			goto done;
		for (c = 0; c < kmax; c++)
		{
			const double *v = V + (size_t) c * dim;
			double		s = 0.0;

			for (j = 0; j < dim; j++)
				s += (x[j] - mean[j]) * v[j];
			Y[i * kmax + c] = s;
		}
	}
done:
	te_free(env, m);
	te_free(env, V);
	return st;
}

/*
 * Rank the other points from point i: rows[0..n-2] nearest first, and
 * rank[j] = 1.. (rank[i] = 0).  dist(j) fills rows[].d.
 */
static TeStatus
rank_from(TeTicker *tk, RankedRow *rows, int64_t *rank, int64_t n, int64_t i)
{
	TeStatus	st;
	int64_t		r;

	if ((st = ranked_sort(tk, rows, n - 1)) != TE_OK)
		return st;
	rank[i] = 0;
	for (r = 0; r < n - 1; r++)
		rank[rows[r].j] = r + 1;
	return TE_OK;
}

/*
 * Trustworthiness and continuity of every target dimension: for each point
 * its ranks in the full space, then in each projection, and the penalties
 * of the K nearest of one space ranked in the other
 */
static TeStatus
neighbour_ranks(TeEnv *env, const double *points, int64_t n, int dim, TeMetric metric,
				const double *Y, int kmax, const int *dims, int n_dims, int K,
				TeProjectionRow *out)
{
	RankedRow  *hi = te_alloc_array(env, (size_t) n, sizeof(RankedRow));
	RankedRow  *lo = te_alloc_array(env, (size_t) n, sizeof(RankedRow));
	int64_t    *rank_hi = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	int64_t    *rank_lo = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	double	   *norm = te_alloc_array(env, (size_t) n, sizeof(double));
	double	   *tsum = te_alloc0(env, sizeof(double) * n_dims);
	double	   *csum = te_alloc0(env, sizeof(double) * n_dims);
	TeTicker	tk;
	TeStatus	st = TE_OK;
	double		scale;
	int64_t		i,
				j,
				r;
	int			c;

	te_ticker_init(&tk, env);
	if (!hi || !lo || !rank_hi || !rank_lo || !norm || !tsum || !csum)
	{
		st = te_fail(env, TE_NOMEM, "no memory for the neighbour ranks of %lld points", (long long) n);
		goto done;
	}
	if (metric != TE_METRIC_EUCLIDEAN)
		for (i = 0; i < n; i++)
		{
			norm[i] = te_norm2(points + i * dim, dim);
			if (norm[i] == 0.0)
			{
				st = te_fail(env, TE_INVALID, "point %lld is a zero vector, which has no %s distance",
							 (long long) i, te_metric_name(metric));
				goto done;
			}
		}
	for (i = 0; i < n; i++)
	{
		const double *x = points + i * dim;

		/* the full space: squared euclidean, or 1 - cos (angular ranks alike) */
		r = 0;
		for (j = 0; j < n; j++)
		{
			const double *y = points + j * dim;

			if (j == i)
				continue;
			if (metric == TE_METRIC_EUCLIDEAN)
				hi[r].d = sq_dist(x, y, dim);
			else
				hi[r].d = 1.0 - dot(x, y, dim) / (norm[i] * norm[j]);
			hi[r].j = j;
			r++;
		}
		if ((st = te_tick(&tk, (uint64_t) n * dim)) != TE_OK ||
			(st = rank_from(&tk, hi, rank_hi, n, i)) != TE_OK)
			goto done;
		for (c = 0; c < n_dims; c++)
		{
			int			k = dims[c];
			const double *u = Y + i * kmax;

			r = 0;
			for (j = 0; j < n; j++)
			{
				if (j == i)
					continue;
				lo[r].d = sq_dist(u, Y + j * kmax, k);
				lo[r].j = j;
				r++;
			}
			if ((st = te_tick(&tk, (uint64_t) n * k)) != TE_OK ||
				(st = rank_from(&tk, lo, rank_lo, n, i)) != TE_OK)
				goto done;
			for (r = 0; r < K; r++)
			{
				if (rank_hi[lo[r].j] > K)
					tsum[c] += (double) (rank_hi[lo[r].j] - K);
				if (rank_lo[hi[r].j] > K)
					csum[c] += (double) (rank_lo[hi[r].j] - K);
			}
		}
	}
	scale = 2.0 / ((double) n * K * (2.0 * n - 3.0 * K - 1.0));
	for (c = 0; c < n_dims; c++)
	{
		out[c].trustworthiness = 1.0 - tsum[c] * scale;
		out[c].continuity = 1.0 - csum[c] * scale;
	}
done:
	te_free(env, hi);
	te_free(env, lo);
	te_free(env, rank_hi);
	te_free(env, rank_lo);
	te_free(env, norm);
	te_free(env, tsum);
	te_free(env, csum);
	return st;
}

/* the H0 classes of a diagram that outlive cut times its longest finite H0 bar */
static int64_t
count_clusters(const TeDiagram *d, double cut)
{
	double		longest = 0.0;
	int64_t		count = 0,
				i;

	for (i = 0; i < d->n_pairs; i++)
		if (d->pairs[i].dim == 0 && isfinite(d->pairs[i].death) &&
			d->pairs[i].death - d->pairs[i].birth > longest)
			longest = d->pairs[i].death - d->pairs[i].birth;
	for (i = 0; i < d->n_pairs; i++)
		if (d->pairs[i].dim == 0 &&
			(!isfinite(d->pairs[i].death) || d->pairs[i].death - d->pairs[i].birth > cut * longest))
			count++;
	return count;
}

/* the euclidean diagram of n points of dimension k */
static TeStatus
diagram_of(TeEnv *env, const double *x, int64_t n, int k, const TeProjectionOptions *opt,
		   TeDiagram *out)
{
	TeRipsOptions ro;

	te_rips_options_init(&ro);
	ro.max_dim = opt->max_dim;
	ro.memory_limit = opt->memory_limit;
	return te_rips_points(env, x, n, k, TE_METRIC_EUCLIDEAN, &ro, out);
}

/* the figures of every target dimension: see projection.h */
TeStatus
te_projection_quality(TeEnv *env, const double *points, int64_t n, int dim,
					  const int *dims, int n_dims, const TeProjectionOptions *opt,
					  TeProjectionRow *out)
{
	int			kmax;
	double	   *values = NULL,
			   *Y = NULL,
			   *Yk = NULL;
	double		total = 0.0;
	TeDiagram	full,
				low;
	TeStatus	st;
	int64_t		i;
	int			c,
				j;

	memset(&full, 0, sizeof(full));
	memset(&low, 0, sizeof(low));
	if ((st = check_input(env, points, n, dim, dims, n_dims, opt)) != TE_OK)
		return st;
	kmax = max_target(dims, n_dims);
	values = te_alloc_array(env, (size_t) kmax, sizeof(double));
	Y = te_alloc_array(env, (size_t) n * kmax, sizeof(double));
	Yk = te_alloc_array(env, (size_t) n * kmax, sizeof(double));
	if (!values || !Y || !Yk)
	{
		st = te_fail(env, TE_NOMEM, "no memory for the projections of %lld points", (long long) n);
		goto done;
	}
	if ((st = te_pca_coordinates(env, points, n, dim, kmax, values, &total, Y)) != TE_OK)
		goto done;
	for (c = 0; c < n_dims; c++)
	{
		double		s = 0.0;

		for (j = 0; j < dims[c]; j++)
			s += values[j] > 0.0 ? values[j] : 0.0;
		out[c].dims = dims[c];
		out[c].explained_variance = total > 0.0 ? fmin(s / total, 1.0) : NAN;
		out[c].bottleneck_h1 = NAN;
	}
	if ((st = neighbour_ranks(env, points, n, dim, opt->metric, Y, kmax, dims, n_dims,
							  opt->neighbours, out)) != TE_OK)
		goto done;
	if ((st = diagram_of(env, points, n, dim, opt, &full)) != TE_OK)
		goto done;
	for (c = 0; c < n_dims; c++)
	{
		int			k = dims[c];
		int			h;

		for (i = 0; i < n; i++)
			memcpy(Yk + i * k, Y + i * kmax, sizeof(double) * k);
		if ((st = diagram_of(env, Yk, n, k, opt, &low)) != TE_OK)
			goto done;
		for (h = 0; h <= opt->max_dim; h++)
		{
			double		b;

			st = te_bottleneck_distance(env, full.pairs, full.n_pairs, low.pairs, low.n_pairs, h, &b);
			if (st != TE_OK)
				goto done;
			if (h == 0)
				out[c].bottleneck_h0 = b;
			else
				out[c].bottleneck_h1 = b;
		}
		out[c].clusters = count_clusters(&low, opt->cut);
		te_diagram_free(env, &low);
	}
done:
	te_diagram_free(env, &full);
	te_diagram_free(env, &low);
	te_free(env, values);
	te_free(env, Y);
	te_free(env, Yk);
	return st;
}
