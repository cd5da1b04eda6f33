/*
 * retrieval.c - SQL face of the downstream measures: cross-modal retrieval
 * (paired and grouped), the gap-shift experiment and zero-shot
 * classification
 *
 * Retrieval and gap_shift need every point at once: their state (internal)
 * keeps the embeddings, and the combine function concatenates two states.
 * The results do not depend on the order of the rows (see retrieval.h), so
 * a parallel plan gives the serial counts.  zero_shot streams: its state is
 * the normalised prompts and per-class counts, merged by addition, and a
 * batch of rows not yet ranked (ranked together, flushed before a merge, a
 * serialisation or the result).
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "topembed/gap.h"
#include "topembed/retrieval.h"

#define MAX_KS 64
#define MAX_LAMBDAS 1001
#define RET_MAGIC "TErt"
#define ZS_MAGIC "TEzs"

typedef enum RetKind
{
	RET_PAIRED = 1,				/* retrieval(image, text [, ks]) */
	RET_GROUPED = 2,			/* retrieval(item_id, embedding, is_image [, ks]) */
	RET_SHIFT = 3				/* gap_shift(image, text [, lambdas]) */
} RetKind;

/* one side's points: raw rows as doubles, with item ids in the grouped form */
typedef struct RetSide
{
	int64		n;
	int64		cap;
	double	   *x;
	int64	   *id;
} RetSide;

/* the state of retrieval and gap_shift */
typedef struct RetState
{
	MemoryContext cxt;
	int32		kind;			/* RetKind */
	int32		dim;
	int32		all_float4;		/* every row was real[] (gap_shift's exact gap at 0) */
	int32		nparams;		/* ks or lambdas */
	double		params[MAX_LAMBDAS];
	RetSide		image;
	RetSide		text;
} RetState;

/* ERROR unless called as an aggregate; the aggregate's context */
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

/* the elements of a one-dimensional float8[] or int4[] without NULLs, as doubles */
static int
read_params(ArrayType *arr, const char *what, double *out, int max)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(arr) == 0)
		return 0;				/* '{}' */
	if (ARR_NDIM(arr) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", what, ARR_NDIM(arr))));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	if (n > max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d elements, more than the %d allowed", what, n, max)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL (element %d)", what, i + 1)));
		out[i] = elemtype == INT4OID ? (double) DatumGetInt32(elems[i]) : DatumGetFloat8(elems[i]);
		if (!isfinite(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be finite, not %g (element %d)", what, out[i], i + 1)));
	}
	return n;
}

/* the ks argument: non-empty, each at least 1 */
static int
read_ks(FunctionCallInfo fcinfo, int argno, double *ks)
{
	static const double dflt[] = {1, 5, 10};
	int			n,
				i;

	if (PG_NARGS() <= argno)
	{
		memcpy(ks, dflt, sizeof(dflt));
		return 3;
	}
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ks must not be NULL")));
	n = read_params(PG_GETARG_ARRAYTYPE_P(argno), "ks", ks, MAX_KS);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ks must not be empty"),
				 errhint("Name the cut-offs of recall@k, e.g. '{1,5,10}'.")));
	for (i = 0; i < n; i++)
		if (ks[i] < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ks must be at least 1, not %.0f", ks[i])));
	return n;
}

/* the lambdas argument: non-empty and finite; default -1, -0.75, ..., 1 */
static int
read_lambdas(FunctionCallInfo fcinfo, int argno, double *lam)
{
	int			n,
				i;

	if (PG_NARGS() <= argno)
	{
		for (i = 0; i <= 8; i++)
			lam[i] = -1.0 + 0.25 * i;
		return 9;
	}
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lambdas must not be NULL")));
	n = read_params(PG_GETARG_ARRAYTYPE_P(argno), "lambdas", lam, MAX_LAMBDAS);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambdas must not be empty"),
				 errhint("Leave the argument out for the grid -1, -0.75, ..., 1.")));
	return n;
}

/* a new state in the aggregate's context */
static RetState *
new_ret_state(MemoryContext aggcxt, int kind, int dim, const double *params, int nparams)
{
	RetState   *s = MemoryContextAllocZero(aggcxt, sizeof(RetState));

	s->cxt = aggcxt;
	s->kind = kind;
	s->dim = dim;
	s->all_float4 = 1;
	s->nparams = nparams;
	if (nparams > 0)
		memcpy(s->params, params, sizeof(double) * nparams);
	return s;
}

