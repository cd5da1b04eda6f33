/*
 * diagram_internal.h - helpers shared by diagram.c, bottleneck.c and wasserstein.c (not public)
 */
#ifndef TOPEMBED_DIAGRAM_INTERNAL_H
#define TOPEMBED_DIAGRAM_INTERNAL_H

#include "topembed/diagram.h"

/* the dim part of a diagram: finite points and sorted essential births */
typedef struct TeDgmPart
{
	int64_t		n;				/* finite points */
	double	   *birth;
	double	   *death;
	int64_t		n_ess;			/* essential points */
	double	   *ess;			/* their births, ascending */
} TeDgmPart;

/*
 * sort x[0..n) ascending in place (no allocation); with a ticker the
 * interrupt check runs as it goes (TE_CANCELLED), without one never
 */
TeStatus	te_sort_doubles(TeTicker *tk, double *x, int64_t n);

/* validate the dim argument and the pairs, then split out the dim part */
TeStatus	te_dgm_part_load(TeEnv *env, TeDgmPart *part, const TePersPair *pairs,
							 int64_t n, int dim);

/* release what te_dgm_part_load allocated */
void		te_dgm_part_free(TeEnv *env, TeDgmPart *part);

#endif							/* TOPEMBED_DIAGRAM_INTERNAL_H */
