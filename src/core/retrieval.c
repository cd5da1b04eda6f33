/*
 * retrieval.c - cross-modal retrieval and zero-shot ranks by cosine
 *
 * See retrieval.h for the rank rule (ties against the correct answer) and
 * how float32 tiles are made exact.
 */
#include "topembed/retrieval.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* tile of the similarity matrix: TILE_I images x TILE_J texts of float */
#define TILE_I 256
#define TILE_J 1024

/* the dot product of x and y in double, in index order (the exact reference) */
static double
dot_exact(const double *x, const double *y, int dim)
{
	double		s = 0.0;
	int			k;

	for (k = 0; k < dim; k++)
		s += x[k] * y[k];
	return s;
}

/*
 * A bound on |float32 tile value - exact cosine| for unit vectors: the
 * rounding of both vectors to float (2u each, to first order) and of a
 * dim-term float sum in any order (gamma_dim), with a factor 2 to spare
 */
static double
float_bound(int dim)
{
	double		u = FLT_EPSILON / 2.0;

	return 2.0 * ((double) dim + 4.0) * u / (1.0 - ((double) dim + 4.0) * u) + 1e-12;
}

/* a candidate's id and row, sorted by id to find each query's answers */
typedef struct IdRow
{
	int64_t		id;
	int64_t		row;
} IdRow;

/*
 * idrows_sort(): by id, then row (a total order, so the result does not
 * depend on the sort), paced by the run's ticker
 */