/* ERROR unless the parameters equal the state's (they must not vary by row) */
static void
check_same_params(const RetState *s, const double *params, int nparams)
{
	if (nparams != s->nparams || memcmp(params, s->params, sizeof(double) * nparams) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same in every row", s->kind == RET_SHIFT ? "lambdas" : "ks")));
}

/* append one row of dim doubles (and its id) to a side */
static void
side_add(RetState *s, RetSide *side, const double *x, int64 id, const char *what)
{
	if (side->n >= te_max_points)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s got more than topembed.max_points (%d) %s rows",
						s->kind == RET_SHIFT ? "topembed.gap_shift" : "topembed.retrieval",
						te_max_points, what),
				 errhint("Raise topembed.max_points, or evaluate a sample of the rows.")));
	if (side->n == side->cap)
	{
		int64		cap = side->cap ? side->cap * 2 : 256;

		if ((double) cap * s->dim * sizeof(double) > (double) MaxAllocHugeSize)
			cap = side->n + 1;
		if (side->x == NULL)
		{
			side->x = MemoryContextAllocHuge(s->cxt, sizeof(double) * cap * s->dim);
			side->id = MemoryContextAllocHuge(s->cxt, sizeof(int64) * cap);
		}
		else
		{
			side->x = repalloc_huge(side->x, sizeof(double) * cap * s->dim);
			side->id = repalloc_huge(side->id, sizeof(int64) * cap);
		}
		side->cap = cap;
	}
	memcpy(side->x + side->n * s->dim, x, sizeof(double) * s->dim);
	side->id[side->n] = id;
	side->n++;
}

/* read an embedding argument into x (s->dim doubles), refusing a zero vector */
static TeEmbedding
read_point(FunctionCallInfo fcinfo, int argno, const char *what, int dim, double **x)
{
	TeEmbedding e = te_embedding_arg(fcinfo, argno, what, dim);
	int			i;

	*x = palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, what, *x);
	for (i = 0; i < e.dim; i++)
		if ((*x)[i] != 0.0)
			return e;
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("%s embedding is a zero vector, which has no direction", what),
			 errhint("%s", TE_ZERO_VECTOR_HINT)));
	return e;
}

/* shared transition of the paired forms: (state, image, text, params) */
static Datum
pair_transfn(FunctionCallInfo fcinfo, int kind, const char *fname)
{
	MemoryContext aggcxt = agg_context(fcinfo, fname);
	RetState   *s = PG_ARGISNULL(0) ? NULL : (RetState *) PG_GETARG_POINTER(0);
	double		params[MAX_LAMBDAS];
	int			nparams;
	double	   *x,
			   *y;
	TeEmbedding e,
				f;

	nparams = kind == RET_SHIFT ? read_lambdas(fcinfo, 3, params) : read_ks(fcinfo, 3, params);
	if (s != NULL)
		check_same_params(s, params, nparams);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	e = read_point(fcinfo, 1, "image", s ? s->dim : 0, &x);
	f = read_point(fcinfo, 2, "text", e.dim, &y);
	if (s == NULL)
		s = new_ret_state(aggcxt, kind, e.dim, params, nparams);
	if (e.elemtype != FLOAT4OID || f.elemtype != FLOAT4OID)
		s->all_float4 = 0;
	side_add(s, &s->image, x, s->image.n, "image");
	side_add(s, &s->text, y, s->text.n, "text");
	pfree(x);
	pfree(y);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_retrieval_pair_transfn);

/* transition of retrieval(image, text [, ks]) */
Datum
topembed_retrieval_pair_transfn(PG_FUNCTION_ARGS)
{
	return pair_transfn(fcinfo, RET_PAIRED, "retrieval_pair_transfn");
}

PG_FUNCTION_INFO_V1(topembed_gap_shift_transfn);

/* transition of gap_shift(image, text [, lambdas]) */
Datum
topembed_gap_shift_transfn(PG_FUNCTION_ARGS)
{
	return pair_transfn(fcinfo, RET_SHIFT, "gap_shift_transfn");
}

PG_FUNCTION_INFO_V1(topembed_retrieval_item_transfn);

/* transition of retrieval(item_id, embedding, is_image [, ks]) */
Datum
topembed_retrieval_item_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "retrieval_item_transfn");
	RetState   *s = PG_ARGISNULL(0) ? NULL : (RetState *) PG_GETARG_POINTER(0);
	double		ks[MAX_KS];
	int			nks = read_ks(fcinfo, 4, ks);
	bool		is_image;
	double	   *x;
	TeEmbedding e;

	if (s != NULL)
		check_same_params(s, ks, nks);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	is_image = PG_GETARG_BOOL(3);
	e = read_point(fcinfo, 2, is_image ? "image" : "text", s ? s->dim : 0, &x);
	if (s == NULL)
		s = new_ret_state(aggcxt, RET_GROUPED, e.dim, ks, nks);
	side_add(s, is_image ? &s->image : &s->text, x, PG_GETARG_INT64(1), is_image ? "image" : "text");
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_retrieval_combinefn);

