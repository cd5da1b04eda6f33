/*
 * plots.c - SVG plots of persistence diagrams, barcodes, eigenvalue
 *           spectra and Betti curves
 *
 * Each plot validates its input, works out its axes, and writes one
 * standalone SVG document through the toolkit in svg.c.  Sizes are fixed
 * in CSS pixels (640 wide) so that plots line up in a report.  Large
 * inputs are reduced before they are drawn, so that a document stays small
 * and legible:
 *  - diagram markers are binned on a half-pixel grid; coincident markers
 *    become one marker with the opacity their stack would have had, and the
 *    grid coarsens until at most TE_SVG_MAX_MARKERS markers remain;
 *  - a barcode shows at most TE_SVG_MAX_BARS bars, the longest of each
 *    dimension, and says so;
 *  - lines keep, per half-pixel column, the first, lowest, highest and
 *    last point, which draws the same picture.
 */
#include "topembed/svg.h"

#include <math.h>
#include <string.h>

#define PLOT_W		640
#define CHECK_EVERY 4096

/* ---- small helpers ---- */

/* append s to the C string buf of capacity cap */
static void
buf_cat(char *buf, size_t cap, const char *s)
{
	size_t		n = strlen(buf);
	size_t		m = strlen(s);

	if (n + 1 >= cap)
		return;
	if (m > cap - n - 1)
		m = cap - n - 1;
	memcpy(buf + n, s, m);
	buf[n + m] = '\0';
}

/* append an integer to buf */
static void
buf_cat_int(char *buf, size_t cap, int64_t v)
{
	char		num[TE_NUMBUF];

	te_format_int(num, v);
	buf_cat(buf, cap, num);
}

/* append a number with sig significant digits to buf */
static void
buf_cat_num(char *buf, size_t cap, double v, int sig)
{
	char		num[TE_NUMBUF];

	te_format_num(num, v, sig);
	buf_cat(buf, cap, num);
}

/* poll the interrupt check every CHECK_EVERY steps */
static inline TeStatus
poll(TeEnv *env, int64_t i)
{
	if ((i & (CHECK_EVERY - 1)) == 0)
		return te_check(env);
	return TE_OK;
}

/* write " name=\"v\"" with v rounded to one decimal */
static void
put_attr(TeText *t, const char *name, double v)
{
	te_text_putc(t, ' ');
	te_text_puts(t, name);
	te_text_puts(t, "=\"");
	te_text_fixed(t, v, 1);
	te_text_putc(t, '"');
}

/* write "x y" for a path, one decimal each */
static void
put_xy(TeText *t, double x, double y)
{
	te_text_fixed(t, x, 1);
	te_text_putc(t, ' ');
	te_text_fixed(t, y, 1);
}

/* the plot title, centred, cut to the width of the document */
static void
put_title(TeText *t, const char *title, int width)
{
	if (title && *title)
		te_svg_text(t, width / 2.0, 26.0, 16.0, "middle",
					"font-weight=\"bold\" fill=\"#111\"", title,
					(int) ((width - 24) / (0.62 * 16.0)));
}

/* a grey subtitle under the title */
static void
put_subtitle(TeText *t, const char *text, int width)
{
	te_svg_text(t, width / 2.0, 44.0, 11.5, "middle", "fill=\"#555\"", text,
				(int) ((width - 24) / (0.6 * 11.5)));
}

/* a centred grey message for an empty plot, on a white halo so that it reads over lines */
static void
put_message(TeText *t, double x, double y, const char *text)
{
	te_svg_text(t, x, y, 14.0, "middle",
				"fill=\"#fff\" stroke=\"#fff\" stroke-width=\"5\" stroke-linejoin=\"round\"", text, 60);
	te_svg_text(t, x, y, 14.0, "middle", "fill=\"#777\"", text, 60);
}

/* the dash pattern of series k: solid for the first palette round, then dashed, then dotted */
static const char *
series_dash(int k)
{
	if (k < 7)
		return NULL;
	if (k < 14)
		return "7 3";
	return "2 2.5";
}

/* default label "series k" when a series has none */
static const char *
series_label(const char *label, int k, char *buf, size_t cap)
{
	if (label && *label)
		return label;
	buf[0] = '\0';
	buf_cat(buf, cap, "series ");
	buf_cat_int(buf, cap, k + 1);
	return buf;
}

/* ---- options ---- */

static const TeSvgOptions no_options;

/* check the options; a NULL pointer stands for the defaults */
static TeStatus
check_options(TeEnv *env, const TeSvgOptions *opt)
{
	if (opt == NULL)
		return TE_OK;
	if (!isfinite(opt->scale_max) || opt->scale_max < 0.0)
		return te_fail(env, TE_INVALID, "the shared scale must be a finite number >= 0");
	if (!isfinite(opt->y_min) || !isfinite(opt->y_max) || opt->y_min < 0.0 || opt->y_max < 0.0)
		return te_fail(env, TE_INVALID, "the eigenvalue range must be finite numbers >= 0");
	if (opt->y_min > 0.0 && opt->y_max > 0.0 && opt->y_min > opt->y_max)
		return te_fail(env, TE_INVALID, "the eigenvalue range is empty: its low end is above its high end");
	return TE_OK;
}

/* "what (unit)", or what alone without a unit */
static const char *
unit_label(char *buf, size_t cap, const char *what, const char *unit)
{
	if (unit == NULL || *unit == '\0')
		return what;
	buf[0] = '\0';
	buf_cat(buf, cap, what);
	buf_cat(buf, cap, " (");
	buf_cat(buf, cap, unit);
	buf_cat(buf, cap, ")");
	return buf;
}

/* widen the range [lo, hi] of a scale axis to [0, scale_max] when one is shared */
static void
shared_scale(const TeSvgOptions *opt, double *lo, double *hi)
{
	if (opt->scale_max <= 0.0)
		return;
	if (*lo > 0.0)
		*lo = 0.0;
	if (*hi < opt->scale_max)
		*hi = opt->scale_max;
}

/* ---- sorting without malloc: a bottom-up merge sort on env's allocator ---- */

typedef int (*SortCmp) (const void *a, const void *b, const void *ctx);

/* sort n elements of size bytes at base, stably */
static TeStatus
merge_sort(TeEnv *env, void *base, size_t n, size_t size, SortCmp cmp, const void *ctx)
{
	char	   *buf,
			   *src,
			   *dst;
	size_t		width;
	TeStatus	st = TE_OK;

	if (n < 2)
		return TE_OK;
	buf = te_alloc_array(env, n, size);
	if (buf == NULL)
		return te_fail(env, TE_NOMEM, "out of memory while sorting %zu plot elements", n);
	src = base;
	dst = buf;
	for (width = 1; width < n; width *= 2)
	{
		size_t		lo;

		for (lo = 0; lo < n; lo += 2 * width)
		{
			size_t		mid = lo + width < n ? lo + width : n;
			size_t		hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t		i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
			{
				if (cmp(src + j * size, src + i * size, ctx) < 0)
					memcpy(dst + (k++) * size, src + (j++) * size, size);
				else
					memcpy(dst + (k++) * size, src + (i++) * size, size);
			}
			if (i < mid)
				memcpy(dst + k * size, src + i * size, (mid - i) * size);
			else if (j < hi)
				memcpy(dst + k * size, src + j * size, (hi - j) * size);
		}
		{
			char	   *tmp = src;

			src = dst;
			dst = tmp;
		}
		if ((st = te_check(env)) != TE_OK)
			break;
	}
	if (st == TE_OK && src != (char *) base)
		memcpy(base, src, n * size);
	te_free(env, buf);
	return st;
}

/* ascending uint64 */
static int
cmp_u64(const void *a, const void *b, const void *ctx)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	(void) ctx;
	return x < y ? -1 : x > y;
}

/* ---- a polyline writer that thins points per half-pixel column ---- */

typedef struct Thin
{
	TeText	   *t;
	int			started;		/* "M" written */
	int			open;			/* a column is being collected */
	int64_t		col;
	int64_t		seq;
	double		pt[4][2];		/* first, lowest, highest, last */
	int64_t		ord[4];
} Thin;

/* begin a thinned polyline */
static void
thin_init(Thin *th, TeText *t)
{
	memset(th, 0, sizeof(*th));
	th->t = t;
}

/* write the kept points of the current column in their original order */
static void
thin_flush(Thin *th)
{
	int			idx[4] = {0, 1, 2, 3};
	int			i,
				j;
	int64_t		last = -1;

	if (!th->open)
		return;
	for (i = 1; i < 4; i++)
		for (j = i; j > 0 && th->ord[idx[j]] < th->ord[idx[j - 1]]; j--)
		{
			int			tmp = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = tmp;
		}
	for (i = 0; i < 4; i++)
	{
		int			k = idx[i];

		if (th->ord[k] == last)
			continue;
		last = th->ord[k];
		te_text_puts(th->t, th->started ? " " : "M");
		if (th->started == 1)
		{
			te_text_puts(th->t, "L");
			th->started = 2;
		}
		else if (!th->started)
			th->started = 1;
		put_xy(th->t, th->pt[k][0], th->pt[k][1]);
	}
	th->open = 0;
}

