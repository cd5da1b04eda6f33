/*
 * clusters.c - SQL face of the aggregates over identified rows, which share
 * one state (the ids and points of every row):
 *  - the single-linkage clusters topembed.clusters(id, embedding, metric,
 *    scale) and topembed.clusters_k(id, embedding, metric, k), returning
 *    topembed.cluster_member[] (core: src/core/clusters.c);
 *  - persistence with generators, topembed.persistence(id, embedding
 *    [, max_dim [, metric [, threshold]]]), returning
 *    topembed.persistence_generator[]: each bar's birth and death simplices
 *    and H1 loop in the rows' ids (core: TeRipsOptions.generators);
 *  - the picture topembed.pca_svg(id, embedding, loop [, title]): the rows
 *    on their first two principal axes with a loop of ids drawn through
 *    (core: te_pca_coordinates, te_svg_pca)
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "topembed/clusters.h"
#include "topembed/projection.h"
#include "topembed/svg.h"

/* the aggregates over identified rows, which share one state */
enum
{
	ROWS_SCALE,					/* topembed.clusters */
	ROWS_K,						/* topembed.clusters_k */
	ROWS_GENERATORS,			/* topembed.persistence(id, embedding, ...) */
	ROWS_PICTURE				/* topembed.pca_svg(id, embedding, loop [, title]) */
};

/*
 * The aggregate state: the ids and points (as doubles) of every row and
 * the parameters of the first row; kind tells the aggregates apart
 */
typedef struct ClusState
{
	MemoryContext cxt;
	int			dim;
	int64		n;
	int64		cap;
	int64	   *ids;
	double	   *points;			/* n x dim */
	int			kind;			/* ROWS_... */
	TeMetric	metric;
	double		scale;			/* ROWS_SCALE */
	int64		k;				/* ROWS_K */
	int32		max_dim;		/* ROWS_GENERATORS */
	double		threshold;		/* ROWS_GENERATORS: NAN = the enclosing radius */
	int64	   *loop;			/* ROWS_PICTURE: the ids of the loop, in order */
	int32		nloop;			/* ROWS_PICTURE: their number; -1 = no loop */
	char	   *title;			/* ROWS_PICTURE: NULL = the default title */
	bool		params_set;
} ClusState;

/* the hint of persistence(id, ...)'s refusals: it has no sample argument */
#define GEN_HINT "Set a threshold, lower max_dim, or pass fewer rows (e.g. WHERE hashtext(id::text) % 10 = 0); this form keeps every row."

/* the longest title of a picture, in bytes */
#define PICTURE_TITLE_MAX 10000

/* the hint of every "too big" refusal */
#define CLUS_HINT "Cluster a sample or a subset of the rows, or raise topembed.persistence_memory_limit."

/* the name of the aggregate a state belongs to */
static const char *
agg_name(int kind)
{
	return kind == ROWS_K ? "topembed.clusters_k" :
		kind == ROWS_GENERATORS ? "topembed.persistence" :
		kind == ROWS_PICTURE ? "topembed.pca_svg" : "topembed.clusters";
}

/* estimated bytes to cluster n points of dim, plus the points and ids */
static double
estimate_bytes(int64 n, int dim)
{
	size_t		e = te_clusters_memory_estimate(n, dim);

	if (e == SIZE_MAX)
		return INFINITY;
	return (double) e + (double) n * (dim * sizeof(double) + sizeof(int64) +
									  sizeof(TeClusterMember));
}

/*
 * ERROR if the state's rows would exceed topembed.persistence_memory_limit
 * (the clusters come from H0 persistence's tree, under the same bound; the
 * generators are persistence's, under its model); at_least: the rows are
 * still being read, so their number is a lower bound
 */
