/*
 * wasserstein.c - the exact p-Wasserstein distance between diagrams
 *
 * Ground metric: c(x, y) = max(|bx - by|, |dx - dy|) (L-infinity); a point x
 * may go to the diagonal at cost h(x) = (dx - bx) / 2.  Essential points
 * (death = +inf) are matched among themselves, births in sorted order.
 *
 * W_p^p = sum_y h(y)^p + min over assignments of the finite
 * points x of the smaller diagram to either a point y of the other one
 * (cost c(x,y)^p - h(y)^p) or to x's own diagonal slot (cost h(x)^p), each y
 * used at most once.  An edge x-y can only be in an optimal matching if
 * c(x,y)^p < h(x)^p + h(y)^p ("kept" edges, found with a k-d tree).  The
 * rectangular assignment is solved exactly by shortest augmenting paths
 * (Dijkstra with Jonker-Volgenant column potentials, as in Crouse 2016 for
 * rectangular problems), first on each row's nearest kept edges; the
 * potentials are then checked against every kept edge, violated edges are
 * added and the subgraph solved again until the check passes, which proves
 * the assignment optimal for the whole problem.  When every finite point has
 * the same birth (Rips H0), the problem is one-dimensional and a dynamic
 * programme over the sorted deaths replaces the assignment.  The costs are
 * taken in units of the bottleneck distance, which makes the computation
 * exact for every p (see te_wasserstein_distance).
 */
#include "bottleneck_internal.h"
#include "kdtree_internal.h"

#include <math.h>
#include <string.h>

/*
 * (c s)^p, at most cap.  Costs are taken in units of 1/s, the bottleneck
 * distance, so that the optimal matching's terms lie between 0 and a few
 * times the number of points; cap (above any term an optimal matching can
 * use) keeps the others from overflowing.
 */
static inline double
ws_pow(double c, double p, double s, double cap)
{
	double		v;

	c *= s;
	v = (p == 1.0) ? c : (p == 2.0) ? c * c : pow(c, p);
	return v < cap ? v : cap;
}

/*
 * The pruned assignment problem and the state of its solver.
 *
 * Most kept edges are never used, and Dijkstra's cost grows with the edges
 * it scans, so the solver works on a subgraph: each row's WS_K nearest kept
 * edges (and its diagonal slot), plus edges added later.  After solving the
 * subgraph exactly, its potentials (u, v) are checked against every kept
 * edge: if cost - u - v >= 0 everywhere, the potentials are feasible for the
 * whole problem and the assignment is optimal for it (LP duality; v <= 0 with
 * v = 0 on the unused columns).  Otherwise the violating edges that are not
 * yet in the subgraph join it and it is solved again from scratch.  After
 * WS_MAX_ROUNDS rounds all kept edges join, which bounds the work.
 */
#define WS_K 40
#define WS_TOL 1e-14
#define WS_MAX_ROUNDS 8

/*
 * The first try of te_wasserstein_distance: costs in units of the spread
 * for p up to WS_FAST_P, kept when the optimal cost is at least
 * WS_FAST_FLOOR (2^-900) in those units and (for the assignment solver) at
 * least 1 / WS_FAST_RATIO of the largest diagonal cost
 */
#define WS_FAST_P 256.0
#define WS_FAST_RATIO 1024.0
#define WS_FAST_FLOOR 1.1830521861667747e-271	/* 2^-900 */

typedef struct WsProblem
{
	double		p;
	double		s;				/* cost scale, see ws_pow */
	double		cap;			/* the largest cost kept, see ws_pow */
	int32_t		nx,				/* rows: finite points of X */
				ny;				/* columns 0..ny-1: points of Y; ny + i: row i's diagonal */
	const double *xb,
			   *xd,
			   *yb,
			   *yd;
	double	   *hx,				/* h(x)^p */
			   *hy;				/* h(y)^p */
	double		hy_max;
	KdTree		tree;			/* over the points of Y */
	int32_t    *kbest;			/* per row: up to WS_K nearest kept edges */
	int32_t    *nkbest;
	int32_t    *extra_row,		/* edges added by the checks */
			   *extra_col;
	int64_t		nextra,
				extra_cap;
	int64_t    *rowstart;		/* CSR of the current subgraph */
	int32_t    *adj;
	int64_t		nadj,
				adj_cap;
	const double *u,			/* potentials, for the check */
			   *v;
	int			add_all;		/* the last check: every kept edge joins */
	int64_t		nviol;
	int64_t    *stamp;			/* per column of Y: token of the row being checked */
	int64_t		token;
	Arena	   *ar;
	int			nomem;
	TeTicker   *tk;
	int			cancelled;		/* a visitor saw the interrupt check say stop */
} WsProblem;

/* c(x_i, y_j)^p in the problem's units, at most cap */
static inline double
ws_edge(const WsProblem *w, int32_t i, int32_t j)
{
	return ws_pow(linf(w->xb[i], w->xd[i], w->yb[j], w->yd[j]), w->p, w->s, w->cap);
}

