/*
 * common.c - allocation, failure and environment helpers of the core
 */
#include "topembed/common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* allocate through the caller's allocator */
void *
te_alloc(TeEnv *env, size_t size)
{
	return env->alloc(env->ctx, size ? size : 1);
}

/* allocate and zero */
void *
te_alloc0(TeEnv *env, size_t size)
{
	void	   *p = te_alloc(env, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* allocate count * elsize bytes, refusing on overflow */
void *
te_alloc_array(TeEnv *env, size_t count, size_t elsize)
{
	if (elsize != 0 && count > SIZE_MAX / elsize)
		return NULL;
	return te_alloc(env, count * elsize);
}

/* release memory obtained from te_alloc; NULL is fine */
void
te_free(TeEnv *env, void *ptr)
{
	if (ptr && env->release)
		env->release(env->ctx, ptr);
}

/* store a failure detail and hand back the status */
TeStatus
te_fail(TeEnv *env, TeStatus status, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(env->msg, sizeof(env->msg), fmt, ap);
	va_end(ap);
	return status;
}

/* 64-bit FNV-1a over n bytes */
uint64_t
te_hash_bytes(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* the Euclidean norm: plain when the squares are safe, else scaled by the largest |x| */
double
te_norm2(const double *x, int n)
{
	double		ss = 0.0,
				big = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		ss += x[i] * x[i];
	if (ss > 1e-290 && ss < 1e290)
		return sqrt(ss);
	for (i = 0; i < n; i++)
		if (fabs(x[i]) > big)
			big = fabs(x[i]);
	if (big == 0.0)
		return 0.0;
	ss = 0.0;
	for (i = 0; i < n; i++)
		ss += (x[i] / big) * (x[i] / big);
	return sqrt(ss) * big;
}

/* the allocator of te_env_init_malloc */
static void *
malloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

/* its release */
static void
malloc_release(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

/* an environment on malloc for command-line tools and unit tests */
void
te_env_init_malloc(TeEnv *env)
{
	memset(env, 0, sizeof(*env));
	env->alloc = malloc_alloc;
	env->release = malloc_release;
	env->check = NULL;
	env->ctx = NULL;
}

/* a short name for a status */
const char *
te_status_name(TeStatus status)
{
	switch (status)
	{
		case TE_OK:
			return "ok";
		case TE_NOMEM:
			return "out of memory";
		case TE_CANCELLED:
			return "cancelled";
		case TE_INVALID:
			return "invalid input";
		case TE_LIMIT:
			return "limit exceeded";
		case TE_NUMERIC:
			return "numerical failure";
		case TE_RANGE:
			return "value out of range";
	}
	return "unknown status";
}

/* trial division, by odd divisors after 2; p * p need not fit an int */
int
te_is_prime(int64_t p)
{
	int64_t		d;

	if (p < 2)
		return 0;
	if (p % 2 == 0)
		return p == 2;
	for (d = 3; d <= p / d; d += 2)
		if (p % d == 0)
			return 0;
	return 1;
}
