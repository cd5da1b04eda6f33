/*
 * rips_collapse.c - edge collapse of a filtered flag complex
 *
 * Boissonnat and Pritam (SoCG 2020) showed that removing a dominated edge
 * from a flag complex is a collapse: an edge uv is dominated by a vertex c
 * (adjacent to u and v) when every common neighbour of u and v is c or a
 * neighbour of c.  Glisse and Pritam (SoCG 2022) turned this into a
 * backward pass over a filtration that keeps the persistence diagram
 * exactly: walk the edges from the last to the first; an edge dominated in
 * the graph of its own filtration value may be moved later, to the next
 * value at which the graph around it changes, for as long as it stays
 * dominated; dominated to the very end, it is dropped.  Moving an edge uv
 * from t to t' changes the complexes only on [t, t'), where each one
 * collapses onto the other, so the persistence modules are isomorphic.
 *
 * The graph at time t is every edge whose current value is <= t: the edges
 * not yet visited keep their original (smaller) values, the visited ones
 * their final values.  This implementation keeps that graph as adjacency
 * bitsets (lvl) so the usual domination test at time t is a few word
 * operations per candidate; the later times, where only the edges met by
 * the moving edge matter, are followed with an event heap and direct
 * lookups in the value matrix.
 *
 * All values involved are original edge values, so the result stays in
 * float32 exactly.
 */
#include "topembed/rips_internal.h"

enum
{
	KEEP,
	DELAY,
	DROP
};

typedef struct Collapser
{
	RipsCtx    *c;
	RipsGraph  *g;
	uint64_t   *lvl;			/* graph at the current time */
	uint64_t   *cs;				/* common neighbours at time t */
	uint64_t   *cx;				/* common neighbours at the later time */
	float	   *ev_t;			/* event heap: times */
	int32_t    *ev_v;			/* event heap: vertices */
	int64_t		nev;
} Collapser;

/* does c dominate the set (bitset) at the graph lvl: set \ {c} within N(c)? */
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

/* restore the event min-heap below position i */
static void
ev_sift_down(Collapser *s, int64_t i)
{
	int64_t		n = s->nev;
	float		t = s->ev_t[i];
	int32_t		v = s->ev_v[i];

	for (;;)
	{
		int64_t		l = 2 * i + 1,
					r = l + 1,
					m = i;
		float		mt = t;

		if (l < n && s->ev_t[l] < mt)
		{
			m = l;
			mt = s->ev_t[l];
		}
		if (r < n && s->ev_t[r] < mt)
			m = r;
		if (m == i)
			break;
		s->ev_t[i] = s->ev_t[m];
		s->ev_v[i] = s->ev_v[m];
		i = m;
	}
	s->ev_t[i] = t;
	s->ev_v[i] = v;
}

/* remove the heap's smallest event */
static void
ev_pop(Collapser *s)
{
	s->nev--;
	if (s->nev > 0)
	{
		s->ev_t[0] = s->ev_t[s->nev];
		s->ev_v[0] = s->ev_v[s->nev];
		ev_sift_down(s, 0);
	}
}

/*
 * Decide the fate of edge uv of value t: KEEP it at t, DELAY it to *newt,
 * or DROP it.  *work receives a rough operation count.
 */
static int
decide(Collapser *s, int64_t u, int64_t v, float t, float *newt, uint64_t *work)
{
	RipsGraph  *g = s->g;
	int64_t		W = g->W,
				n = g->n,
				w,
				dom = -1;
	const uint64_t *lu = s->lvl + u * W,
			   *lv = s->lvl + v * W,
			   *au = g->adj + u * W,
			   *av = g->adj + v * W;
	const float *Du = g->D + u * n,
			   *Dv = g->D + v * n,
			   *Dc;
	uint64_t	any = 0;
	int			all_ok = 1;
	float		T;

	(void) t;					/* the time is implicit in lvl */

	for (w = 0; w < W; w++)
	{
		s->cs[w] = lu[w] & lv[w];
		any |= s->cs[w];
	}
	*work += (uint64_t) W;
	if (!any)
		return KEEP;

	/* a dominator at time t */
	for (w = 0; w < W && dom < 0; w++)
	{
		uint64_t	x = s->cs[w];

		while (x)
		{
			int64_t		cand = (w << 6) + __builtin_ctzll(x);

			x &= x - 1;
			*work += 4;
			if (dominates_now(s, s->cs, cand))
			{
				dom = cand;
				break;
			}
		}
	}
	if (dom < 0)
		return KEEP;

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
		return DROP;			/* dom dominates uv until the end */

	/* follow the events in time order */
	for (w = s->nev / 2 - 1; w >= 0; w--)
		ev_sift_down(s, w);
	memcpy(s->cx, s->cs, sizeof(uint64_t) * (size_t) W);
	while (s->nev > 0)
	{
		int			broken = 0;

		T = s->ev_t[0];
		Dc = g->D + dom * n;
		while (s->nev > 0 && s->ev_t[0] == T)
		{
			int64_t		y = s->ev_v[0];

			rips_bit_set(s->cx, y);
			if (Dc[y] > T)
				broken = 1;
			ev_pop(s);
			*work += 8;
		}
		if (!broken)
			continue;
		/* look for another dominator of the grown neighbourhood at T */
		dom = -1;
		for (w = 0; w < W && dom < 0; w++)
		{
			uint64_t	x = s->cx[w];

			while (x)
			{
				int64_t		cand = (w << 6) + __builtin_ctzll(x);

				x &= x - 1;
				*work += 8;
				if (dominates_at(s, s->cx, cand, T))
				{
					dom = cand;
					break;
				}
			}
		}
		if (dom < 0)
		{
			*newt = T;
			return DELAY;
		}
	}
	return DROP;
}

