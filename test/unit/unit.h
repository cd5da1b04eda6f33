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

#endif							/* TOPEMBED_UNIT_H */
