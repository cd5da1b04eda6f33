/*
 * test_sort.c - unit tests of the sort template (src/core/sort_template.h)
 *
 * The sorts are checked against qsort() as a reference on random, sorted,
 * reversed, organ-pipe and tie-heavy inputs of 0 to 10^6 elements; against
 * the hand-written sorts they replaced (copied below from 0.1.0), element by
 * element including the order of ties; on an input built against the
 * median-of-three pivot (McIlroy's adversary), where the depth budget must
 * keep the comparisons at n log n; and with an interrupt callback that
 * stops them.
 *
 * Under TE_UNIT_REDUCED (make test's valgrind run) the largest inputs are
 * 10^4 and 10^5 instead of 10^5 and 10^6, and the adversary's 5000
 * instead of 20000: the same checks, the partitions still deep enough to
 * need the depth budget.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "topembed/common.h"

/* an element with a key and a payload that shows the order of ties */
typedef struct Item
{
	uint64_t	key;
	uint64_t	tag;
} Item;

/* introsort of Items by key, as rips_reduce.c sorts its entries */
#define ST_PREFIX items
#define ST_ELEMENT_TYPE Item
#define ST_LESS(x, y) ((x)->key < (y)->key)
#include "sort_template.h"

/* the 64-bit keys as rips.c sorts the edges: insertion below 25, ticked */
typedef struct Pace
{
	uint64_t	units;
	uint64_t	calls;
	uint64_t	stop_at;		/* TE_CANCELLED once units reach this; 0 never */
} Pace;

/* count units; cancel when told */
static TeStatus
pace_tick(Pace *p, uint64_t units)
{
	p->units += units;
	p->calls++;
	return (p->stop_at && p->units >= p->stop_at) ? TE_CANCELLED : TE_OK;
}

#define ST_PREFIX keys
#define ST_ELEMENT_TYPE uint64_t
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_INSERTION_MAX 24
#define ST_CHECK(p, units) pace_tick((p), (units))
#define ST_CHECK_TYPE Pace
#include "sort_template.h"

/* comparisons of ints through a hook, for counting and for the adversary */
static int (*int_cmp) (int, int);
static uint64_t n_compares;

#define ST_PREFIX hooked
#define ST_ELEMENT_TYPE int
#define ST_LESS(x, y) (n_compares++, int_cmp(*(x), *(y)) < 0)
#include "sort_template.h"

/* ---- the sorts of 0.1.0, as references for the order of ties ---- */

/* 0.1.0's field sort (rips_reduce.c), specialised to Item */
static void
old_sift(Item *a, int64_t r, int64_t end)
{
	Item		x = a[r];

	for (;;)
	{
		int64_t		c = 2 * r + 1;

		if (c >= end)
			break;
		if (c + 1 < end && a[c + 1].key > a[c].key)
			c++;
		if (x.key >= a[c].key)
			break;
		a[r] = a[c];
		r = c;
	}
	a[r] = x;
}

