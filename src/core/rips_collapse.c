/*
 * rips_collapse.c - edge collapse of a filtered flag complex
 *
 * Boissonnat and Pritam (SoCG 2020) showed that removing a dominated edge
 * from a flag complex is a collapse: edge uv is dominated by a vertex c
 * (adjacent to u and v) when every common neighbour of u and v is c or a
 * neighbour of c; the flag complex without uv is then homotopy equivalent
 * to the one with it.  In a filtration, an edge dominated in the graph of
 * every time from its own value to the end - possibly by different
 * dominators at different times - can be dropped: at every time the
 * complex with it collapses onto the one without it, so the inclusions of
 * the smaller filtration into the larger are homotopy equivalences, the
 * persistence modules are isomorphic and the diagrams (in all dimensions)
 * are equal.
 *
 * As in the backward algorithm of Glisse and Pritam (SoCG 2022), the
 * edges are visited from the last to the first, so that the graph "at time
 * t" is simply every edge still present with value <= t: those not yet
 * visited keep their (smaller) values, and the visited ones are final.
 * That graph is kept as adjacency bitsets (lvl) with its degrees.  For the
 * edge uv of value t:
 *  - C = common neighbours at t (an AND of two rows); a dominator c must
 *    have degree >= |C| + 1 at t, which rules out most vertices at once;
 *    the others are tested with a few word operations each;
 *  - the common neighbours appearing later are events; while the current
 *    dominator is adjacent to each newcomer by its time, nothing changes;
 *    at the first newcomer it misses, a few likely replacements are tried;
 *    if none works the edge stays.
 * Glisse and Pritam also move ("shift") edges to later values; that is
 * valid too, but it makes many values equal, and ties cost the cohomology
 * (fewer apparent pairs) more than the moves save, so edges here are only
 * kept or dropped.  Giving up on an edge is always safe: it simply stays.
 */
#include "rips_collapse_internal.h"

/* dominator candidates tested at an edge's own time */
#define DOMINATE_TRIES 64
/* replacements tried when the dominator misses a later neighbour */
#define REDOMINATE_TRIES 8

typedef struct Collapser
{
	RipsCtx    *c;
	RipsGraph  *g;
	uint64_t   *lvl;			/* graph at the current time */
	int32_t    *deg;			/* degrees in lvl */
	uint64_t   *cs;				/* common neighbours at time t */
	uint64_t   *cx;				/* common neighbours at a later time */
	float	   *ev_t;			/* later neighbours: times */
	int32_t    *ev_v;			/* later neighbours: vertices */
	int64_t		nev;
} Collapser;

/* does c dominate the set (bitset) in the graph lvl: set \ {c} within N(c)? */
static int
dominates_now(const Collapser *s, const uint64_t *set, int64_t c)
{
	const uint64_t *row = s->lvl + c * s->g->W;
	int64_t		w,
				W = s->g->W;

	for (w = 0; w < W; w++)
	{
		uint64_t	x = set[w] & ~row[w];

		if (w == (c >> 6))
			x &= ~((uint64_t) 1 << (c & 63));
		if (x)
			return 0;
	}
	return 1;
}

/* does c dominate the set (bitset) at time T, by value lookups? */
static int
dominates_at(const Collapser *s, const uint64_t *set, int64_t c, float T)
{
	const float *row = s->g->D + c * s->g->n;
	int64_t		w,
				W = s->g->W;

	for (w = 0; w < W; w++)
	{
		uint64_t	x = set[w];

		while (x)
		{
			int64_t		y = (w << 6) + __builtin_ctzll(x);

			x &= x - 1;
			if (y != c && row[y] > T)
				return 0;
		}
	}
	return 1;
}

/*
 * A replacement dominator of the set cx at time T after neighbour y joined:
 * it must be adjacent to y by T; the candidates closest to both u and v
 * are tried.  -1 if none of them works.
 */
static int64_t
redominate(Collapser *s, int64_t u, int64_t v, int64_t y, float T, uint64_t *work)
{
	RipsGraph  *g = s->g;
	int64_t		W = g->W,
				n = g->n,
				w,
				cand[REDOMINATE_TRIES];
	const float *Du = g->D + u * n,
			   *Dv = g->D + v * n,
			   *Dy = g->D + y * n;
	float		key[REDOMINATE_TRIES];
	int			nc = 0,
				t;

	for (w = 0; w < W; w++)
	{
		uint64_t	x = s->cx[w];

		while (x)
		{
			int64_t		z = (w << 6) + __builtin_ctzll(x);
			float		kz = Du[z] > Dv[z] ? Du[z] : Dv[z];
			int			pos;

			x &= x - 1;
			if (z != y && Dy[z] > T)
				continue;
			if (nc == REDOMINATE_TRIES && !(kz < key[nc - 1]))
				continue;
			pos = nc < REDOMINATE_TRIES ? nc++ : nc - 1;
			while (pos > 0 && key[pos - 1] > kz)
			{
				key[pos] = key[pos - 1];
				cand[pos] = cand[pos - 1];
				pos--;
			}
			key[pos] = kz;
			cand[pos] = z;
		}
	}
	*work += (uint64_t) W * 4;
	for (t = 0; t < nc; t++)
	{
		*work += 16;
		if (dominates_at(s, s->cx, cand[t], T))
			return cand[t];
	}
	return -1;
}

