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
#include <sched.h>
#include <string.h>

#include "alloc_internal.h"
#include "distance_internal.h"
#include "parallel_internal.h"
#include "topembed/landmarks.h"

/*
 * the least row work (points times dim) that the sampling shares among
 * threads: below it a row takes a few microseconds, and the wait for the
 * row's last block would cost more than the threads save
 */
#define LM_PAR_MIN_ROW (1 << 14)

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
 * Lower near[] (squared distance to the nearest landmark) and nearest[] of
 * the points j0..j1-1 by their distances to landmark c, computed into blk;
 * the index of the farthest of them not chosen yet (the lowest index among
 * equals, so a point equal to a landmark is chosen at distance 0 once no
 * other is left), -1 if all are chosen.  It calls no env callback, so the
 * workers of a threaded row run it on disjoint blocks.
 */
static int64_t
update_block(const DistPoints *p, int64_t c, int64_t j0, int64_t j1, double *near,
			 int64_t *nearest, const unsigned char *chosen, double *blk)
{
	int64_t		j,
				far = -1;

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
	return far;
}

/* the farther of two candidates (-1: none), the first among equals */
static int64_t
farther(const double *near, int64_t far, int64_t cand)
{
	return cand >= 0 && (far < 0 || near[cand] > near[far]) ? cand : far;
}

/*
 * The row of landmark c on one thread: lower near[] and nearest[] by it,
 * and *far_out gets the farthest point not chosen yet (-1 if every point
 * is chosen).  TE_CANCELLED if asked to stop.
 */
static TeStatus
update_row(const DistPoints *p, int64_t c, double *near, int64_t *nearest, const unsigned char *chosen,
		   double *blk, TeTicker *tick, int64_t *far_out)
{
	int64_t		j0,
				far = -1;
	TeStatus	st;

	for (j0 = 0; j0 < p->n; j0 += DIST_BLOCK)
	{
		int64_t		j1 = j0 + DIST_BLOCK < p->n ? j0 + DIST_BLOCK : p->n;

		far = farther(near, far, update_block(p, c, j0, j1, near, nearest, chosen, blk));
		if ((st = te_tick(tick, (uint64_t) (j1 - j0) * p->dim)) != TE_OK)
			return st;
	}
	*far_out = far;
	return TE_OK;
}

/*
 * The sampling on threads, as one par_run over the tasks (row r, block b)
 * in that order, r = 0..k-1: the tasks of row r lower near[] over block b
 * by landmark index[r].  A task of row r first waits until row r - 1 is
 * merged.  That cannot deadlock: the earliest task not finished has every
 * task it waits for claimed before it, hence finished, and a claimed task
 * is always run by a live thread.  The thread that finishes the last block
 * of a row merges the blocks' farthest points in block order (the one-
 * thread choice exactly) and publishes the next landmark.  The argument
 * rests on par_run's claiming one task at a time, in order, each run at
 * once by the thread that claimed it (parallel_internal.h says so).
 */
typedef struct LmTeam
{
	const DistPoints *p;
	double	   *near;
	int64_t    *nearest;
	unsigned char *chosen;
	double	   *blk;			/* DIST_BLOCK doubles per worker */
	int64_t    *far;			/* each block's farthest point in the current row */
	TeLandmarks *out;
	TeEnv	   *env;
	int64_t		nb;				/* blocks per row */
	int64_t		k;
	int64_t		blocks_done;	/* atomic: blocks finished, all rows */
	int64_t		rows_merged;	/* atomic: rows whose next landmark is published */
	int64_t		last_far;		/* the farthest point after row k - 1 (-1: none) */
} LmTeam;

/* the farthest point over the blocks of the row just finished, merged in block order */
static int64_t
merge_row(const LmTeam *t)
{
	int64_t		b,
				far = -1;

	for (b = 0; b < t->nb; b++)
		far = farther(t->near, far, t->far[b]);
	return far;
}

/* a par_run task: block task % nb of row task / nb (see LmTeam) */
static void
team_task(void *arg, int worker, int64_t task)
{
	LmTeam	   *t = arg;
	int64_t		r = task / t->nb,
				b = task % t->nb,
				j0 = b * DIST_BLOCK,
				j1 = j0 + DIST_BLOCK < t->p->n ? j0 + DIST_BLOCK : t->p->n,
				c;
	unsigned	spins = 0;

	while (__atomic_load_n(&t->rows_merged, __ATOMIC_ACQUIRE) < r)
		if (++spins % 256 == 0)
			sched_yield();
	c = t->out->index[r];
	t->far[b] = update_block(t->p, c, j0, j1, t->near, t->nearest, t->chosen,
							 t->blk + (size_t) worker * DIST_BLOCK);
	if (__atomic_add_fetch(&t->blocks_done, 1, __ATOMIC_ACQ_REL) != (r + 1) * t->nb)
		return;
	/* the last block of row r: every write of the row is visible (acquire above) */
	c = merge_row(t);
	if (r + 1 < t->k)
	{
		t->out->index[r + 1] = c;
		t->out->radius[r + 1] = pair_distance(t->p, c, t->nearest[c]);
		t->chosen[c] = 1;
	}
	else
		t->last_far = c;
	__atomic_store_n(&t->rows_merged, r + 1, __ATOMIC_RELEASE);
}

/*
 * between two sections, with no worker running: progress as the one-thread
 * loop reports it, r when landmark r has just been chosen
 */
static void
team_section(void *arg, int64_t done)
{
	LmTeam	   *t = arg;
	int64_t		r = __atomic_load_n(&t->rows_merged, __ATOMIC_ACQUIRE);

	(void) done;
	if (r > 0 && r < t->k)
		te_progress(t->env, "greedy permutation", "points", (double) r, (double) t->k);
}

