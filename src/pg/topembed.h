/*
 * topembed.h - shared declarations of the PostgreSQL face
 */
#ifndef TOPEMBED_PG_H
#define TOPEMBED_PG_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#include "topembed/common.h"
#include "topembed/distance.h"
#include "topembed/rips.h"

/* the largest embedding any function accepts */
#define TE_MAX_DIM 16000

/* the hint of every zero-vector refusal */
#define TE_ZERO_VECTOR_HINT "A zero vector has no direction. Leave such rows out with WHERE NOT embedding <@ '{0}' (true when every element is 0)."

/* GUCs (module.c) */
extern int	te_blas_threads;
extern int	te_moments_max_dim;
extern int	te_max_points;
extern int	te_persistence_memory_limit_kb;
extern int	te_progress_level;		/* topembed.progress: 0 (off), NOTICE or LOG */
extern int	te_progress_interval_ms;
extern int	te_persistence_threads;	/* topembed.persistence_threads: 0 = automatic */

/* module.c: the engine threads topembed.persistence_threads gives this backend now */
extern int	te_persistence_threads_now(void);

/* env.c: the core's allocator and interrupt check on palloc */
extern void te_env_init(TeEnv *env, MemoryContext cxt);
extern void te_raise(TeStatus status, TeEnv *env, const char *what) pg_attribute_noreturn();
extern void te_check_status(TeStatus status, TeEnv *env, const char *what);

/*
 * env.c: progress reports of one long computation (topembed.progress).
 * te_progress_begin hooks them into env when the setting asks for them;
 * te_progress_end says how long the whole run took, if anything was
 * reported.  The struct must outlive the core call.
 */
typedef struct TeProgressState
{
	const char *what;			/* the SQL function, as the messages name it */
	int64		start;			/* TimestampTz of te_progress_begin */
	int64		last;			/* of the last report (start at first) */
	int			level;			/* NOTICE or LOG */
	int			reports;
} TeProgressState;
extern void te_progress_begin(TeProgressState *ps, TeEnv *env, const char *what);
extern void te_progress_end(TeProgressState *ps);

/* input.c: reading and validating embeddings */
typedef struct TeEmbedding
{
	int			dim;
	Oid			elemtype;		/* FLOAT4OID or FLOAT8OID */
	const void *data;			/* points into the array */
} TeEmbedding;

extern bool te_embedding_problem(ArrayType *arr, int expected_dim,
								 char *buf, size_t buflen, int *sqlstate);
extern TeEmbedding te_embedding_get(ArrayType *arr, const char *what, int expected_dim);
extern void te_embedding_to_double(const TeEmbedding *e, const char *what, double *out);
extern void te_raise_if_invalid(ArrayType *arr, const char *what, int expected_dim);
extern double *te_embedding_read(ArrayType *arr, const char *what, int expected_dim, int *dim);
extern void te_check_dim(const char *what, int expected, int actual);
extern ArrayType *te_float8_array(const double *v, int n);
extern ArrayType *te_float4_array(const double *v, int n);
extern ArrayType *te_float8_matrix(const double *v, int rows, int cols);
extern bool te_in_agg(FunctionCallInfo fcinfo, MemoryContext *aggcxt);
extern MemoryContext te_agg_context(FunctionCallInfo fcinfo, const char *fname);
extern Oid	te_result_elemtype(FunctionCallInfo fcinfo, const char *typname);

/* pgvector.c: an embedding argument, real[]/float8[] or pgvector's types */
extern TeEmbedding te_embedding_arg(FunctionCallInfo fcinfo, int argno, const char *what,
									int expected_dim);
extern void te_raise_if_invalid_arg(FunctionCallInfo fcinfo, int argno, const char *what,
									int expected_dim);

/* rips.c: metric names (case-insensitive, pgvector's names as aliases) */
extern TeMetric te_metric_from_name(const char *name);
extern double te_metric_max_distance(TeMetric metric);
/*
 * rips.c: the state of the persistence aggregates, the points gathered
 * (all, or a bottom-k hash sample) and the first row's parameters; also the
 * state of topembed.projection_quality's points (projection.c)
 */
typedef struct TePersState
{
	MemoryContext cxt;
	int			dim;
	int64		n;				/* points kept */
	int64		cap;
	double	   *points;			/* n x dim */
	uint64	   *hash;			/* sampled form: hash of each kept point */
	int32		max_dim;
	int32		sample;			/* 0 = keep every point */
	int32		landmarks;		/* landmark forms: landmarks to choose; 0 = not */
	double		epsilon;		/* sparse form: the guarantee 1 + epsilon; 0 = not */
	bool		with_ids;		/* topembed.landmarks(id, ...): ids kept beside */
	int64	   *ids;			/* the id of each point, if with_ids */
	TeMetric	metric;
	double		threshold;		/* NAN = enclosing radius */
	bool		params_set;
	const char *what;			/* the aggregate, for messages; NULL = persistence */
	const char *hint;			/* the hint of a refusal; NULL = persistence's */
} TePersState;

