/*
 * test_gap.c - unit tests of the modality-gap accumulator and the generator
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topembed/gap.h"
#include "topembed/synth.h"
#include "unit.h"

/* a fresh accumulator on malloc */
static TeGapAcc *
new_acc(int dim, int flags)
{
	TeGapAcc   *a = malloc(te_gap_acc_size(dim));

	te_gap_acc_init(a, dim, flags);
	return a;
}

/* add a pair, copying first since the accumulator may overwrite inputs */
static TeStatus
add_pair(TeEnv *env, TeGapAcc *a, const double *x, const double *y)
{
	double		xc[64],
				yc[64];

	memcpy(xc, x, sizeof(double) * a->dim);
	memcpy(yc, y, sizeof(double) * a->dim);
	return te_gap_add_pair(env, a, xc, yc);
}

static void
test_hand(TeEnv *env)
{
	TeGapAcc   *a = new_acc(2, TE_GAP_PAIRED);
	double		x1[2] = {3, 0},
				y1[2] = {-1, 0},
				x2[2] = {0, 5},
				y2[2] = {0, -2};
	double		gv[2];
	TeGapStats	st;

	add_pair(env, a, x1, y1);
	add_pair(env, a, x2, y2);
	te_gap_result(a, &st, gv);
	unit_ok(st.n_pairs == 2 && st.n_image == 2 && st.n_text == 2, "hand: counts");
	unit_ok(unit_close(st.gap, sqrt(2.0), 1e-15), "hand: gap = sqrt 2 (%.17g)", st.gap);
	unit_ok(unit_close(gv[0], 1.0, 1e-15) && unit_close(gv[1], 1.0, 1e-15), "hand: gap vector (1, 1)");
	unit_ok(unit_close(st.image_cone, 0.0, 1e-15) && unit_close(st.text_cone, 0.0, 1e-15), "hand: cones 0");
	unit_ok(unit_close(st.paired_cosine_mean, -1.0, 1e-15), "hand: paired cosine -1");
	unit_ok(unit_close(st.paired_cosine_std, 0.0, 1e-12), "hand: paired std 0");
	unit_ok(unit_close(st.alignment, 4.0, 1e-15), "hand: alignment 4");
	unit_ok(unit_close(st.image_centroid_norm, sqrt(0.5), 1e-15), "hand: centroid norm");
	free(a);
}

static void
test_merge(TeEnv *env)
{
	enum
	{
		N = 1000, D = 16
	};
	TeSynth		s;
	TeGapAcc   *whole = new_acc(D, TE_GAP_PAIRED);
	TeGapAcc   *part[3];
	TeGapStats	a,
				b;
	double		x[D],
				y[D];
	int			i,
				k;

	for (k = 0; k < 3; k++)
		part[k] = new_acc(D, TE_GAP_PAIRED);
	unit_ok(te_synth_init(env, &s, D, 0.7, 5, 1.0, 0.5) == TE_OK, "synth: init");
	for (i = 0; i < N; i++)
	{
		te_synth_pair(&s, i, x, y);
		add_pair(env, whole, x, y);
		add_pair(env, part[(i * 7) % 3], x, y);
	}
	te_gap_merge(env, part[0], part[1]);
	te_gap_merge(env, part[0], part[2]);
	te_gap_result(whole, &a, NULL);
	te_gap_result(part[0], &b, NULL);
	unit_ok(a.n_pairs == b.n_pairs, "merge: counts add up");
	unit_ok(unit_close(a.gap, b.gap, 1e-12), "merge: gap equals the whole");
	unit_ok(unit_close(a.paired_cosine_std, b.paired_cosine_std, 1e-12), "merge: paired std equals the whole (Chan)");
	unit_ok(unit_close(a.image_cone, b.image_cone, 1e-12), "merge: cone equals the whole");

	/* the Welford std against a two-pass computation */
	{
		double		c[N],
					m = 0,
					v = 0;

		for (i = 0; i < N; i++)
		{
			double		xx = 0,
						yy = 0,
						xy = 0;

			te_synth_pair(&s, i, x, y);
			for (k = 0; k < D; k++)
			{
				xx += x[k] * x[k];
				yy += y[k] * y[k];
				xy += x[k] * y[k];
			}
			c[i] = xy / sqrt(xx * yy);
			m += c[i];
		}
		m /= N;
		for (i = 0; i < N; i++)
			v += (c[i] - m) * (c[i] - m);
		unit_ok(unit_close(a.paired_cosine_mean, m, 1e-12), "welford: mean");
		unit_ok(unit_close(a.paired_cosine_std, sqrt(v / N), 1e-12), "welford: std");
	}

	/* different dimension or form refuses to merge */
	{
		TeGapAcc   *other = new_acc(8, TE_GAP_PAIRED);
		TeGapAcc   *unpaired = new_acc(D, 0);

		unit_ok(te_gap_merge(env, whole, other) == TE_INVALID, "merge: dimension mismatch refused");
		unit_ok(te_gap_merge(env, whole, unpaired) == TE_INVALID, "merge: paired with unpaired refused");
		free(other);
		free(unpaired);
	}
	te_synth_free(env, &s);
	free(whole);
	for (k = 0; k < 3; k++)
		free(part[k]);
}

