/*
 * rips.c - SQL face of the Vietoris-Rips persistence engine: the persistence
 * aggregates (plain, sampled and on farthest-point landmarks) and
 * persistence_from_distances
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

#include "topembed/landmarks.h"
#include "topembed/rips.h"

/*
 * The aggregate state (TePersState, topembed.h): the points (as doubles),
 * the parameters of the first row, and for the sampled form the hashes of
 * the kept points, organised as a max-heap so that the point with the
 * largest hash is replaced first.
 */
typedef TePersState PersState;

/* the hint of every "too big" refusal */
#define LANDMARK_HINT "Choose fewer landmarks, lower max_dim or set a threshold; the points themselves must fit as well."

#define PERS_HINT "Set a threshold, lower max_dim, or sample the input: topembed.persistence(e, max_dim, metric, threshold, sample)."

/*
 * Estimated bytes to compute persistence of n points of dim (0: a distance
 * matrix), plus the points: the figure te_persistence_check_memory holds against the limit
 * and topembed.persistence_estimate reports (Infinity: cannot be represented)
 */
double
te_persistence_need_bytes(int64 n, int dim, int max_dim, double threshold)
{
	size_t		e = te_rips_memory_estimate_threads(n, dim, max_dim, threshold,
													te_persistence_threads_now());

	if (e == SIZE_MAX)
		return INFINITY;
	return (double) e + (double) n * dim * sizeof(double);
}

/*
 * ERROR if computing n points would exceed topembed.persistence_memory_limit;
 * at_least: the rows are still being read, so n is a lower bound
 */
void
te_persistence_check_memory(int64 n, int dim, int max_dim, double threshold, bool at_least,
							const char *hint)
{
	double		need = te_persistence_need_bytes(n, dim, max_dim, threshold);
	double		limit = (double) te_persistence_memory_limit_kb * 1024.0;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 isinf(need) ?
				 errmsg("persistence of %s%lld points up to H%d cannot be represented",
						at_least ? "at least " : "", (long long) n, max_dim) :
				 errmsg("persistence of %s%lld points up to H%d needs %s%.0f MB, more than topembed.persistence_memory_limit (%.0f MB)",
						at_least ? "at least " : "", (long long) n, max_dim,
						at_least ? "at least " : "about ", need / 1048576.0, limit / 1048576.0),
				 at_least ?
				 errdetail("The input was refused after its first %lld rows, before the rest was read. Up to H0 the memory grows with n * dim; from H1 on with n^2.",
						   (long long) n) :
				 errdetail("Up to H0 the memory grows with n * dim; from H1 on with n^2."),
				 errhint("%s", hint ? hint : PERS_HINT)));
}

/*
 * Estimated bytes of landmark persistence: the n points held and their
 * sorted copy, the farthest-point sampling, and persistence of k landmarks
 */
static double
landmark_need_bytes(int64 n, int dim, int64 k, int max_dim, double threshold, bool diagram)
{
	double		rips = diagram ? te_persistence_need_bytes(Min(k, n), dim, max_dim, threshold) : 0.0;
	size_t		fps = te_landmarks_memory(n, dim, Min(k, n));

	if (isinf(rips) || fps == SIZE_MAX)
		return INFINITY;
	return rips + (double) fps + 2.0 * n * dim * sizeof(double) + (double) n * 3 * sizeof(int64);
}

/*
 * as check_memory, for landmark persistence of n points and k landmarks
 * (without diagram: topembed.landmarks, the sampling alone)
 */
static void
check_landmark_memory(int64 n, int dim, int64 k, int max_dim, double threshold, bool at_least,
					  bool diagram)
{
	double		need = landmark_need_bytes(n, dim, k, max_dim, threshold, diagram);
	double		limit = (double) te_persistence_memory_limit_kb * 1024.0;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 isinf(need) ?
				 errmsg("%s of %s%lld points with %lld landmarks%s cannot be represented",
						diagram ? "landmark persistence" : "farthest-point sampling",
						at_least ? "at least " : "", (long long) n, (long long) k,
						diagram ? psprintf(" up to H%d", max_dim) : "") :
				 errmsg("%s of %s%lld points with %lld landmarks%s needs %s%.0f MB, more than topembed.persistence_memory_limit (%.0f MB)",
						diagram ? "landmark persistence" : "farthest-point sampling",
						at_least ? "at least " : "", (long long) n, (long long) k,
						diagram ? psprintf(" up to H%d", max_dim) : "",
						at_least ? "at least " : "about ", need / 1048576.0, limit / 1048576.0),
				 at_least ?
				 errdetail("The input was refused after its first %lld rows, before the rest was read. The points take n * dim; persistence of the landmarks grows with k^2 from H1 on.",
						   (long long) n) :
				 errdetail("The points take n * dim; persistence of the landmarks grows with k^2 from H1 on."),
				 errhint(LANDMARK_HINT)));
}

#define SPARSE_HINT "A larger epsilon keeps fewer edges; topembed.landmark_persistence bounds the memory by the number of landmarks instead; or raise topembed.persistence_memory_limit."

/*
 * the bytes sparse persistence of n points of dim needs before its graph
 * is found (the figure of its up-front refusal, Infinity if it cannot be
 * represented): the points held and their sorted copy, the part of the run
 * that does not depend on the graph, and the spanning tree's n - 1 edges;
 * *per_edge gets the bytes each further edge adds
 */
double
te_sparse_need_bytes(int64 n, int dim, size_t *per_edge)
{
	size_t		fixed;

	te_rips_sparse_memory(n, dim, &fixed, per_edge);
	if (fixed == SIZE_MAX)
		return INFINITY;
	return (double) fixed + 2.0 * n * dim * sizeof(double) + (double) *per_edge * (double) Max(n - 1, 0);
}

/*
 * ERROR unless sparse persistence of n points of dim can fit the memory
 * limit: the points held and their sorted copy, the part of the run that
 * does not depend on the graph, and the spanning tree's n - 1 edges (the
 * fewest the graph can have).  The rest of the graph is counted as it is
 * found, during the run.
 */
