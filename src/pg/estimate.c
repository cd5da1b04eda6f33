/*
 * estimate.c - topembed.persistence_estimate() and
 * topembed.sparse_persistence_estimate(): what topembed.persistence and
 * topembed.sparse_persistence would need before they are run
 *
 * The memory figure is the one the aggregate's up-front refusal holds
 * against topembed.persistence_memory_limit (te_persistence_need_bytes in
 * rips.c, on the core's te_rips_memory_estimate), so "fits" is false exactly
 * when persistence would refuse the input before computing.  The time is a
 * work model calibrated on this project's development machine (see
 * docs/performance.md and bench/persistence_estimate.py): a cost per
 * value read (n * dim), per n^2 * dim of the distance kernel, per edge from
 * H1 on, per triangle from H2 on and per tetrahedron for H3.  It gives an order of magnitude, not a
 * promise.
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "topembed/landmarks.h"
#include "topembed/rips.h"

/*
 * Seconds per unit of work, fitted by bench/persistence_estimate.py on
 * topembed.synthetic_pairs(n, 512, 0.8, 7) images on the 2-core
 * development machine, 2026-12-02, pooling three runs that differed by up
 * to 2x on the shared machine (docs/performance.md): reading the rows per
 * value (the copy, the aggregate's state, the spanning tree's per-point
 * work), the distance kernel per n^2 * dim, then what each dimension adds
 * per simplex it enumerates.
 */
#define EST_SEC_PER_VALUE 1.5e-7
#define EST_SEC_PER_KERNEL 1.4e-11
#define EST_SEC_PER_EDGE 7.6e-7
#define EST_SEC_PER_TRIANGLE 2.9e-8
#define EST_SEC_PER_TETRAHEDRON 5.4e-9

/* the rough class of a time in seconds */
static const char *
time_class(double seconds)
{
	if (seconds < 1.0)
		return "under a second";
	if (seconds < 60.0)
		return "seconds";
	if (seconds < 3600.0)
		return "minutes";
	if (seconds < 86400.0)
		return "hours";
	return "days";
}

/* the work model's seconds for n points of dim up to H max_dim */
static double
model_seconds(int64 n, int dim, int max_dim)
{
	double		nn = (double) n;
	double		t = EST_SEC_PER_VALUE * nn * (double) dim +
		EST_SEC_PER_KERNEL * nn * nn * (double) dim;

	if (max_dim >= 1)
		t += EST_SEC_PER_EDGE * nn * (nn - 1.0) / 2.0;
	if (max_dim >= 2)
		t += EST_SEC_PER_TRIANGLE * nn * (nn - 1.0) * (nn - 2.0) / 6.0;
	if (max_dim >= 3)
		t += EST_SEC_PER_TETRAHEDRON * nn * (nn - 1.0) * (nn - 2.0) * (nn - 3.0) / 24.0;
	return t;
}

/* ERROR 22004 naming a NULL argument */
static void
refuse_null(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be NULL", name)));
}