static void
check_memory(const ClusState *s, bool at_least)
{
	int64		n = s->n;
	int			kind = s->kind;
	double		need = estimate_bytes(n, s->dim);
	double		limit = (double) te_persistence_memory_limit_kb * 1024.0;

	if (kind == ROWS_GENERATORS)
	{
		te_persistence_check_memory(n, s->dim, s->max_dim, s->threshold, at_least, GEN_HINT);
		return;
	}
	if (kind == ROWS_PICTURE)
		need = (double) n * (s->dim * sizeof(double) + 4 * sizeof(int64) + 2 * sizeof(double)) +
			3.0 * s->dim * s->dim * sizeof(double) + 64.0 * n + 4.0 * 1024 * 1024;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 isinf(need) ?
				 errmsg("%s of %s%lld points cannot be represented", agg_name(kind),
						at_least ? "at least " : "", (long long) n) :
				 errmsg("%s of %s%lld points needs %s%.0f MB, more than topembed.persistence_memory_limit (%.0f MB)",
						agg_name(kind), at_least ? "at least " : "", (long long) n,
						at_least ? "at least " : "about ", need / 1048576.0, limit / 1048576.0),
				 at_least ?
				 errdetail("The input was refused after its first %lld rows, before the rest was read. The memory grows with n * dim.",
						   (long long) n) :
				 errdetail("The memory grows with n * dim."),
				 errhint(CLUS_HINT)));
}

/* parse and check metric and the scale (or k) from arguments 3 and 4 */
static void
read_params(FunctionCallInfo fcinfo, int kind, TeMetric *metric, double *scale, int64 *k)
{
	*scale = NAN;
	*k = 0;
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("metric of %s must not be NULL", agg_name(kind))));
	*metric = te_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s of %s must not be NULL", kind == ROWS_K ? "k" : "scale", agg_name(kind))));
	if (kind == ROWS_K)
	{
		*k = PG_GETARG_INT32(4);
		if (*k < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k must be at least 1, not %lld", (long long) *k),
					 errhint("k is the number of clusters wanted, between 1 and the number of rows.")));
	}
	else
	{
		*scale = PG_GETARG_FLOAT8(4);
		if (isnan(*scale) || !(*scale > 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("scale must be a number > 0, not %g", *scale),
					 errhint("Points whose single-linkage (minimum spanning tree) distance is at most scale share a cluster; topembed.clusters_k takes a number of clusters instead.")));
	}
}

/* ERROR unless this row's parameters equal those of the state */
static void
check_same_params(const ClusState *s, TeMetric metric, double scale, int64 k, int32 max_dim,
				  double threshold)
{
	if (s->kind == ROWS_GENERATORS)
	{
		te_persistence_same_params(s->max_dim, s->metric, s->threshold, 0,
								   max_dim, metric, threshold, 0);
		return;
	}
	if (s->kind == ROWS_PICTURE)
		return;					/* its loop and title: check_same_picture */
	if (s->metric != metric || s->k != k || !(s->kind == ROWS_K || s->scale == scale))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the arguments metric and %s of %s must be the same in every row",
						s->kind == ROWS_K ? "k" : "scale", agg_name(s->kind)),
				 s->kind == ROWS_K ?
				 errdetail("The first row gave metric %s, k %lld; this row metric %s, k %lld.",
						   te_metric_name(s->metric), (long long) s->k,
						   te_metric_name(metric), (long long) k) :
				 errdetail("The first row gave metric %s, scale %g; this row metric %s, scale %g.",
						   te_metric_name(s->metric), s->scale, te_metric_name(metric), scale)));
}

/* a new state in the aggregate context */
static ClusState *
new_state(MemoryContext aggcxt, int dim, int kind)
{
	ClusState  *s = MemoryContextAllocZero(aggcxt, sizeof(ClusState));

	s->cxt = aggcxt;
	s->dim = dim;
	s->kind = kind;
	s->scale = NAN;
	s->threshold = NAN;
	s->nloop = -1;
	return s;
}