static void
check_sparse_memory(int64 n, int dim, bool at_least)
{
	size_t		per_edge;
	double		need = te_sparse_need_bytes(n, dim, &per_edge),
				limit = (double) te_persistence_memory_limit_kb * 1024.0;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparse persistence of %s%lld points needs at least %.0f MB, more than topembed.persistence_memory_limit (%.0f MB)",
						at_least ? "at least " : "", (long long) n, need / 1048576.0,
						limit / 1048576.0),
				 at_least ?
				 errdetail("The input was refused after its first %lld rows, before the rest was read. The points take n * dim; the sparse graph takes about %zu bytes an edge on top, and its edges are counted as they are found.",
						   (long long) n, per_edge) :
				 errdetail("The points take n * dim; the sparse graph takes about %zu bytes an edge on top, and its edges are counted as they are found.",
						   per_edge),
				 errhint(SPARSE_HINT)));
}

/* metric names the persistence functions and the plots accept, in any case */
static const struct
{
	const char *name;
	TeMetric	metric;
}			metric_names[] =
{
	{"cosine", TE_METRIC_COSINE},
	{"cosine_distance", TE_METRIC_COSINE},	/* pgvector's <=> */
	{"angular", TE_METRIC_ANGULAR},
	{"euclidean", TE_METRIC_EUCLIDEAN},
	{"l2", TE_METRIC_EUCLIDEAN},	/* pgvector's name of <-> */
	{"l2_distance", TE_METRIC_EUCLIDEAN},
};

/* pgvector's other distances: refused by name, with the reason */
static const struct
{
	const char *name;
	const char *hint;
}			metric_refusals[] =
{
	{"inner_product", "An inner product is not a distance: it is not 0 from a point to itself and can be negative. On unit vectors 'cosine' (1 - inner product) orders pairs the same way."},
	{"negative_inner_product", "An inner product is not a distance: it is not 0 from a point to itself and can be negative. On unit vectors 'cosine' (1 - inner product) orders pairs the same way."},
	{"ip", "An inner product is not a distance: it is not 0 from a point to itself and can be negative. On unit vectors 'cosine' (1 - inner product) orders pairs the same way."},
	{"l1", "The L1 (taxicab) distance is not supported; 'euclidean' is the nearest."},
	{"l1_distance", "The L1 (taxicab) distance is not supported; 'euclidean' is the nearest."},
	{"manhattan", "The L1 (taxicab) distance is not supported; 'euclidean' is the nearest."},
	{"taxicab", "The L1 (taxicab) distance is not supported; 'euclidean' is the nearest."},
	{"hamming", "Distances of bit vectors are not supported; topembed reads real[] and double precision[]."},
	{"hamming_distance", "Distances of bit vectors are not supported; topembed reads real[] and double precision[]."},
	{"jaccard", "Distances of bit vectors are not supported; topembed reads real[] and double precision[]."},
	{"jaccard_distance", "Distances of bit vectors are not supported; topembed reads real[] and double precision[]."},
};

/*
 * The metric a name stands for, case-insensitively, with pgvector's names
 * as aliases; ERROR with a hint for any other name
 */
TeMetric
te_metric_from_name(const char *name)
{
	char	   *lower = pstrdup(name);
	char	   *c;
	size_t		i;

	for (c = lower; *c; c++)
		*c = pg_ascii_tolower((unsigned char) *c);
	for (i = 0; i < lengthof(metric_names); i++)
		if (strcmp(lower, metric_names[i].name) == 0)
		{
			pfree(lower);
			return metric_names[i].metric;
		}
	for (i = 0; i < lengthof(metric_refusals); i++)
		if (strcmp(lower, metric_refusals[i].name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("metric \"%s\" is not supported", name),
					 errhint("%s", metric_refusals[i].hint)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown metric \"%s\"", name),
			 errhint("The metrics are 'cosine', 'angular' and 'euclidean', in any case; pgvector's names 'cosine_distance', 'l2' and 'l2_distance' work too.")));
	return TE_METRIC_COSINE;	/* not reached */
}

/* the largest distance a metric can give between two points (Infinity: no bound) */
double
te_metric_max_distance(TeMetric metric)
{
	switch (metric)
	{
		case TE_METRIC_COSINE:
			return 2.0;
		case TE_METRIC_ANGULAR:
			return M_PI;
		case TE_METRIC_EUCLIDEAN:
			break;
	}
	return INFINITY;
}

/* parse and check max_dim, metric, threshold and sample, from argument first on */
void
te_persistence_params(FunctionCallInfo fcinfo, int first, int32 *max_dim, TeMetric *metric,
					  double *threshold, int32 *sample)
{
	int			nargs = PG_NARGS();

	*max_dim = 1;
	*metric = TE_METRIC_COSINE;
	*threshold = NAN;
	*sample = 0;
	if (nargs > first)
	{
		if (PG_ARGISNULL(first))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("max_dim must not be NULL")));
		*max_dim = PG_GETARG_INT32(first);
		if (*max_dim < 0 || *max_dim > TE_RIPS_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_dim must be between 0 and %d, not %d", TE_RIPS_MAX_DIM, *max_dim)));
	}
	if (nargs > first + 1)
	{
		char	   *name;

		if (PG_ARGISNULL(first + 1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("metric must not be NULL")));
		name = text_to_cstring(PG_GETARG_TEXT_PP(first + 1));
		*metric = te_metric_from_name(name);
	}
	if (nargs > first + 2 && !PG_ARGISNULL(first + 2))
	{
		*threshold = PG_GETARG_FLOAT8(first + 2);
		if (isnan(*threshold) || *threshold < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must be a non-negative number or NULL, not %g", *threshold)));
	}
	if (nargs > first + 3)
	{
		if (PG_ARGISNULL(first + 3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("sample must not be NULL")));
		*sample = PG_GETARG_INT32(first + 3);
		if (*sample < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sample must be at least 1, not %d", *sample)));
	}
}

/* ERROR unless the parameters of this row equal those of the first */
void
te_persistence_same_params(int32 max_dim0, TeMetric metric0, double threshold0, int32 sample0,
						   int32 max_dim, TeMetric metric, double threshold, int32 sample)
{
	bool		same_threshold = (isnan(threshold0) && isnan(threshold)) || threshold0 == threshold;

	if (max_dim0 != max_dim || metric0 != metric || !same_threshold || sample0 != sample)
	{
		char		t1[64],
					t2[64];

		if (isnan(threshold0))
			strlcpy(t1, "NULL", sizeof(t1));
		else
			snprintf(t1, sizeof(t1), "%g", threshold0);
		if (isnan(threshold))
			strlcpy(t2, "NULL", sizeof(t2));
		else
			snprintf(t2, sizeof(t2), "%g", threshold);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the arguments max_dim, metric, threshold and sample of topembed.persistence must be the same in every row"),
				 errdetail("The first row gave max_dim %d, metric %s, threshold %s, sample %d; this row max_dim %d, metric %s, threshold %s, sample %d.",
						   max_dim0, te_metric_name(metric0), t1, sample0,
						   max_dim, te_metric_name(metric), t2, sample)));
	}
}

