/*
 * sort_template.h - in-place sorts of one element type, made by the includer
 *
 * The core never calls qsort(): glibc's may allocate a scratch copy behind
 * the TeEnv allocator, and it cannot be interrupted.  Instead a file defines
 * a few macros and includes this header, once per element type, in the way
 * of PostgreSQL's lib/sort_template.h; the header defines static functions
 * and undefines its macros, so it may be included again.
 *
 * Macros the includer defines:
 *   ST_PREFIX        name prefix of the functions made (required)
 *   ST_ELEMENT_TYPE  the element type (required)
 *   ST_LESS(a, b)    nonzero when *a sorts strictly before *b, a strict weak
 *                    order; a and b are const ST_ELEMENT_TYPE * (required)
 *   ST_INSERTION_MAX ranges of at most this many elements are finished by
 *                    insertion sort (default 16)
 *   ST_CHECK(ctx, units)
 *                    optional: an expression of type TeStatus that counts
 *                    units of work and returns TE_OK to go on; any other
 *                    status stops the sort and is returned.  With it every
 *                    function takes a first argument ST_CHECK_TYPE *ctx
 *   ST_CHECK_TYPE    the type ctx points to (required with ST_CHECK)
 *
 * Functions made (static inline, so unused ones cost nothing):
 *   PREFIX_sort(a, n)          introsort: quicksort with the median of the
 *                              first, middle and last elements and a Hoare
 *                              partition, recursing into the smaller side
 *                              only (stack depth O(log n)); heapsort once a
 *                              range has been split ST_DEPTH times, so the
 *                              worst case is O(n log n) even on inputs made
 *                              against the pivot choice
 *   PREFIX_heapsort(a, n)      heapsort of a binary max-heap, O(n log n) in
 *                              every case and no recursion
 *   PREFIX_insertion(a, n)     insertion sort (stable), for short arrays
 *   PREFIX_sift_down(a, r, n)  restore the max-heap a[0..n) below r
 *   PREFIX_heapify(a, n)       make a[0..n) a max-heap (largest at a[0])
 * With ST_CHECK the sorts return TeStatus and take ctx first; without it
 * they return void.  None allocates.  None is stable except insertion; the
 * order of equal elements is a deterministic function of the input.
 *
 * Work units with ST_CHECK: one per element of each partition, about
 * log2(n) per element sifted by the heapsort, and one per element shifted
 * by the insertion sort is not counted (those ranges are short).
 */
#include <stdint.h>

#include "topembed/common.h"

#ifndef ST_PREFIX
#error "sort_template.h needs ST_PREFIX"
#endif
#ifndef ST_ELEMENT_TYPE
#error "sort_template.h needs ST_ELEMENT_TYPE"
#endif
#ifndef ST_LESS
#error "sort_template.h needs ST_LESS"
#endif
#ifndef ST_INSERTION_MAX
#define ST_INSERTION_MAX 16
#endif

#define ST_CAT_(a, b) a##_##b
#define ST_CAT(a, b) ST_CAT_(a, b)
#define ST_FN(name) ST_CAT(ST_PREFIX, name)

#ifdef ST_CHECK
#define ST_RET TeStatus
#define ST_CTX_PARAM ST_CHECK_TYPE *st_ctx,
#define ST_CTX_ARG st_ctx,
#define ST_OK TE_OK
/* count units; leave the sort with the status if it is not TE_OK */
#define ST_TICK(units) \
	do { \
		TeStatus	st_status_ = (ST_CHECK(st_ctx, (units))); \
		if (st_status_ != TE_OK) \
			return st_status_; \
	} while (0)
/* call a sort of this template; leave with its status if it is not TE_OK */
#define ST_CALL(call) \
	do { \
		TeStatus	st_status_ = (call); \
		if (st_status_ != TE_OK) \
			return st_status_; \
	} while (0)
#else
#define ST_RET void
#define ST_CTX_PARAM
#define ST_CTX_ARG
#define ST_OK
#define ST_TICK(units) ((void) 0)
#define ST_CALL(call) (call)
#endif

/* the number of splits a range of n elements may take before heapsort */
static inline int
ST_FN(depth_budget) (int64_t n)
{
	int			depth = 2;

	for (; n > 1; n >>= 1)
		depth += 2;
	return depth;
}

/* restore the max-heap property of a[0..n) below a[r] */
static inline void
ST_FN(sift_down) (ST_ELEMENT_TYPE *a, int64_t r, int64_t n)
{
	ST_ELEMENT_TYPE x = a[r];

	for (;;)
	{
		int64_t		c = 2 * r + 1;

		if (c >= n)
			break;
		if (c + 1 < n && ST_LESS(&a[c], &a[c + 1]))
			c++;
		if (!ST_LESS(&x, &a[c]))
			break;
		a[r] = a[c];
		r = c;
	}
	a[r] = x;
}

