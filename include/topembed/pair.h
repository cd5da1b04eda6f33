/*
 * pair.h - one bar of a persistence diagram
 *
 * Shared by the Rips engine (rips.h) and the diagram analytics (diagram.h).
 * death is INFINITY for an essential class.
 */
#ifndef TOPEMBED_PAIR_H
#define TOPEMBED_PAIR_H

#include <stdint.h>

typedef struct TePersPair
{
	int32_t		dim;
	double		birth;
	double		death;
} TePersPair;

#endif							/* TOPEMBED_PAIR_H */
