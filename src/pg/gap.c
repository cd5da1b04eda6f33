/*
 * gap.c - SQL face of the modality gap: the gap_state type, the paired and
 * unpaired aggregates, and the gap_stats result
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "topembed/gap.h"

#define GAP_MAGIC "TEgs"
#define GAP_VERSION 2			/* 2 appends the pair distances; 1 is read */
#define GAP_TYPNAME "topembed.gap_state"

#define DatumGetGapAcc(d) ((TeGapAcc *) PG_DETOAST_DATUM(d))

/*
 * A state datum from outside this call (stored, an argument, a partial
 * state of another process), checked against the invariants: a value that
 * breaks them is corrupt (a damaged page, or a forged value that an older
 * version let in).
 */
static TeGapAcc *
validated_gap(TeGapAcc *acc)
{
	TeEnv		env;
	int			layout = te_gap_layout_of(acc, VARSIZE(acc));

	te_env_init(&env, CurrentMemoryContext);
	if (layout >= TE_GAP_LAYOUT_OLDEST && layout < TE_GAP_LAYOUT)
	{
		/* stored by an older version: read into the current layout */
		TeGapAcc   *up;

		if (acc->dim < 1 || acc->dim > TE_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid %s value: dimension %d out of range", GAP_TYPNAME, acc->dim)));
		up = palloc(te_gap_acc_size(acc->dim));
		if (te_gap_upgrade(&env, acc, VARSIZE(acc), TE_MAX_DIM, up) != TE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid %s value: %s", GAP_TYPNAME, env.msg)));
		SET_VARSIZE(up, te_gap_acc_size(up->dim));
		acc = up;
	}
	if (te_gap_validate(&env, acc, VARSIZE(acc), TE_MAX_DIM) != TE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: %s", GAP_TYPNAME, env.msg)));
	return acc;
}

/* a state datum, detoasted and checked (see validated_gap) */
static TeGapAcc *
checked_gap(Datum d)
{
	return validated_gap(DatumGetGapAcc(d));
}

/* scratch space for converting one row, kept across calls */
typedef struct GapScratch
{
	int			dim;
	double	   *x;
	double	   *y;
} GapScratch;

/* the scratch rows of this call site, (re)made for dim in its fn_extra */
static GapScratch *
get_scratch(FunctionCallInfo fcinfo, int dim)
{
	GapScratch *s = (GapScratch *) fcinfo->flinfo->fn_extra;

	if (s == NULL || s->dim != dim)
	{
		s = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(GapScratch));
		s->dim = dim;
		s->x = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * dim);
		s->y = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * dim);
		fcinfo->flinfo->fn_extra = s;
	}
	return s;
}

/* a new, empty state in the aggregate's memory context */
static TeGapAcc *
new_state(MemoryContext aggcxt, int dim, int flags)
{
	size_t		size = te_gap_acc_size(dim);
	TeGapAcc   *acc = MemoryContextAllocHuge(aggcxt, size);

	te_gap_acc_init(acc, dim, flags);
	SET_VARSIZE(acc, size);
	return acc;
}

/* the state argument, or NULL */
static TeGapAcc *
state_or_null(FunctionCallInfo fcinfo)
{
	return PG_ARGISNULL(0) ? NULL : DatumGetGapAcc(PG_GETARG_DATUM(0));
}