/* 0.1.0's quicksort with heapsort fallback, parameterised by its cutoff */
static void
old_range(Item *a, int64_t n, int depth, int cutoff)
{
	int64_t		i,
				j;

	while (n > cutoff)
	{
		uint64_t	x = a[0].key,
					y = a[n / 2].key,
					z = a[n - 1].key,
					piv;

		if (depth-- <= 0)
		{
			for (i = n / 2 - 1; i >= 0; i--)
				old_sift(a, i, n);
			for (i = n - 1; i > 0; i--)
			{
				Item		t = a[0];

				a[0] = a[i];
				a[i] = t;
				old_sift(a, 0, i);
			}
			return;
		}
		piv = (x < y) ? ((y < z) ? y : (x < z ? z : x)) : ((x < z) ? x : (y < z ? z : y));
		i = 0;
		j = n - 1;
		while (i <= j)
		{
			while (a[i].key < piv)
				i++;
			while (a[j].key > piv)
				j--;
			if (i <= j)
			{
				Item		t = a[i];

				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (j + 1 < n - i)
		{
			old_range(a, j + 1, depth, cutoff);
			a += i;
			n -= i;
		}
		else
		{
			old_range(a + i, n - i, depth, cutoff);
			n = j + 1;
		}
	}
	for (i = 1; i < n; i++)
	{
		Item		t = a[i];

		for (j = i - 1; j >= 0 && a[j].key > t.key; j--)
			a[j + 1] = a[j];
		a[j + 1] = t;
	}
}

/* 0.1.0's entry point: the depth budget 2 + 2 log2 n */
static void
old_sort(Item *a, int64_t n, int cutoff)
{
	int			depth = 2;
	int64_t		t;

	for (t = n; t > 1; t >>= 1)
		depth += 2;
	old_range(a, n, depth, cutoff);
}

/* 0.1.0's heapsort of bars and doubles (rips.c, diagram.c) */
static void
old_heapsort(Item *a, int64_t n)
{
	int64_t		i;

	for (i = n / 2 - 1; i >= 0; i--)
		old_sift(a, i, n);
	for (i = n - 1; i > 0; i--)
	{
		Item		t = a[0];

		a[0] = a[i];
		a[i] = t;
		old_sift(a, 0, i);
	}
}

/* ---- inputs ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

/* xorshift64 */
static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define N_PATTERNS 7
static const char *const pattern_name[N_PATTERNS] = {
	"random", "sorted", "reversed", "organ pipe", "three values", "all equal", "sawtooth"
};

/* fill a[0..n) with keys of a pattern, tags 0..n-1 */
static void
fill(Item *a, int64_t n, int pattern)
{
	int64_t		i;

	for (i = 0; i < n; i++)
	{
		uint64_t	k;

		switch (pattern)
		{
			case 0:
				k = next_rand();
				break;
			case 1:
				k = (uint64_t) i;
				break;
			case 2:
				k = (uint64_t) (n - i);
				break;
			case 3:
				k = (uint64_t) (i < n / 2 ? i : n - i);
				break;
			case 4:
				k = next_rand() % 3;
				break;
			case 5:
				k = 42;
				break;
			default:
				k = (uint64_t) (i % 97);
				break;
		}
		a[i].key = k;
		a[i].tag = (uint64_t) i;
	}
}

/* qsort's order: by key, ties by tag (a total order, so one answer) */
static int
cmp_item_total(const void *x, const void *y)
{
	const Item *a = x,
			   *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->tag > b->tag) - (a->tag < b->tag);
}

/* ascending by key, and the same multiset of (key, tag) as the reference */
static int
same_as_reference(const Item *got, const Item *ref, int64_t n, Item *scratch)
{
	int64_t		i;

	for (i = 1; i < n; i++)
		if (got[i - 1].key > got[i].key)
			return 0;
	memcpy(scratch, got, sizeof(Item) * (size_t) n);
	qsort(scratch, (size_t) n, sizeof(Item), cmp_item_total);
	return memcmp(scratch, ref, sizeof(Item) * (size_t) n) == 0;
}

/* introsort and heapsort against qsort, and tie for tie against 0.1.0 */
static void
test_against_references(void)
{
	int64_t		max = unit_size(1000000, 100000);
	const int64_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 24, 25, 26, 100, 1000, unit_size(100000, 10000), max};
	Item	   *in = malloc(sizeof(Item) * (size_t) max),
			   *a = malloc(sizeof(Item) * (size_t) max),
			   *b = malloc(sizeof(Item) * (size_t) max),
			   *ref = malloc(sizeof(Item) * (size_t) max),
			   *scratch = malloc(sizeof(Item) * (size_t) max);
	uint64_t   *k = malloc(sizeof(uint64_t) * (size_t) max);
	size_t		s;
	int			pattern;

	for (pattern = 0; pattern < N_PATTERNS; pattern++)
	{
		int			ok_intro = 1,
					ok_heap = 1,
					ok_old = 1,
					ok_oldheap = 1,
					ok_keys = 1;

		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		{
			int64_t		n = sizes[s],
						i;
			Pace		pace = {0, 0, 0};

			fill(in, n, pattern);
			memcpy(ref, in, sizeof(Item) * (size_t) n);
			qsort(ref, (size_t) n, sizeof(Item), cmp_item_total);

			memcpy(a, in, sizeof(Item) * (size_t) n);
			items_sort(a, n);
			ok_intro &= same_as_reference(a, ref, n, scratch);
			memcpy(b, in, sizeof(Item) * (size_t) n);
			old_sort(b, n, 16);
			ok_old &= memcmp(a, b, sizeof(Item) * (size_t) n) == 0;

			memcpy(a, in, sizeof(Item) * (size_t) n);
			items_heapsort(a, n);
			ok_heap &= same_as_reference(a, ref, n, scratch);
			memcpy(b, in, sizeof(Item) * (size_t) n);
			old_heapsort(b, n);
			ok_oldheap &= memcmp(a, b, sizeof(Item) * (size_t) n) == 0;

			for (i = 0; i < n; i++)
				k[i] = in[i].key;
			if (keys_sort(&pace, k, n) != TE_OK)
				ok_keys = 0;
			for (i = 0; i < n; i++)
				if (k[i] != ref[i].key)
					ok_keys = 0;
		}
		unit_ok(ok_intro, "sort: introsort agrees with qsort on %s inputs of 0..%lld", pattern_name[pattern],
				(long long) max);
		unit_ok(ok_old, "sort: introsort orders ties exactly as 0.1.0's quicksort (%s)", pattern_name[pattern]);
		unit_ok(ok_heap, "sort: heapsort agrees with qsort on %s inputs", pattern_name[pattern]);
		unit_ok(ok_oldheap, "sort: heapsort orders ties exactly as 0.1.0's heapsort (%s)", pattern_name[pattern]);
		unit_ok(ok_keys, "sort: the ticked key sort (cutoff 24) agrees with qsort (%s)", pattern_name[pattern]);
	}
	free(in);
	free(a);
	free(b);
	free(ref);
	free(scratch);
	free(k);
}

