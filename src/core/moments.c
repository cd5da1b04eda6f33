/*
 * moments.c - the mergeable moments sketch (see moments.h)
 */
#include "topembed/moments.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

/* packed index of (i, j), i <= j, upper triangle stored row by row */
static inline size_t
packed_index(int d, int i, int j)
{
	return (size_t) i * d - (size_t) i * (i - 1) / 2 + (size_t) (j - i);
}

/* doubles of the scatter: d x d expanded, the packed triangle compact, none for rows */
static size_t
scatter_len(int dim, int flags)
{
	if (flags & TE_MOM_EXPANDED)
		return (size_t) dim * dim;
	if (flags & TE_MOM_ROWS)
		return 0;
	return (size_t) dim * (dim + 1) / 2;
}

/* whether a sketch of these flags has a buffer of rows */
static int
has_rows(int flags)
{
	return (flags & (TE_MOM_EXPANDED | TE_MOM_ROWS)) != 0;
}

/* rows per batch for dimension dim: about 1 MB of pending rows */
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

/* bytes of a sketch of this dimension, form and batch */
size_t
te_moments_size(int dim, int flags, int batch)
{
	size_t		vals = (size_t) dim + scatter_len(dim, flags);

	if (has_rows(flags))
		vals += (size_t) batch * dim;
	return offsetof(TeMoments, data) + sizeof(double) * vals;
}

/* an empty sketch in memory of te_moments_size(dim, flags, batch) bytes */
void
te_moments_init(TeMoments *m, int dim, int flags, int batch)
{
	memset(m, 0, te_moments_size(dim, flags, batch));
	m->layout = (flags & TE_MOM_ROWS) ? TE_MOM_LAYOUT_ROWS : TE_MOM_LAYOUT;
	m->dim = dim;
	m->flags = flags;
	m->batch = has_rows(flags) ? batch : 0;
}

/* the mean (dim values) of a sketch */
double *
te_moments_mean(TeMoments *m)
{
	return m->data;
}

/* the scatter of a sketch, in its layout */
double *
te_moments_scatter(TeMoments *m)
{
	return m->data + m->dim;
}

/* the mean of a read-only sketch */
const double *
te_moments_mean_c(const TeMoments *m)
{
	return m->data;
}

/* the scatter of a read-only sketch */
const double *
te_moments_scatter_c(const TeMoments *m)
{
	return m->data + m->dim;
}

/* the pending-row buffer of an expanded or rows sketch */
static double *
pending(TeMoments *m)
{
	return m->data + m->dim + scatter_len(m->dim, m->flags);
}

/* the buffer of pending rows of a read-only sketch */
static const double *
pending_c(const TeMoments *m)
{
	return m->data + m->dim + scatter_len(m->dim, m->flags);
}

/* scatter entry (i, j) of either layout */
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

/* all rows: folded plus pending */
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

/* TE_RANGE unless the folded mean and scatter diagonal are finite */
static TeStatus
check_finite(TeEnv *env, const TeMoments *m)
{
	const double *mean = te_moments_mean_c(m);
	double		trace = 0.0;
	int			i;

	for (i = 0; i < m->dim; i++)
	{
		double		v = te_moments_scatter_at(m, i, i);

		trace += v;
		if (!isfinite(mean[i]) || !isfinite(v) || !isfinite(trace))
			return te_fail(env, TE_RANGE,
						   "the moments of rows with norms up to %g overflow double precision",
						   m->max_norm);
	}
	return TE_OK;
}

