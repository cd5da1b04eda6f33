/*
 * plot_common.c - what the SVG plots share: text buffers, options, a merge
 *                 sort on env's allocator, thinned polylines, the summary
 *                 of persistence pairs and the frame of the line plots
 *
 * The plots themselves live one per file (plot_diagram.c, plot_barcode.c,
 * plot_spectrum.c, plot_betti.c); svg_internal.h declares what is here.
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

/* ---- small helpers ---- */

/* append s to the C string buf of capacity cap */
void
plot_buf_cat(char *buf, size_t cap, const char *s)
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
void
plot_buf_cat_int(char *buf, size_t cap, int64_t v)
{
	char		num[TE_NUMBUF];

	te_format_int(num, v);
	plot_buf_cat(buf, cap, num);
}

/* append a number with sig significant digits to buf */
void
plot_buf_cat_num(char *buf, size_t cap, double v, int sig)
{
	char		num[TE_NUMBUF];

	te_format_num(num, v, sig);
	plot_buf_cat(buf, cap, num);
}

/* write " name=\"v\"" with v rounded to one decimal */
void
plot_put_attr(TeText *t, const char *name, double v)
{
	te_text_putc(t, ' ');
	te_text_puts(t, name);
	te_text_puts(t, "=\"");
	te_text_fixed(t, v, 1);
	te_text_putc(t, '"');
}

/* write "x y" for a path, one decimal each */
void
plot_put_xy(TeText *t, double x, double y)
{
	te_text_fixed(t, x, 1);
	te_text_putc(t, ' ');
	te_text_fixed(t, y, 1);
}

/* the plot title, centred, cut to the width of the document */
void
plot_put_title(TeText *t, const char *title, int width)
{
	if (title && *title)
		te_svg_text(t, width / 2.0, 26.0, 16.0, "middle",
					"font-weight=\"bold\" fill=\"#111\"", title,
					(int) ((width - 24) / (0.62 * 16.0)));
}

/* a grey subtitle under the title */
void
plot_put_subtitle(TeText *t, const char *text, int width)
{
	te_svg_text(t, width / 2.0, 44.0, 11.5, "middle", "fill=\"#555\"", text,
				(int) ((width - 24) / (0.6 * 11.5)));
}

/* a centred grey message for an empty plot, on a white halo so that it reads over lines */
void
plot_put_message(TeText *t, double x, double y, const char *text)
{
	te_svg_text(t, x, y, 14.0, "middle",
				"fill=\"#fff\" stroke=\"#fff\" stroke-width=\"5\" stroke-linejoin=\"round\"", text, 60);
	te_svg_text(t, x, y, 14.0, "middle", "fill=\"#777\"", text, 60);
}

/* the dash pattern of series k: solid for the first palette round, then dashed, then dotted */
const char *
plot_series_dash(int k)
{
	if (k < 7)
		return NULL;
	if (k < 14)
		return "7 3";
	return "2 2.5";
}

/* default label "series k" when a series has none */
const char *
plot_series_label(const char *label, int k, char *buf, size_t cap)
{
	if (label && *label)
		return label;
	buf[0] = '\0';
	plot_buf_cat(buf, cap, "series ");
	plot_buf_cat_int(buf, cap, k + 1);
	return buf;
}

/* append series k to a document's description: " label, n" and what ("; " between series) */
void
plot_desc_series(char *desc, size_t cap, int k, const char *label, int64_t n, const char *what)
{
	char		buf[160];

	plot_buf_cat(desc, cap, k ? "; " : " ");
	plot_buf_cat(desc, cap, plot_series_label(label, k, buf, sizeof(buf)));
	plot_buf_cat(desc, cap, ", ");
	plot_buf_cat_int(desc, cap, n);
	plot_buf_cat(desc, cap, what);
}

/* TE_INVALID unless 0 <= nseries <= TE_SVG_MAX_SERIES and the series are given */
TeStatus
plot_check_nseries(TeEnv *env, const char *plot, int nseries, const void *series)
{
	if (nseries < 0 || nseries > TE_SVG_MAX_SERIES)
		return te_fail(env, TE_INVALID, "a %s takes 0 to %d series, not %d",
					   plot, TE_SVG_MAX_SERIES, nseries);
	if (nseries > 0 && series == NULL)
		return te_fail(env, TE_INVALID, "no series were given for %d series", nseries);
	return TE_OK;
}

/* TE_INVALID unless series k's n >= 0 and its x and y arrays are given */
TeStatus
plot_check_xy(TeEnv *env, int k, int n, const double *x, const double *y)
{
	if (n < 0)
		return te_fail(env, TE_INVALID, "series %d has a negative number of points", k + 1);
	if (n > 0 && (x == NULL || y == NULL))
		return te_fail(env, TE_INVALID, "series %d has no x or y array", k + 1);
	return TE_OK;
}

