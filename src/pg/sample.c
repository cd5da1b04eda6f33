/*
 * sample.c - the bottom-k hash sample of a set of points: the heap that the
 * sampled persistence keeps, and the topembed.point_sample type that stores
 * and ships it
 *
 * A point is kept when its 64-bit content hash (point_hash, over its values
 * as doubles) is among the k smallest of all the points offered.  The kept
 * set depends only on the set of points, never on their order, and the
 * sample of a union is the sample of the two samples: so the sample merges
 * exactly, in a parallel plan and across Citus shards, and the same rows
 * give the same sample wherever they are read.
 *
 * A topembed.point_sample value (PointSample): the dimension, the sample
 * size k, the points kept (at most k) and the rows seen, then the kept
 * points' hashes and the points themselves.  The aggregate's working value
 * has room for k points, kept as a max-heap on the hash; a finished value
 * holds its points only, sorted by hash, so that the same sample is the same
 * value, bit for bit.  Text form "point_sample/v1:" and base64 of the binary
 * form: the header, then the points as 4-byte floats when they all are
 * floats (a real[] column's), else as 8-byte doubles; the hashes are not
 * stored but recomputed, and the input refuses a value whose points do not
 * form a bottom-k sample of what it says it saw.
 */
#include "topembed.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#define PS_MAGIC "TEsa"
#define PS_VERSION 1
#define PS_TYPNAME "topembed.point_sample"

typedef struct PointSample
{
	int32		vl_len_;
	int32		dim;
	int32		k;				/* sample size */
	int32		cap;			/* room for this many points */
	int64		n;				/* points kept: min(k, seen) */
	int64		seen;			/* rows offered */
	double		data[];			/* cap hashes (as uint64), then cap x dim points */
} PointSample;

#define PS_HASH(s) ((uint64 *) (s)->data)
#define PS_POINTS(s) ((s)->data + (s)->cap)

/* 64-bit hash of a point's values (FNV-1a with a splitmix finaliser) */
uint64
te_point_hash(const double *x, int dim)
{
	uint64		h = te_hash_bytes(TE_HASH_INIT, x, sizeof(double) * (size_t) dim);

	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

/* swap heap entries i and j: points and hashes */
static void
swap_entries(TeSampleHeap *h, int64 i, int64 j, double *tmp)
{
	size_t		bytes = sizeof(double) * h->dim;
	uint64		t = h->hash[i];

	memcpy(tmp, h->points + i * h->dim, bytes);
	memcpy(h->points + i * h->dim, h->points + j * h->dim, bytes);
	memcpy(h->points + j * h->dim, tmp, bytes);
	h->hash[i] = h->hash[j];
	h->hash[j] = t;
}

/* restore the max-heap property upwards from i */
static void
sift_up(TeSampleHeap *h, int64 i, double *tmp)
{
	while (i > 0)
	{
		int64		parent = (i - 1) / 2;

		if (h->hash[parent] >= h->hash[i])
			break;
		swap_entries(h, i, parent, tmp);
		i = parent;
	}
}

/* restore the max-heap property downwards from i */
static void
sift_down(TeSampleHeap *h, int64 i, double *tmp)
{
	for (;;)
	{
		int64		l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < h->n && h->hash[l] > h->hash[m])
			m = l;
		if (r < h->n && h->hash[r] > h->hash[m])
			m = r;
		if (m == i)
			break;
		swap_entries(h, i, m, tmp);
		i = m;
	}
}

/*
 * offer point x with hash hx: kept while fewer than k are kept (the caller
 * has made room for one more), else in place of the largest hash if its own
 * is smaller.  tmp: dim doubles.
 */
void
te_sample_offer(TeSampleHeap *h, const double *x, uint64 hx, double *tmp)
{
	if (h->n < h->k)
	{
		memcpy(h->points + h->n * h->dim, x, sizeof(double) * h->dim);
		h->hash[h->n] = hx;
		h->n++;
		sift_up(h, h->n - 1, tmp);
	}
	else if (hx < h->hash[0])
	{
		memcpy(h->points, x, sizeof(double) * h->dim);
		h->hash[0] = hx;
		sift_down(h, 0, tmp);
	}
}

/* ---- the topembed.point_sample type ---- */

/* bytes of a value with room for cap points */
static size_t
sample_size(int dim, int64 cap)
{
	return offsetof(PointSample, data) + sizeof(double) * (size_t) cap * (1 + (size_t) dim);
}