/* make a[0..n) a max-heap, the largest element at a[0] */
static inline ST_RET
ST_FN(heapify) (ST_CTX_PARAM ST_ELEMENT_TYPE *a, int64_t n)
{
	int64_t		i;
	uint64_t	lg = 1;
	int64_t		t;

	for (t = n; t > 1; t >>= 1)
		lg++;
	(void) lg;
	for (i = n / 2 - 1; i >= 0; i--)
	{
		ST_FN(sift_down) (a, i, n);
		ST_TICK(lg);
	}
	return ST_OK;
}

/* heapsort a[0..n) ascending */
static inline ST_RET
ST_FN(heapsort) (ST_CTX_PARAM ST_ELEMENT_TYPE *a, int64_t n)
{
	int64_t		i;
	uint64_t	lg = 1;
	int64_t		t;

	for (t = n; t > 1; t >>= 1)
		lg++;
	(void) lg;
	ST_CALL(ST_FN(heapify) (ST_CTX_ARG a, n));
	for (i = n - 1; i > 0; i--)
	{
		ST_ELEMENT_TYPE x = a[0];

		a[0] = a[i];
		a[i] = x;
		ST_FN(sift_down) (a, 0, i);
		ST_TICK(2 * lg);
	}
	return ST_OK;
}

/* insertion sort of a[0..n) ascending; stable */
static inline void
ST_FN(insertion) (ST_ELEMENT_TYPE *a, int64_t n)
{
	int64_t		i,
				j;

	for (i = 1; i < n; i++)
	{
		ST_ELEMENT_TYPE x = a[i];

		for (j = i - 1; j >= 0 && ST_LESS(&x, &a[j]); j--)
			a[j + 1] = a[j];
		a[j + 1] = x;
	}
}

/* the median of *x, *y, *z under ST_LESS, as a copy */
static inline ST_ELEMENT_TYPE
ST_FN(median3) (const ST_ELEMENT_TYPE *x, const ST_ELEMENT_TYPE *y, const ST_ELEMENT_TYPE *z)
{
	if (ST_LESS(x, y))
		return ST_LESS(y, z) ? *y : (ST_LESS(x, z) ? *z : *x);
	return ST_LESS(x, z) ? *x : (ST_LESS(y, z) ? *z : *y);
}

/* introsort of a[0..n) with a budget of depth splits */
static inline ST_RET
ST_FN(sort_range) (ST_CTX_PARAM ST_ELEMENT_TYPE *a, int64_t n, int depth)
{
	int64_t		i,
				j;

	while (n > ST_INSERTION_MAX)
	{
		ST_ELEMENT_TYPE piv;

		if (depth-- <= 0)
		{
			ST_CALL(ST_FN(heapsort) (ST_CTX_ARG a, n));
			return ST_OK;
		}
		piv = ST_FN(median3) (&a[0], &a[n / 2], &a[n - 1]);
		i = 0;
		j = n - 1;
		while (i <= j)
		{
			while (ST_LESS(&a[i], &piv))
				i++;
			while (ST_LESS(&piv, &a[j]))
				j--;
			if (i <= j)
			{
				ST_ELEMENT_TYPE x = a[i];

				a[i] = a[j];
				a[j] = x;
				i++;
				j--;
			}
		}
		ST_TICK((uint64_t) n);
		/* a[0..j] <= piv <= a[i..n): recurse into the smaller side */
		if (j + 1 < n - i)
		{
			ST_CALL(ST_FN(sort_range) (ST_CTX_ARG a, j + 1, depth));
			a += i;
			n -= i;
		}
		else
		{
			ST_CALL(ST_FN(sort_range) (ST_CTX_ARG a + i, n - i, depth));
			n = j + 1;
		}
	}
	ST_FN(insertion) (a, n);
	return ST_OK;
}

/* introsort a[0..n) ascending */
static inline ST_RET
ST_FN(sort) (ST_CTX_PARAM ST_ELEMENT_TYPE *a, int64_t n)
{
	ST_CALL(ST_FN(sort_range) (ST_CTX_ARG a, n, ST_FN(depth_budget) (n)));
	return ST_OK;
}

#undef ST_PREFIX
#undef ST_ELEMENT_TYPE
#undef ST_LESS
#undef ST_INSERTION_MAX
#undef ST_CHECK
#undef ST_CHECK_TYPE
#undef ST_CAT_
#undef ST_CAT
#undef ST_FN
#undef ST_RET
#undef ST_CTX_PARAM
#undef ST_CTX_ARG
#undef ST_OK
#undef ST_TICK
#undef ST_CALL
