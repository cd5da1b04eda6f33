/*
 * gap.c - the modality gap accumulator
 */
#include "topembed/gap.h"

#include <math.h>
#include <string.h>

/* bytes of an accumulator for dim dimensions */
size_t
te_gap_acc_size(int dim)
{
	return te_gap_acc_size_v1(dim) + sizeof(TeGapDist);
}

/* bytes of an accumulator of layout 1 (no pair distances) */
size_t
te_gap_acc_size_v1(int dim)
{
	return offsetof(TeGapAcc, sum) + sizeof(double) * 2 * (size_t) dim;
}

/* the layout field of a stored accumulator, or -1 when it is too short to hold one */
int
te_gap_layout_of(const void *raw, size_t size)
{
	TeGapAcc	head;

	if (size < offsetof(TeGapAcc, sum))
		return -1;
	memcpy(&head, raw, offsetof(TeGapAcc, sum));
	return head.layout;
}

/* read an accumulator of an older layout (0.1.0's or 1) into the current one, without pair distances */
TeStatus
te_gap_upgrade(TeEnv *env, const void *raw, size_t size, int max_dim, TeGapAcc *out)
{
	TeGapAcc	head;
	TeGapDist  *dist;

	if (size < offsetof(TeGapAcc, sum))
		return te_fail(env, TE_INVALID, "truncated (%zu bytes)", size);
	memcpy(&head, raw, offsetof(TeGapAcc, sum));
	if (head.layout < TE_GAP_LAYOUT_OLDEST || head.layout > 1)
		return te_fail(env, TE_INVALID, "layout %d is not an older layout", (int) head.layout);
	if (head.dim < 1 || head.dim > max_dim)
		return te_fail(env, TE_INVALID, "dimension %d out of range 1 to %d", (int) head.dim, max_dim);
	if (size != te_gap_acc_size_v1(head.dim))
		return te_fail(env, TE_INVALID, "%zu bytes where a %d-d state of layout %d has %zu", size,
					   (int) head.dim, (int) head.layout, te_gap_acc_size_v1(head.dim));
	memcpy(out, raw, size);
	out->layout = TE_GAP_LAYOUT;
	dist = TE_GAP_DIST(out);
	dist->n = 0;
	dist->sum = 0.0;
	return TE_OK;
}

/* start an empty accumulator in memory of te_gap_acc_size(dim) bytes */
void
te_gap_acc_init(TeGapAcc *acc, int dim, int flags)
{
	memset(acc, 0, te_gap_acc_size(dim));
	acc->layout = TE_GAP_LAYOUT;
	acc->dim = dim;
	acc->flags = flags;
}