/* ERROR unless a sample of k points of dim fits in a value and topembed.max_points */
static void
check_sample_size(int dim, int64 k)
{
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the sample size must be at least 1, not %lld", (long long) k)));
	if (k > te_max_points)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a sample of %lld points exceeds topembed.max_points (%d)",
						(long long) k, te_max_points)));
	if (sample_size(dim, k) > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a sample of %lld points of %d dimensions needs %zu MB, more than a value can hold (1 GB)",
						(long long) k, dim, sample_size(dim, k) >> 20),
				 errhint("Sample fewer points, or reduce the dimension first with topembed.pca_project.")));
}

/* an empty sample with room for cap points, in cxt */
static PointSample *
new_sample(MemoryContext cxt, int dim, int32 k, int64 cap)
{
	size_t		size = sample_size(dim, cap);
	PointSample *s = MemoryContextAllocExtended(cxt, size, MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory for a sample of %lld points of %d dimensions (%zu MB)",
						(long long) cap, dim, size >> 20)));
	SET_VARSIZE(s, size);
	s->dim = dim;
	s->k = k;
	s->cap = (int32) cap;
	return s;
}

/* the heap view of a working sample */
static TeSampleHeap
heap_of(PointSample *s)
{
	TeSampleHeap h;

	h.points = PS_POINTS(s);
	h.hash = PS_HASH(s);
	h.n = s->n;
	h.k = s->k;
	h.dim = s->dim;
	return h;
}

/* offer one point (dim doubles) to the working sample s (cap == k) */
static void
sample_add(PointSample *s, const double *x, double *tmp)
{
	TeSampleHeap h = heap_of(s);

	te_sample_offer(&h, x, te_point_hash(x, s->dim), tmp);
	s->n = h.n;
	if (s->seen == PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a point sample counts at most %lld rows", (long long) PG_INT64_MAX)));
	s->seen++;
}

/* merge sample b into the working sample a (a->cap == a->k <= b's k) */
static void
sample_merge(PointSample *a, const PointSample *b)
{
	TeSampleHeap h = heap_of(a);
	double	   *tmp = palloc(sizeof(double) * a->dim);
	int64		i;

	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge point samples: expected %d dimensions, not %d", a->dim, b->dim)));
	for (i = 0; i < b->n; i++)
	{
		te_sample_offer(&h, PS_POINTS(b) + i * b->dim, PS_HASH(b)[i], tmp);
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	a->n = h.n;
	if (b->seen > PG_INT64_MAX - a->seen)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("merged point samples would count more than %lld rows", (long long) PG_INT64_MAX)));
	a->seen += b->seen;
	pfree(tmp);
}

/* order of two kept points by hash, for the finished value */
static int
cmp_hash_index(const void *pa, const void *pb, void *arg)
{
	const uint64 *hash = arg;
	uint64		a = hash[*(const int64 *) pa],
				b = hash[*(const int64 *) pb];

	return a < b ? -1 : a > b;
}

/* the finished value of a working sample: its n points, sorted by hash */
static PointSample *
finished(const PointSample *s)
{
	PointSample *out = new_sample(CurrentMemoryContext, s->dim, s->k, Max(s->n, 1));
	int64	   *order = palloc(sizeof(int64) * Max(s->n, 1));
	int64		i;

	SET_VARSIZE(out, sample_size(s->dim, s->n));
	out->cap = (int32) s->n;
	out->n = s->n;
	out->seen = s->seen;
	for (i = 0; i < s->n; i++)
		order[i] = i;
	qsort_arg(order, s->n, sizeof(int64), cmp_hash_index, PS_HASH(s));
	for (i = 0; i < s->n; i++)
	{
		PS_HASH(out)[i] = PS_HASH(s)[order[i]];
		memcpy(PS_POINTS(out) + i * s->dim, PS_POINTS(s) + order[i] * s->dim, sizeof(double) * s->dim);
	}
	pfree(order);
	return out;
}

/*
 * check a value from outside (input, a stored value, another process's
 * state): the header, every point finite, and the counts a bottom-k sample
 * can have; with hashes set also every hash its point's (the input computes
 * them itself).  ERROR 22P03 naming the broken rule (te_blob_corrupt).
 */