/* ---- options ---- */

/* the defaults: what a NULL options pointer stands for */
const TeSvgOptions plot_no_options;

/* check the options; a NULL pointer stands for the defaults */
TeStatus
plot_check_options(TeEnv *env, const TeSvgOptions *opt)
{
	if (opt == NULL)
		return TE_OK;
	if (!isfinite(opt->scale_max) || opt->scale_max < 0.0)
		return te_fail(env, TE_INVALID, "the shared scale must be a finite number >= 0");
	if (!isfinite(opt->y_min) || !isfinite(opt->y_max) || opt->y_min < 0.0 || opt->y_max < 0.0)
		return te_fail(env, TE_INVALID, "the eigenvalue range must be finite numbers >= 0");
	if (opt->y_min > 0.0 && opt->y_max > 0.0 && opt->y_min > opt->y_max)
		return te_fail(env, TE_INVALID, "the eigenvalue range is empty: its low end is above its high end");
	if (opt->highlight < 0)
		return te_fail(env, TE_INVALID, "the pair to highlight is numbered from 1 (0: none), not %lld",
					   (long long) opt->highlight);
	return TE_OK;
}

/*
 * the highlighted pair of a diagram of n pairs (NULL: none); one numbered
 * beyond n is an error, reported through env
 */
TeStatus
plot_highlighted(TeEnv *env, const TeSvgOptions *opt, const TePersPair *pairs, int64_t n,
				 const TePersPair **hp)
{
	*hp = NULL;
	if (opt->highlight == 0)
		return TE_OK;
	if (opt->highlight > n)
		return te_fail(env, TE_INVALID, "there is no pair %lld to highlight: the diagram has %lld",
					   (long long) opt->highlight, (long long) n);
	*hp = &pairs[opt->highlight - 1];
	return TE_OK;
}

/*
 * the caption of a highlighted pair, in two lines: "pair 7: H1" and
 * "born 0.31, dies 0.42" (or "never dies")
 */
void
plot_highlight_caption(char *l1, char *l2, size_t size, int64_t number, const TePersPair *p)
{
	l1[0] = '\0';
	plot_buf_cat(l1, size, "pair ");
	plot_buf_cat_int(l1, size, number);
	plot_buf_cat(l1, size, ": H");
	plot_buf_cat_int(l1, size, p->dim);
	l2[0] = '\0';
	plot_buf_cat(l2, size, "born ");
	plot_buf_cat_num(l2, size, p->birth, 4);
	plot_buf_cat(l2, size, isinf(p->death) ? ", never dies" : ", dies ");
	if (!isinf(p->death))
		plot_buf_cat_num(l2, size, p->death, 4);
}

/* the start of every plot: check out and the options, default the options */
TeStatus
plot_start(TeEnv *env, const TeSvgOptions **opt, char **out)
{
	TeStatus	st;

	if (out == NULL)
		return te_fail(env, TE_INVALID, "no place for the SVG document was given");
	*out = NULL;
	if ((st = plot_check_options(env, *opt)) != TE_OK)
		return st;
	if (*opt == NULL)
		*opt = &plot_no_options;
	return TE_OK;
}

/* the end of every plot: close the document, then hand it out or release it */
TeStatus
plot_finish(TeText *t, TeStatus st, char **out)
{
	te_svg_end(t);
	if (st != TE_OK)
	{
		te_text_free(t);
		return st;
	}
	return te_text_finish(t, out);
}

/* "what (unit)", or what alone without a unit */
const char *
plot_unit_label(char *buf, size_t cap, const char *what, const char *unit)
{
	if (unit == NULL || *unit == '\0')
		return what;
	buf[0] = '\0';
	plot_buf_cat(buf, cap, what);
	plot_buf_cat(buf, cap, " (");
	plot_buf_cat(buf, cap, unit);
	plot_buf_cat(buf, cap, ")");
	return buf;
}

/* widen the range [lo, hi] of a scale axis to [0, scale_max] when one is shared */
void
plot_shared_scale(const TeSvgOptions *opt, double *lo, double *hi)
{
	if (opt->scale_max <= 0.0)
		return;
	if (*lo > 0.0)
		*lo = 0.0;
	if (*hi < opt->scale_max)
		*hi = opt->scale_max;
}

/* ---- sorting without malloc: a bottom-up merge sort on env's allocator ---- */

/* sort n elements of size bytes at base, stably */
TeStatus
plot_merge_sort(TeEnv *env, void *base, size_t n, size_t size, PlotSortCmp cmp, const void *ctx)
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

/* ---- a polyline writer that thins points per half-pixel column ---- */

