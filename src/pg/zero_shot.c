/*
 * zero_shot.c - SQL face of zero-shot classification:
 * topembed.zero_shot(embedding, label, prompts), and the storable state
 * topembed.zero_shot_state with its aggregates and accessor
 *
 * zero_shot streams: its working state (internal) is the normalised
 * prompts, three counts per class (rows, rank 1, rank <= 5), merged by
 * addition, and a batch of rows not yet ranked (ranked together by the core,
 * te_zero_shot_ranks; flushed before a merge, a serialisation or the
 * result).
 *
 * The stored state keeps only what the result needs, the counts, plus a
 * fingerprint of the prompts they were counted against (a 64-bit hash of the
 * normalised prompts), so a day's state of 1,000 classes takes 24 kB, not
 * the 4 MB of its prompts.  States merge by addition when their fingerprints,
 * class counts and dimensions agree, and are refused otherwise.  Text form
 * "zero_shot_state/v1:" and base64 of the binary form (src/pg/blob.c).
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "topembed/gap.h"
#include "topembed/retrieval.h"

#define ZS_MAGIC "TEzs"			/* the internal state of a parallel worker */
#define ZSS_MAGIC "TEzv"		/* the stored topembed.zero_shot_state */
#define ZSS_VERSION 1
#define ZSS_TYPNAME "topembed.zero_shot_state"

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
	MemoryContext aggcxt = te_agg_context(fcinfo, "zero_shot_transfn");
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
	MemoryContext aggcxt = te_agg_context(fcinfo, "zero_shot_combinefn");
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
	MemoryContext aggcxt = te_agg_context(fcinfo, "zero_shot_deserialfn");
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

/*
 * the zero_shot_stats composite of per-class counts (rows, rank 1, rank
 * <= 5, each n_classes long) for the function's declared result type
 */
static Datum
zs_stats(FunctionCallInfo fcinfo, int n_classes, const int64 *cn, const int64 *top1, const int64 *top5)
{
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

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.zero_shot_stats called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 6)
		elog(ERROR, "topembed.zero_shot_stats has %d attributes, expected 6", tupdesc->natts);
	acc = palloc(sizeof(Datum) * n_classes);
	cnt = palloc(sizeof(Datum) * n_classes);
	accnull = palloc(sizeof(bool) * n_classes);
	for (c = 0; c < n_classes; c++)
	{
		n += cn[c];
		t1 += top1[c];
		t5 += top5[c];
		accnull[c] = cn[c] == 0;
		acc[c] = Float8GetDatum(cn[c] ? (double) top1[c] / (double) cn[c] : 0.0);
		cnt[c] = Int64GetDatum(cn[c]);
	}
	memset(nulls, 0, sizeof(nulls));
	dims[0] = n_classes;
	values[0] = Int64GetDatum(n);
	values[1] = Int32GetDatum(n_classes);
	values[2] = Float8GetDatum(n ? (double) t1 / (double) n : 0.0);
	nulls[2] = n == 0;
	values[3] = Float8GetDatum(n ? (double) t5 / (double) n : 0.0);
	nulls[3] = n == 0;
	values[4] = PointerGetDatum(construct_md_array(acc, accnull, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, 'd'));
	values[5] = PointerGetDatum(construct_array(cnt, n_classes, INT8OID, 8, FLOAT8PASSBYVAL, 'd'));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_finalfn);

/* final function of zero_shot: the zero_shot_stats composite */
Datum
topembed_zero_shot_finalfn(PG_FUNCTION_ARGS)
{
	ZsState    *s = PG_ARGISNULL(0) ? NULL : (ZsState *) PG_GETARG_POINTER(0);

	if (s == NULL)
		PG_RETURN_NULL();
	zs_flush(s);
	return zs_stats(fcinfo, s->n_classes, s->n, s->top1, s->top5);
}

/* ---- the stored state, topembed.zero_shot_state ---- */

/*
 * A stored zero-shot state: the per-class counts and the fingerprint of the
 * prompts they were counted against.  counts holds, for each class c,
 * rows, rank-1 rows and rank-<=5 rows at 3c, 3c+1 and 3c+2.
 */
typedef struct ZsStored
{
	int32		vl_len_;		/* varlena header */
	int32		n_classes;
	int32		dim;			/* of the prompts and embeddings */
	int32		pad;			/* zero */
	uint64		fingerprint;	/* te_hash_bytes of the normalised prompts */
	int64		counts[FLEXIBLE_ARRAY_MEMBER];
} ZsStored;