/*
 * ERROR unless this row's parameters equal the state's; the landmark forms
 * name their own arguments
 */
static void
check_same_params(const PersState *s, int32 max_dim, TeMetric metric, double threshold,
				  int32 sample, int32 landmarks, double epsilon)
{
	bool		same_threshold = (isnan(s->threshold) && isnan(threshold)) || s->threshold == threshold;

	if (s->epsilon > 0.0 || epsilon > 0.0)
	{
		if (s->epsilon == epsilon && s->max_dim == max_dim && s->metric == metric)
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the arguments epsilon, max_dim and metric of topembed.sparse_persistence must be the same in every row"),
				 errdetail("The first row gave epsilon %g, max_dim %d, metric %s; this row epsilon %g, max_dim %d, metric %s.",
						   s->epsilon, s->max_dim, te_metric_name(s->metric),
						   epsilon, max_dim, te_metric_name(metric))));
	}
	if (s->landmarks == 0 && landmarks == 0)
	{
		te_persistence_same_params(s->max_dim, s->metric, s->threshold, s->sample,
								   max_dim, metric, threshold, sample);
		return;
	}
	if (s->max_dim == max_dim && s->metric == metric && same_threshold && s->sample == sample &&
		s->landmarks == landmarks)
		return;
	if (s->with_ids)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the arguments k and metric of topembed.landmarks must be the same in every row"),
				 errdetail("The first row gave k %d, metric %s; this row k %d, metric %s.",
						   s->landmarks, te_metric_name(s->metric),
						   landmarks, te_metric_name(metric))));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the arguments landmarks, max_dim, metric and threshold of topembed.landmark_persistence must be the same in every row"),
			 errdetail("The first row gave landmarks %d, max_dim %d, metric %s, threshold %s; this row landmarks %d, max_dim %d, metric %s, threshold %s.",
					   s->landmarks, s->max_dim, te_metric_name(s->metric),
					   isnan(s->threshold) ? "NULL" : psprintf("%g", s->threshold),
					   landmarks, max_dim, te_metric_name(metric),
					   isnan(threshold) ? "NULL" : psprintf("%g", threshold))));
}

/* make room for at least one more point */
static void
grow(PersState *s)
{
	int64		cap;

	if (s->n < s->cap)
		return;
	cap = s->cap ? s->cap * 2 : 256;
	if (s->sample > 0 && cap > s->sample)
		cap = s->sample;
	if ((double) cap * s->dim * sizeof(double) > (double) MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many points for one persistence computation"),
				 errhint(PERS_HINT)));
	if (s->points == NULL)
	{
		s->points = MemoryContextAllocHuge(s->cxt, sizeof(double) * cap * s->dim);
		if (s->sample > 0)
			s->hash = MemoryContextAllocHuge(s->cxt, sizeof(uint64) * cap);
		if (s->with_ids)
			s->ids = MemoryContextAllocHuge(s->cxt, sizeof(int64) * cap);
	}
	else
	{
		s->points = repalloc_huge(s->points, sizeof(double) * cap * s->dim);
		if (s->sample > 0)
			s->hash = repalloc_huge(s->hash, sizeof(uint64) * cap);
		if (s->with_ids)
			s->ids = repalloc_huge(s->ids, sizeof(int64) * cap);
	}
	s->cap = cap;
}

/*
 * add a point: keep it all, or keep it if its hash is among the smallest;
 * id is kept beside it in the id form (topembed.landmarks)
 */
void
te_pers_state_add(PersState *s, const double *x, int64 id)
{
	if (s->sample == 0)
	{
		if (s->epsilon > 0.0)
		{
			/* sparse form: every point, bounded by memory, not max_points */
			grow(s);
			memcpy(s->points + s->n * s->dim, x, sizeof(double) * s->dim);
			s->n++;
			if ((s->n & 1023) == 0)
				check_sparse_memory(s->n, s->dim, true);
			return;
		}
		if (s->landmarks > 0)
		{
			/* landmark form: every point, bounded by memory, not max_points */
			grow(s);
			memcpy(s->points + s->n * s->dim, x, sizeof(double) * s->dim);
			if (s->with_ids)
				s->ids[s->n] = id;
			s->n++;
			if ((s->n & 1023) == 0)
				check_landmark_memory(s->n, s->dim, s->landmarks, s->max_dim, s->threshold, true,
									  !s->with_ids);
			return;
		}
		if (s->n >= te_max_points)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s got more than topembed.max_points (%d) rows",
							s->what ? s->what : "topembed.persistence", te_max_points),
					 s->what ?
					 errhint("Compare a sample of the rows, or raise topembed.max_points.") :
					 errhint("Sample the input with topembed.persistence(e, max_dim, metric, threshold, sample), or raise topembed.max_points.")));
		grow(s);
		memcpy(s->points + s->n * s->dim, x, sizeof(double) * s->dim);
		s->n++;
		/* refuse early rather than after reading every row */
		if ((s->n & 1023) == 0)
			te_persistence_check_memory(s->n, s->dim, s->max_dim, s->threshold, true, s->hint);
		return;
	}
	else
	{
		/* the bottom-k hash sample of sample.c, as point_sample keeps it */
		double	   *tmp = palloc(sizeof(double) * s->dim);
		TeSampleHeap h;

		if (s->n < s->sample)
			grow(s);
		h.points = s->points;
		h.hash = s->hash;
		h.n = s->n;
		h.k = s->sample;
		h.dim = s->dim;
		te_sample_offer(&h, x, te_point_hash(x, s->dim), tmp);
		s->n = h.n;
		pfree(tmp);
	}
}

/* a new state in the aggregate context */
PersState *
te_pers_state_new(MemoryContext aggcxt, int dim)
{
	PersState  *s = MemoryContextAllocZero(aggcxt, sizeof(PersState));

	s->cxt = aggcxt;
	s->dim = dim;
	s->threshold = NAN;
	return s;
}