/*
 * Is edge uv (value t, implicit in lvl) dominated from t to the end?
 * *work receives a rough operation count.
 */
static int
droppable(Collapser *s, int64_t u, int64_t v, uint64_t *work)
{
	RipsGraph  *g = s->g;
	int64_t		W = g->W,
				n = g->n,
				w,
				csize = 0,
				dom = -1;
	const uint64_t *lu = s->lvl + u * W,
			   *lv = s->lvl + v * W,
			   *au = g->adj + u * W,
			   *av = g->adj + v * W;
	const float *Du = g->D + u * n,
			   *Dv = g->D + v * n,
			   *Dc;
	int			all_ok = 1,
				tries = 0;

	for (w = 0; w < W; w++)
	{
		s->cs[w] = lu[w] & lv[w];
		csize += rips_popcount(s->cs[w]);
	}
	*work += (uint64_t) W * 2;
	if (csize == 0)
		return 0;

	/* a dominator at time t: adjacent to u, v and the rest of C */
	for (w = 0; w < W && dom < 0 && tries < DOMINATE_TRIES; w++)
	{
		uint64_t	x = s->cs[w];

		while (x)
		{
			int64_t		c = (w << 6) + __builtin_ctzll(x);

			x &= x - 1;
			if (s->deg[c] < csize + 1)
				continue;
			*work += (uint64_t) W;
			if (dominates_now(s, s->cs, c))
			{
				dom = c;
				break;
			}
			if (++tries >= DOMINATE_TRIES)
				break;
		}
	}
	*work += (uint64_t) csize;
	if (dom < 0)
		return 0;

	/* the later common neighbours, with the time each one appears */
	Dc = g->D + dom * n;
	s->nev = 0;
	for (w = 0; w < W; w++)
	{
		uint64_t	x = au[w] & av[w] & ~s->cs[w];

		while (x)
		{
			int64_t		y = (w << 6) + __builtin_ctzll(x);
			float		ty = Du[y] > Dv[y] ? Du[y] : Dv[y];

			x &= x - 1;
			s->ev_t[s->nev] = ty;
			s->ev_v[s->nev] = (int32_t) y;
			s->nev++;
			if (Dc[y] > ty)
				all_ok = 0;
		}
	}
	*work += (uint64_t) W + 2 * (uint64_t) s->nev;
	if (all_ok)
		return 1;				/* the same dominator until the end */

	/*
	 * Follow the later neighbours: the first one the dominator misses (by
	 * its own time T) calls for a replacement dominating everything that
	 * has joined by T; then the next miss of the replacement, and so on.
	 * Each step is a linear scan of the events: there are few steps.
	 */
	{
		float		Tcur = -INFINITY;

		for (;;)
		{
			float		T = INFINITY;
			int64_t		missed = -1,
						e;

			Dc = g->D + dom * n;
			for (e = 0; e < s->nev; e++)
			{
				float		te = s->ev_t[e];

				if (te > Tcur && te < T && Dc[s->ev_v[e]] > te)
				{
					T = te;
					missed = s->ev_v[e];
				}
			}
			*work += 2 * (uint64_t) s->nev;
			if (missed < 0)
				return 1;		/* dominated until the end */
			memcpy(s->cx, s->cs, sizeof(uint64_t) * (size_t) W);
			for (e = 0; e < s->nev; e++)
				if (s->ev_t[e] <= T)
					rips_bit_set(s->cx, s->ev_v[e]);
			if ((dom = redominate(s, u, v, missed, T, work)) < 0)
				return 0;
			Tcur = T;
		}
	}
}

/* take edge uv out of lvl, keeping the degrees */
static inline void
lvl_remove(Collapser *s, int64_t u, int64_t v)
{
	int64_t		W = s->g->W;

	if (rips_bit_test(s->lvl + u * W, v))
	{
		rips_bit_clear(s->lvl + u * W, v);
		rips_bit_clear(s->lvl + v * W, u);
		s->deg[u]--;
		s->deg[v]--;
	}
}

