/*
 * parallel.c - the core's own worker threads (see parallel_internal.h)
 *
 * A run is a shared task counter, a stop flag and an ask flag.  Each
 * section starts the workers (with every signal blocked, so that the
 * caller's thread keeps handling them), lets every thread take tasks until
 * the counter runs out or the stop flag is raised, and joins them.  Only
 * the calling thread looks at the clock and at the env's pending callback:
 * between two of its own tasks, inside a long task of its own that asks
 * (par_stop_asked), and while it waits for the workers to finish theirs;
 * te_check and the section callback run after the join.
 */
#include "parallel_internal.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

/* what the threads of one run share */
typedef struct ParRun
{
	ParTaskFn	fn;
	void	   *arg;
	int64_t		ntasks;
	int64_t		next;			/* the next task to claim (atomic) */
	int			stop;			/* nonzero: claim no more tasks (atomic) */
	int			asked;			/* nonzero: long tasks should end now (atomic) */
	int			busy;			/* workers still taking tasks (atomic) */
	TeEnv	   *env;
	double		deadline;		/* the section's end */
} ParRun;

/* one worker thread's start record */
typedef struct ParWorker
{
	ParRun	   *run;
	int			id;
	pthread_t	tid;
} ParWorker;

/* the run whose tasks this thread takes, and whether it is the calling thread */
static __thread ParRun *par_mine;
static __thread int par_calling;

/* monotonic clock in seconds */
static double
par_clock(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

/* claim and run tasks until none is left or the flag is raised */
static void
par_take(ParRun *r, int id)
{
	for (;;)
	{
		int64_t		t;

		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			return;
		t = __atomic_fetch_add(&r->next, 1, __ATOMIC_ACQ_REL);
		if (t >= r->ntasks)
			return;
		r->fn(r->arg, id, t);
	}
}

/* a worker thread's body */
static void *
par_worker_main(void *p)
{
	ParWorker  *w = p;

	par_mine = w->run;
	par_calling = 0;
	par_take(w->run, w->id);
	__atomic_fetch_sub(&w->run->busy, 1, __ATOMIC_ACQ_REL);
	return NULL;
}

/*
 * on the calling thread: should long tasks end?  When an interrupt is
 * pending (with no pending callback: when the section's time is up)
 */
static int
par_interrupt_due(ParRun *r)
{
	TeEnv	   *env = r->env;

	return env->pending ? env->pending(env->ctx) : par_clock() >= r->deadline;
}

/* see parallel_internal.h */
int
par_stop_asked(void)
{
	ParRun	   *r = par_mine;

	if (!r)
		return 0;
	if (par_calling && !__atomic_load_n(&r->asked, __ATOMIC_ACQUIRE) && par_interrupt_due(r))
		__atomic_store_n(&r->asked, 1, __ATOMIC_RELEASE);
	return __atomic_load_n(&r->asked, __ATOMIC_ACQUIRE);
}

/*
 * the calling thread's share of a section: tasks until the counter runs
 * out, the section's time is up or an interrupt is pending; then the stop
 * flag, and until the workers are done, the pending callback every 0.1 ms
 * (an interrupt asks their long tasks to end)
 */
static void
par_take_main(ParRun *r)
{
	struct timespec pause = {0, 100000};

	par_mine = r;
	par_calling = 1;
	for (;;)
	{
		int64_t		t;

		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
		t = __atomic_fetch_add(&r->next, 1, __ATOMIC_ACQ_REL);
		if (t >= r->ntasks)
			break;
		r->fn(r->arg, 0, t);
		if ((r->env->pending && r->env->pending(r->env->ctx)) || par_clock() >= r->deadline)
			break;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&r->busy, __ATOMIC_ACQUIRE) > 0)
	{
		if (!__atomic_load_n(&r->asked, __ATOMIC_ACQUIRE) && par_interrupt_due(r))
			__atomic_store_n(&r->asked, 1, __ATOMIC_RELEASE);
		nanosleep(&pause, NULL);
	}
	par_mine = NULL;
}

/* the threads for ntasks tasks: see parallel_internal.h */
int
par_threads(int requested, int64_t ntasks)
{
	int			t = requested < 1 ? 1 : requested;

	if (t > PAR_MAX_THREADS)
		t = PAR_MAX_THREADS;
	if (ntasks < t)
		t = ntasks < 1 ? 1 : (int) ntasks;
	return t;
}

/*
 * One section: start the workers with every signal blocked (they inherit
 * the mask), take the calling thread's share, join them all.  A worker
 * that cannot be started leaves its share to the others.
 */
static void
par_section(ParRun *r, TeEnv *env, ParWorker *w, int nthreads)
{
	sigset_t	all,
				old;
	int			i,
				started[PAR_MAX_THREADS] = {0};

	__atomic_store_n(&r->stop, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&r->asked, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&r->busy, 0, __ATOMIC_RELEASE);
	r->env = env;
	r->deadline = par_clock() + PAR_SECTION_SECONDS;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < nthreads; i++)
	{
		w[i].run = r;
		w[i].id = i;
		__atomic_fetch_add(&r->busy, 1, __ATOMIC_ACQ_REL);
		started[i] = pthread_create(&w[i].tid, NULL, par_worker_main, &w[i]) == 0;
		if (!started[i])
			__atomic_fetch_sub(&r->busy, 1, __ATOMIC_ACQ_REL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	par_take_main(r);
	for (i = 1; i < nthreads; i++)
		if (started[i])
			pthread_join(w[i].tid, NULL);
}

/* run the tasks in sections: see parallel_internal.h */
TeStatus
par_run(TeEnv *env, int nthreads, int64_t ntasks, ParTaskFn fn,
		ParSectionFn section, void *arg)
{
	ParRun		r;
	ParWorker	w[PAR_MAX_THREADS];

	nthreads = par_threads(nthreads, ntasks);
	r.fn = fn;
	r.arg = arg;
	r.ntasks = ntasks;
	r.next = 0;
	r.stop = 0;
	while (r.next < ntasks)
	{
		par_section(&r, env, w, nthreads);
		/* a task claimed is finished: the first min(next, ntasks) are done */
		if (r.next > ntasks)
			r.next = ntasks;
		if (te_check(env) != TE_OK)
			return TE_CANCELLED;
		if (section)
			section(arg, r.next);
	}
	return TE_OK;
}