#define ST_PREFIX idrows
#define ST_ELEMENT_TYPE IdRow
#define ST_LESS(x, y) ((x)->id < (y)->id || ((x)->id == (y)->id && (x)->row < (y)->row))
#define ST_CHECK(tk, units) te_tick((tk), (units))
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/* first position in the sorted idx whose id is >= v */
static int64_t
lower_bound(const IdRow *idx, int64_t n, int64_t v)
{
	int64_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (idx[mid].id < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The exact similarity of each query to its best correct answer among the
 * other side (has[q] = 0 when it has none).  Paired: the diagonal.
 */
static TeStatus
thresholds(TeEnv *env, const double *q, const int64_t *q_id, int64_t nq,
		   const double *c, const int64_t *c_id, int64_t nc, int dim,
		   double *thr, unsigned char *has)
{
	IdRow	   *idx;
	int64_t		i,
				p;
	TeTicker	tk;

	te_ticker_init(&tk, env);
	if (q_id == NULL)
	{
		for (i = 0; i < nq; i++)
		{
			thr[i] = dot_exact(q + i * dim, c + i * dim, dim);
			has[i] = 1;
			if (te_tick(&tk, (uint64_t) dim) != TE_OK)
				return TE_CANCELLED;
		}
		return TE_OK;
	}
	idx = te_alloc_array(env, (size_t) (nc > 0 ? nc : 1), sizeof(IdRow));
	if (idx == NULL)
		return te_fail(env, TE_NOMEM, "no memory for %lld ids", (long long) nc);
	for (i = 0; i < nc; i++)
	{
		idx[i].id = c_id[i];
		idx[i].row = i;
	}
	if (idrows_sort(&tk, idx, nc) != TE_OK)
	{
		te_free(env, idx);
		return TE_CANCELLED;
	}
	for (i = 0; i < nq; i++)
	{
		has[i] = 0;
		thr[i] = -INFINITY;
		for (p = lower_bound(idx, nc, q_id[i]); p < nc && idx[p].id == q_id[i]; p++)
		{
			double		s = dot_exact(q + i * dim, c + idx[p].row * dim, dim);

			if (!has[i] || s > thr[i])
				thr[i] = s;
			has[i] = 1;
			if (te_tick(&tk, (uint64_t) dim) != TE_OK)
			{
				te_free(env, idx);
				return TE_CANCELLED;
			}
		}
	}
	te_free(env, idx);
	return TE_OK;
}

/* float copies of n rows */
static float *
to_float(TeEnv *env, const double *x, int64_t n, int dim)
{
	float	   *f = te_alloc_array(env, (size_t) (n > 0 ? n : 1) * (size_t) dim, sizeof(float));
	size_t		i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < (size_t) n * (size_t) dim; i++)
		f[i] = (float) x[i];
	return f;
}

/*
 * does candidate similarity s (float tile value) of query vector qv beat
 * (tie included) the threshold t?  Decided exactly near the threshold.
 */
static inline int
beats(float s, double t, double bound, const double *qv, const double *cv, int dim)
{
	double		d = (double) s;

	if (d > t + bound)
		return 1;
	if (d < t - bound)
		return 0;
	return dot_exact(qv, cv, dim) >= t;
}

/*
 * median rank, reciprocal-rank mean and hits at each k from the ranks
 * rank[0..n) (each in 1..maxrank), by a histogram so that the order of the
 * queries does not matter
 */
static TeStatus
summarise(TeEnv *env, const int64_t *rank, const unsigned char *has, int64_t nq, int64_t maxrank,
		  const int32_t *ks, int nks, int64_t *n_out, int64_t *hits, double *median,
		  double *mrr, int64_t *r1)
{
	int64_t    *hist = te_alloc0(env, sizeof(int64_t) * (size_t) (maxrank + 2));
	int64_t		n = 0,
				i,
				r,
				seen,
				lo = 0,
				hi = 0;
	double		sum = 0.0;
	int			k;

	if (hist == NULL)
		return te_fail(env, TE_NOMEM, "no memory for a rank histogram of %lld", (long long) maxrank);
	for (i = 0; i < nq; i++)
		if (has[i])
		{
			hist[rank[i]]++;
			n++;
		}
	*n_out = n;
	for (k = 0; k < nks; k++)
		hits[k] = 0;
	*r1 = hist[1];
	seen = 0;
	for (r = 1; r <= maxrank; r++)
	{
		if (hist[r] == 0)
			continue;
		/* the lower and upper middle ranks (1-based positions) */
		if (seen < (n + 1) / 2 && seen + hist[r] >= (n + 1) / 2)
			lo = r;
		if (seen < n / 2 + 1 && seen + hist[r] >= n / 2 + 1)
			hi = r;
		seen += hist[r];
		sum += (double) hist[r] / (double) r;
		for (k = 0; k < nks; k++)
			if (r <= ks[k])
				hits[k] += hist[r];
	}
	if (n == 0)
	{
		*median = NAN;
		*mrr = NAN;
	}
	else
	{
		*median = (n % 2 == 1) ? (double) lo : ((double) lo + (double) hi) / 2.0;
		*mrr = sum / (double) n;
	}
	te_free(env, hist);
	return TE_OK;
}

/* ranks of every query both ways, summarised (see retrieval.h) */
TeStatus
te_retrieval(TeEnv *env, const double *image, const int64_t *image_id, int64_t n_image,
			 const double *text, const int64_t *text_id, int64_t n_text, int dim,
			 const int32_t *ks, int nks, TeRetrievalResult *out)
{
	double	   *thr_i = NULL,
			   *thr_t = NULL;
	unsigned char *has_i = NULL,
			   *has_t = NULL;
	int64_t    *rank_i = NULL,
			   *rank_t = NULL;
	float	   *fi = NULL,
			   *ft = NULL,
			   *tile = NULL;
	double		bound = float_bound(dim);
	int64_t		i0,
				j0,
				i,
				j;
	TeStatus	st = TE_OK;

	if ((image_id == NULL) != (text_id == NULL) ||
		(image_id == NULL && n_image != n_text))
		return te_fail(env, TE_INVALID, "paired retrieval needs as many images as texts");
	if (n_image < 2 || n_text < 2)
		return te_fail(env, TE_INVALID, "retrieval needs at least 2 images and 2 texts, not %lld and %lld",
					   (long long) n_image, (long long) n_text);

	thr_i = te_alloc_array(env, (size_t) n_image, sizeof(double));
	thr_t = te_alloc_array(env, (size_t) n_text, sizeof(double));
	has_i = te_alloc_array(env, (size_t) n_image, 1);
	has_t = te_alloc_array(env, (size_t) n_text, 1);
	rank_i = te_alloc_array(env, (size_t) n_image, sizeof(int64_t));
	rank_t = te_alloc_array(env, (size_t) n_text, sizeof(int64_t));
	fi = to_float(env, image, n_image, dim);
	ft = to_float(env, text, n_text, dim);
	tile = te_alloc_array(env, (size_t) TILE_I * TILE_J, sizeof(float));
	if (!thr_i || !thr_t || !has_i || !has_t || !rank_i || !rank_t || !fi || !ft || !tile)
	{
		st = te_fail(env, TE_NOMEM, "no memory for retrieval of %lld images and %lld texts",
					 (long long) n_image, (long long) n_text);
		goto done;
	}
	if ((st = thresholds(env, image, image_id, n_image, text, text_id, n_text, dim, thr_i, has_i)) != TE_OK ||
		(st = thresholds(env, text, text_id, n_text, image, image_id, n_image, dim, thr_t, has_t)) != TE_OK)
		goto done;
	for (i = 0; i < n_image; i++)
		rank_i[i] = 1;
	for (j = 0; j < n_text; j++)
		rank_t[j] = 1;

	for (i0 = 0; i0 < n_image; i0 += TILE_I)
	{
		int64_t		bi = n_image - i0 < TILE_I ? n_image - i0 : TILE_I;

		for (j0 = 0; j0 < n_text; j0 += TILE_J)
		{
			int64_t		bj = n_text - j0 < TILE_J ? n_text - j0 : TILE_J;

			if ((st = te_check(env)) != TE_OK)
				goto done;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) bi, (int) bj, dim,
						1.0f, fi + i0 * dim, dim, ft + j0 * dim, dim, 0.0f, tile, (int) bj);
			for (i = i0; i < i0 + bi; i++)
			{
				const float *row = tile + (i - i0) * bj;
				const double *xi = image + i * dim;

				for (j = j0; j < j0 + bj; j++)
				{
					float		s = row[j - j0];
					int			correct = image_id ? image_id[i] == text_id[j] : i == j;

					if (correct)
						continue;
					if (has_i[i] && beats(s, thr_i[i], bound, xi, text + j * dim, dim))
						rank_i[i]++;
					if (has_t[j] && beats(s, thr_t[j], bound, text + j * dim, xi, dim))
						rank_t[j]++;
				}
			}
		}
	}

	if ((st = summarise(env, rank_i, has_i, n_image, n_text + 1, ks, nks, &out->n_image,
						out->image_hits, &out->image_median_rank, &out->image_mrr,
						&out->image_r1)) != TE_OK)
		goto done;
	st = summarise(env, rank_t, has_t, n_text, n_image + 1, ks, nks, &out->n_text,
				   out->text_hits, &out->text_median_rank, &out->text_mrr, &out->text_r1);

