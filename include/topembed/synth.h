/*
 * synth.h - a deterministic generator of CLIP-like embedding pairs
 *
 * The null model: two anisotropic cones around a shared axis, pushed apart
 * along a second direction.  For pair i (a function of seed and i only):
 *
 *   z_i      ~ N(0, diag(s_1^2 .. s_d^2)),  s_k^2 = k^-alpha / sum_j j^-alpha
 *   image_i  = normalise(a + z_i + (delta/2) b + (noise/sqrt d) e_i)
 *   text_i   = normalise(a + z_i - (delta/2) b + (noise/sqrt d) f_i)
 *
 * with a, b random orthonormal directions drawn from the seed and e_i, f_i
 * standard normal.  The shared z_i makes pairs match; alpha sets how fast
 * the spectrum decays (0 = isotropic); delta is calibrated by bisection so
 * that the gap of the first pilot_n pairs equals the requested gap
 * (pilot_n = min(TE_SYNTH_PILOT, 2^21 / d), at least 64).
 */
#ifndef TOPEMBED_SYNTH_H
#define TOPEMBED_SYNTH_H

#include "topembed/common.h"

#define TE_SYNTH_PILOT 2048

typedef struct TeSynth
{
	int			dim;
	uint64_t	seed;
	double		anisotropy;
	double		noise;
	double		delta;			/* calibrated offset between the cone axes */
	double		pilot_gap;		/* the gap the calibration reached */
	int			pilot_n;		/* pairs used for the calibration */
	double	   *axis;			/* a */
	double	   *shift;			/* b */
	double	   *latent_sd;		/* s_k */
} TeSynth;

/* set up a generator; TE_INVALID for parameters out of range */
TeStatus	te_synth_init(TeEnv *env, TeSynth *s, int dim, double gap, uint64_t seed,
						  double anisotropy, double noise);

/* pair i (0-based): unit vectors written to image and text */
void		te_synth_pair(const TeSynth *s, int64_t i, double *image, double *text);

/* release what te_synth_init allocated */
void		te_synth_free(TeEnv *env, TeSynth *s);

#endif							/* TOPEMBED_SYNTH_H */
