/*
 * rips_graph.c - the ground floor of the Rips engine
 *
 * What every phase shares (see rips_graph_internal.h): the output diagram's
 * growth, the sort of 64-bit edge keys, and the filtered graph's adjacency
 * bitsets and edges in filtration order.
 */
#include "rips_graph_internal.h"
#include "parallel_internal.h"

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

/* the same sort with no interrupt check, for the workers' short bins */
#define ST_PREFIX keys_plain
#define ST_ELEMENT_TYPE uint64_t
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_INSERTION_MAX 24
#include "sort_template.h"

/* ---- the filtered graph ---- */

/*
 * Bins of the edge sort: the values' float bits from 0 to the threshold's
 * are cut into ranges of equal width, one per 16 edges, from 1024 to at
 * most this many (2^20: 8 MB of offsets), and each bin is sorted on its own
 * by full key
 */
#define EDGE_BINS_MAX ((int64_t) 1 << 20)
#define EDGE_BINS_MIN ((int64_t) 1 << 10)

/* the float bits of a value >= +0.0, in the order of the values */
static inline uint32_t
value_bits(float v)
{
	uint32_t	b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/*
 * the bin of a value whose bits are at most top, of nb bins (values are
 * never -0.0; were one, the last bin keeps the write within the offsets)
 */
static inline int64_t
edge_bin(float v, uint64_t top, int64_t nb)
{
	uint64_t	b = (uint64_t) value_bits(v) * (uint64_t) nb / (top + 1);

	return b < (uint64_t) nb ? (int64_t) b : nb - 1;
}

/*
 * The edge sort's bins on threads: a task is a run of bins of about
 * SORT_TASK_EDGES edges; a worker sorts the bins of at most SORT_BIN_PAR
 * edges, in a scratch of its own, and the calling thread the larger ones
 * afterwards, with its interrupt checks (so no task runs long)
 */
#define SORT_TASK_EDGES ((int64_t) 1 << 16)
#define SORT_BIN_PAR ((int64_t) 1 << 16)

/* what the threads of the bin sort share */
typedef struct SortPar
{
	RipsCtx    *c;
	RipsGraph  *g;
	const int64_t *off;			/* bin b ends at off[b] */
	const int64_t *tb;			/* task t: bins tb[t] .. tb[t + 1] - 1 */
	int64_t		ntasks;
	uint64_t   *scratch;		/* nthreads x cap */
	int64_t		cap;
} SortPar;

/* the extra bytes of the bin sort on threads, for m edges in nb bins */
size_t
rips_sort_par_bytes(int64_t m, int64_t most, int threads)
{
	int64_t		cap = most < SORT_BIN_PAR ? most : SORT_BIN_PAR;

	if (threads < 2)
		return 0;
	return (size_t) threads * (size_t) (cap > 0 ? cap : 1) * sizeof(uint64_t) +
		(size_t) (m / SORT_TASK_EDGES + 2) * sizeof(int64_t) + 4 * ARENA_HEADER;
}

/* sort the edges i..end-1 (one bin) by key through scratch */
static void
sort_bin_plain(RipsGraph *g, uint64_t *scratch, int64_t i, int64_t end)
{
	int64_t		q,
				len = end - i;

	for (q = 0; q < len; q++)
		scratch[q] = rips_graph_key(g, i + q);
	keys_plain_sort(scratch, len);
	for (q = 0; q < len; q++)
		g->edges[i + q] = rips_pair(rips_key_a(scratch[q]), rips_key_b(scratch[q]));
}

/* one task of the bin sort: its bins of at most SORT_BIN_PAR edges */
static void
sort_par_task(void *arg, int worker, int64_t t)
{
	SortPar    *sp = arg;
	int64_t		b;

	for (b = sp->tb[t]; b < sp->tb[t + 1]; b++)
	{
		int64_t		i = b > 0 ? sp->off[b - 1] : 0,
					len = sp->off[b] - i;

		if (len > 1 && len <= SORT_BIN_PAR)
			sort_bin_plain(sp->g, sp->scratch + (int64_t) worker * sp->cap, i, sp->off[b]);
	}
}

/* between sections: the share of bins sorted, for the progress reports */
static void
sort_par_section(void *arg, int64_t done)
{
	SortPar    *sp = arg;
	RipsCtx    *c = sp->c;
	int64_t		m = sp->g->m,
				end = done >= sp->ntasks ? m : (sp->tb[done] > 0 ? sp->off[sp->tb[done] - 1] : 0);

	c->done = (double) (2 * m + end) / 3.0;
	te_progress(c->env, c->phase, c->unit, c->done, c->total);
}

/*
 * Sort the nb bins (bin b ends at off[b], the largest holds most edges) on
 * the threads; TE_OK with *ran 0 when they would not fit the memory limit
 * (the caller then sorts on one thread)
 */
static TeStatus
sort_bins_par(RipsCtx *c, RipsGraph *g, const int64_t *off, int64_t nb, int64_t most, int *ran)
{
	SortPar		sp;
	int64_t    *tb,
				b,
				i,
				acc = 0,
				nt = 0;
	int			threads = par_threads(c->threads, g->m / SORT_TASK_EDGES + 1);
	TeStatus	st = TE_OK;
	Arena	   *mem = c->mem;

	*ran = 0;
	while (threads > 1 && mem->limit > 0 &&
		   mem->cur + rips_sort_par_bytes(g->m, most, threads) > mem->limit)
		threads--;
	if (threads < 2)
		return TE_OK;
	sp.c = c;
	sp.g = g;
	sp.off = off;
	sp.cap = most < SORT_BIN_PAR ? most : SORT_BIN_PAR;
	if (sp.cap < 1)
		sp.cap = 1;
	tb = arena_array(mem, (size_t) (g->m / SORT_TASK_EDGES + 2), sizeof(int64_t));
	sp.scratch = arena_array(mem, (size_t) threads * (size_t) sp.cap, sizeof(uint64_t));
	if (!tb || !sp.scratch)
	{
		arena_free(mem, tb);
		arena_free(mem, sp.scratch);
		return mem->status;
	}
	/* tasks of about SORT_TASK_EDGES edges, cut between bins */
	tb[0] = 0;
	for (b = 0, i = 0; b < nb; b++)
	{
		acc += off[b] - i;
		i = off[b];
		if (acc >= SORT_TASK_EDGES && b + 1 < nb)
		{
			tb[++nt] = b + 1;
			acc = 0;
		}
	}
	tb[++nt] = nb;
	sp.tb = tb;
	sp.ntasks = nt;
	*ran = 1;
	st = par_run(c->env, threads, nt, sort_par_task, sort_par_section, &sp);
	arena_free(mem, sp.scratch);
	arena_free(mem, tb);
	if (st != TE_OK)
		return st;
	/* the bins too large for a worker, on this thread with its checks */
	if (most > SORT_BIN_PAR)
	{
		uint64_t   *scratch = arena_array(mem, (size_t) most, sizeof(uint64_t));

		if (!scratch)
			return mem->status;
		for (b = 0, i = 0; b < nb && st == TE_OK; b++)
		{
			int64_t		end = off[b],
						len = end - i,
						q;

			if (len > SORT_BIN_PAR)
			{
				for (q = 0; q < len; q++)
					scratch[q] = rips_graph_key(g, i + q);
				st = rips_sort_keys(c, scratch, len);
				for (q = 0; q < len && st == TE_OK; q++)
					g->edges[i + q] = rips_pair(rips_key_a(scratch[q]), rips_key_b(scratch[q]));
			}
			i = end;
		}
		arena_free(mem, scratch);
	}
	return st;
}

/*
 * The m edges of the lower triangle within the threshold, in filtration
 * order, as pairs: a counting pass gives each bin of values its place, a
 * second pass puts every pair there, and each bin is then sorted by key in
 * a scratch of the largest bin's size.  Bins hold a range of values, so
 * their order is the filtration's, and the edges never need 8 bytes each.
 */
static TeStatus
sort_edges(RipsCtx *c, RipsGraph *g)
{
	int64_t		n = g->n,
				m = g->m,
				i,
				j,
				b,
				most = 0,
				seen = 0,
				nb = m / 16;
	uint64_t	top = value_bits(g->threshold);
	int64_t    *off;
	uint64_t   *scratch;
	TeStatus	st = TE_OK;

	nb = nb < EDGE_BINS_MIN ? EDGE_BINS_MIN : nb > EDGE_BINS_MAX ? EDGE_BINS_MAX : nb;
	off = arena_array0(c->mem, (size_t) nb + 1, sizeof(int64_t));
	if (!off)
		return c->mem->status;
	/* three passes over the edges: a third of the count each */
	rips_phase(c, "sorting edges", "edges", (double) m);
	for (i = 0; i < n && st == TE_OK; i++)
	{
		const float *row = g->D + i * n;

		for (j = 0; j < i; j++)
			if (row[j] <= g->threshold)
			{
				off[edge_bin(row[j], top, nb) + 1]++;
				seen++;
			}
		c->done = (double) seen / 3.0;
		st = rips_tick(c, (uint64_t) i);
	}
	for (b = 0; b < nb && st == TE_OK; b++)
	{
		if (off[b + 1] > most)
			most = off[b + 1];
		off[b + 1] += off[b];
	}
	for (i = 0; i < n && st == TE_OK; i++)
	{
		const float *row = g->D + i * n;

		for (j = 0; j < i; j++)
			if (row[j] <= g->threshold)
			{
				g->edges[off[edge_bin(row[j], top, nb)]++] = rips_pair((uint32_t) i, (uint32_t) j);
				seen++;
			}
		c->done = (double) seen / 3.0;
		st = rips_tick(c, (uint64_t) i);
	}
	if (st != TE_OK)
	{
		arena_free(c->mem, off);
		return st;
	}
	/* off[b] is now where bin b ends; sort each bin by key */
	if (c->threads > 1)
	{
		int			ran = 0;

		st = sort_bins_par(c, g, off, nb, most, &ran);
		if (st != TE_OK || ran)
		{
			arena_free(c->mem, off);
			return st;
		}
	}
	scratch = arena_array(c->mem, (size_t) (most > 0 ? most : 1), sizeof(uint64_t));
	if (!scratch)
	{
		arena_free(c->mem, off);
		return c->mem->status;
	}
	for (b = 0, i = 0; b < nb && st == TE_OK; b++)
	{
		int64_t		end = off[b],
					len = end - i,
					q;

		if (len > 1)
		{
			for (q = 0; q < len; q++)
				scratch[q] = rips_graph_key(g, i + q);
			st = rips_sort_keys(c, scratch, len);
			for (q = 0; q < len; q++)
				g->edges[i + q] = rips_pair(rips_key_a(scratch[q]), rips_key_b(scratch[q]));
		}
		i = end;
		c->done = (double) (2 * m + end) / 3.0;
		if (st == TE_OK)
			st = rips_tick(c, (uint64_t) len * 4 + 1);
	}
	arena_free(c->mem, scratch);
	arena_free(c->mem, off);
	return st;
}

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
	rips_phase(c, "graph", "rows", (double) n);
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
	g->edges = arena_array(c->mem, (size_t) (m > 0 ? m : 1), sizeof(uint32_t));
	if (!g->edges)
		return c->mem->status;
	return sort_edges(c, g);
}

/* free the graph's arrays */
void
rips_graph_release(Arena *m, RipsGraph *g)
{
	arena_free(m, g->D);
	arena_free(m, g->adj);
	arena_free(m, g->edges);
	g->D = NULL;
	g->adj = NULL;
	g->edges = NULL;
}
