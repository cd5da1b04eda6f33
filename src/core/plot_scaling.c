/*
 * plot_scaling.c - the SVG log-log chart: series of (x, y) points, such as
 *                  the time or the memory of a computation against the size
 *                  of its input, on log axes with labelled decades
 *
 * Each series is a line through its points in the order given, with a
 * marker on each point; its colour and its style (solid line and round
 * markers, dashed and square, dotted and triangles) come from the series
 * or, when it leaves them 0, from its number, as in the other line plots.
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

/* the data ranges of the series, found while they are checked */
typedef struct XYRange
{
	double		xlo,
				xhi,
				ylo,
				yhi;
	int			npts;			/* series with at least one point */
} XYRange;

/* the least width of the legend, in pixels */
#define XY_MIN_LEGEND_W 80.0

/* the three styles: solid, dashed, dotted */
#define XY_STYLES 3

/* check one value of a series: finite and positive */
static TeStatus
xy_check_value(TeEnv *env, double v, const char *axis, int i, int k)
{
	if (isnan(v))
		return te_fail(env, TE_INVALID, "NaN not allowed in %s of point %d of series %d", axis, i + 1, k + 1);
	if (isinf(v))
		return te_fail(env, TE_INVALID, "%s of point %d of series %d is infinite", axis, i + 1, k + 1);
	if (v <= 0.0)
		return te_fail(env, TE_INVALID,
					   "%s of point %d of series %d is not positive, and a log scale cannot show it",
					   axis, i + 1, k + 1);
	return TE_OK;
}

/* check the series and find their ranges */
static TeStatus
xy_check(TeEnv *env, const TeXYSeries *series, int nseries, XYRange *r)
{
	TeStatus	st;
	int			k,
				i;

	r->xlo = r->ylo = INFINITY;
	r->xhi = r->yhi = -INFINITY;
	r->npts = 0;
	if ((st = plot_check_nseries(env, "log-log chart", nseries, series)) != TE_OK)
		return st;
	for (k = 0; k < nseries; k++)
	{
		const TeXYSeries *s = &series[k];

		if ((st = plot_check_xy(env, k, s->n, s->x, s->y)) != TE_OK)
			return st;
		if (s->color < 0 || s->color > 7 || s->dash < 0 || s->dash > XY_STYLES)
			return te_fail(env, TE_INVALID,
						   "series %d asks for colour %d and style %d: colours are 1 to 7, styles 1 to %d (0: by number)",
						   k + 1, s->color, s->dash, XY_STYLES);
		for (i = 0; i < s->n; i++)
		{
			if ((st = plot_poll(env, i)) != TE_OK ||
				(st = xy_check_value(env, s->x[i], "x", i, k)) != TE_OK ||
				(st = xy_check_value(env, s->y[i], "y", i, k)) != TE_OK)
				return st;
			r->xlo = fmin(r->xlo, s->x[i]);
			r->xhi = fmax(r->xhi, s->x[i]);
			r->ylo = fmin(r->ylo, s->y[i]);
			r->yhi = fmax(r->yhi, s->y[i]);
		}
		r->npts += s->n > 0;
	}
	return TE_OK;
}

/* the colour of series k */
static const char *
xy_color(const TeXYSeries *s, int k)
{
	return te_svg_color(s->color > 0 ? s->color - 1 : k);
}

/* the style of series k: 0 solid, 1 dashed, 2 dotted */
static int
xy_style(const TeXYSeries *s, int k)
{
	if (s->dash > 0)
		return s->dash - 1;
	return k / 7 < XY_STYLES ? k / 7 : XY_STYLES - 1;
}

/* the dash pattern of a style (NULL: solid), the same as the other line plots' */
static const char *
xy_dash(int style)
{
	return plot_series_dash(style * 7);
}

/* a marker of the style centred at (x, y), filled by the enclosing group */
static void
xy_marker(TeText *t, int style, double x, double y)
{
	if (style == 0)
	{
		te_text_puts(t, "<circle");
		plot_put_attr(t, "cx", x);
		plot_put_attr(t, "cy", y);
		te_text_puts(t, " r=\"3.2\"/>");
	}
	else if (style == 1)
	{
		te_text_puts(t, "<rect");
		plot_put_attr(t, "x", x - 3.0);
		plot_put_attr(t, "y", y - 3.0);
		te_text_puts(t, " width=\"6\" height=\"6\"/>");
	}
	else
	{
		te_text_puts(t, "<path d=\"M");
		plot_put_xy(t, x, y - 4.0);
		te_text_puts(t, "l3.6 6.4h-7.2z\"/>");
	}
}