/*
 * The common step of the transition functions: the embedding in argument
 * arg (with_ids: its id in argument arg - 1) with the parameters read from
 * the row (a NULL state pointer is no state yet)
 */
static Datum
accumulate(FunctionCallInfo fcinfo, MemoryContext aggcxt, int arg, bool with_ids, int32 max_dim,
		   TeMetric metric, double threshold, int32 sample, int32 landmarks, double epsilon)
{
	PersState  *s = PG_ARGISNULL(0) ? NULL : (PersState *) PG_GETARG_POINTER(0);
	TeEmbedding e;
	double	   *x;
	int64		id = 0;

	if (PG_ARGISNULL(arg))
	{
		/* a NULL row is skipped; no state yet stays a SQL NULL */
		if (s == NULL)
			PG_RETURN_NULL();
		check_same_params(s, max_dim, metric, threshold, sample, landmarks, epsilon);
		PG_RETURN_POINTER(s);
	}
	if (with_ids)
	{
		if (PG_ARGISNULL(arg - 1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("id must not be NULL"),
					 errdetail("Every landmark is named by its id.")));
		id = PG_GETARG_INT64(arg - 1);
	}
	e = te_embedding_arg(fcinfo, arg, NULL, s ? s->dim : 0);
	if (s == NULL)
		{
		s = te_pers_state_new(aggcxt, e.dim);
		s->with_ids = with_ids;
	}
	if (!s->params_set)
	{
		s->max_dim = max_dim;
		s->metric = metric;
		s->threshold = threshold;
		s->sample = sample;
		s->landmarks = landmarks;
		s->epsilon = epsilon;
		s->params_set = true;
	}
	else
		check_same_params(s, max_dim, metric, threshold, sample, landmarks, epsilon);

	x = palloc(sizeof(double) * e.dim);
	te_embedding_to_double(&e, NULL, x);
	te_pers_state_add(s, x, id);
	pfree(x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(topembed_persistence_transfn);

/* transition: (state, embedding [, max_dim [, metric [, threshold [, sample]]]]) */
Datum
topembed_persistence_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	int32		max_dim,
				sample;
	TeMetric	metric;
	double		threshold;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("persistence_transfn called in non-aggregate context")));
	te_persistence_params(fcinfo, 2, &max_dim, &metric, &threshold, &sample);
	return accumulate(fcinfo, aggcxt, 1, false, max_dim, metric, threshold, sample, 0, 0.0);
}

/* the number of landmarks in argument argno: not NULL, at least 1 */
static int32
read_landmark_count(FunctionCallInfo fcinfo, int argno, const char *name)
{
	int32		k;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	k = PG_GETARG_INT32(argno);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1, not %d", name, k)));
	return k;
}

PG_FUNCTION_INFO_V1(topembed_landmark_persistence_transfn);

/* transition: (state, embedding, landmarks [, max_dim [, metric [, threshold]]]) */
Datum
topembed_landmark_persistence_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	int32		max_dim,
				sample,
				landmarks;
	TeMetric	metric;
	double		threshold;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("landmark_persistence_transfn called in non-aggregate context")));
	landmarks = read_landmark_count(fcinfo, 2, "landmarks");
	/* max_dim, metric, threshold from argument 3; there is no sample argument */
	te_persistence_params(fcinfo, 3, &max_dim, &metric, &threshold, &sample);
	return accumulate(fcinfo, aggcxt, 1, false, max_dim, metric, threshold, 0, landmarks, 0.0);
}

/* epsilon in argument argno: not NULL, positive and finite (sparse_persistence and its estimate) */
double
te_read_epsilon(FunctionCallInfo fcinfo, int argno)
{
	double		eps;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("epsilon must not be NULL")));
	eps = PG_GETARG_FLOAT8(argno);
	if (!(eps > 0.0) || isinf(eps))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epsilon must be a positive finite number, not %g", eps),
				 errhint("epsilon = 0.5 bounds the bottleneck distance of the log-scale diagrams by log(1.5); the exact diagram is topembed.persistence.")));
	return eps;
}

/* ERROR 0A000 for a max_dim above 1, which sparse persistence does not compute */
void
te_sparse_check_max_dim(int32 max_dim)
{
	if (max_dim > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sparse persistence computes H0 and H1 only, not up to H%d", max_dim),
				 errhint("topembed.persistence gives H2 and H3 exactly, or of landmarks with topembed.landmark_persistence.")));
}

PG_FUNCTION_INFO_V1(topembed_sparse_persistence_transfn);

/* transition: (state, embedding, epsilon [, max_dim [, metric]]) */
Datum
topembed_sparse_persistence_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	int32		max_dim,
				sample;
	TeMetric	metric;
	double		threshold,
				eps;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sparse_persistence_transfn called in non-aggregate context")));
	eps = te_read_epsilon(fcinfo, 2);
	/* max_dim and metric from argument 3; there is no threshold or sample */
	te_persistence_params(fcinfo, 3, &max_dim, &metric, &threshold, &sample);
	te_sparse_check_max_dim(max_dim);
	return accumulate(fcinfo, aggcxt, 1, false, max_dim, metric, NAN, 0, 0, eps);
}

PG_FUNCTION_INFO_V1(topembed_landmarks_transfn);

/* transition of topembed.landmarks: (state, id, embedding, k [, metric]) */
Datum
topembed_landmarks_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	int32		k;
	TeMetric	metric = TE_METRIC_COSINE;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("landmarks_transfn called in non-aggregate context")));
	k = read_landmark_count(fcinfo, 3, "k");
	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("metric must not be NULL")));
		metric = te_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(4)));
	}
	return accumulate(fcinfo, aggcxt, 2, true, 0, metric, NAN, 0, k, 0.0);
}

PG_FUNCTION_INFO_V1(topembed_persistence_combinefn);

