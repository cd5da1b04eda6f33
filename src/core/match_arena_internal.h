/*
 * match_arena_internal.h - the allocations of one distance computation of
 *                          bottleneck.c and wasserstein.c (not public)
 *
 * Every block is remembered, so that one call releases them all, on success
 * and on every error path alike.
 */
#ifndef TOPEMBED_MATCH_ARENA_INTERNAL_H
#define TOPEMBED_MATCH_ARENA_INTERNAL_H

#include "topembed/common.h"

/* live blocks one arena can hold */
#define ARENA_MAX 64

/* every allocation of one distance computation, freed together */
typedef struct Arena
{
	TeEnv	   *env;
	int			n;
	void	   *ptr[ARENA_MAX];
} Arena;

/* allocate count elements of size bytes, remembered by the arena */
static inline void *
arena_alloc(Arena *a, size_t count, size_t size)
{
	void	   *p;

	if (a->n == ARENA_MAX)
		return NULL;
	p = te_alloc_array(a->env, count, size);
	if (p)
		a->ptr[a->n++] = p;
	return p;
}

/* release one allocation early (the most recent ones are cheapest to find) */
static inline void
arena_release(Arena *a, void *p)
{
	int			i;

	for (i = a->n - 1; i >= 0; i--)
		if (a->ptr[i] == p)
		{
			te_free(a->env, p);
			a->ptr[i] = a->ptr[--a->n];
			return;
		}
}

/* release everything */
static inline void
arena_free(Arena *a)
{
	while (a->n > 0)
		te_free(a->env, a->ptr[--a->n]);
}

#endif							/* TOPEMBED_MATCH_ARENA_INTERNAL_H */
