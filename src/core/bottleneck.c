/*
 * bottleneck.c - the exact bottleneck distance between diagrams
 *
 * Ground metric: c(x, y) = max(|bx - by|, |dx - dy|) (L-infinity); a point x
 * may go to the diagonal at cost h(x) = (dx - bx) / 2.  Essential points
 * (death = +inf) are matched among themselves, births in sorted order.
 *
 * The answer is one of the values |bx - by|, |dx - dy| or h(x).
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
 */
#include "bottleneck_internal.h"
#include "kdtree_internal.h"

#include <math.h>
#include <string.h>

/* candidate values sampled per step of the threshold search */
#define SAMPLE_PIVOTS 15

/* largest magnitude and spread of the finite coordinates of two diagram parts */
void
bn_part_extent(const TeDgmPart *A, const TeDgmPart *B, double *mag, double *spread)
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
double
bn_part_prescale(TeDgmPart *A, TeDgmPart *B)
{
	TeDgmPart  *parts[2] = {A, B};
	double		mag,
				spread,
				f = ldexp(1.0, -64);
	int			k;

	bn_part_extent(A, B, &mag, &spread);
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
	s->mate_l = arena_array(ar, (size_t) s->nl, sizeof(int32_t));
	s->mate_r = arena_array(ar, (size_t) s->nr, sizeof(int32_t));
	s->all.n = s->nr;
	s->all.idx = arena_array(ar, (size_t) s->nr, sizeof(int32_t));
	s->all.dead = arena_array(ar, (size_t) s->nr, 1);
	s->all.alive = arena_array(ar, (size_t) kd_nodes(s->nr), sizeof(int32_t));
	s->all.box = arena_array(ar, (size_t) kd_nodes(s->nr), 4 * sizeof(double));
	s->queue = arena_array(ar, (size_t) s->nl, sizeof(int32_t));
	s->llayer = arena_array(ar, (size_t) s->nl, sizeof(int32_t));
	s->rlayer = arena_array(ar, (size_t) s->nr, sizeof(int32_t));
	s->seen = arena_array(ar, (size_t) s->nr, sizeof(int32_t));
	s->cnt = arena_array(ar, (size_t) s->nr + 2, sizeof(int32_t));
	s->nodeoff = arena_array(ar, (size_t) s->nr + 2, sizeof(int64_t));
	s->lay_idx = arena_array(ar, (size_t) s->nr, sizeof(int32_t));
	s->lay_dead = arena_array(ar, (size_t) s->nr, 1);
	s->lay_alive = arena_array(ar, (size_t) pool, sizeof(int32_t));
	s->lay_box = arena_array(ar, (size_t) pool, 4 * sizeof(double));
	s->stk_l = arena_array(ar, (size_t) s->nl + 1, sizeof(int32_t));
	s->stk_v = arena_array(ar, (size_t) s->nl + 1, sizeof(int32_t));
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
 *
 * Long (about 175 lines) because one Hopcroft-Karp round is one loop over
 * three steps that share the side's scratch arrays, the layer counters and
 * the cancellation checks: the BFS layering from the free heavy points, the
 * per-layer k-d trees built from it, and the iterative augmenting DFS.
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

/*
 * A matching at threshold t into mate (A's partners in B, -1 for the
 * diagonal) that covers the heavy points of both sides.  Each side's own
 * matching at t (sa: every A point with h > t matched into B; sb: the same
 * for B) is completed first; then, as in the proof of the Mendelsohn-
 * Dulmage theorem, their union splits into alternating paths and cycles.
 * Keeping sa's edges covers every heavy point except on the paths that
 * start at a point of B matched only by sb (such a point may be heavy);
 * those paths switch to sb's edges, which cover all their points but the
 * far end, which is a point of B matched only by sa or of A matched only
 * by sb: light in both cases, so it may go to the diagonal.
 */
static TeStatus
bn_join(TeEnv *env, TeTicker *tk, BnSide *sa, BnSide *sb, double t, int32_t *mate)
{
	TeStatus	st;
	int			ok;
	int32_t		v;

	if ((st = bn_side_feasible(env, tk, sa, t, &ok)) != TE_OK)
		return st;
	if (ok && (st = bn_side_feasible(env, tk, sb, t, &ok)) != TE_OK)
		return st;
	if (!ok)
		return te_fail(env, TE_NUMERIC, "no bottleneck matching at its own distance %g", t);
	if (te_tick(tk, 4 * (uint64_t) (sa->nl + sa->nr)) != TE_OK)
		return te_fail(env, TE_CANCELLED, "bottleneck distance cancelled");
	memcpy(mate, sa->mate_l, sizeof(int32_t) * (size_t) sa->nl);
	for (v = 0; v < sb->nl; v++)
	{
		int32_t		w = v,
					u;

		if (sb->mate_l[v] < 0 || sa->mate_r[v] >= 0)
			continue;
		/* w --sb-- u --sa-- next ...: u takes its sb partner */
		while (w >= 0 && (u = sb->mate_l[w]) >= 0)
		{
			mate[u] = w;
			w = sa->mate_l[u];
		}
	}
	return TE_OK;
}

/*
 * exact bottleneck distance between the finite parts A and B; with mate, a
 * matching that attains it
 *
 * Long (about 125 lines) because the sorted coordinates, the candidate
 * sampler and both decision sides are set up here and then driven by the
 * one threshold search that shares them all, down to the final matching.
 */
TeStatus
bottleneck_finite(TeEnv *env, Arena *ar, const TeDgmPart *A, const TeDgmPart *B, double *out,
				  int32_t *mate)
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
	for (i = 0; mate && i < A->n; i++)
		mate[i] = -1;
	if (A->n == 0 && B->n == 0)
		return TE_OK;
	if (A->n >= INT32_MAX / 8 || B->n >= INT32_MAX / 8)
		return te_fail(env, TE_LIMIT, "diagrams of %lld and %lld points are too large to match",
					   (long long) A->n, (long long) B->n);

	ha = arena_array(ar, (size_t) A->n, sizeof(double));
	hb = arena_array(ar, (size_t) B->n, sizeof(double));
	halves = arena_array(ar, (size_t) (A->n + B->n), sizeof(double));
	for (axis = 0; axis < 4; axis++)
		sorted[axis] = arena_array(ar, (size_t) ((axis < 2) ? A->n : B->n), sizeof(double));
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
	return mate ? bn_join(env, &tk, &sa, &sb, hi, mate) : TE_OK;
}