/* cost of row i to column j */
static inline double
ws_cost(const WsProblem *w, int32_t i, int32_t j)
{
	if (j >= w->ny)
		return w->hx[i];
	return ws_edge(w, i, j) - w->hy[j];
}

/* k-d tree visitor state for one row */
typedef struct WsVisit
{
	WsProblem  *w;
	int32_t		row;
} WsVisit;

/*
 * Is the edge (row i, column id) kept: c^p < h(x)^p + h(y)^p, and below
 * the cap (a term at the cap is larger than the whole optimal cost)?
 */
static inline int
ws_kept(const WsProblem *w, int32_t i, int32_t id)
{
	double		c = ws_edge(w, i, id);

	return c < w->cap && c < w->hx[i] + w->hy[id];
}

/* L-infinity distance of row i to column id */
static inline double
ws_near(const WsProblem *w, int32_t i, int32_t id)
{
	return linf(w->xb[i], w->xd[i], w->yb[id], w->yd[id]);
}

/* visitor: offer a kept edge to the row's list of its WS_K nearest */
static void
ws_offer(void *arg, int32_t id)
{
	WsVisit    *vis = arg;
	WsProblem  *w = vis->w;
	int32_t		i = vis->row,
			   *list = w->kbest + (size_t) i * WS_K,
				n = w->nkbest[i],
				k;
	double		c;

	if (te_tick(w->tk, 16) != TE_OK)
		w->cancelled = 1;
	if (!ws_kept(w, i, id))
		return;
	c = ws_near(w, i, id);
	if (n == WS_K && !(c < ws_near(w, i, list[n - 1])))
		return;
	/* insertion into the short sorted list */
	k = (n == WS_K) ? n - 1 : n;
	while (k > 0 && c < ws_near(w, i, list[k - 1]))
	{
		list[k] = list[k - 1];
		k--;
	}
	list[k] = id;
	if (n < WS_K)
		w->nkbest[i] = n + 1;
}

/* visitor: record a kept edge whose reduced cost is negative */
static void
ws_verify(void *arg, int32_t id)
{
	WsVisit    *vis = arg;
	WsProblem  *w = vis->w;
	int32_t		i = vis->row;
	double		c,
				rc;

	if (te_tick(w->tk, 16) != TE_OK)
		w->cancelled = 1;
	/* edges already in the subgraph are skipped: each round must add new ones */
	if (w->nomem || w->stamp[id] == w->token || !ws_kept(w, i, id))
		return;
	/* negative beyond the rounding of the three terms, or the last round */
	c = ws_cost(w, i, id);
	rc = c - w->u[i] - w->v[id];
	if (!w->add_all && rc >= -WS_TOL * (fabs(c) + fabs(w->u[i]) + fabs(w->v[id])))
		return;
	if (w->nextra == w->extra_cap)
	{
		int64_t		ncap = w->extra_cap ? 2 * w->extra_cap : 1024;
		int32_t    *nr = arena_array(w->ar, (size_t) ncap, sizeof(int32_t)),
				   *nc = arena_array(w->ar, (size_t) ncap, sizeof(int32_t));

		if (!nr || !nc)
		{
			w->nomem = 1;
			return;
		}
		if (w->extra_row)
		{
			memcpy(nr, w->extra_row, sizeof(int32_t) * (size_t) w->nextra);
			memcpy(nc, w->extra_col, sizeof(int32_t) * (size_t) w->nextra);
			arena_free(w->ar, w->extra_row);
			arena_free(w->ar, w->extra_col);
		}
		w->extra_row = nr;
		w->extra_col = nc;
		w->extra_cap = ncap;
	}
	w->extra_row[w->nextra] = i;
	w->extra_col[w->nextra] = id;
	w->nextra++;
	w->nviol++;
}

/* run fn on every kept edge of row i (a superset, filtered by fn) */
static void
ws_visit_row(WsProblem *w, int32_t i, void (*fn) (void *, int32_t))
{
	WsVisit		vis;
	KdVisit		q;

	if (w->ny == 0)
		return;
	vis.w = w;
	vis.row = i;
	q.x = w->yb;
	q.y = w->yd;
	q.qx = w->xb[i];
	q.qy = w->xd[i];
	/* c^p < min(h(x)^p + h(y)^p, cap) implies c < this radius; widened against rounding */
	q.r = w->hx[i] + w->hy_max;
	if (q.r > w->cap)
		q.r = w->cap;
	q.r = (w->p == 1.0) ? q.r : pow(q.r, 1.0 / w->p);
	q.r = q.r / w->s * (1.0 + 1e-9) + 1e-300;
	q.fn = fn;
	q.arg = &vis;
	q.stop = &w->cancelled;
	kd_range_node(&w->tree, &q, 1, 0, w->ny);
}