/*
 * The most classes a stored state may have: as many as three counts each
 * fit in one allocation (about 44 million; a prompts array of even one
 * dimension holds at most 134 million rows within PostgreSQL's 1 GB limit)
 */
#define ZSS_MAX_CLASSES ((int32) ((MaxAllocSize - offsetof(ZsStored, counts)) / (3 * sizeof(int64))))

/* bytes of a stored state of n_classes */
static Size
zss_size(int32 n_classes)
{
	return offsetof(ZsStored, counts) + sizeof(int64) * 3 * (Size) n_classes;
}

/* a zeroed stored state of n_classes and dim, in the current context */
static ZsStored *
zss_new(int32 n_classes, int32 dim, uint64 fingerprint)
{
	ZsStored   *z = palloc0(zss_size(n_classes));

	SET_VARSIZE(z, zss_size(n_classes));
	z->n_classes = n_classes;
	z->dim = dim;
	z->fingerprint = fingerprint;
	return z;
}

/* the fingerprint of a working state's normalised prompts */
static uint64
zs_fingerprint(const ZsState *s)
{
	return te_hash_bytes(TE_HASH_INIT, s->prompts, sizeof(double) * (size_t) s->n_classes * s->dim);
}

/*
 * NULL if the counts of z hold (non-negative, rank 1 within rank <= 5 within
 * the rows of the class), else what is wrong, for the messages of input
 */
static const char *
zss_problem(const ZsStored *z, int32 *bad_class)
{
	int32		c;

	for (c = 0; c < z->n_classes; c++)
	{
		const int64 *k = z->counts + 3 * (Size) c;

		*bad_class = c + 1;
		if (k[0] < 0 || k[1] < 0 || k[2] < 0)
			return "a negative count";
		if (k[1] > k[2])
			return "more rank-1 rows than rank-5 rows";
		if (k[2] > k[0])
			return "more rank-5 rows than rows";
	}
	return NULL;
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_finalfn);

/*
 * final function of zero_shot_state(embedding, label, prompts): the counts
 * of the working state and the fingerprint of its prompts
 */
Datum
topembed_zero_shot_state_finalfn(PG_FUNCTION_ARGS)
{
	ZsState    *s = PG_ARGISNULL(0) ? NULL : (ZsState *) PG_GETARG_POINTER(0);
	ZsStored   *z;
	int32		c;

	if (s == NULL)
		PG_RETURN_NULL();
	if (s->n_classes > ZSS_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a zero_shot_state holds at most %d classes, not %d", ZSS_MAX_CLASSES, s->n_classes),
				 errhint("topembed.zero_shot gives the accuracies of any number of classes without storing them.")));
	zs_flush(s);
	z = zss_new(s->n_classes, s->dim, zs_fingerprint(s));
	for (c = 0; c < s->n_classes; c++)
	{
		z->counts[3 * (Size) c] = s->n[c];
		z->counts[3 * (Size) c + 1] = s->top1[c];
		z->counts[3 * (Size) c + 2] = s->top5[c];
	}
	PG_RETURN_POINTER(z);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_combinefn);

/*
 * merge two stored states (transition and combine function of the merging
 * aggregates): counts added; states counted against different prompts are
 * refused, and a count that would overflow is an error
 */