/* the document's description: each series and its length */
static void
xy_desc(char *desc, size_t cap, const TeXYSeries *series, int nseries)
{
	int			k;

	desc[0] = '\0';
	plot_buf_cat(desc, cap, "Log-log chart:");
	for (k = 0; k < nseries; k++)
		plot_desc_series(desc, cap, k, series[k].label, series[k].n, series[k].n == 1 ? " point" : " points");
	if (nseries == 0)
		plot_buf_cat(desc, cap, " no series");
}

/* the line of series k, thinned, and its markers (up to TE_SVG_XY_MARKERS) */
static TeStatus
xy_series_line(TeEnv *env, TeText *t, const TeXYSeries *s, int k, const TeAxis *ax, const TeAxis *ay)
{
	int			style = xy_style(s, k);
	TeStatus	st = TE_OK;
	PlotThin	th;
	int			i;

	plot_put_line_style(t, xy_color(s, k), xy_dash(style), 2.0);
	plot_thin_init(&th, t);
	for (i = 0; i < s->n && st == TE_OK; i++)
	{
		plot_thin_add(&th, te_axis_map(ax, s->x[i]), te_axis_map(ay, s->y[i]));
		st = plot_poll(env, i);
	}
	plot_thin_flush(&th);
	te_text_puts(t, "\"/>\n");
	if (st != TE_OK || s->n > TE_SVG_XY_MARKERS)
		return st;
	te_text_puts(t, "<g fill=\"");
	te_text_puts(t, xy_color(s, k));
	te_text_puts(t, "\">");
	for (i = 0; i < s->n; i++)
		xy_marker(t, style, te_axis_map(ax, s->x[i]), te_axis_map(ay, s->y[i]));
	te_text_puts(t, "</g>\n");
	return TE_OK;
}

/* the legend right of the chart: swatch, marker and label of each series */
static void
xy_legend(TeText *t, const TeXYSeries *series, int nseries, double lp_legend)
{
	char		buf[160];
	double		ly = LP_T + 10.0;
	int			k;

	for (k = 0; k < nseries; k++)
	{
		const TeXYSeries *s = &series[k];

		plot_put_swatch_style(t, xy_color(s, k), xy_dash(xy_style(s, k)), lp_legend, ly - 4.0);
		te_text_puts(t, "<g fill=\"");
		te_text_puts(t, xy_color(s, k));
		te_text_puts(t, "\">");
		xy_marker(t, xy_style(s, k), lp_legend + 12.0, ly - 4.0);
		te_text_puts(t, "</g>\n");
		plot_put_legend_label(t, lp_legend, ly, plot_series_label(s->label, k, buf, sizeof(buf)));
		ly += 20.0;
	}
}

/* series of (x, y) points on log-log axes, a line and markers each */
TeStatus
te_svg_loglog(TeEnv *env, const TeXYSeries *series, int nseries, const char *title,
			  const char *xlabel, const char *ylabel, const TeSvgOptions *opt, char **out)
{
	TeStatus	st;
	TeText		t;
	TeAxis		ax,
				ay;
	XYRange		r;
	int			k;
	char		desc[512];
	char		buf[160];
	double		lp_r,
				legend_w = XY_MIN_LEGEND_W;

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	if ((st = xy_check(env, series, nseries, &r)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Log-log chart";
	if (xlabel == NULL || *xlabel == '\0')
		xlabel = "x";
	if (ylabel == NULL || *ylabel == '\0')
		ylabel = "y";
	for (k = 0; k < nseries; k++)
		legend_w = fmax(legend_w, 30.0 +
						plot_label_width(plot_series_label(series[k].label, k, buf, sizeof(buf)), 12.0));
	lp_r = plot_right(legend_w);
	if (r.npts == 0)
	{
		r.xlo = r.ylo = 1.0;
		r.xhi = r.yhi = 10.0;
	}
	te_axis_log(&ax, r.xlo, r.xhi, 1, 1);
	te_axis_place(&ax, LP_L + 6.0, lp_r - 6.0);
	te_axis_log(&ay, r.ylo, r.yhi, 1, 1);
	te_axis_place(&ay, LP_B - 6.0, LP_T + 6.0);

	te_text_init(&t, env);
	xy_desc(desc, sizeof(desc), series, nseries);
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	plot_put_title(&t, title, PLOT_W);
	te_svg_xaxis(&t, &ax, LP_B, LP_T, xlabel);
	te_svg_yaxis(&t, &ay, LP_L, lp_r, ylabel, 22.0);
	plot_put_frame(&t, lp_r, 0.0);
	if (r.npts == 0)
		plot_put_message(&t, (LP_L + lp_r) / 2.0, (LP_T + LP_B) / 2.0, opt->empty ? opt->empty : "no data");
	for (k = 0; k < nseries && st == TE_OK; k++)
		if (series[k].n > 0)
			st = xy_series_line(env, &t, &series[k], k, &ax, &ay);
	xy_legend(&t, series, nseries, lp_r + 22.0);
	return plot_finish(&t, st, out);
}
