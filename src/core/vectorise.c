/*
 * vectorise.c - persistence images and silhouettes: diagrams as vectors
 *
 * Both leave the essential bars out and follow gudhi.representations'
 * sampling (PersistenceImage, Silhouette); diagram.h writes the
 * conventions out.
 */
#include "topembed/diagram.h"
#include "diagram_internal.h"

#include <math.h>
#include <string.h>

/* i-th of n evenly spaced values from lo to hi, as numpy.linspace computes it */
static double
lin_point(double lo, double hi, int i, int n)
{
	double		span;

	if (n < 2 || i == 0)
		return lo;
	if (i == n - 1)
		return hi;
	span = hi - lo;
	if (isinf(span))			/* lo and hi of opposite signs near DBL_MAX */
	{
		double		f = (double) i / (double) (n - 1);

		return lo * (1.0 - f) + hi * f;
	}
	return lo + (double) i * (span / (double) (n - 1));
}

/* pixel spacing of an axis of n points from lo to hi (0 for one point) */
static double
axis_step(double lo, double hi, int n)
{
	double		span = hi - lo;

	if (n < 2)
		return 0.0;
	if (isinf(span))
		return hi / (double) (n - 1) - lo / (double) (n - 1);
	return span / (double) (n - 1);
}

/* TE_INVALID unless bounds are four finite values with min <= max on each axis */
static TeStatus
check_bounds(TeEnv *env, const double *bounds)
{
	static const char *const names[4] = {"birth min", "birth max", "persistence min", "persistence max"};
	int			i;

	for (i = 0; i < 4; i++)
		if (!isfinite(bounds[i]))
			return te_fail(env, TE_INVALID, "image bound %d (%s) must be finite, not %g",
						   i + 1, names[i], bounds[i]);
	if (bounds[0] > bounds[1])
		return te_fail(env, TE_INVALID, "image birth bounds are reversed: %g > %g",
					   bounds[0], bounds[1]);
	if (bounds[2] > bounds[3])
		return te_fail(env, TE_INVALID, "image persistence bounds are reversed: %g > %g",
					   bounds[2], bounds[3]);
	return TE_OK;
}

/*
 * Persistence image of the finite bars of dim on a rows x cols grid.
 *
 * Long (about 165 lines) because the checks, the bounds and sigma derived
 * from the bars, the grid and the separable accumulation share one diagram
 * part and four scratch arrays that every exit (cancel, out of memory) must
 * release in one place.
 */