/*
 * One backward pass over the edges; rebuilds the sorted edges.  With probe
 * set, the pass gives up (keeping what it dropped, which is valid) when
 * the longest tenth of the edges hardly collapses: then the graph is not
 * one where collapses pay, and the rest of the pass would be wasted work.
 */
static TeStatus
collapse_pass(Collapser *s, int probe, int *gave_up)
{
	RipsCtx    *c = s->c;
	RipsGraph  *g = s->g;
	int64_t		n = g->n,
				W = g->W,
				pos,
				q,
				m2,
				seen = 0,
				dropped = 0,
				probe_at = g->m / 10 > 1000 ? g->m / 10 : 1000;
	TeStatus	st = TE_OK;

	*gave_up = 0;
	memcpy(s->lvl, g->adj, sizeof(uint64_t) * (size_t) (n * W));
	for (q = 0; q < n; q++)
	{
		int64_t		w,
					dg = 0;

		for (w = 0; w < W; w++)
			dg += rips_popcount(s->lvl[q * W + w]);
		s->deg[q] = (int32_t) dg;
	}
	pos = g->m - 1;
	while (pos >= 0)
	{
		float		t = rips_graph_value(g, pos);
		int64_t		g0 = pos;

		while (g0 > 0 && rips_graph_value(g, g0 - 1) == t)
			g0--;
		for (q = pos; q >= g0; q--)
		{
			uint64_t	work = 0;
			int64_t		u = rips_pair_a(g->edges[q]),
						v = rips_pair_b(g->edges[q]);

			seen++;
			if (droppable(s, u, v, &work))
			{
				dropped++;
				g->D[u * n + v] = g->D[v * n + u] = INFINITY;
				rips_bit_clear(g->adj + u * W, v);
				rips_bit_clear(g->adj + v * W, u);
				lvl_remove(s, u, v);
			}
			if ((st = rips_tick(c, work + 16)) != TE_OK)
				return st;
		}
		if (probe && seen >= probe_at && dropped * 5 < seen && seen < g->m)
		{
			*gave_up = 1;
			break;
		}
		/* the group's edges leave the graph of the smaller times */
		for (q = pos; q >= g0; q--)
			lvl_remove(s, rips_pair_a(g->edges[q]), rips_pair_b(g->edges[q]));
		pos = g0 - 1;
	}

	/* the surviving edges keep their order */
	m2 = 0;
	for (q = 0; q < g->m; q++)
	{
		uint32_t	e = g->edges[q];

		if (g->D[(int64_t) rips_pair_a(e) * n + rips_pair_b(e)] <= g->threshold)
			g->edges[m2++] = e;
	}
	g->m = m2;
	return TE_OK;
}

/* collapse passes until one drops less than a tenth of the edges */
TeStatus
rips_collapse(RipsCtx *c, RipsGraph *g, int max_passes, int *passes)
{
	Collapser	s;
	Arena	   *mem = c->mem;
	int64_t		n = g->n,
				W = g->W;
	TeStatus	st = TE_OK;
	int			pass;

	*passes = 0;
	if (n < 3 || g->m == 0)
		return TE_OK;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.g = g;
	s.lvl = arena_array(mem, (size_t) (n * W), sizeof(uint64_t));
	s.deg = arena_array(mem, (size_t) n, sizeof(int32_t));
	s.cs = arena_array(mem, (size_t) W, sizeof(uint64_t));
	s.cx = arena_array(mem, (size_t) W, sizeof(uint64_t));
	s.ev_t = arena_array(mem, (size_t) n, sizeof(float));
	s.ev_v = arena_array(mem, (size_t) n, sizeof(int32_t));
	if (!s.lvl || !s.deg || !s.cs || !s.cx || !s.ev_t || !s.ev_v)
		st = mem->status;
	/* how many passes there will be is known only at the end */
	rips_phase(c, "edge collapse", "passes", 0.0);
	for (pass = 0; st == TE_OK && pass < max_passes; pass++)
	{
		int64_t		before = g->m;
		int			gave_up;

		c->done = (double) pass;

		st = collapse_pass(&s, pass == 0, &gave_up);
		if (st != TE_OK)
			break;
		*passes = pass + 1;
		if (gave_up || g->m * 10 > before * 9)
			break;
	}
	arena_free(mem, s.lvl);
	arena_free(mem, s.deg);
	arena_free(mem, s.cs);
	arena_free(mem, s.cx);
	arena_free(mem, s.ev_t);
	arena_free(mem, s.ev_v);
	return st;
}
