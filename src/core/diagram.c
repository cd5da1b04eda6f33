/*
 * diagram.c - validation and summaries of persistence diagrams
 *
 * Betti numbers and curves, persistence entropy, total persistence and
 * persistence landscapes.  The conventions are written out in diagram.h.
 */
#include "topembed/diagram.h"
#include "diagram_internal.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* half the length of a finite bar, without overflow */
#define HALF_LENGTH(q) ((q).death * 0.5 - (q).birth * 0.5)

/* free a diagram's pairs and leave it empty */
void
te_diagram_free(TeEnv *env, TeDiagram *d)
{
	te_free(env, d->pairs);
	d->pairs = NULL;
	d->n_pairs = 0;
	d->capacity = 0;
}

/* bars of one dimension, and how many of them are essential */
int64_t
te_diagram_count(const TeDiagram *d, int dim, int64_t *n_essential)
{
	int64_t		i,
				count = 0,
				ess = 0;

	for (i = 0; i < d->n_pairs; i++)
		if (d->pairs[i].dim == dim)
		{
			count++;
			if (isinf(d->pairs[i].death))
				ess++;
		}
	if (n_essential)
		*n_essential = ess;
	return count;
}

/* TE_OK if every pair is valid, else TE_INVALID naming the first bad one */
TeStatus
te_diagram_validate(TeEnv *env, const TePersPair *pairs, int64_t n)
{
	TeTicker	tk;
	int64_t		i;

	if (n < 0)
		return te_fail(env, TE_INVALID, "a diagram cannot have %lld pairs", (long long) n);
	if (n > 0 && pairs == NULL)
		return te_fail(env, TE_INVALID, "diagram of %lld pairs given without data", (long long) n);
	te_ticker_init(&tk, env);
	for (i = 0; i < n; i++)
	{
		const TePersPair *q = &pairs[i];

		if (te_tick(&tk, 4) != TE_OK)
			return te_fail(env, TE_CANCELLED, "diagram check cancelled");
		/* pairs are numbered from 1 in messages, as SQL arrays are */
		if (q->dim < 0)
			return te_fail(env, TE_INVALID, "persistence pair %lld has negative dimension %d",
						   (long long) i + 1, (int) q->dim);
		if (q->dim > TE_PAIR_MAX_DIM)
			return te_fail(env, TE_INVALID,
						   "persistence pair %lld has homology dimension %d; the highest supported is %d",
						   (long long) i + 1, (int) q->dim, TE_PAIR_MAX_DIM);
		if (isnan(q->birth) || isnan(q->death))
			return te_fail(env, TE_INVALID, "persistence pair %lld has a NaN",
						   (long long) i + 1);
		if (isinf(q->birth))
			return te_fail(env, TE_INVALID, "persistence pair %lld has an infinite birth",
						   (long long) i + 1);
		if (q->birth > q->death)
			return te_fail(env, TE_INVALID, "persistence pair %lld is born at %g after it dies at %g",
						   (long long) i + 1, q->birth, q->death);
	}
	return TE_OK;
}

/* TE_INVALID unless dim is a homology dimension a diagram may hold */
static TeStatus
check_dim_arg(TeEnv *env, int dim)
{
	if (dim < 0)
		return te_fail(env, TE_INVALID, "homology dimension must not be negative, not %d", dim);
	if (dim > TE_PAIR_MAX_DIM)
		return te_fail(env, TE_INVALID, "homology dimension must be at most %d, not %d",
					   TE_PAIR_MAX_DIM, dim);
	return TE_OK;
}

/* doubles_heapsort() and friends, paced by an optional ticker */
#define ST_PREFIX doubles
#define ST_ELEMENT_TYPE double
#define ST_LESS(x, y) (*(x) < *(y))
#define ST_CHECK(tk, units) ((tk) ? te_tick((tk), (units)) : TE_OK)
#define ST_CHECK_TYPE TeTicker
#include "sort_template.h"

/*
 * Insertion sort for short runs, else heapsort: O(n log n) in every case, no
 * allocation, no recursion.  Heapsort rather than introsort keeps the order
 * in which -0.0 and +0.0 (equal to the comparison) come out as it always was.
 */
TeStatus
te_sort_doubles(TeTicker *tk, double *x, int64_t n)
{
	if (n < 2)
		return TE_OK;
	if (n <= 16)
	{
		doubles_insertion(x, n);
		return TE_OK;
	}
	return doubles_heapsort(tk, x, n);
}