/* append one row (its id and point), growing the arrays by doubling */
static void
add_row(ClusState *s, int64 id, const double *x)
{
	if (s->n >= te_max_points)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s got more than topembed.max_points (%d) rows", agg_name(s->kind), te_max_points),
				 errhint("Cluster a sample or a subset of the rows, or raise topembed.max_points.")));
	if (s->n == s->cap)
	{
		int64		cap = s->cap ? s->cap * 2 : 256;

		if ((double) cap * s->dim * sizeof(double) > (double) MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many points for one %s computation", agg_name(s->kind)),
					 errhint(CLUS_HINT)));
		if (s->points == NULL)
		{
			s->points = MemoryContextAllocHuge(s->cxt, sizeof(double) * cap * s->dim);
			s->ids = MemoryContextAllocHuge(s->cxt, sizeof(int64) * cap);
		}
		else
		{
			s->points = repalloc_huge(s->points, sizeof(double) * cap * s->dim);
			s->ids = repalloc_huge(s->ids, sizeof(int64) * cap);
		}
		s->cap = cap;
	}
	memcpy(s->points + s->n * s->dim, x, sizeof(double) * s->dim);
	s->ids[s->n] = id;
	s->n++;
	/* refuse early rather than after reading every row */
	if ((s->n & 1023) == 0)
		check_memory(s, true);
}

/* ERROR for a zero vector under cosine or angular, naming its id */
static void
check_direction(const ClusState *s, int64 id, const double *x)
{
	int			j;

	for (j = 0; j < s->dim; j++)
		if (x[j] != 0.0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("id %lld's embedding is a zero vector, which has no direction under the %s metric",
					(long long) id, te_metric_name(s->metric)),
			 errhint("%s", TE_ZERO_VECTOR_HINT)));
}

/* the loop (argument 3, NULL: none) and title (argument 4, NULL: the default) of a picture, in cxt */
static void
read_picture(FunctionCallInfo fcinfo, MemoryContext cxt, int64 **loop, int32 *nloop, char **title)
{
	*loop = NULL;
	*nloop = -1;
	*title = NULL;
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		if (ARR_NDIM(a) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the loop of topembed.pca_svg must be a one-dimensional bigint[], not %d-dimensional",
							ARR_NDIM(a))));
		deconstruct_array(a, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
		*loop = MemoryContextAlloc(cxt, sizeof(int64) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("the loop of topembed.pca_svg has a NULL at position %d", i + 1)));
			(*loop)[i] = DatumGetInt64(elems[i]);
		}
		*nloop = n;
	}
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		*title = MemoryContextStrdup(cxt, text_to_cstring(PG_GETARG_TEXT_PP(4)));
		/* the picture shows a short title anyway; the hand-over holds this much */
		if (strlen(*title) > PICTURE_TITLE_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the title of topembed.pca_svg may have at most %d bytes, not %zu",
							PICTURE_TITLE_MAX, strlen(*title))));
	}
}

/* whether a loop and title are the state's */
static bool
same_picture(const ClusState *s, const int64 *loop, int32 nloop, const char *title)
{
	if (s->nloop != nloop || (s->title == NULL) != (title == NULL) ||
		(title && strcmp(s->title, title) != 0))
		return false;
	return nloop <= 0 || memcmp(s->loop, loop, sizeof(int64) * nloop) == 0;
}

/* ERROR: the loop or title changed between rows */
static void
picture_differs(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the arguments loop and title of topembed.pca_svg must be the same in every row")));
}

/* ERROR unless this row's loop and title are the first row's */
static void
check_same_picture(const ClusState *s, FunctionCallInfo fcinfo)
{
	int64	   *loop;
	int32		nloop;
	char	   *title;

	read_picture(fcinfo, CurrentMemoryContext, &loop, &nloop, &title);
	if (!same_picture(s, loop, nloop, title))
		picture_differs();
	if (loop)
		pfree(loop);
}

/*
 * Transition of the aggregates over identified rows: (state, id, embedding,
 * metric, scale or k) for the clusters, (state, id, embedding [, max_dim
 * [, metric [, threshold]]]) for the generators.  Not strict: a NULL id or
 * embedding is an ERROR, since every row must get its result.
 */
