/*
 * distance.c - Euclidean, cosine and angular distances in blocks via BLAS
 *
 * A block of squared distances is ||x||^2 + ||y||^2 - 2 X Y^T with one
 * dgemm.  The formula loses relative precision when the distance is small
 * against the norms (near-duplicates), so such entries are recomputed
 * directly: with the guard below the error left is far under float32
 * resolution.  Cosine and angular work on L2-normalised copies, where the
 * squared chord ||x^ - y^||^2 = 2 - 2 cos is monotone in both metrics:
 *   cosine  = chord^2 / 2,
 *   angular = 2 asin(chord / 2), or Kahan's 2 atan2(|x^-y^|, |x^+y^|) near
 *             antipodes where asin is ill-conditioned.
 */
#include "distance_internal.h"

#include <cblas.h>
#include <math.h>

/* recompute directly when d^2 < DIRECT_GUARD * (|x|^2 + |y|^2) */
#define DIRECT_GUARD (1.0 / 64.0)

/* chord^2 above which angular uses Kahan's formula rather than asin */
#define ANGULAR_ASIN_LIMIT 3.0

/* the name of a metric */
const char *
te_metric_name(TeMetric metric)
{
	switch (metric)
	{
		case TE_METRIC_EUCLIDEAN:
			return "euclidean";
		case TE_METRIC_COSINE:
			return "cosine";
		case TE_METRIC_ANGULAR:
			return "angular";
	}
	return "unknown";
}

/* a metric from its name */
int
te_metric_parse(const char *name, TeMetric *metric)
{
	if (strcmp(name, "euclidean") == 0)
		*metric = TE_METRIC_EUCLIDEAN;
	else if (strcmp(name, "cosine") == 0)
		*metric = TE_METRIC_COSINE;
	else if (strcmp(name, "angular") == 0)
		*metric = TE_METRIC_ANGULAR;
	else
		return -1;
	return 0;
}

/*
 * The power of two 2^e with |v| / 2^e in [0.5, 1) for v the largest
 * magnitude of a set of values (0 for none).
 */
static int
scale_exponent(double maxabs)
{
	int			e = 0;

	if (maxabs > 0.0)
		(void) frexp(maxabs, &e);
	return e;
}

/* is a largest magnitude inside the range the kernels take as it is? */
static int
magnitude_is_safe(double maxabs, int per_row)
{
	/* a row of a normalised metric only needs its own products to fit */
	double		lim = per_row ? DIST_ROW_SAFE : DIST_COORD_SAFE;

	return maxabs == 0.0 || (maxabs <= lim && maxabs >= 1.0 / lim);
}

/*
 * Check the points (finite, and no zero vector when normalising) and
 * prepare their squared norms; cosine and angular get per-point scale
 * factors 1 / ||x|| instead of a normalised copy.
 *
 * Magnitudes.  Squares and dot products of coordinates near 1e300 overflow
 * and those of 1e-300 underflow, so points outside a safe range are copied
 * scaled by powers of two (exact): under Euclidean all of them by one
 * factor, so that the largest coordinate lies in [0.5, 1) and the kernels'
 * distances are those of the input divided by 2^p->unit_exp; under cosine and
 * angular each offending row by its own factor, which leaves its direction
 * and so every distance unchanged.  Ordinary data is read in place.
 * (Messages number points and coordinates from 1, as SQL does.)
 *
 * Long (about 125 lines) because the checks, the norms and the rescaling of
 * each row are one pass over the points that must agree on which rows were
 * copied and by what factor.
 */
