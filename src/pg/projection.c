/*
 * projection.c - SQL face of the projection comparison: the aggregate
 * topembed.projection_quality(embedding, dims, neighbours, max_dim, metric
 * [, cut]) returning topembed.projection_quality_row[] (core:
 * src/core/projection.c).  The points are gathered by the persistence
 * aggregates' state (rips.c), so a parallel plan hands them over alike.
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "port/pg_bswap.h"
#include "utils/typcache.h"

#include "topembed/projection.h"

/* the most target dimensions of one call */
#define PROJ_MAX_TARGETS 1000

/* the default relative cut of the clusters count */
#define PROJ_DEFAULT_CUT 0.5

#define PROJ_HINT "Lower max_dim to 0, compare a sample of the rows (e.g. FROM t TABLESAMPLE BERNOULLI (10) REPEATABLE (1)), or raise topembed.persistence_memory_limit."

/* the aggregate state: the parameters of the first row and the points */
typedef struct ProjState
{
	TePersState *pts;			/* the points; its max_dim and metric are ours */
	int			n_dims;
	int		   *dims;
	int32		neighbours;
	double		cut;
} ProjState;

/* the parameters of one row, checked */
typedef struct ProjParams
{
	int			n_dims;
	int		   *dims;			/* palloc'd in the current context */
	int32		neighbours;
	int32		max_dim;
	TeMetric	metric;
	double		cut;
} ProjParams;

/* parse and check dims, neighbours, max_dim, metric and cut (arguments 2..6) */
static void
read_params(FunctionCallInfo fcinfo, ProjParams *p)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dims of topembed.projection_quality must not be NULL")));
	arr = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("dims must be a one-dimensional array, not %d-dimensional", ARR_NDIM(arr))));
	deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &p->n_dims);
	if (p->n_dims < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dims must name at least one target dimension"),
				 errhint("For example ARRAY[2, 8, 32].")));
	if (p->n_dims > PROJ_MAX_TARGETS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dims names %d target dimensions, more than %d", p->n_dims, PROJ_MAX_TARGETS)));
	p->dims = palloc(sizeof(int) * p->n_dims);
	for (i = 0; i < p->n_dims; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("dims must not contain NULL; element %d is NULL", i + 1)));
		p->dims[i] = DatumGetInt32(elems[i]);
		if (p->dims[i] < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a target dimension must be at least 1, not %d (element %d of dims)",
							p->dims[i], i + 1)));
	}
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("neighbours of topembed.projection_quality must not be NULL")));
	p->neighbours = PG_GETARG_INT32(3);
	if (p->neighbours < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbours must be at least 1, not %d", p->neighbours)));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("max_dim of topembed.projection_quality must not be NULL")));
	p->max_dim = PG_GETARG_INT32(4);
	if (p->max_dim < 0 || p->max_dim > TE_PROJECTION_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_dim of topembed.projection_quality must be 0 or 1, not %d", p->max_dim),
				 errhint("The bottleneck distances are of H0 and H1; for H2 compare topembed.persistence of the projected rows.")));
	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("metric of topembed.projection_quality must not be NULL")));
	p->metric = te_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(5)));
	p->cut = PROJ_DEFAULT_CUT;
	if (PG_NARGS() > 6)
	{
		if (PG_ARGISNULL(6))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("cut of topembed.projection_quality must not be NULL")));
		p->cut = PG_GETARG_FLOAT8(6);
		if (!(p->cut > 0.0 && p->cut <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cut must be above 0 and at most 1, not %g", p->cut),
					 errhint("A cluster is counted when its H0 bar is longer than cut times the longest finite H0 bar of the projection.")));
	}
}

/* ERROR unless a target dimension exceeds the embeddings' dimension */
static void
check_dims_fit(const int *dims, int n_dims, int dim)
{
	int			i;

	for (i = 0; i < n_dims; i++)
		if (dims[i] > dim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target dimension %d is above the embeddings' dimension %d (element %d of dims)",
							dims[i], dim, i + 1)));
}

/* ERROR unless the parameters p equal those of the state */
static void
check_same_params(const ProjState *s, const ProjParams *p)
{
	if (s->n_dims != p->n_dims || memcmp(s->dims, p->dims, sizeof(int) * p->n_dims) != 0 ||
		s->neighbours != p->neighbours || s->pts->max_dim != p->max_dim ||
		s->pts->metric != p->metric || s->cut != p->cut)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the arguments dims, neighbours, max_dim, metric and cut of topembed.projection_quality must be the same in every row")));
}

/* a new state in the aggregate context with the parameters p */
static ProjState *
new_state(MemoryContext aggcxt, int dim, int n_dims, const int *dims, int32 neighbours,
		  int32 max_dim, TeMetric metric, double cut)
{
	ProjState  *s = MemoryContextAllocZero(aggcxt, sizeof(ProjState));

	s->pts = te_pers_state_new(aggcxt, dim);
	s->pts->what = "topembed.projection_quality";
	s->pts->hint = PROJ_HINT;
	s->pts->max_dim = max_dim;
	s->pts->metric = metric;
	s->pts->params_set = true;
	s->n_dims = n_dims;
	s->dims = MemoryContextAlloc(aggcxt, sizeof(int) * n_dims);
	memcpy(s->dims, dims, sizeof(int) * n_dims);
	s->neighbours = neighbours;
	s->cut = cut;
	return s;
}

