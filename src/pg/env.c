/*
 * env.c - the core's environment on PostgreSQL memory contexts and interrupts
 */
#include "topembed.h"

#include "miscadmin.h"
#include "utils/memutils.h"

/* allocate in the context, huge sizes allowed, NULL instead of ERROR */
static void *
pg_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/* free a chunk from pg_alloc */
static void
pg_release(void *ctx, void *ptr)
{
	(void) ctx;
	pfree(ptr);
}

/* CHECK_FOR_INTERRUPTS; a cancel or timeout longjmps out of the core */
static int
pg_check(void *ctx)
{
	(void) ctx;
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* set up env to allocate in cxt and honour query cancellation */
void
te_env_init(TeEnv *env, MemoryContext cxt)
{
	memset(env, 0, sizeof(*env));
	env->alloc = pg_alloc;
	env->release = pg_release;
	env->check = pg_check;
	env->ctx = cxt;
}

/* turn a core failure into an ERROR with a fitting SQLSTATE */
void
te_raise(TeStatus status, TeEnv *env, const char *what)
{
	const char *detail = (env && env->msg[0]) ? env->msg : NULL;

	switch (status)
	{
		case TE_NOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory in %s", what),
					 detail ? errdetail_internal("%s", detail) : 0,
					 errhint("Use fewer rows or dimensions, or sample the input.")));
			break;
		case TE_CANCELLED:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("%s was cancelled", what)));
			break;
		case TE_INVALID:
			/* the core's zero-vector refusals (gap, cosine and angular metrics) */
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 detail ? errmsg("%s", detail) : errmsg("invalid input to %s", what),
					 (detail && strstr(detail, "zero vector") != NULL) ?
					 errhint("%s", TE_ZERO_VECTOR_HINT) : 0));
			break;
		case TE_LIMIT:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 detail ? errmsg("%s", detail) : errmsg("%s exceeds a limit", what)));
			break;
		case TE_NUMERIC:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("numerical failure in %s", what),
					 detail ? errdetail_internal("%s", detail) : 0));
			break;
		case TE_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 detail ? errmsg("%s", detail) : errmsg("a result of %s is out of range", what),
					 errhint("Scale the embeddings down first, e.g. with topembed.l2_normalize.")));
			break;
		case TE_OK:
			break;
	}
	elog(ERROR, "unexpected status %d in %s", (int) status, what);
}

/* raise unless status is TE_OK */
void
te_check_status(TeStatus status, TeEnv *env, const char *what)
{
	if (status != TE_OK)
		te_raise(status, env, what);
}