TeStatus
te_persistence_image(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
					 int rows, int cols, const double *sigma, TeImageWeight weight,
					 const double *bounds, double *out, double *sigma_used)
{
	TeStatus	st;
	TeDgmPart	part;
	TeTicker	tk;
	double		bd[4],
				s,
				inv2s2,
				norm;
	double	   *xs = NULL,
			   *ys = NULL,
			   *ex = NULL,
			   *ey = NULL;
	int64_t		j;
	int			r,
				c;

	if (rows < 1 || cols < 1)
		return te_fail(env, TE_INVALID, "an image needs at least one row and one column, not %d x %d",
					   rows, cols);
	if ((int64_t) rows * (int64_t) cols > TE_IMAGE_MAX_VALUES)
		return te_fail(env, TE_LIMIT, "an image of %d x %d pixels exceeds %d", rows, cols,
					   TE_IMAGE_MAX_VALUES);
	if (out == NULL)
		return te_fail(env, TE_INVALID, "no output array for the image");
	if (weight != TE_IMAGE_LINEAR && weight != TE_IMAGE_CONSTANT)
		return te_fail(env, TE_INVALID, "unknown image weight %d", (int) weight);
	if (sigma && !(*sigma >= TE_IMAGE_MIN_SIGMA && *sigma <= TE_IMAGE_MAX_SIGMA))
		return te_fail(env, TE_INVALID, "sigma must be between %g and %g, not %g",
					   TE_IMAGE_MIN_SIGMA, TE_IMAGE_MAX_SIGMA, *sigma);
	if (bounds && (st = check_bounds(env, bounds)) != TE_OK)
		return st;
	if ((st = te_dgm_part_load(env, &part, pairs, n, dim)) != TE_OK)
		return st;
	memset(out, 0, sizeof(double) * (size_t) rows * (size_t) cols);
	for (j = 0; j < part.n; j++)
		if (!isfinite(part.death[j] - part.birth[j]))
		{
			double		b = part.birth[j],
						d = part.death[j];

			te_dgm_part_free(env, &part);
			return te_fail(env, TE_INVALID, "a bar from %g to %g is too long for an image", b, d);
		}

	/* the bounds: given, or the extremes of the finite bars */
	if (bounds)
		memcpy(bd, bounds, sizeof(bd));
	else if (part.n > 0)
	{
		bd[0] = bd[1] = part.birth[0];
		bd[2] = bd[3] = part.death[0] - part.birth[0];
		for (j = 1; j < part.n; j++)
		{
			double		b = part.birth[j],
						p = part.death[j] - part.birth[j];

			bd[0] = b < bd[0] ? b : bd[0];
			bd[1] = b > bd[1] ? b : bd[1];
			bd[2] = p < bd[2] ? p : bd[2];
			bd[3] = p > bd[3] ? p : bd[3];
		}
	}
	else
		bd[0] = bd[1] = bd[2] = bd[3] = 0.0;

	/* sigma: given, or the larger pixel spacing, or 1 */
	if (sigma)
		s = *sigma;
	else
	{
		double		sx = axis_step(bd[0], bd[1], cols),
					sy = axis_step(bd[2], bd[3], rows);

		s = sx > sy ? sx : sy;
		if (!(s >= TE_IMAGE_MIN_SIGMA && s <= TE_IMAGE_MAX_SIGMA))
			s = 1.0;
	}
	if (sigma_used)
		*sigma_used = s;
	if (part.n == 0)
	{
		te_dgm_part_free(env, &part);
		return TE_OK;
	}
	inv2s2 = 1.0 / (2.0 * s * s);
	norm = 1.0 / (s * s * 2.0 * M_PI);

	xs = te_alloc_array(env, (size_t) cols, sizeof(double));
	ys = te_alloc_array(env, (size_t) rows, sizeof(double));
	ex = te_alloc_array(env, (size_t) cols, sizeof(double));
	ey = te_alloc_array(env, (size_t) rows, sizeof(double));
	if (!xs || !ys || !ex || !ey)
	{
		st = te_fail(env, TE_NOMEM, "out of memory for a %d x %d image", rows, cols);
		goto done;
	}
	for (c = 0; c < cols; c++)
		xs[c] = lin_point(bd[0], bd[1], c, cols);
	for (r = 0; r < rows; r++)
		ys[r] = lin_point(bd[2], bd[3], r, rows);

	/* each bar adds w exp(-dx^2 / 2s^2) exp(-dy^2 / 2s^2) / (2 pi s^2) */
	te_ticker_init(&tk, env);
	for (j = 0; j < part.n; j++)
	{
		double		b = part.birth[j],
					p = part.death[j] - part.birth[j],
					w = (weight == TE_IMAGE_LINEAR) ? p : 1.0;
		int			c0 = cols,
					c1 = -1;

		if (te_tick(&tk, 16 * ((uint64_t) rows + (uint64_t) cols)) != TE_OK)
		{
			st = te_fail(env, TE_CANCELLED, "persistence image cancelled");
			goto done;
		}
		if (w == 0.0)
			continue;
		for (c = 0; c < cols; c++)
		{
			double		d = b - xs[c];

			ex[c] = exp(-(d * d) * inv2s2);
			if (ex[c] != 0.0)
			{
				c0 = c0 < c ? c0 : c;
				c1 = c;
			}
		}
		if (c1 < 0)
			continue;
		for (r = 0; r < rows; r++)
		{
			double		d = p - ys[r],
						f;
			double	   *row = out + (size_t) r * (size_t) cols;

			ey[r] = exp(-(d * d) * inv2s2);
			if (ey[r] == 0.0)
				continue;
			if (te_tick(&tk, (uint64_t) (c1 - c0 + 1)) != TE_OK)
			{
				st = te_fail(env, TE_CANCELLED, "persistence image cancelled");
				goto done;
			}
			f = w * norm * ey[r];
			for (c = c0; c <= c1; c++)
				row[c] += f * ex[c];
		}
	}
	st = TE_OK;
done:
	te_free(env, xs);
	te_free(env, ys);
	te_free(env, ex);
	te_free(env, ey);
	te_dgm_part_free(env, &part);
	return st;
}