done:
	te_free(env, thr_i);
	te_free(env, thr_t);
	te_free(env, has_i);
	te_free(env, has_t);
	te_free(env, rank_i);
	te_free(env, rank_t);
	te_free(env, fi);
	te_free(env, ft);
	te_free(env, tile);
	return st;
}

/* prompts per block of the zero-shot product */
#define ZS_CLASS_BLOCK 512

/*
 * A bound on |dgemm value - index-order dot| for unit vectors: each is
 * within gamma_dim of the exact product, whatever the order or FMA use, so
 * twice that, with a factor 2 to spare
 */
static double
double_bound(int dim)
{
	double		u = DBL_EPSILON / 2.0;

	return 4.0 * ((double) dim + 4.0) * u / (1.0 - ((double) dim + 4.0) * u);
}

/* the ranks of the true classes among the prompts, ties against them */
TeStatus
te_zero_shot_ranks(TeEnv *env, const double *x, int64_t n, const double *prompts,
				   int n_classes, int dim, const int32_t *labels, int64_t *rank)
{
	int			cb = n_classes < ZS_CLASS_BLOCK ? n_classes : ZS_CLASS_BLOCK;
	double	   *t = te_alloc_array(env, (size_t) (n > 0 ? n : 1), sizeof(double));
	double	   *s = te_alloc_array(env, (size_t) (n > 0 ? n : 1) * (size_t) (cb > 0 ? cb : 1), sizeof(double));
	double		bound = double_bound(dim);
	TeTicker	tk;
	int64_t		i;
	int			c0;

	if (t == NULL || s == NULL)
	{
		te_free(env, t);
		te_free(env, s);
		return te_fail(env, TE_NOMEM, "no memory for the zero-shot scores of %lld rows", (long long) n);
	}
	te_ticker_init(&tk, env);
	for (i = 0; i < n; i++)
	{
		t[i] = dot_exact(x + i * dim, prompts + (size_t) labels[i] * dim, dim);
		rank[i] = 1;
	}
	for (c0 = 0; c0 < n_classes; c0 += cb)
	{
		int			c1 = c0 + cb < n_classes ? c0 + cb : n_classes;

		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, c1 - c0, dim, 1.0,
					x, dim, prompts + (size_t) c0 * dim, dim, 0.0, s, c1 - c0);
		for (i = 0; i < n; i++)
		{
			const double *row = s + i * (c1 - c0);
			int			c;

			for (c = c0; c < c1; c++)
			{
				double		v = row[c - c0];

				if (c == labels[i] || v < t[i] - bound)
					continue;
				if (v > t[i] + bound || dot_exact(x + i * dim, prompts + (size_t) c * dim, dim) >= t[i])
					rank[i]++;
			}
		}
		if (te_tick(&tk, (uint64_t) n * (uint64_t) (c1 - c0) * (uint64_t) (dim / 4 + 4)) != TE_OK)
		{
			te_free(env, t);
			te_free(env, s);
			return TE_CANCELLED;
		}
	}
	te_free(env, t);
	te_free(env, s);
	return TE_OK;
}
