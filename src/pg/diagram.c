/*
 * diagram.c - SQL face of persistence diagrams: reading
 * topembed.persistence_pair[] arguments
 */
#include "topembed.h"

#include <math.h>

#include "funcapi.h"
#include "utils/array.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"

#include "topembed/diagram.h"
#include "topembed/pair.h"

/*
 * The pairs of a topembed.persistence_pair[] argument.  NULL elements or
 * fields are refused; values are checked by the core functions.
 */
TePersPair *
te_diagram_arg(ArrayType *arr, int64 *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	TePersPair *pairs;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a persistence diagram must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(arr))));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &count);
	pairs = palloc(sizeof(TePersPair) * Max(count, 1));
	for (i = 0; i < count; i++)
	{
		HeapTupleHeader rec;
		bool		n1,
					n2,
					n3;
		Datum		d1,
					d2,
					d3;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("persistence pair %d is NULL", i + 1)));
		rec = DatumGetHeapTupleHeader(elems[i]);
		d1 = GetAttributeByNum(rec, 1, &n1);
		d2 = GetAttributeByNum(rec, 2, &n2);
		d3 = GetAttributeByNum(rec, 3, &n3);
		if (n1 || n2 || n3)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("persistence pair %d has a NULL field", i + 1),
					 errhint("An essential class has death = 'Infinity', not NULL.")));
		pairs[i].dim = DatumGetInt32(d1);
		pairs[i].birth = DatumGetFloat8(d2);
		pairs[i].death = DatumGetFloat8(d3);
	}
	*n = count;
	return pairs;
}

/* ---- summaries ---- */

/* ERROR unless dim is a homology dimension */
static void
check_hdim(int32 dim)
{
	if (dim < 0 || dim > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dim must be a homology dimension (0, 1, 2, ...), not %d", dim)));
}

/* a float8[] argument as a C array without NULLs */
double *
te_grid_arg(ArrayType *arr, int *m, const char *what)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", what)));
	*m = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	return (double *) ARR_DATA_PTR(arr);
}

/* the highest homology dimension in a diagram, or -1 if empty */
static int
top_dim(const TePersPair *pairs, int64 n)
{
	int			top = -1;
	int64		i;

	for (i = 0; i < n; i++)
		if (pairs[i].dim > top)
			top = pairs[i].dim;
	return top;
}

PG_FUNCTION_INFO_V1(te_betti_numbers_fn);

/* topembed.betti_numbers(diagram, r): int[] of beta_0 .. beta_topdim at r */
Datum
te_betti_numbers_fn(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	double		r = PG_GETARG_FLOAT8(1);
	int			top = top_dim(pairs, n);
	int		   *betti;
	Datum	   *out;
	TeEnv		env;
	int			k;

	if (isnan(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("r must not be NaN")));
	if (top < 0)
		top = 0;
	betti = palloc0(sizeof(int) * (top + 1));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_betti_numbers(&env, pairs, n, r, betti, top), &env, "betti_numbers");
	out = palloc(sizeof(Datum) * (top + 1));
	for (k = 0; k <= top; k++)
		out[k] = Int32GetDatum(betti[k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, top + 1, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(te_betti_curve_fn);

/* topembed.betti_curve(diagram, dim, grid): int[] of beta_dim at each grid value */
Datum
te_betti_curve_fn(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	int			m,
				i;
	double	   *grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(2), &m, "grid");
	int64	   *curve;
	Datum	   *out;
	TeEnv		env;

	check_hdim(dim);
	curve = palloc(sizeof(int64) * Max(m, 1));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_betti_curve(&env, pairs, n, dim, grid, m, curve), &env, "betti_curve");
	out = palloc(sizeof(Datum) * Max(m, 1));
	for (i = 0; i < m; i++)
		out[i] = Int32GetDatum((int32) curve[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, m, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(te_persistence_entropy_fn);

/* topembed.persistence_entropy(diagram, dim): NULL without finite bars */
Datum
te_persistence_entropy_fn(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	double		e = 0;
	int			defined = 0;
	TeEnv		env;

	check_hdim(dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_entropy(&env, pairs, n, dim, &e, &defined), &env, "persistence_entropy");
	if (!defined)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(e);
}

PG_FUNCTION_INFO_V1(te_total_persistence_fn);

/* topembed.total_persistence(diagram, dim, p): sum of finite lengths^p */
Datum
te_total_persistence_fn(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	double		p = PG_GETARG_FLOAT8(2);
	double		out = 0;
	TeEnv		env;

	check_hdim(dim);
	if (!(p > 0) || isinf(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be a positive finite number, not %g", p)));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_total_persistence(&env, pairs, n, dim, p, &out, NULL), &env, "total_persistence");
	PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(te_persistence_landscape_fn);

/* topembed.persistence_landscape(diagram, dim, k, grid): float8[k][m] */
Datum
te_persistence_landscape_fn(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	int32		k = PG_GETARG_INT32(2);
	int			m;
	double	   *grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(3), &m, "grid");
	double	   *out;
	TeEnv		env;

	check_hdim(dim);
	if (k < 1 || k > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and 10000, not %d", k)));
	if ((double) k * m > 1e8)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a landscape of %d functions on %d grid values is too large", k, m)));
	if (m == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(FLOAT8OID));
	out = palloc(sizeof(double) * k * m);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_landscape(&env, pairs, n, dim, k, grid, m, out), &env,
					"persistence_landscape");
	PG_RETURN_ARRAYTYPE_P(te_float8_matrix(out, k, m));
}

/* ---- distances ---- */

typedef TeStatus (*DiagramDistance) (TeEnv *env, const TePersPair *a, int64_t na,
									 const TePersPair *b, int64_t nb, int dim, double p,
									 double *out);

/* te_bottleneck_distance in the shape of te_wasserstein_distance */
static TeStatus
bottleneck_p(TeEnv *env, const TePersPair *a, int64_t na, const TePersPair *b, int64_t nb,
			 int dim, double p, double *out)
{
	(void) p;
	return te_bottleneck_distance(env, a, na, b, nb, dim, out);
}

/* a distance between the diagrams of arguments 0 and 1 in dimension argument 2 */
static double
diagram_distance(FunctionCallInfo fcinfo, DiagramDistance distance, double p, const char *what)
{
	int64		na,
				nb;
	TePersPair *a = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &na);
	TePersPair *b = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(1), &nb);
	int32		dim = PG_GETARG_INT32(2);
	double		out = 0;
	TeEnv		env;

	check_hdim(dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(distance(&env, a, na, b, nb, dim, p, &out), &env, what);
	return out;
}

PG_FUNCTION_INFO_V1(te_bottleneck_distance_fn);

/* topembed.bottleneck_distance(a, b, dim) */
Datum
te_bottleneck_distance_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(diagram_distance(fcinfo, bottleneck_p, INFINITY, "bottleneck_distance"));
}

PG_FUNCTION_INFO_V1(te_wasserstein_distance_fn);

/* topembed.wasserstein_distance(a, b, dim, p) */
Datum
te_wasserstein_distance_fn(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(3);

	if (!(p >= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be at least 1 (or Infinity for the bottleneck distance), not %g", p)));
	PG_RETURN_FLOAT8(diagram_distance(fcinfo, te_wasserstein_distance, p, "wasserstein_distance"));
}
