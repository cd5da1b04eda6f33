/*
 * input.c - reading and validating embeddings, building result arrays
 *
 * An embedding is a one-dimensional real[] or double precision[] with no
 * NULL elements, finite values and 1..TE_MAX_DIM elements.  Every violation
 * is an ERROR that names the problem; topembed.check_embedding() reports the
 * same problem as text so that users can find the offending rows.
 */
#include "topembed.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* first NULL element of an array that has a null bitmap, or -1 */
static int
first_null(ArrayType *arr, int n)
{
	bits8	   *bitmap = ARR_NULLBITMAP(arr);
	int			i;

	if (bitmap == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (!(bitmap[i / 8] & (1 << (i % 8))))
			return i;
	return -1;
}

/* index of the first non-finite value, or -1 */
static int
first_nonfinite(const TeEmbedding *e)
{
	int			i;

	if (e->elemtype == FLOAT4OID)
	{
		const uint32 *u = (const uint32 *) e->data;
		uint32		bad = 0;

		for (i = 0; i < e->dim; i++)
			bad |= ((u[i] & 0x7f800000u) == 0x7f800000u);
		if (!bad)
			return -1;
		for (i = 0; i < e->dim; i++)
			if ((u[i] & 0x7f800000u) == 0x7f800000u)
				return i;
	}
	else
	{
		const uint64 *u = (const uint64 *) e->data;
		uint64		bad = 0;

		for (i = 0; i < e->dim; i++)
			bad |= ((u[i] & UINT64CONST(0x7ff0000000000000)) == UINT64CONST(0x7ff0000000000000));
		if (!bad)
			return -1;
		for (i = 0; i < e->dim; i++)
			if ((u[i] & UINT64CONST(0x7ff0000000000000)) == UINT64CONST(0x7ff0000000000000))
				return i;
	}
	return -1;
}

/* the value at index i as a double */
static double
element_at(const TeEmbedding *e, int i)
{
	if (e->elemtype == FLOAT4OID)
		return ((const float4 *) e->data)[i];
	return ((const float8 *) e->data)[i];
}

/* the name of a non-finite value */
static const char *
nonfinite_name(double v)
{
	if (isnan(v))
		return "NaN";
	return v > 0 ? "Infinity" : "-Infinity";
}

/*
 * Describe what is wrong with an embedding, if anything.  Returns true and
 * fills buf and *sqlstate when there is a problem.  Used both for ERRORs and
 * by topembed.check_embedding().
 */
bool
te_embedding_problem(ArrayType *arr, int expected_dim, char *buf, size_t buflen,
					 int *sqlstate)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int			ndim = ARR_NDIM(arr);
	int			dim;
	int			bad;
	TeEmbedding e;

	if (elemtype != FLOAT4OID && elemtype != FLOAT8OID)
	{
		snprintf(buf, buflen, "embedding must be real[] or double precision[], not %s[]",
				 format_type_be(elemtype));
		*sqlstate = ERRCODE_DATATYPE_MISMATCH;
		return true;
	}
	if (ndim == 0)
	{
		snprintf(buf, buflen, "embedding is empty");
		*sqlstate = ERRCODE_DATA_EXCEPTION;
		return true;
	}
	if (ndim != 1)
	{
		snprintf(buf, buflen, "embedding must be a one-dimensional array, not %d-dimensional", ndim);
		*sqlstate = ERRCODE_ARRAY_SUBSCRIPT_ERROR;
		return true;
	}
	dim = ARR_DIMS(arr)[0];
	if (dim > TE_MAX_DIM)
	{
		snprintf(buf, buflen, "embedding has %d dimensions, more than the limit of %d", dim, TE_MAX_DIM);
		*sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		return true;
	}
	bad = first_null(arr, dim);
	if (bad >= 0)
	{
		snprintf(buf, buflen, "embedding has a NULL element at position %d", bad + 1);
		*sqlstate = ERRCODE_NULL_VALUE_NOT_ALLOWED;
		return true;
	}
	if (expected_dim > 0 && dim != expected_dim)
	{
		snprintf(buf, buflen, "expected %d dimensions, not %d", expected_dim, dim);
		*sqlstate = ERRCODE_DATA_EXCEPTION;
		return true;
	}
	e.dim = dim;
	e.elemtype = elemtype;
	e.data = ARR_DATA_PTR(arr);
	bad = first_nonfinite(&e);
	if (bad >= 0)
	{
		snprintf(buf, buflen, "embedding has %s at position %d",
				 nonfinite_name(element_at(&e, bad)), bad + 1);
		*sqlstate = ERRCODE_DATA_EXCEPTION;
		return true;
	}
	return false;
}

/*
 * The hint of an input error: a check_embedding call that finds the rows,
 * with the expected length when the length is the problem (without it,
 * check_embedding cannot know the length is wrong)
 */
static int
problem_hint(ArrayType *arr, int expected_dim)
{
	if (expected_dim > 0 && ARR_NDIM(arr) == 1 && ARR_DIMS(arr)[0] != expected_dim)
		return errhint("topembed.check_embedding(column, %d) lists the rows whose length is not %d.",
					   expected_dim, expected_dim);
	return errhint("topembed.check_embedding(column) finds the offending rows.");
}

