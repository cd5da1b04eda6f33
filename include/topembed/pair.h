/*
 * pair.h - one bar of a persistence diagram, shared by the Rips engine, the
 * diagram analytics and the plots
 */
#ifndef TOPEMBED_PAIR_H
#define TOPEMBED_PAIR_H

#include <stdint.h>

/*
 * The highest homology dimension a diagram may hold.  Every reader of
 * diagrams refuses larger ones before it allocates anything sized by them.
 */
#define TE_PAIR_MAX_DIM 1000

/* one persistence pair; death = INFINITY for an essential class */
typedef struct TePersPair
{
	int32_t		dim;
	double		birth;
	double		death;
} TePersPair;

#endif							/* TOPEMBED_PAIR_H */
