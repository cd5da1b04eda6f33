/*
 * matching.c - exact bottleneck and Wasserstein distances between diagrams
 *
 * Ground metric: c(x, y) = max(|bx - by|, |dx - dy|) (L-infinity); a point x
 * may go to the diagonal at cost h(x) = (dx - bx) / 2.  Essential points
 * (death = +inf) are matched among themselves, births in sorted order.
 *
 * Bottleneck.  The answer is one of the values |bx - by|, |dx - dy| or h(x).
 * Whether a threshold t is achievable is a matching question: every point
 * with h > t ("heavy") must be matched to a point of the other diagram
 * within distance t, and the light points may go to the diagonal.  By the
 * Mendelsohn-Dulmage theorem a matching covering the heavy points of both
 * sides exists iff one covers the heavy points of A (into all of B) and one
 * covers the heavy points of B (into all of A); each is an ordinary
 * bipartite maximum matching, solved by Hopcroft-Karp whose neighbour search
 * is a k-d tree with deletion (Efrat, Itai and Katz 2001).  The threshold is
 * found by a randomised binary search over the candidate values, which are
 * counted and sampled from sorted coordinates without being listed; the
 * matchings are kept from one threshold to the next.
 *
 * Wasserstein.  W_p^p = sum_y h(y)^p + min over assignments of the finite
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
#include "topembed/diagram.h"
#include "diagram_internal.h"

#include <math.h>
#include <string.h>

#define KD_LEAF 8
#define ARENA_MAX 64
#define SAMPLE_PIVOTS 15

/* ---------------------------------------------------------------- arena */

/* every allocation of one distance computation, freed together */
typedef struct Arena
{
	TeEnv	   *env;
	int			n;
	void	   *ptr[ARENA_MAX];
} Arena;

/* allocate count elements of size bytes, remembered by the arena */
static void *
arena_alloc(Arena *a, size_t count, size_t size)
{
	void	   *p;

	if (a->n == ARENA_MAX)
		return NULL;
	p = te_alloc_array(a->env, count, size);
	if (p)
		a->ptr[a->n++] = p;
	return p;
}

/* release one allocation early (the most recent ones are cheapest to find) */
static void
arena_release(Arena *a, void *p)
{
	int			i;

	for (i = a->n - 1; i >= 0; i--)
		if (a->ptr[i] == p)
		{
			te_free(a->env, p);
			a->ptr[i] = a->ptr[--a->n];
			return;
		}
}

/* release everything */
static void
arena_free(Arena *a)
{
	while (a->n > 0)
		te_free(a->env, a->ptr[--a->n]);
}

/* L-infinity distance between two points */
static inline double
linf(double bx, double dx, double by, double dy)
{
	double		u = fabs(bx - by),
				v = fabs(dx - dy);

	return u > v ? u : v;
}

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

/* largest magnitude and spread of the finite coordinates of two diagram parts */
static void
part_extent(const TeDgmPart *A, const TeDgmPart *B, double *mag, double *spread)
{
	const TeDgmPart *parts[2] = {A, B};
	double		lo = INFINITY,
				hi = -INFINITY;
	int			k;

	for (k = 0; k < 2; k++)
	{
		const TeDgmPart *P = parts[k];
		int64_t		i;

		for (i = 0; i < P->n; i++)
		{
			lo = fmin(lo, P->birth[i]);
			hi = fmax(hi, P->death[i]);
		}
		for (i = 0; i < P->n_ess; i++)
		{
			lo = fmin(lo, P->ess[i]);
			hi = fmax(hi, P->ess[i]);
		}
	}
	if (lo > hi)
		lo = hi = 0.0;
	*mag = fmax(fabs(lo), fabs(hi));
	*spread = hi - lo;
}

/*
 * Coordinates beyond 2^1000 could overflow in differences: scale both parts
 * down by 2^-64 (exact) and return the factor to divide results by.
 */
static double
part_prescale(TeDgmPart *A, TeDgmPart *B)
{
	TeDgmPart  *parts[2] = {A, B};
	double		mag,
				spread,
				f = ldexp(1.0, -64);
	int			k;

	part_extent(A, B, &mag, &spread);
	if (!(mag > ldexp(1.0, 1000)))
		return 1.0;
	for (k = 0; k < 2; k++)
	{
		TeDgmPart  *P = parts[k];
		int64_t		i;

		for (i = 0; i < P->n; i++)
		{
			P->birth[i] *= f;
			P->death[i] *= f;
		}
		for (i = 0; i < P->n_ess; i++)
			P->ess[i] *= f;
	}
	return f;
}

/* ---------------------------------------------------------------- k-d tree */

/*
 * A 2-d tree over a segment of point ids, in implicit heap numbering (node 1
 * is the root, covering slots [0, n); a node of more than KD_LEAF slots
 * splits at the middle slot along its wider side).  Each node keeps its
 * bounding box and the number of slots not yet taken, so a query can find
 * and remove one point in a box in O(sqrt n) without visiting taken ones.
 */