/* the largest difference of the sorted essential births (the counts are equal) */
double
bn_essential_max(const TeDgmPart *A, const TeDgmPart *B)
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

/* an essential bar: its birth and its position in the caller's array */
typedef struct BnEss
{
	double		birth;
	int64_t		pos;
} BnEss;

/* bn_ess_heapsort(): by birth, then position */
#define ST_PREFIX bn_ess
#define ST_ELEMENT_TYPE BnEss
#define ST_LESS(x, y) ((x)->birth < (y)->birth || \
					   ((x)->birth == (y)->birth && (x)->pos < (y)->pos))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/*
 * The positions of the dim bars of pairs[0..n): the finite ones in order
 * into fin (as te_dgm_part_load numbers them), the essential ones sorted by
 * birth into ess
 */
static TeStatus
bn_positions(TeTicker *tk, const TePersPair *pairs, int64_t n, int dim, int64_t *fin,
			 BnEss *ess, int64_t n_ess)
{
	int64_t		i,
				nf = 0,
				ne = 0;

	if (te_tick(tk, 2 * (uint64_t) n) != TE_OK)
		return TE_CANCELLED;
	for (i = 0; i < n; i++)
	{
		if (pairs[i].dim != dim)
			continue;
		if (isinf(pairs[i].death))
		{
			ess[ne].birth = pairs[i].birth;
			ess[ne++].pos = i;
		}
		else
			fin[nf++] = i;
	}
	return n_ess > 1 ? bn_ess_heapsort(tk, ess, n_ess) : TE_OK;
}

/*
 * The rows of a matching of the dim parts A and B of a and b (scaled by f)
 * from mate, A's partners in B; the costs are computed from the scaled
 * coordinates as the distances are, so the largest is the bottleneck
 * distance exactly
 */