static Datum
clusters_trans(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcxt;
	ClusState  *s;
	TeEmbedding e;
	TeMetric	metric;
	double		scale = NAN,
				threshold = NAN;
	int64		k = 0,
				id;
	int32		max_dim = 0,
				sample;
	char		what[64];
	double	   *x;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s transition called in non-aggregate context", agg_name(kind))));
	s = PG_ARGISNULL(0) ? NULL : (ClusState *) PG_GETARG_POINTER(0);
	if (kind == ROWS_GENERATORS)
		te_persistence_params(fcinfo, 3, &max_dim, &metric, &threshold, &sample);
	else if (kind == ROWS_PICTURE)
		metric = TE_METRIC_EUCLIDEAN;
	else
		read_params(fcinfo, kind, &metric, &scale, &k);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id of %s must not be NULL", agg_name(kind)),
				 errhint("Every row needs an id to carry its result; leave rows without one out with WHERE id IS NOT NULL.")));
	id = PG_GETARG_INT64(1);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the embedding of id %lld is NULL", (long long) id),
				 errhint("Every row of %s needs an embedding; leave rows without one out with WHERE embedding IS NOT NULL.",
						 agg_name(kind))));
	snprintf(what, sizeof(what), "id %lld's", (long long) id);
	e = te_embedding_arg(fcinfo, 2, what, s ? s->dim : 0);
	if (s == NULL)
		s = new_state(aggcxt, e.dim, kind);
	if (!s->params_set)
	{
		s->metric = metric;
		s->scale = scale;
		s->k = k;
		s->max_dim = max_dim;
		s->threshold = threshold;
		if (kind == ROWS_PICTURE)
			read_picture(fcinfo, s->cxt, &s->loop, &s->nloop, &s->title);
		s->params_set = true;
	}
	else
	{
		check_same_params(s, metric, scale, k, max_dim, threshold);
		if (kind == ROWS_PICTURE)
			check_same_picture(s, fcinfo);
	}
	x = palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, what, x);
	if (s->metric != TE_METRIC_EUCLIDEAN)
		check_direction(s, id, x);
	add_row(s, id, x);
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_clusters_transfn);

/* transition of topembed.clusters: (state, id, embedding, metric, scale) */
Datum
topembed_clusters_transfn(PG_FUNCTION_ARGS)
{
	return clusters_trans(fcinfo, ROWS_SCALE);
}

PG_FUNCTION_INFO_V1(topembed_clusters_k_transfn);

/* transition of topembed.clusters_k: (state, id, embedding, metric, k) */
Datum
topembed_clusters_k_transfn(PG_FUNCTION_ARGS)
{
	return clusters_trans(fcinfo, ROWS_K);
}

PG_FUNCTION_INFO_V1(topembed_clusters_combinefn);