/* combine two partial states by concatenation */
Datum
topembed_retrieval_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "retrieval_combinefn");
	RetState   *a = PG_ARGISNULL(0) ? NULL : (RetState *) PG_GETARG_POINTER(0);
	RetState   *b = PG_ARGISNULL(1) ? NULL : (RetState *) PG_GETARG_POINTER(1);
	int64		i,
				base;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = new_ret_state(aggcxt, b->kind, b->dim, b->params, b->nparams);
	else
	{
		check_same_params(a, b->params, b->nparams);
		te_check_dim(NULL, a->dim, b->dim);
	}
	a->all_float4 &= b->all_float4;
	/* the paired forms number pairs by arrival; b's pairs follow a's */
	base = a->image.n;
	for (i = 0; i < b->image.n; i++)
		side_add(a, &a->image, b->image.x + i * b->dim,
				 a->kind == RET_GROUPED ? b->image.id[i] : base + i, "image");
	base = a->text.n;
	for (i = 0; i < b->text.n; i++)
		side_add(a, &a->text, b->text.x + i * b->dim,
				 a->kind == RET_GROUPED ? b->text.id[i] : base + i, "text");
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_retrieval_serialfn);

/* serialise a partial state for a parallel worker's hand-over */
Datum
topembed_retrieval_serialfn(PG_FUNCTION_ARGS)
{
	RetState   *s = (RetState *) PG_GETARG_POINTER(0);
	StringInfoData si;
	int64		i;

	initStringInfo(&si);
	te_blob_begin(&si, RET_MAGIC, 1);
	te_blob_put_int32(&si, s->kind);
	te_blob_put_int32(&si, s->dim);
	te_blob_put_int32(&si, s->all_float4);
	te_blob_put_int32(&si, s->nparams);
	te_blob_put_float8s(&si, s->params, s->nparams);
	te_blob_put_int64(&si, s->image.n);
	te_blob_put_int64(&si, s->text.n);
	for (i = 0; i < s->image.n; i++)
		te_blob_put_int64(&si, s->image.id[i]);
	for (i = 0; i < s->text.n; i++)
		te_blob_put_int64(&si, s->text.id[i]);
	te_blob_put_float8s(&si, s->image.x, (size_t) s->image.n * s->dim);
	te_blob_put_float8s(&si, s->text.x, (size_t) s->text.n * s->dim);
	te_blob_end(&si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

/* read n rows of one side from a serialised state */
static void
read_side(TeBlobReader *r, RetState *s, RetSide *side, int64 n)
{
	int64		i;

	side->cap = n > 0 ? n : 1;
	side->x = MemoryContextAllocHuge(s->cxt, sizeof(double) * side->cap * s->dim);
	side->id = MemoryContextAllocHuge(s->cxt, sizeof(int64) * side->cap);
	for (i = 0; i < n; i++)
		side->id[i] = te_blob_get_int64(r);
	side->n = n;
}

PG_FUNCTION_INFO_V1(topembed_retrieval_deserialfn);

/* rebuild a partial state */
Datum
topembed_retrieval_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt = agg_context(fcinfo, "retrieval_deserialfn");
	TeBlobReader r;
	RetState   *s;
	int32		kind,
				dim,
				f4,
				np;
	int64		ni,
				nt;

	te_blob_open(&r, "retrieval state", RET_MAGIC, VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), 1);
	kind = te_blob_get_int32(&r);
	dim = te_blob_get_int32(&r);
	f4 = te_blob_get_int32(&r);
	np = te_blob_get_int32(&r);
	if (kind < RET_PAIRED || kind > RET_SHIFT || dim < 1 || dim > TE_MAX_DIM ||
		np < 1 || np > (kind == RET_SHIFT ? MAX_LAMBDAS : MAX_KS))
		te_blob_corrupt(&r, "bad header");
	s = new_ret_state(aggcxt, kind, dim, NULL, 0);
	s->all_float4 = f4;
	s->nparams = np;
	te_blob_get_float8s(&r, s->params, np);
	ni = te_blob_get_int64(&r);
	nt = te_blob_get_int64(&r);
	if (ni < 0 || nt < 0 || ni > te_max_points || nt > te_max_points ||
		(kind == RET_PAIRED && ni != nt))
		te_blob_corrupt(&r, "bad counts");
	read_side(&r, s, &s->image, ni);
	read_side(&r, s, &s->text, nt);
	te_blob_get_float8s(&r, s->image.x, (size_t) ni * dim);
	te_blob_get_float8s(&r, s->text.x, (size_t) nt * dim);
	te_blob_close(&r);
	PG_RETURN_POINTER(s);
}

