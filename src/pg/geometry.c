/*
 * geometry.c - SQL face of uniformity, gap_drivers and intrinsic_dimension:
 * aggregates that hold their points (bounded by topembed.max_points, or a
 * fixed-size sample) and run the core on them in their final function
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/memutils.h"

#include "topembed/gap.h"
#include "topembed/geometry.h"
#include "topembed/intrinsic.h"

/* what a point set is for; checked when partial states combine */
typedef enum SetKind
{
	SET_UNIFORMITY = 1,
	SET_DRIVERS,
	SET_INTRINSIC
} SetKind;

/*
 * The aggregate state: rows of doubles (one embedding, or an image and its
 * text side by side), each with a hash of its values.  The sampled form
 * keeps the rows with the smallest hashes in a max-heap, so the sample does
 * not depend on the order of the rows; the final function sorts the rows
 * by hash, so that the result does not either (serial and parallel plans
 * give the same bits).
 */
typedef struct PointSet
{
	MemoryContext cxt;
	int32		kind;
	int32		dim;			/* of one embedding */
	int32		width;			/* doubles per row */
	int64		n;
	int64		cap;
	double	   *rows;
	uint64	   *hash;
	int32		sample;			/* 0 = keep every row */
	int32		k;				/* -1 = not given */
	int32		method;
	double		t;
} PointSet;

#define SET_MAGIC "TEpt"

/* the name of a set's function, for messages */
static const char *
kind_name(int32 kind)
{
	return kind == SET_UNIFORMITY ? "uniformity" :
		kind == SET_DRIVERS ? "gap_drivers" : "intrinsic_dimension";
}

/* ERROR unless called as an aggregate support function */
static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcxt;
}

/* a new, empty set */
static PointSet *
new_set(MemoryContext cxt, int32 kind, int32 dim, int32 sample, int32 k, int32 method, double t)
{
	PointSet   *s = MemoryContextAllocZero(cxt, sizeof(PointSet));

	s->cxt = cxt;
	s->kind = kind;
	s->dim = dim;
	s->width = kind == SET_DRIVERS ? 2 * dim : dim;
	s->sample = sample;
	s->k = k;
	s->method = method;
	s->t = t;
	return s;
}

/* ERROR if a row's parameters differ from the first row's */
static void
check_same(const PointSet *s, int32 sample, int32 k, int32 method, double t)
{
	if (s->sample != sample || s->k != k || s->method != method ||
		!(s->t == t || (isnan(s->t) && isnan(t))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the parameters of %s must be the same in every row", kind_name(s->kind))));
}

/* make room for one more row */
static void
grow(PointSet *s)
{
	int64		cap;

	if (s->n < s->cap)
		return;
	cap = s->cap ? s->cap * 2 : 256;
	if (s->sample > 0 && cap > s->sample)
		cap = s->sample;
	if ((double) cap * s->width * sizeof(double) > (double) MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one %s computation", kind_name(s->kind))));
	if (s->rows == NULL)
	{
		s->rows = MemoryContextAllocHuge(s->cxt, sizeof(double) * cap * s->width);
		s->hash = MemoryContextAllocHuge(s->cxt, sizeof(uint64) * cap);
	}
	else
	{
		s->rows = repalloc_huge(s->rows, sizeof(double) * cap * s->width);
		s->hash = repalloc_huge(s->hash, sizeof(uint64) * cap);
	}
	s->cap = cap;
}

/* add a row: keep it, or in the sampled form keep it if its hash is small */
static void
add_row(PointSet *s, const double *x)
{
	uint64		h = te_point_hash(x, s->width);

	if (s->sample == 0)
	{
		if (s->n >= te_max_points)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("topembed.%s got more than topembed.max_points (%d) rows",
							kind_name(s->kind), te_max_points),
					 s->kind == SET_UNIFORMITY ?
					 errhint("Sample the input with topembed.uniformity(e, t, sample), or raise topembed.max_points.") :
					 errhint("Sample the rows (e.g. TABLESAMPLE or a WHERE on a hash), or raise topembed.max_points.")));
		grow(s);
		memcpy(s->rows + s->n * s->width, x, sizeof(double) * s->width);
		s->hash[s->n++] = h;
		return;
	}
	else
	{
		/* the bottom-k hash sample of sample.c */
		double	   *tmp = palloc(sizeof(double) * s->width);
		TeSampleHeap heap;

		if (s->n < s->sample)
		{
			/* a sample above the limit keeps every row of a big table */
			if (s->n >= te_max_points)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("a sample of %d rows keeps more than topembed.max_points (%d) rows",
								s->sample, te_max_points),
						 errhint("Use a smaller sample, or raise topembed.max_points if the memory is there.")));
			grow(s);
		}
		heap.points = s->rows;
		heap.hash = s->hash;
		heap.n = s->n;
		heap.k = s->sample;
		heap.dim = s->width;
		te_sample_offer(&heap, x, h, tmp);
		s->n = heap.n;
		pfree(tmp);
	}
}