/* combine two partial states: concatenate their rows */
Datum
topembed_clusters_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ClusState  *a,
			   *b;
	int64		i;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("clusters_combinefn called in non-aggregate context")));
	a = PG_ARGISNULL(0) ? NULL : (ClusState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (ClusState *) PG_GETARG_POINTER(1);
	if (b == NULL || !b->params_set)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL || !a->params_set)
	{
		a = new_state(aggcxt, b->dim, b->kind);
		a->metric = b->metric;
		a->scale = b->scale;
		a->k = b->k;
		a->max_dim = b->max_dim;
		a->threshold = b->threshold;
		a->nloop = b->nloop;
		if (b->nloop > 0)
		{
			a->loop = MemoryContextAlloc(aggcxt, sizeof(int64) * b->nloop);
			memcpy(a->loop, b->loop, sizeof(int64) * b->nloop);
		}
		a->title = b->title ? MemoryContextStrdup(aggcxt, b->title) : NULL;
		a->params_set = true;
	}
	else
	{
		check_same_params(a, b->metric, b->scale, b->k, b->max_dim, b->threshold);
		if (a->kind == ROWS_PICTURE && !same_picture(a, b->loop, b->nloop, b->title))
			picture_differs();
		te_check_dim(NULL, a->dim, b->dim);
	}
	for (i = 0; i < b->n; i++)
	{
		add_row(a, b->ids[i], b->points + i * b->dim);
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(topembed_clusters_serialfn);

/* serialise a partial state for a parallel worker's hand-over */
Datum
topembed_clusters_serialfn(PG_FUNCTION_ARGS)
{
	ClusState  *s = (ClusState *) PG_GETARG_POINTER(0);
	StringInfoData si;
	int64		i;

	initStringInfo(&si);
	te_blob_begin(&si, "TEcl", 2);
	te_blob_put_int32(&si, s->dim);
	te_blob_put_int32(&si, s->params_set);
	te_blob_put_int32(&si, s->kind);
	te_blob_put_int32(&si, (int32) s->metric);
	te_blob_put_float8(&si, s->scale);
	te_blob_put_int64(&si, s->k);
	te_blob_put_int32(&si, s->max_dim);
	te_blob_put_float8(&si, s->threshold);
	te_blob_put_int32(&si, s->nloop);
	for (i = 0; i < s->nloop; i++)
		te_blob_put_int64(&si, s->loop[i]);
	te_blob_put_int32(&si, s->title ? (int32) strlen(s->title) : -1);
	for (i = 0; s->title && s->title[i]; i++)
		te_blob_put_int32(&si, (unsigned char) s->title[i]);
	te_blob_put_int64(&si, s->n);
	for (i = 0; i < s->n; i++)
		te_blob_put_int64(&si, s->ids[i]);
	te_blob_put_float8s(&si, s->points, (size_t) s->n * s->dim);
	te_blob_end(&si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_clusters_deserialfn);

/* rebuild a partial state from its serialised form */
Datum
topembed_clusters_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	TeBlobReader r;
	ClusState  *s;
	int64		n,
				i,
			   *ids;
	int			dim,
				params_set,
				kind;
	double	   *x;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("clusters_deserialfn called in non-aggregate context")));
	/* a hand-over between processes of one build: its own format only */
	if (te_blob_open(&r, "clusters state", "TEcl", VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), 2) != 2)
		te_blob_corrupt(&r, "a format other than 2");
	dim = te_blob_get_int32(&r);
	params_set = te_blob_get_int32(&r);
	kind = te_blob_get_int32(&r);
	if (kind < ROWS_SCALE || kind > ROWS_PICTURE)
		te_blob_corrupt(&r, "bad kind");
	s = new_state(aggcxt, dim, kind);
	s->params_set = params_set != 0;
	s->metric = (TeMetric) te_blob_get_int32(&r);
	s->scale = te_blob_get_float8(&r);
	s->k = te_blob_get_int64(&r);
	s->max_dim = te_blob_get_int32(&r);
	s->threshold = te_blob_get_float8(&r);
	s->nloop = te_blob_get_int32(&r);
	if (s->nloop < -1 || (s->nloop > 0 && (Size) s->nloop > MaxAllocSize / sizeof(int64)))
		te_blob_corrupt(&r, "bad loop length");
	if (s->nloop > 0)
	{
		s->loop = MemoryContextAlloc(aggcxt, sizeof(int64) * s->nloop);
		for (i = 0; i < s->nloop; i++)
			s->loop[i] = te_blob_get_int64(&r);
	}
	{
		int32		tlen = te_blob_get_int32(&r);

		if (tlen < -1 || tlen > PICTURE_TITLE_MAX)
			te_blob_corrupt(&r, "bad title length");
		if (tlen >= 0)
		{
			s->title = MemoryContextAlloc(aggcxt, tlen + 1);
			for (i = 0; i < tlen; i++)
				s->title[i] = (char) te_blob_get_int32(&r);
			s->title[tlen] = '\0';
		}
	}
	n = te_blob_get_int64(&r);
	if (s->dim < 1 || s->dim > TE_MAX_DIM || n < 0 || n > te_max_points)
		te_blob_corrupt(&r, "bad header");
	ids = palloc(sizeof(int64) * Max(n, 1));
	for (i = 0; i < n; i++)
		ids[i] = te_blob_get_int64(&r);
	x = palloc(sizeof(double) * s->dim);
	for (i = 0; i < n; i++)
	{
		te_blob_get_float8s(&r, x, s->dim);
		add_row(s, ids[i], x);
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	te_blob_close(&r);
	PG_RETURN_POINTER(s);
}