TeStatus
dist_points_prepare(Arena *m, DistPoints *p, const double *points,
					int64_t n, int dim, TeMetric metric)
{
	int64_t		i;
	int			k,
				copy = 0;
	double		maxabs = 0.0;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->dim = dim;
	p->metric = metric;
	p->x = points;
	p->unit_exp = 0;
	if (metric != TE_METRIC_EUCLIDEAN && metric != TE_METRIC_COSINE &&
		metric != TE_METRIC_ANGULAR)
		return te_fail(m->env, TE_INVALID, "unknown metric %d", (int) metric);

	for (i = 0; i < n; i++)
	{
		double		rowmax = 0.0;

		for (k = 0; k < dim; k++)
		{
			double		v = points[i * dim + k];

			if (!isfinite(v))
				return te_fail(m->env, TE_INVALID,
							   "point %lld has a non-finite coordinate at position %d",
							   (long long) i + 1, k + 1);
			if (fabs(v) > rowmax)
				rowmax = fabs(v);
		}
		if (rowmax > maxabs)
			maxabs = rowmax;
		if (metric != TE_METRIC_EUCLIDEAN && !magnitude_is_safe(rowmax, 1))
			copy = 1;
		if ((i & 1023) == 0 && te_check(m->env) != TE_OK)
			return TE_CANCELLED;
	}
	if (metric == TE_METRIC_EUCLIDEAN && !magnitude_is_safe(maxabs, 0))
		copy = 1;
	p->maxabs = maxabs;

	if (copy)
	{
		int			e = scale_exponent(maxabs);

		p->own = arena_array(m, (size_t) n * (size_t) dim, sizeof(double));
		if (!p->own)
			return m->status;
		for (i = 0; i < n; i++)
		{
			const double *r = points + i * dim;
			double	   *o = p->own + i * dim;

			if (metric != TE_METRIC_EUCLIDEAN)
			{
				double		rowmax = 0.0;

				for (k = 0; k < dim; k++)
					if (fabs(r[k]) > rowmax)
						rowmax = fabs(r[k]);
				e = scale_exponent(rowmax);
			}
			for (k = 0; k < dim; k++)
				o[k] = ldexp(r[k], -e);
			if ((i & 1023) == 0 && te_check(m->env) != TE_OK)
			{
				dist_points_release(m, p);
				return TE_CANCELLED;
			}
		}
		p->x = p->own;
		if (metric == TE_METRIC_EUCLIDEAN)
		{
			p->unit_exp = e;
			p->maxabs = ldexp(maxabs, -e);
		}
	}

	p->sq = arena_array(m, (size_t) (n > 0 ? n : 1), sizeof(double));
	if (!p->sq)
	{
		dist_points_release(m, p);
		return m->status;
	}
	if (metric != TE_METRIC_EUCLIDEAN)
	{
		p->scale = arena_array(m, (size_t) (n > 0 ? n : 1), sizeof(double));
		if (!p->scale)
		{
			dist_points_release(m, p);
			return m->status;
		}
	}
	for (i = 0; i < n; i++)
	{
		const double *r = p->x + i * dim;
		double		s = 0.0,
					f = 1.0;

		if (p->scale)
		{
			double		nrm = te_norm2(r, dim);

			if (nrm == 0.0)
			{
				dist_points_release(m, p);
				return te_fail(m->env, TE_INVALID,
							   "point %lld is a zero vector, which has no direction under the %s metric",
							   (long long) i + 1, te_metric_name(metric));
			}
			f = 1.0 / nrm;
			p->scale[i] = f;
		}
		for (k = 0; k < dim; k++)
			s += (r[k] * f) * (r[k] * f);
		p->sq[i] = s;
		if ((i & 1023) == 0 && te_check(m->env) != TE_OK)
		{
			dist_points_release(m, p);
			return TE_CANCELLED;
		}
	}
	return TE_OK;
}

/*
 * An upper bound of every distance the kernels give (in their units):
 * 2 sqrt(dim) times the largest coordinate under Euclidean, 2 under cosine
 * and pi under angular.
 */
double
dist_points_bound(const DistPoints *p)
{
	switch (p->metric)
	{
		case TE_METRIC_EUCLIDEAN:
			return 2.0 * sqrt((double) p->dim) * p->maxabs * (1.0 + 1e-12);
		case TE_METRIC_COSINE:
			return 2.0;
		case TE_METRIC_ANGULAR:
			return 4.0;
	}
	return 4.0;
}

/* free what dist_points_prepare allocated */
void
dist_points_release(Arena *m, DistPoints *p)
{
	arena_free(m, p->scale);
	arena_free(m, p->sq);
	arena_free(m, p->own);
	p->scale = NULL;
	p->sq = NULL;
	p->own = NULL;
	p->x = NULL;
}

/*
 * Euclidean distances do not change under translation, but the dot-product
 * formula loses precision when the points sit far from the origin compared
 * with their spread (every pair would then be recomputed directly).  When
 * the centroid's squared norm exceeds four times the mean squared spread,
 * switch to a centred copy.
 */