static void
test_edges(TeEnv *env)
{
	TeGapAcc   *a = new_acc(3, TE_GAP_PAIRED);
	double		z[3] = {0, 0, 0},
				e[3] = {1, 0, 0},
				tiny[3] = {1e-300, 0, 0},
				huge[3] = {0, 1e300, 1e300};
	TeGapStats	st;

	unit_ok(add_pair(env, a, z, e) == TE_INVALID && strstr(env->msg, "zero vector"), "zero image vector refused");
	unit_ok(add_pair(env, a, e, z) == TE_INVALID, "zero text vector refused");
	unit_ok(a->n_pairs == 0, "a refused pair is not counted");
	unit_ok(add_pair(env, a, tiny, huge) == TE_OK, "tiny and huge vectors are normalised");
	te_gap_result(a, &st, NULL);
	unit_ok(unit_close(st.paired_cosine_mean, 0.0, 1e-15), "tiny/huge: orthogonal");
	unit_ok(unit_close(st.gap, sqrt(2.0), 1e-15), "tiny/huge: gap sqrt 2");
	unit_ok(!st.has_image_cone, "one embedding has no cone");
	free(a);

	a = new_acc(3, 0);
	te_gap_add_one(env, a, e, 1);
	te_gap_result(a, &st, NULL);
	unit_ok(!st.has_gap && !st.has_paired && st.n_text == 0, "one modality: no gap, no paired fields");
	free(a);
}

static void
test_synth(TeEnv *env)
{
	TeSynth		s1,
				s2;
	double		x1[32],
				y1[32],
				x2[32],
				y2[32];

	te_synth_init(env, &s1, 32, 0.8, 9, 1.0, 0.5);
	te_synth_init(env, &s2, 32, 0.8, 9, 1.0, 0.5);
	te_synth_pair(&s1, 17, x1, y1);
	te_synth_pair(&s2, 17, x2, y2);
	unit_ok(memcmp(x1, x2, sizeof(x1)) == 0 && memcmp(y1, y2, sizeof(y1)) == 0, "synth: deterministic");
	unit_ok(fabs(s1.pilot_gap - 0.8) < 1e-9, "synth: calibrated pilot gap %.12f", s1.pilot_gap);
	te_synth_free(env, &s2);
	unit_ok(te_synth_init(env, &s2, 32, 2.5, 9, 1.0, 0.5) == TE_INVALID, "synth: gap >= 2 refused");
	unit_ok(te_synth_init(env, &s2, 1, 0.5, 9, 1.0, 0.5) == TE_INVALID, "synth: dim 1 refused");
	unit_ok(te_synth_init(env, &s2, 8, NAN, 9, 1.0, 0.5) == TE_INVALID, "synth: NaN gap refused");
	te_synth_free(env, &s1);
}