/* add a point in pixels */
static void
thin_add(Thin *th, double x, double y)
{
	int64_t		col = (int64_t) floor(x * 2.0);
	int64_t		s = th->seq++;

	if (th->open && col == th->col)
	{
		if (y < th->pt[1][1])
		{
			th->pt[1][0] = x;
			th->pt[1][1] = y;
			th->ord[1] = s;
		}
		if (y > th->pt[2][1])
		{
			th->pt[2][0] = x;
			th->pt[2][1] = y;
			th->ord[2] = s;
		}
		th->pt[3][0] = x;
		th->pt[3][1] = y;
		th->ord[3] = s;
		return;
	}
	thin_flush(th);
	th->open = 1;
	th->col = col;
	for (int k = 0; k < 4; k++)
	{
		th->pt[k][0] = x;
		th->pt[k][1] = y;
		th->ord[k] = s;
	}
}

/* the line of a series: stroke colour, width and dash */
static void
put_line_start(TeText *t, int k, double width)
{
	const char *dash = series_dash(k);

	te_text_puts(t, "<path fill=\"none\" stroke=\"");
	te_text_puts(t, te_svg_color(k));
	te_text_puts(t, "\" stroke-width=\"");
	te_text_fixed(t, width, 1);
	te_text_puts(t, "\" stroke-linejoin=\"round\"");
	if (dash)
	{
		te_text_puts(t, " stroke-dasharray=\"");
		te_text_puts(t, dash);
		te_text_putc(t, '"');
	}
	te_text_puts(t, " d=\"");
}

/* a legend swatch: a short line in the series' colour and dash */
static void
put_swatch(TeText *t, int k, double x, double y)
{
	put_line_start(t, k, 2.5);
	te_text_putc(t, 'M');
	put_xy(t, x, y);
	te_text_puts(t, "h24\"/>\n");
}

/* ---- persistence pairs: validation and the shared summary ---- */

typedef struct PairSummary
{
	int64_t		count[TE_SVG_MAX_DIM + 1];
	int64_t		essential[TE_SVG_MAX_DIM + 1];
	int			ndims;			/* dimensions with at least one pair */
	int			have_finite;	/* some value was seen */
	double		lo;				/* smallest birth or finite death */
	double		hi;
} PairSummary;

/* check pairs and count them per dimension */
static TeStatus
summarise_pairs(TeEnv *env, const TePersPair *pairs, int64_t n, PairSummary *s)
{
	int64_t		i;
	int			d;
	TeStatus	st;

	memset(s, 0, sizeof(*s));
	s->lo = INFINITY;
	s->hi = -INFINITY;
	if (n < 0)
		return te_fail(env, TE_INVALID, "the number of pairs must not be negative, not %lld",
					   (long long) n);
	if (n > 0 && pairs == NULL)
		return te_fail(env, TE_INVALID, "no pairs were given for a diagram of %lld pairs",
					   (long long) n);
	for (i = 0; i < n; i++)
	{
		const TePersPair *p = &pairs[i];

		if ((st = poll(env, i)) != TE_OK)
			return st;
		if (p->dim < 0 || p->dim > TE_SVG_MAX_DIM)
			return te_fail(env, TE_INVALID,
						   "pair %lld has homology dimension %d, but only 0 to %d can be drawn",
						   (long long) i + 1, (int) p->dim, TE_SVG_MAX_DIM);
		if (isnan(p->birth) || isnan(p->death))
			return te_fail(env, TE_INVALID, "NaN not allowed in persistence pair %lld",
						   (long long) i + 1);
		if (isinf(p->birth))
			return te_fail(env, TE_INVALID, "pair %lld has an infinite birth",
						   (long long) i + 1);
		if (p->death == -INFINITY)
			return te_fail(env, TE_INVALID, "pair %lld has a death of -infinity",
						   (long long) i + 1);
		s->count[p->dim]++;
		if (isinf(p->death))
			s->essential[p->dim]++;
		else
		{
			s->lo = fmin(s->lo, p->death);
			s->hi = fmax(s->hi, p->death);
		}
		s->lo = fmin(s->lo, p->birth);
		s->hi = fmax(s->hi, p->birth);
		s->have_finite = 1;
	}
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		if (s->count[d])
			s->ndims++;
	return TE_OK;
}

/* the value range to draw: start at 0 when the data nearly do */
static void
pair_range(const PairSummary *s, double *lo, double *hi)
{
	if (!s->have_finite)
	{
		*lo = 0.0;
		*hi = 1.0;
		return;
	}
	*lo = s->lo;
	*hi = s->hi;
	if (*lo > 0.0 && *lo < 0.5 * *hi)
		*lo = 0.0;
}

/* "Persistence diagram: H0 10 pairs (1 essential), H1 3 pairs" */
static void
pair_desc(char *buf, size_t cap, const char *what, const PairSummary *s)
{
	int			d,
				first = 1;

	buf[0] = '\0';
	buf_cat(buf, cap, what);
	buf_cat(buf, cap, ":");
	if (s->ndims == 0)
		buf_cat(buf, cap, " no pairs");
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
	{
		if (!s->count[d])
			continue;
		buf_cat(buf, cap, first ? " H" : ", H");
		first = 0;
		buf_cat_int(buf, cap, d);
		buf_cat(buf, cap, " ");
		buf_cat_int(buf, cap, s->count[d]);
		buf_cat(buf, cap, s->count[d] == 1 ? " pair" : " pairs");
		if (s->essential[d])
		{
			buf_cat(buf, cap, " (");
			buf_cat_int(buf, cap, s->essential[d]);
			buf_cat(buf, cap, " essential)");
		}
	}
}

/* ---- persistence diagram ---- */

#define DG_H		480
#define DG_L		76.0		/* frame left */
#define DG_S		348.0		/* frame width = height of the finite part */
#define DG_B		424.0		/* frame bottom */
#define DG_BAND		28.0		/* the band above the finite part holding the ∞ line */
#define DG_PAD		9.0			/* data inset from the frame */
#define DG_BIN_BITS 21

/* marker of homology dimension dim at (x, y); opacity < 0 inherits the group's */
static void
put_marker(TeText *t, int dim, double x, double y, double opacity)
{
	int			shape = dim % 5;

	if (shape == 0)
	{
		te_text_puts(t, "<circle");
		put_attr(t, "cx", x);
		put_attr(t, "cy", y);
		te_text_puts(t, " r=\"3.6\"");
	}
	else
	{
		te_text_puts(t, "<path d=\"M");
		switch (shape)
		{
			case 1:				/* triangle up */
				put_xy(t, x, y - 4.6);
				te_text_puts(t, "l4 6.9h-8z");
				break;
			case 2:				/* square */
				put_xy(t, x - 3.2, y - 3.2);
				te_text_puts(t, "h6.4v6.4h-6.4z");
				break;
			case 3:				/* diamond */
				put_xy(t, x, y - 4.5);
				te_text_puts(t, "l4.5 4.5-4.5 4.5-4.5-4.5z");
				break;
			default:			/* triangle down */
				put_xy(t, x, y + 4.6);
				te_text_puts(t, "l4-6.9h-8z");
				break;
		}
		te_text_putc(t, '"');
	}
	if (opacity >= 0.0)
	{
		te_text_puts(t, " fill-opacity=\"");
		te_text_fixed(t, opacity, 2);
		te_text_putc(t, '"');
	}
	te_text_puts(t, "/>\n");
}

/* the opacity of one marker of a dimension with n points */
static double
marker_alpha(int64_t n)
{
	double		a;

	if (n <= 60)
		return 0.8;
	a = 0.8 * sqrt(60.0 / (double) n);
	return a < 0.12 ? 0.12 : a;
}

/*
 * bin the pairs' marker positions (relative to the frame's top left) on a
 * grid of bin pixels into sorted keys dim|y|x; *nkeys is their number
 */
static TeStatus
diagram_keys(TeEnv *env, const TePersPair *pairs, int64_t n, const TeAxis *ax,
			 const TeAxis *ay, double inf_y, double bin, uint64_t *keys)
{
	int64_t		i;
	TeStatus	st;
	const int64_t maxb = ((int64_t) 1 << DG_BIN_BITS) - 1;

	for (i = 0; i < n; i++)
	{
		double		x = te_axis_map(ax, pairs[i].birth) - DG_L;
		double		y = (isinf(pairs[i].death) ? inf_y : te_axis_map(ay, pairs[i].death))
			- (DG_B - DG_S - DG_BAND);
		int64_t		bx = llround(x / bin);
		int64_t		by = llround(y / bin);

		if ((st = poll(env, i)) != TE_OK)
			return st;
		bx = bx < 0 ? 0 : bx > maxb ? maxb : bx;
		by = by < 0 ? 0 : by > maxb ? maxb : by;
		keys[i] = ((uint64_t) pairs[i].dim << (2 * DG_BIN_BITS)) |
			((uint64_t) by << DG_BIN_BITS) | (uint64_t) bx;
	}
	return merge_sort(env, keys, (size_t) n, sizeof(uint64_t), cmp_u64, NULL);
}

/* number of distinct sorted keys */
static int64_t
count_distinct(const uint64_t *keys, int64_t n)
{
	int64_t		i,
				d = n > 0;

	for (i = 1; i < n; i++)
		if (keys[i] != keys[i - 1])
			d++;
	return d;
}