/* the same with rips.c's cutoff of 24 */
#define ST_PREFIX items24
#define ST_ELEMENT_TYPE Item
#define ST_LESS(x, y) ((x)->key < (y)->key)
#define ST_INSERTION_MAX 24
#include "sort_template.h"

/* the cutoff matters to the order of ties: 24 reproduces rips.c's old sort */
static void
test_cutoff_24(void)
{
	int64_t		n = 5000,
				i;
	Item	   *a = malloc(sizeof(Item) * (size_t) n),
			   *b = malloc(sizeof(Item) * (size_t) n);
	int			ok = 1,
				pattern;

	for (pattern = 0; pattern < N_PATTERNS; pattern++)
	{
		fill(a, n, pattern);
		for (i = 0; i < n; i++)
			a[i].key %= 50;		/* many ties */
		memcpy(b, a, sizeof(Item) * (size_t) n);
		items24_sort(a, n);
		old_sort(b, n, 24);
		ok &= memcmp(a, b, sizeof(Item) * (size_t) n) == 0;
	}
	unit_ok(ok, "sort: with cutoff 24 the ties come out as from 0.1.0's key sort");
	free(a);
	free(b);
}

/* ---- McIlroy's adversary against the median-of-three pivot ---- */

static int *adv_val;
static int	adv_gas,
			adv_solid,
			adv_candidate;

/* the adversary: values are decided only when a comparison needs them */
static int
adv_cmp(int x, int y)
{
	if (adv_val[x] == adv_gas && adv_val[y] == adv_gas)
	{
		if (x == adv_candidate)
			adv_val[x] = adv_solid++;
		else
			adv_val[y] = adv_solid++;
	}
	if (adv_val[x] == adv_gas)
		adv_candidate = x;
	else if (adv_val[y] == adv_gas)
		adv_candidate = y;
	return adv_val[x] - adv_val[y];
}