/* normalised copies of a side's rows (zero vectors were refused on entry) */
static double *
normalised(const RetSide *side, int dim)
{
	double	   *z = palloc_extended(sizeof(double) * (side->n > 0 ? side->n : 1) * dim, MCXT_ALLOC_HUGE);
	int64		i;

	memcpy(z, side->x, sizeof(double) * side->n * dim);
	for (i = 0; i < side->n; i++)
		te_normalize(z + i * dim, dim);
	return z;
}

/* run the core's retrieval; hits arrays of nks entries in out */
static void
run_retrieval(const RetState *s, const double *img, const double *txt, const int32 *ks, int nks,
			  TeRetrievalResult *out)
{
	TeEnv		env;

	out->image_hits = palloc(sizeof(int64_t) * nks);
	out->text_hits = palloc(sizeof(int64_t) * nks);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_retrieval(&env, img, s->kind == RET_GROUPED ? s->image.id : NULL, s->image.n,
								 txt, s->kind == RET_GROUPED ? s->text.id : NULL, s->text.n,
								 s->dim, ks, nks, out),
					&env, "topembed.retrieval");
}

/* ERROR unless both sides have at least 2 rows */
static void
require_two(const RetState *s, const char *fname)
{
	if (s->image.n < 2 || s->text.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s needs at least 2 images and 2 texts, not %lld and %lld",
						fname, (long long) s->image.n, (long long) s->text.n)));
}

/* recall fractions hits/n as a float8[] (NULL elements without queries) */
static Datum
recall_array(const int64_t *hits, int nks, int64 n)
{
	Datum	   *d = palloc(sizeof(Datum) * nks);
	bool	   *nulls = palloc(sizeof(bool) * nks);
	int			dims[1] = {nks},
				lbs[1] = {1},
				k;

	for (k = 0; k < nks; k++)
	{
		d[k] = Float8GetDatum(n > 0 ? (double) hits[k] / (double) n : 0.0);
		nulls[k] = n == 0;
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, 'd'));
}

/* a float8 datum, NULL when NaN (no queries) */
static Datum
maybe_float(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(isnan(v) ? 0.0 : v);
}

PG_FUNCTION_INFO_V1(topembed_retrieval_finalfn);

