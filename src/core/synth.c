/*
 * synth.c - deterministic synthetic CLIP-like pairs (see synth.h)
 */
#include "topembed/synth.h"
#include "topembed/gap.h"

#include <math.h>
#include <string.h>

/* splitmix64: seeds the per-pair streams */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* xoshiro256** with a cached second normal */
typedef struct Rng
{
	uint64_t	s[4];
	int			have_spare;
	double		spare;
} Rng;

/* seed the generator of one stream from a seed, through splitmix64 */
static void
rng_seed(Rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed ^ (stream * UINT64_C(0xd1342543de82ef95));
	int			i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = 0;
}

/* rotate x left by k bits */
static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* the next 64 random bits (xoshiro256**) */
static uint64_t
rng_next(Rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in (0, 1) */
static double
rng_uniform(Rng *r)
{
	return ((double) (rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* standard normal by the Box-Muller transform */
static double
rng_normal(Rng *r)
{
	double		u,
				v,
				rad;

	if (r->have_spare)
	{
		r->have_spare = 0;
		return r->spare;
	}
	u = rng_uniform(r);
	v = rng_uniform(r);
	rad = sqrt(-2.0 * log(u));
	r->spare = rad * sin(2.0 * M_PI * v);
	r->have_spare = 1;
	return rad * cos(2.0 * M_PI * v);
}

/* the two unnormalised halves: u = a + z + noise e, v = a + z + noise f */
static void
draw_bases(const TeSynth *s, int64_t i, double *u, double *v)
{
	Rng			r;
	double		ns = s->noise / sqrt((double) s->dim);
	int			k;

	rng_seed(&r, s->seed, (uint64_t) i + 1);
	for (k = 0; k < s->dim; k++)
	{
		double		common = s->axis[k] + s->latent_sd[k] * rng_normal(&r);

		u[k] = common;
		v[k] = common;
	}
	for (k = 0; k < s->dim; k++)
		u[k] += ns * rng_normal(&r);
	for (k = 0; k < s->dim; k++)
		v[k] += ns * rng_normal(&r);
}

/* add +-(delta/2) b to the bases, then normalise */
static void
finish_pair(const TeSynth *s, double delta, const double *u, const double *v,
			double *image, double *text)
{
	int			k;

	for (k = 0; k < s->dim; k++)
	{
		image[k] = u[k] + 0.5 * delta * s->shift[k];
		text[k] = v[k] - 0.5 * delta * s->shift[k];
	}
	te_normalize(image, s->dim);
	te_normalize(text, s->dim);
}

/* pair i (0-based): unit vectors written to image and text */
void
te_synth_pair(const TeSynth *s, int64_t i, double *image, double *text)
{
	draw_bases(s, i, image, text);
	finish_pair(s, s->delta, image, text, image, text);
}

/* the gap of the pilot pairs at offset delta */
static double
pilot_gap(const TeSynth *s, int m, double delta, const double *U, const double *V,
		  double *mi, double *mt, double *x, double *y)
{
	int			d = s->dim;
	int			i,
				k;
	double		g2 = 0.0;

	memset(mi, 0, sizeof(double) * d);
	memset(mt, 0, sizeof(double) * d);
	for (i = 0; i < m; i++)
	{
		finish_pair(s, delta, U + (size_t) i * d, V + (size_t) i * d, x, y);
		for (k = 0; k < d; k++)
		{
			mi[k] += x[k];
			mt[k] += y[k];
		}
	}
	for (k = 0; k < d; k++)
	{
		double		g = (mi[k] - mt[k]) / m;

		g2 += g * g;
	}
	return sqrt(g2);
}

/* a random unit vector orthogonal to the unit vector 'against' (if given) */
static void
random_direction(Rng *r, double *out, int d, const double *against)
{
	int			k;
	double		p = 0.0;

	do
	{
		for (k = 0; k < d; k++)
			out[k] = rng_normal(r);
		if (against)
		{
			p = 0.0;
			for (k = 0; k < d; k++)
				p += out[k] * against[k];
			for (k = 0; k < d; k++)
				out[k] -= p * against[k];
		}
	} while (te_normalize(out, d) < 1e-8);
}

/* set up a generator; TE_INVALID for parameters out of range */
TeStatus
te_synth_init(TeEnv *env, TeSynth *s, int dim, double gap, uint64_t seed,
			  double anisotropy, double noise)
{
	Rng			r;
	double		total = 0.0;
	double		lo,
				hi;
	double	   *U,
			   *V,
			   *work;
	int			m;
	int			k,
				it;
	TeStatus	st;

	memset(s, 0, sizeof(*s));
	if (dim < 2)
		return te_fail(env, TE_INVALID, "dim must be at least 2, not %d", dim);
	if (!(gap >= 0.0 && gap < 2.0))
		return te_fail(env, TE_INVALID, "gap must be in [0, 2), not %g", gap);
	if (!(anisotropy >= 0.0 && anisotropy <= 10.0))
		return te_fail(env, TE_INVALID, "anisotropy must be in [0, 10], not %g", anisotropy);
	if (!(noise >= 0.0 && noise <= 100.0))
		return te_fail(env, TE_INVALID, "noise must be in [0, 100], not %g", noise);

	/* the pilot holds at most 2^21 values per side (16 MiB each) */
	m = (1 << 21) / dim;
	if (m > TE_SYNTH_PILOT)
		m = TE_SYNTH_PILOT;
	if (m < 64)
		m = 64;
	s->pilot_n = m;
	s->dim = dim;
	s->seed = seed;
	s->anisotropy = anisotropy;
	s->noise = noise;
	s->axis = te_alloc_array(env, dim, sizeof(double));
	s->shift = te_alloc_array(env, dim, sizeof(double));
	s->latent_sd = te_alloc_array(env, dim, sizeof(double));
	U = te_alloc_array(env, (size_t) m * dim, sizeof(double));
	V = te_alloc_array(env, (size_t) m * dim, sizeof(double));
	work = te_alloc_array(env, 4 * (size_t) dim, sizeof(double));
	if (!s->axis || !s->shift || !s->latent_sd || !U || !V || !work)
	{
		st = te_fail(env, TE_NOMEM, "no memory for the generator's pilot sample");
		goto done;
	}

	/* stream 0 of the seed gives the directions */
	rng_seed(&r, seed, 0);
	random_direction(&r, s->axis, dim, NULL);
	random_direction(&r, s->shift, dim, s->axis);
	for (k = 0; k < dim; k++)
	{
		s->latent_sd[k] = pow((double) (k + 1), -anisotropy);
		total += s->latent_sd[k];
	}
	for (k = 0; k < dim; k++)
		s->latent_sd[k] = sqrt(s->latent_sd[k] / total);

	/* calibrate delta on the pilot pairs, which are the first m pairs */
	for (k = 0; k < m; k++)
	{
		if ((k & 255) == 0 && (st = te_check(env)) != TE_OK)
			goto done;
		draw_bases(s, k, U + (size_t) k * dim, V + (size_t) k * dim);
	}
	lo = 0.0;
	hi = 1.0;
	while (pilot_gap(s, m, hi, U, V, work, work + dim, work + 2 * dim, work + 3 * dim) < gap &&
		   hi < 1e6)
		hi *= 2.0;
	if (pilot_gap(s, m, 0.0, U, V, work, work + dim, work + 2 * dim, work + 3 * dim) >= gap)
		hi = 0.0;				/* the noise floor already reaches the target */
	for (it = 0; it < 60 && hi > 0.0; it++)
	{
		double		mid = 0.5 * (lo + hi);

		if ((st = te_check(env)) != TE_OK)
			goto done;
		if (pilot_gap(s, m, mid, U, V, work, work + dim, work + 2 * dim, work + 3 * dim) < gap)
			lo = mid;
		else
			hi = mid;
		if (hi - lo < 1e-12 * (1.0 + hi))
			break;
	}
	s->delta = 0.5 * (lo + hi);
	s->pilot_gap = pilot_gap(s, m, s->delta, U, V, work, work + dim, work + 2 * dim, work + 3 * dim);
	st = TE_OK;

done:
	te_free(env, U);
	te_free(env, V);
	te_free(env, work);
	if (st != TE_OK)
		te_synth_free(env, s);
	return st;
}

/* release what te_synth_init allocated */
void
te_synth_free(TeEnv *env, TeSynth *s)
{
	te_free(env, s->axis);
	te_free(env, s->shift);
	te_free(env, s->latent_sd);
	s->axis = s->shift = s->latent_sd = NULL;
}
