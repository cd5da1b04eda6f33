/*
 * rips_graph.c - the ground floor of the Rips engine
 *
 * What every phase shares (see rips_graph_internal.h): the output diagram's
 * growth, the sort of 64-bit edge keys, and the filtered graph's adjacency
 * bitsets and edges in filtration order.
 */
#include "rips_graph_internal.h"

/* ---- the output diagram ---- */

/* an empty generator for the bar just appended, growing the array through the env */
static TeStatus
gen_append(RipsCtx *c)
{
	TeRipsGenerators *G = c->gen;
	TeRipsGenerator *g;
	int			i;

	if (G->n == G->capacity)
	{
		int64_t		cap = G->capacity ? 2 * G->capacity : 64;
		TeRipsGenerator *ng = te_alloc_array(c->env, (size_t) cap, sizeof(TeRipsGenerator));

		if (!ng)
			return te_fail(c->env, TE_NOMEM, "out of memory growing the generators to %lld",
						   (long long) cap);
		if (G->n)
			memcpy(ng, G->gen, sizeof(TeRipsGenerator) * (size_t) G->n);
		te_free(c->env, G->gen);
		G->gen = ng;
		G->capacity = cap;
	}
	g = &G->gen[G->n++];
	for (i = 0; i <= TE_RIPS_MAX_DIM; i++)
		g->birth[i] = -1;
	for (i = 0; i <= TE_RIPS_MAX_DIM + 1; i++)
		g->death[i] = -1;
	g->cycle = -1;
	g->cycle_len = 0;
	g->cocycle = -1;
	g->cocycle_len = 0;
	return TE_OK;
}

/*
 * Append a bar to the output, growing it through the env.  birth and death
 * are stored values: they go out in the input's units (a finite value that
 * the float rounding lifted past the double range becomes DBL_MAX).
 */
TeStatus
rips_emit(RipsCtx *c, int dim, double birth, double death)
{
	TeDiagram  *d = c->out;

	if (!(death > birth))
		return TE_OK;
	birth = rips_from_stored(c, birth);
	death = rips_from_stored(c, death);
	if (d->n_pairs == d->capacity)
	{
		int64_t		cap = d->capacity ? 2 * d->capacity : 64;
		TePersPair *np = te_alloc_array(c->env, (size_t) cap, sizeof(TePersPair));

		if (!np)
			return te_fail(c->env, TE_NOMEM, "out of memory growing the diagram to %lld pairs",
						   (long long) cap);
		if (d->n_pairs)
			memcpy(np, d->pairs, sizeof(TePersPair) * (size_t) d->n_pairs);
		te_free(c->env, d->pairs);
		d->pairs = np;
		d->capacity = cap;
	}
	d->pairs[d->n_pairs].dim = dim;
	d->pairs[d->n_pairs].birth = birth;
	d->pairs[d->n_pairs].death = death;
	d->n_pairs++;
	return c->gen ? gen_append(c) : TE_OK;
}

