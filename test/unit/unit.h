/*
 * unit.h - a minimal TAP producer for the core's unit tests
 *
 * Each test binary prints "ok - name" or "not ok - name" lines; the runner
 * (scripts/test.sh) counts them.  main() returns unit_done().
 *
 * Two environment variables adapt the big tests to valgrind (make test runs
 * every suite under memcheck with both set):
 *   TE_UNIT_SLOW=factor  time bounds (interrupt latency) are scaled by it
 *   TE_UNIT_REDUCED=1    the big tests take smaller inputs, unit_size(), kept
 *                        above the core's block sizes so the blocked paths
 *                        still run; a check that cannot run at the reduced
 *                        size says so with unit_skip_reduced(), never silently
 */
#ifndef TOPEMBED_UNIT_H
#define TOPEMBED_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "topembed/common.h"

static int	unit_failed_count = 0;

/* report one check */
static inline int
unit_ok(int cond, const char *fmt,...)
{
	va_list		ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		unit_failed_count++;
	return cond;
}

/* |a - b| <= tol * max(1, |b|) */
static inline int
unit_close(double a, double b, double tol)
{
	double		scale = fabs(b) > 1.0 ? fabs(b) : 1.0;

	return fabs(a - b) <= tol * scale;
}

/* TE_UNIT_REDUCED set and neither empty nor "0" */
static inline int
unit_reduced(void)
{
	const char *s = getenv("TE_UNIT_REDUCED");

	return s != NULL && *s != '\0' && strcmp(s, "0") != 0;
}

/* full normally, reduced under TE_UNIT_REDUCED */
static inline long long
unit_size(long long full, long long reduced)
{
	return unit_reduced() ? reduced : full;
}

/* the TE_UNIT_SLOW factor for time bounds: 1 unless set */
static inline double
unit_slow(void)
{
	const char *s = getenv("TE_UNIT_SLOW");
	double		f = s ? atof(s) : 1.0;

	return f > 0.0 ? f : 1.0;
}

/* a check left out at the reduced size: "ok - name # SKIP reduced: reason" */
static inline void
unit_skip_reduced(const char *reason, const char *fmt,...)
{
	va_list		ap;

	printf("ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP reduced: %s\n", reason);
	fflush(stdout);
}

static inline int
unit_done(void)
{
	return unit_failed_count ? 1 : 0;
}

/*
 * A counting allocator and an interrupt check that trips from check
 * trip_at on (-1: never), for the suites that check that a cancelled run
 * leaves nothing allocated
 */
typedef struct UnitCounter
{
	int64_t		live_blocks;
	int64_t		checks;
	int64_t		trip_at;
} UnitCounter;

/* malloc, counted */
static inline void *
unit_count_alloc(void *ctx, size_t size)
{
	UnitCounter *c = ctx;
	void	   *p = malloc(size ? size : 1);

	if (p)
		c->live_blocks++;
	return p;
}

/* free, counted */
static inline void
unit_count_release(void *ctx, void *ptr)
{
	UnitCounter *c = ctx;

	c->live_blocks--;
	free(ptr);
}

/* trips from check trip_at on */
static inline int
unit_count_check(void *ctx)
{
	UnitCounter *c = ctx;

	c->checks++;
	return c->trip_at >= 0 && c->checks > c->trip_at;
}

/* an env on a fresh counter */
static inline void
unit_env_counting(TeEnv *env, UnitCounter *c, int64_t trip_at)
{
	memset(c, 0, sizeof(*c));
	c->trip_at = trip_at;
	memset(env, 0, sizeof(*env));
	env->alloc = unit_count_alloc;
	env->release = unit_count_release;
	env->check = unit_count_check;
	env->ctx = c;
}

/* uniform in [0, 1): xorshift64, the same sequence in every suite that uses it */
static inline double
unit_urand(void)
{
	static uint64_t state = 0x9E3779B97F4A7C15ull;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (double) (state >> 11) / 9007199254740992.0;
}

#endif							/* TOPEMBED_UNIT_H */