static void
test_float4(TeEnv *env)
{
	enum
	{
		N = 300, D = 24
	};
	TeSynth		s;
	TeGapAcc   *a8 = new_acc(D, TE_GAP_PAIRED);
	TeGapAcc   *a4 = new_acc(D, TE_GAP_PAIRED);
	TeGapAcc   *u8 = new_acc(D, 0);
	TeGapAcc   *u4 = new_acc(D, 0);
	TeGapStats	s8,
				s4;
	double		x[D],
				y[D];
	float		xf[D],
				yf[D];
	int			i,
				k;

	te_synth_init(env, &s, D, 0.5, 3, 1.0, 0.5);
	for (i = 0; i < N; i++)
	{
		te_synth_pair(&s, i, x, y);
		for (k = 0; k < D; k++)
		{
			xf[k] = (float) x[k];
			yf[k] = (float) y[k];
			x[k] = xf[k];
			y[k] = yf[k];
		}
		te_gap_add_pair_f4(env, a4, xf, yf);
		te_gap_add_one_f4(env, u4, xf, 1);
		te_gap_add_one_f4(env, u4, yf, 0);
		add_pair(env, a8, x, y);
		te_gap_add_one(env, u8, x, 1);
		te_gap_add_one(env, u8, y, 0);
	}
	te_gap_result(a8, &s8, NULL);
	te_gap_result(a4, &s4, NULL);
	unit_ok(unit_close(s4.gap, s8.gap, 1e-13) && unit_close(s4.paired_cosine_std, s8.paired_cosine_std, 1e-12) &&
			unit_close(s4.image_cone, s8.image_cone, 1e-13),
			"float4 path: the same statistics as the float8 path on the same values");
	te_gap_result(u8, &s8, NULL);
	te_gap_result(u4, &s4, NULL);
	unit_ok(unit_close(s4.gap, s8.gap, 1e-13) && s4.n_image == N && s4.n_text == N,
			"float4 path, unpaired: the same gap");

	for (k = 0; k < D; k++)
		xf[k] = 0.0f;
	unit_ok(te_gap_add_pair_f4(env, a4, xf, yf) == TE_INVALID && strstr(env->msg, "zero vector") &&
			a4->n_pairs == N, "float4 path: a zero vector is refused and nothing is added");
	xf[3] = NAN;
	unit_ok(te_gap_add_pair_f4(env, a4, yf, xf) == TE_INVALID && strstr(env->msg, "text") &&
			a4->n_pairs == N, "float4 path: a NaN is refused and nothing is added");
	xf[3] = INFINITY;
	unit_ok(te_gap_add_one_f4(env, u4, xf, 1) == TE_INVALID && u4->n_image == N,
			"float4 path: an infinity is refused and nothing is added");
	te_synth_free(env, &s);
	free(a8);
	free(a4);
	free(u8);
	free(u4);
}

/* an interrupt check that asks to stop at once */
static int
stop_now(void *ctx)
{
	(void) ctx;
	return 1;
}

static void
test_cancel(TeEnv *env)
{
	TeSynth		s;

	env->check = stop_now;
	unit_ok(te_synth_init(env, &s, 64, 0.8, 1, 1.0, 0.5) == TE_CANCELLED, "synth: calibration honours the interrupt check");
	env->check = NULL;
}