/*
 * Rows 0..k-1 on one thread: index[1..k-1] and radius[1..k-1] of out, and
 * *last the farthest point after the last row (-1: none)
 */
static TeStatus
sample_one(TeEnv *env, const DistPoints *p, double *near, int64_t *nearest, unsigned char *chosen,
		   double *blk, TeLandmarks *out, int64_t k, int64_t *last)
{
	TeTicker	tick;
	int64_t		r,
				c = out->index[0];
	TeStatus	st;

	te_ticker_init(&tick, env);
	for (r = 1;; r++)
	{
		chosen[c] = 1;
		if ((st = update_row(p, c, near, nearest, chosen, blk, &tick, &c)) != TE_OK)
			return st;
		if (r == k)
			break;
		out->index[r] = c;
		out->radius[r] = pair_distance(p, c, nearest[c]);
		/* a row costs n * dim: report every 64 rows, so a long sampling shows its pace */
		if ((r & 63) == 0)
			te_progress(env, "greedy permutation", "points", (double) r, (double) k);
	}
	*last = c;
	return TE_OK;
}

/* the same on nthreads threads (see LmTeam); far holds one entry per block */
static TeStatus
sample_team(TeEnv *env, const DistPoints *p, double *near, int64_t *nearest, unsigned char *chosen,
			double *blk, int64_t *far, TeLandmarks *out, int64_t k, int nthreads, int64_t *last)
{
	LmTeam		t;
	TeStatus	st;

	memset(&t, 0, sizeof(t));
	t.p = p;
	t.near = near;
	t.nearest = nearest;
	t.chosen = chosen;
	t.blk = blk;
	t.far = far;
	t.out = out;
	t.env = env;
	t.nb = (p->n + DIST_BLOCK - 1) / DIST_BLOCK;
	t.k = k;
	t.last_far = -1;
	chosen[out->index[0]] = 1;
	if ((st = par_run(env, nthreads, k * t.nb, team_task, team_section, &t)) != TE_OK)
		return st;
	*last = t.last_far;
	return TE_OK;
}

/* bytes te_landmarks allocates for n points and k landmarks, beside the points */
size_t
te_landmarks_memory(int64_t n, int dim, int64_t k)
{
	double		b = 0.0;

	b += (double) n * (sizeof(double) * 2 + sizeof(int64_t));	/* near, sq, nearest */
	b += (double) n * sizeof(double);	/* scale */
	b += (double) DIST_BLOCK * sizeof(double) * PAR_MAX_THREADS;	/* blocks, one per thread */
	b += (double) (n / DIST_BLOCK + 1) * sizeof(int64_t);	/* farthest point per block */
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
	return te_landmarks_threads(env, points, n, dim, metric, k, start, 1, out);
}

/* see landmarks.h */
TeStatus
te_landmarks_threads(TeEnv *env, const double *points, int64_t n, int dim, TeMetric metric,
					 int64_t k, int64_t start, int threads, TeLandmarks *out)
{
	Arena		mem;
	DistPoints	p;
	double	   *near = NULL,
			   *blk = NULL;
	unsigned char *chosen = NULL;
	int64_t    *nearest = NULL,
			   *far = NULL,
				j,
				c = -1,
				nb = (n + DIST_BLOCK - 1) / DIST_BLOCK;
	int			nthreads;
	TeStatus	st;

	memset(out, 0, sizeof(*out));
	if (n < 1 || dim < 1 || k < 1 || k > n || start < 0 || start >= n)
		return te_fail(env, TE_INVALID, "farthest-point sampling of %lld landmarks among %lld points from point %lld",
					   (long long) k, (long long) n, (long long) start + 1);
	arena_init(&mem, env, 0, "farthest-point sampling");
	if ((st = dist_points_prepare(&mem, &p, points, n, dim, metric)) != TE_OK)
		goto done;
	/* threads where a row has blocks to share and work enough to pay for the waits */
	nthreads = (double) n * dim >= LM_PAR_MIN_ROW ? par_threads(threads, nb) : 1;
	near = arena_array(&mem, (size_t) n, sizeof(double));
	nearest = arena_array(&mem, (size_t) n, sizeof(int64_t));
	blk = arena_array(&mem, (size_t) DIST_BLOCK * nthreads, sizeof(double));
	chosen = arena_alloc0(&mem, (size_t) n);
	if (nthreads > 1)
		far = arena_array(&mem, (size_t) nb, sizeof(int64_t));
	out->index = te_alloc_array(env, (size_t) k, sizeof(int64_t));
	out->radius = te_alloc_array(env, (size_t) k, sizeof(double));
	if (!near || !nearest || !blk || !chosen || (nthreads > 1 && !far) || !out->index || !out->radius)
	{
		st = (!out->index || !out->radius) && mem.status == TE_OK ?
			te_fail(env, TE_NOMEM, "out of memory for %lld landmarks", (long long) k) : mem.status;
		goto done;
	}
	for (j = 0; j < n; j++)
		near[j] = INFINITY;
	out->index[0] = start;
	out->radius[0] = INFINITY;
	st = nthreads > 1 ? sample_team(env, &p, near, nearest, chosen, blk, far, out, k, nthreads, &c) :
		sample_one(env, &p, near, nearest, chosen, blk, out, k, &c);
	if (st != TE_OK)
		goto done;
	out->k = k;
	out->covering_radius = c >= 0 && near[c] > 0.0 ? pair_distance(&p, c, nearest[c]) : 0.0;
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