/* check the dim argument and the pairs, then copy out the dim part */
TeStatus
te_dgm_part_load(TeEnv *env, TeDgmPart *part, const TePersPair *pairs, int64_t n, int dim)
{
	TeStatus	st;
	TeTicker	tk;
	int64_t		i,
				nf = 0,
				ne = 0;

	memset(part, 0, sizeof(*part));
	if ((st = check_dim_arg(env, dim)) != TE_OK)
		return st;
	if ((st = te_diagram_validate(env, pairs, n)) != TE_OK)
		return st;
	te_ticker_init(&tk, env);
	for (i = 0; i < n; i++)
	{
		if (te_tick(&tk, 2) != TE_OK)
			return te_fail(env, TE_CANCELLED, "diagram cancelled");
		if (pairs[i].dim != dim)
			continue;
		if (isinf(pairs[i].death))
			ne++;
		else
			nf++;
	}
	part->birth = te_alloc_array(env, (size_t) nf, sizeof(double));
	part->death = te_alloc_array(env, (size_t) nf, sizeof(double));
	part->ess = te_alloc_array(env, (size_t) ne, sizeof(double));
	if (!part->birth || !part->death || !part->ess)
	{
		te_dgm_part_free(env, part);
		return te_fail(env, TE_NOMEM, "out of memory for a diagram of %lld pairs", (long long) n);
	}
	for (i = 0; i < n; i++)
	{
		if (te_tick(&tk, 3) != TE_OK)
		{
			te_dgm_part_free(env, part);
			return te_fail(env, TE_CANCELLED, "diagram cancelled");
		}
		if (pairs[i].dim != dim)
			continue;
		if (isinf(pairs[i].death))
			part->ess[part->n_ess++] = pairs[i].birth;
		else
		{
			part->birth[part->n] = pairs[i].birth;
			part->death[part->n] = pairs[i].death;
			part->n++;
		}
	}
	if (te_sort_doubles(&tk, part->ess, part->n_ess) != TE_OK)
	{
		te_dgm_part_free(env, part);
		return te_fail(env, TE_CANCELLED, "diagram cancelled");
	}
	return TE_OK;
}

/* release the arrays of a diagram part */
void
te_dgm_part_free(TeEnv *env, TeDgmPart *part)
{
	te_free(env, part->birth);
	te_free(env, part->death);
	te_free(env, part->ess);
	memset(part, 0, sizeof(*part));
}

/* Betti numbers at r: bars with birth <= r < death, per dimension */
TeStatus
te_betti_numbers(TeEnv *env, const TePersPair *pairs, int64_t n, double r,
				 int *betti, int max_dim_out)
{
	TeStatus	st;
	TeTicker	tk;
	int64_t		i;
	int			k;

	if ((st = te_diagram_validate(env, pairs, n)) != TE_OK)
		return st;
	if (max_dim_out < 0 || max_dim_out > TE_PAIR_MAX_DIM)
		return te_fail(env, TE_INVALID, "max_dim_out must be between 0 and %d, not %d",
					   TE_PAIR_MAX_DIM, max_dim_out);
	if (betti == NULL)
		return te_fail(env, TE_INVALID, "no output array for Betti numbers");
	if (isnan(r))
		return te_fail(env, TE_INVALID, "the scale r must not be NaN");
	for (k = 0; k <= max_dim_out; k++)
		betti[k] = 0;
	te_ticker_init(&tk, env);
	for (i = 0; i < n; i++)
	{
		const TePersPair *q = &pairs[i];

		if (te_tick(&tk, 2) != TE_OK)
			return te_fail(env, TE_CANCELLED, "Betti numbers cancelled");
		if (q->dim > max_dim_out)
			continue;
		if (q->birth <= r && r < q->death)
		{
			if (betti[q->dim] == INT_MAX)
				return te_fail(env, TE_LIMIT, "Betti number of dimension %d exceeds %d",
							   (int) q->dim, INT_MAX);
			betti[q->dim]++;
		}
	}
	return TE_OK;
}

