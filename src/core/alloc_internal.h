/*
 * alloc_internal.h - the core's accounted allocator (not a public API)
 *
 * An Arena hands out blocks from the TeEnv allocator and keeps the books:
 * the bytes held now and the most ever held (each block is charged its size
 * plus a 16-byte header), an optional byte limit that turns a request into
 * TE_LIMIT, and the list of live blocks, so that one call releases every
 * block still held (the clean-up of an error path).  A refusal returns NULL
 * with a->status (TE_NOMEM or TE_LIMIT) and env->msg set; the caller returns
 * a->status.
 *
 * The table of live blocks (one pointer per block) lives in the Arena for
 * the first ARENA_INLINE_SLOTS blocks and on the env's allocator beyond; it
 * is not charged to the arena, so that the figures depend only on the
 * blocks asked for.
 *
 * Like all core memory, every block stays reachable from the caller's
 * allocator, so an interrupt check that never returns leaks nothing there.
 */
#ifndef TOPEMBED_ALLOC_INTERNAL_H
#define TOPEMBED_ALLOC_INTERNAL_H

#include "topembed/common.h"

/* bytes charged per block beyond its size: the header that records it */
#define ARENA_HEADER 16

/* live blocks tracked without a table of their own */
#define ARENA_INLINE_SLOTS 32

typedef struct Arena
{
	TeEnv	   *env;
	size_t		cur;			/* bytes held now, headers included */
	size_t		peak;			/* the most ever held */
	size_t		limit;			/* 0 = none */
	const char *what;			/* names the work in the limit message */
	TeStatus	status;			/* TE_NOMEM or TE_LIMIT after a refusal */
	void	  **slots;			/* the live blocks' headers */
	size_t		n_slots;
	size_t		cap_slots;
	void	   *inline_slots[ARENA_INLINE_SLOTS];
} Arena;

/*
 * Start an arena on env.  limit is in bytes (0 = none); what names the work
 * in the message of TE_LIMIT: "<what> needs more than N bytes of working
 * memory (memory limit L bytes)".
 */
void		arena_init(Arena *a, TeEnv *env, size_t limit, const char *what);

/* size bytes, not zeroed; NULL on refusal */
void	   *arena_alloc(Arena *a, size_t size);

/* size bytes, zeroed; NULL on refusal */
void	   *arena_alloc0(Arena *a, size_t size);

/* count * elsize bytes, not zeroed; refuses (TE_NOMEM) if that overflows */
void	   *arena_array(Arena *a, size_t count, size_t elsize);

/* count * elsize bytes, zeroed; refuses (TE_NOMEM) if that overflows */
void	   *arena_array0(Arena *a, size_t count, size_t elsize);

/* release one block of this arena; NULL is fine */
void		arena_free(Arena *a, void *p);

/*
 * Move a block to newsize bytes, keeping its first min(oldsize, newsize)
 * bytes; p may be NULL.  On refusal returns NULL and p stays valid.
 */
void	   *arena_grow(Arena *a, void *p, size_t oldsize, size_t newsize);

/* release every block still held (and the slot table); the arena stays usable */
void		arena_free_all(Arena *a);

/* the number of blocks held now */
static inline size_t
arena_blocks(const Arena *a)
{
	return a->n_slots;
}

#endif							/* TOPEMBED_ALLOC_INTERNAL_H */