/* ERROR 22023 for a negative n or a dim outside 1..TE_MAX_DIM */
static void
check_n_dim(int64 n, int32 dim)
{
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be at least 0, not %lld", (long long) n)));
	if (dim < 1 || dim > TE_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dim must be between 1 and %d, not %d", TE_MAX_DIM, dim)));
}

PG_FUNCTION_INFO_V1(topembed_persistence_estimate);

/*
 * topembed.persistence_estimate(n bigint, dim int, max_dim int, metric text,
 * threshold float8) RETURNS topembed.persistence_estimate_result
 */
Datum
topembed_persistence_estimate(PG_FUNCTION_ARGS)
{
	int64		n;
	int32		dim,
				max_dim;
	double		threshold = NAN;
	double		need,
				limit = (double) te_persistence_memory_limit_kb * 1024.0,
				seconds;
	bool		estimating;
	const char *refused_by = NULL;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	if (PG_ARGISNULL(0))
		refuse_null("n");
	if (PG_ARGISNULL(1))
		refuse_null("dim");
	if (PG_ARGISNULL(2))
		refuse_null("max_dim");
	if (PG_ARGISNULL(3))
		refuse_null("metric");
	n = PG_GETARG_INT64(0);
	dim = PG_GETARG_INT32(1);
	max_dim = PG_GETARG_INT32(2);
	check_n_dim(n, dim);
	if (max_dim < 0 || max_dim > TE_RIPS_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_dim must be between 0 and %d, not %d", TE_RIPS_MAX_DIM, max_dim)));
	/* the metric does not change the model, but a name persistence refuses is refused */
	(void) te_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (!PG_ARGISNULL(4))
	{
		threshold = PG_GETARG_FLOAT8(4);
		if (isnan(threshold) || threshold < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must be a non-negative number or NULL, not %g", threshold)));
	}
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "topembed.persistence_estimate: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 8)
		elog(ERROR, "topembed.persistence_estimate_result has %d attributes, expected 8", tupdesc->natts);

	/* a finite threshold leaves the per-edge part out of the memory model */
	estimating = max_dim >= 1 && isfinite(threshold);
	if (n == 0)
	{
		/* no rows: persistence returns NULL without running */
		need = 0.0;
		seconds = 0.0;
	}
	else
	{
		need = te_persistence_need_bytes(n, dim, max_dim, threshold);
		seconds = model_seconds(n, dim, max_dim);
		if (isinf(need))
			refused_by = "max_points_above_h0";
		else if (need > limit)
			refused_by = "topembed.persistence_memory_limit";
		else if (n > te_max_points)
			refused_by = "topembed.max_points";
	}

	/* Infinity, or beyond bigint: no figure (the refusal says "cannot be represented") */
	if (isinf(need) || need >= 9.2e18)
		nulls[0] = true;
	else
		values[0] = Int64GetDatum((int64) need);
	values[1] = Int64GetDatum((int64) limit);
	values[2] = BoolGetDatum(refused_by == NULL);
	if (refused_by)
		values[3] = CStringGetTextDatum(refused_by);
	else
		nulls[3] = true;
	values[4] = CStringGetTextDatum(estimating ? "estimating" : "bound");
	/* every pair is an edge within the default threshold (n(n-1)/2 fits bigint below 3037000500) */
	if (max_dim == 0)
		values[5] = Int64GetDatum(0);
	else if (n <= INT64CONST(3037000499))
		values[5] = Int64GetDatum(n * (n - 1) / 2);
	else
		nulls[5] = true;
	values[6] = Float8GetDatum(seconds);
	values[7] = CStringGetTextDatum(time_class(seconds));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * Seconds of the parts of sparse persistence that do not depend on its
 * graph, on one thread, fitted on runs of build/tools/te_rips --sparse 0.5
 * --phases on the 2-core development machine, 2026-12-04 (a closed curve of
 * 17,000 points in R^64 and of 50,000 in R^3, docs/performance.md): the
 * greedy permutation per step and point, plus per coordinate, and the scan
 * of the pairs for the graph per pair, plus per coordinate.
 */
#define EST_SPARSE_SEC_PER_STEP_POINT 4.5e-9
#define EST_SPARSE_SEC_PER_STEP_VALUE 2.3e-10
#define EST_SPARSE_SEC_PER_PAIR 4.0e-9
#define EST_SPARSE_SEC_PER_PAIR_VALUE 1.1e-10

/* the sparse work model's seconds for n points of dim: rows, permutation, scan */
static double
sparse_model_seconds(int64 n, int dim)
{
	double		nn = (double) n;

	return EST_SEC_PER_VALUE * nn * (double) dim +
		nn * nn * (EST_SPARSE_SEC_PER_STEP_POINT + EST_SPARSE_SEC_PER_STEP_VALUE * (double) dim) +
		nn * (nn - 1.0) / 2.0 * (EST_SPARSE_SEC_PER_PAIR + EST_SPARSE_SEC_PER_PAIR_VALUE * (double) dim);
}

/* a byte count as a bigint Datum, or a NULL where it is beyond bigint */
static void
set_bytes(Datum *value, bool *isnull, double bytes)
{
	if (isinf(bytes) || bytes >= 9.2e18)
		*isnull = true;
	else
		*value = Int64GetDatum((int64) bytes);
}

PG_FUNCTION_INFO_V1(topembed_sparse_persistence_estimate);

/*
 * topembed.sparse_persistence_estimate(n bigint, dim int, epsilon float8,
 * max_dim int, metric text) RETURNS
 * topembed.sparse_persistence_estimate_result: the figure of the up-front
 * refusal of sparse_persistence, the edges the limit leaves room for, the
 * worst case of a graph that keeps every pair, and the time of the parts
 * that do not depend on the graph.  The graph itself depends on the data
 * (its intrinsic dimension), which no model of n and dim knows.
 */
Datum
topembed_sparse_persistence_estimate(PG_FUNCTION_ARGS)
{
	int64		n,
				all_pairs;
	int32		dim,
				max_dim,
				sample;
	TeMetric	metric;
	double		threshold,
				need = 0.0,
				limit = (double) te_persistence_memory_limit_kb * 1024.0,
				seconds = 0.0,
				room,
				engine;
	size_t		per_edge = 0,
				fixed;
	const char *refused_by = NULL;
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10] = {false, false, false, false, false, false, false, false, false, false};

	/* checked in the order, and with the messages, of sparse_persistence's transition */
	if (PG_ARGISNULL(0))
		refuse_null("n");
	if (PG_ARGISNULL(1))
		refuse_null("dim");
	n = PG_GETARG_INT64(0);
	dim = PG_GETARG_INT32(1);
	check_n_dim(n, dim);
	/* epsilon, max_dim and metric as the aggregate reads them; they do not change the model */
	(void) te_read_epsilon(fcinfo, 2);
	te_persistence_params(fcinfo, 3, &max_dim, &metric, &threshold, &sample);
	te_sparse_check_max_dim(max_dim);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "topembed.sparse_persistence_estimate: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 10)
		elog(ERROR, "topembed.sparse_persistence_estimate_result has %d attributes, expected 10", tupdesc->natts);

	/* every pair, n(n-1)/2 (NULL beyond bigint: such an n is refused anyway) */
	all_pairs = n <= INT64CONST(3037000499) ? n * (n - 1) / 2 : -1;
	need = te_sparse_need_bytes(n, dim, &per_edge);
	/* what the engine's own limit holds while the graph grows: its part without the permutation's */
	te_rips_sparse_memory(n, dim, &fixed, &per_edge);
	engine = fixed == SIZE_MAX ? INFINITY : (double) fixed - (double) te_landmarks_memory(n, dim, n);
	if (n == 0)
		need = 0.0;				/* no rows: the aggregate returns NULL without running */
	else
	{
		seconds = sparse_model_seconds(n, dim);
		/* the order of the aggregate's own checks */
		if (need > limit)
			refused_by = "topembed.persistence_memory_limit";
		else if (n > TE_RIPS_SPARSE_MAX_POINTS)
			refused_by = "max_sparse_points";
	}

	set_bytes(&values[0], &nulls[0], need);
	values[1] = Int64GetDatum((int64) limit);
	values[2] = BoolGetDatum(refused_by == NULL);
	if (refused_by)
		values[3] = CStringGetTextDatum(refused_by);
	else
		nulls[3] = true;
	values[4] = Int32GetDatum((int32) per_edge);
	/*
	 * the edges the engine's limit leaves room for beside its own fixed part
	 * (the backend's copies of the points are outside it), at most every
	 * pair and 2^31 - 1; H1's working columns come on top
	 */
	if (refused_by)
		nulls[5] = true;
	else
	{
		room = n == 0 ? 0.0 : floor((limit - engine) / (double) per_edge);
		room = Min(room, (double) all_pairs);
		room = Min(room, (double) PG_INT32_MAX);
		values[5] = Int64GetDatum((int64) room);
	}
	if (all_pairs < 0)
		nulls[6] = nulls[7] = true;
	else
	{
		values[6] = Int64GetDatum(all_pairs);
		set_bytes(&values[7], &nulls[7], n == 0 ? 0.0 :
				  need + (double) per_edge * ((double) all_pairs - (double) (n - 1)));
	}
	values[8] = Float8GetDatum(seconds);
	values[9] = CStringGetTextDatum(time_class(seconds));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
