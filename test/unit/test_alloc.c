/*
 * test_alloc.c - unit tests of the core's accounted allocator (alloc.c)
 *
 * The arena runs on a counting TeEnv that knows every live block, so each
 * check can compare the arena's books with what the env really holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "unit.h"

/* the env's view: live blocks and bytes, and an optional refusal point */
typedef struct CountCtx
{
	int64_t		live;
	int64_t		calls;
	int64_t		fail_at;		/* refuse the call with this number; -1 never */
} CountCtx;

/* a malloc that counts, and refuses when told */
static void *
count_alloc(void *ctx, size_t size)
{
	CountCtx   *c = ctx;

	if (c->fail_at >= 0 && c->calls++ == c->fail_at)
		return NULL;
	c->live++;
	return malloc(size);
}

/* the matching free */
static void
count_release(void *ctx, void *p)
{
	CountCtx   *c = ctx;

	if (p)
		c->live--;
	free(p);
}

/* an env on the counting allocator */
static void
count_env(TeEnv *env, CountCtx *c)
{
	memset(env, 0, sizeof(*env));
	memset(c, 0, sizeof(*c));
	c->fail_at = -1;
	env->alloc = count_alloc;
	env->release = count_release;
	env->ctx = c;
}

/* current and peak bytes count each block with its header */
static void
test_books(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	char	   *p,
			   *q;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	p = arena_alloc(&a, 100);
	q = arena_alloc0(&a, 50);
	unit_ok(p && q && a.cur == 150 + 2 * ARENA_HEADER && a.peak == a.cur,
			"books: two blocks held, %zu bytes with headers", a.cur);
	unit_ok(q[0] == 0 && q[49] == 0, "books: arena_alloc0 zeroes");
	unit_ok(((uintptr_t) p % 16) == 0 && ((uintptr_t) q % 16) == 0,
			"books: blocks are 16-byte aligned");
	arena_free(&a, p);
	unit_ok(a.cur == 50 + ARENA_HEADER && a.peak == 150 + 2 * ARENA_HEADER,
			"books: freeing one block lowers cur, not peak");
	arena_free(&a, NULL);
	unit_ok(arena_blocks(&a) == 1 && cc.live == 1, "books: freeing NULL does nothing");
	arena_free(&a, q);
	unit_ok(a.cur == 0 && cc.live == 0 && arena_blocks(&a) == 0,
			"books: everything returned to the env");
}

/* a limit refuses with TE_LIMIT and the rips engine's message */
static void
test_limit(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	void	   *p,
			   *q;

	count_env(&env, &cc);
	arena_init(&a, &env, 1000, "persistence");
	p = arena_alloc(&a, 1000 - ARENA_HEADER);
	unit_ok(p != NULL, "limit: a block that exactly fills the limit is granted");
	q = arena_alloc(&a, 1);
	unit_ok(q == NULL && a.status == TE_LIMIT &&
			strcmp(env.msg, "persistence needs more than 1017 bytes of working memory "
				   "(memory limit 1000 bytes)") == 0,
			"limit: one byte more is TE_LIMIT (%s)", env.msg);
	unit_ok(cc.live == 1 && a.cur == 1000, "limit: a refusal leaves the books unchanged");
	arena_free(&a, p);
	q = arena_alloc(&a, 500);
	unit_ok(q != NULL, "limit: after a free the room is there again");
	arena_free_all(&a);
	unit_ok(cc.live == 0, "limit: free_all returns everything");
}

/* count * size overflows are refused without touching the env */
static void
test_overflow(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	unit_ok(arena_array(&a, SIZE_MAX / 4, 8) == NULL && a.status == TE_NOMEM &&
			strstr(env.msg, "cannot allocate") != NULL && cc.calls == 0,
			"overflow: count * size beyond SIZE_MAX is TE_NOMEM (%s)", env.msg);
	unit_ok(arena_array0(&a, (SIZE_MAX - ARENA_HEADER) / 2 + 1, 2) == NULL && cc.calls == 0,
			"overflow: the header counts in the overflow check");
	unit_ok(arena_alloc(&a, SIZE_MAX - 3) == NULL && a.status == TE_NOMEM && cc.calls == 0,
			"overflow: a size that cannot carry its header is refused");
	unit_ok(arena_array(&a, 0, 8) != NULL && arena_array(&a, 12, 0) != NULL,
			"overflow: zero-sized arrays are fine");
	arena_free_all(&a);
	unit_ok(cc.live == 0 && a.cur == 0, "overflow: nothing left behind");
}

/* env refusals become TE_NOMEM with the bytes held */
static void
test_env_refusal(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	void	   *p;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	p = arena_alloc(&a, 64);
	cc.fail_at = cc.calls;
	unit_ok(arena_alloc(&a, 32) == NULL && a.status == TE_NOMEM &&
			strcmp(env.msg, "out of memory allocating 32 bytes (80 held)") == 0,
			"refusal: the env's NULL is TE_NOMEM (%s)", env.msg);
	unit_ok(a.cur == 64 + ARENA_HEADER && arena_blocks(&a) == 1,
			"refusal: the books are unchanged");
	arena_free(&a, p);
	unit_ok(cc.live == 0, "refusal: nothing leaked");
}

