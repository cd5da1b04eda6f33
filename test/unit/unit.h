/*
 * unit.h - a minimal TAP producer for the core's unit tests
 *
 * Each test binary prints "ok - name" or "not ok - name" lines; the runner
 * (scripts/test.sh) counts them.  main() returns unit_done().
 */
#ifndef TOPEMBED_UNIT_H
#define TOPEMBED_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdarg.h>

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

static inline int
unit_done(void)
{
	return unit_failed_count ? 1 : 0;
}

#endif							/* TOPEMBED_UNIT_H */