/* read embedding argument argno as L2-normalised doubles into out */
static void
read_unit(FunctionCallInfo fcinfo, int argno, const char *what, int expected_dim,
		  int *dim, double *out_or_null, double **out)
{
	TeEmbedding e = te_embedding_arg(fcinfo, argno, what, expected_dim);
	double	   *x = out_or_null ? out_or_null : palloc(sizeof(double) * e.dim);

	te_embedding_to_double(&e, what, x);
	if (te_normalize(x, e.dim) == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s embedding is a zero vector, which has no direction", what ? what : "an"),
				 errhint("%s", TE_ZERO_VECTOR_HINT)));
	*dim = e.dim;
	*out = x;
}

PG_FUNCTION_INFO_V1(topembed_uniformity_transfn);

/* transition of uniformity(embedding [, t [, sample]]) */
Datum
topembed_uniformity_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "uniformity_transfn");
	PointSet   *s = PG_ARGISNULL(0) ? NULL : (PointSet *) PG_GETARG_POINTER(0);
	double		t = 2.0;
	int32		sample = 0;
	double	   *x;
	int			dim;

	if (PG_NARGS() > 2)
	{
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("t must not be NULL")));
		t = PG_GETARG_FLOAT8(2);
		if (!isfinite(t) || t <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("t must be a positive finite number, not %g", t)));
	}
	if (PG_NARGS() > 3)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("sample must not be NULL")));
		sample = PG_GETARG_INT32(3);
		if (sample < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sample must be at least 2, not %d", sample)));
	}
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	read_unit(fcinfo, 1, NULL, s ? s->dim : 0, &dim, NULL, &x);
	if (s == NULL)
		s = new_set(aggcxt, SET_UNIFORMITY, dim, sample, -1, 0, t);
	else
		check_same(s, sample, -1, 0, t);
	add_row(s, x);
	pfree(x);
	PG_RETURN_POINTER(s);
}

/* the method name of intrinsic_dimension, in any case */
static int32
method_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;
	TeIdMethod	m;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("method must not be NULL"),
				 errhint("The methods are 'twonn' and 'mle'.")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	name = asc_tolower(name, strlen(name));
	if (te_id_method_parse(name, &m) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown intrinsic dimension method \"%s\"", name),
				 errhint("The methods are 'twonn' and 'mle'.")));
	return (int32) m;
}

PG_FUNCTION_INFO_V1(topembed_intrinsic_transfn);