/* combine two partial states: concatenate, or merge the two samples */
Datum
topembed_persistence_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PersState  *a,
			   *b;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("persistence_combinefn called in non-aggregate context")));
	a = PG_ARGISNULL(0) ? NULL : (PersState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (PersState *) PG_GETARG_POINTER(1);
	if (b == NULL || !b->params_set)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL || !a->params_set)
	{
		a = te_pers_state_new(aggcxt, b->dim);
		a->with_ids = b->with_ids;
		a->max_dim = b->max_dim;
		a->metric = b->metric;
		a->threshold = b->threshold;
		a->sample = b->sample;
		a->landmarks = b->landmarks;
		a->epsilon = b->epsilon;
		a->params_set = true;
	}
	else
		check_same_params(a, b->max_dim, b->metric, b->threshold, b->sample, b->landmarks,
						  b->epsilon);
	te_pers_state_append(a, b);
	PG_RETURN_POINTER(a);
}

/* add every point of b to a (the same dimension, or ERROR) */
void
te_pers_state_append(PersState *a, const PersState *b)
{
	int64		i;

	te_check_dim(NULL, a->dim, b->dim);
	for (i = 0; i < b->n; i++)
		te_pers_state_add(a, b->points + i * b->dim, b->ids ? b->ids[i] : 0);
}

/* write a state as a "TEps" blob, the parallel hand-over's format */
void
te_pers_state_put(StringInfo si, const PersState *s)
{
	int64		i;

	te_blob_begin(si, "TEps", 3);
	te_blob_put_int32(si, s->dim);
	te_blob_put_int32(si, s->params_set);
	te_blob_put_int32(si, s->max_dim);
	te_blob_put_int32(si, (int32) s->metric);
	te_blob_put_float8(si, s->threshold);
	te_blob_put_int32(si, s->sample);
	te_blob_put_int32(si, s->landmarks);	/* version 2 */
	te_blob_put_int32(si, s->with_ids);	/* version 2 */
	te_blob_put_float8(si, s->epsilon);	/* version 3 */
	te_blob_put_int64(si, s->n);
	te_blob_put_float8s(si, s->points, (size_t) s->n * s->dim);
	for (i = 0; s->with_ids && i < s->n; i++)
		te_blob_put_int64(si, s->ids[i]);
	te_blob_end(si);
}

/* read back what te_pers_state_put wrote (its points are re-added, so samples re-heap) */
PersState *
te_pers_state_get(MemoryContext aggcxt, const char *buf, size_t len)
{
	TeBlobReader r;
	PersState  *s;
	int64		n,
				i;
	double	   *points;
	int			version;

	version = te_blob_open(&r, "persistence state", "TEps", buf, len, 3);
	s = te_pers_state_new(aggcxt, te_blob_get_int32(&r));
	s->params_set = te_blob_get_int32(&r);
	s->max_dim = te_blob_get_int32(&r);
	s->metric = (TeMetric) te_blob_get_int32(&r);
	s->threshold = te_blob_get_float8(&r);
	s->sample = te_blob_get_int32(&r);
	s->landmarks = version >= 2 ? te_blob_get_int32(&r) : 0;
	s->with_ids = version >= 2 ? te_blob_get_int32(&r) != 0 : false;
	s->epsilon = version >= 3 ? te_blob_get_float8(&r) : 0.0;
	n = te_blob_get_int64(&r);
	if (s->dim < 1 || s->dim > TE_MAX_DIM || n < 0 || s->sample < 0 || s->landmarks < 0 ||
		(s->sample > 0 && s->landmarks > 0) || (s->with_ids && s->landmarks == 0) ||
		!(s->epsilon >= 0.0) || isinf(s->epsilon) ||
		(s->epsilon > 0.0 && (s->sample > 0 || s->landmarks > 0)))
		te_blob_corrupt(&r, "bad header");
	/* no more points than the bytes left can hold, before sizing anything by n */
	if ((uint64) n > (r.len - r.pos) / (sizeof(double) * (size_t) s->dim))
		te_blob_corrupt(&r, "more points than the value holds");
	points = palloc_extended(sizeof(double) * Max(n, 1) * s->dim, MCXT_ALLOC_HUGE);
	te_blob_get_float8s(&r, points, (size_t) n * s->dim);
	for (i = 0; i < n; i++)
		te_pers_state_add(s, points + i * s->dim, s->with_ids ? te_blob_get_int64(&r) : 0);
	pfree(points);
	te_blob_close(&r);
	return s;
}

PG_FUNCTION_INFO_V1(topembed_persistence_serialfn);

/* serialise a partial state for a parallel worker's hand-over */
Datum
topembed_persistence_serialfn(PG_FUNCTION_ARGS)
{
	PersState  *s = (PersState *) PG_GETARG_POINTER(0);
	StringInfoData si;

	initStringInfo(&si);
	te_pers_state_put(&si, s);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_persistence_deserialfn);

/* rebuild a partial state (its points are re-added, so samples re-heap) */
Datum
topembed_persistence_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;

	if (!te_in_agg(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("persistence_deserialfn called in non-aggregate context")));
	PG_RETURN_POINTER(te_pers_state_get(aggcxt, VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in)));
}

/* a persistence_pair[] from a diagram; elemtype is the composite's type */
static ArrayType *
diagram_array(const TeDiagram *d, Oid elemtype)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	Datum	   *elems = palloc(sizeof(Datum) * Max(d->n_pairs, 1));
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		i;

	if (tupdesc->natts != 3)
		elog(ERROR, "topembed.persistence_pair has %d attributes, expected 3", tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < d->n_pairs; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(d->pairs[i].dim);
		values[1] = Float8GetDatum(d->pairs[i].birth);
		values[2] = Float8GetDatum(d->pairs[i].death);
		elems[i] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(elems, (int) d->n_pairs, elemtype, typlen, typbyval, typalign);
}

/*
 * Run the engine with the limits of the GUCs and the progress reports,
 * allocating in work: the diagram into d and, when gen is set, its
 * generators (te_rips_points only).  ERROR on any failure.
 */