/*
 * One backward pass over the edges; rebuilds the sorted keys.  With probe
 * set, the pass gives up (keeping what it changed, which is valid) when the
 * longest tenth of the edges hardly collapses: then the graph is not one
 * where collapses pay, and the rest of the pass would be wasted work.
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
	pos = g->m - 1;
	while (pos >= 0)
	{
		float		t = rips_key_value(g->keys[pos]);
		int64_t		g0 = pos;

		while (g0 > 0 && rips_key_value(g->keys[g0 - 1]) == t)
			g0--;
		for (q = pos; q >= g0; q--)
		{
			uint64_t	k = g->keys[q],
						work = 0;
			int64_t		u = rips_key_a(k),
						v = rips_key_b(k);
			float		newt = t;
			int			fate = decide(s, u, v, t, &newt, &work);

			seen++;
			if (fate == DROP)
			{
				dropped++;
				g->D[u * n + v] = g->D[v * n + u] = INFINITY;
				rips_bit_clear(g->adj + u * W, v);
				rips_bit_clear(g->adj + v * W, u);
				rips_bit_clear(s->lvl + u * W, v);
				rips_bit_clear(s->lvl + v * W, u);
			}
			else if (fate == DELAY)
			{
				g->D[u * n + v] = g->D[v * n + u] = newt;
				rips_bit_clear(s->lvl + u * W, v);
				rips_bit_clear(s->lvl + v * W, u);
			}
			if ((st = rips_tick(c, work + 16)) != TE_OK)
				return st;
		}
		if (probe && seen >= probe_at && dropped * 5 < seen && seen < g->m)
		{
			*gave_up = 1;
			break;
		}
		/* edges kept at t leave the graph of the smaller times */
		for (q = pos; q >= g0; q--)
		{
			uint64_t	k = g->keys[q];
			int64_t		u = rips_key_a(k),
						v = rips_key_b(k);

			rips_bit_clear(s->lvl + u * W, v);
			rips_bit_clear(s->lvl + v * W, u);
		}
		pos = g0 - 1;
	}

	/* the surviving edges with their final values */
	m2 = 0;
	for (q = 0; q < g->m; q++)
	{
		uint64_t	k = g->keys[q];
		int64_t		u = rips_key_a(k),
					v = rips_key_b(k);
		float		val = g->D[u * n + v];

		if (val <= g->threshold)
			g->keys[m2++] = rips_edge_key(val, (uint32_t) u, (uint32_t) v);
	}
	g->m = m2;
	return rips_sort_keys(c, g->keys, g->m);
}

/* collapse passes until one removes less than a tenth of the edges */
TeStatus
rips_collapse(RipsCtx *c, RipsGraph *g, int max_passes, int *passes)
{
	Collapser	s;
	RipsMem    *mem = c->mem;
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
	s.lvl = rips_array(mem, (size_t) (n * W), sizeof(uint64_t));
	s.cs = rips_array(mem, (size_t) W, sizeof(uint64_t));
	s.cx = rips_array(mem, (size_t) W, sizeof(uint64_t));
	s.ev_t = rips_array(mem, (size_t) n, sizeof(float));
	s.ev_v = rips_array(mem, (size_t) n, sizeof(int32_t));
	if (!s.lvl || !s.cs || !s.cx || !s.ev_t || !s.ev_v)
		st = mem->status;
	for (pass = 0; st == TE_OK && pass < max_passes; pass++)
	{
		int64_t		before = g->m;
		int			gave_up;

		st = collapse_pass(&s, pass == 0, &gave_up);
		if (st != TE_OK)
			break;
		*passes = pass + 1;
		if (gave_up)
			break;
		/* stop when a pass no longer removes a tenth of the edges */
		if (g->m * 10 > before * 9)
			break;
	}
	rips_free(mem, s.lvl);
	rips_free(mem, s.cs);
	rips_free(mem, s.cx);
	rips_free(mem, s.ev_t);
	rips_free(mem, s.ev_v);
	return st;
}