/* sort a few rows ascending (insertion sort) */
static void
rows_sort(int32_t *r, int n)
{
	int			i,
				j;

	for (i = 1; i < n; i++)
	{
		int32_t		x = r[i];

		for (j = i; j > 0 && r[j - 1] > x; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
}

/* a bar with its simplices: see rips_graph_internal.h */
TeStatus
rips_emit_gen(RipsCtx *c, int dim, double birth, double death,
			  const int *bv, int nb, const int *dv, int nd, int *added)
{
	int64_t		before = c->out->n_pairs;
	TeStatus	st = rips_emit(c, dim, birth, death);
	TeRipsGenerator *g;
	int			i;

	*added = st == TE_OK && c->out->n_pairs > before;
	if (!*added || !c->gen)
		return st;
	g = &c->gen->gen[c->gen->n - 1];
	for (i = 0; i < nb && i <= TE_RIPS_MAX_DIM; i++)
		g->birth[i] = (int32_t) bv[i];
	for (i = 0; i < nd && i <= TE_RIPS_MAX_DIM + 1; i++)
		g->death[i] = (int32_t) dv[i];
	rows_sort(g->birth, nb);
	rows_sort(g->death, nd);
	return TE_OK;
}

/* append rows[0..len) to the generators' row pool; *offset gets where they went */
static TeStatus
rows_append(RipsCtx *c, const int32_t *rows, int64_t len, int64_t *offset)
{
	TeRipsGenerators *G = c->gen;

	if (G->n_cycle_rows + len > G->cycle_capacity)
	{
		int64_t		cap = G->cycle_capacity ? 2 * G->cycle_capacity : 1024;
		int32_t    *nr;

		while (cap < G->n_cycle_rows + len)
			cap *= 2;
		nr = te_alloc_array(c->env, (size_t) cap, sizeof(int32_t));
		if (!nr)
			return te_fail(c->env, TE_NOMEM, "out of memory growing the generators' rows to %lld",
						   (long long) cap);
		if (G->n_cycle_rows)
			memcpy(nr, G->cycle_rows, sizeof(int32_t) * (size_t) G->n_cycle_rows);
		te_free(c->env, G->cycle_rows);
		G->cycle_rows = nr;
		G->cycle_capacity = cap;
	}
	memcpy(G->cycle_rows + G->n_cycle_rows, rows, sizeof(int32_t) * (size_t) len);
	*offset = G->n_cycle_rows;
	G->n_cycle_rows += len;
	return TE_OK;
}

/* the H1 loop of the last bar: see rips_graph_internal.h */
TeStatus
rips_gen_cycle(RipsCtx *c, const int32_t *rows, int64_t len)
{
	TeRipsGenerators *G = c->gen;
	int64_t		off;
	TeStatus	st;

	if (!G || G->n == 0)
		return TE_OK;
	if ((st = rows_append(c, rows, len, &off)) != TE_OK)
		return st;
	G->gen[G->n - 1].cycle = off;
	G->gen[G->n - 1].cycle_len = len;
	return TE_OK;
}

/* one more simplex of the last bar's cocycle: see rips_graph_internal.h */
TeStatus
rips_gen_cocycle_add(RipsCtx *c, const int *v, int nv)
{
	TeRipsGenerators *G = c->gen;
	TeRipsGenerator *g;
	int32_t		rows[TE_RIPS_MAX_DIM + 2];
	int64_t		off;
	int			i;
	TeStatus	st;

	if (!G || G->n == 0)
		return TE_OK;
	for (i = 0; i < nv; i++)
		rows[i] = (int32_t) v[i];
	rows_sort(rows, nv);
	if ((st = rows_append(c, rows, nv, &off)) != TE_OK)
		return st;
	g = &G->gen[G->n - 1];
	if (g->cocycle < 0)
		g->cocycle = off;
	g->cocycle_len++;
	return TE_OK;
}

/* free a run's generators (see rips.h) */
void
te_rips_generators_free(TeEnv *env, TeRipsGenerators *g)
{
	if (!g)
		return;
	te_free(env, g->gen);
	te_free(env, g->cycle_rows);
	memset(g, 0, sizeof(*g));
}

/* ---- sorting 64-bit keys ---- */

/*
 * In place, so that sorting the edges needs no second copy of them: the
 * introsort of sort_template.h, insertion sort below 25 keys, paced by the
 * run's interrupt check
 */
#define ST_PREFIX keys
#define ST_ELEMENT_TYPE uint64_t
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_INSERTION_MAX 24
#define ST_CHECK(c, units) rips_tick((c), (units))
#define ST_CHECK_TYPE RipsCtx
#include "sort_template.h"

/* sort keys in place; the depth bound makes the worst case n log n */
TeStatus
rips_sort_keys(RipsCtx *c, uint64_t *keys, int64_t n)
{
	return keys_sort(c, keys, n);
}

/* ---- the filtered graph ---- */

/*
 * Cut the value matrix at the threshold (INF beyond it), build the
 * adjacency bitsets and the edges in filtration order.
 */
TeStatus
rips_graph_finish(RipsCtx *c, RipsGraph *g)
{
	int64_t		n = g->n,
				W = (n + 63) / 64,
				i,
				j,
				m = 0;
	float		thr = g->threshold;
	TeStatus	st;

	g->W = W;
	rips_phase(c, "graph", "rows", 2.0 * (double) n);
	g->adj = arena_alloc0(c->mem, sizeof(uint64_t) * (size_t) (n * W > 0 ? n * W : 1));
	if (!g->adj)
		return c->mem->status;
	for (i = 0; i < n; i++)
	{
		float	   *row = g->D + i * n;

		for (j = 0; j < n; j++)
		{
			if (j == i)
			{
				row[j] = 0.0f;
				continue;
			}
			if (!(row[j] <= thr))
				row[j] = INFINITY;
			else
			{
				rips_bit_set(g->adj + i * W, j);
				if (j < i)
					m++;
			}
		}
		c->done = (double) (i + 1);
		if ((st = rips_tick(c, (uint64_t) n)) != TE_OK)
			return st;
	}
	g->m = m;
	g->keys = arena_array(c->mem, (size_t) (m > 0 ? m : 1), sizeof(uint64_t));
	if (!g->keys)
		return c->mem->status;
	m = 0;
	for (i = 0; i < n; i++)
	{
		const float *row = g->D + i * n;

		for (j = 0; j < i; j++)
			if (row[j] <= thr)
				g->keys[m++] = rips_edge_key(row[j], (uint32_t) i, (uint32_t) j);
		c->done = (double) (n + i + 1);
		if ((st = rips_tick(c, (uint64_t) i)) != TE_OK)
			return st;
	}
	rips_phase(c, "sorting edges", "edges", 0.0);
	return rips_sort_keys(c, g->keys, g->m);
}

/* free the graph's arrays */
void
rips_graph_release(Arena *m, RipsGraph *g)
{
	arena_free(m, g->D);
	arena_free(m, g->adj);
	arena_free(m, g->keys);
	g->D = NULL;
	g->adj = NULL;
	g->keys = NULL;
}
