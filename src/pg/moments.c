/*
 * moments.c - SQL face of the moments sketch: the topembed.moments type, its
 * aggregates and accessors
 */
#include "topembed.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "topembed/moments.h"

#define MOM_MAGIC "TEmo"
#define MOM_VERSION 1			/* the compact form's text and binary format */
#define MOM_VERSION_ROWS 2		/* the rows form's (0.3.0 on) */
#define MOM_TYPNAME "topembed.moments"

#define DatumGetMoments(d) ((TeMoments *) PG_DETOAST_DATUM(d))

/*
 * A sketch datum from outside this call (a stored value, an argument, a
 * state from another process), checked against the sketch invariants: the
 * header only, or with deep every value too.  A value that breaks them is
 * corrupt (a damaged page, or a forged value that an older version let in).
 */
static TeMoments *
validated_moments(TeMoments *m, bool deep)
{
	TeEnv		env;
	TeStatus	st;

	te_env_init(&env, CurrentMemoryContext);
	st = te_moments_validate(&env, m, VARSIZE(m), TE_MAX_DIM, deep);
	if (st == TE_CANCELLED)
		te_raise(st, &env, "moments");
	if (st != TE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: %s", MOM_TYPNAME, env.msg)));
	return m;
}

/* a sketch datum, detoasted and checked (see validated_moments) */
static TeMoments *
checked_moments(Datum d, bool deep)
{
	return validated_moments(DatumGetMoments(d), deep);
}

/* a varlena of size bytes in cxt, ERROR with a hint when memory is short */
static TeMoments *
alloc_sketch(MemoryContext cxt, size_t size, int dim)
{
	TeMoments  *m;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a moments sketch of %d dimensions needs %zu MB, more than a value can hold",
						dim, size >> 20),
				 errhint("Reduce the dimension first, e.g. with topembed.pca_project.")));
	m = MemoryContextAllocExtended(cxt, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (m == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory for a moments sketch of %d dimensions (%zu MB)",
						dim, size >> 20)));
	SET_VARSIZE(m, size);
	return m;
}

/* ERROR unless dim is within topembed.moments_max_dim */
static void
check_sketch_dim(int dim)
{
	if (dim > te_moments_max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a moments sketch of %d dimensions exceeds topembed.moments_max_dim (%d)",
						dim, te_moments_max_dim),
				 errdetail("The sketch holds a %d x %d scatter matrix of %.1f MB.",
						   dim, dim, 8.0 * dim * dim / 1048576.0),
				 errhint("SET topembed.moments_max_dim = %d if the memory is there.", dim)));
}

/* a new empty expanded sketch in cxt */
static TeMoments *
new_expanded(MemoryContext cxt, int dim)
{
	int			batch = te_moments_batch(dim);
	TeMoments  *m;

	check_sketch_dim(dim);
	m = alloc_sketch(cxt, te_moments_size(dim, TE_MOM_EXPANDED, batch), dim);
	te_moments_init(m, dim, TE_MOM_EXPANDED, batch);
	SET_VARSIZE(m, te_moments_size(dim, TE_MOM_EXPANDED, batch));
	return m;
}

/*
 * a flushed expanded copy of any sketch, in the current context; the rows
 * of a rows sketch fold in one batch, as the expanded state that wrote it
 * would have folded them
 */
TeMoments *
te_moments_flushed_copy(const TeMoments *src)
{
	TeMoments  *c;
	TeEnv		env;

	te_env_init(&env, CurrentMemoryContext);
	if (src->flags & TE_MOM_EXPANDED)
	{
		c = alloc_sketch(CurrentMemoryContext, VARSIZE(src), src->dim);
		memcpy(c, src, VARSIZE(src));
	}
	else
	{
		int			batch = (src->flags & TE_MOM_ROWS) ? src->n_pending : 1;
		size_t		size = te_moments_size(src->dim, TE_MOM_EXPANDED, batch);

		c = alloc_sketch(CurrentMemoryContext, size, src->dim);
		te_moments_expand(src, c, batch);
		SET_VARSIZE(c, size);
	}
	te_check_status(te_moments_flush(&env, c), &env, "moments");
	return c;
}