extern TePersState *te_pers_state_new(MemoryContext aggcxt, int dim);
extern void te_pers_state_add(TePersState *s, const double *x, int64 id);
extern void te_pers_state_append(TePersState *a, const TePersState *b);
extern void te_pers_state_put(StringInfo si, const TePersState *s);
extern TePersState *te_pers_state_get(MemoryContext aggcxt, const char *buf, size_t len);
/* rips.c: the memory model of the up-front refusal, in bytes (Infinity: too big) */
extern double te_persistence_need_bytes(int64 n, int dim, int max_dim, double threshold);
extern double te_sparse_need_bytes(int64 n, int dim, size_t *per_edge);
extern double te_read_epsilon(FunctionCallInfo fcinfo, int argno);
extern void te_sparse_check_max_dim(int32 max_dim);
/* rips.c: what the persistence aggregates share with persistence(id, embedding, ...) */
extern void te_persistence_check_memory(int64 n, int dim, int max_dim, double threshold,
										bool at_least, const char *hint);
extern void te_persistence_params(FunctionCallInfo fcinfo, int first, int32 *max_dim,
								  TeMetric *metric, double *threshold, int32 *sample);
extern void te_persistence_same_params(int32 max_dim0, TeMetric metric0, double threshold0,
									   int32 sample0, int32 max_dim, TeMetric metric,
									   double threshold, int32 sample);
extern void te_persistence_run(MemoryContext work, const double *points, const double *lower,
							   int64 n, int dim, TeMetric metric, int max_dim, double threshold,
							   int modulus, TeRipsGenerators *gen, TeDiagram *d);

/* gap.c: a gap_stats composite from core statistics */
struct TeGapStats;
extern Datum te_gap_stats_datum(FunctionCallInfo fcinfo, const struct TeGapStats *st,
								const double *gap_vector);

/* moments.c: sketch arguments */
struct TeMoments;
extern struct TeMoments *te_moments_arg(FunctionCallInfo fcinfo, int argno);
extern struct TeMoments *te_moments_flushed_copy(const struct TeMoments *src);

/* sample.c: the bottom-k hash sample of points and the point_sample type */
typedef struct TeSampleHeap
{
	double	   *points;			/* room for k x dim; n kept, a max-heap on hash */
	uint64	   *hash;
	int64		n;
	int64		k;
	int			dim;
} TeSampleHeap;

extern uint64 te_point_hash(const double *x, int dim);
extern void te_sample_offer(TeSampleHeap *h, const double *x, uint64 hx, double *tmp);
extern const double *te_point_sample_points(FunctionCallInfo fcinfo, int argno, int64 *n, int *dim);

/* diagram.c: persistence_pair[] arguments */
struct TePersPair;
extern struct TePersPair *te_diagram_arg(ArrayType *arr, int64 *n);
extern struct TePersPair *te_diagram_datum(Datum value, int64 *n);
extern double *te_grid_arg(ArrayType *arr, int *m, const char *what);

/* blob.c: versioned, checksummed serialisation of stored types */
typedef struct TeBlobReader
{
	const char *typname;
	const unsigned char *buf;
	size_t		len;
	size_t		pos;
} TeBlobReader;

extern void te_blob_begin(StringInfo si, const char magic[4], int version);
extern void te_blob_put_int32(StringInfo si, int32 v);
extern void te_blob_put_int64(StringInfo si, int64 v);
extern void te_blob_put_float8(StringInfo si, double v);
extern void te_blob_put_float8s(StringInfo si, const double *v, size_t n);
extern void te_blob_put_float4s(StringInfo si, const double *v, size_t n);
extern bool te_blob_all_float4(const double *v, size_t n);
extern void te_blob_end(StringInfo si);
extern int	te_blob_open(TeBlobReader *r, const char *typname, const char magic[4],
						 const void *buf, size_t len, int max_version);
extern int32 te_blob_get_int32(TeBlobReader *r);
extern int64 te_blob_get_int64(TeBlobReader *r);
extern double te_blob_get_float8(TeBlobReader *r);
extern void te_blob_get_float8s(TeBlobReader *r, double *v, size_t n);
extern void te_blob_get_float4s(TeBlobReader *r, double *v, size_t n);
extern void te_blob_close(TeBlobReader *r);
extern char *te_blob_to_text(const char *prefix, int version, StringInfo si);
extern bytea *te_blob_to_bytea(StringInfo si);
extern void te_blob_from_text(const char *typname, const char *prefix, const char *text,
							  StringInfo out);
extern void te_blob_corrupt(TeBlobReader *r, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

#endif							/* TOPEMBED_PG_H */
