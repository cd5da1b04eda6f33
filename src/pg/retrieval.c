/*
 * retrieval.c - SQL face of the downstream measures that need every point:
 * cross-modal retrieval (paired and grouped) and the gap-shift experiment
 * (zero-shot classification, which streams, is in zero_shot.c)
 *
 * Retrieval and gap_shift need every point at once: their state (internal)
 * keeps the embeddings, and the combine function concatenates two states.
 * The results do not depend on the order of the rows (see retrieval.h), so
 * a parallel plan gives the serial counts.
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
	MemoryContext aggcxt = te_agg_context(fcinfo, fname);
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
	MemoryContext aggcxt = te_agg_context(fcinfo, "retrieval_item_transfn");
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
	MemoryContext aggcxt = te_agg_context(fcinfo, "retrieval_combinefn");
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
	MemoryContext aggcxt = te_agg_context(fcinfo, "retrieval_deserialfn");
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
