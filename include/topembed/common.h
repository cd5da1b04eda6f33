/*
 * common.h - shared conventions of the topembed numerical core
 *
 * The core is plain C with no PostgreSQL headers.  Every routine that may
 * allocate or run for long takes a TeEnv: the caller's allocator and its
 * interrupt check.  Routines return a TeStatus; details of a failure go into
 * env->msg.
 *
 * Rules for core code:
 *  - never call malloc/free directly on a path the caller may abort; use
 *    te_alloc()/te_free();
 *  - call te_check() from every loop that can run for more than a few
 *    milliseconds.  The callback may not return at all (PostgreSQL's
 *    CHECK_FOR_INTERRUPTS longjmps out), so at each call all memory must be
 *    reachable from the caller's allocator and no thread may be running;
 *  - worker threads, where used, never call the env callbacks.  While they
 *    run, the calling thread asks only the pending callback (which never
 *    jumps out); to act on its answer it stops and joins every worker, and
 *    only then calls te_check (src/core/parallel_internal.h).
 */
#ifndef TOPEMBED_COMMON_H
#define TOPEMBED_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum TeStatus
{
	TE_OK = 0,
	TE_NOMEM,					/* the allocator refused a request */
	TE_CANCELLED,				/* the interrupt check asked us to stop */
	TE_INVALID,					/* bad input; env->msg says what */
	TE_LIMIT,					/* a configured limit would be exceeded */
	TE_NUMERIC,					/* LAPACK or another numerical step failed */
	TE_RANGE					/* a result would leave the double range */
} TeStatus;

typedef struct TeEnv
{
	/* allocate size bytes (need not be zeroed); NULL on failure */
	void	   *(*alloc) (void *ctx, size_t size);
	/* release memory from alloc; may be a no-op */
	void		(*release) (void *ctx, void *ptr);
	/* return nonzero to ask the core to stop; may also not return */
	int			(*check) (void *ctx);
	void	   *ctx;
	/* human-readable detail of the last failure */
	char		msg[256];

	/*
	 * optional (may be NULL): told, as often as check is called, what a long
	 * run is doing.  phase names the step ("distances", "H1 cohomology"),
	 * unit what done and total count ("pairs", "edges"); total 0 means the
	 * step's size is not known.  The callback decides itself how often to
	 * pass this on; it may not return, as check may not.
	 */
	void		(*progress) (void *progress_ctx, const char *phase, const char *unit,
							 double done, double total);
	void	   *progress_ctx;

	/*
	 * optional (may be NULL): nonzero if an interrupt is waiting, so that
	 * te_check would stop.  Unlike check it always returns and does nothing
	 * else, so the core may call it while its own worker threads run (from
	 * the calling thread only); it is called with ctx.  With it NULL the
	 * core checks between short sections of threaded work instead.
	 */
	int			(*pending) (void *ctx);
} TeEnv;

/* allocation helpers; size 0 is treated as 1 */
void	   *te_alloc(TeEnv *env, size_t size);
void	   *te_alloc0(TeEnv *env, size_t size);
void	   *te_alloc_array(TeEnv *env, size_t count, size_t elsize);
void		te_free(TeEnv *env, void *ptr);

/* interrupt check: TE_CANCELLED if the caller wants us to stop */
static inline TeStatus
te_check(TeEnv *env)
{
	if (env->check && env->check(env->ctx))
		return TE_CANCELLED;
	return TE_OK;
}

/* hand the progress of a long run to the caller, if it asked for it */
static inline void
te_progress(TeEnv *env, const char *phase, const char *unit, double done, double total)
{
	if (env->progress)
		env->progress(env->progress_ctx, phase, unit, done, total);
}

/*
 * Work-paced interrupt checks for loops whose iterations differ in cost:
 * count work units (about one per simple operation) and call te_check()
 * once TE_TICK_INTERVAL of them have been done since the last call.
 */
#define TE_TICK_INTERVAL ((uint64_t) 1 << 18)

typedef struct TeTicker
{
	TeEnv	   *env;
	uint64_t	work;
	uint64_t	next;
} TeTicker;

/* start counting work for env */
static inline void
te_ticker_init(TeTicker *t, TeEnv *env)
{
	t->env = env;
	t->work = 0;
	t->next = TE_TICK_INTERVAL;
}

/* count units of work; TE_CANCELLED when the check says stop */
static inline TeStatus
te_tick(TeTicker *t, uint64_t units)
{
	t->work += units;
	if (t->work < t->next)
		return TE_OK;
	t->next = t->work + TE_TICK_INTERVAL;
	return te_check(t->env);
}

/* record a formatted failure detail in env->msg and return status */
TeStatus	te_fail(TeEnv *env, TeStatus status, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* the Euclidean norm of x[0..n), without overflow or underflow on the way */
double		te_norm2(const double *x, int n);

/* a TeEnv on malloc/free with no interrupt check, for tools and unit tests */
void		te_env_init_malloc(TeEnv *env);

/* 64-bit FNV-1a of n bytes, continuing from h (start with TE_HASH_INIT) */
#define TE_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t	te_hash_bytes(uint64_t h, const void *data, size_t n);

/* nonzero if p is a prime (the coefficient fields of persistence) */
int			te_is_prime(int64_t p);

/* the name of a status, for messages */
const char *te_status_name(TeStatus status);

#endif							/* TOPEMBED_COMMON_H */