/* te_gap_validate: layouts, counts and sums of built and forged accumulators */
static void
test_validate(TeEnv *env)
{
	size_t		size = te_gap_acc_size(3);
	TeGapAcc   *a = malloc(size),
			   *b = malloc(size);
	double		x[3] = {1, 2, 2},
				y[3] = {0, 1, 0};

	te_gap_acc_init(a, 3, TE_GAP_PAIRED);
	unit_ok(a->layout == TE_GAP_LAYOUT, "gap validate: a new accumulator carries layout %d", TE_GAP_LAYOUT);
	te_gap_add_pair(env, a, x, y);
	x[0] = -1;
	y[2] = 3;
	te_gap_add_pair(env, a, x, y);
	unit_ok(te_gap_validate(env, a, size, 16000) == TE_OK, "gap validate: a built accumulator is valid");
	/* 0.1.0's layout 0 is the same without the pair distances */
	memcpy(b, a, te_gap_acc_size_v1(3));
	b->layout = 0;
	unit_ok(te_gap_layout_of(b, te_gap_acc_size_v1(3)) == 0, "gap layout: read from raw bytes");
	unit_ok(te_gap_validate(env, b, te_gap_acc_size_v1(3), 16000) == TE_INVALID,
			"gap validate: layout 0 must be upgraded first (%s)", env->msg);
	{
		TeGapAcc   *up = malloc(size);
		TeGapStats	s0,
					s1;

		unit_ok(te_gap_upgrade(env, b, te_gap_acc_size_v1(3), 16000, up) == TE_OK &&
				up->layout == TE_GAP_LAYOUT && TE_GAP_DIST(up)->n == 0 &&
				te_gap_validate(env, up, size, 16000) == TE_OK,
				"gap upgrade: layout 0 reads as the current layout with no pair distances");
		te_gap_result(a, &s0, NULL);
		te_gap_result(up, &s1, NULL);
		unit_ok(s0.has_l2i && !s1.has_l2i && s0.gap == s1.gap && s0.alignment == s1.alignment &&
				s0.rmg == s1.rmg, "gap upgrade: l2i unknown, every other statistic unchanged");
		unit_ok(te_gap_upgrade(env, b, te_gap_acc_size_v1(3) - 8, 16000, up) == TE_INVALID,
				"gap upgrade: a wrong size is refused (%s)", env->msg);
		unit_ok(te_gap_upgrade(env, a, size, 16000, up) == TE_INVALID,
				"gap upgrade: the current layout is not an older one (%s)", env->msg);
		free(up);
	}
	{
		/* l2i and rmg of two hand-made pairs */
		TeGapStats	st;
		double		d1,
					d2,
					m,
					ai,
					at;

		te_gap_result(a, &st, NULL);
		/* pairs (1,2,2)/3 vs (0,1,0) and (-1,2,2)/3 vs (0,1,3)/sqrt(10) */
		d1 = sqrt(pow(1.0 / 3, 2) + pow(2.0 / 3 - 1, 2) + pow(2.0 / 3, 2));
		d2 = sqrt(pow(-1.0 / 3, 2) + pow(2.0 / 3 - 1 / sqrt(10), 2) + pow(2.0 / 3 - 3 / sqrt(10), 2));
		unit_ok(fabs(st.l2i - (d1 + d2) / 2) < 1e-15, "gap l2i: mean distance of the pairs (%.17g)", st.l2i);
		m = (1 - (2.0 / 3 + (2.0 + 6.0) / 3 / sqrt(10)) / 2) / 2;
		ai = (1 - 7.0 / 9) / 2;
		at = (1 - 1 / sqrt(10)) / 2;
		unit_ok(st.has_rmg && fabs(st.rmg - m / (m + (ai + at) / 2)) < 1e-15,
				"gap rmg: Schrodi et al.'s ratio (%.17g)", st.rmg);
	}
	a->layout = TE_GAP_LAYOUT + 1;
	unit_ok(te_gap_validate(env, a, size, 16000) == TE_INVALID && strstr(env->msg, "layout"),
			"gap validate: an unknown layout is refused (%s)", env->msg);
	a->layout = TE_GAP_LAYOUT;
	unit_ok(te_gap_validate(env, a, size - 8, 16000) == TE_INVALID, "gap validate: a wrong size is refused");
	memcpy(b, a, size);
	b->n_text++;
	unit_ok(te_gap_validate(env, b, size, 16000) == TE_INVALID, "gap validate: paired counts must agree");
	memcpy(b, a, size);
	b->sum[0] = 5.0;
	unit_ok(te_gap_validate(env, b, size, 16000) == TE_INVALID, "gap validate: a sum longer than its count is refused");
	memcpy(b, a, size);
	b->n_image = b->n_text = b->n_pairs = INT64_MAX;
	unit_ok(te_gap_validate(env, b, size, 16000) == TE_OK &&
			te_gap_merge(env, b, a) == TE_RANGE, "gap merge: a count overflow is TE_RANGE (%s)", env->msg);
	free(a);
	free(b);
}

int
main(void)
{
	TeEnv		env;

	te_env_init_malloc(&env);
	test_validate(&env);
	test_hand(&env);
	test_merge(&env);
	test_edges(&env);
	test_synth(&env);
	test_float4(&env);
	test_cancel(&env);
	return unit_done();
}