/* a cluster_member[] of n members */
static ArrayType *
members_array(const TeClusterMember *m, int64 n, Oid elemtype)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		i;

	if (tupdesc->natts != 3)
		elog(ERROR, "topembed.cluster_member has %d attributes, expected 3", tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(m[i].id);
		values[1] = Int32GetDatum(m[i].cluster);
		values[2] = Int64GetDatum(m[i].cluster_size);
		elems[i] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(elems, (int) n, elemtype, typlen, typbyval, typalign);
}

PG_FUNCTION_INFO_V1(topembed_clusters_finalfn);

/* final function of both aggregates: the clusters of the accumulated rows */
Datum
topembed_clusters_finalfn(PG_FUNCTION_ARGS)
{
	ClusState  *s;
	MemoryContext work,
				old;
	TeClusterMember *out;
	TeClusterInfo info;
	TeClusterCut cut;
	TeEnv		env;
	TeStatus	st;
	TeProgressState progress;
	ArrayType  *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (ClusState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	if (s->kind == ROWS_K && s->k > s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and the number of rows (%lld), not %lld",
						(long long) s->n, (long long) s->k)));
	check_memory(s, false);
	cut.scale = s->scale;
	cut.k = s->kind == ROWS_K ? s->k : 0;
	work = AllocSetContextCreate(CurrentMemoryContext, "topembed clusters", ALLOCSET_DEFAULT_SIZES);
	out = MemoryContextAllocHuge(work, sizeof(TeClusterMember) * s->n);
	te_env_init(&env, work);
	te_progress_begin(&progress, &env, agg_name(s->kind));
	old = MemoryContextSwitchTo(work);
	st = te_clusters_points(&env, s->points, s->ids, s->n, s->dim, s->metric, &cut,
							(size_t) te_persistence_memory_limit_kb * 1024, out, &info);
	MemoryContextSwitchTo(old);
	if (st == TE_INVALID && info.duplicate)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("id %lld occurs more than once in %s", (long long) info.duplicate_id,
						agg_name(s->kind)),
				 errhint("Every row needs an id of its own, so that its cluster can be joined back to it.")));
	if (st == TE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s exceeded topembed.persistence_memory_limit (%d MB) while running",
						agg_name(s->kind), te_persistence_memory_limit_kb / 1024),
				 errdetail_internal("%s", env.msg),
				 errhint(CLUS_HINT)));
	te_check_status(st, &env, agg_name(s->kind));
	te_progress_end(&progress);
	result = members_array(out, s->n, te_result_elemtype(fcinfo, "cluster_member"));
	MemoryContextDelete(work);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* ---- persistence with generators: topembed.persistence(id, embedding, ...) ---- */

PG_FUNCTION_INFO_V1(topembed_persistence_ids_transfn);

/* transition of topembed.persistence(id, embedding [, max_dim [, metric [, threshold]]]) */
Datum
topembed_persistence_ids_transfn(PG_FUNCTION_ARGS)
{
	return clusters_trans(fcinfo, ROWS_GENERATORS);
}

/* int64 order for qsort */
static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* a row's id and place: the rows sorted by id, to refuse repeats and to find ids */
typedef struct IdRow
{
	int64		id;
	int64		row;
} IdRow;

/* IdRow order by id, for qsort and bsearch */
static int
cmp_id_row(const void *a, const void *b)
{
	return cmp_int64(&((const IdRow *) a)->id, &((const IdRow *) b)->id);
}

