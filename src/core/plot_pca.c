/*
 * plot_pca.c - the SVG picture of points on two principal axes, with a
 *              loop of them (an H1 generator's cycle) drawn through in
 *              order and labelled
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

/* the loop is labelled point by point up to this many points */
#define PCA_MAX_LABELS 40

/* the width of the legend right of the frame */
#define PCA_LEGEND_W 150.0

/* check the coordinates and the loop; the ranges of the two axes */
static TeStatus
pca_check(TeEnv *env, const double *xy, int64_t n, const int64_t *loop, int64_t nloop,
		  double *xlo, double *xhi, double *ylo, double *yhi)
{
	int64_t		i;
	TeStatus	st;

	*xlo = *ylo = INFINITY;
	*xhi = *yhi = -INFINITY;
	if (n < 0 || nloop < 0 || (n > 0 && xy == NULL) || (nloop > 0 && loop == NULL))
		return te_fail(env, TE_INVALID, "a PCA picture needs n >= 0 points and a loop of >= 0 of them");
	for (i = 0; i < n; i++)
	{
		if ((st = plot_poll(env, i)) != TE_OK)
			return st;
		if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
			return te_fail(env, TE_INVALID, "point %lld has a coordinate that is not finite",
						   (long long) i + 1);
		*xlo = fmin(*xlo, xy[2 * i]);
		*xhi = fmax(*xhi, xy[2 * i]);
		*ylo = fmin(*ylo, xy[2 * i + 1]);
		*yhi = fmax(*yhi, xy[2 * i + 1]);
	}
	for (i = 0; i < nloop; i++)
		if (loop[i] < 0 || loop[i] >= n)
			return te_fail(env, TE_INVALID, "loop point %lld is point %lld, beyond the %lld points",
						   (long long) i + 1, (long long) loop[i] + 1, (long long) n);
	if (n == 0)
	{
		*xlo = *ylo = -1.0;
		*xhi = *yhi = 1.0;
	}
	return TE_OK;
}

/*
 * every point as a small grey dot, one per pixel: a dot already drawn on a
 * pixel is not drawn again, so a large cloud stays a small document
 */
static TeStatus
pca_dots(TeEnv *env, TeText *t, const double *xy, int64_t n, const TeAxis *ax, const TeAxis *ay)
{
	unsigned char *seen = te_alloc0(env, (size_t) PLOT_W * LP_H);
	int64_t		i;
	TeStatus	st = TE_OK;

	if (!seen)
		return te_fail(env, TE_NOMEM, "no memory for the picture's pixel map");
	te_text_puts(t, "<g fill=\"#9aa0a6\" fill-opacity=\"0.8\">\n");
	for (i = 0; i < n && st == TE_OK; i++)
	{
		double		px = te_axis_map(ax, xy[2 * i]),
					py = te_axis_map(ay, xy[2 * i + 1]);
		int			cx = (int) floor(px),
					cy = (int) floor(py);

		st = plot_poll(env, i);
		if (cx < 0 || cy < 0 || cx >= PLOT_W || cy >= LP_H || seen[cy * PLOT_W + cx])
			continue;
		seen[cy * PLOT_W + cx] = 1;
		te_text_puts(t, "<circle");
		plot_put_attr(t, "cx", px);
		plot_put_attr(t, "cy", py);
		te_text_puts(t, " r=\"2\"/>\n");
	}
	te_text_puts(t, "</g>\n");
	te_free(env, seen);
	return st;
}

