/*
 * geometry.c - uniformity and the drivers of the modality gap (see geometry.h)
 */
#include "topembed/geometry.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topembed/eigen.h"
#include "topembed/moments.h"

/* rows per block of the uniformity's Gram products */
#define UNI_BLOCK 256

/* x . y */
static double
dotp(const double *x, const double *y, int dim)
{
	double		s = 0.0;
	int			i;

	for (i = 0; i < dim; i++)
		s += x[i] * y[i];
	return s;
}

/* fold v into the running log-sum-exp (*m, *s): sum = *s exp(*m) */
static inline void
lse_add(double *m, double *s, double v)
{
	if (v > *m)
	{
		*s = *s * exp(*m - v) + 1.0;
		*m = v;
	}
	else
		*s += exp(v - *m);
}

/* the uniformity of n points at temperature t (see geometry.h) */
TeStatus
te_uniformity(TeEnv *env, const double *points, int64_t n, int dim, double t, double *out)
{
	double	   *sq,
			   *g;
	double		m = -INFINITY,
				s = 0.0;
	int64_t		bi,
				bj,
				i;

	if (n < 2)
		return te_fail(env, TE_INVALID, "uniformity needs at least 2 embeddings, not %lld",
					   (long long) n);
	if (!isfinite(t) || t <= 0.0)
		return te_fail(env, TE_INVALID, "t must be a positive finite number, not %g", t);
	sq = te_alloc_array(env, (size_t) n, sizeof(double));
	g = te_alloc_array(env, (size_t) UNI_BLOCK * UNI_BLOCK, sizeof(double));
	if (sq == NULL || g == NULL)
		return TE_NOMEM;
	for (i = 0; i < n; i++)
		sq[i] = dotp(points + i * dim, points + i * dim, dim);

	for (bi = 0; bi < n; bi += UNI_BLOCK)
	{
		int64_t		ni = n - bi < UNI_BLOCK ? n - bi : UNI_BLOCK;

		for (bj = bi; bj < n; bj += UNI_BLOCK)
		{
			int64_t		nj = n - bj < UNI_BLOCK ? n - bj : UNI_BLOCK;
			int64_t		a,
						b;

			if (te_check(env) != TE_OK)
				return TE_CANCELLED;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) ni, (int) nj, dim,
						1.0, points + bi * dim, dim, points + bj * dim, dim, 0.0, g, (int) nj);
			for (a = 0; a < ni; a++)
				for (b = (bi == bj ? a + 1 : 0); b < nj; b++)
				{
					double		d2 = sq[bi + a] + sq[bj + b] - 2.0 * g[a * nj + b];

					lse_add(&m, &s, -t * (d2 > 0.0 ? d2 : 0.0));
				}
		}
	}
	/* log of the mean over the n (n - 1) / 2 pairs */
	*out = m + log(s) - (log((double) n) + log((double) (n - 1)) - log(2.0));
	te_free(env, sq);
	te_free(env, g);
	return TE_OK;
}

/* a coordinate and its squared gap component, for sorting */
typedef struct CoordShare
{
	double		v;
	int			i;
} CoordShare;

/*
 * shares_sort(): the largest share first, ties by coordinate (a total
 * order, as qsort with the old comparator gave)
 */
#define ST_PREFIX shares
#define ST_ELEMENT_TYPE CoordShare
#define ST_LESS(x, y) ((x)->v > (y)->v || ((x)->v == (y)->v && (x)->i < (y)->i))
#include "sort_template.h"

/* a moments sketch of n rows, flushed; NULL with env->msg on failure */
static TeMoments *
sketch_of(TeEnv *env, const double *rows, int64_t n, int dim, TeStatus *st)
{
	int			batch = te_moments_batch(dim);
	TeMoments  *m = te_alloc(env, te_moments_size(dim, TE_MOM_EXPANDED, batch));
	int64_t		i;

	*st = TE_NOMEM;
	if (m == NULL)
		return NULL;
	te_moments_init(m, dim, TE_MOM_EXPANDED, batch);
	for (i = 0; i < n; i++)
	{
		if ((i & 255) == 0 && te_check(env) != TE_OK)
		{
			*st = TE_CANCELLED;
			return NULL;
		}
		if ((*st = te_moments_add(env, m, rows + i * dim)) != TE_OK)
			return NULL;
	}
	if ((*st = te_moments_flush(env, m)) != TE_OK)
		return NULL;
	*st = TE_OK;
	return m;
}

/* correct calls of the rule "image when p . w > c" over both modalities */
static TeStatus
accuracy_along(TeEnv *env, const double *image, const double *text, int64_t n, int dim,
			   const double *w, double c, double *out)
{
	int64_t		i,
				right = 0;

	for (i = 0; i < n; i++)
	{
		if ((i & 1023) == 0 && te_check(env) != TE_OK)
			return TE_CANCELLED;
		if (dotp(image + i * dim, w, dim) > c)
			right++;
		if (dotp(text + i * dim, w, dim) < c)
			right++;
	}
	*out = (double) right / (2.0 * (double) n);
	return TE_OK;
}

/*
 * the coordinates and principal directions that carry the gap (see
 * geometry.h).  Long (about 135 lines) because it is one pass over four
 * measures of the same two sketches and one eigen-solve (top-k coordinates,
 * the pooled principal directions, the midpoint classifier, Fisher's
 * direction), which share the sketches, the solve and one clean-up.
 */