/* the k-d tree over Y and each row's WS_K nearest kept edges */
static TeStatus
ws_prepare(TeEnv *env, WsProblem *w)
{
	int32_t		i;

	w->tree.n = w->ny;
	w->tree.idx = arena_array(w->ar, (size_t) w->ny, sizeof(int32_t));
	w->tree.dead = arena_array(w->ar, (size_t) w->ny, 1);
	w->tree.alive = arena_array(w->ar, (size_t) kd_nodes(w->ny), sizeof(int32_t));
	w->tree.box = arena_array(w->ar, (size_t) kd_nodes(w->ny), 4 * sizeof(double));
	w->kbest = arena_array(w->ar, (size_t) w->nx * WS_K, sizeof(int32_t));
	w->nkbest = arena_array(w->ar, (size_t) w->nx, sizeof(int32_t));
	w->rowstart = arena_array(w->ar, (size_t) w->nx + 1, sizeof(int64_t));
	w->stamp = arena_array(w->ar, (size_t) w->ny, sizeof(int64_t));
	if (!w->stamp || !w->tree.idx || !w->tree.dead || !w->tree.alive || !w->tree.box || !w->kbest ||
		!w->nkbest || !w->rowstart)
		return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein distance");
	for (i = 0; i < w->ny; i++)
	{
		w->tree.idx[i] = i;
		w->stamp[i] = -1;
	}
	w->token = 0;
	if (kd_build(&w->tree, w->yb, w->yd, w->tk))
		return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	for (i = 0; i < w->nx; i++)
	{
		w->nkbest[i] = 0;
		ws_visit_row(w, i, ws_offer);
		if (w->cancelled || te_tick(w->tk, 64) != TE_OK)
			return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	}
	return TE_OK;
}

/* the subgraph as CSR: the nearest edges of each row and the added ones */
static TeStatus
ws_build_csr(TeEnv *env, WsProblem *w)
{
	int64_t		total = w->nextra,
				e;
	int32_t		i;

	if (te_tick(w->tk, 8 * (uint64_t) w->nx + 4 * (uint64_t) w->nextra) != TE_OK)
		return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	for (i = 0; i < w->nx; i++)
		total += w->nkbest[i];
	if (total > w->adj_cap)
	{
		if (w->adj)
			arena_free(w->ar, w->adj);
		w->adj_cap = total + total / 2 + 16;
		w->adj = arena_array(w->ar, (size_t) w->adj_cap, sizeof(int32_t));
		if (!w->adj)
			return te_fail(env, TE_NOMEM, "out of memory for the edges of the Wasserstein distance");
	}
	/* counting sort of the edges by row */
	for (i = 0; i <= w->nx; i++)
		w->rowstart[i] = 0;
	for (i = 0; i < w->nx; i++)
		w->rowstart[i + 1] += w->nkbest[i];
	for (e = 0; e < w->nextra; e++)
		w->rowstart[w->extra_row[e] + 1]++;
	for (i = 0; i < w->nx; i++)
		w->rowstart[i + 1] += w->rowstart[i];
	for (i = 0; i < w->nx; i++)
	{
		memcpy(w->adj + w->rowstart[i], w->kbest + (size_t) i * WS_K,
			   sizeof(int32_t) * (size_t) w->nkbest[i]);
		w->rowstart[i] += w->nkbest[i];
	}
	for (e = 0; e < w->nextra; e++)
		w->adj[w->rowstart[w->extra_row[e]]++] = w->extra_col[e];
	/* the fill left each start at the next row's start: shift back */
	for (i = w->nx; i > 0; i--)
		w->rowstart[i] = w->rowstart[i - 1];
	w->rowstart[0] = 0;
	w->nadj = total;
	return TE_OK;
}

/* min-heap of columns keyed by shortest-path cost, free columns first on ties */
typedef struct WsHeap
{
	int32_t    *h;
	int32_t    *pos;			/* index in h, or -1 */
	int32_t		n;
	const double *key;
	const int32_t *row4col;
} WsHeap;

/* does column a come before column b? */
static inline int
heap_less(const WsHeap *q, int32_t a, int32_t b)
{
	if (q->key[a] != q->key[b])
		return q->key[a] < q->key[b];
	return q->row4col[a] < 0 && q->row4col[b] >= 0;
}

/* move the entry at index i up to its place */
static void
heap_up(WsHeap *q, int32_t i)
{
	int32_t		c = q->h[i];

	while (i > 0)
	{
		int32_t		parent = (i - 1) / 2;

		if (!heap_less(q, c, q->h[parent]))
			break;
		q->h[i] = q->h[parent];
		q->pos[q->h[i]] = i;
		i = parent;
	}
	q->h[i] = c;
	q->pos[c] = i;
}

/* remove and return the smallest column */
static int32_t
heap_pop(WsHeap *q)
{
	int32_t		top = q->h[0],
				c,
				i = 0;

	q->pos[top] = -1;
	if (--q->n == 0)
		return top;
	c = q->h[q->n];
	for (;;)
	{
		int32_t		k = 2 * i + 1;

		if (k >= q->n)
			break;
		if (k + 1 < q->n && heap_less(q, q->h[k + 1], q->h[k]))
			k++;
		if (!heap_less(q, q->h[k], c))
			break;
		q->h[i] = q->h[k];
		q->pos[q->h[i]] = i;
		i = k;
	}
	q->h[i] = c;
	q->pos[c] = i;
	return top;
}