/* begin a thinned polyline */
void
plot_thin_init(PlotThin *th, TeText *t)
{
	memset(th, 0, sizeof(*th));
	th->t = t;
}

/* write the kept points of the current column in their original order */
void
plot_thin_flush(PlotThin *th)
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
		plot_put_xy(th->t, th->pt[k][0], th->pt[k][1]);
	}
	th->open = 0;
}

/* add a point in pixels */
void
plot_thin_add(PlotThin *th, double x, double y)
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
	plot_thin_flush(th);
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
void
plot_put_line_start(TeText *t, int k, double width)
{
	plot_put_line_style(t, te_svg_color(k), plot_series_dash(k), width);
}

/* the opening of a path in a given colour and dash pattern (NULL: solid) */
void
plot_put_line_style(TeText *t, const char *color, const char *dash, double width)
{
	te_text_puts(t, "<path fill=\"none\" stroke=\"");
	te_text_puts(t, color);
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
void
plot_put_swatch(TeText *t, int k, double x, double y)
{
	plot_put_swatch_style(t, te_svg_color(k), plot_series_dash(k), x, y);
}

/* a legend swatch in a given colour and dash pattern */
void
plot_put_swatch_style(TeText *t, const char *color, const char *dash, double x, double y)
{
	plot_put_line_style(t, color, dash, 2.5);
	te_text_putc(t, 'M');
	plot_put_xy(t, x, y);
	te_text_puts(t, "h24\"/>\n");
}

/* a legend label right of its swatch at row y */
void
plot_put_legend_label(TeText *t, double x, double y, const char *label)
{
	te_svg_text(t, x + 30.0, y, 12.0, "start", "fill=\"#222\"", label, PLOT_LEGEND_CHARS);
}

/* ---- persistence pairs: validation and the shared summary ---- */

/* check pairs and count them per dimension */
TeStatus
plot_summarise_pairs(TeEnv *env, const TePersPair *pairs, int64_t n, PlotPairs *s)
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

		if ((st = plot_poll(env, i)) != TE_OK)
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
void
plot_pair_range(const PlotPairs *s, double *lo, double *hi)
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
void
plot_pair_desc(char *buf, size_t cap, const char *what, const PlotPairs *s)
{
	int			d,
				first = 1;

	buf[0] = '\0';
	plot_buf_cat(buf, cap, what);
	plot_buf_cat(buf, cap, ":");
	if (s->ndims == 0)
		plot_buf_cat(buf, cap, " no pairs");
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
	{
		if (!s->count[d])
			continue;
		plot_buf_cat(buf, cap, first ? " H" : ", H");
		first = 0;
		plot_buf_cat_int(buf, cap, d);
		plot_buf_cat(buf, cap, " ");
		plot_buf_cat_int(buf, cap, s->count[d]);
		plot_buf_cat(buf, cap, s->count[d] == 1 ? " pair" : " pairs");
		if (s->essential[d])
		{
			plot_buf_cat(buf, cap, " (");
			plot_buf_cat_int(buf, cap, s->essential[d]);
			plot_buf_cat(buf, cap, " essential)");
		}
	}
}

/* ---- shared layout of the line plots (spectrum, Betti curves) ---- */

/* the rough width of a label as the legend shows it */
double
plot_label_width(const char *s, double size)
{
	int			n = te_utf8_chars(s);

	return 0.7 * size * (n < PLOT_LEGEND_CHARS ? n : PLOT_LEGEND_CHARS) + 6.0;
}

/* the right end of the plot when the legend right of it is legend_w wide */
double
plot_right(double legend_w)
{
	double		r = PLOT_W - 14.0 - legend_w - 22.0;

	return r < 380.0 ? 380.0 : r > 560.0 ? 560.0 : r;
}

/* the axis lines of a line plot; break_y > 0 breaks the y axis there */
void
plot_put_frame(TeText *t, double lp_r, double break_y)
{
	te_text_puts(t, "<path fill=\"none\" stroke=\"#444\" d=\"M");
	plot_put_xy(t, LP_L, LP_T);
	if (break_y > 0.0)
	{
		te_text_puts(t, "V");
		te_text_fixed(t, break_y - 3.0, 1);
		te_text_puts(t, "M");
		plot_put_xy(t, LP_L - 4.0, break_y - 1.0);
		te_text_puts(t, "l8-4M");
		plot_put_xy(t, LP_L - 4.0, break_y + 6.0);
		te_text_puts(t, "l8-4M");
		plot_put_xy(t, LP_L, break_y + 4.0);
	}
	te_text_puts(t, "V");
	te_text_fixed(t, LP_B, 1);
	te_text_puts(t, "H");
	te_text_fixed(t, lp_r, 1);
	te_text_puts(t, "\"/>\n");
}