static const PointSample *
checked(const PointSample *s, bool hashes)
{
	TeBlobReader r = {.typname = PS_TYPNAME};
	int64		i;
	int			j;

	if (VARSIZE(s) < offsetof(PointSample, data))
		te_blob_corrupt(&r, "truncated");
	if (s->dim < 1 || s->dim > TE_MAX_DIM)
		te_blob_corrupt(&r, "dimension %d out of range", s->dim);
	if (s->k < 1 || s->cap < 0 || s->cap > s->k || s->n < 0 || s->n > s->cap)
		te_blob_corrupt(&r, "%lld points kept in room for %d, with sample size %d",
						(long long) s->n, s->cap, s->k);
	if (VARSIZE(s) != sample_size(s->dim, s->cap))
		te_blob_corrupt(&r, "%u bytes where a sample with room for %d points of %d dimensions has %zu",
						VARSIZE(s), s->cap, s->dim, sample_size(s->dim, s->cap));
	if (s->seen < s->n || (s->n < s->k && s->seen != s->n))
		te_blob_corrupt(&r, "%lld points kept of %lld seen, with sample size %d",
						(long long) s->n, (long long) s->seen, s->k);
	for (i = 0; i < s->n; i++)
	{
		const double *x = PS_POINTS(s) + i * s->dim;

		for (j = 0; j < s->dim; j++)
			if (!isfinite(x[j]))
				te_blob_corrupt(&r, "point %lld has a non-finite value", (long long) i + 1);
		if (hashes && te_point_hash(x, s->dim) != PS_HASH(s)[i])
			te_blob_corrupt(&r, "the hash of point %lld is not that of its values", (long long) i + 1);
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return s;
}

/* a value from outside, checked with its hashes */
static const PointSample *
validated(const PointSample *s)
{
	return checked(s, true);
}

/* a point_sample argument, detoasted and checked */
static const PointSample *
sample_arg(FunctionCallInfo fcinfo, int argno)
{
	return validated((const PointSample *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)));
}

PG_FUNCTION_INFO_V1(topembed_point_sample_transfn);

/* transition of topembed.point_sample(embedding, k): offer one row */
Datum
topembed_point_sample_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PointSample *s;
	TeEmbedding e;
	double	   *x,
			   *tmp;
	int32		k;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("point_sample_transfn called in non-aggregate context")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the sample size of topembed.point_sample must not be NULL")));
	k = PG_GETARG_INT32(2);
	s = PG_ARGISNULL(0) ? NULL : (PointSample *) PG_GETARG_POINTER(0);
	if (s != NULL && s->k != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the sample size of topembed.point_sample must be the same in every row"),
				 errdetail("The first row gave %d, this row %d.", s->k, k)));
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	e = te_embedding_arg(fcinfo, 1, NULL, s ? s->dim : 0);
	if (s == NULL)
	{
		check_sample_size(e.dim, k);
		s = new_sample(aggcxt, e.dim, k, k);
	}
	x = palloc(sizeof(double) * 2 * e.dim);
	tmp = x + e.dim;
	te_embedding_to_double(&e, NULL, x);
	sample_add(s, x, tmp);
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_point_sample_combinefn);

/*
 * Merge two samples: the combine function of topembed.point_sample and the
 * transition of point_sample(point_sample).  Samples of different sizes
 * merge into the smaller size, which both can give exactly.  NULLs are
 * skipped.
 */
Datum
topembed_point_sample_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PointSample *a;
	const PointSample *b;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("point_sample_combinefn called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = sample_arg(fcinfo, 1);
	a = PG_ARGISNULL(0) ? NULL : (PointSample *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	/* a state that is not a working one of this aggregate becomes one, in aggcxt */
	if (a == NULL || a->cap != a->k || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)) ||
		a->k > b->k)
	{
		const PointSample *old = a ? validated(a) : NULL;
		int32		k = old ? Min(old->k, b->k) : b->k;
		PointSample *c = new_sample(aggcxt, b->dim, k, k);

		if (old)
			sample_merge(c, old);
		a = c;
	}
	sample_merge(a, b);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_point_sample_finalfn);

/* final function: the finished sample (its points sorted by hash) */
Datum
topembed_point_sample_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(finished((PointSample *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0))));
}

/* ---- accessors ---- */

PG_FUNCTION_INFO_V1(topembed_point_sample_count);

/* topembed.point_sample_count(sample): the points it keeps */
Datum
topembed_point_sample_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(sample_arg(fcinfo, 0)->n);
}

PG_FUNCTION_INFO_V1(topembed_point_sample_seen);

/* topembed.point_sample_seen(sample): the rows it was drawn from */
Datum
topembed_point_sample_seen(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(sample_arg(fcinfo, 0)->seen);
}

PG_FUNCTION_INFO_V1(topembed_point_sample_size);

/* topembed.point_sample_size(sample): the sample size k it was drawn with */
Datum
topembed_point_sample_size(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(sample_arg(fcinfo, 0)->k);
}