/* growth keeps the contents, frees the old block, and counts both at the peak */
static void
test_grow(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	int		   *v = NULL;
	size_t		len = 0,
				cap = 0,
				i;
	int			ok = 1;
	int		   *w;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	for (i = 0; i < 100000; i++)
	{
		if (len == cap)
		{
			size_t		ncap = cap ? cap * 2 : 4;
			int		   *nv = arena_grow(&a, v, cap * sizeof(int), ncap * sizeof(int));

			if (!nv)
			{
				ok = 0;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[len++] = (int) (i * 7);
	}
	for (i = 0; ok && i < len; i++)
		ok = v[i] == (int) (i * 7);
	unit_ok(ok && len == 100000, "grow: 100000 appends keep every value");
	unit_ok(arena_blocks(&a) == 1 && cc.live == 1 && a.cur == cap * sizeof(int) + ARENA_HEADER,
			"grow: one block held after growth");
	unit_ok(a.peak == (cap + cap / 2) * sizeof(int) + 2 * ARENA_HEADER,
			"grow: the peak counts old and new block together (%zu)", a.peak);
	w = arena_grow(&a, v, cap * sizeof(int), 8 * sizeof(int));
	unit_ok(w && w[7] == 49 && a.cur == 8 * sizeof(int) + ARENA_HEADER,
			"grow: shrinking keeps the first bytes");
	arena_free(&a, w);
	unit_ok(cc.live == 0 && a.cur == 0, "grow: no block left");
	arena_init(&a, &env, 100, "test");
	v = arena_alloc(&a, 40);
	w = arena_grow(&a, v, 40, 80);
	unit_ok(w == NULL && a.status == TE_LIMIT && arena_blocks(&a) == 1,
			"grow: a refused growth keeps the old block (%s)", env.msg);
	arena_free_all(&a);
	unit_ok(cc.live == 0, "grow: free_all after a refused growth");
}

/* a deterministic pseudo-random sequence */
static uint64_t rng = 88172645463325252ull;

/* xorshift64 */
static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* random allocations and frees against a model, then free_all */
static void
test_random(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	enum
	{
		NB = 500
	};
	unsigned char *blk[NB];
	size_t		sz[NB];
	size_t		model = 0,
				peak = 0;
	int			i,
				step,
				ok = 1;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	memset(blk, 0, sizeof(blk));
	for (step = 0; step < 20000 && ok; step++)
	{
		i = (int) (next_rand() % NB);
		if (blk[i])
		{
			size_t		k;

			for (k = 0; k < sz[i]; k++)
				if (blk[i][k] != (unsigned char) i)
					ok = 0;
			arena_free(&a, blk[i]);
			model -= sz[i] + ARENA_HEADER;
			blk[i] = NULL;
		}
		else
		{
			sz[i] = (size_t) (next_rand() % 300);
			blk[i] = arena_alloc(&a, sz[i]);
			if (!blk[i])
				ok = 0;
			else
				memset(blk[i], i, sz[i]);
			model += sz[i] + ARENA_HEADER;
			if (model > peak)
				peak = model;
		}
		if (a.cur != model || a.peak != peak)
			ok = 0;
	}
	unit_ok(ok, "random: 20000 allocations and frees keep contents and books (%zu blocks held)",
			arena_blocks(&a));
	unit_ok(arena_blocks(&a) > ARENA_INLINE_SLOTS,
			"random: the slot table grew beyond its inline part");
	arena_free_all(&a);
	unit_ok(cc.live == 0 && a.cur == 0 && arena_blocks(&a) == 0,
			"random: free_all returns every block and the slot table");
	unit_ok(arena_alloc(&a, 10) != NULL && arena_blocks(&a) == 1,
			"random: the arena is usable after free_all");
	arena_free_all(&a);
	unit_ok(cc.live == 0, "random: and empty again");
}

/* a refusal of the slot table's growth is TE_NOMEM and leaks nothing */
static void
test_slot_refusal(void)
{
	TeEnv		env;
	CountCtx	cc;
	Arena		a;
	int			i;
	void	   *p;

	count_env(&env, &cc);
	arena_init(&a, &env, 0, "test");
	for (i = 0; i < ARENA_INLINE_SLOTS; i++)
		arena_alloc(&a, 8);
	cc.fail_at = cc.calls;
	p = arena_alloc(&a, 8);
	unit_ok(p == NULL && a.status == TE_NOMEM && strstr(env.msg, "tracking") != NULL &&
			a.cur == ARENA_INLINE_SLOTS * (8 + ARENA_HEADER),
			"slots: a refused table growth is TE_NOMEM (%s)", env.msg);
	arena_free_all(&a);
	unit_ok(cc.live == 0, "slots: free_all after it leaks nothing");
}

/* run every test */
int
main(void)
{
	test_books();
	test_limit();
	test_overflow();
	test_env_refusal();
	test_grow();
	test_random();
	test_slot_refusal();
	return unit_done();
}