/* final function of retrieval: the retrieval_stats composite */
Datum
topembed_retrieval_finalfn(PG_FUNCTION_ARGS)
{
	RetState   *s = PG_ARGISNULL(0) ? NULL : (RetState *) PG_GETARG_POINTER(0);
	TeRetrievalResult res;
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10];
	int32		ks[MAX_KS];
	Datum		kd[MAX_KS];
	double	   *img,
			   *txt;
	int			k;

	if (s == NULL)
		PG_RETURN_NULL();
	require_two(s, "topembed.retrieval");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.retrieval_stats called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 10)
		elog(ERROR, "topembed.retrieval_stats has %d attributes, expected 10", tupdesc->natts);
	for (k = 0; k < s->nparams; k++)
	{
		ks[k] = (int32) s->params[k];
		kd[k] = Int32GetDatum(ks[k]);
	}
	img = normalised(&s->image, s->dim);
	txt = normalised(&s->text, s->dim);
	run_retrieval(s, img, txt, ks, s->nparams, &res);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(res.n_image);
	values[1] = Int64GetDatum(res.n_text);
	values[2] = Int32GetDatum(s->dim);
	values[3] = PointerGetDatum(construct_array(kd, s->nparams, INT4OID, 4, true, 'i'));
	values[4] = recall_array(res.image_hits, s->nparams, res.n_image);
	values[5] = recall_array(res.text_hits, s->nparams, res.n_text);
	values[6] = maybe_float(res.image_median_rank, &nulls[6]);
	values[7] = maybe_float(res.text_median_rank, &nulls[7]);
	values[8] = maybe_float(res.image_mrr, &nulls[8]);
	values[9] = maybe_float(res.text_mrr, &nulls[9]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * the gap statistics of paired rows as the gap aggregate measures them;
 * gap_vector (dim doubles) may be NULL
 */
static void
measure_gap(const RetState *s, const double *img, const double *txt, TeGapStats *st,
			double *gap_vector)
{
	TeGapAcc   *acc = palloc(te_gap_acc_size(s->dim));
	double	   *x = palloc(sizeof(double) * s->dim);
	double	   *y = palloc(sizeof(double) * s->dim);
	TeEnv		env;
	int64		i;

	te_gap_acc_init(acc, s->dim, TE_GAP_PAIRED);
	te_env_init(&env, CurrentMemoryContext);
	for (i = 0; i < s->image.n; i++)
	{
		memcpy(x, img + i * s->dim, sizeof(double) * s->dim);
		memcpy(y, txt + i * s->dim, sizeof(double) * s->dim);
		te_check_status(te_gap_add_pair(&env, acc, x, y), &env, "topembed.gap_shift");
	}
	te_gap_result(acc, st, gap_vector);
	pfree(acc);
	pfree(x);
	pfree(y);
}

/* the gap of rows of real[] read as float, exactly as modality_gap(real[], real[]) */
static void
measure_gap_f4(const RetState *s, TeGapStats *st)
{
	TeGapAcc   *acc = palloc(te_gap_acc_size(s->dim));
	float	   *x = palloc(sizeof(float) * s->dim);
	float	   *y = palloc(sizeof(float) * s->dim);
	TeEnv		env;
	int64		i;
	int			k;

	te_gap_acc_init(acc, s->dim, TE_GAP_PAIRED);
	te_env_init(&env, CurrentMemoryContext);
	for (i = 0; i < s->image.n; i++)
	{
		for (k = 0; k < s->dim; k++)
		{
			x[k] = (float) s->image.x[i * s->dim + k];
			y[k] = (float) s->text.x[i * s->dim + k];
		}
		te_check_status(te_gap_add_pair_f4(&env, acc, x, y), &env, "topembed.gap_shift");
	}
	te_gap_result(acc, st, NULL);
	pfree(acc);
	pfree(x);
	pfree(y);
}

PG_FUNCTION_INFO_V1(topembed_gap_shift_finalfn);

/*
 * final function of gap_shift: for each lambda, images moved by
 * -lambda/2 times the gap vector and texts by +lambda/2, renormalised and
 * measured again
 */
Datum
topembed_gap_shift_finalfn(PG_FUNCTION_ARGS)
{
	RetState   *s = PG_ARGISNULL(0) ? NULL : (RetState *) PG_GETARG_POINTER(0);
	Oid			elemtype;
	TupleDesc	tupdesc;
	Datum	   *rows;
	double	   *img,
			   *txt,
			   *gv,
			   *si,
			   *st_,
			   *diff;
	int32		one = 1;
	int			l,
				dim;
	int64		i,
				n;
	TeGapStats	base;

	if (s == NULL)
		PG_RETURN_NULL();
	require_two(s, "topembed.gap_shift");
	elemtype = te_result_elemtype(fcinfo, "gap_shift_point");
	tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	if (tupdesc->natts != 6)
		elog(ERROR, "topembed.gap_shift_point has %d attributes, expected 6", tupdesc->natts);
	dim = s->dim;
	n = s->image.n;
	img = normalised(&s->image, dim);
	txt = normalised(&s->text, dim);
	/* the gap vector, as modality_gap measures it on the rows given */
	gv = palloc(sizeof(double) * dim);
	measure_gap(s, s->image.x, s->text.x, &base, gv);
	si = palloc_extended(sizeof(double) * n * dim, MCXT_ALLOC_HUGE);
	st_ = palloc_extended(sizeof(double) * n * dim, MCXT_ALLOC_HUGE);
	diff = palloc0(sizeof(double) * dim);
	rows = palloc(sizeof(Datum) * s->nparams);

	for (l = 0; l < s->nparams; l++)
	{
		double		lam = s->params[l];
		TeGapStats	gs;
		TeRetrievalResult res;
		Datum		values[6];
		bool		nulls[6];
		int			k;

		memset(nulls, 0, sizeof(nulls));
		memset(diff, 0, sizeof(double) * dim);
		for (i = 0; i < n; i++)
		{
			for (k = 0; k < dim; k++)
			{
				si[i * dim + k] = img[i * dim + k] - lam * gv[k] / 2.0;
				st_[i * dim + k] = txt[i * dim + k] + lam * gv[k] / 2.0;
				diff[k] += si[i * dim + k] - st_[i * dim + k];
			}
			CHECK_FOR_INTERRUPTS();
		}
		for (k = 0; k < dim; k++)
			diff[k] /= (double) n;
		values[2] = Float8GetDatum(te_norm2(diff, dim));
		if (lam == 0.0)
		{
			/* no shift: the rows as given, as modality_gap and retrieval see them */
			if (s->all_float4)
				measure_gap_f4(s, &gs);
			else
				gs = base;
			memcpy(si, img, sizeof(double) * n * dim);
			memcpy(st_, txt, sizeof(double) * n * dim);
		}
		else
		{
			for (i = 0; i < n; i++)
			{
				if (te_normalize(si + i * dim, dim) == 0.0 || te_normalize(st_ + i * dim, dim) == 0.0)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("the shift by lambda %g moves pair %lld to the origin", lam, (long long) i + 1)));
			}
			measure_gap(s, si, st_, &gs, NULL);
		}
		run_retrieval(s, si, st_, &one, 1, &res);
		values[0] = Float8GetDatum(lam);
		values[1] = Float8GetDatum(gs.gap);
		values[3] = Float8GetDatum(gs.paired_cosine_mean);
		values[4] = Float8GetDatum((double) res.image_hits[0] / (double) res.n_image);
		values[5] = Float8GetDatum((double) res.text_hits[0] / (double) res.n_text);
		rows[l] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		PG_RETURN_ARRAYTYPE_P(construct_array(rows, s->nparams, elemtype, typlen, typbyval, typalign));
	}
}

