/*
 * rips_threads.c - threaded phases of the Rips engine
 *
 * The distance matrix of te_rips_points on several threads: the blocks of
 * the lower triangle go to the workers of parallel_internal.h, each block
 * is stored (in both halves of the matrix) by the worker that computed
 * it, and no two blocks touch the same entries, so the matrix is the one
 * the one-thread loop of rips.c stores.  Progress is reported between
 * sections, from the calling thread.
 */
#include "rips_threads_internal.h"

/* what the workers of the threaded fill share */
typedef struct FillPar
{
	RipsCtx    *c;
	const DistPoints *p;
	RipsGraph  *g;
	int64_t		ntiles;
} FillPar;

/* one block of distances as floats in both halves: see rips_threads_internal.h */
void
rips_store_tile(const RipsCtx *c, const DistPoints *p, RipsGraph *g,
				int64_t i0, int64_t i1, int64_t j0, int64_t j1, const double *blk)
{
	int64_t		n = g->n,
				i,
				j;
	float	   *D = g->D;

	for (i = i0; i < i1; i++)
		for (j = j0; j < j1 && j <= i; j++)
		{
			float		v;

			if (i == j)
				v = 0.0f;
			else
				v = rips_to_float(c, dist_metric_from_sq(p, i, j,
														 blk[(i - i0) * (j1 - j0) + (j - j0)]));
			D[i * n + j] = v;
			D[j * n + i] = v;
		}
}

/* store one block of distances (a worker's task) */
static void
fill_par_tile(void *arg, int worker, int64_t i0, int64_t i1, int64_t j0, int64_t j1,
			  const double *blk)
{
	FillPar    *fp = arg;

	(void) worker;
	rips_store_tile(fp->c, fp->p, fp->g, i0, i1, j0, j1, blk);
}

/* between sections: the share of pairs done, for the progress reports */
static void
fill_par_section(void *arg, int64_t done)
{
	FillPar    *fp = arg;

	fp->c->done = fp->c->total * (double) done / (double) (fp->ntiles > 0 ? fp->ntiles : 1);
	te_progress(fp->c->env, fp->c->phase, fp->c->unit, fp->c->done, fp->c->total);
}

/* the threaded distance matrix: see rips_threads_internal.h */
TeStatus
rips_fill_points_par(RipsCtx *c, const DistPoints *p, RipsGraph *g)
{
	FillPar		fp = {c, p, g, dist_tile_count(p->n)};

	return dist_lower_tiles_par(c->mem, p, c->threads, fill_par_tile, fill_par_section, &fp);
}