TeStatus
bn_matching_build(TeEnv *env, const TePersPair *a, int64_t na, const TePersPair *b, int64_t nb,
				  int dim, const TeDgmPart *A, const TeDgmPart *B, const int32_t *mate,
				  double f, TeMatching *m)
{
	TeTicker	tk;
	TeStatus	st = TE_OK;
	int64_t    *fa = te_alloc_array(env, (size_t) A->n + 1, sizeof(int64_t)),
			   *fb = te_alloc_array(env, (size_t) B->n + 1, sizeof(int64_t)),
			   *partner = te_alloc_array(env, (size_t) na + 1, sizeof(int64_t));
	double	   *cost_a = te_alloc_array(env, (size_t) na + 1, sizeof(double)),
			   *cost_b = te_alloc_array(env, (size_t) nb + 1, sizeof(double));
	uint8_t    *taken = te_alloc_array(env, (size_t) nb + 1, 1);
	BnEss	   *ea = te_alloc_array(env, (size_t) A->n_ess + 1, sizeof(BnEss)),
			   *eb = te_alloc_array(env, (size_t) B->n_ess + 1, sizeof(BnEss));
	int64_t		i,
				k,
				n_rows = 0,
				n_ess = A->n_ess < B->n_ess ? A->n_ess : B->n_ess;

	m->rows = NULL;
	m->n_rows = 0;
	te_ticker_init(&tk, env);
	if (!fa || !fb || !partner || !cost_a || !cost_b || !taken || !ea || !eb)
		st = te_fail(env, TE_NOMEM, "out of memory for a matching of %lld and %lld bars",
					 (long long) (A->n + A->n_ess), (long long) (B->n + B->n_ess));
	else if (bn_positions(&tk, a, na, dim, fa, ea, A->n_ess) != TE_OK ||
			 bn_positions(&tk, b, nb, dim, fb, eb, B->n_ess) != TE_OK ||
			 te_tick(&tk, 4 * (uint64_t) (na + nb)) != TE_OK)
		st = te_fail(env, TE_CANCELLED, "matching cancelled");
	if (st == TE_OK)
	{
		memset(taken, 0, (size_t) nb + 1);
		for (i = 0; i < na; i++)
			partner[i] = -1;
		for (k = 0; k < A->n; k++)
		{
			int32_t		j = mate[k];

			if (j >= 0)
			{
				partner[fa[k]] = fb[j];
				taken[fb[j]] = 1;
				cost_a[fa[k]] = linf(A->birth[k], A->death[k], B->birth[j], B->death[j]) / f;
			}
			else
				cost_a[fa[k]] = (A->death[k] - A->birth[k]) / 2 / f;
		}
		for (k = 0; k < B->n; k++)
			cost_b[fb[k]] = (B->death[k] - B->birth[k]) / 2 / f;
		for (k = 0; k < A->n_ess; k++)
		{
			if (k < n_ess)
			{
				partner[ea[k].pos] = eb[k].pos;
				taken[eb[k].pos] = 1;
				cost_a[ea[k].pos] = fabs(A->ess[k] - B->ess[k]) / f;
			}
			else
				cost_a[ea[k].pos] = INFINITY;
		}
		for (k = n_ess; k < B->n_ess; k++)
			cost_b[eb[k].pos] = INFINITY;
		/* rows: every bar of a, then the bars of b nobody took */
		n_rows = A->n + A->n_ess;
		for (i = 0; i < nb; i++)
			if (b[i].dim == dim && !taken[i])
				n_rows++;
		m->rows = te_alloc_array(env, (size_t) n_rows + 1, sizeof(TeMatchRow));
		if (!m->rows)
			st = te_fail(env, TE_NOMEM, "out of memory for a matching of %lld rows",
						 (long long) n_rows);
	}
	if (st == TE_OK)
	{
		for (i = 0; i < na; i++)
			if (a[i].dim == dim)
			{
				TeMatchRow *r = &m->rows[m->n_rows++];

				r->ia = i;
				r->ib = partner[i];
				r->cost = cost_a[i];
			}
		for (i = 0; i < nb; i++)
			if (b[i].dim == dim && !taken[i])
			{
				TeMatchRow *r = &m->rows[m->n_rows++];

				r->ia = -1;
				r->ib = i;
				r->cost = cost_b[i];
			}
	}
	te_free(env, fa);
	te_free(env, fb);
	te_free(env, partner);
	te_free(env, cost_a);
	te_free(env, cost_b);
	te_free(env, taken);
	te_free(env, ea);
	te_free(env, eb);
	if (st != TE_OK)
		te_matching_free(env, m);
	return st;
}

/* free the rows of a matching and leave it empty */
void
te_matching_free(TeEnv *env, TeMatching *m)
{
	if (m == NULL)
		return;
	te_free(env, m->rows);
	m->rows = NULL;
	m->n_rows = 0;
}

/* exact bottleneck distance between the dim parts of a and b */
TeStatus
te_bottleneck_distance(TeEnv *env, const TePersPair *a, int64_t na,
					   const TePersPair *b, int64_t nb, int dim, double *out)
{
	return te_bottleneck_matching(env, a, na, b, nb, dim, out, NULL);
}

/*
 * exact bottleneck distance between the dim parts of a and b, and with m a
 * matching that attains it (then the finite part is matched even when the
 * essential counts differ)
 */
TeStatus
te_bottleneck_matching(TeEnv *env, const TePersPair *a, int64_t na,
					   const TePersPair *b, int64_t nb, int dim, double *out, TeMatching *m)
{
	TeStatus	st;
	TeDgmPart	A,
				B;
	Arena		ar;
	double		fin = 0.0,
				ess;

	if (m)
	{
		m->rows = NULL;
		m->n_rows = 0;
	}
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
	if (A.n_ess != B.n_ess && m == NULL)
		*out = INFINITY;
	else
	{
		double		f = bn_part_prescale(&A, &B);
		int32_t    *mate = NULL;

		ess = (A.n_ess == B.n_ess) ? bn_essential_max(&A, &B) : INFINITY;
		arena_init(&ar, env, 0, "the bottleneck distance");
		if (m && !(mate = arena_array(&ar, (size_t) A.n + 1, sizeof(int32_t))))
			st = ar.status;
		if (st == TE_OK)
			st = bottleneck_finite(env, &ar, &A, &B, &fin, mate);
		if (st == TE_OK)
			*out = (fin > ess ? fin : ess) / f;
		if (st == TE_OK && m)
			st = bn_matching_build(env, a, na, b, nb, dim, &A, &B, mate, f, m);
		arena_free_all(&ar);
	}
	te_dgm_part_free(env, &A);
	te_dgm_part_free(env, &B);
	return st;
}
