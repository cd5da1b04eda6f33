/*
 * kdtree.c - a 2-d tree with deletion over the points of a persistence
 *            diagram, for the matching solvers
 *
 * The bottleneck distance's Hopcroft-Karp search takes one alive point
 * within a box and removes it (Efrat, Itai and Katz 2001); the Wasserstein
 * distance enumerates every point within a box.  kdtree_internal.h holds the
 * types and the interface.
 */
#include "kdtree_internal.h"

#include <math.h>
#include <string.h>

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
int
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
void
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
int32_t
kd_take(KdTree *t, const double *x, const double *y, double qx, double qy, double r)
{
	if (t->n == 0)
		return -1;
	return kd_take_node(t, x, y, 1, 0, t->n, qx, qy, r);
}

/* enumerate the points of node's subtree inside the query box */
void
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
