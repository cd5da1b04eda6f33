/*
 * limits.c - topembed.limits(): the library's limits and names, for SQL
 *
 * SQL code (topembed.snapshot, users' checks) reads the limits that the C
 * code enforces from here instead of copying the numbers: one row per
 * limit, named, with its value as text and what it bounds.  Metrics are
 * rows named 'metric', one per canonical metric name, in the core's order.
 */
#include "topembed.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "topembed/diagram.h"
#include "topembed/intrinsic.h"
#include "topembed/pair.h"
#include "topembed/rips.h"
#include "topembed/svg.h"

/* one numeric limit: its SQL name, value and what it bounds */
typedef struct TeLimit
{
	const char *name;
	int64		value;
	const char *description;
} TeLimit;

static const TeLimit numeric_limits[] =
{
	{"max_hdim", TE_RIPS_MAX_DIM,
	"the highest homology dimension persistence computes (its max_dim argument)"},
	{"max_pair_hdim", TE_PAIR_MAX_DIM,
	"the highest homology dimension a persistence_pair of a diagram argument may have"},
	{"max_embedding_dim", TE_MAX_DIM,
	"the most elements an embedding may have"},
	{"max_points_above_h0", TE_RIPS_MAX_POINTS_HIGHER,
	"the most points persistence accepts with max_dim 1 or more"},
	{"max_sparse_points", TE_RIPS_SPARSE_MAX_POINTS,
	"the most points sparse_persistence accepts (its vertex numbers are 32-bit)"},
	{"max_modulus", TE_RIPS_MAX_MODULUS,
	"the largest prime coefficient field of the persistence core"},
	{"max_plot_hdim", TE_SVG_MAX_DIM,
	"the highest homology dimension the diagram pictures draw"},
	{"max_plot_series", TE_SVG_MAX_SERIES,
	"the most spectra or Betti curves one picture draws"},
	{"max_intrinsic_k", TE_INTRINSIC_MAX_K,
	"the most neighbours intrinsic_dimension's mle method takes (its k argument)"},
	{"max_landscape_k", TE_LANDSCAPE_MAX_K,
	"the most functions persistence_landscape computes (its k argument)"},
	{"max_landscape_values", TE_LANDSCAPE_MAX_VALUES,
	"the most values (k times the grid's length) of one persistence_landscape"},
	{"max_image_values", TE_IMAGE_MAX_VALUES,
	"the most pixels (the product of its resolution) of one persistence_image"},
};

/* the metrics, in the core's enum order (first to last) */
#define TE_FIRST_METRIC TE_METRIC_EUCLIDEAN
#define TE_LAST_METRIC TE_METRIC_ANGULAR

PG_FUNCTION_INFO_V1(topembed_limits);

/* topembed.limits() RETURNS TABLE (name text, value text, description text) */
Datum
topembed_limits(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	size_t		i;
	int			m;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("topembed.limits must be called in a context that accepts a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "topembed.limits: return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	for (i = 0; i < lengthof(numeric_limits); i++)
	{
		values[0] = CStringGetTextDatum(numeric_limits[i].name);
		values[1] = CStringGetTextDatum(psprintf(INT64_FORMAT, numeric_limits[i].value));
		values[2] = CStringGetTextDatum(numeric_limits[i].description);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	for (m = TE_FIRST_METRIC; m <= TE_LAST_METRIC; m++)
	{
		values[0] = CStringGetTextDatum("metric");
		values[1] = CStringGetTextDatum(te_metric_name((TeMetric) m));
		values[2] = CStringGetTextDatum("a metric of persistence, its pictures and topembed.snapshot");
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}