PG_FUNCTION_INFO_V1(topembed_projection_quality_transfn);

/* transition: (state, embedding, dims, neighbours, max_dim, metric [, cut]) */
Datum
topembed_projection_quality_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ProjState  *s;
	ProjParams	p;
	TeEmbedding e;
	double	   *x;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("projection_quality_transfn called in non-aggregate context")));
	s = PG_ARGISNULL(0) ? NULL : (ProjState *) PG_GETARG_POINTER(0);
	read_params(fcinfo, &p);
	if (s)
		check_same_params(s, &p);
	if (PG_ARGISNULL(1))
	{
		/* a NULL row is skipped; no state yet stays a SQL NULL */
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	e = te_embedding_arg(fcinfo, 1, NULL, s ? s->pts->dim : 0);
	if (s == NULL)
	{
		check_dims_fit(p.dims, p.n_dims, e.dim);
		s = new_state(aggcxt, e.dim, p.n_dims, p.dims, p.neighbours, p.max_dim, p.metric, p.cut);
	}
	x = palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, NULL, x);
	te_pers_state_add(s->pts, x, 0);
	pfree(x);
	pfree(p.dims);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_projection_quality_combinefn);

/* combine two partial states: the points of both */
Datum
topembed_projection_quality_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ProjState  *a,
			   *b;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("projection_quality_combinefn called in non-aggregate context")));
	a = PG_ARGISNULL(0) ? NULL : (ProjState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (ProjState *) PG_GETARG_POINTER(1);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = new_state(aggcxt, b->pts->dim, b->n_dims, b->dims, b->neighbours, b->pts->max_dim,
					  b->pts->metric, b->cut);
	else
	{
		ProjParams	p = {b->n_dims, b->dims, b->neighbours, b->pts->max_dim, b->pts->metric, b->cut};

		check_same_params(a, &p);
	}
	te_pers_state_append(a->pts, b->pts);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_projection_quality_serialfn);

/* serialise a partial state: the parameters, then the points as persistence's */
Datum
topembed_projection_quality_serialfn(PG_FUNCTION_ARGS)
{
	ProjState  *s = (ProjState *) PG_GETARG_POINTER(0);
	StringInfoData hdr,
				pts,
				si;
	uint32		hlen;
	int			i;

	/*
	 * the length of a "TEpq" blob of the parameters, the blob, then the
	 * points' "TEps" blob; each blob's checksum covers it alone
	 */
	initStringInfo(&hdr);
	te_blob_begin(&hdr, "TEpq", 1);
	te_blob_put_int32(&hdr, s->n_dims);
	for (i = 0; i < s->n_dims; i++)
		te_blob_put_int32(&hdr, s->dims[i]);
	te_blob_put_int32(&hdr, s->neighbours);
	te_blob_put_float8(&hdr, s->cut);
	te_blob_end(&hdr);
	initStringInfo(&pts);
	te_pers_state_put(&pts, s->pts);
	initStringInfo(&si);
	hlen = pg_hton32((uint32) hdr.len);
	appendBinaryStringInfo(&si, (const char *) &hlen, sizeof(hlen));
	appendBinaryStringInfo(&si, hdr.data, hdr.len);
	appendBinaryStringInfo(&si, pts.data, pts.len);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_projection_quality_deserialfn);