Datum
topembed_zero_shot_state_combinefn(PG_FUNCTION_ARGS)
{
	ZsStored   *a,
			   *b,
			   *r;
	Size		i;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	a = (ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	b = (ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
	if (a->n_classes != b->n_classes || a->dim != b->dim || a->fingerprint != b->fingerprint)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("zero_shot states counted against different prompts cannot be merged"),
				 errdetail("One has %d classes of %d dimensions and prompts fingerprint %016llx, the other %d classes of %d dimensions and fingerprint %016llx.",
						   a->n_classes, a->dim, (unsigned long long) a->fingerprint,
						   b->n_classes, b->dim, (unsigned long long) b->fingerprint),
				 errhint("Merge only states built with the same prompts array.")));
	r = zss_new(a->n_classes, a->dim, a->fingerprint);
	for (i = 0; i < 3 * (Size) a->n_classes; i++)
	{
		if (pg_add_s64_overflow(a->counts[i], b->counts[i], &r->counts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("merging zero_shot states overflows the count of class %d",
							(int) (i / 3) + 1)));
		if ((i & 4095) == 4095)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_POINTER(r);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_of_state);

/* zero_shot_stats of one stored state (final function of zero_shot(zero_shot_state)) */
Datum
topembed_zero_shot_of_state(PG_FUNCTION_ARGS)
{
	ZsStored   *z;
	int64	   *cn,
			   *t1,
			   *t5;
	int32		c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	z = (ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	cn = palloc(sizeof(int64) * z->n_classes);
	t1 = palloc(sizeof(int64) * z->n_classes);
	t5 = palloc(sizeof(int64) * z->n_classes);
	for (c = 0; c < z->n_classes; c++)
	{
		cn[c] = z->counts[3 * (Size) c];
		t1[c] = z->counts[3 * (Size) c + 1];
		t5[c] = z->counts[3 * (Size) c + 2];
	}
	return zs_stats(fcinfo, z->n_classes, cn, t1, t5);
}

/* the binary form of a stored state */
static void
zss_serialize(const ZsStored *z, StringInfo si)
{
	Size		i;

	te_blob_begin(si, ZSS_MAGIC, ZSS_VERSION);
	te_blob_put_int32(si, z->n_classes);
	te_blob_put_int32(si, z->dim);
	te_blob_put_int64(si, (int64) z->fingerprint);
	for (i = 0; i < 3 * (Size) z->n_classes; i++)
		te_blob_put_int64(si, z->counts[i]);
	te_blob_end(si);
}

/* parse and validate the binary form of a stored state */
static ZsStored *
zss_deserialize(const void *buf, size_t len)
{
	TeBlobReader r;
	int32		n_classes,
				dim,
				bad_class;
	uint64		fingerprint;
	ZsStored   *z;
	const char *problem;
	Size		i;

	te_blob_open(&r, ZSS_TYPNAME, ZSS_MAGIC, buf, len, ZSS_VERSION);
	n_classes = te_blob_get_int32(&r);
	dim = te_blob_get_int32(&r);
	fingerprint = (uint64) te_blob_get_int64(&r);
	if (n_classes < 1 || n_classes > ZSS_MAX_CLASSES)
		te_blob_corrupt(&r, "%d classes (1 to %d expected)", n_classes, ZSS_MAX_CLASSES);
	if (dim < 1 || dim > TE_MAX_DIM)
		te_blob_corrupt(&r, "dimension %d out of range", dim);
	if (r.len - r.pos != sizeof(int64) * 3 * (Size) n_classes)
		te_blob_corrupt(&r, "%zu bytes of counts where %d classes take %zu",
						r.len - r.pos, n_classes, sizeof(int64) * 3 * (Size) n_classes);
	z = zss_new(n_classes, dim, fingerprint);
	for (i = 0; i < 3 * (Size) n_classes; i++)
		z->counts[i] = te_blob_get_int64(&r);
	te_blob_close(&r);
	problem = zss_problem(z, &bad_class);
	if (problem)
		te_blob_corrupt(&r, "%s in class %d", problem, bad_class);
	return z;
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_in);

/* text input: "zero_shot_state/v<format>:" and base64 */
Datum
topembed_zero_shot_state_in(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	te_blob_from_text(ZSS_TYPNAME, "zero_shot_state", PG_GETARG_CSTRING(0), &si);
	PG_RETURN_POINTER(zss_deserialize(si.data, si.len));
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_out);

/* text output */
Datum
topembed_zero_shot_state_out(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	zss_serialize((ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &si);
	PG_RETURN_CSTRING(te_blob_to_text("zero_shot_state", ZSS_VERSION, &si));
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_recv);

/* binary input (the blob of the text form) */
Datum
topembed_zero_shot_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ZsStored   *z = zss_deserialize(buf->data + buf->cursor, buf->len - buf->cursor);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(z);
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_send);

/* binary output */
Datum
topembed_zero_shot_state_send(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	zss_serialize((ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}

PG_FUNCTION_INFO_V1(topembed_zero_shot_state_classes);

/* the number of classes of a stored state */
Datum
topembed_zero_shot_state_classes(PG_FUNCTION_ARGS)
{
	ZsStored   *z = (ZsStored *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_INT32(z->n_classes);
}