/* number of elements of sorted x[0..n) that are <= t */
static int64_t
count_le(const double *x, int64_t n, double t)
{
	int64_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (x[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Betti curve of dim on a grid: #{birth <= t} - #{death <= t} */
TeStatus
te_betti_curve(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
			   const double *grid, int m, int64_t *out)
{
	TeStatus	st;
	TeDgmPart	part;
	TeTicker	tk;
	double	   *births,
			   *deaths;
	int64_t		nb,
				i,
				depth = 1;

	if (m < 0)
		return te_fail(env, TE_INVALID, "grid size must not be negative, not %d", m);
	if (m > 0 && (grid == NULL || out == NULL))
		return te_fail(env, TE_INVALID, "no grid or no output array for the Betti curve");
	for (i = 0; i < m; i++)
		if (isnan(grid[i]))
			return te_fail(env, TE_INVALID, "NaN not allowed in the grid (point %lld)",
						   (long long) i);
	if ((st = te_dgm_part_load(env, &part, pairs, n, dim)) != TE_OK)
		return st;

	/* births and deaths of all bars (an infinite death is <= t only at t = +inf) */
	nb = part.n + part.n_ess;
	births = te_alloc_array(env, (size_t) nb, sizeof(double));
	deaths = te_alloc_array(env, (size_t) nb, sizeof(double));
	if (!births || !deaths)
	{
		te_free(env, births);
		te_free(env, deaths);
		te_dgm_part_free(env, &part);
		return te_fail(env, TE_NOMEM, "out of memory for a Betti curve");
	}
	memcpy(births, part.birth, sizeof(double) * (size_t) part.n);
	memcpy(births + part.n, part.ess, sizeof(double) * (size_t) part.n_ess);
	memcpy(deaths, part.death, sizeof(double) * (size_t) part.n);
	for (i = 0; i < part.n_ess; i++)
		deaths[part.n + i] = INFINITY;
	te_dgm_part_free(env, &part);
	te_ticker_init(&tk, env);
	st = te_sort_doubles(&tk, births, nb);
	if (st == TE_OK)
		st = te_sort_doubles(&tk, deaths, nb);
	for (i = nb; i > 1; i >>= 1)
		depth++;
	for (i = 0; st == TE_OK && i < m; i++)
	{
		out[i] = count_le(births, nb, grid[i]) - count_le(deaths, nb, grid[i]);
		st = te_tick(&tk, 2 * (uint64_t) depth);
	}
	te_free(env, births);
	te_free(env, deaths);
	if (st != TE_OK)
		return te_fail(env, TE_CANCELLED, "Betti curve cancelled");
	return TE_OK;
}

/* persistence entropy of the finite bars of dim */
TeStatus
te_persistence_entropy(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
					   double *out, int *defined)
{
	TeStatus	st;
	TeTicker	tk;
	int64_t		i;
	double		lmax = 0.0,
				total = 0.0,
				e = 0.0;

	if (out == NULL || defined == NULL)
		return te_fail(env, TE_INVALID, "no output for the entropy");
	*out = 0.0;
	*defined = 0;
	if ((st = check_dim_arg(env, dim)) != TE_OK)
		return st;
	if ((st = te_diagram_validate(env, pairs, n)) != TE_OK)
		return st;
	te_ticker_init(&tk, env);

	/*
	 * The entropy does not change when every length is scaled, so work with
	 * half-lengths (which cannot overflow) divided by the longest one (so that
	 * their sum cannot either).
	 */
	for (i = 0; i < n; i++)
	{
		if (te_tick(&tk, 2) != TE_OK)
			return te_fail(env, TE_CANCELLED, "persistence entropy cancelled");
		if (pairs[i].dim == dim && !isinf(pairs[i].death))
		{
			double		l = HALF_LENGTH(pairs[i]);

			if (l > lmax)
				lmax = l;
		}
	}
	if (!(lmax > 0.0))
		return TE_OK;			/* no finite bar, or all of length 0: undefined */
	for (i = 0; i < n; i++)
	{
		if (te_tick(&tk, 2) != TE_OK)
			return te_fail(env, TE_CANCELLED, "persistence entropy cancelled");
		if (pairs[i].dim == dim && !isinf(pairs[i].death))
			total += HALF_LENGTH(pairs[i]) / lmax;
	}
	for (i = 0; i < n; i++)
	{
		if (te_tick(&tk, 16) != TE_OK)
			return te_fail(env, TE_CANCELLED, "persistence entropy cancelled");
		if (pairs[i].dim == dim && !isinf(pairs[i].death))
		{
			double		pi = (HALF_LENGTH(pairs[i]) / lmax) / total;

			if (pi > 0.0)
				e -= pi * log(pi);
		}
	}
	*out = e;
	*defined = 1;
	return TE_OK;
}

/* sum of (death - birth)^p over the finite bars of dim */
TeStatus
te_total_persistence(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
					 double p, double *out, int64_t *n_essential)
{
	TeStatus	st;
	TeTicker	tk;
	int64_t		i,
				ne = 0;
	double		s = 0.0;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no output for the total persistence");
	*out = 0.0;
	if (n_essential)
		*n_essential = 0;
	if ((st = check_dim_arg(env, dim)) != TE_OK)
		return st;
	if (!(p > 0.0) || isinf(p))
		return te_fail(env, TE_INVALID, "the power p must be positive and finite, not %g", p);
	if ((st = te_diagram_validate(env, pairs, n)) != TE_OK)
		return st;
	te_ticker_init(&tk, env);
	for (i = 0; i < n; i++)
	{
		double		l;

		if (te_tick(&tk, 16) != TE_OK)
			return te_fail(env, TE_CANCELLED, "total persistence cancelled");
		if (pairs[i].dim != dim)
			continue;
		if (isinf(pairs[i].death))
		{
			ne++;
			continue;
		}
		l = pairs[i].death - pairs[i].birth;
		s += (p == 1.0) ? l : (p == 2.0) ? l * l : pow(l, p);
	}
	*out = s;
	if (n_essential)
		*n_essential = ne;
	return TE_OK;
}

/* swap two doubles */
static inline void
swap_d(double *x, int64_t i, int64_t j)
{
	double		t = x[i];

	x[i] = x[j];
	x[j] = t;
}

/* rearrange x[0..n) so that its k largest values come first (k < n) */
static void
select_top(double *x, int64_t n, int64_t k)
{
	int64_t		lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		/* median of three as pivot, then a Hoare partition, descending */
		int64_t		mid = lo + (hi - lo) / 2,
					i = lo,
					j = hi;
		double		a = x[lo],
					b = x[mid],
					c = x[hi],
					pivot;

		pivot = (a > b) ? ((b > c) ? b : (a > c) ? c : a) : ((a > c) ? a : (b > c) ? c : b);
		while (i <= j)
		{
			while (x[i] > pivot)
				i++;
			while (x[j] < pivot)
				j--;
			if (i <= j)
			{
				swap_d(x, i, j);
				i++;
				j--;
			}
		}
		if (k - 1 <= j)
			hi = j;
		else if (k - 1 >= i)
			lo = i;
		else
			break;
	}
}

/* persistence landscape lambda_1..lambda_k of dim on a grid (Bubenik 2015) */
TeStatus
te_persistence_landscape(TeEnv *env, const TePersPair *pairs, int64_t n, int dim,
						 int k, const double *grid, int m, double *out)
{
	TeStatus	st;
	TeDgmPart	part;
	TeTicker	tk;
	double	   *tents;
	int64_t		i,
				nall;
	int			g;

	if (k < 1)
		return te_fail(env, TE_INVALID, "the number of landscapes must be at least 1, not %d", k);
	if (m < 0)
		return te_fail(env, TE_INVALID, "grid size must not be negative, not %d", m);
	if (m > 0 && (grid == NULL || out == NULL))
		return te_fail(env, TE_INVALID, "no grid or no output array for the landscape");
	for (g = 0; g < m; g++)
		if (isnan(grid[g]))
			return te_fail(env, TE_INVALID, "NaN not allowed in the grid (point %d)", g);
	if ((st = te_dgm_part_load(env, &part, pairs, n, dim)) != TE_OK)
		return st;
	nall = part.n + part.n_ess;
	tents = te_alloc_array(env, (size_t) nall, sizeof(double));
	if (!tents)
	{
		te_dgm_part_free(env, &part);
		return te_fail(env, TE_NOMEM, "out of memory for a landscape of %lld bars",
					   (long long) nall);
	}
	te_ticker_init(&tk, env);
	for (g = 0; g < m; g++)
	{
		double		t = grid[g];
		int64_t		npos = 0,
					keep;
		int			j;

		/* a grid value costs a pass over the bars and a sort of the k kept */
		if (te_tick(&tk, 4 * (uint64_t) nall + 16 * (uint64_t) k) != TE_OK)
		{
			te_free(env, tents);
			te_dgm_part_free(env, &part);
			return te_fail(env, TE_CANCELLED, "landscape cancelled");
		}
		/* the positive tents at t */
		for (i = 0; i < part.n; i++)
		{
			double		up = t - part.birth[i],
						down = part.death[i] - t,
						v = up < down ? up : down;

			if (v > 0.0)
				tents[npos++] = v;
		}
		for (i = 0; i < part.n_ess; i++)
		{
			double		v = t - part.ess[i];

			if (v > 0.0)
				tents[npos++] = v;
		}
		keep = npos < k ? npos : k;
		if (keep < npos)
			select_top(tents, npos, keep);
		(void) te_sort_doubles(NULL, tents, keep);
		for (j = 0; j < k; j++)
			out[(size_t) j * (size_t) m + (size_t) g] = (j < keep) ? tents[keep - 1 - j] : 0.0;
	}
	te_free(env, tents);
	te_dgm_part_free(env, &part);
	return TE_OK;
}
