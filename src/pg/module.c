/*
 * module.c - module magic, GUCs and OpenBLAS threading
 */
#include "topembed.h"

#include <limits.h>
#include <unistd.h>

#include "access/parallel.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

/* from OpenBLAS (cblas.h); declared here to keep the BLAS headers out */
extern void openblas_set_num_threads(int num_threads);

int			te_blas_threads = 1;
int			te_moments_max_dim = 4096;
int			te_max_points = 50000;
int			te_persistence_memory_limit_kb = 1024 * 1024;
int			te_progress_level = 0;
int			te_progress_interval_ms = 5000;
int			te_persistence_threads = 0;

/* topembed.progress: where the reports go; on and off as for a boolean */
static const struct config_enum_entry progress_levels[] = {
	{"off", 0, false},
	{"notice", NOTICE, false},
	{"log", LOG, false},
	{"on", NOTICE, true},
	{"true", NOTICE, true},
	{"yes", NOTICE, true},
	{"1", NOTICE, true},
	{"false", 0, true},
	{"no", 0, true},
	{"0", 0, true},
	{NULL, 0, false}
};

void		_PG_init(void);

/*
 * The engine threads of one persistence run: topembed.persistence_threads,
 * or for 0 (automatic) one per core that max_parallel_workers would give a
 * parallel query, the leader included (max_parallel_workers + 1), never
 * more than the online CPUs; 1 inside a parallel worker, whose leader and
 * siblings already use the other cores.
 */
int
te_persistence_threads_now(void)
{
	long		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int			t = te_persistence_threads;

	if (IsParallelWorker())
		return 1;
	if (cpus < 1)
		cpus = 1;
	if (t == 0)
		t = max_parallel_workers + 1;
	if (t > cpus)
		t = (int) cpus;
	return t < 1 ? 1 : t;
}

/* apply topembed.blas_threads to OpenBLAS */
static void
assign_blas_threads(int newval, void *extra)
{
	(void) extra;
	openblas_set_num_threads(newval);
}

/* define the GUCs and pin OpenBLAS to one thread */
void
_PG_init(void)
{
	/*
	 * OpenBLAS's worker threads do not survive fork(): a library loaded in
	 * the postmaster and used in a forked backend can deadlock.  A backend
	 * therefore runs BLAS on one thread unless the user asks for more;
	 * parallelism comes from PostgreSQL's parallel workers.
	 */
	DefineCustomIntVariable("topembed.blas_threads",
							"Number of OpenBLAS threads a backend may use.",
							"1 is the safe default: BLAS threads and fork() do not mix.",
							&te_blas_threads,
							1, 1, 64,
							PGC_SUSET, 0,
							NULL, assign_blas_threads, NULL);
	openblas_set_num_threads(te_blas_threads);

	/*
	 * The engine's own threads are a preference of the session, as
	 * max_parallel_workers_per_gather is: they spend only the cores of this
	 * one query (never more than are online), they hold their extra memory
	 * under topembed.persistence_memory_limit, and they live within one
	 * engine call, so they neither meet fork() nor touch PostgreSQL.
	 */
	DefineCustomIntVariable("topembed.persistence_threads",
							"Threads of the persistence engine's own in one computation.",
							"0 (the default) uses min(online CPUs, max_parallel_workers + 1); 1 runs on the backend's thread alone.",
							&te_persistence_threads,
							0, 0, TE_RIPS_MAX_THREADS,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("topembed.moments_max_dim",
							"Largest embedding dimension a moments sketch accepts.",
							"A sketch of d dimensions holds a d x d scatter matrix of 8*d*d bytes.",
							&te_moments_max_dim,
							4096, 1, 8192,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("topembed.max_points",
							"Largest number of points the unsampled persistence aggregates accept.",
							"Use the sampled form of topembed.persistence for larger inputs.",
							&te_max_points,
							50000, 2, INT_MAX / 2,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("topembed.persistence_memory_limit",
							"Largest estimated working memory of one persistence computation.",
							NULL,
							&te_persistence_memory_limit_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	/*
	 * Progress reports are a preference of the session, not a limit: any
	 * role may turn them on.  They cost one clock reading per interrupt
	 * check, and at most one message per interval.
	 */
	DefineCustomEnumVariable("topembed.progress",
							 "Report the progress of long persistence and clusters computations.",
							 "off, notice (to the client, as NOTICE), or log (to the server log, for cron jobs).",
							 &te_progress_level,
							 0, progress_levels,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("topembed.progress_interval",
							"Shortest time between two progress reports.",
							NULL,
							&te_progress_interval_ms,
							5000, 100, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("topembed");
#else
	EmitWarningsOnPlaceholders("topembed");
#endif
}
