/*
 * alloc.c - the core's accounted allocator: see alloc_internal.h
 *
 * Every block starts with a 16-byte header holding its size and its index in
 * the arena's table of live blocks, so freeing one block is O(1) (the last
 * entry of the table moves into its place) and arena_free_all() can walk
 * the table.
 */
#include "alloc_internal.h"

#include <string.h>

/* the header in front of every block */
typedef struct ArenaHeader
{
	size_t		size;			/* bytes asked for */
	size_t		slot;			/* index in Arena.slots */
} ArenaHeader;

_Static_assert(sizeof(ArenaHeader) <= ARENA_HEADER, "the block header must fit ARENA_HEADER");

/* start an arena: nothing held, the inline slot table */
void
arena_init(Arena *a, TeEnv *env, size_t limit, const char *what)
{
	memset(a, 0, sizeof(*a));
	a->env = env;
	a->limit = limit;
	a->what = what ? what : "the computation";
	a->status = TE_NOMEM;
	a->slots = a->inline_slots;
	a->cap_slots = ARENA_INLINE_SLOTS;
}

/* make room for one more live block in the slot table */
static int
reserve_slot(Arena *a)
{
	void	  **ns;
	size_t		cap;

	if (a->n_slots < a->cap_slots)
		return 1;
	if (a->cap_slots > SIZE_MAX / 2 / sizeof(void *))
		ns = NULL;
	else
	{
		cap = a->cap_slots * 2;
		ns = te_alloc(a->env, cap * sizeof(void *));
	}
	if (!ns)
	{
		a->status = TE_NOMEM;
		te_fail(a->env, TE_NOMEM, "out of memory tracking %zu blocks (%zu bytes held)",
				a->n_slots + 1, a->cur);
		return 0;
	}
	memcpy(ns, a->slots, a->n_slots * sizeof(void *));
	if (a->slots != a->inline_slots)
		te_free(a->env, a->slots);
	a->slots = ns;
	a->cap_slots = cap;
	return 1;
}

/* allocate through the env, counting bytes and honouring the limit */
void *
arena_alloc(Arena *a, size_t size)
{
	unsigned char *p;
	ArenaHeader h;

	if (size > SIZE_MAX - ARENA_HEADER)
	{
		a->status = TE_NOMEM;
		te_fail(a->env, TE_NOMEM, "cannot allocate %zu bytes", size);
		return NULL;
	}
	if (a->limit && (a->cur + size + ARENA_HEADER > a->limit))
	{
		a->status = TE_LIMIT;
		te_fail(a->env, TE_LIMIT,
				"%s needs more than %zu bytes of working memory (memory limit %zu bytes)",
				a->what, a->cur + size + ARENA_HEADER, a->limit);
		return NULL;
	}
	if (!reserve_slot(a))
		return NULL;
	p = te_alloc(a->env, size + ARENA_HEADER);
	if (!p)
	{
		a->status = TE_NOMEM;
		te_fail(a->env, TE_NOMEM, "out of memory allocating %zu bytes (%zu held)",
				size, a->cur);
		return NULL;
	}
	h.size = size;
	h.slot = a->n_slots;
	memcpy(p, &h, sizeof(h));
	a->slots[a->n_slots++] = p;
	a->cur += size + ARENA_HEADER;
	if (a->cur > a->peak)
		a->peak = a->cur;
	return p + ARENA_HEADER;
}

/* allocate and zero */
void *
arena_alloc0(Arena *a, size_t size)
{
	void	   *p = arena_alloc(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* allocate count * elsize bytes, refusing on overflow */
void *
arena_array(Arena *a, size_t count, size_t elsize)
{
	if (elsize != 0 && count > (SIZE_MAX - ARENA_HEADER) / elsize)
	{
		a->status = TE_NOMEM;
		te_fail(a->env, TE_NOMEM, "cannot allocate %zu items of %zu bytes", count, elsize);
		return NULL;
	}
	return arena_alloc(a, count * elsize);
}

/* allocate and zero count * elsize bytes, refusing on overflow */
void *
arena_array0(Arena *a, size_t count, size_t elsize)
{
	void	   *p = arena_array(a, count, elsize);

	if (p)
		memset(p, 0, count * elsize);
	return p;
}

/* release one block: uncount it and fill its slot with the last one */
void
arena_free(Arena *a, void *p)
{
	unsigned char *q;
	ArenaHeader h;

	if (!p)
		return;
	q = (unsigned char *) p - ARENA_HEADER;
	memcpy(&h, q, sizeof(h));
	a->cur -= h.size + ARENA_HEADER;
	a->n_slots--;
	if (h.slot != a->n_slots)
	{
		unsigned char *moved = a->slots[a->n_slots];
		ArenaHeader mh;

		memcpy(&mh, moved, sizeof(mh));
		mh.slot = h.slot;
		memcpy(moved, &mh, sizeof(mh));
		a->slots[h.slot] = moved;
	}
	te_free(a->env, q);
}

/* move a block to a new size (allocate, copy, free) */
void *
arena_grow(Arena *a, void *p, size_t oldsize, size_t newsize)
{
	void	   *q = arena_alloc(a, newsize);

	if (!q)
		return NULL;
	if (p)
	{
		memcpy(q, p, oldsize < newsize ? oldsize : newsize);
		arena_free(a, p);
	}
	return q;
}

/* release every live block, newest first, and return to the inline table */
void
arena_free_all(Arena *a)
{
	while (a->n_slots > 0)
	{
		unsigned char *q = a->slots[--a->n_slots];
		ArenaHeader h;

		memcpy(&h, q, sizeof(h));
		a->cur -= h.size + ARENA_HEADER;
		te_free(a->env, q);
	}
	if (a->slots != a->inline_slots)
		te_free(a->env, a->slots);
	a->slots = a->inline_slots;
	a->cap_slots = ARENA_INLINE_SLOTS;
}
