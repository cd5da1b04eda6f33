/*
 * intrinsic.c - exact k nearest neighbours in blocks, TwoNN and the
 * Levina-Bickel MLE (see intrinsic.h)
 */
#include "topembed/intrinsic.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* rows of queries and of candidates per block of Gram products */
#define KNN_QBLOCK 128
#define KNN_CBLOCK 2048

/* candidates kept beyond k, so that rounding of the Gram form cannot drop a neighbour */
#define KNN_SLACK 4

/* a method name ("twonn", "mle") to its enum; -1 if unknown */
int
te_id_method_parse(const char *name, TeIdMethod *method)
{
	if (strcmp(name, "twonn") == 0)
		*method = TE_ID_TWONN;
	else if (strcmp(name, "mle") == 0)
		*method = TE_ID_MLE;
	else
		return -1;
	return 0;
}

/* a neighbour candidate */
typedef struct Cand
{
	double		d;
	int64_t		i;
} Cand;

/*
 * cands_sort(): nearer first, then the lower index (a total order, so the
 * result does not depend on the sort)
 */
#define ST_PREFIX cands
#define ST_ELEMENT_TYPE Cand
#define ST_LESS(x, y) ((x)->d < (y)->d || ((x)->d == (y)->d && (x)->i < (y)->i))
#include "sort_template.h"

/* insert (d, i) into the sorted list c of *len <= cap entries, if it belongs */
static inline void
cand_insert(Cand *c, int *len, int cap, double d, int64_t i)
{
	int			p;

	if (*len == cap && !(d < c[cap - 1].d))
		return;
	p = *len < cap ? *len : cap - 1;
	while (p > 0 && c[p - 1].d > d)
	{
		c[p] = c[p - 1];
		p--;
	}
	c[p].d = d;
	c[p].i = i;
	if (*len < cap)
		(*len)++;
}

/* the exact Euclidean distance of two rows */
static double
row_dist(const double *x, const double *y, int dim)
{
	double		s = 0.0;
	int			j;

	for (j = 0; j < dim; j++)
	{
		double		v = x[j] - y[j];

		s += v * v;
	}
	return sqrt(s);
}

/* the k nearest neighbours of every point, exactly (see intrinsic.h) */
TeStatus
te_knn(TeEnv *env, const double *points, int64_t n, int dim, int k,
	   double *dist, int64_t *idx)
{
	int			cap;
	double	   *sq,
			   *g;
	Cand	   *cand;
	int		   *len;
	int64_t		q0,
				c0,
				i;

	if (k < 1 || k >= n)
		return te_fail(env, TE_INVALID, "k must be between 1 and n - 1 = %lld, not %d",
					   (long long) (n - 1), k);
	cap = (int64_t) k + KNN_SLACK < n - 1 ? k + KNN_SLACK : (int) (n - 1);
	sq = te_alloc_array(env, (size_t) n, sizeof(double));
	g = te_alloc_array(env, (size_t) KNN_QBLOCK * KNN_CBLOCK, sizeof(double));
	cand = te_alloc_array(env, (size_t) KNN_QBLOCK * cap, sizeof(Cand));
	len = te_alloc_array(env, KNN_QBLOCK, sizeof(int));
	if (!sq || !g || !cand || !len)
		return TE_NOMEM;
	for (i = 0; i < n; i++)
	{
		const double *x = points + i * dim;
		double		s = 0.0;
		int			j;

		for (j = 0; j < dim; j++)
			s += x[j] * x[j];
		sq[i] = s;
	}

	for (q0 = 0; q0 < n; q0 += KNN_QBLOCK)
	{
		int64_t		nq = n - q0 < KNN_QBLOCK ? n - q0 : KNN_QBLOCK;
		int64_t		a;

		memset(len, 0, sizeof(int) * KNN_QBLOCK);
		for (c0 = 0; c0 < n; c0 += KNN_CBLOCK)
		{
			int64_t		nc = n - c0 < KNN_CBLOCK ? n - c0 : KNN_CBLOCK;
			int64_t		b;

			if (te_check(env) != TE_OK)
				return TE_CANCELLED;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) nq, (int) nc, dim,
						1.0, points + q0 * dim, dim, points + c0 * dim, dim, 0.0, g, (int) nc);
			for (a = 0; a < nq; a++)
				for (b = 0; b < nc; b++)
				{
					double		d2;

					if (q0 + a == c0 + b)
						continue;
					d2 = sq[q0 + a] + sq[c0 + b] - 2.0 * g[a * nc + b];
					cand_insert(cand + a * cap, &len[a], cap, d2, c0 + b);
				}
		}
		/* the candidates' exact distances decide */
		for (a = 0; a < nq; a++)
		{
			Cand	   *c = cand + a * cap;
			int			j;

			for (j = 0; j < len[a]; j++)
				c[j].d = row_dist(points + (q0 + a) * dim, points + c[j].i * dim, dim);
			cands_sort(c, len[a]);
			for (j = 0; j < k; j++)
			{
				dist[(q0 + a) * k + j] = c[j].d;
				if (idx)
					idx[(q0 + a) * k + j] = c[j].i;
			}
		}
	}
	te_free(env, sq);
	te_free(env, g);
	te_free(env, cand);
	te_free(env, len);
	return TE_OK;
}