/*
 * The kept points of a sample argument as doubles (n x dim) for the engine,
 * or NULL when it keeps none
 */
const double *
te_point_sample_points(FunctionCallInfo fcinfo, int argno, int64 *n, int *dim)
{
	const PointSample *s = sample_arg(fcinfo, argno);

	*n = s->n;
	*dim = s->dim;
	return s->n > 0 ? PS_POINTS(s) : NULL;
}

/* ---- I/O ---- */

/* the binary form of a sample (any layout: the working one is finished first) */
static void
sample_serialize(Datum d, StringInfo si)
{
	const PointSample *s = finished(validated((const PointSample *) PG_DETOAST_DATUM(d)));
	size_t		count;
	bool		narrow;

	count = (size_t) s->n * s->dim;
	narrow = te_blob_all_float4(PS_POINTS(s), count);
	te_blob_begin(si, PS_MAGIC, PS_VERSION);
	te_blob_put_int32(si, s->dim);
	te_blob_put_int32(si, s->k);
	te_blob_put_int64(si, s->n);
	te_blob_put_int64(si, s->seen);
	te_blob_put_int32(si, narrow ? 4 : 8);
	if (narrow)
		te_blob_put_float4s(si, PS_POINTS(s), count);
	else
		te_blob_put_float8s(si, PS_POINTS(s), count);
	te_blob_end(si);
}

/* parse and validate a serialised sample */
static PointSample *
sample_deserialize(const void *buf, size_t len)
{
	TeBlobReader r;
	int32		dim,
				k,
				width;
	int64		n,
				seen,
				i;
	PointSample *s;

	te_blob_open(&r, PS_TYPNAME, PS_MAGIC, buf, len, PS_VERSION);
	dim = te_blob_get_int32(&r);
	k = te_blob_get_int32(&r);
	n = te_blob_get_int64(&r);
	seen = te_blob_get_int64(&r);
	width = te_blob_get_int32(&r);
	if (dim < 1 || dim > TE_MAX_DIM)
		te_blob_corrupt(&r, "dimension %d out of range", dim);
	if (k < 1 || n < 0 || n > k)
		te_blob_corrupt(&r, "%lld points kept with sample size %d", (long long) n, k);
	if (width != 4 && width != 8)
		te_blob_corrupt(&r, "values of %d bytes (4 or 8 expected)", width);
	if ((r.len - r.pos) != (size_t) n * dim * width)
		te_blob_corrupt(&r, "%zu bytes of points where %lld points of %d dimensions take %zu",
						r.len - r.pos, (long long) n, dim, (size_t) n * dim * width);
	if (sample_size(dim, n) > MaxAllocSize)
		te_blob_corrupt(&r, "too large");
	s = new_sample(CurrentMemoryContext, dim, k, n);
	s->n = n;
	s->seen = seen;
	if (width == 4)
		te_blob_get_float4s(&r, PS_POINTS(s), (size_t) n * dim);
	else
		te_blob_get_float8s(&r, PS_POINTS(s), (size_t) n * dim);
	te_blob_close(&r);
	/* the counts and finite points, then the hashes, computed here once */
	checked(s, false);
	for (i = 0; i < n; i++)
	{
		PS_HASH(s)[i] = te_point_hash(PS_POINTS(s) + i * dim, dim);
		/* a finished value lists its points by hash */
		if (i > 0 && PS_HASH(s)[i] < PS_HASH(s)[i - 1])
			te_blob_corrupt(&r, "point %lld is out of hash order", (long long) i + 1);
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return s;
}

PG_FUNCTION_INFO_V1(topembed_point_sample_in);

/* text input: "point_sample/v<format>:" and base64 */
Datum
topembed_point_sample_in(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	te_blob_from_text(PS_TYPNAME, "point_sample", PG_GETARG_CSTRING(0), &si);
	PG_RETURN_POINTER(sample_deserialize(si.data, si.len));
}

PG_FUNCTION_INFO_V1(topembed_point_sample_out);

/* text output */
Datum
topembed_point_sample_out(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	sample_serialize(PG_GETARG_DATUM(0), &si);
	PG_RETURN_CSTRING(te_blob_to_text("point_sample", PS_VERSION, &si));
}

PG_FUNCTION_INFO_V1(topembed_point_sample_recv);

/* binary input (the blob of the text form) */
Datum
topembed_point_sample_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	PointSample *s = sample_deserialize(buf->data + buf->cursor, buf->len - buf->cursor);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_point_sample_send);

/* binary output */
Datum
topembed_point_sample_send(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	sample_serialize(PG_GETARG_DATUM(0), &si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}
