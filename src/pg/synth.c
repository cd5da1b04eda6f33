/*
 * synth.c - SQL face of the synthetic pair generator
 */
#include "topembed.h"

#include "access/htup_details.h"
#include "funcapi.h"

#include "topembed/synth.h"

typedef struct SynthCtx
{
	TeSynth		gen;
	double	   *x;
	double	   *y;
} SynthCtx;

PG_FUNCTION_INFO_V1(topembed_synthetic_pairs);

/*
 * topembed.synthetic_pairs(n, dim, gap, seed, anisotropy, noise)
 *   RETURNS TABLE (pair_id int, image real[], text real[])
 */
Datum
topembed_synthetic_pairs(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SynthCtx   *ctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		TeEnv		env;
		int32		n,
					dim;
		int			i;

		for (i = 0; i < 6; i++)
			if (PG_ARGISNULL(i))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("synthetic_pairs arguments must not be NULL")));
		n = PG_GETARG_INT32(0);
		dim = PG_GETARG_INT32(1);
		if (n < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n must not be negative, not %d", n)));
		if (dim < 2 || dim > TE_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dim must be between 2 and %d, not %d", TE_MAX_DIM, dim)));

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("synthetic_pairs must be called in a context that accepts a record")));
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		funcctx->max_calls = n;
		ctx = palloc(sizeof(SynthCtx));
		ctx->x = palloc(sizeof(double) * dim);
		ctx->y = palloc(sizeof(double) * dim);
		te_env_init(&env, funcctx->multi_call_memory_ctx);
		{
			TeStatus	st = te_synth_init(&env, &ctx->gen, dim, PG_GETARG_FLOAT8(2),
										   (uint64) PG_GETARG_INT64(3),
										   PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5));

			if (st == TE_INVALID)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid synthetic_pairs parameter: %s", env.msg)));
			te_check_status(st, &env, "synthetic_pairs");
		}
		funcctx->user_fctx = ctx;
		MemoryContextSwitchTo(old);
	}

	funcctx = SRF_PERCALL_SETUP();
	ctx = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int64		i = (int64) funcctx->call_cntr;

		te_synth_pair(&ctx->gen, i, ctx->x, ctx->y);
		values[0] = Int32GetDatum((int32) i);
		values[1] = PointerGetDatum(te_float4_array(ctx->x, ctx->gen.dim));
		values[2] = PointerGetDatum(te_float4_array(ctx->y, ctx->gen.dim));
		SRF_RETURN_NEXT(funcctx,
						HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