/* ---- zero-shot classification ---- */

/*
 * the state of zero_shot: normalised prompts, per-class counts, and the
 * rows not yet ranked (ranked a batch at a time, so that one product of the
 * batch with the prompts reads the prompts once for many rows)
 */
typedef struct ZsState
{
	int32		dim;
	int32		n_classes;
	double	   *prompts;		/* n_classes x dim, normalised */
	int64	   *n;				/* per class: rows */
	int64	   *top1;			/* per class: rank 1 */
	int64	   *top5;			/* per class: rank <= 5 */
	int32		batch;			/* rows ranked together */
	int32		n_pending;		/* rows waiting in pending */
	double	   *pending;		/* batch x dim, normalised */
	int32	   *pending_label;	/* their classes, 0-based */
	struct varlena *raw_prompts;	/* the first row's prompts as stored, or
									 * NULL */
} ZsState;

/* the most doubles of the pending rows, and the most rows of a batch */
#define ZS_PENDING_DOUBLES (1024 * 1024)
#define ZS_MAX_BATCH 256

/*
 * a state of n_classes x dim in cxt, counts zero; with_batch: room for the
 * pending rows (a state that only holds prompts to compare needs none)
 */
static ZsState *
new_zs_state(MemoryContext cxt, int n_classes, int dim, bool with_batch)
{
	ZsState    *s = MemoryContextAllocZero(cxt, sizeof(ZsState));

	s->dim = dim;
	s->n_classes = n_classes;
	s->prompts = MemoryContextAllocHuge(cxt, sizeof(double) * n_classes * dim);
	s->n = MemoryContextAllocZero(cxt, sizeof(int64) * n_classes);
	s->top1 = MemoryContextAllocZero(cxt, sizeof(int64) * n_classes);
	s->top5 = MemoryContextAllocZero(cxt, sizeof(int64) * n_classes);
	if (with_batch)
	{
		s->batch = Max(1, Min(ZS_MAX_BATCH, ZS_PENDING_DOUBLES / dim));
		s->pending = MemoryContextAllocHuge(cxt, sizeof(double) * s->batch * dim);
		s->pending_label = MemoryContextAlloc(cxt, sizeof(int32) * s->batch);
	}
	return s;
}

/* rank the pending rows and add them to the counts */
static void
zs_flush(ZsState *s)
{
	TeEnv		env;
	int64	   *rank;
	int			i;

	if (s->n_pending == 0)
		return;
	rank = palloc(sizeof(int64) * s->n_pending);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_zero_shot_ranks(&env, s->pending, s->n_pending, s->prompts, s->n_classes,
									   s->dim, s->pending_label, rank), &env, "zero_shot");
	for (i = 0; i < s->n_pending; i++)
	{
		int32		c = s->pending_label[i];

		s->n[c]++;
		if (rank[i] <= 1)
			s->top1[c]++;
		if (rank[i] <= 5)
			s->top5[c]++;
	}
	s->n_pending = 0;
	pfree(rank);
}

/*
 * the prompts argument as a state: 2-D, no NULLs, finite, no zero rows;
 * with_batch as for new_zs_state
 */
