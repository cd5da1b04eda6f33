/*
 * landmarks.c - farthest-point sampling (the greedy permutation), see
 * landmarks.h
 *
 * The points are prepared once as for the Rips engine (validated, scaled,
 * normalised under cosine and angular).  Each step takes one row of squared
 * distances from the newest landmark to every point, in blocks through the
 * dgemm kernel with its direct guard, and lowers each point's squared
 * distance to its nearest landmark.  Squared chord lengths are monotone in
 * every metric, so the farthest point is found on them; the reported radii
 * are recomputed directly from the pair, in the metric's units.
 */
#include <math.h>
#include <string.h>

#include "alloc_internal.h"
#include "distance_internal.h"
#include "topembed/landmarks.h"

/* the metric value of the pair (i, j) in the input's units */
static double
pair_distance(const DistPoints *p, int64_t i, int64_t j)
{
	double		d = dist_pair_dist(p, i, j);

	if (p->metric == TE_METRIC_EUCLIDEAN)
		d = ldexp(d, p->unit_exp);
	return d;
}

/*
 * Lower near[] (squared distance to the nearest landmark) and nearest[] by
 * the distances to landmark c; *far gets the index of the farthest point
 * not chosen yet (the lowest index among equals, so a point equal to a
 * landmark is chosen at distance 0 once no other is left), -1 if every
 * point is chosen.  TE_CANCELLED if asked to stop.
 */
static TeStatus
update_row(const DistPoints *p, int64_t c, double *near, int64_t *nearest, const unsigned char *chosen,
		   double *blk, TeTicker *tick, int64_t *far_out)
{
	int64_t		j0,
				j,
				far = -1;
	TeStatus	st;

	for (j0 = 0; j0 < p->n; j0 += DIST_BLOCK)
	{
		int64_t		j1 = j0 + DIST_BLOCK < p->n ? j0 + DIST_BLOCK : p->n;

		dist_block_sq(p, c, c + 1, j0, j1, blk);
		for (j = j0; j < j1; j++)
		{
			double		s = j == c ? 0.0 : blk[j - j0];

			if (s < near[j])
			{
				near[j] = s;
				nearest[j] = c;
			}
			if (!chosen[j] && (far < 0 || near[j] > near[far]))
				far = j;
		}
		if ((st = te_tick(tick, (uint64_t) (j1 - j0) * p->dim)) != TE_OK)
			return st;
	}
	*far_out = far;
	return TE_OK;
}

/* bytes te_landmarks allocates for n points and k landmarks, beside the points */
size_t
te_landmarks_memory(int64_t n, int dim, int64_t k)
{
	double		b = 0.0;

	b += (double) n * (sizeof(double) * 2 + sizeof(int64_t));	/* near, sq, nearest */
	b += (double) n * sizeof(double);	/* scale */
	b += (double) DIST_BLOCK * sizeof(double);
	b += (double) k * (sizeof(int64_t) + sizeof(double));
	b += (double) n * dim * sizeof(double);	/* a scaled copy, when needed */
	if (b > (double) SIZE_MAX / 2)
		return SIZE_MAX;
	return (size_t) b;
}

/* see landmarks.h */
TeStatus
te_landmarks(TeEnv *env, const double *points, int64_t n, int dim,
			 TeMetric metric, int64_t k, int64_t start, TeLandmarks *out)
{
	Arena		mem;
	DistPoints	p;
	double	   *near = NULL,
			   *blk = NULL;
	unsigned char *chosen = NULL;
	int64_t    *nearest = NULL,
				r,
				j,
				c;
	TeTicker	tick;
	TeStatus	st;

	memset(out, 0, sizeof(*out));
	if (n < 1 || dim < 1 || k < 1 || k > n || start < 0 || start >= n)
		return te_fail(env, TE_INVALID, "farthest-point sampling of %lld landmarks among %lld points from point %lld",
					   (long long) k, (long long) n, (long long) start + 1);
	arena_init(&mem, env, 0, "farthest-point sampling");
	if ((st = dist_points_prepare(&mem, &p, points, n, dim, metric)) != TE_OK)
		goto done;
	near = arena_array(&mem, (size_t) n, sizeof(double));
	nearest = arena_array(&mem, (size_t) n, sizeof(int64_t));
	blk = arena_array(&mem, DIST_BLOCK, sizeof(double));
	chosen = arena_alloc0(&mem, (size_t) n);
	out->index = te_alloc_array(env, (size_t) k, sizeof(int64_t));
	out->radius = te_alloc_array(env, (size_t) k, sizeof(double));
	if (!near || !nearest || !blk || !chosen || !out->index || !out->radius)
	{
		st = (!near || !nearest || !blk || !chosen) ? mem.status :
			te_fail(env, TE_NOMEM, "out of memory for %lld landmarks", (long long) k);
		goto done;
	}
	for (j = 0; j < n; j++)
		near[j] = INFINITY;
	te_ticker_init(&tick, env);
	c = start;
	out->index[0] = c;
	out->radius[0] = INFINITY;
	for (r = 1;; r++)
	{
		chosen[c] = 1;
		if ((st = update_row(&p, c, near, nearest, chosen, blk, &tick, &c)) != TE_OK)
			goto done;
		if (r == k)
			break;
		out->index[r] = c;
		out->radius[r] = pair_distance(&p, c, nearest[c]);
		/* a row costs n * dim: report every 64 rows, so a long sampling shows its pace */
		if ((r & 63) == 0)
			te_progress(env, "greedy permutation", "points", (double) r, (double) k);
	}
	out->k = k;
	out->covering_radius = c >= 0 && near[c] > 0.0 ? pair_distance(&p, c, nearest[c]) : 0.0;
	st = TE_OK;
done:
	arena_free_all(&mem);
	if (st != TE_OK)
		te_landmarks_free(env, out);
	return st;
}

/* release the arrays of a TeLandmarks */
void
te_landmarks_free(TeEnv *env, TeLandmarks *out)
{
	te_free(env, out->index);
	te_free(env, out->radius);
	out->index = NULL;
	out->radius = NULL;
	out->k = 0;
}