/* transition of intrinsic_dimension(embedding, method, k) */
Datum
topembed_intrinsic_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "intrinsic_transfn");
	PointSet   *s = PG_ARGISNULL(0) ? NULL : (PointSet *) PG_GETARG_POINTER(0);
	int32		method = method_arg(fcinfo, 2);
	int32		k = PG_ARGISNULL(3) ? -1 : PG_GETARG_INT32(3);
	TeEmbedding e;
	double	   *x;

	if (method == TE_ID_MLE && k == -1)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the mle method needs k, the number of neighbours"),
				 errhint("Levina and Bickel suggest k between 10 and 20.")));
	if (k != -1 && k < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 2, not %d", k)));
	if (k > TE_INTRINSIC_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at most %d, not %d", TE_INTRINSIC_MAX_K, k),
				 errhint("The estimators use a few tens of neighbours; Levina and Bickel suggest k between 10 and 20.")));
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	e = te_embedding_arg(fcinfo, 1, NULL, s ? s->dim : 0);
	if (s == NULL)
		s = new_set(aggcxt, SET_INTRINSIC, e.dim, 0, k, method, 0.0);
	else
		check_same(s, 0, k, method, 0.0);
	x = palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, NULL, x);
	add_row(s, x);
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_drivers_transfn);

/* transition of gap_drivers(image, text, k): one pair per row */
Datum
topembed_drivers_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "drivers_transfn");
	PointSet   *s = PG_ARGISNULL(0) ? NULL : (PointSet *) PG_GETARG_POINTER(0);
	int32		k;
	double	   *row,
			   *x,
			   *y;
	int			dim,
				dim2;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be NULL")));
	k = PG_GETARG_INT32(3);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	dim = te_embedding_arg(fcinfo, 1, "image", s ? s->dim : 0).dim;
	/* the drivers keep two moments sketches and their d x d eigenproblems */
	if (dim > te_moments_max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("gap_drivers of %d dimensions exceeds topembed.moments_max_dim (%d)",
						dim, te_moments_max_dim),
				 errdetail("It holds two %d x %d scatter matrices and solves their eigenproblems.", dim, dim),
				 errhint("SET topembed.moments_max_dim = %d if the memory is there.", dim)));
	if (k > dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at most the dimension %d, not %d", dim, k)));
	row = palloc(sizeof(double) * 2 * dim);
	read_unit(fcinfo, 1, "image", dim, &dim, row, &x);
	read_unit(fcinfo, 2, "text", dim, &dim2, row + dim, &y);
	if (s == NULL)
		s = new_set(aggcxt, SET_DRIVERS, dim, 0, k, 0, 0.0);
	else
		check_same(s, 0, k, 0, 0.0);
	add_row(s, row);
	pfree(row);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_points_combinefn);

/* combine two partial point sets: concatenate, or merge the two samples */
Datum
topembed_points_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "points_combinefn");
	PointSet   *a = PG_ARGISNULL(0) ? NULL : (PointSet *) PG_GETARG_POINTER(0);
	PointSet   *b = PG_ARGISNULL(1) ? NULL : (PointSet *) PG_GETARG_POINTER(1);
	int64		i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = new_set(aggcxt, b->kind, b->dim, b->sample, b->k, b->method, b->t);
	else
	{
		if (a->kind != b->kind)
			elog(ERROR, "cannot combine point sets of %s and %s", kind_name(a->kind), kind_name(b->kind));
		check_same(a, b->sample, b->k, b->method, b->t);
		te_check_dim(NULL, a->dim, b->dim);
	}
	for (i = 0; i < b->n; i++)
		add_row(a, b->rows + i * b->width);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_points_serialfn);