void
te_persistence_run(MemoryContext work, const double *points, const double *lower, int64 n, int dim,
				   TeMetric metric, int max_dim, double threshold, int modulus,
				   TeRipsGenerators *gen, TeDiagram *d)
{
	MemoryContext old;
	TeRipsOptions opt;
	TeEnv		env;
	TeStatus	st;
	TeRipsStats stats;
	TeProgressState progress;

	te_persistence_check_memory(n, points ? dim : 0, max_dim, threshold, false, NULL);
	te_rips_options_init(&opt);
	opt.max_dim = max_dim;
	opt.threshold = threshold;
	opt.modulus = modulus;
	opt.memory_limit = (size_t) te_persistence_memory_limit_kb * 1024;
	opt.stats = &stats;
	opt.generators = gen;
	opt.threads = te_persistence_threads_now();
	memset(d, 0, sizeof(*d));
	te_env_init(&env, work);
	te_progress_begin(&progress, &env, "topembed.persistence");
	old = MemoryContextSwitchTo(work);
	if (points)
		st = te_rips_points(&env, points, n, dim, metric, &opt, d);
	else
		st = te_rips_distances(&env, lower, n, &opt, d);
	MemoryContextSwitchTo(old);
	if (st == TE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("persistence exceeded topembed.persistence_memory_limit (%d MB) while running",
						te_persistence_memory_limit_kb / 1024),
				 errdetail_internal("%s", env.msg),
				 errhint(PERS_HINT)));
	te_check_status(st, &env, "persistence");
	te_progress_end(&progress);
	/* what the run took beside what the model said (persistence_estimate) */
	ereport(DEBUG1,
			(errmsg_internal("persistence of %lld points up to H%d: peak tracked memory %zu bytes, %lld edges within the threshold; estimated %.0f bytes with the points",
							 (long long) n, max_dim, stats.peak_bytes, (long long) stats.n_edges,
							 te_persistence_need_bytes(n, points ? dim : 0, max_dim, threshold))));
}

/* the diagram of the engine as a persistence_pair[], in a private context */
static ArrayType *
run_engine(FunctionCallInfo fcinfo, const double *points, const double *lower, int64 n, int dim,
		   TeMetric metric, int max_dim, double threshold, int modulus)
{
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "topembed persistence",
											   ALLOCSET_DEFAULT_SIZES);
	TeDiagram	d;
	ArrayType  *result;

	te_persistence_run(work, points, lower, n, dim, metric, max_dim, threshold, modulus, NULL, &d);
	result = diagram_array(&d, te_result_elemtype(fcinfo, "persistence_pair"));
	MemoryContextDelete(work);
	return result;
}

/*
 * NOTICE when the threshold is above every distance the metric can give: it
 * then limits nothing, and persistence(e, 1, 'cosine', 1000) was most likely
 * meant as a sample of 1000
 */
static void
notice_idle_threshold(const PersState *s)
{
	double		max = te_metric_max_distance(s->metric);

	if (!isfinite(s->threshold) || s->threshold <= max)
		return;
	if (s->sample == 0 && s->landmarks == 0 && s->threshold == floor(s->threshold) &&
		s->threshold <= PG_INT32_MAX)
		ereport(NOTICE,
				(errmsg("threshold %g is above the largest %s distance (%g), so it limits nothing",
						s->threshold, te_metric_name(s->metric), max),
				 errhint("The fourth argument is the threshold and the fifth the sample size: for a sample of %.0f points write topembed.persistence(embedding, %d, '%s', NULL, %.0f).",
						 s->threshold, s->max_dim, te_metric_name(s->metric), s->threshold)));
	else
		ereport(NOTICE,
				(errmsg("threshold %g is above the largest %s distance (%g), so it limits nothing",
						s->threshold, te_metric_name(s->metric), max),
				 errhint("A NULL threshold stops the filtration at the enclosing radius, where nothing changes any more.")));
}

PG_FUNCTION_INFO_V1(topembed_persistence_finalfn);

/* final function: the diagram of the accumulated (or sampled) points */
Datum
topembed_persistence_finalfn(PG_FUNCTION_ARGS)
{
	PersState  *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PersState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	notice_idle_threshold(s);
	PG_RETURN_ARRAYTYPE_P(run_engine(fcinfo, s->points, NULL, s->n, s->dim, s->metric,
									 s->max_dim, s->threshold, 2));
}

/* a point's place in the deterministic order of landmark persistence */
typedef struct LandmarkKey
{
	uint64		hash;
	int64		row;
} LandmarkKey;

/* order by the hash of the values, then by the values (row order never counts) */
static int
landmark_key_cmp(const void *a, const void *b, void *arg)
{
	const LandmarkKey *ka = a,
			   *kb = b;
	const PersState *s = arg;
	const double *xa = s->points + ka->row * s->dim,
			   *xb = s->points + kb->row * s->dim;
	int			i;

	if (ka->hash != kb->hash)
		return ka->hash < kb->hash ? -1 : 1;
	for (i = 0; i < s->dim; i++)
		if (xa[i] != xb[i])
			return xa[i] < xb[i] ? -1 : 1;
	if (s->with_ids && s->ids[ka->row] != s->ids[kb->row])
		return s->ids[ka->row] < s->ids[kb->row] ? -1 : 1;
	return 0;
}

/*
 * The points of s in a order that depends only on their values: by
 * te_point_hash, then by the values (then by id); a copy in the current
 * context, and with ids the ids in the same order
 */
