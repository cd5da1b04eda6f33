/*
 * moments.c - the mergeable moments sketch (see moments.h)
 */
#include "topembed/moments.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

/* packed index of (i, j), i <= j, upper triangle stored row by row */
static inline size_t
packed_index(int d, int i, int j)
{
	return (size_t) i * d - (size_t) i * (i - 1) / 2 + (size_t) (j - i);
}

static size_t
scatter_len(int dim, int flags)
{
	if (flags & TE_MOM_EXPANDED)
		return (size_t) dim * dim;
	return (size_t) dim * (dim + 1) / 2;
}

int
te_moments_batch(int dim)
{
	int			b = (1 << 17) / (dim > 0 ? dim : 1);	/* about 1 MB of rows */

	if (b < 32)
		b = 32;
	if (b > 512)
		b = 512;
	return b;
}

size_t
te_moments_size(int dim, int flags, int batch)
{
	size_t		vals = (size_t) dim + scatter_len(dim, flags);

	if (flags & TE_MOM_EXPANDED)
		vals += (size_t) batch * dim;
	return offsetof(TeMoments, data) + sizeof(double) * vals;
}

void
te_moments_init(TeMoments *m, int dim, int flags, int batch)
{
	memset(m, 0, te_moments_size(dim, flags, batch));
	m->dim = dim;
	m->flags = flags;
	m->batch = (flags & TE_MOM_EXPANDED) ? batch : 0;
}

double *
te_moments_mean(TeMoments *m)
{
	return m->data;
}

double *
te_moments_scatter(TeMoments *m)
{
	return m->data + m->dim;
}

const double *
te_moments_mean_c(const TeMoments *m)
{
	return m->data;
}

const double *
te_moments_scatter_c(const TeMoments *m)
{
	return m->data + m->dim;
}

/* the pending-row buffer of an expanded sketch */
static double *
pending(TeMoments *m)
{
	return m->data + m->dim + scatter_len(m->dim, m->flags);
}

static const double *
pending_c(const TeMoments *m)
{
	return m->data + m->dim + scatter_len(m->dim, m->flags);
}

double
te_moments_scatter_at(const TeMoments *m, int i, int j)
{
	const double *s = te_moments_scatter_c(m);

	if (i > j)
	{
		int			t = i;

		i = j;
		j = t;
	}
	if (m->flags & TE_MOM_EXPANDED)
		return s[(size_t) i + (size_t) j * m->dim];
	return s[packed_index(m->dim, i, j)];
}

int64_t
te_moments_count(const TeMoments *m)
{
	return m->n + m->n_pending;
}

/* track the smallest and largest row norm */
static void
note_norm(TeMoments *m, double norm, int first)
{
	if (first)
	{
		m->min_norm = norm;
		m->max_norm = norm;
		return;
	}
	if (norm < m->min_norm)
		m->min_norm = norm;
	if (norm > m->max_norm)
		m->max_norm = norm;
}

TeStatus
te_moments_add(TeEnv *env, TeMoments *m, const double *x)
{
	int			d = m->dim;
	double		ss = 0.0;
	int			i;

	if (!(m->flags & TE_MOM_EXPANDED))
		return te_fail(env, TE_INVALID, "rows can only be added to an expanded sketch");
	for (i = 0; i < d; i++)
		ss += x[i] * x[i];
	note_norm(m, sqrt(ss), te_moments_count(m) == 0);
	memcpy(pending(m) + (size_t) m->n_pending * d, x, sizeof(double) * d);
	m->n_pending++;
	if (m->n_pending >= m->batch)
		return te_moments_flush(env, m);
	return TE_OK;
}

/*
 * Chan et al.: fold a part with nb rows and mean mb, whose scatter has
 * already been added into the expanded m's scatter, into m's count and mean, adding the
 * cross term (na nb / n) delta delta' to the scatter.  work: dim doubles.
 */
static void
chan_fold(TeMoments *m, int64_t nb, const double *mb, double *work)
{
	int			d = m->dim;
	double	   *mean = te_moments_mean(m);
	double		na = (double) m->n;
	double		n = na + (double) nb;
	int			i;

	if (m->n == 0)
		memcpy(mean, mb, sizeof(double) * d);
	else
	{
		for (i = 0; i < d; i++)
			work[i] = mb[i] - mean[i];
		cblas_dsyr(CblasColMajor, CblasUpper, d, na * (double) nb / n, work, 1,
				   te_moments_scatter(m), d);
		for (i = 0; i < d; i++)
			mean[i] += work[i] * ((double) nb / n);
	}
	m->n += nb;
}