/* the compact form of any sketch (mean and scatter), in the current context */
static TeMoments *
compact_of(const TeMoments *src)
{
	TeMoments  *flushed,
			   *out;
	size_t		size = te_moments_size(src->dim, 0, 0);

	if (src->flags == 0)
		return (TeMoments *) src;
	flushed = te_moments_flushed_copy(src);
	out = alloc_sketch(CurrentMemoryContext, size, src->dim);
	te_moments_compact(flushed, out);
	SET_VARSIZE(out, size);
	pfree(flushed);
	return out;
}

/*
 * the form a sketch is stored and sent in: the rows form while its rows are
 * fewer than half its dimension and none is folded, else the compact form
 */
static TeMoments *
stored_of(const TeMoments *src)
{
	TeMoments  *out;
	int			rows = te_moments_rows_kept(src);
	size_t		size;

	if (rows == 0)
		return compact_of(src);
	if (src->flags & TE_MOM_ROWS)
		return (TeMoments *) src;
	size = te_moments_size(src->dim, TE_MOM_ROWS, rows);
	out = alloc_sketch(CurrentMemoryContext, size, src->dim);
	te_moments_to_rows(src, out);
	SET_VARSIZE(out, size);
	return out;
}

/* the sketch argument argno, checked, compact */
TeMoments *
te_moments_arg(FunctionCallInfo fcinfo, int argno)
{
	return compact_of(checked_moments(PG_GETARG_DATUM(argno), true));
}

PG_FUNCTION_INFO_V1(topembed_moments_transfn);

/* transition: add one embedding to the expanded state */
Datum
topembed_moments_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TeMoments  *m;
	TeEmbedding e;
	double	   *x;
	TeEnv		env;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("moments_transfn called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	m = PG_ARGISNULL(0) ? NULL : DatumGetMoments(PG_GETARG_DATUM(0));
	e = te_embedding_arg(fcinfo, 1, NULL, m ? m->dim : 0);
	if (m == NULL)
		m = new_expanded(aggcxt, e.dim);
	else if (!(m->flags & TE_MOM_EXPANDED))
		elog(ERROR, "moments_transfn: the state is not an expanded sketch");

	/* the row goes straight into the sketch's buffer */
	x = (double *) palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, NULL, x);
	te_env_init(&env, aggcxt);
	te_check_status(te_moments_add(&env, m, x), &env, "moments");
	pfree(x);
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(topembed_moments_combinefn);

/*
 * Merge two sketches: the combine function of the moments aggregates and
 * the transition of moments(topembed.moments).  NULLs are skipped.
 */
Datum
topembed_moments_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TeMoments  *a,
			   *b;
	TeEnv		env;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("moments_combinefn called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = checked_moments(PG_GETARG_DATUM(1), true);
	if (PG_ARGISNULL(0))
		a = new_expanded(aggcxt, b->dim);
	else
	{
		a = DatumGetMoments(PG_GETARG_DATUM(0));
		/* a state that is not our own expanded one is copied into aggcxt */
		if (!(a->flags & TE_MOM_EXPANDED) || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
		{
			TeMoments  *c = new_expanded(aggcxt, validated_moments(a, true)->dim);

			te_env_init(&env, aggcxt);
			te_check_status(te_moments_merge(&env, c, a), &env, "moments");
			a = c;
		}
	}
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge moments sketches: expected %d dimensions, not %d",
						a->dim, b->dim)));
	te_env_init(&env, aggcxt);
	te_check_status(te_moments_merge(&env, a, b), &env, "moments");
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_moments_finalfn);

/* final function: the stored sketch (its rows form or the compact one) */
Datum
topembed_moments_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(stored_of(DatumGetMoments(PG_GETARG_DATUM(0))));
}