static double *
sorted_points(const PersState *s, int64 **ids)
{
	LandmarkKey *keys = palloc_extended(sizeof(LandmarkKey) * s->n, MCXT_ALLOC_HUGE);
	double	   *out = palloc_extended(sizeof(double) * s->n * s->dim, MCXT_ALLOC_HUGE);
	int64		i;

	for (i = 0; i < s->n; i++)
	{
		keys[i].hash = te_point_hash(s->points + i * s->dim, s->dim);
		keys[i].row = i;
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	qsort_arg(keys, s->n, sizeof(LandmarkKey), landmark_key_cmp, (void *) s);
	for (i = 0; i < s->n; i++)
		memcpy(out + i * s->dim, s->points + keys[i].row * s->dim, sizeof(double) * s->dim);
	if (ids)
	{
		*ids = palloc_extended(sizeof(int64) * s->n, MCXT_ALLOC_HUGE);
		for (i = 0; i < s->n; i++)
			(*ids)[i] = s->ids[keys[i].row];
	}
	pfree(keys);
	return out;
}

PG_FUNCTION_INFO_V1(topembed_landmark_persistence_finalfn);

/*
 * final function of landmark_persistence: farthest-point sampling of
 * landmarks points from the point that comes first in the order of
 * sorted_points, then the diagram of the landmarks, as a landmark_diagram
 * (diagram, covering_radius, landmarks, points)
 */
Datum
topembed_landmark_persistence_finalfn(PG_FUNCTION_ARGS)
{
	PersState  *s;
	double	   *sorted,
			   *chosen;
	TeLandmarks lm;
	TeEnv		env;
	TeStatus	st;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PersState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	if (s->landmarks > s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("landmarks must be between 1 and the number of points (%lld), not %d",
						(long long) s->n, s->landmarks),
				 errhint("With every point as a landmark the covering radius is 0: topembed.persistence(embedding, max_dim, metric, threshold) gives that diagram.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 4)
		elog(ERROR, "topembed.landmark_diagram must be a composite of 4 attributes");
	check_landmark_memory(s->n, s->dim, s->landmarks, s->max_dim, s->threshold, false, true);
	notice_idle_threshold(s);

	sorted = sorted_points(s, NULL);
	te_env_init(&env, CurrentMemoryContext);
	st = te_landmarks_threads(&env, sorted, s->n, s->dim, s->metric, s->landmarks, 0,
							  te_persistence_threads_now(), &lm);
	te_check_status(st, &env, "farthest-point sampling");
	chosen = palloc_extended(sizeof(double) * lm.k * s->dim, MCXT_ALLOC_HUGE);
	for (r = 0; r < lm.k; r++)
		memcpy(chosen + r * s->dim, sorted + lm.index[r] * s->dim, sizeof(double) * s->dim);
	pfree(sorted);

	values[0] = PointerGetDatum(run_engine(fcinfo, chosen, NULL, lm.k, s->dim, s->metric,
										   s->max_dim, s->threshold, 2));
	values[1] = Float8GetDatum(lm.covering_radius);
	values[2] = Int32GetDatum((int32) lm.k);
	values[3] = Int64GetDatum(s->n);
	te_landmarks_free(&env, &lm);
	pfree(chosen);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(topembed_sparse_persistence_finalfn);

/*
 * final function of sparse_persistence: the sparse Rips filtration of the
 * points (in the order of sorted_points, so that the greedy permutation
 * does not depend on the row order) and its diagram, as a sparse_diagram
 * (diagram, epsilon, edges, points)
 */
Datum
topembed_sparse_persistence_finalfn(PG_FUNCTION_ARGS)
{
	PersState  *s;
	double	   *sorted;
	MemoryContext work,
				old;
	TeRipsOptions opt;
	TeRipsStats stats;
	TeRipsSparseInfo info;
	TeProgressState progress;
	TeDiagram	d;
	TeEnv		env;
	TeStatus	st;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PersState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 4)
		elog(ERROR, "topembed.sparse_diagram must be a composite of 4 attributes");
	check_sparse_memory(s->n, s->dim, false);
	if (s->n > TE_RIPS_SPARSE_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparse persistence supports at most %d points, not %lld",
						TE_RIPS_SPARSE_MAX_POINTS, (long long) s->n),
				 errhint(SPARSE_HINT)));

	sorted = sorted_points(s, NULL);
	work = AllocSetContextCreate(CurrentMemoryContext, "topembed sparse persistence",
								 ALLOCSET_DEFAULT_SIZES);
	te_rips_options_init(&opt);
	opt.max_dim = s->max_dim;
	opt.memory_limit = (size_t) te_persistence_memory_limit_kb * 1024;
	opt.stats = &stats;
	opt.threads = te_persistence_threads_now();
	te_env_init(&env, work);
	te_progress_begin(&progress, &env, "topembed.sparse_persistence");
	old = MemoryContextSwitchTo(work);
	st = te_rips_sparse(&env, sorted, s->n, s->dim, s->metric, s->epsilon, &opt, &info, &d);
	MemoryContextSwitchTo(old);
	pfree(sorted);
	if (st == TE_LIMIT && info.n_edges >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparse persistence: the sparse graph has more than %d edges, the most it takes",
						PG_INT32_MAX),
				 errdetail_internal("%s", env.msg),
				 errhint("A larger epsilon keeps fewer edges; topembed.landmark_persistence bounds the work on any number of points.")));
	if (st == TE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparse persistence exceeded topembed.persistence_memory_limit (%d MB) while running",
						te_persistence_memory_limit_kb / 1024),
				 errdetail_internal("%s", env.msg),
				 errhint(SPARSE_HINT)));
	te_check_status(st, &env, "sparse persistence");
	te_progress_end(&progress);
	ereport(DEBUG1,
			(errmsg_internal("sparse persistence of %lld points up to H%d at epsilon %g (mu %.9g): %lld edges of %.0f pairs, peak tracked memory %zu bytes",
							 (long long) s->n, s->max_dim, s->epsilon, info.mu,
							 (long long) info.n_edges, (double) s->n * (double) (s->n - 1) / 2.0,
							 stats.peak_bytes)));

	/* on data of high intrinsic dimension the graph is hardly sparse */
	if (s->n >= 100 && (double) info.n_edges > 0.5 * (double) s->n * (double) (s->n - 1) / 2.0)
		ereport(NOTICE,
				(errmsg("the sparse graph kept %.0f%% of the %.0f pairs at epsilon %g",
						100.0 * (double) info.n_edges / ((double) s->n * (double) (s->n - 1) / 2.0),
						(double) s->n * (double) (s->n - 1) / 2.0, s->epsilon),
				 errhint("On data of high intrinsic dimension the sparse filtration saves little: topembed.persistence is exact and faster up to %d points, topembed.landmark_persistence bounds the work beyond.",
						 TE_RIPS_MAX_POINTS_HIGHER)));
	values[0] = PointerGetDatum(diagram_array(&d, te_result_elemtype(fcinfo, "persistence_pair")));
	values[1] = Float8GetDatum(info.epsilon);
	values[2] = Int64GetDatum(info.n_edges);
	values[3] = Int64GetDatum(s->n);
	MemoryContextDelete(work);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(topembed_landmarks_finalfn);

/*
 * final function of topembed.landmarks: the k landmarks of farthest-point
 * sampling, as landmark_persistence chooses them, as a landmark[] of (id,
 * rank from 1, radius: the distance to the earlier landmarks when it joined)
 */
