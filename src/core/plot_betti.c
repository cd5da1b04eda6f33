/*
 * plot_betti.c - the SVG Betti curves: step lines of Betti numbers against
 *                scale, one per series
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

/* the data ranges of the series, found while they are checked */
typedef struct BettiRange
{
	double		xlo,
				xhi,
				ylo,
				yhi;
	int			integral;		/* every y is a whole number */
	int			npts;			/* series with at least one point */
} BettiRange;

/* the least width of the legend, in pixels */
#define BT_MIN_LEGEND_W 80.0

/* check the series and find their ranges */
static TeStatus
betti_check(TeEnv *env, const TeCurveSeries *series, int nseries, BettiRange *r)
{
	TeStatus	st;
	int			k,
				i;

	r->xlo = INFINITY;
	r->xhi = -INFINITY;
	r->ylo = 0.0;
	r->yhi = -INFINITY;
	r->integral = 1;
	r->npts = 0;
	if ((st = plot_check_nseries(env, "Betti curve plot", nseries, series)) != TE_OK)
		return st;
	for (k = 0; k < nseries; k++)
	{
		const TeCurveSeries *s = &series[k];

		if ((st = plot_check_xy(env, k, s->n, s->x, s->y)) != TE_OK)
			return st;
		for (i = 0; i < s->n; i++)
		{
			if ((st = plot_poll(env, i)) != TE_OK)
				return st;
			if (isnan(s->x[i]) || isnan(s->y[i]))
				return te_fail(env, TE_INVALID, "NaN not allowed in point %d of series %d",
							   i + 1, k + 1);
			if (isinf(s->x[i]) || isinf(s->y[i]))
				return te_fail(env, TE_INVALID, "point %d of series %d is infinite",
							   i + 1, k + 1);
			r->xlo = fmin(r->xlo, s->x[i]);
			r->xhi = fmax(r->xhi, s->x[i]);
			r->ylo = fmin(r->ylo, s->y[i]);
			r->yhi = fmax(r->yhi, s->y[i]);
			r->integral &= s->y[i] == floor(s->y[i]);
		}
		r->npts += s->n > 0;
	}
	return TE_OK;
}

/* the document's description: each series and its length */
static void
betti_desc(char *desc, size_t cap, const TeCurveSeries *series, int nseries)
{
	int			k;

	desc[0] = '\0';
	plot_buf_cat(desc, cap, "Betti curves:");
	for (k = 0; k < nseries; k++)
		plot_desc_series(desc, cap, k, series[k].label, series[k].n, " points");
	if (nseries == 0)
		plot_buf_cat(desc, cap, " no series");
}

/* the step line of each series, thinned; a one-point series gets a dot */
static TeStatus
betti_lines(TeEnv *env, TeText *t, const TeCurveSeries *series, int nseries,
			const TeAxis *ax, const TeAxis *ay)
{
	TeStatus	st = TE_OK;
	int			k,
				i;

	for (k = 0; k < nseries && st == TE_OK; k++)
	{
		const TeCurveSeries *s = &series[k];
		PlotThin	th;

		if (s->n == 0)
			continue;
		plot_put_line_start(t, k, 2.0);
		plot_thin_init(&th, t);
		for (i = 0; i < s->n; i++)
		{
			double		px = te_axis_map(ax, s->x[i]);

			/* the step: along at the previous height, then up or down */
			if (i > 0)
				plot_thin_add(&th, px, te_axis_map(ay, s->y[i - 1]));
			plot_thin_add(&th, px, te_axis_map(ay, s->y[i]));
			if ((st = plot_poll(env, i)) != TE_OK)
				break;
		}
		plot_thin_flush(&th);
		te_text_puts(t, "\"/>\n");
		if (s->n == 1)
		{
			te_text_puts(t, "<circle");
			plot_put_attr(t, "cx", te_axis_map(ax, s->x[0]));
			plot_put_attr(t, "cy", te_axis_map(ay, s->y[0]));
			te_text_puts(t, " r=\"3\" fill=\"");
			te_text_puts(t, te_svg_color(k));
			te_text_puts(t, "\"/>\n");
		}
	}
	return st;
}

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
	BettiRange	r;
	int			k;
	char		desc[512];
	char		buf[160];
	char		lab[160];
	double		ly,
				lp_r,
				lp_legend,
				legend_w = BT_MIN_LEGEND_W;

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	if ((st = betti_check(env, series, nseries, &r)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Betti curves";
	for (k = 0; k < nseries; k++)
		legend_w = fmax(legend_w, 30.0 +
						plot_label_width(plot_series_label(series[k].label, k, buf, sizeof(buf)), 12.0));
	lp_r = plot_right(legend_w);
	lp_legend = lp_r + 22.0;
	if (xlabel == NULL || *xlabel == '\0')
		xlabel = plot_unit_label(lab, sizeof(lab), "scale", opt->unit);
	if (r.npts == 0)
	{
		r.xlo = 0.0;
		r.xhi = 1.0;
		r.yhi = 1.0;
	}
	if (r.xlo > 0.0 && r.xlo < 0.5 * r.xhi)
		r.xlo = 0.0;
	te_axis_linear(&ax, r.xlo, r.xhi, 6, 0);
	te_axis_place(&ax, LP_L + 6.0, lp_r - 6.0);
	te_axis_linear(&ay, r.ylo, r.yhi, 6, r.integral);
	te_axis_place(&ay, LP_B - 6.0, LP_T + 6.0);

	te_text_init(&t, env);
	betti_desc(desc, sizeof(desc), series, nseries);
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	plot_put_title(&t, title, PLOT_W);
	te_svg_xaxis(&t, &ax, LP_B, LP_T, xlabel);
	te_svg_yaxis(&t, &ay, LP_L, lp_r, "Betti number", 22.0);
	plot_put_frame(&t, lp_r, 0.0);
	if (r.npts == 0)
		plot_put_message(&t, (LP_L + lp_r) / 2.0, (LP_T + LP_B) / 2.0, opt->empty ? opt->empty : "no data");
	st = betti_lines(env, &t, series, nseries, &ax, &ay);

	ly = LP_T + 10.0;
	for (k = 0; k < nseries; k++)
	{
		plot_put_swatch(&t, k, lp_legend, ly - 4.0);
		plot_put_legend_label(&t, lp_legend, ly, plot_series_label(series[k].label, k, buf, sizeof(buf)));
		ly += 20.0;
	}

	return plot_finish(&t, st, out);
}
