/*
 * svg_internal.h - what the SVG plot files share (not public)
 *
 * Each plot type has its own file (plot_diagram.c, plot_barcode.c,
 * plot_spectrum.c, plot_betti.c, plot_pca.c, plot_scaling.c) and writes one standalone SVG document
 * through the public toolkit of svg.h (svg.c).  The helpers declared here,
 * defined in plot_common.c, are what two or more of those files use.
 * Sizes are fixed in CSS pixels (PLOT_W wide) so that plots line up in a
 * report.
 */
#ifndef TOPEMBED_SVG_INTERNAL_H
#define TOPEMBED_SVG_INTERNAL_H

#include "topembed/svg.h"

/* the width of every plot, in CSS pixels */
#define PLOT_W		640

/* the interrupt check runs once every this many items (a power of two) */
#define PLOT_CHECK_EVERY 4096

/* ---- the layout of the line plots (spectrum, Betti curves) ---- */

#define LP_H		480			/* document height */
#define LP_L		80.0		/* frame left, right of the y axis labels */
#define LP_T		56.0		/* frame top, below title and subtitle */
#define LP_B		420.0		/* frame bottom, above the x axis labels */

/* characters of a legend label at most */
#define PLOT_LEGEND_CHARS 24

/* poll the interrupt check every PLOT_CHECK_EVERY steps */
static inline TeStatus
plot_poll(TeEnv *env, int64_t i)
{
	if ((i & (PLOT_CHECK_EVERY - 1)) == 0)
		return te_check(env);
	return TE_OK;
}

/* ---- small text helpers ---- */

/* append s to the C string buf of capacity cap */
void		plot_buf_cat(char *buf, size_t cap, const char *s);

/* append an integer to buf */
void		plot_buf_cat_int(char *buf, size_t cap, int64_t v);

/* append a number with sig significant digits to buf */
void		plot_buf_cat_num(char *buf, size_t cap, double v, int sig);

/* write " name=\"v\"" with v rounded to one decimal */
void		plot_put_attr(TeText *t, const char *name, double v);

/* write "x y" for a path, one decimal each */
void		plot_put_xy(TeText *t, double x, double y);

/* the plot title, centred, cut to the width of the document */
void		plot_put_title(TeText *t, const char *title, int width);

/* a grey subtitle under the title */
void		plot_put_subtitle(TeText *t, const char *text, int width);

/* a centred grey message for an empty plot, on a white halo */
void		plot_put_message(TeText *t, double x, double y, const char *text);

/* the dash pattern of series k (NULL: solid) */
const char *plot_series_dash(int k);

/* the label of series k: its own, or "series k" written into buf */
const char *plot_series_label(const char *label, int k, char *buf, size_t cap);

/* append series k to a document's description: " label, n" and what ("; " between series) */
void		plot_desc_series(char *desc, size_t cap, int k, const char *label, int64_t n,
							 const char *what);

/* TE_INVALID unless 0 <= nseries <= TE_SVG_MAX_SERIES and the series are given */
TeStatus	plot_check_nseries(TeEnv *env, const char *plot, int nseries, const void *series);

/* TE_INVALID unless series k's n >= 0 and its x and y arrays are given */
TeStatus	plot_check_xy(TeEnv *env, int k, int n, const double *x, const double *y);

/* ---- options ---- */

/* the defaults: what a NULL options pointer stands for */
extern const TeSvgOptions plot_no_options;

/*
 * the start of every plot: check out and the options, *out = NULL, and a
 * NULL *opt replaced by the defaults
 */
TeStatus	plot_start(TeEnv *env, const TeSvgOptions **opt, char **out);

/* the end of every plot: close the document, then hand it out in *out if st is TE_OK */
TeStatus	plot_finish(TeText *t, TeStatus st, char **out);

/* check the options; a NULL pointer stands for the defaults */
TeStatus	plot_check_options(TeEnv *env, const TeSvgOptions *opt);

/* "what (unit)", or what alone without a unit */
const char *plot_unit_label(char *buf, size_t cap, const char *what, const char *unit);

/* widen the range [lo, hi] of a scale axis to [0, scale_max] when one is shared */
void		plot_shared_scale(const TeSvgOptions *opt, double *lo, double *hi);

/* ---- a stable merge sort on env's allocator ---- */

typedef int (*PlotSortCmp) (const void *a, const void *b, const void *ctx);

/* sort n elements of size bytes at base, stably */
TeStatus	plot_merge_sort(TeEnv *env, void *base, size_t n, size_t size,
							PlotSortCmp cmp, const void *ctx);

/* ---- a polyline writer that thins points per half-pixel column ---- */

typedef struct PlotThin
{
	TeText	   *t;
	int			started;		/* "M" written */
	int			open;			/* a column is being collected */
	int64_t		col;
	int64_t		seq;
	double		pt[4][2];		/* first, lowest, highest, last */
	int64_t		ord[4];
} PlotThin;

/* begin a thinned polyline */
void		plot_thin_init(PlotThin *th, TeText *t);

/* add a point in pixels */
void		plot_thin_add(PlotThin *th, double x, double y);

/* write the kept points of the current column in their original order */
void		plot_thin_flush(PlotThin *th);

/* the opening of the path of series k: stroke colour, width and dash */
void		plot_put_line_start(TeText *t, int k, double width);

/* the same for a given colour and dash pattern (dash NULL: solid) */
void		plot_put_line_style(TeText *t, const char *color, const char *dash, double width);

/* a legend swatch: a short line in the series' colour and dash */
void		plot_put_swatch(TeText *t, int k, double x, double y);

/* the same for a given colour and dash pattern */
void		plot_put_swatch_style(TeText *t, const char *color, const char *dash, double x, double y);

/* a legend label right of its swatch at row y */
void		plot_put_legend_label(TeText *t, double x, double y, const char *label);

/* ---- persistence pairs: validation and the shared summary ---- */

typedef struct PlotPairs
{
	int64_t		count[TE_SVG_MAX_DIM + 1];
	int64_t		essential[TE_SVG_MAX_DIM + 1];
	int			ndims;			/* dimensions with at least one pair */
	int			have_finite;	/* some value was seen */
	double		lo;				/* smallest birth or finite death */
	double		hi;
} PlotPairs;

/* check pairs and count them per dimension */
TeStatus	plot_summarise_pairs(TeEnv *env, const TePersPair *pairs, int64_t n,
								 PlotPairs *s);

/* the value range to draw: start at 0 when the data nearly do */
void		plot_pair_range(const PlotPairs *s, double *lo, double *hi);

/* "Persistence diagram: H0 10 pairs (1 essential), H1 3 pairs" */
void		plot_pair_desc(char *buf, size_t cap, const char *what, const PlotPairs *s);

/* the pair opt->highlight names in pairs[0..n), or NULL; TE_INVALID beyond n */
TeStatus	plot_highlighted(TeEnv *env, const TeSvgOptions *opt, const TePersPair *pairs,
							 int64_t n, const TePersPair **hp);

/* the two caption lines of a highlighted pair: "pair 7: H1", "born 0.31, dies 0.42" */
void		plot_highlight_caption(char *l1, char *l2, size_t size, int64_t number,
								   const TePersPair *p);

/* ---- the frame of the line plots ---- */

/* the rough width of a label as the legend shows it */
double		plot_label_width(const char *s, double size);

/* the right end of the plot when the legend right of it is legend_w wide */
double		plot_right(double legend_w);

/* the axis lines of a line plot; break_y > 0 breaks the y axis there */
void		plot_put_frame(TeText *t, double lp_r, double break_y);

#endif							/* TOPEMBED_SVG_INTERNAL_H */