Datum
topembed_landmarks_finalfn(PG_FUNCTION_ARGS)
{
	PersState  *s;
	double	   *sorted;
	int64	   *ids;
	TeLandmarks lm;
	TeEnv		env;
	TeStatus	st;
	Oid			elemtype;
	TupleDesc	tupdesc;
	Datum	   *elems;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PersState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	if (s->landmarks > s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and the number of points (%lld), not %d",
						(long long) s->n, s->landmarks)));
	check_landmark_memory(s->n, s->dim, s->landmarks, 0, NAN, false, false);
	elemtype = te_result_elemtype(fcinfo, "landmark");
	tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	if (tupdesc->natts != 3)
		elog(ERROR, "topembed.landmark has %d attributes, expected 3", tupdesc->natts);

	sorted = sorted_points(s, &ids);
	te_env_init(&env, CurrentMemoryContext);
	st = te_landmarks_threads(&env, sorted, s->n, s->dim, s->metric, s->landmarks, 0,
							  te_persistence_threads_now(), &lm);
	te_check_status(st, &env, "farthest-point sampling");
	pfree(sorted);
	elems = palloc(sizeof(Datum) * lm.k);
	for (r = 0; r < lm.k; r++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(ids[lm.index[r]]);
		values[1] = Int32GetDatum((int32) r + 1);
		values[2] = Float8GetDatum(lm.radius[r]);
		elems[r] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) lm.k, elemtype, typlen, typbyval, typalign));
}

PG_FUNCTION_INFO_V1(topembed_persistence_of_sample);

/*
 * topembed.persistence(sample point_sample, max_dim, metric, threshold): the
 * diagram of a stored or merged sample's points, the same as the sampled
 * aggregate's of the rows the sample was drawn from
 */
Datum
topembed_persistence_of_sample(PG_FUNCTION_ARGS)
{
	PersState	s;
	const double *points;
	int32		sample;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	memset(&s, 0, sizeof(s));
	te_persistence_params(fcinfo, 1, &s.max_dim, &s.metric, &s.threshold, &sample);
	points = te_point_sample_points(fcinfo, 0, &s.n, &s.dim);
	if (s.n == 0)
		PG_RETURN_NULL();
	s.sample = 1;
	notice_idle_threshold(&s);
	PG_RETURN_ARRAYTYPE_P(run_engine(fcinfo, points, NULL, s.n, s.dim, s.metric,
									 s.max_dim, s.threshold, 2));
}

/* the number of points n of a lower triangle of len values, or -1 */
static int64
points_of_triangle(int64 len)
{
	int64		n = (int64) floor((1.0 + sqrt(1.0 + 8.0 * (double) len)) / 2.0);

	for (; n >= 1 && n * (n - 1) / 2 > len; n--)
		;
	for (; n * (n - 1) / 2 < len; n++)
		;
	return n * (n - 1) / 2 == len ? n : -1;
}

PG_FUNCTION_INFO_V1(topembed_persistence_from_distances);

/*
 * topembed.persistence_from_distances(distances float8[], max_dim int,
 * threshold float8, modulus int): a lower triangle in Ripser's order (1-D,
 * n(n-1)/2 values) or a full symmetric n x n matrix with a zero diagonal
 */
Datum
topembed_persistence_from_distances(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	int32		max_dim;
	double		threshold = NAN;
	int32		modulus;
	double	   *v,
			   *lower;
	int			nelems;
	int64		n,
				i,
				j;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("max_dim and modulus must not be NULL")));
	arr = PG_GETARG_ARRAYTYPE_P(0);
	max_dim = PG_GETARG_INT32(1);
	modulus = PG_GETARG_INT32(3);
	if (!PG_ARGISNULL(2))
		threshold = PG_GETARG_FLOAT8(2);
	if (max_dim < 0 || max_dim > TE_RIPS_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_dim must be between 0 and %d, not %d", TE_RIPS_MAX_DIM, max_dim)));
	if (isnan(threshold) ? !PG_ARGISNULL(2) : threshold < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold must be a non-negative number or NULL, not %g", threshold)));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("distances must not contain NULL")));
	nelems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	v = (double *) ARR_DATA_PTR(arr);
	for (i = 0; i < nelems; i++)
		if (!isfinite(v[i]) || v[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("distances must be finite and non-negative; element %lld is %g",
							(long long) i + 1, v[i])));

	if (ARR_NDIM(arr) == 2)
	{
		n = ARR_DIMS(arr)[0];
		if (ARR_DIMS(arr)[1] != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("a distance matrix must be square, not %d x %d", ARR_DIMS(arr)[0], ARR_DIMS(arr)[1])));
		if (n > TE_RIPS_MAX_POINTS_HIGHER)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a distance matrix of %lld points is too large", (long long) n)));
		lower = palloc(sizeof(double) * Max(n * (n - 1) / 2, 1));
		for (i = 0; i < n; i++)
		{
			double		scale;

			if (v[i * n + i] != 0.0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("the diagonal of a distance matrix must be 0; element [%lld][%lld] is %g",
								(long long) i + 1, (long long) i + 1, v[i * n + i])));
			for (j = 0; j < i; j++)
			{
				scale = Max(fabs(v[i * n + j]), fabs(v[j * n + i]));
				if (fabs(v[i * n + j] - v[j * n + i]) > 1e-12 * Max(scale, 1e-300))
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("a distance matrix must be symmetric; [%lld][%lld] is %g but [%lld][%lld] is %g",
									(long long) i + 1, (long long) j + 1, v[i * n + j],
									(long long) j + 1, (long long) i + 1, v[j * n + i])));
				lower[i * (i - 1) / 2 + j] = v[i * n + j];
			}
		}
	}
	else if (ARR_NDIM(arr) == 1)
	{
		n = points_of_triangle(nelems);
		if (n < 0)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d values are not a lower triangle: n(n-1)/2 values are needed for n points", nelems),
					 errhint("Pass a full matrix as a two-dimensional array.")));
		lower = v;
	}
	else if (ARR_NDIM(arr) == 0)
		PG_RETURN_NULL();
	else
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("distances must be a one- or two-dimensional array, not %d-dimensional", ARR_NDIM(arr))));

	if (n > te_max_points)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a distance matrix of %lld points exceeds topembed.max_points (%d)",
						(long long) n, te_max_points)));
	if (modulus < 2 || modulus > TE_RIPS_MAX_MODULUS || !te_is_prime(modulus))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("modulus must be a prime between 2 and %d, not %d", TE_RIPS_MAX_MODULUS, modulus)));
	PG_RETURN_ARRAYTYPE_P(run_engine(fcinfo, NULL, lower, n, 0, TE_METRIC_EUCLIDEAN,
									 max_dim, threshold, modulus));
}
