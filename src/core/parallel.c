/*
 * parallel.c - the core's own worker threads (see parallel_internal.h)
 *
 * A run is a shared task counter and a stop flag.  Each section starts the
 * workers (with every signal blocked, so that the caller's thread keeps
 * handling them), lets every thread take tasks until the counter runs out
 * or the flag is raised, and joins them.  Only the calling thread looks at
 * the clock and at the env's pending callback, and only between two of its
 * own tasks; te_check and the section callback run after the join.
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
} ParRun;

/* one worker thread's start record */
typedef struct ParWorker
{
	ParRun	   *run;
	int			id;
	pthread_t	tid;
} ParWorker;

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

	par_take(w->run, w->id);
	return NULL;
}

/*
 * the calling thread's share of a section: tasks until the counter runs
 * out, the section's time is up or an interrupt is pending; then the flag
 */
static void
par_take_main(ParRun *r, TeEnv *env, double deadline)
{
	for (;;)
	{
		int64_t		t;

		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
		t = __atomic_fetch_add(&r->next, 1, __ATOMIC_ACQ_REL);
		if (t >= r->ntasks)
			break;
		r->fn(r->arg, 0, t);
		if ((env->pending && env->pending(env->ctx)) || par_clock() >= deadline)
			break;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
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
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < nthreads; i++)
	{
		w[i].run = r;
		w[i].id = i;
		started[i] = pthread_create(&w[i].tid, NULL, par_worker_main, &w[i]) == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	par_take_main(r, env, par_clock() + PAR_SECTION_SECONDS);
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