/* ERROR unless called as an aggregate; the aggregate's context in *aggcxt */
static void
require_agg(FunctionCallInfo fcinfo, MemoryContext *aggcxt, const char *fname)
{
	if (!te_in_agg(fcinfo, aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
}

PG_FUNCTION_INFO_V1(topembed_gap_pair_transfn);

/* transition of modality_gap(image, text): one pair per row */
Datum
topembed_gap_pair_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TeEmbedding xi,
				yt;
	GapScratch *s;
	TeGapAcc   *acc;
	TeEnv		env;

	require_agg(fcinfo, &aggcxt, "gap_pair_transfn");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	acc = state_or_null(fcinfo);
	xi = te_embedding_arg(fcinfo, 1, "image", acc ? acc->dim : 0);
	yt = te_embedding_arg(fcinfo, 2, "text", xi.dim);
	if (acc == NULL)
		acc = new_state(aggcxt, xi.dim, TE_GAP_PAIRED);
	te_env_init(&env, aggcxt);
	if (xi.elemtype == FLOAT4OID && yt.elemtype == FLOAT4OID)
	{
		/* read in place; a refusal is explained by the full input check */
		if (te_gap_add_pair_f4(&env, acc, xi.data, yt.data) != TE_OK)
		{
			te_raise_if_invalid_arg(fcinfo, 1, "image", acc->dim);
			te_raise_if_invalid_arg(fcinfo, 2, "text", acc->dim);
			te_raise(TE_INVALID, &env, "modality_gap");
		}
		PG_RETURN_POINTER(acc);
	}
	s = get_scratch(fcinfo, xi.dim);
	te_embedding_to_double(&xi, "image", s->x);
	te_embedding_to_double(&yt, "text", s->y);
	te_check_status(te_gap_add_pair(&env, acc, s->x, s->y), &env, "modality_gap");
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(topembed_gap_one_transfn);

/* transition of modality_gap(embedding, is_image): one embedding per row */
Datum
topembed_gap_one_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TeEmbedding e;
	GapScratch *s;
	TeGapAcc   *acc;
	TeEnv		env;
	bool		is_image;

	require_agg(fcinfo, &aggcxt, "gap_one_transfn");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	is_image = PG_GETARG_BOOL(2);
	acc = state_or_null(fcinfo);
	e = te_embedding_arg(fcinfo, 1, is_image ? "image" : "text", acc ? acc->dim : 0);
	if (acc == NULL)
		acc = new_state(aggcxt, e.dim, 0);
	te_env_init(&env, aggcxt);
	if (e.elemtype == FLOAT4OID)
	{
		if (te_gap_add_one_f4(&env, acc, e.data, is_image) != TE_OK)
		{
			te_raise_if_invalid_arg(fcinfo, 1, is_image ? "image" : "text", acc->dim);
			te_raise(TE_INVALID, &env, "modality_gap");
		}
		PG_RETURN_POINTER(acc);
	}
	s = get_scratch(fcinfo, e.dim);
	te_embedding_to_double(&e, is_image ? "image" : "text", s->x);
	te_check_status(te_gap_add_one(&env, acc, s->x, is_image), &env, "modality_gap");
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(topembed_gap_combinefn);

/*
 * Merge two states: the combine function of the gap aggregates and the
 * transition of modality_gap(gap_state).  NULL on either side is skipped.
 */
Datum
topembed_gap_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TeGapAcc   *a;
	TeGapAcc   *b;
	TeEnv		env;

	require_agg(fcinfo, &aggcxt, "gap_combinefn");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = checked_gap(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		a = NULL;
	else
		a = DatumGetGapAcc(PG_GETARG_DATUM(0));

	/* start from, or continue on, a private copy in the aggregate's context */
	if (a == NULL || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)) ||
		a->layout != TE_GAP_LAYOUT)
	{
		TeGapAcc   *src = a ? validated_gap(a) : b;
		TeGapAcc   *c = MemoryContextAllocHuge(aggcxt, VARSIZE(src));

		memcpy(c, src, VARSIZE(src));
		if (a == NULL)
			PG_RETURN_POINTER(c);
		a = c;
	}
	te_env_init(&env, aggcxt);
	te_check_status(te_gap_merge(&env, a, b), &env, "modality_gap");
	PG_RETURN_POINTER(a);
}