/* power-weighted silhouette of the finite bars of dim on a grid */
TeStatus
te_persistence_silhouette(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
						  double p, const double *grid, int m, double *out)
{
	TeStatus	st;
	TeDgmPart	part;
	TeTicker	tk;
	double	   *w;
	double		hmax = 0.0,
				total = 0.0;
	int64_t		j;
	int			g;

	if (!(p >= 0.0) || isinf(p))
		return te_fail(env, TE_INVALID, "the power p must be non-negative and finite, not %g", p);
	if (m < 0)
		return te_fail(env, TE_INVALID, "grid size must not be negative, not %d", m);
	if (m > 0 && (grid == NULL || out == NULL))
		return te_fail(env, TE_INVALID, "no grid or no output array for the silhouette");
	for (g = 0; g < m; g++)
		if (isnan(grid[g]))
			return te_fail(env, TE_INVALID, "NaN not allowed in the grid (point %d)", g);
	if ((st = te_dgm_part_load(env, &part, pairs, n, dim)) != TE_OK)
		return st;
	for (g = 0; g < m; g++)
		out[g] = 0.0;

	/* weights (h_j / h_max)^p of the half-lengths: the same ratios, no overflow */
	for (j = 0; j < part.n; j++)
	{
		double		h = part.death[j] * 0.5 - part.birth[j] * 0.5;

		hmax = h > hmax ? h : hmax;
	}
	if (!(hmax > 0.0))
	{
		te_dgm_part_free(env, &part);
		return TE_OK;			/* no finite bar of positive length: zeros */
	}
	w = te_alloc_array(env, (size_t) part.n, sizeof(double));
	if (!w)
	{
		te_dgm_part_free(env, &part);
		return te_fail(env, TE_NOMEM, "out of memory for a silhouette of %lld bars",
					   (long long) part.n);
	}
	for (j = 0; j < part.n; j++)
	{
		double		q = (part.death[j] * 0.5 - part.birth[j] * 0.5) / hmax;

		w[j] = (p == 1.0) ? q : (p == 0.0) ? 1.0 : pow(q, p);
		total += w[j];
	}
	for (j = 0; j < part.n; j++)
		w[j] /= total;

	te_ticker_init(&tk, env);
	for (g = 0; g < m; g++)
	{
		double		t = grid[g],
					sum = 0.0;

		if (te_tick(&tk, 4 * (uint64_t) part.n + 1) != TE_OK)
		{
			te_free(env, w);
			te_dgm_part_free(env, &part);
			return te_fail(env, TE_CANCELLED, "silhouette cancelled");
		}
		/* half-tents: halving is exact, so 2 x min(...) is the tent unless it overflows */
		for (j = 0; j < part.n; j++)
		{
			double		up = t * 0.5 - part.birth[j] * 0.5,
						down = part.death[j] * 0.5 - t * 0.5,
						v = up < down ? up : down;

			if (v > 0.0)
				sum += w[j] * v;
		}
		out[g] = 2.0 * sum;
	}
	te_free(env, w);
	te_dgm_part_free(env, &part);
	return TE_OK;
}