TeStatus
te_gap_drivers(TeEnv *env, const double *image, const double *text, int64_t n,
			   int dim, int k, TeGapDrivers *out)
{
	TeMoments  *mx,
			   *my;
	const double *mux,
			   *muy;
	double	   *delta,
			   *mid,
			   *sx,
			   *sy,
			   *a,
			   *ev,
			   *vec,
			   *w;
	CoordShare *cs;
	double		g2,
				hn,
				sep2 = 0.0;
	int			i,
				j,
				c;
	TeStatus	st;

	memset(out, 0, sizeof(*out));
	if (n < 2)
		return te_fail(env, TE_INVALID, "gap_drivers needs at least 2 pairs, not %lld", (long long) n);
	if (k < 1 || k > dim)
		return te_fail(env, TE_INVALID, "k must be between 1 and the dimension %d, not %d", dim, k);
	out->n_pairs = n;
	out->dim = dim;
	out->k = k;

	/* the two moments sketches */
	if ((mx = sketch_of(env, image, n, dim, &st)) == NULL ||
		(my = sketch_of(env, text, n, dim, &st)) == NULL)
		return st;
	mux = te_moments_mean_c(mx);
	muy = te_moments_mean_c(my);
	delta = te_alloc_array(env, dim, sizeof(double));
	mid = te_alloc_array(env, dim, sizeof(double));
	sx = te_alloc_array(env, (size_t) dim * dim, sizeof(double));
	sy = te_alloc_array(env, (size_t) dim * dim, sizeof(double));
	a = te_alloc_array(env, (size_t) dim * dim, sizeof(double));
	ev = te_alloc_array(env, dim, sizeof(double));
	vec = te_alloc_array(env, (size_t) dim * dim, sizeof(double));
	w = te_alloc_array(env, dim, sizeof(double));
	cs = te_alloc_array(env, dim, sizeof(CoordShare));
	out->top_coordinates = te_alloc_array(env, k, sizeof(int));
	out->coordinate_shares = te_alloc_array(env, k, sizeof(double));
	out->pc_shares = te_alloc_array(env, k, sizeof(double));
	out->pc_variance = te_alloc_array(env, k, sizeof(double));
	if (!delta || !mid || !sx || !sy || !a || !ev || !vec || !w || !cs ||
		!out->top_coordinates || !out->coordinate_shares || !out->pc_shares || !out->pc_variance)
		return TE_NOMEM;
	for (j = 0; j < dim; j++)
	{
		delta[j] = mux[j] - muy[j];
		mid[j] = (mux[j] + muy[j]) / 2.0;
	}
	g2 = dotp(delta, delta, dim);
	if (!(g2 > 0.0))
		return te_fail(env, TE_INVALID, "the two modalities have the same centroid, so the gap has no direction");
	out->gap = sqrt(g2);

	/* the coordinates that carry the most of ||Delta||^2 */
	for (j = 0; j < dim; j++)
	{
		cs[j].v = delta[j] * delta[j];
		cs[j].i = j;
	}
	shares_sort(cs, dim);
	for (c = 0; c < k; c++)
	{
		out->top_coordinates[c] = cs[c].i;
		out->coordinate_shares[c] = cs[c].v / g2;
		out->top_share += cs[c].v / g2;
	}

	/* pooled scatter: S_x + S_y + (n n / 2n) Delta Delta', as Chan et al. merge */
	te_moments_scatter_full(mx, sx);
	te_moments_scatter_full(my, sy);
	hn = (double) n / 2.0;
	for (i = 0; i < dim; i++)
		for (j = 0; j < dim; j++)
			a[(size_t) i * dim + j] = (sx[(size_t) i * dim + j] + sy[(size_t) i * dim + j] +
									   hn * delta[i] * delta[j]) / (2.0 * (double) n - 1.0);
	if ((st = te_sym_eigen(env, dim, a, ev, k, vec)) != TE_OK)
		return st;
	for (c = 0; c < k; c++)
	{
		double		p = dotp(vec + (size_t) c * dim, delta, dim);

		out->pc_shares[c] = p * p / g2;
		out->pc_share += p * p / g2;
		out->pc_variance[c] = ev[c];
	}

	/* the midpoint classifier along Delta */
	if ((st = accuracy_along(env, image, text, n, dim, delta, dotp(mid, delta, dim),
							 &out->midpoint_accuracy)) != TE_OK)
		return st;

	/* Fisher: w = S_w^+ Delta from every eigenpair of S_w = S_x + S_y */
	for (i = 0; i < dim * dim; i++)
		a[i] = sx[i] + sy[i];
	if ((st = te_sym_eigen(env, dim, a, ev, dim, vec)) != TE_OK)
		return st;
	memset(w, 0, sizeof(double) * dim);
	for (c = 0; c < dim; c++)
	{
		const double *v = vec + (size_t) c * dim;
		double		p;

		if (!(ev[c] > TE_LDA_RCOND * ev[0]))
			break;
		p = dotp(v, delta, dim);
		sep2 += p * p / ev[c];
		for (j = 0; j < dim; j++)
			w[j] += p / ev[c] * v[j];
	}
	out->lda_separation = sqrt(sep2 * (2.0 * (double) n - 2.0));
	if ((st = accuracy_along(env, image, text, n, dim, w, dotp(mid, w, dim),
							 &out->lda_accuracy)) != TE_OK)
		return st;

	te_free(env, mx);
	te_free(env, my);
	te_free(env, delta);
	te_free(env, mid);
	te_free(env, sx);
	te_free(env, sy);
	te_free(env, a);
	te_free(env, ev);
	te_free(env, vec);
	te_free(env, w);
	te_free(env, cs);
	return TE_OK;
}
