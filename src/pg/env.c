/*
 * env.c - the core's environment on PostgreSQL memory contexts and interrupts
 */
#include "topembed.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

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

/*
 * Is an interrupt waiting that CHECK_FOR_INTERRUPTS would act on?  Only
 * reads flags the signal handlers set, and never jumps out, so the core
 * may ask it while its own threads run (it asks from this thread only,
 * and calls pg_check once they are joined).
 */
static int
pg_pending(void *ctx)
{
	(void) ctx;
	return InterruptPending && INTERRUPTS_CAN_BE_PROCESSED();
}

/* set up env to allocate in cxt and honour query cancellation */
void
te_env_init(TeEnv *env, MemoryContext cxt)
{
	memset(env, 0, sizeof(*env));
	env->alloc = pg_alloc;
	env->release = pg_release;
	env->check = pg_check;
	env->pending = pg_pending;
	env->ctx = cxt;
}

/* seconds from a to b */
static double
seconds_between(TimestampTz a, TimestampTz b)
{
	return (double) (b - a) / 1e6;
}

/*
 * the core's progress callback: pass a report on once the interval has
 * gone by since the run began or since the last one, so a run shorter than
 * the interval says nothing
 */
static void
pg_progress(void *ctx, const char *phase, const char *unit, double done, double total)
{
	TeProgressState *ps = (TeProgressState *) ctx;
	TimestampTz now = GetCurrentTimestamp();
	char		how[128] = "";

	if (!TimestampDifferenceExceeds((TimestampTz) ps->last, now, te_progress_interval_ms))
		return;
	ps->last = now;
	ps->reports++;
	if (total > 0.0)
	{
		double		f = done / total;

		f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
		snprintf(how, sizeof(how), " %.1f%% (%.0f of %.0f %s)", 100.0 * f, done > total ? total : done,
				 total, unit);
	}
	else if (done > 0.0)
		snprintf(how, sizeof(how), " (%.0f %s done)", done, unit);
	ereport(ps->level,
			(errmsg("%s: %s%s after %.1f s", ps->what, phase, how,
					seconds_between((TimestampTz) ps->start, now)),
			 errhidestmt(true), errhidecontext(true)));
}

/* report the progress of the core call with env, if topembed.progress asks for it */
void
te_progress_begin(TeProgressState *ps, TeEnv *env, const char *what)
{
	memset(ps, 0, sizeof(*ps));
	ps->what = what;
	ps->start = ps->last = GetCurrentTimestamp();
	ps->level = te_progress_level;
	if (te_progress_level == 0)
		return;
	env->progress = pg_progress;
	env->progress_ctx = ps;
}

/* the closing line of a run that reported its progress */
void
te_progress_end(TeProgressState *ps)
{
	if (ps->level == 0 || ps->reports == 0)
		return;
	ereport(ps->level,
			(errmsg("%s: finished after %.1f s", ps->what,
					seconds_between((TimestampTz) ps->start, GetCurrentTimestamp())),
			 errhidestmt(true), errhidecontext(true)));
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