/* rebuild a partial state, its parameters checked as the transition checks them */
Datum
topembed_projection_quality_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *buf = VARDATA_ANY(in);
	size_t		len = VARSIZE_ANY_EXHDR(in);
	MemoryContext aggcxt;
	TeBlobReader r;
	ProjState  *s;
	uint32		hlen;
	int			i;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("projection_quality_deserialfn called in non-aggregate context")));
	if (len < sizeof(hlen))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid projection_quality state: truncated")));
	memcpy(&hlen, buf, sizeof(hlen));
	hlen = pg_ntoh32(hlen);
	if (hlen > len - sizeof(hlen))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid projection_quality state: truncated")));
	buf += sizeof(hlen);
	len -= sizeof(hlen);
	te_blob_open(&r, "projection_quality state", "TEpq", buf, hlen, 1);
	s = MemoryContextAllocZero(aggcxt, sizeof(ProjState));
	s->n_dims = te_blob_get_int32(&r);
	if (s->n_dims < 1 || s->n_dims > PROJ_MAX_TARGETS)
		te_blob_corrupt(&r, "bad number of target dimensions");
	s->dims = MemoryContextAlloc(aggcxt, sizeof(int) * s->n_dims);
	for (i = 0; i < s->n_dims; i++)
		s->dims[i] = te_blob_get_int32(&r);
	s->neighbours = te_blob_get_int32(&r);
	s->cut = te_blob_get_float8(&r);
	if (s->neighbours < 1 || !(s->cut > 0.0 && s->cut <= 1.0))
		te_blob_corrupt(&r, "bad parameters");
	te_blob_close(&r);
	s->pts = te_pers_state_get(aggcxt, buf + hlen, len - hlen);
	s->pts->what = "topembed.projection_quality";
	s->pts->hint = PROJ_HINT;
	if (s->pts->max_dim < 0 || s->pts->max_dim > TE_PROJECTION_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid projection_quality state: bad max_dim %d", s->pts->max_dim)));
	for (i = 0; i < s->n_dims; i++)
		if (s->dims[i] < 1 || s->dims[i] > s->pts->dim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid projection_quality state: bad target dimension %d", s->dims[i])));
	PG_RETURN_POINTER(s);
}

/* ERROR if the comparison of n points would exceed topembed.persistence_memory_limit */
static void
check_memory(const ProjState *s)
{
	size_t		e = te_projection_memory_estimate(s->pts->n, s->pts->dim, s->dims, s->n_dims,
												  s->pts->max_dim);
	double		need = e == SIZE_MAX ? INFINITY : (double) e + (double) s->pts->n * s->pts->dim * sizeof(double);
	double		limit = (double) te_persistence_memory_limit_kb * 1024.0;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 isinf(need) ?
				 errmsg("projection_quality of %lld points up to H%d cannot be represented",
						(long long) s->pts->n, s->pts->max_dim) :
				 errmsg("projection_quality of %lld points up to H%d needs about %.0f MB, more than topembed.persistence_memory_limit (%.0f MB)",
						(long long) s->pts->n, s->pts->max_dim, need / 1048576.0, limit / 1048576.0),
				 errdetail("It computes the persistence of the full space and of each projection, one at a time; up to H0 the memory grows with n * dim, from H1 on with n^2."),
				 errhint(PROJ_HINT)));
}

PG_FUNCTION_INFO_V1(topembed_projection_quality_finalfn);

/* final function: one projection_quality_row per target dimension */
Datum
topembed_projection_quality_finalfn(PG_FUNCTION_ARGS)
{
	ProjState  *s;
	TeProjectionOptions opt;
	TeProjectionRow *rows;
	MemoryContext work,
				old;
	TeEnv		env;
	TeStatus	st;
	Oid			elemtype;
	TupleDesc	tupdesc;
	Datum	   *elems;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		n;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (ProjState *) PG_GETARG_POINTER(0);
	n = s->pts->n;
	if (n == 0)
		PG_RETURN_NULL();
	if (2 * (int64) s->neighbours >= n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbours must be below half the number of rows (%lld / 2), not %d",
						(long long) n, s->neighbours),
				 errhint("Trustworthiness needs neighbours < n / 2, as sklearn.manifold.trustworthiness requires.")));
	check_memory(s);

	opt.neighbours = s->neighbours;
	opt.metric = s->pts->metric;
	opt.max_dim = s->pts->max_dim;
	opt.cut = s->cut;
	opt.memory_limit = (size_t) te_persistence_memory_limit_kb * 1024;
	rows = palloc(sizeof(TeProjectionRow) * s->n_dims);
	work = AllocSetContextCreate(CurrentMemoryContext, "topembed projection_quality",
								 ALLOCSET_DEFAULT_SIZES);
	te_env_init(&env, work);
	old = MemoryContextSwitchTo(work);
	st = te_projection_quality(&env, s->pts->points, n, s->pts->dim, s->dims, s->n_dims, &opt, rows);
	MemoryContextSwitchTo(old);
	if (st == TE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("projection_quality exceeded topembed.persistence_memory_limit (%d MB) while running",
						te_persistence_memory_limit_kb / 1024),
				 errdetail_internal("%s", env.msg),
				 errhint(PROJ_HINT)));
	te_check_status(st, &env, "projection_quality");
	MemoryContextDelete(work);

	elemtype = te_result_elemtype(fcinfo, "projection_quality_row");
	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	if (tupdesc->natts != 7)
		elog(ERROR, "topembed.projection_quality_row has %d attributes, expected 7", tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);
	elems = palloc(sizeof(Datum) * s->n_dims);
	for (i = 0; i < s->n_dims; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = Int32GetDatum(rows[i].dims);
		values[1] = Float8GetDatum(rows[i].explained_variance);
		nulls[1] = isnan(rows[i].explained_variance);
		values[2] = Float8GetDatum(rows[i].trustworthiness);
		values[3] = Float8GetDatum(rows[i].continuity);
		values[4] = Float8GetDatum(rows[i].bottleneck_h0);
		values[5] = Float8GetDatum(rows[i].bottleneck_h1);
		nulls[5] = isnan(rows[i].bottleneck_h1);
		values[6] = Int32GetDatum((int32) rows[i].clusters);
		elems[i] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, s->n_dims, elemtype, typlen, typbyval, typalign));
}