/* serialise a partial point set for a parallel worker's hand-over */
Datum
topembed_points_serialfn(PG_FUNCTION_ARGS)
{
	PointSet   *s = (PointSet *) PG_GETARG_POINTER(0);
	StringInfoData si;

	initStringInfo(&si);
	te_blob_begin(&si, SET_MAGIC, 1);
	te_blob_put_int32(&si, s->kind);
	te_blob_put_int32(&si, s->dim);
	te_blob_put_int32(&si, s->sample);
	te_blob_put_int32(&si, s->k);
	te_blob_put_int32(&si, s->method);
	te_blob_put_float8(&si, s->t);
	te_blob_put_int64(&si, s->n);
	te_blob_put_float8s(&si, s->rows, (size_t) s->n * s->width);
	te_blob_end(&si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_points_deserialfn);

/* rebuild a partial point set (its rows are re-added, so samples re-heap) */
Datum
topembed_points_deserialfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "points_deserialfn");
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	TeBlobReader r;
	PointSet   *s;
	int32		kind,
				dim,
				sample,
				k,
				method;
	double		t;
	int64		n,
				i;
	double	   *x;

	te_blob_open(&r, "point set state", SET_MAGIC, VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), 1);
	kind = te_blob_get_int32(&r);
	dim = te_blob_get_int32(&r);
	sample = te_blob_get_int32(&r);
	k = te_blob_get_int32(&r);
	method = te_blob_get_int32(&r);
	t = te_blob_get_float8(&r);
	n = te_blob_get_int64(&r);
	if (kind < SET_UNIFORMITY || kind > SET_INTRINSIC || dim < 1 || dim > TE_MAX_DIM ||
		n < 0 || sample < 0)
		te_blob_corrupt(&r, "bad header");
	s = new_set(aggcxt, kind, dim, sample, k, method, t);
	x = palloc(sizeof(double) * s->width);
	for (i = 0; i < n; i++)
	{
		te_blob_get_float8s(&r, x, s->width);
		add_row(s, x);
	}
	te_blob_close(&r);
	PG_RETURN_POINTER(s);
}

/* order of rows in the final functions: by hash, then by value */
static PointSet *sort_set;

/* compare two row indices of sort_set */
static int
cmp_rows(const void *a, const void *b)
{
	int64		i = *(const int64 *) a,
				j = *(const int64 *) b;

	if (sort_set->hash[i] != sort_set->hash[j])
		return sort_set->hash[i] < sort_set->hash[j] ? -1 : 1;
	return memcmp(sort_set->rows + i * sort_set->width, sort_set->rows + j * sort_set->width,
				  sizeof(double) * sort_set->width);
}

/*
 * The rows in a canonical order; for pairs, the images (n x dim) and then
 * the texts (n x dim)
 */
static double *
sorted_rows(PointSet *s)
{
	int64	   *ord = palloc(sizeof(int64) * (s->n ? s->n : 1));
	double	   *out = palloc_extended(sizeof(double) * (s->n ? s->n : 1) * s->width, MCXT_ALLOC_HUGE);
	int64		i;

	for (i = 0; i < s->n; i++)
		ord[i] = i;
	sort_set = s;
	qsort(ord, s->n, sizeof(int64), cmp_rows);
	for (i = 0; i < s->n; i++)
	{
		const double *src = s->rows + ord[i] * s->width;

		if (s->kind == SET_DRIVERS)
		{
			memcpy(out + i * s->dim, src, sizeof(double) * s->dim);
			memcpy(out + (s->n + i) * s->dim, src + s->dim, sizeof(double) * s->dim);
		}
		else
			memcpy(out + i * s->width, src, sizeof(double) * s->width);
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(ord);
	return out;
}

/* log mean exp(-t ||x_i - x_j||^2) over the (normalised) rows of s, in canonical order */
static double
uniformity_of_set(PointSet *s)
{
	TeEnv		env;
	double		u;
	double	   *rows;

	if (s->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("uniformity needs at least 2 embeddings, not %lld", (long long) s->n)));
	rows = sorted_rows(s);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_uniformity(&env, rows, s->n, s->dim, s->t, &u), &env, "uniformity");
	pfree(rows);
	return u;
}

PG_FUNCTION_INFO_V1(topembed_uniformity_finalfn);