/* working arrays of the shortest augmenting path solver */
typedef struct WsSolver
{
	double	   *u,
			   *v,
			   *spc;
	int32_t    *col4row,
			   *row4col,
			   *path,
			   *sr,
			   *sc,
			   *touched;
	uint8_t    *done;
	WsHeap		q;
} WsSolver;

/*
 * Solve the subgraph's rectangular assignment from scratch: one shortest
 * augmenting path per row (Dijkstra on reduced costs, stopping at the first
 * free column), then the Jonker-Volgenant update of the potentials.
 *
 * Long (about 130 lines) because the Dijkstra scan, the augmentation along
 * the path found and the potential update of one row share the solver's
 * scratch state (heap, touched columns, path) and must stay in step.
 */
static TeStatus
ws_solve(TeEnv *env, WsProblem *w, WsSolver *S)
{
	int32_t		ncol = w->ny + w->nx,
				i,
				cur;

	if (te_tick(w->tk, 8 * (uint64_t) ncol) != TE_OK)
		return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	for (i = 0; i < ncol; i++)
	{
		S->v[i] = 0.0;
		S->spc[i] = INFINITY;
		S->row4col[i] = -1;
		S->done[i] = 0;
		S->q.pos[i] = -1;
	}
	S->q.n = 0;
	S->q.key = S->spc;
	S->q.row4col = S->row4col;

	for (cur = 0; cur < w->nx; cur++)
	{
		double		minval = 0.0,
					umin;
		int32_t		nsr = 0,
					nsc = 0,
					ntouched = 0,
					sink = -1,
					r = cur,
					j;
		int64_t		e;

		if (te_tick(w->tk, 64) != TE_OK)
			return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");

		/* the new row's potential: its smallest reduced cost becomes 0 */
		umin = w->hx[cur] - S->v[w->ny + cur];
		for (e = w->rowstart[cur]; e < w->rowstart[cur + 1]; e++)
		{
			double		rc = ws_cost(w, cur, w->adj[e]) - S->v[w->adj[e]];

			if (rc < umin)
				umin = rc;
		}
		S->u[cur] = umin;

		while (sink < 0)
		{
			double		base;
			int64_t		e_end = w->rowstart[r + 1];

			S->sr[nsr++] = r;
			base = minval - S->u[r];
			/* relax row r's edges: its subgraph ones, then its own diagonal slot */
			for (e = w->rowstart[r];; e++)
			{
				double		rc;

				if (e < e_end)
					j = w->adj[e];
				else if (e == e_end)
					j = w->ny + r;
				else
					break;
				if (S->done[j])
					continue;
				rc = base + ws_cost(w, r, j) - S->v[j];
				if (rc < S->spc[j])
				{
					if (S->spc[j] == INFINITY)
						S->touched[ntouched++] = j;
					S->spc[j] = rc;
					S->path[j] = r;
					if (S->q.pos[j] < 0)
					{
						S->q.h[S->q.n] = j;
						S->q.pos[j] = S->q.n;
						S->q.n++;
					}
					heap_up(&S->q, S->q.pos[j]);
				}
			}
			/* never empty (row cur's own diagonal slot stays free) unless costs are NaN */
			if (S->q.n == 0)
				return te_fail(env, TE_NUMERIC, "Wasserstein costs are not comparable (overflow)");
			j = heap_pop(&S->q);
			minval = S->spc[j];
			S->done[j] = 1;
			S->sc[nsc++] = j;
			if (S->row4col[j] < 0)
				sink = j;
			else
				r = S->row4col[j];
			if (te_tick(w->tk, 16 * (uint64_t) (e_end - w->rowstart[r] + 2)) != TE_OK)
				return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
		}

		/* update the potentials (Jonker-Volgenant) */
		S->u[cur] += minval;
		for (i = 1; i < nsr; i++)
			S->u[S->sr[i]] += minval - S->spc[S->col4row[S->sr[i]]];
		for (i = 0; i < nsc; i++)
			S->v[S->sc[i]] -= minval - S->spc[S->sc[i]];

		/* augment along the path */
		j = sink;
		for (;;)
		{
			int32_t		rr = S->path[j],
						prev;

			S->row4col[j] = rr;
			prev = (rr == cur) ? -1 : S->col4row[rr];
			S->col4row[rr] = j;
			if (rr == cur)
				break;
			j = prev;
		}

		/* clean up for the next row */
		for (i = 0; i < S->q.n; i++)
			S->q.pos[S->q.h[i]] = -1;
		S->q.n = 0;
		for (i = 0; i < ntouched; i++)
			S->spc[S->touched[i]] = INFINITY;
		for (i = 0; i < nsc; i++)
			S->done[S->sc[i]] = 0;
	}
	return TE_OK;
}

/*
 * Exact W_p^p of the finite parts in units of 1/s (see ws_pow): X rows (the
 * smaller part), Y columns; mate (may be NULL) receives each row's partner
 * in Y, or -1 for the diagonal
 *
 * Long (about 125 lines) because the problem, the solver's arrays, the
 * rounds of solving and checking and the final sum of the matching's cost
 * all share the same WsProblem and WsSolver and are set up and torn down
 * together.
 */