/* the rows sorted by id; ERROR (23505) if an id occurs in more than one row */
static IdRow *
id_index(const ClusState *s)
{
	IdRow	   *idx = palloc(sizeof(IdRow) * Max(s->n, 1));
	int64		i;

	for (i = 0; i < s->n; i++)
	{
		idx[i].id = s->ids[i];
		idx[i].row = i;
	}
	qsort(idx, s->n, sizeof(IdRow), cmp_id_row);
	for (i = 1; i < s->n; i++)
		if (idx[i].id == idx[i - 1].id)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("id %lld occurs more than once in %s", (long long) idx[i].id,
							agg_name(s->kind)),
					 errhint("Every row needs an id of its own, so that its result can be joined back to it.")));
	return idx;
}

/* the ids of n rows (row numbers; -1 ends the list early) as a bigint[], or NULL if none */
static Datum
ids_datum(const int32 *rows, int64 n, const int64 *ids, bool *isnull)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int64		i,
				m = 0;

	for (i = 0; i < n && rows[i] >= 0; i++)
		elems[m++] = Int64GetDatum(ids[rows[i]]);
	*isnull = m == 0;
	if (m == 0)
		return (Datum) 0;
	return PointerGetDatum(construct_array(elems, (int) m, INT8OID, 8, FLOAT8PASSBYVAL,
										   TYPALIGN_DOUBLE));
}