/* raise the problem that te_embedding_problem found */
static void
raise_problem(ArrayType *arr, const char *what, int expected_dim)
{
	char		buf[256];
	int			sqlstate = ERRCODE_DATA_EXCEPTION;

	if (!te_embedding_problem(arr, expected_dim, buf, sizeof(buf), &sqlstate))
		elog(ERROR, "embedding reported invalid but no problem found");

	/* "embedding ..." becomes "<what> embedding ...", others get a prefix */
	if (what == NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s", buf),
				 problem_hint(arr, expected_dim)));
	ereport(ERROR,
			(errcode(sqlstate),
			 strncmp(buf, "embedding", 9) == 0 ?
			 errmsg("%s %s", what, buf) :
			 errmsg("%s embedding: %s", what, buf),
			 problem_hint(arr, expected_dim)));
}

/* raise the problem of an embedding, if it has one */
void
te_raise_if_invalid(ArrayType *arr, const char *what, int expected_dim)
{
	char		buf[256];
	int			sqlstate;

	if (te_embedding_problem(arr, expected_dim, buf, sizeof(buf), &sqlstate))
		raise_problem(arr, what, expected_dim);
}

/*
 * Check the structure of an embedding (type, shape, NULLs, dimension) and
 * return a view of its data.  Values are checked by te_embedding_to_double.
 */
TeEmbedding
te_embedding_get(ArrayType *arr, const char *what, int expected_dim)
{
	TeEmbedding e;
	Oid			elemtype = ARR_ELEMTYPE(arr);

	if ((elemtype != FLOAT4OID && elemtype != FLOAT8OID) ||
		ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) ||
		ARR_DIMS(arr)[0] > TE_MAX_DIM ||
		(expected_dim > 0 && ARR_DIMS(arr)[0] != expected_dim))
		raise_problem(arr, what, expected_dim);

	e.dim = ARR_DIMS(arr)[0];
	e.elemtype = elemtype;
	e.data = ARR_DATA_PTR(arr);
	return e;
}

/* convert to double, rejecting NaN and infinities */
void
te_embedding_to_double(const TeEmbedding *e, const char *what, double *out)
{
	int			i;

	if (e->elemtype == FLOAT4OID)
	{
		const float4 *x = (const float4 *) e->data;

		for (i = 0; i < e->dim; i++)
			out[i] = x[i];
	}
	else
		memcpy(out, e->data, sizeof(double) * e->dim);

	if (first_nonfinite(e) >= 0)
	{
		int			bad = first_nonfinite(e);

		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s%sembedding has %s at position %d",
						what ? what : "", what ? " " : "",
						nonfinite_name(element_at(e, bad)), bad + 1),
				 errhint("topembed.check_embedding(column) finds the offending rows.")));
	}
}

/* read an embedding into a fresh palloc'd double array */
double *
te_embedding_read(ArrayType *arr, const char *what, int expected_dim, int *dim)
{
	TeEmbedding e = te_embedding_get(arr, what, expected_dim);
	double	   *out = palloc(sizeof(double) * e.dim);

	te_embedding_to_double(&e, what, out);
	*dim = e.dim;
	return out;
}

/* ERROR unless actual == expected */
void
te_check_dim(const char *what, int expected, int actual)
{
	if (expected != actual)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s%sexpected %d dimensions, not %d",
						what ? what : "", what ? ": " : "", expected, actual),
				 errhint("topembed.check_embedding(column, %d) lists the rows whose length is not %d.",
						 expected, expected)));
}

/* a float8[] from n doubles */
ArrayType *
te_float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* a real[] from n doubles, rounded to float4 */
ArrayType *
te_float4_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float4GetDatum((float4) v[i]);
	return construct_array(d, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

/* a two-dimensional float8[][] from a row-major rows x cols matrix */
ArrayType *
te_float8_matrix(const double *v, int rows, int cols)
{
	Datum	   *d = palloc(sizeof(Datum) * Max((Size) rows * cols, 1));
	int			dims[2] = {rows, cols};
	int			lbs[2] = {1, 1};
	Size		i;

	for (i = 0; i < (Size) rows * cols; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
							  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* true when called as an aggregate support function; sets *aggcxt */
bool
te_in_agg(FunctionCallInfo fcinfo, MemoryContext *aggcxt)
{
	return AggCheckCallContext(fcinfo, aggcxt) != 0;
}

/* the aggregate's memory context; ERROR naming fname outside an aggregate */
MemoryContext
te_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcxt;
}

PG_FUNCTION_INFO_V1(topembed_check_embedding);

/* topembed.check_embedding(anyarray [, dim]): NULL if fine, else the problem */
Datum
topembed_check_embedding(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	int			expected = 0;
	char		buf[256];
	int			sqlstate;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	arr = PG_GETARG_ARRAYTYPE_P(0);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		expected = PG_GETARG_INT32(1);
	if (te_embedding_problem(arr, expected, buf, sizeof(buf), &sqlstate))
		PG_RETURN_TEXT_P(cstring_to_text(buf));
	PG_RETURN_NULL();
}

/*
 * The element type of the function's array result, a composite named
 * typname: from the call's expression, or, called without one, the type of
 * that name beside the function
 */
Oid
te_result_elemtype(FunctionCallInfo fcinfo, const char *typname)
{
	Oid			rettype = get_fn_expr_rettype(fcinfo->flinfo);
	Oid			elemtype = OidIsValid(rettype) ? get_element_type(rettype) : InvalidOid;

	if (!OidIsValid(elemtype))
		elemtype = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(typname),
								   ObjectIdGetDatum(get_func_namespace(fcinfo->flinfo->fn_oid)));
	if (!OidIsValid(elemtype) || !type_is_rowtype(elemtype))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot determine the topembed.%s type", typname)));
	return elemtype;
}