/* plain comparison of ints */
static int
plain_cmp(int x, int y)
{
	return (x > y) - (x < y);
}

/* an input built against the pivot choice: n log n only thanks to the budget */
static void
test_adversary(void)
{
	int			n = (int) unit_size(20000, 5000),
				i,
				ok = 1;
	int		   *idx = malloc(sizeof(int) * (size_t) n),
			   *x = malloc(sizeof(int) * (size_t) n);
	uint64_t	with_budget,
				without_budget,
				lg = 0;

	adv_val = malloc(sizeof(int) * (size_t) n);
	adv_gas = n - 1;
	adv_solid = 0;
	adv_candidate = 0;
	for (i = 0; i < n; i++)
	{
		idx[i] = i;
		adv_val[i] = adv_gas;
	}
	int_cmp = adv_cmp;
	/* build the input against a run without the depth budget */
	hooked_sort_range(idx, n, 1 << 30);
	for (i = 0; i < n; i++)
		x[i] = adv_val[i];

	int_cmp = plain_cmp;
	n_compares = 0;
	memcpy(idx, x, sizeof(int) * (size_t) n);
	hooked_sort_range(idx, n, 1 << 30);
	without_budget = n_compares;
	n_compares = 0;
	memcpy(idx, x, sizeof(int) * (size_t) n);
	hooked_sort(idx, n);
	with_budget = n_compares;
	for (i = 1; i < n; i++)
		if (idx[i - 1] > idx[i])
			ok = 0;
	for (i = n; i > 1; i >>= 1)
		lg++;
	unit_ok(without_budget > (uint64_t) n * (uint64_t) n / 16,
			"adversary: the input drives plain quicksort quadratic (%llu comparisons for n = %d)",
			(unsigned long long) without_budget, n);
	unit_ok(ok && with_budget < 8 * (uint64_t) n * lg,
			"adversary: the introsort sorts it in %llu comparisons (< 8 n log2 n = %llu)",
			(unsigned long long) with_budget, (unsigned long long) (8 * (uint64_t) n * lg));
	free(idx);
	free(x);
	free(adv_val);
}

/* the check callback is called as the sort goes, and can stop it */
static void
test_interrupt(void)
{
	int64_t		n = 200000,
				i;
	uint64_t   *k = malloc(sizeof(uint64_t) * (size_t) n);
	Pace		pace = {0, 0, 0};
	TeStatus	st;

	for (i = 0; i < n; i++)
		k[i] = next_rand();
	st = keys_sort(&pace, k, n);
	unit_ok(st == TE_OK && pace.calls > 100 && pace.units >= (uint64_t) n,
			"interrupt: the sort reports its work (%llu units in %llu calls)",
			(unsigned long long) pace.units, (unsigned long long) pace.calls);
	for (i = 0; i < n; i++)
		k[i] = next_rand();
	pace.units = pace.calls = 0;
	pace.stop_at = (uint64_t) n * 3;
	st = keys_sort(&pace, k, n);
	unit_ok(st == TE_CANCELLED && pace.units < (uint64_t) n * 4,
			"interrupt: a cancelling check stops the sort early (%llu units)",
			(unsigned long long) pace.units);
	pace.units = pace.calls = 0;
	pace.stop_at = 1000;
	st = keys_heapsort(&pace, k, n);
	unit_ok(st == TE_CANCELLED && pace.units < 2000,
			"interrupt: the heapsort stops too (%llu units)", (unsigned long long) pace.units);
	free(k);
}

/* run every test */
int
main(void)
{
	test_against_references();
	test_cutoff_24();
	test_adversary();
	test_interrupt();
	return unit_done();
}