static TeStatus
wasserstein_finite(TeEnv *env, Arena *ar, TeTicker *tk, const TeDgmPart *X, const TeDgmPart *Y,
				   double p, double s, double cap, double *out, int32_t *mate)
{
	TeStatus	st;
	WsProblem	w;
	WsSolver	S;
	int32_t		ncol,
				i;
	int			round;
	double		total = 0.0,
				comp = 0.0;

	*out = 0.0;
	memset(&w, 0, sizeof(w));
	if (X->n >= INT32_MAX / 4 || Y->n >= INT32_MAX / 4)
		return te_fail(env, TE_LIMIT, "diagrams of %lld and %lld points are too large to match",
					   (long long) X->n, (long long) Y->n);
	w.p = p;
	w.s = s;
	w.cap = cap;
	w.tk = tk;
	w.nx = (int32_t) X->n;
	w.ny = (int32_t) Y->n;
	w.xb = X->birth;
	w.xd = X->death;
	w.yb = Y->birth;
	w.yd = Y->death;
	w.ar = ar;
	w.hx = arena_array(ar, (size_t) w.nx, sizeof(double));
	w.hy = arena_array(ar, (size_t) w.ny, sizeof(double));
	if (!w.hx || !w.hy)
		return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein distance");
	if (te_tick(tk, 32 * (uint64_t) (w.nx + w.ny)) != TE_OK)
		return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	for (i = 0; i < w.nx; i++)
		w.hx[i] = ws_pow((w.xd[i] - w.xb[i]) / 2, p, s, cap);
	for (i = 0; i < w.ny; i++)
	{
		w.hy[i] = ws_pow((w.yd[i] - w.yb[i]) / 2, p, s, cap);
		if (w.hy[i] > w.hy_max)
			w.hy_max = w.hy[i];
	}
	if ((st = ws_prepare(env, &w)) != TE_OK)
		return st;

	ncol = w.ny + w.nx;
	S.u = arena_array(ar, (size_t) w.nx, sizeof(double));
	S.v = arena_array(ar, (size_t) ncol, sizeof(double));
	S.spc = arena_array(ar, (size_t) ncol, sizeof(double));
	S.col4row = arena_array(ar, (size_t) w.nx, sizeof(int32_t));
	S.row4col = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	S.path = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	S.sr = arena_array(ar, (size_t) w.nx, sizeof(int32_t));
	S.sc = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	S.touched = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	S.done = arena_array(ar, (size_t) ncol, 1);
	S.q.h = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	S.q.pos = arena_array(ar, (size_t) ncol, sizeof(int32_t));
	if (!S.u || !S.v || !S.spc || !S.col4row || !S.row4col || !S.path || !S.sr || !S.sc ||
		!S.touched || !S.done || !S.q.h || !S.q.pos)
		return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein distance");

	/*
	 * Solve the subgraph, check the potentials on every kept edge, repeat.
	 * After WS_MAX_ROUNDS checks every kept edge joins (a check that accepts
	 * nothing), and that last solve needs no check.
	 */
	for (round = 1;; round++)
	{
		int			last = round > WS_MAX_ROUNDS;

		if ((st = ws_build_csr(env, &w)) != TE_OK)
			return st;
		if ((st = ws_solve(env, &w, &S)) != TE_OK)
			return st;
		if (last)
			break;
		w.u = S.u;
		w.v = S.v;
		w.nviol = 0;
		w.add_all = (round == WS_MAX_ROUNDS);
		for (i = 0; i < w.nx; i++)
		{
			int64_t		e;

			/* mark the row's subgraph edges: they are not checked again */
			w.token++;
			for (e = w.rowstart[i]; e < w.rowstart[i + 1]; e++)
				w.stamp[w.adj[e]] = w.token;
			ws_visit_row(&w, i, ws_verify);
			if (w.nomem)
				return te_fail(env, TE_NOMEM, "out of memory for the edges of the Wasserstein distance");
			if (w.cancelled || te_tick(tk, 64 + (uint64_t) (w.rowstart[i + 1] - w.rowstart[i])) != TE_OK)
				return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
		}
		if (w.nviol == 0)
			break;
	}

	/* the cost of the matching, from its nonnegative parts (Neumaier sum) */
	for (i = 0; i < ncol; i++)
	{
		double		term,
					t;
		int32_t		r = S.row4col[i];

		if (i < w.ny)
			term = (r >= 0) ? ws_edge(&w, r, i) : w.hy[i];
		else if (r >= 0)
			term = w.hx[i - w.ny];
		else
			continue;
		t = total + term;
		comp += (fabs(total) >= fabs(term)) ? (total - t) + term : (term - t) + total;
		total = t;
	}
	*out = total + comp;
	for (i = 0; mate && i < w.nx; i++)
		mate[i] = (S.col4row[i] < w.ny) ? S.col4row[i] : -1;
	return TE_OK;
}

