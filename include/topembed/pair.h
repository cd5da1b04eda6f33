/*
 * pair.h - one bar of a persistence diagram, shared by the Rips engine, the
 * diagram analytics and the plots
 */
#ifndef TOPEMBED_PAIR_H
#define TOPEMBED_PAIR_H

#include <stdint.h>

/* one persistence pair; death = INFINITY for an essential class */
typedef struct TePersPair
{
	int32_t		dim;
	double		birth;
	double		death;
} TePersPair;

#endif							/* TOPEMBED_PAIR_H */