TeStatus
te_moments_flush(TeEnv *env, TeMoments *m)
{
	int			d = m->dim;
	int			B = m->n_pending;
	double	   *X = pending(m);
	double	   *mb;
	int			r,
				i;

	if (!(m->flags & TE_MOM_EXPANDED))
		return te_fail(env, TE_INVALID, "only an expanded sketch has pending rows");
	if (B == 0)
		return TE_OK;
	mb = te_alloc_array(env, 2 * (size_t) d, sizeof(double));
	if (mb == NULL)
		return te_fail(env, TE_NOMEM, "no memory to fold a batch of %d-d rows", d);

	/* the batch mean, then the batch centred on it */
	memset(mb, 0, sizeof(double) * d);
	for (r = 0; r < B; r++)
		for (i = 0; i < d; i++)
			mb[i] += X[(size_t) r * d + i];
	for (i = 0; i < d; i++)
		mb[i] /= B;
	for (r = 0; r < B; r++)
		for (i = 0; i < d; i++)
			X[(size_t) r * d + i] -= mb[i];

	/* S += Xc' Xc: the rows are the columns of a d x B column-major matrix */
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, B, 1.0, X, d, 1.0,
				te_moments_scatter(m), d);
	chan_fold(m, B, mb, mb + d);
	m->n_pending = 0;
	te_free(env, mb);
	return te_check(env);
}

TeStatus
te_moments_merge(TeEnv *env, TeMoments *a, const TeMoments *b)
{
	int			d = a->dim;
	int64_t		before = te_moments_count(a);
	int			i,
				j,
				r;
	TeStatus	st;

	if (!(a->flags & TE_MOM_EXPANDED))
		return te_fail(env, TE_INVALID, "sketches merge into an expanded sketch");
	if (b->dim != d)
		return te_fail(env, TE_INVALID, "expected %d dimensions, not %d", d, b->dim);
	if (te_moments_count(b) == 0)
		return TE_OK;

	if (b->n > 0)
	{
		double	   *S = te_moments_scatter(a);
		const double *Sb = te_moments_scatter_c(b);
		double	   *work = te_alloc_array(env, d, sizeof(double));

		if (work == NULL)
			return te_fail(env, TE_NOMEM, "no memory to merge %d-d sketches", d);
		if (b->flags & TE_MOM_EXPANDED)
		{
			for (j = 0; j < d; j++)
				for (i = 0; i <= j; i++)
					S[(size_t) i + (size_t) j * d] += Sb[(size_t) i + (size_t) j * d];
		}
		else
		{
			size_t		p = 0;

			for (i = 0; i < d; i++)
				for (j = i; j < d; j++)
					S[(size_t) i + (size_t) j * d] += Sb[p++];
		}
		chan_fold(a, b->n, te_moments_mean_c(b), work);
		te_free(env, work);
	}

	if (before == 0)
	{
		a->min_norm = b->min_norm;
		a->max_norm = b->max_norm;
	}
	else
	{
		if (b->min_norm < a->min_norm)
			a->min_norm = b->min_norm;
		if (b->max_norm > a->max_norm)
			a->max_norm = b->max_norm;
	}

	/* b's pending rows join a's buffer */
	for (r = 0; r < b->n_pending; r++)
		if ((st = te_moments_add(env, a, pending_c(b) + (size_t) r * d)) != TE_OK)
			return st;
	return te_check(env);
}

void
te_moments_compact(const TeMoments *src, TeMoments *dst)
{
	int			d = src->dim;
	const double *S = te_moments_scatter_c(src);
	double	   *P;
	size_t		p = 0;
	int			i,
				j;

	te_moments_init(dst, d, 0, 0);
	dst->n = src->n;
	dst->min_norm = src->min_norm;
	dst->max_norm = src->max_norm;
	memcpy(te_moments_mean(dst), te_moments_mean_c(src), sizeof(double) * d);
	P = te_moments_scatter(dst);
	for (i = 0; i < d; i++)
		for (j = i; j < d; j++)
			P[p++] = S[(size_t) i + (size_t) j * d];
	dst->fingerprint = te_moments_hash(dst);
}

void
te_moments_expand(const TeMoments *src, TeMoments *dst, int batch)
{
	int			d = src->dim;
	const double *P = te_moments_scatter_c(src);
	double	   *S;
	size_t		p = 0;
	int			i,
				j;

	te_moments_init(dst, d, TE_MOM_EXPANDED, batch);
	dst->n = src->n;
	dst->min_norm = src->min_norm;
	dst->max_norm = src->max_norm;
	memcpy(te_moments_mean(dst), te_moments_mean_c(src), sizeof(double) * d);
	S = te_moments_scatter(dst);
	for (i = 0; i < d; i++)
		for (j = i; j < d; j++)
			S[(size_t) i + (size_t) j * d] = P[p++];
}

void
te_moments_scatter_full(const TeMoments *m, double *out)
{
	int			d = m->dim;
	int			i,
				j;

	for (j = 0; j < d; j++)
		for (i = 0; i <= j; i++)
		{
			double		v = te_moments_scatter_at(m, i, j);

			out[(size_t) i + (size_t) j * d] = v;
			out[(size_t) j + (size_t) i * d] = v;
		}
}

uint64_t
te_moments_hash(const TeMoments *m)
{
	size_t		len = sizeof(double) * ((size_t) m->dim + scatter_len(m->dim, m->flags));
	int64_t		head[2] = {m->dim, m->n};
	uint64_t	h = te_hash_bytes(TE_HASH_INIT, head, sizeof(head));

	h = te_hash_bytes(h, m->data, len);
	return h ? h : 1;
}