/* the legend of a diagram: marker and "H1 (53)" per dimension present */
static void
diagram_legend(TeText *t, const PairSummary *s, double x, double y)
{
	int			d;
	char		buf[64];

	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
	{
		if (!s->count[d])
			continue;
		te_text_puts(t, "<g fill=\"");
		te_text_puts(t, te_svg_color(d));
		te_text_puts(t, "\">");
		put_marker(t, d, x + 6.0, y - 4.0, 0.9);
		te_text_puts(t, "</g>\n");
		buf[0] = '\0';
		buf_cat(buf, sizeof(buf), "H");
		buf_cat_int(buf, sizeof(buf), d);
		buf_cat(buf, sizeof(buf), " (");
		buf_cat_int(buf, sizeof(buf), s->count[d]);
		buf_cat(buf, sizeof(buf), ")");
		te_svg_text(t, x + 18.0, y, 13.0, "start", "fill=\"#222\"", buf, 0);
		y += 17.0;
		if (s->essential[d])
		{
			buf[0] = '\0';
			buf_cat_int(buf, sizeof(buf), s->essential[d]);
			buf_cat(buf, sizeof(buf), " essential (\xE2\x88\x9E)");
			te_svg_text(t, x + 18.0, y - 2.0, 11.0, "start", "fill=\"#666\"", buf, 0);
			y += 15.0;
		}
		y += 6.0;
	}
}

/* birth against death, one colour and marker shape per dimension */
TeStatus
te_svg_diagram(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title, char **out)
{
	return te_svg_diagram_ex(env, pairs, n, title, NULL, out);
}