/* add one row to the pending buffer (expanded only), folding it when full */
TeStatus
te_moments_add(TeEnv *env, TeMoments *m, const double *x)
{
	int			d = m->dim;
	double		norm;

	if (!(m->flags & TE_MOM_EXPANDED))
		return te_fail(env, TE_INVALID, "rows can only be added to an expanded sketch");
	if (te_moments_count(m) == INT64_MAX)
		return te_fail(env, TE_RANGE, "a moments sketch counts at most %lld rows",
					   (long long) INT64_MAX);
	norm = te_norm2(x, d);
	if (!isfinite(norm))
		return te_fail(env, TE_RANGE,
					   "an embedding's norm exceeds the double range, which a moments sketch cannot hold");
	note_norm(m, norm, te_moments_count(m) == 0);
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

/* fold the pending rows into n, mean and scatter (expanded only) */
TeStatus
te_moments_flush(TeEnv *env, TeMoments *m)
{
	int			d = m->dim;
	int			B = m->n_pending;
	double	   *X = pending(m);
	double	   *mb;
	int			r,
				i;
	TeStatus	st;

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
	/* a sum beyond the double range: the mean of the scaled values instead */
	for (i = 0; i < d; i++)
		if (!isfinite(mb[i]))
		{
			mb[i] = 0.0;
			for (r = 0; r < B; r++)
				mb[i] += X[(size_t) r * d + i] / B;
		}
	for (r = 0; r < B; r++)
		for (i = 0; i < d; i++)
			X[(size_t) r * d + i] -= mb[i];

	/* S += Xc' Xc: the rows are the columns of a d x B column-major matrix */
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, B, 1.0, X, d, 1.0,
				te_moments_scatter(m), d);
	chan_fold(m, B, mb, mb + d);
	m->n_pending = 0;
	te_free(env, mb);
	/* what cannot be represented is refused here, not when it is read back */
	if ((st = check_finite(env, m)) != TE_OK)
		return st;
	return te_check(env);
}

/* fold sketch b (either layout) into the expanded sketch a */
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
	if (te_moments_count(b) > INT64_MAX - before)
		return te_fail(env, TE_RANGE, "merged moments sketches would count more than %lld rows",
					   (long long) INT64_MAX);

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
		if ((st = check_finite(env, a)) != TE_OK)
			return st;
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

/* write the compact form of the flushed expanded sketch src into dst */
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

/* the rows kept by the rows form of m, 0 when it must be compact (see moments.h) */
int
te_moments_rows_kept(const TeMoments *m)
{
	if (!has_rows(m->flags) || m->n != 0 || m->n_pending < 1 ||
		2 * (int64_t) m->n_pending > m->dim)
		return 0;
	return m->n_pending;
}

/* write the rows form of src (te_moments_rows_kept(src) > 0) into dst */
void
te_moments_to_rows(const TeMoments *src, TeMoments *dst)
{
	int			r = src->n_pending;

	te_moments_init(dst, src->dim, TE_MOM_ROWS, r);
	dst->n_pending = r;
	dst->min_norm = src->min_norm;
	dst->max_norm = src->max_norm;
	memcpy(pending(dst), pending_c(src), sizeof(double) * (size_t) r * src->dim);
	dst->fingerprint = te_moments_hash(dst);
}

/*
 * write the expanded form of the compact or rows sketch src into dst, with a
 * buffer of batch rows (at least src's rows for the rows form)
 */
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
	if (src->flags & TE_MOM_ROWS)
	{
		/* the rows go back into the buffer, in their order */
		dst->n_pending = src->n_pending;
		memcpy(pending(dst), pending_c(src), sizeof(double) * (size_t) src->n_pending * d);
		return;
	}
	S = te_moments_scatter(dst);
	for (i = 0; i < d; i++)
		for (j = i; j < d; j++)
			S[(size_t) i + (size_t) j * d] = P[p++];
}

/* the full symmetric scatter (d x d, both triangles) of a flushed sketch */
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

/* content hash of a compact sketch (dim, n, mean, scatter) or a rows one (its rows too) */
uint64_t
te_moments_hash(const TeMoments *m)
{
	size_t		len = sizeof(double) * ((size_t) m->dim + scatter_len(m->dim, m->flags));
	int64_t		head[2] = {m->dim, m->n};
	uint64_t	h;

	if (m->flags & TE_MOM_ROWS)
	{
		len += sizeof(double) * (size_t) m->n_pending * m->dim;
		head[1] = -(int64_t) m->n_pending;
	}
	h = te_hash_bytes(TE_HASH_INIT, head, sizeof(head));

	h = te_hash_bytes(h, m->data, len);
	return h ? h : 1;
}