/* ---- accessors ---- */

PG_FUNCTION_INFO_V1(topembed_moments_count);

/* topembed.moments_n(sketch): the rows it holds */
Datum
topembed_moments_count(PG_FUNCTION_ARGS)
{
	TeMoments  *m = checked_moments(PG_GETARG_DATUM(0), false);

	PG_RETURN_INT64(te_moments_count(m));
}

PG_FUNCTION_INFO_V1(topembed_moments_dim);

/* topembed.moments_dim(sketch): its dimension */
Datum
topembed_moments_dim(PG_FUNCTION_ARGS)
{
	TeMoments  *m = checked_moments(PG_GETARG_DATUM(0), false);

	PG_RETURN_INT32(m->dim);
}

PG_FUNCTION_INFO_V1(topembed_moments_mean);

/* topembed.moments_mean(sketch): the mean row */
Datum
topembed_moments_mean(PG_FUNCTION_ARGS)
{
	TeMoments  *m = te_moments_arg(fcinfo, 0);

	PG_RETURN_ARRAYTYPE_P(te_float8_array(te_moments_mean_c(m), m->dim));
}

PG_FUNCTION_INFO_V1(topembed_moments_covariance);

/* the population covariance S / n as a dim x dim float8[][] */
Datum
topembed_moments_covariance(PG_FUNCTION_ARGS)
{
	TeMoments  *m = te_moments_arg(fcinfo, 0);
	int			d = m->dim;
	double	   *c;
	size_t		i;

	if (m->n == 0)
		PG_RETURN_NULL();
	if ((size_t) d * d > MaxAllocSize / sizeof(Datum))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %d x %d covariance matrix is too large for an array", d, d)));
	c = palloc(sizeof(double) * d * d);
	te_moments_scatter_full(m, c);
	for (i = 0; i < (size_t) d * d; i++)
		c[i] /= (double) m->n;
	PG_RETURN_ARRAYTYPE_P(te_float8_matrix(c, d, d));
}

/* ---- I/O ---- */

/*
 * serialise a sketch (any layout), checked first, in its stored form: what
 * is written reads back.  Format 1 (the compact form): dim, n, the norm
 * range, the mean and the packed scatter; format 2 (the rows form): dim, the
 * number of rows, the norm range, the bytes of each value (4 when every one
 * is a float exactly, as a real[] column's are, else 8) and the rows.
 * Returns the format.
 */
static int
moments_serialize(Datum d, StringInfo si)
{
	const TeMoments *m = stored_of(checked_moments(d, true));
	int			rows = (m->flags & TE_MOM_ROWS) ? m->n_pending : 0;
	int			version = rows ? MOM_VERSION_ROWS : MOM_VERSION;

	te_blob_begin(si, MOM_MAGIC, version);
	te_blob_put_int32(si, m->dim);
	te_blob_put_int64(si, rows ? rows : m->n);
	te_blob_put_float8(si, m->min_norm);
	te_blob_put_float8(si, m->max_norm);
	if (rows)
	{
		const double *x = m->data + m->dim;
		size_t		count = (size_t) rows * m->dim;
		bool		narrow = te_blob_all_float4(x, count);

		te_blob_put_int32(si, narrow ? 4 : 8);
		if (narrow)
			te_blob_put_float4s(si, x, count);
		else
			te_blob_put_float8s(si, x, count);
	}
	else
	{
		te_blob_put_float8s(si, te_moments_mean_c(m), m->dim);
		te_blob_put_float8s(si, te_moments_scatter_c(m), (size_t) m->dim * (m->dim + 1) / 2);
	}
	te_blob_end(si);
	return version;
}