TeStatus
dist_points_center(Arena *m, DistPoints *p)
{
	int64_t		n = p->n,
				i;
	int			dim = p->dim,
				k;
	double	   *mean,
				ms = 0.0,
				spread = 0.0;

	if (p->metric != TE_METRIC_EUCLIDEAN || n < 2)
		return TE_OK;
	mean = arena_alloc0(m, sizeof(double) * (size_t) dim);
	if (!mean)
		return m->status;
	for (i = 0; i < n; i++)
		for (k = 0; k < dim; k++)
			mean[k] += p->x[i * dim + k];
	for (k = 0; k < dim; k++)
	{
		mean[k] /= (double) n;
		ms += mean[k] * mean[k];
	}
	for (i = 0; i < n; i++)
		spread += p->sq[i];
	spread = spread / (double) n - ms;	/* mean |x - mean|^2 */
	if (!(ms > 4.0 * spread))
	{
		arena_free(m, mean);
		return TE_OK;
	}
	/* a scaled copy is centred in place */
	if (!p->own)
	{
		p->own = arena_array(m, (size_t) n * (size_t) dim, sizeof(double));
		if (!p->own)
		{
			arena_free(m, mean);
			return m->status;
		}
	}
	for (i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (k = 0; k < dim; k++)
		{
			double		t = p->x[i * dim + k] - mean[k];

			p->own[i * dim + k] = t;
			s += t * t;
		}
		p->sq[i] = s;
		if ((i & 1023) == 0 && te_check(m->env) != TE_OK)
		{
			arena_free(m, mean);
			return TE_CANCELLED;
		}
	}
	p->x = p->own;
	arena_free(m, mean);
	return TE_OK;
}

/* ||x_i - x_j||^2 (of the normalised vectors if scaled) summed directly */
double
dist_pair_sq(const DistPoints *p, int64_t i, int64_t j)
{
	const double *a = p->x + i * p->dim;
	const double *b = p->x + j * p->dim;
	double		s = 0.0;
	int			k;

	if (p->scale)
	{
		double		fa = p->scale[i],
					fb = p->scale[j];

		for (k = 0; k < p->dim; k++)
		{
			double		t = a[k] * fa - b[k] * fb;

			s += t * t;
		}
		return s;
	}
	for (k = 0; k < p->dim; k++)
	{
		double		t = a[k] - b[k];

		s += t * t;
	}
	return s;
}

/* Kahan's angle between two unit vectors: 2 atan2(|a - b|, |a + b|) */
static double
kahan_angle(const DistPoints *p, int64_t i, int64_t j)
{
	const double *a = p->x + i * p->dim;
	const double *b = p->x + j * p->dim;
	double		sm = 0.0,
				sp = 0.0,
				fa = p->scale ? p->scale[i] : 1.0,
				fb = p->scale ? p->scale[j] : 1.0;
	int			k;

	for (k = 0; k < p->dim; k++)
	{
		double		t = a[k] * fa - b[k] * fb,
					u = a[k] * fa + b[k] * fb;

		sm += t * t;
		sp += u * u;
	}
	return 2.0 * atan2(sqrt(sm), sqrt(sp));
}

/* the metric value of a pair from its squared (chord) length */
double
dist_metric_from_sq(const DistPoints *p, int64_t i, int64_t j, double sq)
{
	if (sq < 0.0)
		sq = 0.0;
	switch (p->metric)
	{
		case TE_METRIC_EUCLIDEAN:
			return sqrt(sq);
		case TE_METRIC_COSINE:
			return 0.5 * sq;
		case TE_METRIC_ANGULAR:
			if (sq < ANGULAR_ASIN_LIMIT)
				return 2.0 * asin(0.5 * sqrt(sq));
			return kahan_angle(p, i, j);
	}
	return sqrt(sq);
}

/* the metric value of a pair, computed directly */
double
dist_pair_dist(const DistPoints *p, int64_t i, int64_t j)
{
	if (p->metric == TE_METRIC_ANGULAR)
		return kahan_angle(p, i, j);
	return dist_metric_from_sq(p, i, j, dist_pair_sq(p, i, j));
}

