/*
 * module.c - module magic, GUCs and OpenBLAS threading
 */
#include "topembed.h"

#include <limits.h>

#include "utils/guc.h"

PG_MODULE_MAGIC;

/* from OpenBLAS (cblas.h); declared here to keep the BLAS headers out */
extern void openblas_set_num_threads(int num_threads);

int			te_blas_threads = 1;
int			te_moments_max_dim = 4096;
int			te_max_points = 50000;
int			te_persistence_memory_limit_kb = 1024 * 1024;

void		_PG_init(void);

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

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("topembed");
#else
	EmitWarningsOnPlaceholders("topembed");
#endif
}