/* the loop: a closed path through its points in order, dots, and labels if few */
static TeStatus
pca_loop(TeEnv *env, TeText *t, const double *xy, const int64_t *loop, const int64_t *labels,
		 int64_t nloop, const TeAxis *ax, const TeAxis *ay)
{
	int64_t		i;
	TeStatus	st = TE_OK;

	if (nloop == 0)
		return TE_OK;
	te_text_puts(t, "<path class=\"loop\" fill=\"none\" stroke=\"");
	te_text_puts(t, te_svg_color(1));
	te_text_puts(t, "\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"");
	for (i = 0; i < nloop && st == TE_OK; i++)
	{
		te_text_puts(t, i ? " L" : "M");
		plot_put_xy(t, te_axis_map(ax, xy[2 * loop[i]]), te_axis_map(ay, xy[2 * loop[i] + 1]));
		st = plot_poll(env, i);
	}
	te_text_puts(t, nloop > 2 ? " Z\"/>\n" : "\"/>\n");
	for (i = 0; i < nloop && st == TE_OK; i++)
	{
		double		px = te_axis_map(ax, xy[2 * loop[i]]),
					py = te_axis_map(ay, xy[2 * loop[i] + 1]);

		te_text_puts(t, "<circle class=\"loop-point\"");
		plot_put_attr(t, "cx", px);
		plot_put_attr(t, "cy", py);
		te_text_puts(t, " r=\"4\" fill=\"");
		te_text_puts(t, te_svg_color(1));
		te_text_puts(t, "\" stroke=\"#fff\" stroke-width=\"1\"/>\n");
		if (labels && nloop <= PCA_MAX_LABELS)
		{
			char		buf[TE_NUMBUF];

			te_format_int(buf, labels[i]);
			te_svg_text(t, px + 5.0, py - 5.0, 10.0, "start", "fill=\"#222\"", buf, 0);
		}
	}
	return st;
}

/* "PC1 (26.8% of the variance)" into buf */
static const char *
pca_axis_label(char *buf, size_t cap, int axis, double share)
{
	buf[0] = '\0';
	plot_buf_cat(buf, cap, axis == 1 ? "PC1" : "PC2");
	if (share >= 0.0)
	{
		plot_buf_cat(buf, cap, " (");
		plot_buf_cat_num(buf, cap, 100.0 * share, 3);
		plot_buf_cat(buf, cap, "% of the variance)");
	}
	return buf;
}

/* points on two principal axes with a loop through some of them: see svg.h */
TeStatus
te_svg_pca(TeEnv *env, const double *xy, int64_t n, const int64_t *loop, const int64_t *labels,
		   int64_t nloop, const double share[2], const char *title, const TeSvgOptions *opt,
		   char **out)
{
	TeStatus	st;
	TeText		t;
	TeAxis		ax,
				ay;
	double		xlo,
				xhi,
				ylo,
				yhi,
				span,
				sx,
				sy,
				lp_r = plot_right(PCA_LEGEND_W);
	char		desc[256],
				lx[80],
				ly[80];

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	if ((st = pca_check(env, xy, n, loop, nloop, &xlo, &xhi, &ylo, &yhi)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Points on their first two principal axes";
	/*
	 * both axes at one scale (pixels per unit), so that distances look as
	 * they are: the axis of the shorter range gets fewer pixels
	 */
	te_axis_linear(&ax, xlo, xhi, 6, 0);
	te_axis_linear(&ay, ylo, yhi, 6, 0);
	sx = (ax.hi - ax.lo) * pow(10.0, ax.scale_exp);
	sy = (ay.hi - ay.lo) * pow(10.0, ay.scale_exp);
	span = fmin((lp_r - LP_L - 12.0) / fmax(sx, 1e-300), (LP_B - LP_T - 12.0) / fmax(sy, 1e-300));
	te_axis_place(&ax, LP_L + 6.0, LP_L + 6.0 + span * sx);
	te_axis_place(&ay, LP_B - 6.0, LP_B - 6.0 - span * sy);

	desc[0] = '\0';
	plot_buf_cat(desc, sizeof(desc), "PCA picture: ");
	plot_buf_cat_int(desc, sizeof(desc), n);
	plot_buf_cat(desc, sizeof(desc), " points, a loop through ");
	plot_buf_cat_int(desc, sizeof(desc), nloop);
	plot_buf_cat(desc, sizeof(desc), " of them");
	te_text_init(&t, env);
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	plot_put_title(&t, title, PLOT_W);
	te_svg_xaxis(&t, &ax, LP_B, LP_T, pca_axis_label(lx, sizeof(lx), 1, share ? share[0] : -1.0));
	te_svg_yaxis(&t, &ay, LP_L, lp_r, pca_axis_label(ly, sizeof(ly), 2, share ? share[1] : -1.0), 22.0);
	plot_put_frame(&t, lp_r, 0.0);
	if (n == 0)
		plot_put_message(&t, (LP_L + lp_r) / 2.0, (LP_T + LP_B) / 2.0, opt->empty ? opt->empty : "no data");
	st = pca_dots(env, &t, xy, n, &ax, &ay);
	if (st == TE_OK)
		st = pca_loop(env, &t, xy, loop, labels, nloop, &ax, &ay);

	/* the legend */
	te_text_puts(&t, "<circle cx=\"");
	te_text_fixed(&t, lp_r + 28.0, 1);
	te_text_puts(&t, "\" cy=\"");
	te_text_fixed(&t, LP_T + 6.0, 1);
	te_text_puts(&t, "\" r=\"3\" fill=\"#9aa0a6\"/>\n");
	desc[0] = '\0';
	plot_buf_cat_int(desc, sizeof(desc), n);
	plot_buf_cat(desc, sizeof(desc), " rows");
	te_svg_text(&t, lp_r + 40.0, LP_T + 10.0, 12.0, "start", "fill=\"#222\"", desc, PLOT_LEGEND_CHARS);
	if (nloop > 0)
	{
		plot_put_swatch(&t, 1, lp_r + 18.0, LP_T + 26.0);
		desc[0] = '\0';
		plot_buf_cat(desc, sizeof(desc), "loop of ");
		plot_buf_cat_int(desc, sizeof(desc), nloop);
		plot_buf_cat(desc, sizeof(desc), nloop <= PCA_MAX_LABELS && labels ? ", by id" : "");
		te_svg_text(&t, lp_r + 48.0, LP_T + 30.0, 12.0, "start", "fill=\"#222\"", desc, PLOT_LEGEND_CHARS);
	}
	return plot_finish(&t, st, out);
}