/* lmus_sort(): ascending doubles (none is NaN: every distance is > 0) */
#define ST_PREFIX lmus
#define ST_ELEMENT_TYPE double
#define ST_LESS(x, y) (*(x) < *(y))
#include "sort_template.h"

/* TE_INVALID if a point has a zero nearest-neighbour distance */
static TeStatus
refuse_duplicates(TeEnv *env, const double *dist, int64_t n, int k)
{
	int64_t		i,
				dups = 0;

	for (i = 0; i < n; i++)
		if (dist[i * k] == 0.0)
			dups++;
	if (dups > 0)
		return te_fail(env, TE_INVALID,
					   "%lld points have a duplicate, and intrinsic dimension needs distinct points",
					   (long long) dups);
	return TE_OK;
}

/* the TwoNN or MLE intrinsic dimension of n points (see intrinsic.h) */
TeStatus
te_intrinsic_dimension(TeEnv *env, const double *points, int64_t n, int dim,
					   TeIdMethod method, int k, double *out)
{
	int			kk = method == TE_ID_TWONN ? 2 : k;
	double	   *dist;
	int64_t		i;
	TeStatus	st;

	if (n < 3)
		return te_fail(env, TE_INVALID, "intrinsic dimension needs at least 3 points, not %lld",
					   (long long) n);
	if (method == TE_ID_MLE && (k < 2 || k >= n))
		return te_fail(env, TE_INVALID, "k must be between 2 and n - 1 = %lld, not %d",
					   (long long) (n - 1), k);
	dist = te_alloc_array(env, (size_t) n * kk, sizeof(double));
	if (!dist)
		return TE_NOMEM;
	if ((st = te_knn(env, points, n, dim, kk, dist, NULL)) != TE_OK ||
		(st = refuse_duplicates(env, dist, n, kk)) != TE_OK)
		return st;

	if (method == TE_ID_TWONN)
	{
		double	   *lmu = te_alloc_array(env, (size_t) n, sizeof(double));
		int64_t		m = (int64_t) floor(0.9 * (double) n);
		double		sxy = 0.0,
					sxx = 0.0;

		if (lmu == NULL)
			return TE_NOMEM;
		for (i = 0; i < n; i++)
			lmu[i] = log(dist[i * 2 + 1] / dist[i * 2]);
		lmus_sort(lmu, n);
		for (i = 0; i < m; i++)
		{
			double		y = -log1p(-(double) (i + 1) / (double) n);

			sxy += lmu[i] * y;
			sxx += lmu[i] * lmu[i];
		}
		te_free(env, lmu);
		if (!(sxx > 0.0))
			return te_fail(env, TE_INVALID,
						   "every point's two nearest neighbours are equally far, so TwoNN has no slope to fit");
		*out = sxy / sxx;
	}
	else
	{
		double		s = 0.0;

		for (i = 0; i < n; i++)
		{
			const double *d = dist + i * k;
			double		lk = log(d[k - 1]);
			int			j;

			for (j = 0; j < k - 1; j++)
				s += lk - log(d[j]);
		}
		if (!(s > 0.0))
			return te_fail(env, TE_INVALID,
						   "every point's k nearest neighbours are equally far, so the MLE is unbounded");
		*out = (double) n * (double) (k - 1) / s;
	}
	te_free(env, dist);
	return TE_OK;
}