/* parse and validate a serialised sketch (either format) */
static TeMoments *
moments_deserialize(const void *buf, size_t len)
{
	TeBlobReader r;
	int32		dim;
	int64		n;
	double		lo,
				hi;
	TeMoments  *m;
	size_t		size,
				count;
	int			version;
	TeEnv		env;
	TeStatus	st;

	version = te_blob_open(&r, MOM_TYPNAME, MOM_MAGIC, buf, len, MOM_VERSION_ROWS);
	dim = te_blob_get_int32(&r);
	if (dim < 1 || dim > TE_MAX_DIM)
		te_blob_corrupt(&r, "dimension %d out of range", dim);
	n = te_blob_get_int64(&r);
	lo = te_blob_get_float8(&r);
	hi = te_blob_get_float8(&r);
	if (version == MOM_VERSION_ROWS)
	{
		int32		width;

		/* the rows form: 1 to dim / 2 rows of dim values, 4 or 8 bytes each */
		if (n < 1 || 2 * n > dim)
			te_blob_corrupt(&r, "%lld rows where a %d-d rows sketch has 1 to %d",
							(long long) n, dim, dim / 2);
		width = te_blob_get_int32(&r);
		if (width != 4 && width != 8)
			te_blob_corrupt(&r, "values of %d bytes (4 or 8 expected)", width);
		count = (size_t) n * dim;
		if ((r.len - r.pos) / width != count || (r.len - r.pos) % width != 0)
			te_blob_corrupt(&r, "%zu values where %lld rows of %d dimensions have %zu",
							(r.len - r.pos) / width, (long long) n, dim, count);
		size = te_moments_size(dim, TE_MOM_ROWS, (int) n);
		m = alloc_sketch(CurrentMemoryContext, size, dim);
		te_moments_init(m, dim, TE_MOM_ROWS, (int) n);
		m->n_pending = (int32) n;
		if (width == 4)
			te_blob_get_float4s(&r, m->data + dim, count);
		else
			te_blob_get_float8s(&r, m->data + dim, count);
	}
	else
	{
		count = (size_t) dim * (dim + 3) / 2;
		if ((r.len - r.pos) / 8 != count || (r.len - r.pos) % 8 != 0)
			te_blob_corrupt(&r, "%zu values where a %d-d sketch has %zu", (r.len - r.pos) / 8, dim, count);
		size = te_moments_size(dim, 0, 0);
		m = alloc_sketch(CurrentMemoryContext, size, dim);
		te_moments_init(m, dim, 0, 0);
		m->n = n;
		te_blob_get_float8s(&r, m->data, count);
	}
	SET_VARSIZE(m, size);
	m->min_norm = lo;
	m->max_norm = hi;
	te_blob_close(&r);

	/* the invariants, not only the checksum: a forged value is refused */
	te_env_init(&env, CurrentMemoryContext);
	st = te_moments_validate(&env, m, size, TE_MAX_DIM, true);
	if (st == TE_CANCELLED)
		te_raise(st, &env, "moments");
	if (st != TE_OK)
		te_blob_corrupt(&r, "%s", env.msg);
	m->fingerprint = te_moments_hash(m);
	return m;
}

PG_FUNCTION_INFO_V1(topembed_moments_in);

/* text input: "moments/v<format>:" and base64 */
Datum
topembed_moments_in(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	te_blob_from_text(MOM_TYPNAME, "moments", PG_GETARG_CSTRING(0), &si);
	PG_RETURN_POINTER(moments_deserialize(si.data, si.len));
}

PG_FUNCTION_INFO_V1(topembed_moments_out);

/* text output */
Datum
topembed_moments_out(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	int			version;

	initStringInfo(&si);
	version = moments_serialize(PG_GETARG_DATUM(0), &si);
	PG_RETURN_CSTRING(te_blob_to_text("moments", version, &si));
}

PG_FUNCTION_INFO_V1(topembed_moments_recv);

/* binary input (the blob of the text form) */
Datum
topembed_moments_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	TeMoments  *m = moments_deserialize(buf->data + buf->cursor, buf->len - buf->cursor);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(topembed_moments_send);

/* binary output */
Datum
topembed_moments_send(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	moments_serialize(PG_GETARG_DATUM(0), &si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}