/* the same, with options: the unit of the scale, a shared scale, the empty message */
TeStatus
te_svg_diagram_ex(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title,
				  const TeSvgOptions *opt, char **out)
{
	PairSummary s;
	TeStatus	st;
	TeText		t;
	TeAxis		ax,
				ay;
	double		lo,
				hi,
				bin = 0.5;
	double		top = DG_B - DG_S - DG_BAND;	/* frame top */
	double		inf_y = top + 13.0;
	double		right = DG_L + DG_S;
	uint64_t   *keys = NULL;
	int64_t		i,
				j;
	char		desc[512];
	char		lab[160];

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no place for the SVG document was given");
	*out = NULL;
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (opt == NULL)
		opt = &no_options;
	if ((st = summarise_pairs(env, pairs, n, &s)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Persistence diagram";

	/* one range for both axes, so that the diagonal runs at 45 degrees */
	pair_range(&s, &lo, &hi);
	shared_scale(opt, &lo, &hi);
	te_axis_linear(&ax, lo, hi, 6, 0);
	ay = ax;
	te_axis_place(&ax, DG_L + DG_PAD, right - DG_PAD);
	te_axis_place(&ay, DG_B - DG_PAD, DG_B - DG_S + DG_PAD);

	/* bin the markers, coarsening the grid until few enough remain */
	if (n > 0)
	{
		keys = te_alloc_array(env, (size_t) n, sizeof(uint64_t));
		if (keys == NULL)
			return te_fail(env, TE_NOMEM, "out of memory for %lld diagram markers", (long long) n);
		for (;;)
		{
			if ((st = diagram_keys(env, pairs, n, &ax, &ay, inf_y, bin, keys)) != TE_OK)
			{
				te_free(env, keys);
				return st;
			}
			if (count_distinct(keys, n) <= TE_SVG_MAX_MARKERS || bin >= 8.0)
				break;
			bin *= 2.0;
		}
	}

	te_text_init(&t, env);
	pair_desc(desc, sizeof(desc), "Persistence diagram", &s);
	te_svg_begin(&t, PLOT_W, DG_H, title, desc);
	put_title(&t, title, PLOT_W);

	/* frame, the region below the diagonal, grid and axes */
	te_text_puts(&t, "<path fill=\"#f3f3f3\" d=\"M");
	put_xy(&t, DG_L, DG_B);
	te_text_puts(&t, "L");
	put_xy(&t, right, DG_B - DG_S);
	te_text_puts(&t, "V");
	te_text_fixed(&t, DG_B, 1);
	te_text_puts(&t, "z\"/>\n");
	te_svg_xaxis(&t, &ax, DG_B, DG_B - DG_S, unit_label(lab, sizeof(lab), "birth", opt->unit));
	te_svg_yaxis(&t, &ay, DG_L, right, unit_label(lab, sizeof(lab), "death", opt->unit), 24.0);
	te_text_puts(&t, "<path stroke=\"#999\" stroke-width=\"1.2\" d=\"M");
	put_xy(&t, DG_L, DG_B);
	te_text_puts(&t, "L");
	put_xy(&t, right, DG_B - DG_S);
	te_text_puts(&t, "\"/>\n");

	/* the ∞ line for essential classes */
	te_text_puts(&t, "<path stroke=\"#777\" stroke-dasharray=\"5 4\" d=\"M");
	put_xy(&t, DG_L, inf_y);
	te_text_puts(&t, "H");
	te_text_fixed(&t, right, 1);
	te_text_puts(&t, "\"/>\n<path stroke=\"#555\" d=\"M");
	put_xy(&t, DG_L, inf_y);
	te_text_puts(&t, "h-5\"/>\n");
	te_svg_text(&t, DG_L - 8.0, inf_y + 5.0, 15.0, "end", "fill=\"#333\"", "\xE2\x88\x9E", 0);

	/* axes lines, broken between the finite part and the ∞ band */
	te_text_puts(&t, "<path fill=\"none\" stroke=\"#444\" d=\"M");
	put_xy(&t, right, DG_B);
	te_text_puts(&t, "H");
	te_text_fixed(&t, DG_L, 1);
	te_text_puts(&t, "V");
	te_text_fixed(&t, DG_B - DG_S, 1);
	te_text_puts(&t, "M");
	put_xy(&t, DG_L, DG_B - DG_S - 7.0);
	te_text_puts(&t, "V");
	te_text_fixed(&t, top, 1);
	te_text_puts(&t, "M");
	put_xy(&t, DG_L - 4.0, DG_B - DG_S + 1.0);
	te_text_puts(&t, "l8 -4M");
	put_xy(&t, DG_L - 4.0, DG_B - DG_S - 6.0);
	te_text_puts(&t, "l8 -4\"/>\n");

	if (n == 0)
		put_message(&t, (DG_L + right) / 2.0, DG_B - DG_S / 2.0, opt->empty ? opt->empty : "no pairs");

	/* the markers, lowest dimension first so that rarer classes stay on top */
	for (i = 0; i < n && st == TE_OK; i = j)
	{
		int			d = (int) (keys[i] >> (2 * DG_BIN_BITS));
		double		a = marker_alpha(s.count[d]);

		te_text_puts(&t, "<g fill=\"");
		te_text_puts(&t, te_svg_color(d));
		te_text_puts(&t, "\" fill-opacity=\"");
		te_text_fixed(&t, a, 2);
		te_text_puts(&t, "\">\n");
		for (j = i; j < n && (int) (keys[j] >> (2 * DG_BIN_BITS)) == d;)
		{
			int64_t		k = j;
			uint64_t	mask = ((uint64_t) 1 << DG_BIN_BITS) - 1;
			double		x = DG_L + (double) (keys[j] & mask) * bin;
			double		y = top + (double) ((keys[j] >> DG_BIN_BITS) & mask) * bin;

			/* essential classes are few and matter: draw them nearly opaque */
			double		ak = fabs(y - inf_y) <= bin ? fmax(a, 0.85) : a;

			while (k < n && keys[k] == keys[j])
				k++;
			/* k - j coincident markers: the opacity of their stack */
			put_marker(&t, d, x, y, k - j > 1 || ak != a ?
					   1.0 - pow(1.0 - ak, (double) (k - j)) : -1.0);
			if ((st = poll(env, j)) != TE_OK)
				break;
			j = k;
		}
		te_text_puts(&t, "</g>\n");
	}
	te_free(env, keys);

	diagram_legend(&t, &s, right + 24.0, top + 18.0);
	te_svg_end(&t);
	if (st != TE_OK)
	{
		te_text_free(&t);
		return st;
	}
	return te_text_finish(&t, out);
}

/* ---- barcode ---- */

#define BC_L		74.0		/* bars start right of the dimension labels */
#define BC_R		578.0		/* the right end of the finite range */
#define BC_INF		622.0		/* infinite bars end here, with an arrow */
#define BC_T		58.0		/* top of the bars */
#define BC_GAP		12.0		/* space between dimensions */
#define BC_AXIS		58.0		/* room for the x axis below the bars */

typedef struct BarCtx
{
	const TePersPair *pairs;
} BarCtx;

/* bar length, infinite for an essential class */
static double
bar_len(const TePersPair *p)
{
	return isinf(p->death) ? INFINITY : p->death - p->birth;
}

/* longest first, then earliest birth */
static int
cmp_longest(const void *a, const void *b, const void *ctx)
{
	const TePersPair *pairs = ((const BarCtx *) ctx)->pairs;
	const TePersPair *p = &pairs[*(const int64_t *) a];
	const TePersPair *q = &pairs[*(const int64_t *) b];
	double		lp = bar_len(p),
				lq = bar_len(q);

	if (lp != lq)
		return lp > lq ? -1 : 1;
	if (p->birth != q->birth)
		return p->birth < q->birth ? -1 : 1;
	return 0;
}

/* earliest birth first, then longest */
static int
cmp_birth(const void *a, const void *b, const void *ctx)
{
	const TePersPair *pairs = ((const BarCtx *) ctx)->pairs;
	const TePersPair *p = &pairs[*(const int64_t *) a];
	const TePersPair *q = &pairs[*(const int64_t *) b];
	double		lp = bar_len(p),
				lq = bar_len(q);

	if (p->birth != q->birth)
		return p->birth < q->birth ? -1 : 1;
	if (lp != lq)
		return lp > lq ? -1 : 1;
	return 0;
}

/* share out the bar budget: small dimensions in full, the rest evenly */
static void
bar_budget(const PairSummary *s, int64_t *show)
{
	int64_t		left = TE_SVG_MAX_BARS;
	int			done[TE_SVG_MAX_DIM + 1] = {0};
	int			d,
				k,
				remaining = s->ndims;

	for (k = 0; k < s->ndims; k++)
	{
		int			best = -1;

		/* the smallest dimension not yet served */
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
			if (s->count[d] && !done[d] && (best < 0 || s->count[d] < s->count[best]))
				best = d;
		show[best] = s->count[best] < left / remaining ? s->count[best] : left / remaining;
		left -= show[best];
		done[best] = 1;
		remaining--;
	}
}

/* one horizontal bar per pair, grouped by dimension */
TeStatus
te_svg_barcode(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title, char **out)
{
	return te_svg_barcode_ex(env, pairs, n, title, NULL, out);
}

/* the same, with options: the unit of the scale, a shared scale, the empty message */
TeStatus
te_svg_barcode_ex(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title,
				  const TeSvgOptions *opt, char **out)
{
	PairSummary s;
	TeStatus	st;
	TeText		t;
	TeAxis		ax;
	BarCtx		ctx;
	int64_t		show[TE_SVG_MAX_DIM + 1] = {0};
	int64_t		start[TE_SVG_MAX_DIM + 2] = {0};
	int64_t    *idx = NULL;
	int64_t		i,
				total = 0;
	int			d,
				ngroups,
				height,
				last_dim = -1,
				capped = 0;
	double		lo,
				hi,
				pitch,
				pitch_d[TE_SVG_MAX_DIM + 1],
				thick,
				y,
				bars_h,
				avail,
				bottom,
				last_label = -1e9;
	char		desc[512];
	char		sub[256];

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no place for the SVG document was given");
	*out = NULL;
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (opt == NULL)
		opt = &no_options;
	if ((st = summarise_pairs(env, pairs, n, &s)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Persistence barcode";
	ctx.pairs = pairs;
	ngroups = s.ndims;

	/* indices grouped by dimension, each group cut to its share of the budget */
	if (n <= TE_SVG_MAX_BARS)
		memcpy(show, s.count, sizeof(show));
	else
		bar_budget(&s, show);
	if (n > 0)
	{
		int64_t		fill[TE_SVG_MAX_DIM + 1];

		idx = te_alloc_array(env, (size_t) n, sizeof(int64_t));
		if (idx == NULL)
			return te_fail(env, TE_NOMEM, "out of memory for %lld bars", (long long) n);
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
			start[d + 1] = start[d] + s.count[d];
		memcpy(fill, start, sizeof(fill));
		for (i = 0; i < n; i++)
			idx[fill[pairs[i].dim]++] = i;
		for (d = 0; d <= TE_SVG_MAX_DIM && st == TE_OK; d++)
		{
			if (show[d] < s.count[d])
			{
				capped = 1;
				st = merge_sort(env, idx + start[d], (size_t) s.count[d], sizeof(int64_t),
								cmp_longest, &ctx);
			}
			if (st == TE_OK)
				st = merge_sort(env, idx + start[d], (size_t) show[d], sizeof(int64_t),
								cmp_birth, &ctx);
			total += show[d];
			if (show[d])
				last_dim = d;
		}
		if (st != TE_OK)
		{
			te_free(env, idx);
			return st;
		}
	}

	/* the range of the bars shown */
	{
		PairSummary r;

		memset(&r, 0, sizeof(r));
		r.lo = INFINITY;
		r.hi = -INFINITY;
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
			for (i = start[d]; i < start[d] + show[d]; i++)
			{
				const TePersPair *p = &pairs[idx[i]];

				r.lo = fmin(r.lo, p->birth);
				r.hi = fmax(r.hi, p->birth);
				if (!isinf(p->death))
				{
					r.lo = fmin(r.lo, p->death);
					r.hi = fmax(r.hi, p->death);
				}
				r.have_finite = 1;
			}
		pair_range(&r, &lo, &hi);
		shared_scale(opt, &lo, &hi);
	}
	te_axis_linear(&ax, lo, hi, 7, 0);
	te_axis_place(&ax, BC_L + 6.0, BC_R);

	/*
	 * share the height among the dimensions by the square root of their bar
	 * counts, so that a few H2 bars are not squeezed flat by many H0 bars;
	 * bars are at most 16 px apart
	 */
	avail = 480.0 - BC_T - BC_AXIS - 8.0 - BC_GAP * (ngroups > 1 ? ngroups - 1 : 0);
	bars_h = BC_GAP * (ngroups > 1 ? ngroups - 1 : 0);
	{
		double		wsum = 0.0;

		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
			wsum += sqrt((double) show[d]);
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		{
			pitch_d[d] = 16.0;
			if (show[d] == 0)
				continue;
			pitch_d[d] = avail * sqrt((double) show[d]) / wsum / (double) show[d];
			if (pitch_d[d] > 16.0)
				pitch_d[d] = 16.0;
			bars_h += pitch_d[d] * (double) show[d];
		}
	}
	if (bars_h < 64.0)
		bars_h = 64.0;
	bottom = BC_T + bars_h + 8.0;
	height = (int) ceil(bottom + BC_AXIS);

	te_text_init(&t, env);
	pair_desc(desc, sizeof(desc), "Persistence barcode", &s);
	te_svg_begin(&t, PLOT_W, height, title, desc);
	put_title(&t, title, PLOT_W);
	if (capped)
	{
		int			first = 1;

		sub[0] = '\0';
		buf_cat(sub, sizeof(sub), "showing the longest bars: ");
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		{
			if (show[d] == s.count[d])
				continue;
			if (!first)
				buf_cat(sub, sizeof(sub), ", ");
			first = 0;
			buf_cat(sub, sizeof(sub), "H");
			buf_cat_int(sub, sizeof(sub), d);
			buf_cat(sub, sizeof(sub), " ");
			buf_cat_int(sub, sizeof(sub), show[d]);
			buf_cat(sub, sizeof(sub), " of ");
			buf_cat_int(sub, sizeof(sub), s.count[d]);
		}
		put_subtitle(&t, sub, PLOT_W);
	}

	te_svg_xaxis(&t, &ax, bottom, BC_T - 6.0,
				 opt->unit && *opt->unit ? opt->unit : "filtration value");
	te_text_puts(&t, "<path stroke=\"#444\" d=\"M");
	put_xy(&t, BC_L, bottom);
	te_text_puts(&t, "H");
	te_text_fixed(&t, BC_INF + 4.0, 1);
	te_text_puts(&t, "M");
	put_xy(&t, BC_INF, bottom);
	te_text_puts(&t, "v5\"/>\n<path stroke=\"#aaa\" stroke-dasharray=\"3 3\" d=\"M");
	put_xy(&t, BC_INF, bottom);
	te_text_puts(&t, "V");
	te_text_fixed(&t, BC_T - 6.0, 1);
	te_text_puts(&t, "\"/>\n");
	te_svg_text(&t, BC_INF, bottom + 19.0, 15.0, "middle", "fill=\"#333\"", "\xE2\x88\x9E", 0);

	if (total == 0)
		put_message(&t, (BC_L + BC_R) / 2.0, BC_T + bars_h / 2.0, opt->empty ? opt->empty : "no pairs");

	/* the bars, dimension by dimension from the top */
	y = BC_T;
	for (d = 0; d <= TE_SVG_MAX_DIM && st == TE_OK; d++)
	{
		double		y0 = y;			/* top of the group */
		double		ly;
		char		lab[32];
		char		cnt[32];
		int			ninf = 0,
					two;

		if (!show[d])
			continue;
		pitch = pitch_d[d];
		/* thin bars overlap a little: one path, so no seams and no darker overlaps */
		thick = pitch >= 4.0 ? pitch * 0.72 : pitch >= 2.5 ? pitch * 0.8 : pitch + 0.3;
		y += pitch / 2.0;		/* centre of the first bar */
		te_text_puts(&t, "<path fill=\"none\" stroke=\"");
		te_text_puts(&t, te_svg_color(d));
		te_text_puts(&t, "\" stroke-width=\"");
		te_text_fixed(&t, thick, 2);
		te_text_puts(&t, "\" d=\"");
		for (i = start[d]; i < start[d] + show[d]; i++)
		{
			const TePersPair *p = &pairs[idx[i]];
			double		x0 = te_axis_map(&ax, p->birth);
			double		x1 = isinf(p->death) ? BC_INF - 7.0 : te_axis_map(&ax, p->death);

			if (x1 - x0 < 1.0)
				x1 = x0 + 1.0;	/* a zero-length bar stays visible */
			te_text_putc(&t, 'M');
			put_xy(&t, x0, y);
			te_text_putc(&t, 'H');
			te_text_fixed(&t, x1, 1);
			ninf += isinf(p->death) ? 1 : 0;
			y += pitch;
			if ((st = poll(env, i)) != TE_OK)
				break;
		}
		te_text_puts(&t, "\"/>\n");
		y -= pitch / 2.0;		/* bottom of the group */

		/* arrow heads on the infinite bars */
		if (ninf)
		{
			double		ah = thick > 7.0 ? thick : 7.0;
			double		yy = y0 + pitch / 2.0;

			te_text_puts(&t, "<path fill=\"");
			te_text_puts(&t, te_svg_color(d));
			te_text_puts(&t, "\" d=\"");
			for (i = start[d]; i < start[d] + show[d]; i++, yy += pitch)
			{
				if (!isinf(pairs[idx[i]].death))
					continue;
				te_text_putc(&t, 'M');
				put_xy(&t, BC_INF - 8.0, yy - ah / 2.0);
				te_text_puts(&t, "L");
				put_xy(&t, BC_INF, yy);
				te_text_puts(&t, "L");
				put_xy(&t, BC_INF - 8.0, yy + ah / 2.0);
				te_text_putc(&t, 'z');
			}
			te_text_puts(&t, "\"/>\n");
		}

		/* the group's label, kept clear of the previous one: two lines where there is room */
		lab[0] = '\0';
		buf_cat(lab, sizeof(lab), "H");
		buf_cat_int(lab, sizeof(lab), d);
		cnt[0] = '\0';
		buf_cat(cnt, sizeof(cnt), " (");
		buf_cat_int(cnt, sizeof(cnt), s.count[d]);
		buf_cat(cnt, sizeof(cnt), ")");
		two = y - y0 >= 34.0;
		ly = (y0 + y) / 2.0 + (two ? -1.0 : 5.0);
		if (ly < last_label + 18.0)
			ly = last_label + 18.0;
		last_label = ly + (two ? 14.0 : 0.0);
		te_text_puts(&t, "<text");
		put_attr(&t, "x", BC_L - 10.0);
		put_attr(&t, "y", ly);
		te_text_puts(&t, " text-anchor=\"end\"><tspan font-size=\"14\" font-weight=\"bold\" fill=\"");
		te_text_puts(&t, te_svg_color(d));
		te_text_puts(&t, "\">");
		te_text_escape(&t, lab, 0);
		te_text_puts(&t, "</tspan>");
		if (two)
		{
			te_text_puts(&t, "<tspan");
			put_attr(&t, "x", BC_L - 10.0);
			te_text_puts(&t, " dy=\"14\"");
		}
		else
			te_text_puts(&t, "<tspan");
		te_text_puts(&t, " font-size=\"10.5\" fill=\"#666\">");
		te_text_escape(&t, two ? cnt + 1 : cnt, 0);
		te_text_puts(&t, "</tspan></text>\n");

		/* a faint rule between dimensions */
		y += BC_GAP;
		if (d < last_dim)
		{
			te_text_puts(&t, "<path stroke=\"#ddd\" d=\"M");
			put_xy(&t, BC_L - 40.0, y - BC_GAP / 2.0);
			te_text_puts(&t, "H");
			te_text_fixed(&t, BC_INF, 1);
			te_text_puts(&t, "\"/>\n");
		}
	}
	te_free(env, idx);
	te_svg_end(&t);
	if (st != TE_OK)
	{
		te_text_free(&t);
		return st;
	}
	return te_text_finish(&t, out);
}

/* ---- shared layout of the line plots (spectrum, Betti curves) ---- */

#define LP_H		480
#define LP_L		80.0
#define LP_T		56.0
#define LP_B		420.0

/* characters of a legend label at most */
#define LEGEND_CHARS 24

/* the rough width of a label as the legend shows it */
static double
label_width(const char *s, double size)
{
	int			n = te_utf8_chars(s);

	return 0.7 * size * (n < LEGEND_CHARS ? n : LEGEND_CHARS) + 6.0;
}

/* the right end of the plot when the legend right of it is legend_w wide */
static double
plot_right(double legend_w)
{
	double		r = PLOT_W - 14.0 - legend_w - 22.0;

	return r < 380.0 ? 380.0 : r > 560.0 ? 560.0 : r;
}

/* the axis lines of a line plot; break_y > 0 breaks the y axis there */
static void
put_frame(TeText *t, double lp_r, double break_y)
{
	te_text_puts(t, "<path fill=\"none\" stroke=\"#444\" d=\"M");
	put_xy(t, LP_L, LP_T);
	if (break_y > 0.0)
	{
		te_text_puts(t, "V");
		te_text_fixed(t, break_y - 3.0, 1);
		te_text_puts(t, "M");
		put_xy(t, LP_L - 4.0, break_y - 1.0);
		te_text_puts(t, "l8-4M");
		put_xy(t, LP_L - 4.0, break_y + 6.0);
		te_text_puts(t, "l8-4M");
		put_xy(t, LP_L, break_y + 4.0);
	}
	te_text_puts(t, "V");
	te_text_fixed(t, LP_B, 1);
	te_text_puts(t, "H");
	te_text_fixed(t, lp_r, 1);
	te_text_puts(t, "\"/>\n");
}

/* ---- eigenvalue spectrum ---- */

typedef struct LabelBox
{
	double		x0,
				y0,
				x1,
				y1;
} LabelBox;

/* does box b overlap any of the n placed boxes? */
static int
box_collides(const LabelBox *placed, int n, const LabelBox *b)
{
	int			i;

	for (i = 0; i < n; i++)
		if (b->x0 < placed[i].x1 && placed[i].x0 < b->x1 &&
			b->y0 < placed[i].y1 && placed[i].y0 < b->y1)
			return 1;
	return 0;
}

/* does the segment (x0, y0)-(x1, y1) meet box b? (Liang-Barsky clipping) */
static int
segment_hits_box(double x0, double y0, double x1, double y1, const LabelBox *b)
{
	double		p[4],
				q[4],
				t0 = 0.0,
				t1 = 1.0;
	int			k;

	p[0] = x0 - x1;
	q[0] = x0 - b->x0;
	p[1] = x1 - x0;
	q[1] = b->x1 - x0;
	p[2] = y0 - y1;
	q[2] = y0 - b->y0;
	p[3] = y1 - y0;
	q[3] = b->y1 - y0;
	for (k = 0; k < 4; k++)
	{
		if (p[k] == 0.0)
		{
			if (q[k] < 0.0)
				return 0;
			continue;
		}
		if (p[k] < 0.0)
		{
			double		r = q[k] / p[k];

			if (r > t1)
				return 0;
			if (r > t0)
				t0 = r;
		}
		else
		{
			double		r = q[k] / p[k];

			if (r < t0)
				return 0;
			if (r < t1)
				t1 = r;
		}
	}
	return 1;
}

/* text with a white halo, so that it reads over lines */
static void
put_halo_text(TeText *t, double x, double y, double size, const char *color, const char *text)
{
	te_svg_text(t, x, y, size, "middle",
				"fill=\"#fff\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\"",
				text, 0);
	te_text_puts(t, "<g fill=\"");
	te_text_puts(t, color);
	te_text_puts(t, "\">");
	te_svg_text(t, x, y, size, "middle", NULL, text, 0);
	te_text_puts(t, "</g>\n");
}

/* pixel row of eigenvalue i (0-based) of a series; clipped ones sit on the floor line */
static double
eig_y(const TeSpectrumSeries *s, int i, double floor_v, const TeAxis *ay, double floor_px)
{
	double		v = s->eigenvalues[i];

	return v >= floor_v && v > 0.0 ? te_axis_map(ay, v) : floor_px;
}

/* how the lines of a spectrum plot are drawn: enough to find them again */
typedef struct SpectrumLines
{
	const TeSpectrumSeries *series;
	int			nseries;
	const TeAxis *ax;
	const TeAxis *ay;
	double		floor_v;
	double		floor_px;
} SpectrumLines;

/* does any line of the plot (or a dot of a short series) meet box b? */
static int
lines_hit_box(const SpectrumLines *L, const LabelBox *b)
{
	int			k;

	for (k = 0; k < L->nseries; k++)
	{
		const TeSpectrumSeries *s = &L->series[k];
		int			lo = 0,
					hi = s->n,
					i;

		if (s->n == 0)
			continue;
		/* the first point right of the box's left edge; its segment from the left starts one earlier */
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (te_axis_map(L->ax, mid + 1.0) < b->x0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo > 0 ? lo - 1 : 0; i < s->n; i++)
		{
			double		x0 = te_axis_map(L->ax, i + 1.0);
			double		y0 = eig_y(s, i, L->floor_v, L->ay, L->floor_px);

			if (x0 > b->x1)
				break;
			if (i + 1 < s->n)
			{
				if (segment_hits_box(x0, y0, te_axis_map(L->ax, i + 2.0),
									 eig_y(s, i + 1, L->floor_v, L->ay, L->floor_px), b))
					return 1;
			}
			else if (segment_hits_box(x0, y0, x0, y0, b))
				return 1;
		}
	}
	return 0;
}

/* a candidate offset of a label from its tick, and how far it is */
typedef struct LabelSpot
{
	double		dx,
				dy,
				cost;
} LabelSpot;

#define LABEL_SPOTS 96

/* candidate offsets (of the label's baseline centre) nearest first */
static int
label_spots(LabelSpot *spot, double w)
{
	static const double dys[] = {-13.0, 23.0, -27.0, 37.0, -41.0, 51.0, -55.0, 65.0,
	-69.0, 79.0, -83.0, 93.0, -97.0, 107.0, -111.0, 121.0};
	double		dxs[6];
	int			n = 0,
				i,
				j;

	dxs[0] = 0.0;
	dxs[1] = -(w + 4.0);
	dxs[2] = w + 4.0;
	dxs[3] = -2.0 * (w + 4.0);
	dxs[4] = 2.0 * (w + 4.0);
	dxs[5] = 0.0;
	for (i = 0; i < (int) (sizeof(dys) / sizeof(dys[0])); i++)
		for (j = 0; j < 5 && n < LABEL_SPOTS; j++)
		{
			spot[n].dx = dxs[j];
			spot[n].dy = dys[i];
			spot[n].cost = fabs(dys[i]) + 1.5 * fabs(dxs[j]);
			n++;
		}
	/* nearest first (insertion sort; stable) */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && spot[j].cost < spot[j - 1].cost; j--)
		{
			LabelSpot	tmp = spot[j];

			spot[j] = spot[j - 1];
			spot[j - 1] = tmp;
		}
	return n;
}

/* the subtitle of a spectrum plot with clipped eigenvalues, in plain words */
static void
clip_subtitle(char *buf, size_t cap, int64_t nclip, double gmax)
{
	buf[0] = '\0';
	if (gmax <= 0.0)
	{
		if (nclip == 1)
			buf_cat(buf, cap, "the only eigenvalue is zero or negative: a log scale cannot show it");
		else
		{
			buf_cat(buf, cap, "all ");
			buf_cat_int(buf, cap, nclip);
			buf_cat(buf, cap, " eigenvalues are zero or negative: a log scale cannot show them");
		}
		return;
	}
	buf_cat_int(buf, cap, nclip);
	buf_cat(buf, cap, nclip == 1 ? " eigenvalue is" : " eigenvalues are");
	buf_cat(buf, cap, " zero up to rounding; the line marked \xE2\x89\x88" "0 at the bottom shows ");
	buf_cat(buf, cap, nclip == 1 ? "it" : "them");
}

/* eigenvalues on a log y axis, one line per series, with rank markers */
TeStatus
te_svg_spectrum(TeEnv *env, const TeSpectrumSeries *series, int nseries,
				const char *title, char **out)
{
	return te_svg_spectrum_ex(env, series, nseries, title, NULL, out);
}

/* the same, with options: a shared eigenvalue range, the empty message */
TeStatus
te_svg_spectrum_ex(TeEnv *env, const TeSpectrumSeries *series, int nseries,
				   const char *title, const TeSvgOptions *opt, char **out)
{
	TeStatus	st = TE_OK;
	TeText		t;
	TeAxis		ax,
				ay;
	SpectrumLines lines;
	double		gmax = 0.0,
				floor_v,
				floor_px,
				ymin = INFINITY;
	int64_t		nclip = 0;
	int			nmax = 0,
				k,
				i,
				any_er = 0,
				any_d99 = 0,
				compact,
				clip_band,
				shared,
				nplaced = 0;
	LabelBox	placed[3 * TE_SVG_MAX_SERIES];
	LabelSpot	spot[LABEL_SPOTS];
	double		tick_x[TE_SVG_MAX_SERIES],
				tick_y[TE_SVG_MAX_SERIES];
	char		desc[512];
	char		buf[160];
	double		ly,
				lp_r,
				lp_legend,
				legend_w = 100.0;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no place for the SVG document was given");
	*out = NULL;
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (opt == NULL)
		opt = &no_options;
	if (nseries < 0 || nseries > TE_SVG_MAX_SERIES)
		return te_fail(env, TE_INVALID, "a spectrum plot takes 0 to %d series, not %d",
					   TE_SVG_MAX_SERIES, nseries);
	if (nseries > 0 && series == NULL)
		return te_fail(env, TE_INVALID, "no series were given for %d series", nseries);
	for (k = 0; k < nseries; k++)
	{
		const TeSpectrumSeries *s = &series[k];

		if (s->n < 0)
			return te_fail(env, TE_INVALID, "series %d has a negative number of eigenvalues", k + 1);
		if (s->n > 0 && s->eigenvalues == NULL)
			return te_fail(env, TE_INVALID, "series %d has no eigenvalue array", k + 1);
		if (isnan(s->effective_rank) || isinf(s->effective_rank))
			return te_fail(env, TE_INVALID, "series %d has a non-finite effective rank", k + 1);
		for (i = 0; i < s->n; i++)
		{
			double		v = s->eigenvalues[i];

			if ((st = poll(env, i)) != TE_OK)
				return st;
			if (isnan(v))
				return te_fail(env, TE_INVALID, "NaN not allowed in eigenvalue %d of series %d",
							   i + 1, k + 1);
			if (isinf(v))
				return te_fail(env, TE_INVALID, "eigenvalue %d of series %d is infinite",
							   i + 1, k + 1);
			if (v > gmax)
				gmax = v;
		}
		if (s->n > nmax)
			nmax = s->n;
		any_er |= s->effective_rank > 0.0 && s->n > 0;
		any_d99 |= s->dims_99 > 0 && s->n > 0;
	}
	if (title == NULL)
		title = "Eigenvalue spectrum";
	for (k = 0; k < nseries; k++)
	{
		const TeSpectrumSeries *s = &series[k];
		double		w = 30.0 + label_width(series_label(s->label, k, buf, sizeof(buf)), 12.0);
		double		ws = 30.0;

		if (s->effective_rank > 0.0)
		{
			te_format_num(buf, s->effective_rank, 4);
			ws += 20.0 + te_text_width(buf, 10.5);
		}
		if (s->dims_99 > 0)
		{
			te_format_int(buf, s->dims_99);
			ws += 8.0 + te_text_width(buf, 10.5);
		}
		legend_w = fmax(legend_w, fmax(w, ws));
	}
	lp_r = plot_right(legend_w);
	lp_legend = lp_r + 22.0;

	/*
	 * A shared range widens the axis; the floor follows the shared top, so
	 * that panels sharing the range clip alike.
	 */
	shared = opt->y_max > 0.0 || opt->y_min > 0.0;
	if (gmax > 0.0 && opt->y_max > gmax)
		gmax = opt->y_max;

	/* clip to a floor far below the largest eigenvalue */
	floor_v = gmax * TE_SVG_SPECTRUM_FLOOR;
	for (k = 0; k < nseries; k++)
		for (i = 0; i < series[k].n; i++)
		{
			double		v = series[k].eigenvalues[i];

			if (v < floor_v || v <= 0.0)
				nclip++;
			else if (v < ymin)
				ymin = v;
		}
	if (gmax > 0.0 && opt->y_min >= floor_v && opt->y_min < ymin)
		ymin = opt->y_min;
	if (!isfinite(ymin))
		ymin = gmax;
	/* clipped values go on a floor line below a break in the axis */
	if (gmax > 0.0)
		te_axis_log(&ay, ymin, gmax, 1, 0);
	else
		te_axis_log(&ay, 1.0, 1.0, 1, 0);
	/* panels that share a range keep the room for the floor line alike */
	clip_band = (nclip > 0 || shared) && gmax > 0.0;
	floor_px = LP_B - 10.0;
	te_axis_place(&ay, clip_band ? LP_B - 32.0 : LP_B - 4.0, LP_T + 4.0);
	if (nmax > 50)
		te_axis_log(&ax, 1.0, (double) nmax, 0, 1);
	else
		te_axis_linear(&ax, 1.0, nmax > 1 ? (double) nmax : 1.0, 6, 1);
	te_axis_place(&ax, LP_L + 6.0, lp_r - 6.0);
	lines.series = series;
	lines.nseries = nseries;
	lines.ax = &ax;
	lines.ay = &ay;
	lines.floor_v = floor_v;
	lines.floor_px = floor_px;

	te_text_init(&t, env);
	desc[0] = '\0';
	buf_cat(desc, sizeof(desc), "Eigenvalue spectrum:");
	for (k = 0; k < nseries; k++)
	{
		buf_cat(desc, sizeof(desc), k ? "; " : " ");
		buf_cat(desc, sizeof(desc), series_label(series[k].label, k, buf, sizeof(buf)));
		buf_cat(desc, sizeof(desc), ", ");
		buf_cat_int(desc, sizeof(desc), series[k].n);
		buf_cat(desc, sizeof(desc), " eigenvalues");
		if (series[k].effective_rank > 0)
		{
			buf_cat(desc, sizeof(desc), ", effective rank ");
			buf_cat_num(desc, sizeof(desc), series[k].effective_rank, 4);
		}
		if (series[k].dims_99 > 0)
		{
			buf_cat(desc, sizeof(desc), ", 99% of variance in ");
			buf_cat_int(desc, sizeof(desc), series[k].dims_99);
			buf_cat(desc, sizeof(desc), " dimensions");
		}
	}
	if (nseries == 0)
		buf_cat(desc, sizeof(desc), opt->empty ? " no data" : " no series");
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	put_title(&t, title, PLOT_W);
	if (nclip > 0)
	{
		clip_subtitle(buf, sizeof(buf), nclip, gmax);
		put_subtitle(&t, buf, PLOT_W);
	}

	te_svg_xaxis(&t, &ax, LP_B, LP_T, nmax > 50 ? "principal component (log scale)" : "principal component");
	te_svg_yaxis(&t, &ay, LP_L, lp_r, "eigenvalue (log scale)", 22.0);
	put_frame(&t, lp_r, clip_band ? LP_B - 21.0 : 0.0);

	if (clip_band && nclip > 0)
	{
		te_text_puts(&t, "<path stroke=\"#888\" stroke-dasharray=\"5 4\" d=\"M");
		put_xy(&t, LP_L, floor_px);
		te_text_puts(&t, "H");
		te_text_fixed(&t, lp_r, 1);
		te_text_puts(&t, "M");
		put_xy(&t, LP_L, floor_px);
		te_text_puts(&t, "h-5\"/>\n");
		te_svg_text(&t, LP_L - 8.0, floor_px + 4.0, 11.0, "end", "fill=\"#333\"", "\xE2\x89\x88" "0", 0);
	}
	if (gmax <= 0.0)
		put_message(&t, (LP_L + lp_r) / 2.0, (LP_T + LP_B) / 2.0,
					nseries == 0 ? (opt->empty ? opt->empty : "no series") :
					nmax > 0 ? "no positive eigenvalues" : "no eigenvalues");

	/* the lines */
	for (k = 0; k < nseries && gmax > 0.0 && st == TE_OK; k++)
	{
		const TeSpectrumSeries *s = &series[k];
		Thin		th;

		if (s->n == 0)
			continue;
		te_text_puts(&t, "<g class=\"series\">");
		put_line_start(&t, k, 2.0);
		thin_init(&th, &t);
		for (i = 0; i < s->n; i++)
		{
			thin_add(&th, te_axis_map(&ax, i + 1.0), eig_y(s, i, floor_v, &ay, floor_px));
			if ((st = poll(env, i)) != TE_OK)
				break;
		}
		thin_flush(&th);
		te_text_puts(&t, "\"/></g>\n");
		if (s->n <= 40)
		{
			te_text_puts(&t, "<g fill=\"");
			te_text_puts(&t, te_svg_color(k));
			te_text_puts(&t, "\">");
			for (i = 0; i < s->n; i++)
			{
				te_text_puts(&t, "<circle");
				put_attr(&t, "cx", te_axis_map(&ax, i + 1.0));
				put_attr(&t, "cy", eig_y(s, i, floor_v, &ay, floor_px));
				te_text_puts(&t, " r=\"2.6\"/>");
			}
			te_text_puts(&t, "</g>\n");
		}
	}

	/* markers: a dot at the effective rank, a tick at dims_99; both kept clear of the labels */
	for (k = 0; k < nseries && gmax > 0.0; k++)
	{
		const TeSpectrumSeries *s = &series[k];

		tick_x[k] = -1.0;
		if (s->n > 0 && s->effective_rank > 0.0)
		{
			double		xr = s->effective_rank < 1.0 ? 1.0 :
				s->effective_rank > s->n ? (double) s->n : s->effective_rank;
			int			i0 = (int) floor(xr);
			int			i1 = i0 < s->n ? i0 + 1 : s->n;
			double		px = te_axis_map(&ax, xr);
			double		x0 = te_axis_map(&ax, (double) i0);
			double		x1 = te_axis_map(&ax, (double) i1);
			double		y0 = eig_y(s, i0 - 1, floor_v, &ay, floor_px);
			double		y1 = eig_y(s, i1 - 1, floor_v, &ay, floor_px);

			/* on the drawn segment between indices i0 and i1 */
			double		py = x1 > x0 ? y0 + (px - x0) / (x1 - x0) * (y1 - y0) : y0;

			te_text_puts(&t, "<circle");
			put_attr(&t, "cx", px);
			put_attr(&t, "cy", py);
			te_text_puts(&t, " r=\"5\" stroke=\"#fff\" stroke-width=\"1.5\" fill=\"");
			te_text_puts(&t, te_svg_color(k));
			te_text_puts(&t, "\"/>\n");
			placed[nplaced].x0 = px - 6.0;
			placed[nplaced].x1 = px + 6.0;
			placed[nplaced].y0 = py - 6.0;
			placed[nplaced].y1 = py + 6.0;
			nplaced++;
		}
		if (s->n > 0 && s->dims_99 > 0)
		{
			int			xd = s->dims_99 > s->n ? s->n : s->dims_99;

			tick_x[k] = te_axis_map(&ax, (double) xd);
			tick_y[k] = eig_y(s, xd - 1, floor_v, &ay, floor_px);
			te_text_puts(&t, "<path stroke-width=\"2.5\" stroke=\"");
			te_text_puts(&t, te_svg_color(k));
			te_text_puts(&t, "\" d=\"M");
			put_xy(&t, tick_x[k], tick_y[k] - 9.0);
			te_text_puts(&t, "v18\"/>\n");
			placed[nplaced].x0 = tick_x[k] - 2.0;
			placed[nplaced].x1 = tick_x[k] + 2.0;
			placed[nplaced].y0 = tick_y[k] - 9.0;
			placed[nplaced].y1 = tick_y[k] + 9.0;
			nplaced++;
		}
	}

	/*
	 * The dims_99 numbers: each at the nearest place that is clear of every
	 * line, marker and other number, with a thin leader when it had to move
	 * away from its tick; where nothing is free, the legend has the number.
	 */
	for (k = 0; k < nseries && gmax > 0.0 && st == TE_OK; k++)
	{
		char		num[TE_NUMBUF];
		double		w;
		int			nspot,
					o;
		LabelBox	b = {0};

		if (tick_x[k] < 0.0)
			continue;
		te_format_int(num, series[k].dims_99);
		w = te_text_width(num, 10.5) + 4.0;
		nspot = label_spots(spot, w);
		for (o = 0; o < nspot; o++)
		{
			LabelBox	m;
			double		cx = tick_x[k] + spot[o].dx,
						by = tick_y[k] + spot[o].dy;

			b.x0 = cx - w / 2.0;
			b.x1 = cx + w / 2.0;
			b.y0 = by - 10.0;
			b.y1 = by + 2.0;
			/* a margin around the box, so that no line grazes the text */
			m.x0 = b.x0 - 1.5;
			m.x1 = b.x1 + 1.5;
			m.y0 = b.y0 - 1.5;
			m.y1 = b.y1 + 1.5;
			if (b.x0 >= LP_L + 2.0 && b.x1 <= lp_r - 2.0 && b.y0 >= LP_T && b.y1 <= floor_px - 6.0 &&
				!box_collides(placed, nplaced, &m) && !lines_hit_box(&lines, &m))
				break;
		}
		if ((st = te_check(env)) != TE_OK)
			break;
		if (o == nspot)
			continue;
		placed[nplaced++] = b;
		if (fabs(spot[o].dy) > 14.0 || spot[o].dx != 0.0)
		{
			/* the leader: from the end of the tick towards the label */
			double		ty = spot[o].dy < 0.0 ? tick_y[k] - 9.0 : tick_y[k] + 9.0;
			double		lx = (b.x0 + b.x1) / 2.0;
			double		lyy = spot[o].dy < 0.0 ? b.y1 + 1.0 : b.y0 - 1.0;

			te_text_puts(&t, "<path stroke-width=\"0.8\" stroke-opacity=\"0.7\" stroke=\"");
			te_text_puts(&t, te_svg_color(k));
			te_text_puts(&t, "\" d=\"M");
			put_xy(&t, tick_x[k], ty);
			te_text_puts(&t, "L");
			put_xy(&t, lx, lyy);
			te_text_puts(&t, "\"/>\n");
		}
		te_text_puts(&t, "<g class=\"mark-label\">");
		put_halo_text(&t, (b.x0 + b.x1) / 2.0, b.y1 - 2.0, 10.5, te_svg_color(k), num);
		te_text_puts(&t, "</g>\n");
	}

	/* the legend, right of the plot; without the numbers if they do not fit */
	ly = 0.0;
	for (k = 0; k < nseries; k++)
		ly += 22.0 + ((series[k].effective_rank > 0.0 || series[k].dims_99 > 0) && series[k].n > 0 ? 14.0 : 0.0);
	compact = ly + 40.0 > LP_H - LP_T - 10.0;
	ly = LP_T + 10.0;
	for (k = 0; k < nseries; k++)
	{
		const TeSpectrumSeries *s = &series[k];

		put_swatch(&t, k, lp_legend, ly - 4.0);
		te_svg_text(&t, lp_legend + 30.0, ly, 12.0, "start", "fill=\"#222\"",
					series_label(s->label, k, buf, sizeof(buf)), LEGEND_CHARS);
		ly += compact ? 10.0 : 15.0;
		if ((s->effective_rank > 0.0 || s->dims_99 > 0) && s->n > 0 && !compact)
		{
			double		lx = lp_legend + 30.0;

			if (s->effective_rank > 0.0)
			{
				te_text_puts(&t, "<circle");
				put_attr(&t, "cx", lx + 3.0);
				put_attr(&t, "cy", ly - 3.5);
				te_text_puts(&t, " r=\"3.5\" fill=\"");
				te_text_puts(&t, te_svg_color(k));
				te_text_puts(&t, "\"/>\n");
				buf[0] = '\0';
				buf_cat_num(buf, sizeof(buf), s->effective_rank, 4);
				te_svg_text(&t, lx + 10.0, ly, 10.5, "start", "fill=\"#444\"", buf, 0);
				lx += 20.0 + te_text_width(buf, 10.5);
			}
			if (s->dims_99 > 0)
			{
				te_text_puts(&t, "<path stroke-width=\"2\" stroke=\"");
				te_text_puts(&t, te_svg_color(k));
				te_text_puts(&t, "\" d=\"M");
				put_xy(&t, lx + 2.0, ly - 8.0);
				te_text_puts(&t, "v9\"/>\n");
				buf[0] = '\0';
				buf_cat_int(buf, sizeof(buf), s->dims_99);
				te_svg_text(&t, lx + 8.0, ly, 10.5, "start", "fill=\"#444\"", buf, 0);
			}
			ly += 14.0;
		}
		ly += 7.0;
	}
	if (any_er || any_d99)
	{
		ly += 6.0;
		te_text_puts(&t, "<g fill=\"#555\">\n");
		if (any_er)
		{
			te_text_puts(&t, "<circle");
			put_attr(&t, "cx", lp_legend + 6.0);
			put_attr(&t, "cy", ly - 3.5);
			te_text_puts(&t, " r=\"3.5\"/>\n");
			te_svg_text(&t, lp_legend + 14.0, ly, 10.5, "start", NULL, "effective rank", 0);
			ly += 15.0;
		}
		if (any_d99)
		{
			te_text_puts(&t, "<path stroke-width=\"2\" stroke=\"#555\" d=\"M");
			put_xy(&t, lp_legend + 6.0, ly - 8.0);
			te_text_puts(&t, "v9\"/>\n");
			te_svg_text(&t, lp_legend + 14.0, ly, 10.5, "start", NULL,
						"99% of variance", 0);
		}
		te_text_puts(&t, "</g>\n");
	}
	te_svg_end(&t);
	if (st != TE_OK)
	{
		te_text_free(&t);
		return st;
	}
	return te_text_finish(&t, out);
}

/* ---- Betti curves ---- */

/* step lines of Betti numbers against scale, one per series */
TeStatus
te_svg_betti_curves(TeEnv *env, const TeCurveSeries *series, int nseries,
					const char *title, const char *xlabel, char **out)
{
	return te_svg_betti_curves_ex(env, series, nseries, title, xlabel, NULL, out);
}

/* the same, with options: the unit of the scale, the empty message */
TeStatus
te_svg_betti_curves_ex(TeEnv *env, const TeCurveSeries *series, int nseries,
					   const char *title, const char *xlabel, const TeSvgOptions *opt,
					   char **out)
{
	TeStatus	st = TE_OK;
	TeText		t;
	TeAxis		ax,
				ay;
	double		xlo = INFINITY,
				xhi = -INFINITY,
				ylo = 0.0,
				yhi = -INFINITY;
	int			k,
				i,
				integral = 1,
				npts = 0;
	char		desc[512];
	char		buf[160];
	char		lab[160];
	double		ly,
				lp_r,
				lp_legend,
				legend_w = 80.0;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no place for the SVG document was given");
	*out = NULL;
	if ((st = check_options(env, opt)) != TE_OK)
		return st;
	if (opt == NULL)
		opt = &no_options;
	if (nseries < 0 || nseries > TE_SVG_MAX_SERIES)
		return te_fail(env, TE_INVALID, "a Betti curve plot takes 0 to %d series, not %d",
					   TE_SVG_MAX_SERIES, nseries);
	if (nseries > 0 && series == NULL)
		return te_fail(env, TE_INVALID, "no series were given for %d series", nseries);
	for (k = 0; k < nseries; k++)
	{
		const TeCurveSeries *s = &series[k];

		if (s->n < 0)
			return te_fail(env, TE_INVALID, "series %d has a negative number of points", k + 1);
		if (s->n > 0 && (s->x == NULL || s->y == NULL))
			return te_fail(env, TE_INVALID, "series %d has no x or y array", k + 1);
		for (i = 0; i < s->n; i++)
		{
			if ((st = poll(env, i)) != TE_OK)
				return st;
			if (isnan(s->x[i]) || isnan(s->y[i]))
				return te_fail(env, TE_INVALID, "NaN not allowed in point %d of series %d",
							   i + 1, k + 1);
			if (isinf(s->x[i]) || isinf(s->y[i]))
				return te_fail(env, TE_INVALID, "point %d of series %d is infinite",
							   i + 1, k + 1);
			xlo = fmin(xlo, s->x[i]);
			xhi = fmax(xhi, s->x[i]);
			ylo = fmin(ylo, s->y[i]);
			yhi = fmax(yhi, s->y[i]);
			integral &= s->y[i] == floor(s->y[i]);
		}
		npts += s->n > 0;
	}
	if (title == NULL)
		title = "Betti curves";
	for (k = 0; k < nseries; k++)
		legend_w = fmax(legend_w, 30.0 +
						label_width(series_label(series[k].label, k, buf, sizeof(buf)), 12.0));
	lp_r = plot_right(legend_w);
	lp_legend = lp_r + 22.0;
	if (xlabel == NULL || *xlabel == '\0')
		xlabel = unit_label(lab, sizeof(lab), "scale", opt->unit);
	if (npts == 0)
	{
		xlo = 0.0;
		xhi = 1.0;
		yhi = 1.0;
	}
	if (xlo > 0.0 && xlo < 0.5 * xhi)
		xlo = 0.0;
	te_axis_linear(&ax, xlo, xhi, 6, 0);
	te_axis_place(&ax, LP_L + 6.0, lp_r - 6.0);
	te_axis_linear(&ay, ylo, yhi, 6, integral);
	te_axis_place(&ay, LP_B - 6.0, LP_T + 6.0);

	te_text_init(&t, env);
	desc[0] = '\0';
	buf_cat(desc, sizeof(desc), "Betti curves:");
	for (k = 0; k < nseries; k++)
	{
		buf_cat(desc, sizeof(desc), k ? "; " : " ");
		buf_cat(desc, sizeof(desc), series_label(series[k].label, k, buf, sizeof(buf)));
		buf_cat(desc, sizeof(desc), ", ");
		buf_cat_int(desc, sizeof(desc), series[k].n);
		buf_cat(desc, sizeof(desc), " points");
	}
	if (nseries == 0)
		buf_cat(desc, sizeof(desc), " no series");
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	put_title(&t, title, PLOT_W);
	te_svg_xaxis(&t, &ax, LP_B, LP_T, xlabel);
	te_svg_yaxis(&t, &ay, LP_L, lp_r, "Betti number", 22.0);
	put_frame(&t, lp_r, 0.0);
	if (npts == 0)
		put_message(&t, (LP_L + lp_r) / 2.0, (LP_T + LP_B) / 2.0, opt->empty ? opt->empty : "no data");

	for (k = 0; k < nseries && st == TE_OK; k++)
	{
		const TeCurveSeries *s = &series[k];
		Thin		th;

		if (s->n == 0)
			continue;
		put_line_start(&t, k, 2.0);
		thin_init(&th, &t);
		for (i = 0; i < s->n; i++)
		{
			double		px = te_axis_map(&ax, s->x[i]);

			/* the step: along at the previous height, then up or down */
			if (i > 0)
				thin_add(&th, px, te_axis_map(&ay, s->y[i - 1]));
			thin_add(&th, px, te_axis_map(&ay, s->y[i]));
			if ((st = poll(env, i)) != TE_OK)
				break;
		}
		thin_flush(&th);
		te_text_puts(&t, "\"/>\n");
		if (s->n == 1)
		{
			te_text_puts(&t, "<circle");
			put_attr(&t, "cx", te_axis_map(&ax, s->x[0]));
			put_attr(&t, "cy", te_axis_map(&ay, s->y[0]));
			te_text_puts(&t, " r=\"3\" fill=\"");
			te_text_puts(&t, te_svg_color(k));
			te_text_puts(&t, "\"/>\n");
		}
	}

	ly = LP_T + 10.0;
	for (k = 0; k < nseries; k++)
	{
		put_swatch(&t, k, lp_legend, ly - 4.0);
		te_svg_text(&t, lp_legend + 30.0, ly, 12.0, "start", "fill=\"#222\"",
					series_label(series[k].label, k, buf, sizeof(buf)), LEGEND_CHARS);
		ly += 20.0;
	}

	te_svg_end(&t);
	if (st != TE_OK)
	{
		te_text_free(&t);
		return st;
	}
	return te_text_finish(&t, out);
}