/* do all finite points of X and Y share one birth?  (Rips H0 diagrams do) */
static int
common_birth(const TeDgmPart *X, const TeDgmPart *Y)
{
	int64_t		i;
	double		b0 = X->n ? X->birth[0] : Y->birth[0];

	for (i = 0; i < X->n; i++)
		if (X->birth[i] != b0)
			return 0;
	for (i = 0; i < Y->n; i++)
		if (Y->birth[i] != b0)
			return 0;
	return 1;
}

/* a death and the index of its point, for the matching of wasserstein_line */
typedef struct WsKey
{
	double		key;
	int32_t		idx;
} WsKey;

/* ws_keys_heapsort(): by death, then index */
#define ST_PREFIX ws_keys
#define ST_ELEMENT_TYPE WsKey
#define ST_LESS(x, y) ((x)->key < (y)->key || ((x)->key == (y)->key && (x)->idx < (y)->idx))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/*
 * The sorted deaths of part P into x; with keys (P->n entries), also which
 * point each one is
 */
static TeStatus
ws_sorted_deaths(TeTicker *tk, const TeDgmPart *P, double *x, WsKey *keys)
{
	int64_t		i;

	if (keys == NULL)
	{
		memcpy(x, P->death, sizeof(double) * (size_t) P->n);
		return te_sort_doubles(tk, x, P->n);
	}
	for (i = 0; i < P->n; i++)
	{
		keys[i].key = P->death[i];
		keys[i].idx = (int32_t) i;
	}
	if (P->n > 1 && ws_keys_heapsort(tk, keys, P->n) != TE_OK)
		return TE_CANCELLED;
	for (i = 0; i < P->n; i++)
		x[i] = keys[i].key;
	return TE_OK;
}

/* the choice of the dynamic programme at cell k (2 bits each) */
static inline int
ws_choice_get(const uint8_t *t, int64_t k)
{
	return (t[k >> 2] >> (2 * (k & 3))) & 3;
}

/* record choice c at cell k (the table starts zeroed) */
static inline void
ws_choice_set(uint8_t *t, int64_t k, int c)
{
	t[k >> 2] |= (uint8_t) (c << (2 * (k & 3)));
}

/*
 * W_p^p when every finite point has the same birth b0: the points lie on one
 * line, c(x, y) = |dx - dy| and h(x) = (dx - b0) / 2.  For a fixed choice of
 * which points are matched, the best matching between them pairs them in
 * sorted order (|.|^p is convex), so a dynamic programme over the two sorted
 * death lists is exact: O(nx ny) time, O(ny) memory, no edge list.  With
 * mate (X->n entries: each point's partner in Y or -1), the choice of every
 * cell is kept (2 bits, nx ny / 4 bytes) and the matching read back from
 * the last cell.
 *
 * Long (about 125 lines) because the matching's read-back walks the same
 * table, sorted orders and choice codes that the programme's loop fills,
 * and both must agree cell by cell.
 */