/* dot product with eight partial sums, so that the adds pipeline */
static double
dot(const double *x, const double *y, int dim)
{
	double		s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	double		t = 0.0;
	int			i,
				k;

	for (i = 0; i + 8 <= dim; i += 8)
		for (k = 0; k < 8; k++)
			s[k] += x[i + k] * y[i + k];
	for (; i < dim; i++)
		t += x[i] * y[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + t;
}

/* xx = x.x, yy = y.y, xy = x.y in one pass */
static void
dot3(const double *x, const double *y, int dim, double *xx, double *yy, double *xy)
{
	double		a[4] = {0, 0, 0, 0},
				b[4] = {0, 0, 0, 0},
				c[4] = {0, 0, 0, 0};
	int			i,
				k;

	for (i = 0; i + 4 <= dim; i += 4)
		for (k = 0; k < 4; k++)
		{
			a[k] += x[i + k] * x[i + k];
			b[k] += y[i + k] * y[i + k];
			c[k] += x[i + k] * y[i + k];
		}
	for (; i < dim; i++)
	{
		a[0] += x[i] * x[i];
		b[0] += y[i] * y[i];
		c[0] += x[i] * y[i];
	}
	*xx = (a[0] + a[1]) + (a[2] + a[3]);
	*yy = (b[0] + b[1]) + (b[2] + b[3]);
	*xy = (c[0] + c[1]) + (c[2] + c[3]);
}

/* acc += scale * x, elementwise */
static void
add_scaled(double *acc, const double *x, double scale, int dim)
{
	int			i;

	for (i = 0; i < dim; i++)
		acc[i] += scale * x[i];
}

/* dot3 on float data, summed in double */
static void
dot3_f4(const float *x, const float *y, int dim, double *xx, double *yy, double *xy)
{
	double		a[4] = {0, 0, 0, 0},
				b[4] = {0, 0, 0, 0},
				c[4] = {0, 0, 0, 0};
	int			i,
				k;

	for (i = 0; i + 4 <= dim; i += 4)
		for (k = 0; k < 4; k++)
		{
			double		u = x[i + k],
						v = y[i + k];

			a[k] += u * u;
			b[k] += v * v;
			c[k] += u * v;
		}
	for (; i < dim; i++)
	{
		a[0] += (double) x[i] * x[i];
		b[0] += (double) y[i] * y[i];
		c[0] += (double) x[i] * y[i];
	}
	*xx = (a[0] + a[1]) + (a[2] + a[3]);
	*yy = (b[0] + b[1]) + (b[2] + b[3]);
	*xy = (c[0] + c[1]) + (c[2] + c[3]);
}

/* acc += scale * x for float x */
static void
add_scaled_f4(double *acc, const float *x, double scale, int dim)
{
	int			i;

	for (i = 0; i < dim; i++)
		acc[i] += scale * (double) x[i];
}

/* ||x sx - y sy||, the distance of two vectors scaled to unit length */
static double
scaled_dist(const double *x, double sx, const double *y, double sy, int dim)
{
	double		ss = 0.0;
	int			i;

	for (i = 0; i < dim; i++)
	{
		double		v = x[i] * sx - y[i] * sy;

		ss += v * v;
	}
	return sqrt(ss);
}

/* the same for float data */
static double
scaled_dist_f4(const float *x, double sx, const float *y, double sy, int dim)
{
	double		ss = 0.0;
	int			i;

	for (i = 0; i < dim; i++)
	{
		double		v = (double) x[i] * sx - (double) y[i] * sy;

		ss += v * v;
	}
	return sqrt(ss);
}

/* count one pair's distance */
static void
add_dist(TeGapAcc *acc, double dist)
{
	TeGapDist  *d = TE_GAP_DIST(acc);

	d->n++;
	d->sum += dist;
}

/* squares that can be summed without overflow or underflow trouble */
static inline int
safe_square_sum(double ss)
{
	return ss > 1e-290 && ss < 1e290;
}

/* L2-normalise x in place, rescaling first if its squares would over- or underflow; returns its norm */
double
te_normalize(double *x, int dim)
{
	double		ss = dot(x, x, dim);
	double		norm;
	int			i;

	if (!safe_square_sum(ss))
	{
		/* rescale first so that the squares neither underflow nor overflow */
		double		scale = 0.0;

		for (i = 0; i < dim; i++)
			if (fabs(x[i]) > scale)
				scale = fabs(x[i]);
		if (scale == 0.0)
			return 0.0;
		ss = 0.0;
		for (i = 0; i < dim; i++)
		{
			x[i] /= scale;
			ss += x[i] * x[i];
		}
		norm = sqrt(ss);
		for (i = 0; i < dim; i++)
			x[i] /= norm;
		return norm * scale;
	}
	norm = sqrt(ss);
	for (i = 0; i < dim; i++)
		x[i] /= norm;
	return norm;
}

/* add one (image, text) pair of double vectors, normalised in place */
TeStatus
te_gap_add_pair(TeEnv *env, TeGapAcc *acc, double *x, double *y)
{
	int			d = acc->dim;
	double		xx,
				yy,
				xy,
				c,
				delta;

	dot3(x, y, d, &xx, &yy, &xy);
	if (safe_square_sum(xx) && safe_square_sum(yy))
	{
		double		ix = 1.0 / sqrt(xx);
		double		iy = 1.0 / sqrt(yy);

		add_scaled(acc->sum, x, ix, d);
		add_scaled(acc->sum + d, y, iy, d);
		c = xy * ix * iy;
		add_dist(acc, scaled_dist(x, ix, y, iy, d));
	}
	else
	{
		/* extreme magnitudes: normalise with rescaling, in place */
		if (te_normalize(x, d) == 0.0)
			return te_fail(env, TE_INVALID, "image embedding is a zero vector, which has no direction");
		if (te_normalize(y, d) == 0.0)
			return te_fail(env, TE_INVALID, "text embedding is a zero vector, which has no direction");
		add_scaled(acc->sum, x, 1.0, d);
		add_scaled(acc->sum + d, y, 1.0, d);
		c = dot(x, y, d);
		add_dist(acc, scaled_dist(x, 1.0, y, 1.0, d));
	}
	acc->n_image++;
	acc->n_text++;
	acc->n_pairs++;

	delta = c - acc->cos_mean;
	acc->cos_mean += delta / (double) acc->n_pairs;
	acc->cos_m2 += delta * (c - acc->cos_mean);
	return TE_OK;
}

/* add one embedding of one modality, normalised in place */
TeStatus
te_gap_add_one(TeEnv *env, TeGapAcc *acc, double *x, int is_image)
{
	int			d = acc->dim;
	double	   *sum = is_image ? acc->sum : acc->sum + d;
	double		xx = dot(x, x, d);

	if (safe_square_sum(xx))
		add_scaled(sum, x, 1.0 / sqrt(xx), d);
	else
	{
		if (te_normalize(x, d) == 0.0)
			return te_fail(env, TE_INVALID, "%s embedding is a zero vector, which has no direction",
						   is_image ? "image" : "text");
		add_scaled(sum, x, 1.0, d);
	}
	if (is_image)
		acc->n_image++;
	else
		acc->n_text++;
	return TE_OK;
}

/*
 * The float4 fast path.  Squares of float values neither overflow nor
 * underflow in double, so no rescaling is ever needed; a NaN or infinity
 * shows up as a non-finite sum, and nothing is added then.
 */
static TeStatus
check_sums_f4(TeEnv *env, const char *side, double ss)
{
	if (!isfinite(ss))
		return te_fail(env, TE_INVALID, "%s embedding has a non-finite value", side);
	if (ss == 0.0)
		return te_fail(env, TE_INVALID, "%s embedding is a zero vector, which has no direction", side);
	return TE_OK;
}

/* add one (image, text) pair of float4 vectors, read in place */
TeStatus
te_gap_add_pair_f4(TeEnv *env, TeGapAcc *acc, const float *x, const float *y)
{
	int			d = acc->dim;
	double		xx,
				yy,
				xy,
				ix,
				iy,
				c,
				delta;
	TeStatus	st;

	dot3_f4(x, y, d, &xx, &yy, &xy);
	if ((st = check_sums_f4(env, "image", xx)) != TE_OK ||
		(st = check_sums_f4(env, "text", yy)) != TE_OK)
		return st;
	ix = 1.0 / sqrt(xx);
	iy = 1.0 / sqrt(yy);
	add_scaled_f4(acc->sum, x, ix, d);
	add_scaled_f4(acc->sum + d, y, iy, d);
	add_dist(acc, scaled_dist_f4(x, ix, y, iy, d));
	acc->n_image++;
	acc->n_text++;
	acc->n_pairs++;
	c = xy * ix * iy;
	delta = c - acc->cos_mean;
	acc->cos_mean += delta / (double) acc->n_pairs;
	acc->cos_m2 += delta * (c - acc->cos_mean);
	return TE_OK;
}

/* add one float4 embedding of one modality, read in place */
TeStatus
te_gap_add_one_f4(TeEnv *env, TeGapAcc *acc, const float *x, int is_image)
{
	int			d = acc->dim;
	double		xx,
				yy,
				xy;
	TeStatus	st;

	dot3_f4(x, x, d, &xx, &yy, &xy);
	if ((st = check_sums_f4(env, is_image ? "image" : "text", xx)) != TE_OK)
		return st;
	add_scaled_f4(is_image ? acc->sum : acc->sum + d, x, 1.0 / sqrt(xx), d);
	if (is_image)
		acc->n_image++;
	else
		acc->n_text++;
	return TE_OK;
}

/* fold accumulator b into a (same dimension and form) */
TeStatus
te_gap_merge(TeEnv *env, TeGapAcc *a, const TeGapAcc *b)
{
	int64_t		n;

	if (a->dim != b->dim)
		return te_fail(env, TE_INVALID, "expected %d dimensions, not %d", a->dim, b->dim);
	if (a->flags != b->flags)
		return te_fail(env, TE_INVALID, "cannot merge paired and unpaired gap states");
	if (b->n_image > INT64_MAX - a->n_image || b->n_text > INT64_MAX - a->n_text ||
		b->n_pairs > INT64_MAX - a->n_pairs)
		return te_fail(env, TE_RANGE, "merged gap states would count more than %lld embeddings",
					   (long long) INT64_MAX);

	add_scaled(a->sum, b->sum, 1.0, 2 * a->dim);
	TE_GAP_DIST(a)->n += TE_GAP_DIST(b)->n;
	TE_GAP_DIST(a)->sum += TE_GAP_DIST(b)->sum;
	a->n_image += b->n_image;
	a->n_text += b->n_text;

	/* Chan et al.: combine the two running means and M2 of the cosines */
	n = a->n_pairs + b->n_pairs;
	if (b->n_pairs > 0)
	{
		double		delta = b->cos_mean - a->cos_mean;

		a->cos_m2 += b->cos_m2 +
			delta * delta * ((double) a->n_pairs * (double) b->n_pairs / (double) n);
		a->cos_mean += delta * ((double) b->n_pairs / (double) n);
		a->n_pairs = n;
	}
	return TE_OK;
}

/*
 * The counts, centroid norms, cones and gap from the two modalities' means,
 * given as vectors times a scale (sums with 1/n, or means with 1).
 */
static void
stats_from(int dim, int64_t n_image, const double *image, double image_scale,
		   int64_t n_text, const double *text, double text_scale,
		   TeGapStats *out, double *gap_vector)
{
	double		mi2 = dot(image, image, dim) * image_scale * image_scale;
	double		mt2 = dot(text, text, dim) * text_scale * text_scale;
	double		g2 = 0.0;
	int			i;

	memset(out, 0, sizeof(*out));
	out->dim = dim;
	out->n_image = n_image;
	out->n_text = n_text;

	if (n_image > 0)
		out->image_centroid_norm = sqrt(mi2);
	if (n_text > 0)
		out->text_centroid_norm = sqrt(mt2);
	/* ||sum||^2 = n^2 ||mean||^2 and the n diagonal terms are each 1 */
	if (n_image >= 2)
	{
		double		n = (double) n_image;

		out->has_image_cone = 1;
		out->image_cone = (n * mi2 - 1.0) / (n - 1.0);
	}
	if (n_text >= 2)
	{
		double		n = (double) n_text;

		out->has_text_cone = 1;
		out->text_cone = (n * mt2 - 1.0) / (n - 1.0);
	}
	if (n_image > 0 && n_text > 0)
	{
		out->has_gap = 1;
		for (i = 0; i < dim; i++)
		{
			double		g = image[i] * image_scale - text[i] * text_scale;

			if (gap_vector)
				gap_vector[i] = g;
			g2 += g * g;
		}
		out->gap = sqrt(g2);
	}
}

/* the gap statistics of an accumulator, and the gap vector if asked for */
void
te_gap_result(const TeGapAcc *acc, TeGapStats *out, double *gap_vector)
{
	stats_from(acc->dim,
			   acc->n_image, acc->sum, acc->n_image ? 1.0 / (double) acc->n_image : 0.0,
			   acc->n_text, acc->sum + acc->dim, acc->n_text ? 1.0 / (double) acc->n_text : 0.0,
			   out, gap_vector);
	out->n_pairs = acc->n_pairs;
	if ((acc->flags & TE_GAP_PAIRED) && acc->n_pairs > 0)
	{
		double		var = acc->cos_m2 / (double) acc->n_pairs;

		out->has_paired = 1;
		out->paired_cosine_mean = acc->cos_mean;
		out->paired_cosine_std = sqrt(var > 0.0 ? var : 0.0);
		out->alignment = 2.0 - 2.0 * acc->cos_mean;
		if (TE_GAP_DIST(acc)->n == acc->n_pairs)
		{
			out->has_l2i = 1;
			out->l2i = TE_GAP_DIST(acc)->sum / (double) acc->n_pairs;
		}
		if (out->has_image_cone && out->has_text_cone)
		{
			double		m = fmax(0.0, (1.0 - acc->cos_mean) / 2.0);
			double		ai = fmax(0.0, (1.0 - out->image_cone) / 2.0);
			double		at = fmax(0.0, (1.0 - out->text_cone) / 2.0);
			double		den = m + (ai + at) / 2.0;

			if (den > 0.0)
			{
				out->has_rmg = 1;
				out->rmg = m / den;
			}
		}
	}
}

/* the gap statistics from the counts and means of normalised vectors of each side */
void
te_gap_from_means(int dim, int64_t n_image, const double *mean_image,
				  int64_t n_text, const double *mean_text,
				  TeGapStats *out, double *gap_vector)
{
	stats_from(dim, n_image, mean_image, 1.0, n_text, mean_text, 1.0, out, gap_vector);
}

/* relative slack of te_gap_validate against rounding */
#define GAP_SLACK 1e-9

/* the invariants of an accumulator from outside: see gap.h */
TeStatus
te_gap_validate(TeEnv *env, const TeGapAcc *acc, size_t size, int max_dim)
{
	int			d = acc->dim,
				side,
				i;

	if (size < offsetof(TeGapAcc, sum))
		return te_fail(env, TE_INVALID, "truncated (%zu bytes)", size);
	if (acc->layout != TE_GAP_LAYOUT)
		return te_fail(env, TE_INVALID,
					   acc->layout >= TE_GAP_LAYOUT_OLDEST && acc->layout < TE_GAP_LAYOUT ?
					   "layout %d must be upgraded before use (this version reads layouts %d to %d)" :
					   "unknown on-disk layout %d (this version reads layouts %d to %d)",
					   (int) acc->layout, TE_GAP_LAYOUT_OLDEST, TE_GAP_LAYOUT);
	if (d < 1 || d > max_dim)
		return te_fail(env, TE_INVALID, "dimension %d out of range 1 to %d", d, max_dim);
	if (acc->flags != 0 && acc->flags != TE_GAP_PAIRED)
		return te_fail(env, TE_INVALID, "unknown flags %d", (int) acc->flags);
	if (size != te_gap_acc_size(d))
		return te_fail(env, TE_INVALID, "%zu bytes where a %d-d state has %zu", size, d,
					   te_gap_acc_size(d));
	if (acc->n_image < 0 || acc->n_text < 0 || acc->n_pairs < 0)
		return te_fail(env, TE_INVALID, "negative counts");
	if (acc->flags == TE_GAP_PAIRED ?
		(acc->n_image != acc->n_pairs || acc->n_text != acc->n_pairs) : acc->n_pairs != 0)
		return te_fail(env, TE_INVALID, "inconsistent counts (%lld images, %lld texts, %lld pairs)",
					   (long long) acc->n_image, (long long) acc->n_text, (long long) acc->n_pairs);
	for (side = 0; side < 2; side++)
	{
		const double *sum = acc->sum + (size_t) side * d;
		int64_t		n = side ? acc->n_text : acc->n_image;
		double		norm;

		for (i = 0; i < d; i++)
			if (!isfinite(sum[i]))
				return te_fail(env, TE_INVALID, "non-finite sum");
		norm = te_norm2(sum, d);
		if (norm > (double) n * (1.0 + GAP_SLACK) + GAP_SLACK)
			return te_fail(env, TE_INVALID, "a sum of %lld unit vectors cannot have norm %g",
						   (long long) n, norm);
	}
	if (!isfinite(acc->cos_mean) || !isfinite(acc->cos_m2) || acc->cos_m2 < 0.0 ||
		fabs(acc->cos_mean) > 1.0 + GAP_SLACK ||
		acc->cos_m2 > (double) acc->n_pairs * (1.0 + GAP_SLACK) ||
		(acc->n_pairs == 0 && acc->cos_mean != 0.0) ||
		(acc->n_pairs <= 1 && acc->cos_m2 != 0.0))
		return te_fail(env, TE_INVALID, "invalid cosine moments");
	{
		const TeGapDist *dist = TE_GAP_DIST(acc);

		/* each distance of two unit vectors lies in [0, 2] */
		if (dist->n < 0 || dist->n > acc->n_pairs || !isfinite(dist->sum) || dist->sum < 0.0 ||
			dist->sum > 2.0 * (double) dist->n * (1.0 + GAP_SLACK) ||
			(dist->n == 0 && dist->sum != 0.0))
			return te_fail(env, TE_INVALID, "invalid pair distances");
	}
	return TE_OK;
}
