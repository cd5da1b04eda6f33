/*
 * parallel_internal.h - the core's own worker threads (not a public API)
 *
 * par_run() runs tasks 0..ntasks-1, each exactly once, on the calling
 * thread and up to nthreads - 1 worker threads, which take the next task
 * from a shared counter.  The rules of common.h hold:
 *  - a task never calls the env callbacks (no te_alloc, te_check,
 *    te_progress, te_fail; only par_stop_asked, below, asks the pending
 *    callback); whatever scratch it needs was allocated before,
 *    one piece per worker (the worker number is 0..nthreads-1, 0 being the
 *    calling thread);
 *  - the run goes in sections.  A section ends when its time is up
 *    (PAR_SECTION_SECONDS), or when the env's non-throwing pending callback
 *    says an interrupt is waiting, or when the tasks are done: then a
 *    shared stop flag is raised, every worker finishes the task it holds and
 *    is joined, and only then, with no thread but the caller's running, is
 *    te_check called (which may not return) and the section callback told
 *    how many tasks are done (its place for progress reports);
 *  - a task that may run long (more than a few milliseconds) asks
 *    par_stop_asked() now and then, and ends soon when it says so (an
 *    interrupt is pending; with no pending callback, the section's time
 *    is up).  Its caller must then cope with a task that gave up.  The
 *    calling thread answers from the pending callback, inside its own
 *    tasks and every 0.1 ms while it waits for the workers' last tasks;
 *  - the workers block every signal, so that signals (a query cancel, a
 *    statement timeout) are handled by the calling thread only;
 *  - no thread outlives the call.
 * A task claimed is always finished, so after a stop the tasks done are
 * exactly the first ones claimed; a te_check that returns TE_OK (an
 * interrupt that was no cancel) lets the next section go on with the rest.
 * Tasks must write disjoint outputs: then the result does not depend on
 * the number of threads or on the schedule.  Tasks are claimed one at a
 * time, in increasing order, and each is run at once by the thread that
 * claimed it; a task may therefore wait for the result of an earlier one
 * (te_landmarks_threads does), which never deadlocks.
 */
#ifndef TOPEMBED_PARALLEL_INTERNAL_H
#define TOPEMBED_PARALLEL_INTERNAL_H

#include "topembed/common.h"

/* the most threads the core runs in one call */
#define PAR_MAX_THREADS 64

/* the longest a section runs before the workers are joined and te_check is called */
#define PAR_SECTION_SECONDS 0.1

/* one task: worker is 0..nthreads-1 (0: the calling thread) */
typedef void (*ParTaskFn) (void *arg, int worker, int64_t task);

/*
 * called on the calling thread between sections, with no worker running,
 * after a te_check that said go on: done tasks of ntasks are finished
 */
typedef void (*ParSectionFn) (void *arg, int64_t done);

/* in a task: should a long task end now?  (see above; 0 outside par_run) */
int			par_stop_asked(void);

/* the threads to use for ntasks tasks when requested were asked for (1..PAR_MAX_THREADS) */
int			par_threads(int requested, int64_t ntasks);

/*
 * run the tasks (see above); TE_OK when all are done, TE_CANCELLED when
 * te_check asked to stop (some tasks may then not have run).  section may
 * be NULL.
 */
TeStatus	par_run(TeEnv *env, int nthreads, int64_t ntasks, ParTaskFn fn,
					ParSectionFn section, void *arg);

#endif							/* TOPEMBED_PARALLEL_INTERNAL_H */