/* one block of squared distances through dgemm, with the direct guard */
int64_t
dist_block_sq(const DistPoints *p, int64_t i0, int64_t i1,
			  int64_t j0, int64_t j1, double *out)
{
	int64_t		direct = 0;
	int64_t		bi = i1 - i0,
				bj = j1 - j0,
				i,
				j;

	if (bi <= 0 || bj <= 0)
		return 0;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) bi, (int) bj, p->dim,
				-2.0, p->x + i0 * p->dim, p->dim, p->x + j0 * p->dim, p->dim,
				0.0, out, (int) bj);
	for (i = 0; i < bi; i++)
	{
		double		si = p->sq[i0 + i],
					fi = p->scale ? p->scale[i0 + i] : 1.0;
		double	   *row = out + i * bj;

		for (j = 0; j < bj; j++)
		{
			double		sj = p->sq[j0 + j],
						s;

			if (p->scale)
				s = row[j] * fi * p->scale[j0 + j] + si + sj;
			else
				s = row[j] + si + sj;
			if (s < DIRECT_GUARD * (si + sj))
			{
				s = (i0 + i == j0 + j) ? 0.0 : dist_pair_sq(p, i0 + i, j0 + j);
				direct += (i0 + i != j0 + j);
			}
			row[j] = s;
		}
	}
	return direct;
}

/* the float32 dot products of two sets of rows, by one sgemm */
void
dist_dots_float(const float *rows, int64_t bi, const float *cols, int64_t bj, int dim,
				float *dots)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) bi, (int) bj, dim,
				1.0f, rows, dim, cols, dim, 0.0f, dots, (int) bj);
}

/* the float32 kernel: see distance_internal.h */
void
dist_block_sq_float(const float *rows, const double *rsq, int64_t bi,
					const float *F, const double *fsq, int64_t j0, int64_t j1, int dim,
					float *dots, double *out)
{
	int64_t		bj = j1 - j0,
				i,
				j;

	dist_dots_float(rows, bi, F + j0 * dim, bj, dim, dots);
	for (i = 0; i < bi; i++)
	{
		const float *dr = dots + i * bj;
		double	   *o = out + i * bj;
		double		si = rsq[i];

		for (j = 0; j < bj; j++)
			o[j] = si + fsq[j0 + j] - 2.0 * (double) dr[j];
	}
}

/* the lower triangle block by block: see distance_internal.h */
TeStatus
dist_lower_tiles(Arena *m, const DistPoints *p, DistTileFn visit, void *arg,
				 int64_t *n_direct)
{
	int64_t		n = p->n,
				i0,
				j0;
	double	   *blk;
	TeStatus	st = TE_OK;

	if (n <= 0)
		return TE_OK;
	blk = arena_array(m, (size_t) DIST_BLOCK * DIST_BLOCK, sizeof(double));
	if (!blk)
		return m->status;
	for (i0 = 0; st == TE_OK && i0 < n; i0 += DIST_BLOCK)
	{
		int64_t		i1 = i0 + DIST_BLOCK < n ? i0 + DIST_BLOCK : n;

		for (j0 = 0; st == TE_OK && j0 <= i0; j0 += DIST_BLOCK)
		{
			int64_t		j1 = j0 + DIST_BLOCK < n ? j0 + DIST_BLOCK : n;

			int64_t		direct = dist_block_sq(p, i0, i1, j0, j1, blk);

			if (n_direct)
				*n_direct += direct;
			st = visit(arg, i0, i1, j0, j1, blk);
		}
	}
	arena_free(m, blk);
	return st;
}

/* the blocks of the lower triangle: see distance_internal.h */
int64_t
dist_tile_count(int64_t n)
{
	int64_t		nb = (n + DIST_BLOCK - 1) / DIST_BLOCK;

	return nb * (nb + 1) / 2;
}

/* a threaded tiling: the points, the visitor and one scratch block per worker */
typedef struct TilesPar
{
	const DistPoints *p;
	DistTileWorkFn visit;
	void	   *arg;
	double	  **blk;
	ParSectionFn section;
} TilesPar;

/* between sections: pass the blocks done on to the caller's callback */
static void
tiles_par_section(void *arg, int64_t done)
{
	TilesPar   *tp = arg;

	if (tp->section)
		tp->section(tp->arg, done);
}