/* the cocycle of a bar: its simplices as a two-dimensional bigint[] of ids, one simplex per row */
static Datum
cocycle_datum(const TeRipsGenerators *g, const TeRipsGenerator *q, int dim, const int64 *ids,
			  bool *isnull)
{
	int64		m = q->cocycle_len,
				i;
	Datum	   *elems;
	int			dims[2],
				lbs[2] = {1, 1};

	*isnull = q->cocycle < 0 || m == 0;
	if (*isnull)
		return (Datum) 0;
	if (m * (dim + 1) > (int64) (MaxAllocSize / sizeof(Datum)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a cocycle of %lld simplices is too large to return", (long long) m)));
	elems = palloc(sizeof(Datum) * m * (dim + 1));
	for (i = 0; i < m * (dim + 1); i++)
		elems[i] = Int64GetDatum(ids[g->cycle_rows[q->cocycle + i]]);
	dims[0] = (int) m;
	dims[1] = dim + 1;
	return PointerGetDatum(construct_md_array(elems, NULL, 2, dims, lbs, INT8OID, 8, FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
}

/* the bars with their simplices, loops and cocycles in ids, as a persistence_generator[] */
static ArrayType *
generators_array(const TeDiagram *d, const TeRipsGenerators *g, const int64 *ids, Oid elemtype)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	Datum	   *elems = palloc(sizeof(Datum) * Max(d->n_pairs, 1));
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		i;

	if (tupdesc->natts != 7)
		elog(ERROR, "topembed.persistence_generator has %d attributes, expected 7", tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < d->n_pairs; i++)
	{
		const TeRipsGenerator *q = &g->gen[i];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		if ((i & 0xFFF) == 0xFFF)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(d->pairs[i].dim);
		values[1] = Float8GetDatum(d->pairs[i].birth);
		values[2] = Float8GetDatum(d->pairs[i].death);
		values[3] = ids_datum(q->birth, TE_RIPS_MAX_DIM + 1, ids, &nulls[3]);
		values[4] = ids_datum(q->death, TE_RIPS_MAX_DIM + 2, ids, &nulls[4]);
		if (q->cycle >= 0)
			values[5] = ids_datum(g->cycle_rows + q->cycle, q->cycle_len, ids, &nulls[5]);
		else
			nulls[5] = true;
		values[6] = cocycle_datum(g, q, d->pairs[i].dim, ids, &nulls[6]);
		elems[i] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(elems, (int) d->n_pairs, elemtype, typlen, typbyval, typalign);
}

PG_FUNCTION_INFO_V1(topembed_persistence_ids_finalfn);

/* final function: the diagram of the rows with every bar's simplices and H1 loops in ids */
Datum
topembed_persistence_ids_finalfn(PG_FUNCTION_ARGS)
{
	ClusState  *s;
	MemoryContext work;
	TeRipsGenerators gen;
	TeDiagram	d;
	ArrayType  *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (ClusState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	pfree(id_index(s));
	work = AllocSetContextCreate(CurrentMemoryContext, "topembed persistence", ALLOCSET_DEFAULT_SIZES);
	te_persistence_run(work, s->points, NULL, s->n, s->dim, s->metric, s->max_dim, s->threshold, 2,
					   &gen, &d);
	result = generators_array(&d, &gen, s->ids, te_result_elemtype(fcinfo, "persistence_generator"));
	MemoryContextDelete(work);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* ---- the picture: topembed.pca_svg(id, embedding, loop [, title]) ---- */

PG_FUNCTION_INFO_V1(topembed_pca_svg_transfn);

/* transition of topembed.pca_svg: (state, id, embedding, loop [, title]) */
Datum
topembed_pca_svg_transfn(PG_FUNCTION_ARGS)
{
	return clusters_trans(fcinfo, ROWS_PICTURE);
}

/* the rows of the loop's ids, found in the id index; ERROR (22023) for an id that is not a row's */
static int64 *
loop_rows(const ClusState *s, const IdRow *idx)
{
	int64	   *rows = palloc(sizeof(int64) * Max(s->nloop, 1));
	int64		i;

	for (i = 0; i < s->nloop; i++)
	{
		IdRow		key = {s->loop[i], 0};
		const IdRow *hit = bsearch(&key, idx, s->n, sizeof(IdRow), cmp_id_row);

		if (hit == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("id %lld of the loop is not among the rows of topembed.pca_svg",
							(long long) s->loop[i]),
					 errhint("Draw a loop of the same rows, e.g. the cycle of topembed.persistence(id, embedding, ...) over them.")));
		rows[i] = hit->row;
	}
	return rows;
}

PG_FUNCTION_INFO_V1(topembed_pca_svg_finalfn);

/* final function: the picture of the rows on their first two principal axes, with the loop */
Datum
topembed_pca_svg_finalfn(PG_FUNCTION_ARGS)
{
	ClusState  *s;
	MemoryContext work,
				old;
	TeEnv		env;
	TeStatus	st;
	int64	   *rows;
	IdRow	   *idx;
	double	   *Y,
			   *xy,
				values[2] = {0.0, 0.0},
				total = 0.0,
				share[2];
	int			k;
	int64		i;
	char	   *svg = NULL;
	text	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (ClusState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	idx = id_index(s);
	check_memory(s, false);
	rows = loop_rows(s, idx);
	pfree(idx);
	k = s->dim >= 2 ? 2 : 1;
	work = AllocSetContextCreate(CurrentMemoryContext, "topembed pca_svg", ALLOCSET_DEFAULT_SIZES);
	te_env_init(&env, work);
	old = MemoryContextSwitchTo(work);
	Y = palloc_extended(sizeof(double) * s->n * k, MCXT_ALLOC_HUGE);
	xy = palloc_extended(sizeof(double) * s->n * 2, MCXT_ALLOC_HUGE);
	st = te_pca_coordinates(&env, s->points, s->n, s->dim, k, values, &total, Y);
	MemoryContextSwitchTo(old);
	te_check_status(st, &env, "topembed.pca_svg");
	for (i = 0; i < s->n; i++)
	{
		xy[2 * i] = Y[i * k];
		xy[2 * i + 1] = k == 2 ? Y[i * k + 1] : 0.0;
	}
	share[0] = total > 0.0 ? values[0] / total : 0.0;
	share[1] = total > 0.0 && k == 2 ? values[1] / total : 0.0;
	old = MemoryContextSwitchTo(work);
	st = te_svg_pca(&env, xy, s->n, rows, s->loop, s->nloop > 0 ? s->nloop : 0, share, s->title,
					NULL, &svg);
	MemoryContextSwitchTo(old);
	te_check_status(st, &env, "topembed.pca_svg");
	result = cstring_to_text(svg);
	MemoryContextDelete(work);
	PG_RETURN_TEXT_P(result);
}