static TeStatus
wasserstein_line(TeEnv *env, Arena *ar, TeTicker *tk, const TeDgmPart *X, const TeDgmPart *Y,
				 double p, double s, double cap, double *out, int32_t *mate)
{
	int64_t		nx = X->n,
				ny = Y->n,
				i,
				j;
	double		b0 = nx ? X->birth[0] : Y->birth[0];
	double	   *x = arena_array(ar, (size_t) nx, sizeof(double)),
			   *y = arena_array(ar, (size_t) ny, sizeof(double)),
			   *hy = arena_array(ar, (size_t) ny, sizeof(double)),
			   *prev = arena_array(ar, (size_t) ny + 1, sizeof(double)),
			   *cur = arena_array(ar, (size_t) ny + 1, sizeof(double));
	WsKey	   *kx = NULL,
			   *ky = NULL;
	uint8_t    *choice = NULL;

	if (!x || !y || !hy || !prev || !cur)
		return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein distance");
	if (mate)
	{
		if (nx * ny > TE_MATCHING_MAX_LINE_CELLS)
			return te_fail(env, TE_LIMIT,
						   "the matching of %lld and %lld bars of one birth needs a table of %lld cells, "
						   "more than the %lld allowed",
						   (long long) nx, (long long) ny, (long long) (nx * ny),
						   (long long) TE_MATCHING_MAX_LINE_CELLS);
		kx = arena_array(ar, (size_t) nx, sizeof(WsKey));
		ky = arena_array(ar, (size_t) ny, sizeof(WsKey));
		choice = arena_array0(ar, (size_t) ((nx * ny + 3) / 4), 1);
		if (!kx || !ky || !choice)
			return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein matching");
	}
	if (ws_sorted_deaths(tk, X, x, kx) != TE_OK || ws_sorted_deaths(tk, Y, y, ky) != TE_OK)
		return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
	prev[0] = 0.0;
	for (j = 0; j < ny; j++)
	{
		hy[j] = ws_pow((y[j] - b0) / 2, p, s, cap);
		prev[j + 1] = prev[j] + hy[j];
	}
	for (i = 0; i < nx; i++)
	{
		double		hx = ws_pow((x[i] - b0) / 2, p, s, cap),
				   *t;

		if (te_tick(tk, 16 * (uint64_t) (ny + 1)) != TE_OK)
			return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
		cur[0] = prev[0] + hx;
		for (j = 1; j <= ny; j++)
		{
			double		best = prev[j] + hx,
						alt = cur[j - 1] + hy[j - 1];
			int			c = 0;	/* x_i to the diagonal; 1: y_j-1; 2: x_i with y_j-1 */

			if (alt < best)
			{
				best = alt;
				c = 1;
			}
			alt = prev[j - 1] + ws_pow(fabs(x[i] - y[j - 1]), p, s, cap);
			if (alt < best)
				c = 2;
			cur[j] = alt < best ? alt : best;
			if (choice && c)
				ws_choice_set(choice, i * ny + j - 1, c);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	*out = prev[ny];
	if (mate)
	{
		/* back from the last cell: (i, j) = the first i of x and j of y */
		if (te_tick(tk, 4 * (uint64_t) (nx + ny)) != TE_OK)
			return te_fail(env, TE_CANCELLED, "Wasserstein distance cancelled");
		for (i = 0; i < nx; i++)
			mate[i] = -1;
		i = nx;
		j = ny;
		while (i > 0 && j > 0)
		{
			int			c = ws_choice_get(choice, (i - 1) * ny + j - 1);

			if (c == 2)
				mate[kx[i - 1].idx] = ky[j - 1].idx;
			if (c != 1)
				i--;
			if (c != 0)
				j--;
		}
	}
	return TE_OK;
}

/*
 * The finite part W_p^p in units of 1/s (see ws_pow), by the fitting
 * solver; *line tells whether it was the dynamic programme.  mate (may be
 * NULL, else A->n entries) receives the partner in B of each point of A,
 * or -1 for the diagonal.
 */
static TeStatus
wasserstein_part(TeEnv *env, TeTicker *tk, const TeDgmPart *A, const TeDgmPart *B, double p,
				 double s, double cap, double *out, int *line, int32_t *mate)
{
	Arena		ar;
	TeStatus	st;
	int32_t    *mate_b = NULL;
	int64_t		i;

	*out = 0.0;
	*line = 1;
	for (i = 0; mate && i < A->n; i++)
		mate[i] = -1;
	if (A->n + B->n == 0)
		return TE_OK;
	arena_init(&ar, env, 0, "the Wasserstein distance");
	*line = common_birth(A, B);
	if (*line)
		st = wasserstein_line(env, &ar, tk, A, B, p, s, cap, out, mate);
	else if (A->n <= B->n)
		st = wasserstein_finite(env, &ar, tk, A, B, p, s, cap, out, mate);
	else if (mate && !(mate_b = arena_array(&ar, (size_t) B->n, sizeof(int32_t))))
		st = ar.status;
	else
	{
		st = wasserstein_finite(env, &ar, tk, B, A, p, s, cap, out, mate_b);
		/* B's partners in A, turned round */
		for (i = 0; st == TE_OK && mate_b && i < B->n; i++)
			if (mate_b[i] >= 0)
				mate[mate_b[i]] = (int32_t) i;
	}
	arena_free_all(&ar);
	return st;
}

/* the largest (h s)^p of the finite points of A and B, h the half-persistence */
static double
largest_diagonal_cost(const TeDgmPart *A, const TeDgmPart *B, double p, double s)
{
	double		h = 0.0;
	int64_t		i;

	for (i = 0; i < A->n; i++)
		h = fmax(h, (A->death[i] - A->birth[i]) / 2);
	for (i = 0; i < B->n; i++)
		h = fmax(h, (B->death[i] - B->birth[i]) / 2);
	return ws_pow(h, p, s, INFINITY);
}

/* (sum)^(1/p) */
static inline double
pth_root(double sum, double p)
{
	return (p == 1.0) ? sum : (p == 2.0) ? sqrt(sum) : pow(sum, 1.0 / p);
}

/*
 * Exact p-Wasserstein distance between the dim parts of a and b.
 *
 * The scale.  First, for p <= WS_FAST_P, costs are taken in units of a power
 * of two just above the diagrams' spread: every cost is then below 1, so
 * nothing overflows, and if the optimal cost is at least WS_FAST_FLOOR, the
 * terms that underflowed (below 2^-1074 each) cannot have changed it beyond
 * rounding.  The assignment solver works on costs minus diagonal costs, so
 * it also needs the largest diagonal cost within WS_FAST_RATIO of the
 * optimal cost, or its rounding would be large against the result (the
 * dynamic programme only adds non-negative terms).  Then the result is
 * exact.  Otherwise (large p, or a distance tiny
 * against the spread) the units become the bottleneck distance B, computed
 * exactly: every term of the optimal matching is at most W_p^p <= N B^p, N
 * the number of points (the bottleneck matching has at most N terms, each
 * at most B^p), and W_p >= B, so the optimal cost lies in [1, N], a term
 * below 2^-1022 cannot change it, and a term above cap = 2N + 2 cannot be in
 * an optimal matching, so larger costs are capped (diagonal costs) or their
 * edges left out.  This holds for every p >= 1.  The finite and the
 * essential parts are combined relative to the larger of their bottleneck
 * distances.
 */
TeStatus
te_wasserstein_distance(TeEnv *env, const TePersPair *a, int64_t na,
						const TePersPair *b, int64_t nb, int dim, double p, double *out)
{
	return te_wasserstein_matching(env, a, na, b, nb, dim, p, out, NULL);
}

/*
 * te_wasserstein_distance, and with m the optimal matching it found: each
 * solve of the finite part writes its matching, so the one kept is the one
 * of the solve whose value is returned (the bottleneck matching when the
 * finite part is at distance 0).  With m the finite part is solved even
 * when the essential counts differ (as if there were no essential bars),
 * and *out is then +INFINITY.
 *
 * Long (about 130 lines) because the two tries of the scale, their
 * acceptance test and the combination of the finite and essential parts
 * share the parts, the scale and the matching, and the matching must come
 * from the try whose value is returned.
 */
TeStatus
te_wasserstein_matching(TeEnv *env, const TePersPair *a, int64_t na,
						const TePersPair *b, int64_t nb, int dim, double p, double *out,
						TeMatching *m)
{
	TeStatus	st = TE_OK;
	TeDgmPart	A,
				B;
	TeTicker	tk;
	int32_t    *mate = NULL;

	if (m)
	{
		m->rows = NULL;
		m->n_rows = 0;
	}
	if (out == NULL)
		return te_fail(env, TE_INVALID, "no output for the Wasserstein distance");
	*out = 0.0;
	if (isnan(p) || p < 1.0)
		return te_fail(env, TE_INVALID, "the Wasserstein order p must be at least 1, not %g", p);
	if (isinf(p))
		return te_bottleneck_matching(env, a, na, b, nb, dim, out, m);
	if ((st = te_dgm_part_load(env, &A, a, na, dim)) != TE_OK)
		return st;
	if ((st = te_dgm_part_load(env, &B, b, nb, dim)) != TE_OK)
	{
		te_dgm_part_free(env, &A);
		return st;
	}
	te_ticker_init(&tk, env);
	if (m && !(mate = te_alloc_array(env, (size_t) A.n + 1, sizeof(int32_t))))
		st = te_fail(env, TE_NOMEM, "out of memory for the Wasserstein matching");
	else if (A.n_ess != B.n_ess && m == NULL)
		*out = INFINITY;
	else
	{
		double		f = bn_part_prescale(&A, &B),
					bfin = 0.0,
					bess,
					unit,
					fin = 0.0,
					ess = 0.0,
					mag,
					spread;
		int64_t		i,
					na_ess = A.n_ess,
					nb_ess = B.n_ess;
		int			done = 0,
					line = 0;

		/* unequal essential counts (only with m): the finite part alone */
		if (na_ess != nb_ess)
			A.n_ess = B.n_ess = 0;
		bess = bn_essential_max(&A, &B);
		if (p <= WS_FAST_P)
		{
			double		s = 1.0;
			int			e;

			bn_part_extent(&A, &B, &mag, &spread);
			if (spread > 0.0)
			{
				(void) frexp(spread, &e);
				s = ldexp(1.0, -e);
			}
			st = wasserstein_part(env, &tk, &A, &B, p, s, INFINITY, &fin, &line, mate);
			for (i = 0; i < A.n_ess; i++)
				ess += ws_pow(fabs(A.ess[i] - B.ess[i]), p, s, INFINITY);
			if (st == TE_OK && fin + ess >= WS_FAST_FLOOR &&
				(line || largest_diagonal_cost(&A, &B, p, s) <= WS_FAST_RATIO * fin))
			{
				*out = pth_root(fin + ess, p) / s / f;
				done = 1;
			}
		}
		if (st == TE_OK && !done)
		{
			Arena		ar;

			arena_init(&ar, env, 0, "the Wasserstein distance");
			st = bottleneck_finite(env, &ar, &A, &B, &bfin, mate);
			arena_free_all(&ar);
			unit = bfin > bess ? bfin : bess;
			fin = ess = 0.0;
			if (st == TE_OK && bfin > 0.0)
			{
				st = wasserstein_part(env, &tk, &A, &B, p, 1.0 / bfin,
									  2.0 * (double) (A.n + B.n) + 2.0, &fin, &line, mate);
				/* from units of bfin to units of the larger bottleneck */
				if (bfin < unit)
					fin *= pow(bfin / unit, p);
			}
			if (st == TE_OK && unit > 0.0)
			{
				for (i = 0; i < A.n_ess; i++)
					ess += ws_pow(fabs(A.ess[i] - B.ess[i]), p, 1.0 / unit, INFINITY);
				*out = pth_root(fin + ess, p) * unit / f;
			}
		}
		A.n_ess = na_ess;
		B.n_ess = nb_ess;
		if (st == TE_OK && na_ess != nb_ess)
			*out = INFINITY;
		if (st == TE_OK && m)
			st = bn_matching_build(env, a, na, b, nb, dim, &A, &B, mate, f, m);
	}
	te_free(env, mate);
	te_dgm_part_free(env, &A);
	te_dgm_part_free(env, &B);
	return st;
}