/* one block of the lower triangle, task t = bi (bi + 1) / 2 + bj, bj <= bi */
static void
tiles_par_task(void *arg, int worker, int64_t t)
{
	TilesPar   *tp = arg;
	int64_t		n = tp->p->n,
				bi = (int64_t) ((sqrt(8.0 * (double) t + 1.0) - 1.0) / 2.0),
				bj,
				i0,
				j0,
				i1,
				j1;

	/* correct the square root's rounding */
	while (bi * (bi + 1) / 2 > t)
		bi--;
	while ((bi + 1) * (bi + 2) / 2 <= t)
		bi++;
	bj = t - bi * (bi + 1) / 2;
	i0 = bi * DIST_BLOCK;
	j0 = bj * DIST_BLOCK;
	i1 = i0 + DIST_BLOCK < n ? i0 + DIST_BLOCK : n;
	j1 = j0 + DIST_BLOCK < n ? j0 + DIST_BLOCK : n;
	(void) dist_block_sq(tp->p, i0, i1, j0, j1, tp->blk[worker]);
	tp->visit(tp->arg, worker, i0, i1, j0, j1, tp->blk[worker]);
}

/* the lower triangle on threads: see distance_internal.h */
TeStatus
dist_lower_tiles_par(Arena *m, const DistPoints *p, int nthreads,
					 DistTileWorkFn visit, ParSectionFn section, void *arg)
{
	int64_t		ntiles = dist_tile_count(p->n);
	double	   *blk[PAR_MAX_THREADS];
	TilesPar	tp = {p, visit, arg, blk, section};
	TeStatus	st = TE_OK;
	int			t;

	if (p->n <= 0)
		return TE_OK;
	nthreads = par_threads(nthreads, ntiles);
	for (t = 0; t < nthreads; t++)
		blk[t] = NULL;
	for (t = 0; t < nthreads; t++)
		if (!(blk[t] = arena_array(m, (size_t) DIST_BLOCK * DIST_BLOCK, sizeof(double))))
			st = m->status;
	if (st == TE_OK)
		st = par_run(m->env, nthreads, ntiles, tiles_par_task, tiles_par_section, &tp);
	for (t = 0; t < nthreads; t++)
		arena_free(m, blk[t]);
	return st;
}

/* where te_distances_lower writes, and its interrupt pacing */
typedef struct LowerOut
{
	TeEnv	   *env;
	const DistPoints *p;
	double	   *out;
} LowerOut;

/* store one block's strictly lower entries; check interrupts once a row */
static TeStatus
lower_tile(void *arg, int64_t i0, int64_t i1, int64_t j0, int64_t j1, const double *blk)
{
	LowerOut   *lo = arg;
	int64_t		i,
				j;

	for (i = i0; i < i1; i++)
		for (j = j0; j < j1 && j < i; j++)
			lo->out[i * (i - 1) / 2 + j] =
				ldexp(dist_metric_from_sq(lo->p, i, j, blk[(i - i0) * (j1 - j0) + (j - j0)]),
					  lo->p->unit_exp);
	/* the diagonal block ends a row of blocks */
	if (j0 == i0 && te_check(lo->env) != TE_OK)
		return TE_CANCELLED;
	return TE_OK;
}

/*
 * The lower-triangle distances: the points prepared, centred when they sit
 * far from the origin (as the Rips engine does), then block by block
 */
TeStatus
dist_lower_triangle(TeEnv *env, const double *points, int64_t n, int dim,
					TeMetric metric, double *out, int64_t *n_direct)
{
	Arena		m;
	DistPoints	p;
	LowerOut	lo;
	TeStatus	st;

	if (n_direct)
		*n_direct = 0;
	if (n < 0 || dim < 1)
		return te_fail(env, TE_INVALID, "need n >= 0 points of dimension >= 1");
	arena_init(&m, env, 0, "distances");
	st = dist_points_prepare(&m, &p, points, n, dim, metric);
	if (st == TE_OK)
		st = dist_points_center(&m, &p);
	if (st == TE_OK)
	{
		lo.env = env;
		lo.p = &p;
		lo.out = out;
		st = dist_lower_tiles(&m, &p, lower_tile, &lo, n_direct);
	}
	arena_free_all(&m);
	return st;
}

/* the public lower-triangle distances: see distance.h */
TeStatus
te_distances_lower(TeEnv *env, const double *points, int64_t n, int dim,
				   TeMetric metric, double *out)
{
	return dist_lower_triangle(env, points, n, dim, metric, out, NULL);
}