/* tolerances of te_moments_validate: generous against rounding, tight against forgery */
#define VALID_REL 1e-6
#define VALID_ABS 1e-300
#define VALID_TINY 1e-140

/*
 * the invariants of a sketch from outside: see moments.h.  Long (about 140
 * lines) because it is one checklist read top to bottom (header, finite
 * values, scatter, norms, pending rows), each check a few lines returning its
 * own message.
 */
TeStatus
te_moments_validate(TeEnv *env, const TeMoments *m, size_t size, int max_dim, int deep)
{
	const double *mean,
			   *S;
	int			d = m->dim,
				i,
				j;
	int64_t		count;
	double		mnorm,
				trace = 0.0,
				r2;

	if (size < offsetof(TeMoments, data))
		return te_fail(env, TE_INVALID, "truncated (%zu bytes)", size);
	if (m->layout < TE_MOM_LAYOUT_OLDEST || m->layout > TE_MOM_LAYOUT_ROWS)
		return te_fail(env, TE_INVALID,
					   "unknown on-disk layout %d (this version reads layouts %d to %d)",
					   (int) m->layout, TE_MOM_LAYOUT_OLDEST, TE_MOM_LAYOUT_ROWS);
	if ((m->layout == TE_MOM_LAYOUT_ROWS) != (m->flags == TE_MOM_ROWS))
		return te_fail(env, TE_INVALID, "layout %d with flags %d", (int) m->layout, (int) m->flags);
	if (d < 1 || d > max_dim)
		return te_fail(env, TE_INVALID, "dimension %d out of range 1 to %d", d, max_dim);
	if (m->flags == 0)
	{
		if (m->batch != 0 || m->n_pending != 0)
			return te_fail(env, TE_INVALID, "a compact sketch with pending rows");
	}
	else if (m->flags == TE_MOM_EXPANDED)
	{
		if (m->batch < 1 || m->batch > TE_MOM_MAX_BATCH || m->n_pending < 0 ||
			m->n_pending > m->batch)
			return te_fail(env, TE_INVALID, "%d pending rows in a buffer of %d",
						   (int) m->n_pending, (int) m->batch);
	}
	else if (m->flags == TE_MOM_ROWS)
	{
		/* the rows form: 1 to dim / 2 rows, a full buffer, none folded */
		if (m->batch < 1 || 2 * (int64_t) m->batch > d)
			return te_fail(env, TE_INVALID, "%d rows in a rows sketch of %d dimensions (%d to %d allowed)",
						   (int) m->batch, d, 1, d / 2);
		if (m->n_pending != m->batch)
			return te_fail(env, TE_INVALID, "%d rows in a rows sketch sized for %d",
						   (int) m->n_pending, (int) m->batch);
		if (m->n != 0)
			return te_fail(env, TE_INVALID, "a rows sketch with %lld folded rows", (long long) m->n);
	}
	else
		return te_fail(env, TE_INVALID, "unknown flags %d", (int) m->flags);
	if (size != te_moments_size(d, m->flags, m->batch))
		return te_fail(env, TE_INVALID, "%zu bytes where a %d-d sketch has %zu", size, d,
					   te_moments_size(d, m->flags, m->batch));
	if (m->n < 0)
		return te_fail(env, TE_INVALID, "negative count %lld", (long long) m->n);
	if (m->n > INT64_MAX - m->n_pending)
		return te_fail(env, TE_INVALID, "the count overflows");
	count = te_moments_count(m);
	if (!(m->min_norm >= 0.0 && m->min_norm <= m->max_norm && isfinite(m->max_norm)))
		return te_fail(env, TE_INVALID, "invalid norm range %g to %g", m->min_norm, m->max_norm);
	if (count == 0 && m->max_norm != 0.0)
		return te_fail(env, TE_INVALID, "an empty sketch with a norm range");
	if (!deep)
		return TE_OK;

	/* every value finite; a zero sketch when empty, a zero scatter for one row */
	mean = te_moments_mean_c(m);
	S = te_moments_scatter_c(m);
	{
		size_t		nvals = (size_t) d + scatter_len(d, m->flags),
					k;

		for (k = 0; k < nvals; k++)
		{
			if (!isfinite(mean[k]))
				return te_fail(env, TE_INVALID, "non-finite value at position %zu", k + 1);
			if (m->n <= 1 && k >= (size_t) d && S[k - d] != 0.0 &&
				((m->flags & TE_MOM_EXPANDED) == 0 || (k - d) % d <= (k - d) / d))
				return te_fail(env, TE_INVALID, "a non-zero scatter for %lld rows", (long long) m->n);
			if (m->n == 0 && k < (size_t) d && mean[k] != 0.0)
				return te_fail(env, TE_INVALID, "a mean for 0 rows");
		}
		if (te_check(env) != TE_OK)
			return TE_CANCELLED;
	}
	if (m->n == 0)
		goto pending_rows;

	/* the scatter: a non-negative diagonal and |S_ij| <= sqrt(S_ii S_jj) */
	for (i = 0; i < d; i++)
	{
		double		sii = te_moments_scatter_at(m, i, i);

		if (sii < 0.0)
			return te_fail(env, TE_INVALID, "negative variance in dimension %d", i + 1);
		trace += sii;
	}
	if (!isfinite(trace))
		return te_fail(env, TE_INVALID, "the total variance overflows");
	for (j = 0; j < d; j++)
	{
		double		rj = sqrt(te_moments_scatter_at(m, j, j));

		for (i = 0; i < j; i++)
		{
			double		ri = sqrt(te_moments_scatter_at(m, i, i)),
						sij = fabs(te_moments_scatter_at(m, i, j));

			if (sij > ri * rj + VALID_REL * 0.5 * (ri * ri + rj * rj) + VALID_ABS)
				return te_fail(env, TE_INVALID,
							   "scatter entry (%d,%d) exceeds what its variances allow", i + 1, j + 1);
		}
		if ((j & 63) == 63 && te_check(env) != TE_OK)
			return TE_CANCELLED;
	}

	/* the norms: ||mean|| <= max_norm, and trace / n as every row's norm allows */
	mnorm = te_norm2(mean, d);
	if (mnorm > m->max_norm * (1.0 + VALID_REL))
		return te_fail(env, TE_INVALID, "a mean of norm %g with rows of norm at most %g",
					   mnorm, m->max_norm);
	if (m->max_norm > 0.0)
	{
		double		t = trace / (double) m->n / m->max_norm / m->max_norm,
					mu = mnorm / m->max_norm,
					lo = m->min_norm / m->max_norm;

		/*
		 * (below VALID_TINY the squares of the coordinates underflow, and a
		 * scatter rounded to zero is the correct double, so no lower bound)
		 */
		r2 = 1.0 - mu * mu;
		if (t > r2 + VALID_REL ||
			(m->max_norm > VALID_TINY && t < lo * lo - mu * mu - VALID_REL))
			return te_fail(env, TE_INVALID,
						   "a total variance of %g with %lld rows of norms %g to %g and a mean of norm %g",
						   trace / (double) m->n, (long long) m->n, m->min_norm, m->max_norm, mnorm);
	}
	else if (trace != 0.0)
		return te_fail(env, TE_INVALID, "a scatter with rows of norm 0");

pending_rows:
	/* pending rows of an expanded or rows sketch: finite, norms in the range */
	for (i = 0; i < m->n_pending; i++)
	{
		const double *x = pending_c(m) + (size_t) i * d;
		double		nx;

		for (j = 0; j < d; j++)
			if (!isfinite(x[j]))
				return te_fail(env, TE_INVALID, "non-finite value in pending row %d", i + 1);
		nx = te_norm2(x, d);
		if (nx > m->max_norm * (1.0 + VALID_REL) || nx < m->min_norm * (1.0 - VALID_REL))
			return te_fail(env, TE_INVALID, "pending row %d has norm %g outside %g to %g",
						   i + 1, nx, m->min_norm, m->max_norm);
	}
	return TE_OK;
}