typedef struct KdTree
{
	int32_t		n;
	int32_t    *idx;			/* point ids, permuted by the build */
	uint8_t    *dead;			/* per slot: taken */
	int32_t    *alive;			/* per node */
	double	   *box;			/* per node: min x, max x, min y, max y */
} KdTree;

/* node slots needed for a tree of n points (ids stay below 4n/KD_LEAF + 4) */
static int64_t
kd_nodes(int64_t n)
{
	return 4 * (n / KD_LEAF) + 8;
}

/* place the k-th smallest key of idx[lo..hi) at slot k */
static void
kd_select(int32_t *idx, const double *key, int32_t lo, int32_t hi, int32_t k)
{
	hi--;
	while (lo < hi)
	{
		int32_t		i = lo,
					j = hi,
					mid = lo + (hi - lo) / 2;
		double		a = key[idx[lo]],
					b = key[idx[mid]],
					c = key[idx[hi]],
					pivot;

		pivot = (a < b) ? ((b < c) ? b : (a < c) ? c : a) : ((a < c) ? a : (b < c) ? c : b);
		while (i <= j)
		{
			while (key[idx[i]] < pivot)
				i++;
			while (key[idx[j]] > pivot)
				j--;
			if (i <= j)
			{
				int32_t		t = idx[i];

				idx[i] = idx[j];
				idx[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
}

/* build the subtree of node over slots [lo, hi); nonzero if cancelled */
static int
kd_build_node(KdTree *t, const double *x, const double *y, int64_t node, int32_t lo, int32_t hi,
			  TeTicker *tk)
{
	double	   *bx = &t->box[4 * node];
	int32_t		s,
				mid;

	bx[0] = bx[2] = INFINITY;
	bx[1] = bx[3] = -INFINITY;
	for (s = lo; s < hi; s++)
	{
		double		px = x[t->idx[s]],
					py = y[t->idx[s]];

		if (px < bx[0])
			bx[0] = px;
		if (px > bx[1])
			bx[1] = px;
		if (py < bx[2])
			bx[2] = py;
		if (py > bx[3])
			bx[3] = py;
	}
	t->alive[node] = hi - lo;
	if (te_tick(tk, 4 * (uint64_t) (hi - lo)) != TE_OK)
		return 1;
	if (hi - lo <= KD_LEAF)
		return 0;
	mid = lo + (hi - lo) / 2;
	kd_select(t->idx, (bx[1] - bx[0] >= bx[3] - bx[2]) ? x : y, lo, hi, mid);
	return kd_build_node(t, x, y, 2 * node, lo, mid, tk) ||
		kd_build_node(t, x, y, 2 * node + 1, mid, hi, tk);
}

/* build a tree over the ids already in t->idx[0..n); nonzero if cancelled */
static int
kd_build(KdTree *t, const double *x, const double *y, TeTicker *tk)
{
	memset(t->dead, 0, (size_t) t->n);
	if (t->n > 0)
		return kd_build_node(t, x, y, 1, 0, t->n, tk);
	return 0;
}

/* mark every slot of the subtree of node alive again */
static void
kd_reset_node(KdTree *t, int64_t node, int32_t lo, int32_t hi)
{
	int32_t		mid;

	t->alive[node] = hi - lo;
	if (hi - lo <= KD_LEAF)
		return;
	mid = lo + (hi - lo) / 2;
	kd_reset_node(t, 2 * node, lo, mid);
	kd_reset_node(t, 2 * node + 1, mid, hi);
}

/* mark every slot alive again */
static void
kd_reset(KdTree *t)
{
	memset(t->dead, 0, (size_t) t->n);
	if (t->n > 0)
		kd_reset_node(t, 1, 0, t->n);
}

/* can some point of node's box be within r of (qx, qy)?  exact in floating point */
static inline int
kd_box_near(const double *bx, double qx, double qy, double r)
{
	if (qx > bx[1] && qx - bx[1] > r)
		return 0;
	if (qx < bx[0] && bx[0] - qx > r)
		return 0;
	if (qy > bx[3] && qy - bx[3] > r)
		return 0;
	if (qy < bx[2] && bx[2] - qy > r)
		return 0;
	return 1;
}

/* find an alive point within L-inf distance r of (qx, qy), take it, return its id or -1 */
static int32_t
kd_take_node(KdTree *t, const double *x, const double *y, int64_t node, int32_t lo, int32_t hi,
			 double qx, double qy, double r)
{
	int32_t		res,
				mid;

	if (t->alive[node] == 0 || !kd_box_near(&t->box[4 * node], qx, qy, r))
		return -1;
	if (hi - lo <= KD_LEAF)
	{
		int32_t		s;

		for (s = lo; s < hi; s++)
		{
			int32_t		id = t->idx[s];

			if (!t->dead[s] && fabs(x[id] - qx) <= r && fabs(y[id] - qy) <= r)
			{
				t->dead[s] = 1;
				t->alive[node]--;
				return id;
			}
		}
		return -1;
	}
	mid = lo + (hi - lo) / 2;
	res = kd_take_node(t, x, y, 2 * node, lo, mid, qx, qy, r);
	if (res < 0)
		res = kd_take_node(t, x, y, 2 * node + 1, mid, hi, qx, qy, r);
	if (res >= 0)
		t->alive[node]--;
	return res;
}

/* take an alive point within r of (qx, qy); -1 if there is none */
static inline int32_t
kd_take(KdTree *t, const double *x, const double *y, double qx, double qy, double r)
{
	if (t->n == 0)
		return -1;
	return kd_take_node(t, x, y, 1, 0, t->n, qx, qy, r);
}

/* call back for every point within r of (qx, qy), ignoring the alive marks */
typedef struct KdVisit
{
	const double *x;
	const double *y;
	double		qx,
				qy,
				r;
	void		(*fn) (void *arg, int32_t id);
	void	   *arg;
	const int  *stop;			/* the walk ends once *stop is nonzero */
} KdVisit;

/* enumerate the points of node's subtree inside the query box */
static void
kd_range_node(const KdTree *t, const KdVisit *q, int64_t node, int32_t lo, int32_t hi)
{
	int32_t		mid;

	if (*q->stop || !kd_box_near(&t->box[4 * node], q->qx, q->qy, q->r))
		return;
	if (hi - lo <= KD_LEAF)
	{
		int32_t		s;

		for (s = lo; s < hi; s++)
		{
			int32_t		id = t->idx[s];

			if (fabs(q->x[id] - q->qx) <= q->r && fabs(q->y[id] - q->qy) <= q->r)
				q->fn(q->arg, id);
		}
		return;
	}
	mid = lo + (hi - lo) / 2;
	kd_range_node(t, q, 2 * node, lo, mid);
	kd_range_node(t, q, 2 * node + 1, mid, hi);
}

/* ---------------------------------------------------------------- bottleneck */

/* one decision side: can every heavy point of L be matched into R within t? */
typedef struct BnSide
{
	int32_t		nl,
				nr;
	const double *lx,
			   *ly,
			   *lh;				/* left births, deaths, half-persistences */
	const double *rx,
			   *ry;
	int32_t    *mate_l,
			   *mate_r;
	KdTree		all;			/* every right point */
	int32_t    *queue;			/* BFS queue of left points */
	int32_t    *llayer;
	int32_t    *rlayer;
	int32_t    *seen;			/* right points the BFS reached */
	int32_t    *cnt;			/* per layer: right points, then segment starts */
	int64_t    *nodeoff;		/* per layer: first node of its tree in the pool */
	int32_t    *lay_idx;		/* right points grouped by layer */
	uint8_t    *lay_dead;
	int32_t    *lay_alive;
	double	   *lay_box;
	int32_t    *stk_l,
			   *stk_v;
} BnSide;

/* allocate the arrays of a decision side and build its tree over R */
static TeStatus
bn_side_init(Arena *ar, BnSide *s, const TeDgmPart *L, const double *lh, const TeDgmPart *R,
			 TeTicker *tk)
{
	int32_t		i;
	int64_t		pool = kd_nodes(R->n) + 8 * (R->n + 1);

	memset(s, 0, sizeof(*s));
	s->nl = (int32_t) L->n;
	s->nr = (int32_t) R->n;
	s->lx = L->birth;
	s->ly = L->death;
	s->lh = lh;
	s->rx = R->birth;
	s->ry = R->death;
	s->mate_l = arena_alloc(ar, (size_t) s->nl, sizeof(int32_t));
	s->mate_r = arena_alloc(ar, (size_t) s->nr, sizeof(int32_t));
	s->all.n = s->nr;
	s->all.idx = arena_alloc(ar, (size_t) s->nr, sizeof(int32_t));
	s->all.dead = arena_alloc(ar, (size_t) s->nr, 1);
	s->all.alive = arena_alloc(ar, (size_t) kd_nodes(s->nr), sizeof(int32_t));
	s->all.box = arena_alloc(ar, (size_t) kd_nodes(s->nr), 4 * sizeof(double));
	s->queue = arena_alloc(ar, (size_t) s->nl, sizeof(int32_t));
	s->llayer = arena_alloc(ar, (size_t) s->nl, sizeof(int32_t));
	s->rlayer = arena_alloc(ar, (size_t) s->nr, sizeof(int32_t));
	s->seen = arena_alloc(ar, (size_t) s->nr, sizeof(int32_t));
	s->cnt = arena_alloc(ar, (size_t) s->nr + 2, sizeof(int32_t));
	s->nodeoff = arena_alloc(ar, (size_t) s->nr + 2, sizeof(int64_t));
	s->lay_idx = arena_alloc(ar, (size_t) s->nr, sizeof(int32_t));
	s->lay_dead = arena_alloc(ar, (size_t) s->nr, 1);
	s->lay_alive = arena_alloc(ar, (size_t) pool, sizeof(int32_t));
	s->lay_box = arena_alloc(ar, (size_t) pool, 4 * sizeof(double));
	s->stk_l = arena_alloc(ar, (size_t) s->nl + 1, sizeof(int32_t));
	s->stk_v = arena_alloc(ar, (size_t) s->nl + 1, sizeof(int32_t));
	if (!s->mate_l || !s->mate_r || !s->all.idx || !s->all.dead || !s->all.alive ||
		!s->all.box || !s->queue || !s->llayer || !s->rlayer || !s->seen || !s->cnt ||
		!s->nodeoff || !s->lay_idx || !s->lay_dead || !s->lay_alive || !s->lay_box ||
		!s->stk_l || !s->stk_v)
		return te_fail(ar->env, TE_NOMEM, "out of memory for the bottleneck distance");
	for (i = 0; i < s->nl; i++)
		s->mate_l[i] = -1;
	for (i = 0; i < s->nr; i++)
	{
		s->mate_r[i] = -1;
		s->all.idx[i] = i;
	}
	if (kd_build(&s->all, s->rx, s->ry, tk))
		return te_fail(ar->env, TE_CANCELLED, "bottleneck distance cancelled");
	return TE_OK;
}

/* the tree of right layer k (1-based) inside the per-phase pool */
static KdTree
bn_layer_tree(BnSide *s, int32_t k)
{
	KdTree		t;
	int32_t		start = s->cnt[k];

	t.n = s->cnt[k + 1] - start;
	t.idx = s->lay_idx + start;
	t.dead = s->lay_dead + start;
	t.alive = s->lay_alive + s->nodeoff[k];
	t.box = s->lay_box + 4 * s->nodeoff[k];
	return t;
}

/*
 * Is there a matching of L into R within t covering every left point with
 * h > t?  Hopcroft-Karp from the matching left by the previous call.
 */
static TeStatus
bn_side_feasible(TeEnv *env, TeTicker *tk, BnSide *s, double t, int *ok)
{
	int32_t		u,
				need = 0,
				matched = 0;

	/* keep only the matched edges still allowed, and only for heavy points */
	if (te_tick(tk, 4 * (uint64_t) s->nl) != TE_OK)
		return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
	for (u = 0; u < s->nl; u++)
	{
		int			heavy = s->lh[u] > t;
		int32_t		v = s->mate_l[u];

		if (v >= 0 && (!heavy || linf(s->lx[u], s->ly[u], s->rx[v], s->ry[v]) > t))
		{
			s->mate_r[v] = -1;
			s->mate_l[u] = -1;
			v = -1;
		}
		if (heavy)
		{
			need++;
			if (v >= 0)
				matched++;
		}
	}
	*ok = 0;
	if (need > s->nr)
		return TE_OK;

	while (matched < need)
	{
		int32_t		qh = 0,
					qt = 0,
					nseen = 0,
					last = 0,
					k,
					i;
		int64_t		off;

		if (te_check(env) != TE_OK)
			return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");

		/* BFS in layers from the free heavy left points */
		kd_reset(&s->all);
		if (te_tick(tk, 2 * (uint64_t) s->nr + 2 * (uint64_t) s->nl) != TE_OK)
			return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
		for (u = 0; u < s->nl; u++)
			if (s->mate_l[u] < 0 && s->lh[u] > t)
			{
				s->llayer[u] = 0;
				s->queue[qt++] = u;
			}
		while (qh < qt)
		{
			int32_t		v,
						lu;

			u = s->queue[qh++];
			lu = s->llayer[u];
			if (last && lu + 1 > last)
				break;
			if (te_tick(tk, 64) != TE_OK)
				return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
			while ((v = kd_take(&s->all, s->rx, s->ry, s->lx[u], s->ly[u], t)) >= 0)
			{
				int32_t		w = s->mate_r[v];

				if (te_tick(tk, 64) != TE_OK)
					return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
				s->rlayer[v] = lu + 1;
				s->seen[nseen++] = v;
				if (w < 0)
				{
					if (!last)
						last = lu + 1;
				}
				else if (!last)
				{
					s->llayer[w] = lu + 1;
					s->queue[qt++] = w;
				}
			}
		}
		if (!last)
			return TE_OK;		/* no augmenting path: the maximum is too small */

		/* group the reached right points by layer (free ones only in the last) */
		for (k = 0; k <= last + 1; k++)
			s->cnt[k] = 0;
		for (i = 0; i < nseen; i++)
		{
			int32_t		v = s->seen[i];

			if (s->rlayer[v] < last || s->mate_r[v] < 0)
				s->cnt[s->rlayer[v]]++;
			else
				s->rlayer[v] = 0;
		}
		/* counts to segment starts: layer k holds slots [cnt[k], cnt[k + 1]) */
		{
			int32_t		run = 0;

			for (k = 1; k <= last; k++)
			{
				int32_t		c = s->cnt[k];

				s->cnt[k] = run;
				run += c;
			}
			s->cnt[last + 1] = run;
		}
		for (i = 0; i < nseen; i++)
		{
			int32_t		v = s->seen[i];

			if (s->rlayer[v] > 0)
				s->lay_idx[s->cnt[s->rlayer[v]]++] = v;
		}
		/* the fill moved each start to the next one: shift back */
		for (k = last; k >= 2; k--)
			s->cnt[k] = s->cnt[k - 1];
		s->cnt[1] = 0;
		off = 1;
		for (k = 1; k <= last; k++)
		{
			KdTree		lt;

			s->nodeoff[k] = off - 1;	/* node ids start at 1 */
			lt = bn_layer_tree(s, k);
			if (kd_build(&lt, s->rx, s->ry, tk))
				return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
			off += kd_nodes(lt.n);
		}

		/* DFS along the layers from each free heavy left point */
		for (i = 0; i < qt && s->llayer[s->queue[i]] == 0; i++)
		{
			int32_t		depth = 0;

			s->stk_l[0] = s->queue[i];
			while (depth >= 0)
			{
				int32_t		uu = s->stk_l[depth],
							v;
				KdTree		lt = bn_layer_tree(s, depth + 1);

				if (te_tick(tk, 64) != TE_OK)
					return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
				v = kd_take(&lt, s->rx, s->ry, s->lx[uu], s->ly[uu], t);
				if (v < 0)
				{
					depth--;
					continue;
				}
				s->stk_v[depth] = v;
				if (depth + 1 == last)
				{
					int32_t		d;

					for (d = 0; d <= depth; d++)
					{
						s->mate_l[s->stk_l[d]] = s->stk_v[d];
						s->mate_r[s->stk_v[d]] = s->stk_l[d];
					}
					matched++;
					break;
				}
				s->stk_l[depth + 1] = s->mate_r[v];
				depth++;
			}
		}
	}
	*ok = 1;
	return TE_OK;
}

/* sorted coordinates behind the candidate values of the bottleneck search */
typedef struct BnCand
{
	int64_t		na,
				nb;
	const double *xa[2];		/* births, deaths of A, sorted */
	const double *xb[2];		/* births, deaths of B, sorted */
	const double *halves;		/* h of every point of A and B, sorted */
	int64_t		nh;
	uint64_t	rng;
	TeTicker   *tk;
	int			cancelled;		/* set when the interrupt check said stop */
	int			depth;			/* steps of a binary search over B */
} BnCand;

/* first index j in [lo, hi) with pred false, pred true on a prefix */
#define BSEARCH_PREFIX(lo, hi, pred, out) \
	do { \
		int64_t		l_ = (lo), h_ = (hi); \
		while (l_ < h_) \
		{ \
			int64_t		j = l_ + (h_ - l_) / 2; \
			if (pred) l_ = j + 1; else h_ = j; \
		} \
		(out) = l_; \
	} while (0)

/*
 * For one value x against the sorted y[0..n): the index ranges of y whose
 * |x - y| lies strictly between lo and hi.  |x - y| is non-increasing on the
 * part y <= x and non-decreasing on y > x, as computed in floating point.
 */
static void
bn_ranges(double x, const double *y, int64_t n, double lo, double hi, int64_t r[4])
{
	int64_t		split;

	BSEARCH_PREFIX(0, n, y[j] <= x, split);
	/* left part: x - y[j] decreases with j; want lo < x - y < hi */
	BSEARCH_PREFIX(0, split, x - y[j] >= hi, r[0]);
	BSEARCH_PREFIX(r[0], split, x - y[j] > lo, r[1]);
	/* right part: y[j] - x increases with j */
	BSEARCH_PREFIX(split, n, y[j] - x <= lo, r[2]);
	BSEARCH_PREFIX(r[2], n, y[j] - x < hi, r[3]);
}

/* number of candidates strictly between lo and hi */
static int64_t
bn_count(BnCand *c, double lo, double hi)
{
	int64_t		total = 0,
				i,
				r[4],
				a,
				b;
	int			axis;

	for (axis = 0; axis < 2; axis++)
		for (i = 0; i < c->na; i++)
		{
			if (te_tick(c->tk, 5 * (uint64_t) c->depth) != TE_OK)
			{
				c->cancelled = 1;
				return 0;
			}
			bn_ranges(c->xa[axis][i], c->xb[axis], c->nb, lo, hi, r);
			total += (r[1] - r[0]) + (r[3] - r[2]);
		}
	BSEARCH_PREFIX(0, c->nh, c->halves[j] <= lo, a);
	BSEARCH_PREFIX(a, c->nh, c->halves[j] < hi, b);
	return total + (b - a);
}

/* the k-th (0-based, in an arbitrary fixed order) candidate strictly between lo and hi */
static double
bn_pick(BnCand *c, double lo, double hi, int64_t k)
{
	int64_t		i,
				r[4],
				a,
				b;
	int			axis;

	for (axis = 0; axis < 2; axis++)
		for (i = 0; i < c->na; i++)
		{
			double		x = c->xa[axis][i];
			const double *y = c->xb[axis];

			if (te_tick(c->tk, 5 * (uint64_t) c->depth) != TE_OK)
			{
				c->cancelled = 1;
				return hi;
			}
			bn_ranges(x, y, c->nb, lo, hi, r);
			if (k < r[1] - r[0])
				return x - y[r[0] + k];
			k -= r[1] - r[0];
			if (k < r[3] - r[2])
				return y[r[2] + k] - x;
			k -= r[3] - r[2];
		}
	BSEARCH_PREFIX(0, c->nh, c->halves[j] <= lo, a);
	BSEARCH_PREFIX(a, c->nh, c->halves[j] < hi, b);
	(void) b;
	return c->halves[a + k];
}

/* xorshift64*: a fixed-seed generator, so results and timings are reproducible */
static uint64_t
bn_rand(BnCand *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * UINT64_C(2685821657736338717);
}

/* exact bottleneck distance between the finite parts A and B */
static TeStatus
bottleneck_finite(TeEnv *env, Arena *ar, const TeDgmPart *A, const TeDgmPart *B, double *out)
{
	TeStatus	st;
	BnSide		sa,
				sb;
	BnCand		c;
	TeTicker	tk;
	double	   *ha,
			   *hb,
			   *halves,
			   *sorted[4],
				lo = -1.0,
				hi = 0.0;
	int64_t		i;
	int			axis;

	*out = 0.0;
	te_ticker_init(&tk, env);
	if (A->n == 0 && B->n == 0)
		return TE_OK;
	if (A->n >= INT32_MAX / 8 || B->n >= INT32_MAX / 8)
		return te_fail(env, TE_LIMIT, "diagrams of %lld and %lld points are too large to match",
					   (long long) A->n, (long long) B->n);

	ha = arena_alloc(ar, (size_t) A->n, sizeof(double));
	hb = arena_alloc(ar, (size_t) B->n, sizeof(double));
	halves = arena_alloc(ar, (size_t) (A->n + B->n), sizeof(double));
	for (axis = 0; axis < 4; axis++)
		sorted[axis] = arena_alloc(ar, (size_t) ((axis < 2) ? A->n : B->n), sizeof(double));
	if (!ha || !hb || !halves || !sorted[0] || !sorted[1] || !sorted[2] || !sorted[3])
		return te_fail(env, TE_NOMEM, "out of memory for the bottleneck distance");
	if (te_tick(&tk, 4 * (uint64_t) (A->n + B->n)) != TE_OK)
		return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
	for (i = 0; i < A->n; i++)
	{
		ha[i] = (A->death[i] - A->birth[i]) / 2;
		halves[i] = ha[i];
		if (ha[i] > hi)
			hi = ha[i];
	}
	for (i = 0; i < B->n; i++)
	{
		hb[i] = (B->death[i] - B->birth[i]) / 2;
		halves[A->n + i] = hb[i];
		if (hb[i] > hi)
			hi = hb[i];
	}
	if (A->n == 0 || B->n == 0)
	{
		/* everything goes to the diagonal */
		*out = hi;
		return TE_OK;
	}
	memcpy(sorted[0], A->birth, sizeof(double) * (size_t) A->n);
	memcpy(sorted[1], A->death, sizeof(double) * (size_t) A->n);
	memcpy(sorted[2], B->birth, sizeof(double) * (size_t) B->n);
	memcpy(sorted[3], B->death, sizeof(double) * (size_t) B->n);
	for (axis = 0; axis < 4; axis++)
		if (te_sort_doubles(&tk, sorted[axis], (axis < 2) ? A->n : B->n) != TE_OK)
			return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
	if (te_sort_doubles(&tk, halves, A->n + B->n) != TE_OK)
		return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
	memset(&c, 0, sizeof(c));
	c.tk = &tk;
	c.depth = 4;
	for (i = B->n; i > 1; i >>= 1)
		c.depth++;
	c.na = A->n;
	c.nb = B->n;
	c.xa[0] = sorted[0];
	c.xa[1] = sorted[1];
	c.xb[0] = sorted[2];
	c.xb[1] = sorted[3];
	c.halves = halves;
	c.nh = A->n + B->n;
	c.rng = UINT64_C(0x9E3779B97F4A7C15);

	if ((st = bn_side_init(ar, &sa, A, ha, B, &tk)) != TE_OK ||
		(st = bn_side_init(ar, &sb, B, hb, A, &tk)) != TE_OK)
		return st;

	/*
	 * hi is always achievable (it starts as the largest h: all to the
	 * diagonal) and a candidate; lo is not achievable.  Test the median of a
	 * few random candidates between them until none is left.
	 */
	for (;;)
	{
		int64_t		ncand = bn_count(&c, lo, hi);
		double		piv[SAMPLE_PIVOTS],
					t;
		int			npiv,
					j,
					ok;

		if (c.cancelled)
			return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
		if (ncand == 0)
			break;
		npiv = ncand < SAMPLE_PIVOTS ? (int) ncand : SAMPLE_PIVOTS;
		for (j = 0; j < npiv; j++)
			piv[j] = bn_pick(&c, lo, hi, (int64_t) (bn_rand(&c) % (uint64_t) ncand));
		if (c.cancelled)
			return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
		(void) te_sort_doubles(NULL, piv, npiv);
		t = piv[npiv / 2];

		if ((st = bn_side_feasible(env, &tk, &sa, t, &ok)) != TE_OK)
			return st;
		if (ok && (st = bn_side_feasible(env, &tk, &sb, t, &ok)) != TE_OK)
			return st;
		if (ok)
			hi = t;
		else
			lo = t;
	}
	*out = hi;
	return TE_OK;
}

/* the largest difference of the sorted essential births (the counts are equal) */
static double
essential_max(const TeDgmPart *A, const TeDgmPart *B)
{
	double		m = 0.0;
	int64_t		i;

	for (i = 0; i < A->n_ess; i++)
	{
		double		d = fabs(A->ess[i] - B->ess[i]);

		if (d > m)
			m = d;
	}
	return m;
}

/* exact bottleneck distance between the dim parts of a and b */
TeStatus
te_bottleneck_distance(TeEnv *env, const TePersPair *a, int64_t na,
					   const TePersPair *b, int64_t nb, int dim, double *out)
{
	TeStatus	st;
	TeDgmPart	A,
				B;
	Arena		ar;
	double		fin = 0.0,
				ess;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no output for the bottleneck distance");
	*out = 0.0;
	if ((st = te_dgm_part_load(env, &A, a, na, dim)) != TE_OK)
		return st;
	if ((st = te_dgm_part_load(env, &B, b, nb, dim)) != TE_OK)
	{
		te_dgm_part_free(env, &A);
		return st;
	}
	if (A.n_ess != B.n_ess)
		*out = INFINITY;
	else
	{
		double		f = part_prescale(&A, &B);

		ess = essential_max(&A, &B);
		ar.env = env;
		ar.n = 0;
		st = bottleneck_finite(env, &ar, &A, &B, &fin);
		arena_free(&ar);
		if (st == TE_OK)
			*out = (fin > ess ? fin : ess) / f;
	}
	te_dgm_part_free(env, &A);
	te_dgm_part_free(env, &B);
	return st;
}

/* ---------------------------------------------------------------- Wasserstein */

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
		int32_t    *nr = arena_alloc(w->ar, (size_t) ncap, sizeof(int32_t)),
				   *nc = arena_alloc(w->ar, (size_t) ncap, sizeof(int32_t));

		if (!nr || !nc)
		{
			w->nomem = 1;
			return;
		}
		if (w->extra_row)
		{
			memcpy(nr, w->extra_row, sizeof(int32_t) * (size_t) w->nextra);
			memcpy(nc, w->extra_col, sizeof(int32_t) * (size_t) w->nextra);
			arena_release(w->ar, w->extra_row);
			arena_release(w->ar, w->extra_col);
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
	w->tree.idx = arena_alloc(w->ar, (size_t) w->ny, sizeof(int32_t));
	w->tree.dead = arena_alloc(w->ar, (size_t) w->ny, 1);
	w->tree.alive = arena_alloc(w->ar, (size_t) kd_nodes(w->ny), sizeof(int32_t));
	w->tree.box = arena_alloc(w->ar, (size_t) kd_nodes(w->ny), 4 * sizeof(double));
	w->kbest = arena_alloc(w->ar, (size_t) w->nx * WS_K, sizeof(int32_t));
	w->nkbest = arena_alloc(w->ar, (size_t) w->nx, sizeof(int32_t));
	w->rowstart = arena_alloc(w->ar, (size_t) w->nx + 1, sizeof(int64_t));
	w->stamp = arena_alloc(w->ar, (size_t) w->ny, sizeof(int64_t));
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
			arena_release(w->ar, w->adj);
		w->adj_cap = total + total / 2 + 16;
		w->adj = arena_alloc(w->ar, (size_t) w->adj_cap, sizeof(int32_t));
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
 * smaller part), Y columns
 */
static TeStatus
wasserstein_finite(TeEnv *env, Arena *ar, TeTicker *tk, const TeDgmPart *X, const TeDgmPart *Y,
				   double p, double s, double cap, double *out)
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
	w.hx = arena_alloc(ar, (size_t) w.nx, sizeof(double));
	w.hy = arena_alloc(ar, (size_t) w.ny, sizeof(double));
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
	S.u = arena_alloc(ar, (size_t) w.nx, sizeof(double));
	S.v = arena_alloc(ar, (size_t) ncol, sizeof(double));
	S.spc = arena_alloc(ar, (size_t) ncol, sizeof(double));
	S.col4row = arena_alloc(ar, (size_t) w.nx, sizeof(int32_t));
	S.row4col = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
	S.path = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
	S.sr = arena_alloc(ar, (size_t) w.nx, sizeof(int32_t));
	S.sc = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
	S.touched = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
	S.done = arena_alloc(ar, (size_t) ncol, 1);
	S.q.h = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
	S.q.pos = arena_alloc(ar, (size_t) ncol, sizeof(int32_t));
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

/*
 * W_p^p when every finite point has the same birth b0: the points lie on one
 * line, c(x, y) = |dx - dy| and h(x) = (dx - b0) / 2.  For a fixed choice of
 * which points are matched, the best matching between them pairs them in
 * sorted order (|.|^p is convex), so a dynamic programme over the two sorted
 * death lists is exact: O(nx ny) time, O(ny) memory, no edge list.
 */
static TeStatus
wasserstein_line(TeEnv *env, Arena *ar, TeTicker *tk, const TeDgmPart *X, const TeDgmPart *Y,
				 double p, double s, double cap, double *out)
{
	int64_t		nx = X->n,
				ny = Y->n,
				i,
				j;
	double		b0 = nx ? X->birth[0] : Y->birth[0];
	double	   *x = arena_alloc(ar, (size_t) nx, sizeof(double)),
			   *y = arena_alloc(ar, (size_t) ny, sizeof(double)),
			   *hy = arena_alloc(ar, (size_t) ny, sizeof(double)),
			   *prev = arena_alloc(ar, (size_t) ny + 1, sizeof(double)),
			   *cur = arena_alloc(ar, (size_t) ny + 1, sizeof(double));

	if (!x || !y || !hy || !prev || !cur)
		return te_fail(env, TE_NOMEM, "out of memory for the Wasserstein distance");
	memcpy(x, X->death, sizeof(double) * (size_t) nx);
	memcpy(y, Y->death, sizeof(double) * (size_t) ny);
	if (te_sort_doubles(tk, x, nx) != TE_OK || te_sort_doubles(tk, y, ny) != TE_OK)
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

			if (alt < best)
				best = alt;
			alt = prev[j - 1] + ws_pow(fabs(x[i] - y[j - 1]), p, s, cap);
			cur[j] = alt < best ? alt : best;
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	*out = prev[ny];
	return TE_OK;
}

/*
 * The finite part W_p^p in units of 1/s (see ws_pow), by the fitting
 * solver; *line tells whether it was the dynamic programme
 */
static TeStatus
wasserstein_part(TeEnv *env, TeTicker *tk, const TeDgmPart *A, const TeDgmPart *B, double p,
				 double s, double cap, double *out, int *line)
{
	Arena		ar;
	TeStatus	st;

	*out = 0.0;
	*line = 1;
	if (A->n + B->n == 0)
		return TE_OK;
	ar.env = env;
	ar.n = 0;
	*line = common_birth(A, B);
	if (*line)
		st = wasserstein_line(env, &ar, tk, A, B, p, s, cap, out);
	else if (A->n <= B->n)
		st = wasserstein_finite(env, &ar, tk, A, B, p, s, cap, out);
	else
		st = wasserstein_finite(env, &ar, tk, B, A, p, s, cap, out);
	arena_free(&ar);
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
	TeStatus	st = TE_OK;
	TeDgmPart	A,
				B;
	TeTicker	tk;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no output for the Wasserstein distance");
	*out = 0.0;
	if (isnan(p) || p < 1.0)
		return te_fail(env, TE_INVALID, "the Wasserstein order p must be at least 1, not %g", p);
	if (isinf(p))
		return te_bottleneck_distance(env, a, na, b, nb, dim, out);
	if ((st = te_dgm_part_load(env, &A, a, na, dim)) != TE_OK)
		return st;
	if ((st = te_dgm_part_load(env, &B, b, nb, dim)) != TE_OK)
	{
		te_dgm_part_free(env, &A);
		return st;
	}
	te_ticker_init(&tk, env);
	if (A.n_ess != B.n_ess)
		*out = INFINITY;
	else
	{
		double		f = part_prescale(&A, &B),
					bfin = 0.0,
					bess = essential_max(&A, &B),
					unit,
					fin = 0.0,
					ess = 0.0,
					mag,
					spread;
		int64_t		i;
		int			done = 0,
					line = 0;

		if (p <= WS_FAST_P)
		{
			double		s = 1.0;
			int			e;

			part_extent(&A, &B, &mag, &spread);
			if (spread > 0.0)
			{
				(void) frexp(spread, &e);
				s = ldexp(1.0, -e);
			}
			st = wasserstein_part(env, &tk, &A, &B, p, s, INFINITY, &fin, &line);
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

			ar.env = env;
			ar.n = 0;
			st = bottleneck_finite(env, &ar, &A, &B, &bfin);
			arena_free(&ar);
			unit = bfin > bess ? bfin : bess;
			fin = ess = 0.0;
			if (st == TE_OK && bfin > 0.0)
			{
				st = wasserstein_part(env, &tk, &A, &B, p, 1.0 / bfin,
									  2.0 * (double) (A.n + B.n) + 2.0, &fin, &line);
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
	}
	te_dgm_part_free(env, &A);
	te_dgm_part_free(env, &B);
	return st;
}