/* final function of uniformity: log mean exp(-t ||x_i - x_j||^2) */
Datum
topembed_uniformity_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(uniformity_of_set((PointSet *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(topembed_uniformity_of_sample);

/*
 * topembed.uniformity(point_sample, t): the uniformity of a stored sample's
 * points, L2-normalised and taken in the order the aggregate's final
 * function uses, so that a sample holding every row gives the exact
 * aggregate's bits
 */
Datum
topembed_uniformity_of_sample(PG_FUNCTION_ARGS)
{
	const double *points;
	int64		n,
				i;
	int			dim;
	double		t;
	PointSet   *s;
	double	   *x;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("t must not be NULL")));
	t = PG_GETARG_FLOAT8(1);
	if (!isfinite(t) || t <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be a positive finite number, not %g", t)));
	points = te_point_sample_points(fcinfo, 0, &n, &dim);
	s = new_set(CurrentMemoryContext, SET_UNIFORMITY, dim, 0, -1, 0, t);
	x = palloc(sizeof(double) * dim);
	for (i = 0; i < n; i++)
	{
		memcpy(x, points + i * dim, sizeof(double) * dim);
		if (te_normalize(x, dim) == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("point %lld of the sample is a zero vector, which has no direction",
							(long long) i + 1),
					 errhint("%s", TE_ZERO_VECTOR_HINT)));
		add_row(s, x);
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_FLOAT8(uniformity_of_set(s));
}

PG_FUNCTION_INFO_V1(topembed_intrinsic_finalfn);

/* final function of intrinsic_dimension */
Datum
topembed_intrinsic_finalfn(PG_FUNCTION_ARGS)
{
	PointSet   *s;
	TeEnv		env;
	double		d;
	double	   *rows;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PointSet *) PG_GETARG_POINTER(0);
	if (s->n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("intrinsic dimension needs at least 3 points, not %lld", (long long) s->n)));
	if (s->k != -1 && s->k >= s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be less than the number of points %lld, not %d", (long long) s->n, s->k),
				 errhint("A point has n - 1 neighbours.")));
	rows = sorted_rows(s);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_intrinsic_dimension(&env, rows, s->n, s->dim, (TeIdMethod) s->method,
										   s->k, &d),
					&env, "intrinsic_dimension");
	pfree(rows);
	PG_RETURN_FLOAT8(d);
}

/* an int4[] of 1-based coordinates */
static ArrayType *
coordinate_array(const int *c, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * (n ? n : 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Int32GetDatum(c[i] + 1);
	return construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT);
}

#define DRIVERS_NATTS 13

PG_FUNCTION_INFO_V1(topembed_drivers_finalfn);

/* final function of gap_drivers: a topembed.gap_drivers composite */
Datum
topembed_drivers_finalfn(PG_FUNCTION_ARGS)
{
	PointSet   *s;
	TeEnv		env;
	TeGapDrivers dr;
	TupleDesc	tupdesc;
	Datum		values[DRIVERS_NATTS];
	bool		nulls[DRIVERS_NATTS];
	double	   *rows;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PointSet *) PG_GETARG_POINTER(0);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.gap_drivers called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != DRIVERS_NATTS)
		elog(ERROR, "topembed.gap_drivers has %d attributes, expected %d", tupdesc->natts, DRIVERS_NATTS);
	if (s->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("gap_drivers needs at least 2 pairs, not %lld", (long long) s->n)));
	rows = sorted_rows(s);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_gap_drivers(&env, rows, rows + s->n * s->dim, s->n, s->dim, s->k, &dr),
					&env, "gap_drivers");
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(dr.n_pairs);
	values[1] = Int32GetDatum(dr.dim);
	values[2] = Int32GetDatum(dr.k);
	values[3] = Float8GetDatum(dr.gap);
	values[4] = PointerGetDatum(coordinate_array(dr.top_coordinates, dr.k));
	values[5] = PointerGetDatum(te_float8_array(dr.coordinate_shares, dr.k));
	values[6] = Float8GetDatum(dr.top_share);
	values[7] = PointerGetDatum(te_float8_array(dr.pc_shares, dr.k));
	values[8] = Float8GetDatum(dr.pc_share);
	values[9] = PointerGetDatum(te_float8_array(dr.pc_variance, dr.k));
	values[10] = Float8GetDatum(dr.midpoint_accuracy);
	values[11] = Float8GetDatum(dr.lda_accuracy);
	values[12] = Float8GetDatum(dr.lda_separation);
	pfree(rows);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