/* the gap_stats composite of a state */
static Datum
stats_datum(FunctionCallInfo fcinfo, const TeGapStats *st, const double *gap_vector)
{
	TupleDesc	tupdesc;
	Datum		values[15];
	bool		nulls[15];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.gap_stats called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	/* 0.1.0's type has 13 attributes, 0.2.0's adds l2i and rmg at the end */
	if (tupdesc->natts != 13 && tupdesc->natts != 15)
		elog(ERROR, "topembed.gap_stats has %d attributes, expected 13 or 15", tupdesc->natts);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(st->n_image);
	values[1] = Int64GetDatum(st->n_text);
	values[2] = Int64GetDatum(st->n_pairs);
	nulls[2] = !st->has_paired;
	values[3] = Int32GetDatum(st->dim);
	values[4] = Float8GetDatum(st->gap);
	nulls[4] = !st->has_gap;
	if (st->has_gap && gap_vector)
		values[5] = PointerGetDatum(te_float8_array(gap_vector, st->dim));
	else
		nulls[5] = true;
	values[6] = Float8GetDatum(st->image_centroid_norm);
	nulls[6] = st->n_image == 0;
	values[7] = Float8GetDatum(st->text_centroid_norm);
	nulls[7] = st->n_text == 0;
	values[8] = Float8GetDatum(st->image_cone);
	nulls[8] = !st->has_image_cone;
	values[9] = Float8GetDatum(st->text_cone);
	nulls[9] = !st->has_text_cone;
	values[10] = Float8GetDatum(st->paired_cosine_mean);
	nulls[10] = !st->has_paired;
	values[11] = Float8GetDatum(st->paired_cosine_std);
	nulls[11] = !st->has_paired;
	values[12] = Float8GetDatum(st->alignment);
	nulls[12] = !st->has_paired;
	values[13] = Float8GetDatum(st->l2i);
	nulls[13] = !st->has_l2i;
	values[14] = Float8GetDatum(st->rmg);
	nulls[14] = !st->has_rmg;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* the topembed.gap_stats composite of st and its gap vector */
Datum
te_gap_stats_datum(FunctionCallInfo fcinfo, const TeGapStats *st, const double *gap_vector)
{
	return stats_datum(fcinfo, st, gap_vector);
}

PG_FUNCTION_INFO_V1(topembed_gap_finalfn);

/* final function: the statistics of the accumulated state */
Datum
topembed_gap_finalfn(PG_FUNCTION_ARGS)
{
	TeGapAcc   *acc;
	TeGapStats	st;
	double	   *gv;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	acc = DatumGetGapAcc(PG_GETARG_DATUM(0));
	if (acc->layout != TE_GAP_LAYOUT)
		acc = validated_gap(acc);
	gv = palloc(sizeof(double) * acc->dim);
	te_gap_result(acc, &st, gv);
	PG_RETURN_DATUM(stats_datum(fcinfo, &st, gv));
}

/* ---- I/O of topembed.gap_state ---- */

/*
 * The format version a state is written in: 1 (0.1.0's, which 0.1.0 can
 * load) when it holds no pair distances, since version 1 reads back as
 * exactly that; 2 otherwise
 */
static int
gap_version(const TeGapAcc *acc)
{
	return TE_GAP_DIST(acc)->n == 0 && TE_GAP_DIST(acc)->sum == 0.0 ? 1 : GAP_VERSION;
}

/* serialise a state into si */
static void
gap_serialize(const TeGapAcc *acc, StringInfo si)
{
	int			version = gap_version(acc);

	te_blob_begin(si, GAP_MAGIC, version);
	te_blob_put_int32(si, acc->dim);
	te_blob_put_int32(si, acc->flags);
	te_blob_put_int64(si, acc->n_image);
	te_blob_put_int64(si, acc->n_text);
	te_blob_put_int64(si, acc->n_pairs);
	te_blob_put_float8(si, acc->cos_mean);
	te_blob_put_float8(si, acc->cos_m2);
	te_blob_put_float8s(si, acc->sum, 2 * (size_t) acc->dim);
	if (version >= 2)
	{
		te_blob_put_int64(si, TE_GAP_DIST(acc)->n);
		te_blob_put_float8(si, TE_GAP_DIST(acc)->sum);
	}
	te_blob_end(si);
}

/* parse and validate a serialised state */
static TeGapAcc *
gap_deserialize(const void *buf, size_t len)
{
	TeBlobReader r;
	int32		dim,
				flags;
	int64		n_image,
				n_text,
				n_pairs;
	TeGapAcc   *acc;
	TeEnv		env;
	int			version;

	version = te_blob_open(&r, GAP_TYPNAME, GAP_MAGIC, buf, len, GAP_VERSION);
	dim = te_blob_get_int32(&r);
	flags = te_blob_get_int32(&r);
	if (dim < 1 || dim > TE_MAX_DIM)
		te_blob_corrupt(&r, "dimension %d out of range", dim);
	if (flags != 0 && flags != TE_GAP_PAIRED)
		te_blob_corrupt(&r, "unknown flags %d", flags);
	n_image = te_blob_get_int64(&r);
	n_text = te_blob_get_int64(&r);
	n_pairs = te_blob_get_int64(&r);

	acc = palloc(te_gap_acc_size(dim));
	te_gap_acc_init(acc, dim, flags);
	SET_VARSIZE(acc, te_gap_acc_size(dim));
	acc->n_image = n_image;
	acc->n_text = n_text;
	acc->n_pairs = n_pairs;
	acc->cos_mean = te_blob_get_float8(&r);
	acc->cos_m2 = te_blob_get_float8(&r);
	te_blob_get_float8s(&r, acc->sum, 2 * (size_t) dim);
	if (version >= 2)
	{
		/* version 1 (0.1.0's) has no pair distances: they stay empty */
		TE_GAP_DIST(acc)->n = te_blob_get_int64(&r);
		TE_GAP_DIST(acc)->sum = te_blob_get_float8(&r);
	}
	te_blob_close(&r);

	/* the invariants, not only the checksum: a forged value is refused */
	te_env_init(&env, CurrentMemoryContext);
	if (te_gap_validate(&env, acc, te_gap_acc_size(dim), TE_MAX_DIM) != TE_OK)
		te_blob_corrupt(&r, "%s", env.msg);
	return acc;
}

PG_FUNCTION_INFO_V1(topembed_gap_state_in);

/* text input: "gap_state/v<format>:" and base64 */
Datum
topembed_gap_state_in(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	te_blob_from_text(GAP_TYPNAME, "gap_state", PG_GETARG_CSTRING(0), &si);
	PG_RETURN_POINTER(gap_deserialize(si.data, si.len));
}

PG_FUNCTION_INFO_V1(topembed_gap_state_out);

/* text output */
Datum
topembed_gap_state_out(PG_FUNCTION_ARGS)
{
	TeGapAcc   *acc = checked_gap(PG_GETARG_DATUM(0));
	StringInfoData si;

	initStringInfo(&si);
	gap_serialize(acc, &si);
	PG_RETURN_CSTRING(te_blob_to_text("gap_state", gap_version(acc), &si));
}

PG_FUNCTION_INFO_V1(topembed_gap_state_recv);

/* binary input (the blob of the text form) */
Datum
topembed_gap_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	TeGapAcc   *acc = gap_deserialize(buf->data + buf->cursor, buf->len - buf->cursor);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(topembed_gap_state_send);

/* binary output */
Datum
topembed_gap_state_send(PG_FUNCTION_ARGS)
{
	StringInfoData si;

	initStringInfo(&si);
	gap_serialize(checked_gap(PG_GETARG_DATUM(0)), &si);
	PG_RETURN_BYTEA_P(te_blob_to_bytea(&si));
}