static ZsState *
read_prompts(MemoryContext cxt, ArrayType *arr, bool with_batch)
{
	ZsState    *s;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				c,
				k;

	if (ARR_NDIM(arr) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("prompts must be a two-dimensional array (one row per class), not %d-dimensional",
						ARR_NDIM(arr)),
				 errhint("Build it with array_agg(prompt_embedding ORDER BY class) over real[] or double precision[] rows.")));
	if (ARR_DIMS(arr)[1] > TE_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("prompts have %d dimensions, more than %d", ARR_DIMS(arr)[1], TE_MAX_DIM)));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, 'd', &elems, &nulls, &n);
	s = new_zs_state(cxt, ARR_DIMS(arr)[0], ARR_DIMS(arr)[1], with_batch);
	for (c = 0; c < s->n_classes; c++)
	{
		for (k = 0; k < s->dim; k++)
		{
			int			i = c * s->dim + k;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("prompts must not contain NULL (class %d, element %d)", c + 1, k + 1)));
			s->prompts[i] = DatumGetFloat8(elems[i]);
			if (!isfinite(s->prompts[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("prompt of class %d has %s at position %d", c + 1,
								isnan(s->prompts[i]) ? "NaN" : "an infinity", k + 1)));
		}
		if (te_normalize(s->prompts + (size_t) c * s->dim, s->dim) == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("prompt of class %d is a zero vector, which has no direction", c + 1)));
	}
	return s;
}

/*
 * Keep the prompts argument as it arrived in the state (its stored form: a
 * TOAST pointer or compressed bytes, not detoasted), so that the group's
 * later rows that pass the same stored value are recognised without
 * detoasting it again: a prompts array read from a table arrives as a TOAST
 * pointer in every row, and detoasting megabytes per row would cost more
 * than the ranking.  It lives in the state, not in fn_extra, because each
 * group of a GROUP BY has prompts of its own.
 */
static void
zs_remember_prompts(ZsState *s, MemoryContext cxt, FunctionCallInfo fcinfo)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(3));
	Size		size;

	if (VARATT_IS_EXTERNAL_EXPANDED(raw))
		return;					/* compared by value, row by row */
	size = VARSIZE_ANY(raw);
	s->raw_prompts = MemoryContextAllocHuge(cxt, size);
	memcpy(s->raw_prompts, raw, size);
}

/*
 * Does this row pass the same stored prompts as the group's first?  Equal
 * stored bytes mean an equal value (a TOAST pointer names one immutable
 * value); otherwise the caller compares the values themselves.
 */
static bool
zs_same_prompts(const ZsState *s, FunctionCallInfo fcinfo)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(3));
	struct varlena *first = s->raw_prompts;

	if (first == NULL || VARATT_IS_EXTERNAL_EXPANDED(raw))
		return false;
	return VARSIZE_ANY(raw) == VARSIZE_ANY(first) && memcmp(raw, first, VARSIZE_ANY(raw)) == 0;
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_transfn);

/* transition of zero_shot(embedding, label, prompts) */
Datum
topembed_zero_shot_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "zero_shot_transfn");
	ZsState    *s = PG_ARGISNULL(0) ? NULL : (ZsState *) PG_GETARG_POINTER(0);
	int32		label;
	double	   *x;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("prompts must not be NULL")));
	if (s == NULL)
	{
		/* the prompts of the first row serve every row; keep them across calls */
		s = read_prompts(aggcxt, PG_GETARG_ARRAYTYPE_P(3), true);
		zs_remember_prompts(s, aggcxt, fcinfo);
	}
	else if (!zs_same_prompts(s, fcinfo))
	{
		ZsState    *t = read_prompts(CurrentMemoryContext, PG_GETARG_ARRAYTYPE_P(3), false);

		if (t->n_classes != s->n_classes || t->dim != s->dim ||
			memcmp(t->prompts, s->prompts, sizeof(double) * s->n_classes * s->dim) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("prompts must be the same in every row")));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	label = PG_GETARG_INT32(2);
	if (label < 1 || label > s->n_classes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label %d is out of range: prompts has %d classes", label, s->n_classes),
				 errhint("Classes are numbered from 1, as the rows of the prompts array.")));
	{
		TeEmbedding e = te_embedding_arg(fcinfo, 1, NULL, s->dim);

		x = s->pending + (size_t) s->n_pending * s->dim;
		te_embedding_to_double(&e, NULL, x);
	}
	if (te_normalize(x, s->dim) == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("embedding is a zero vector, which has no direction"),
				 errhint("%s", TE_ZERO_VECTOR_HINT)));
	s->pending_label[s->n_pending++] = label - 1;
	if (s->n_pending == s->batch)
		zs_flush(s);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_combinefn);

/* combine two zero-shot states: the same prompts, counts added */
Datum
topembed_zero_shot_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "zero_shot_combinefn");
	ZsState    *a = PG_ARGISNULL(0) ? NULL : (ZsState *) PG_GETARG_POINTER(0);
	ZsState    *b = PG_ARGISNULL(1) ? NULL : (ZsState *) PG_GETARG_POINTER(1);
	int			c;

	if (a != NULL)
		zs_flush(a);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	zs_flush(b);
	if (a == NULL)
	{
		a = new_zs_state(aggcxt, b->n_classes, b->dim, true);
		memcpy(a->prompts, b->prompts, sizeof(double) * b->n_classes * b->dim);
	}
	else if (a->n_classes != b->n_classes || a->dim != b->dim ||
			 memcmp(a->prompts, b->prompts, sizeof(double) * a->n_classes * a->dim) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prompts must be the same in every row")));
	for (c = 0; c < a->n_classes; c++)
	{
		a->n[c] += b->n[c];
		a->top1[c] += b->top1[c];
		a->top5[c] += b->top5[c];
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_serialfn);

/* serialise a zero-shot state */
Datum
topembed_zero_shot_serialfn(PG_FUNCTION_ARGS)
{
	ZsState    *s = (ZsState *) PG_GETARG_POINTER(0);
	StringInfoData si;
	int			c;

	zs_flush(s);
	initStringInfo(&si);
	te_blob_begin(&si, ZS_MAGIC, 1);
	te_blob_put_int32(&si, s->n_classes);
	te_blob_put_int32(&si, s->dim);
	te_blob_put_float8s(&si, s->prompts, (size_t) s->n_classes * s->dim);
	for (c = 0; c < s->n_classes; c++)
	{
		te_blob_put_int64(&si, s->n[c]);
		te_blob_put_int64(&si, s->top1[c]);
		te_blob_put_int64(&si, s->top5[c]);
	}
	te_blob_end(&si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_deserialfn);

/* rebuild a zero-shot state */
Datum
topembed_zero_shot_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt = agg_context(fcinfo, "zero_shot_deserialfn");
	TeBlobReader r;
	ZsState    *s;
	int32		nc,
				dim;
	int			c;

	te_blob_open(&r, "zero_shot state", ZS_MAGIC, VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), 1);
	nc = te_blob_get_int32(&r);
	dim = te_blob_get_int32(&r);
	if (nc < 1 || dim < 1 || dim > TE_MAX_DIM || (double) nc * dim > (double) MaxAllocHugeSize / 8)
		te_blob_corrupt(&r, "bad header");
	s = new_zs_state(aggcxt, nc, dim, true);
	te_blob_get_float8s(&r, s->prompts, (size_t) nc * dim);
	for (c = 0; c < nc; c++)
	{
		s->n[c] = te_blob_get_int64(&r);
		s->top1[c] = te_blob_get_int64(&r);
		s->top5[c] = te_blob_get_int64(&r);
	}
	te_blob_close(&r);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_finalfn);

/* final function of zero_shot: the zero_shot_stats composite */
Datum
topembed_zero_shot_finalfn(PG_FUNCTION_ARGS)
{
	ZsState    *s = PG_ARGISNULL(0) ? NULL : (ZsState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6];
	Datum	   *acc,
			   *cnt;
	bool	   *accnull;
	int64		n = 0,
				t1 = 0,
				t5 = 0;
	int			c,
				dims[1],
				lbs[1] = {1};

	if (s == NULL)
		PG_RETURN_NULL();
	zs_flush(s);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.zero_shot_stats called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 6)
		elog(ERROR, "topembed.zero_shot_stats has %d attributes, expected 6", tupdesc->natts);
	acc = palloc(sizeof(Datum) * s->n_classes);
	cnt = palloc(sizeof(Datum) * s->n_classes);
	accnull = palloc(sizeof(bool) * s->n_classes);
	for (c = 0; c < s->n_classes; c++)
	{
		n += s->n[c];
		t1 += s->top1[c];
		t5 += s->top5[c];
		accnull[c] = s->n[c] == 0;
		acc[c] = Float8GetDatum(s->n[c] ? (double) s->top1[c] / (double) s->n[c] : 0.0);
		cnt[c] = Int64GetDatum(s->n[c]);
	}
	memset(nulls, 0, sizeof(nulls));
	dims[0] = s->n_classes;
	values[0] = Int64GetDatum(n);
	values[1] = Int32GetDatum(s->n_classes);
	values[2] = Float8GetDatum(n ? (double) t1 / (double) n : 0.0);
	nulls[2] = n == 0;
	values[3] = Float8GetDatum(n ? (double) t5 / (double) n : 0.0);
	nulls[3] = n == 0;
	values[4] = PointerGetDatum(construct_md_array(acc, accnull, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, 'd'));
	values[5] = PointerGetDatum(construct_array(cnt, s->n_classes, INT8OID, 8, FLOAT8PASSBYVAL, 'd'));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
