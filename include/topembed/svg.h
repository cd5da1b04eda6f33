/*
 * svg.h - standalone SVG plots of persistence diagrams, barcodes,
 *         eigenvalue spectra, Betti curves and log-log charts
 *
 * Every plot function returns, in *out, a NUL-terminated standalone SVG
 * document (xmlns, viewBox, width and height; no scripts, no external
 * assets) allocated through env; the caller releases it with te_free().
 * On failure *out is NULL and nothing stays allocated.
 *
 * Status codes:
 *   TE_OK         the document is in *out
 *   TE_INVALID    NaN or infinite values where they make no sense, a
 *                 negative count, a homology dimension outside
 *                 0..TE_SVG_MAX_DIM, too many series; env->msg says which
 *   TE_NOMEM      the allocator refused a request
 *   TE_CANCELLED  env->check asked us to stop
 *
 * Titles and labels are free text: they are escaped for XML, invalid UTF-8
 * becomes U+FFFD, control characters become spaces, and long texts are
 * shortened with an ellipsis.  A NULL title gives a default title; an empty
 * title gives none.
 *
 * Numbers are formatted by hand, so LC_NUMERIC cannot change the output.
 *
 * The lower half of this header is the toolkit the plots are built from: a
 * growable text buffer on env's allocator, locale-free number formatting,
 * XML escaping and "nice" axes.
 */
#ifndef TOPEMBED_SVG_H
#define TOPEMBED_SVG_H

#include "topembed/common.h"
#include "topembed/pair.h"

/* ---- the plots ---- */

#define TE_SVG_MAX_DIM		9		/* homology dimensions 0..9 can be drawn */
#define TE_SVG_MAX_SERIES	16		/* spectrum and Betti curve series */
#define TE_SVG_MAX_MARKERS	40000	/* diagram markers after pixel binning */
#define TE_SVG_MAX_BARS		300		/* barcode bars shown, over all dimensions */
#define TE_SVG_SPECTRUM_FLOOR 1e-12 /* eigenvalues below this x max are clipped */

/*
 * Options shared by the plots; a NULL options pointer, or a zeroed struct,
 * gives the defaults.  Side-by-side panels of one report pass the same
 * ranges so that they share one scale.
 */
typedef struct TeSvgOptions
{
	const char *unit;			/* what the scale measures, e.g. "cosine
								 * distance": named in the axis labels; NULL
								 * or "": plain labels */
	double		scale_max;		/* diagrams, barcodes: the scale axes run from
								 * 0 to at least this (0: from the data) */
	double		y_min;			/* spectra: the eigenvalue axis covers at */
	double		y_max;			/* least [y_min, y_max] (0: from the data) */
	const char *empty;			/* the message of a plot without data, e.g.
								 * for a NULL input (NULL: the default) */
	int64_t		highlight;		/* diagrams, barcodes: the pair to mark,
								 * numbered from 1 in the input (0: none);
								 * a barcode that shows only the longest
								 * bars shows this one too */
} TeSvgOptions;

/* persistence diagram: birth (x) against death (y); death = INFINITY on the ∞ line */
TeStatus	te_svg_diagram(TeEnv *env, const TePersPair *pairs, int64_t n,
						   const char *title, char **out);
TeStatus	te_svg_diagram_ex(TeEnv *env, const TePersPair *pairs, int64_t n,
							  const char *title, const TeSvgOptions *opt, char **out);

/* persistence barcode: one bar per pair, grouped by dimension */
TeStatus	te_svg_barcode(TeEnv *env, const TePersPair *pairs, int64_t n,
						   const char *title, char **out);
TeStatus	te_svg_barcode_ex(TeEnv *env, const TePersPair *pairs, int64_t n,
							  const char *title, const TeSvgOptions *opt, char **out);

typedef struct TeSpectrumSeries
{
	const char *label;			/* NULL gives "series k" */
	const double *eigenvalues;	/* n values, plotted at index 1..n in order */
	int			n;
	double		effective_rank; /* marked on the curve; <= 0: no marker */
	int			dims_99;		/* marked with a tick; <= 0: no marker */
} TeSpectrumSeries;

/*
 * eigenvalue spectra on a log-scale y axis, one line per series; the labels
 * of the dims_99 ticks are placed clear of every line and of each other (a
 * label that finds no free place is left to the legend)
 */
TeStatus	te_svg_spectrum(TeEnv *env, const TeSpectrumSeries *series, int nseries,
							const char *title, char **out);
TeStatus	te_svg_spectrum_ex(TeEnv *env, const TeSpectrumSeries *series, int nseries,
							   const char *title, const TeSvgOptions *opt, char **out);

typedef struct TeCurveSeries
{
	const char *label;			/* NULL gives "series k" */
	const double *x;			/* scale values, normally ascending */
	const double *y;			/* y[i] holds from x[i] up to x[i + 1] */
	int			n;
} TeCurveSeries;

/* Betti curves as step lines, one per series; xlabel NULL or "" gives "scale" */
TeStatus	te_svg_betti_curves(TeEnv *env, const TeCurveSeries *series, int nseries,
								const char *title, const char *xlabel, char **out);
/* the same; without xlabel, opt->unit gives "scale (<unit>)" */
TeStatus	te_svg_betti_curves_ex(TeEnv *env, const TeCurveSeries *series, int nseries,
								   const char *title, const char *xlabel,
								   const TeSvgOptions *opt, char **out);

typedef struct TeXYSeries
{
	const char *label;			/* NULL gives "series k" */
	const double *x;			/* n points, joined by lines in this order */
	const double *y;
	int			n;
	int			color;			/* 1..7: that colour of the palette;
								 * 0: by the series' number */
	int			dash;			/* 1 solid with round markers, 2 dashed with
								 * square ones, 3 dotted with triangles;
								 * 0: by the series' number */
} TeXYSeries;

/*
 * series of (x, y) points on log-log axes with labelled decades, e.g. the
 * cost of a computation against its input size: a line through each
 * series' points with a marker on each point (up to TE_SVG_XY_MARKERS
 * points a series), a legend, title and axis labels (NULL or "": "x",
 * "y").  TE_INVALID for a value that is not finite or not positive, a
 * negative count, a style out of range or more than TE_SVG_MAX_SERIES
 * series.  opt may be NULL; only opt->empty is used.
 */
#define TE_SVG_XY_MARKERS 200
TeStatus	te_svg_loglog(TeEnv *env, const TeXYSeries *series, int nseries, const char *title,
						  const char *xlabel, const char *ylabel, const TeSvgOptions *opt,
						  char **out);

/*
 * n points given by their first two principal coordinates (xy, n x 2,
 * row-major) as grey dots, both axes at one scale, one dot per pixel; and
 * a loop through the points loop[0..nloop) in that order, closed, drawn in
 * colour, each point labelled with labels[i] (NULL: none) when the loop has
 * at most 40 points.  share (NULL: not shown): each axis's share of the
 * variance, named in its label.  TE_INVALID for a coordinate that is not
 * finite or a loop point outside 0..n-1.
 */
TeStatus	te_svg_pca(TeEnv *env, const double *xy, int64_t n, const int64_t *loop,
					   const int64_t *labels, int64_t nloop, const double share[2],
					   const char *title, const TeSvgOptions *opt, char **out);

/* ---- toolkit: growable text on env's allocator ---- */

typedef struct TeText
{
	char	   *data;			/* NUL-terminated once anything is written */
	size_t		len;
	size_t		cap;
	TeEnv	   *env;
	int			failed;			/* an allocation failed; later writes are dropped */
} TeText;

void		te_text_init(TeText *t, TeEnv *env);
void		te_text_free(TeText *t);
void		te_text_putn(TeText *t, const char *s, size_t n);
void		te_text_puts(TeText *t, const char *s);
void		te_text_putc(TeText *t, char c);
void		te_text_int(TeText *t, int64_t v);
void		te_text_fixed(TeText *t, double v, int decimals);
void		te_text_num(TeText *t, double v, int sig);
void		te_text_escape(TeText *t, const char *s, int maxchars);
TeStatus	te_text_finish(TeText *t, char **out);

/* locale-free number formatting into buf (at least TE_NUMBUF bytes); returns the length */
#define TE_NUMBUF 48
int			te_format_int(char *buf, int64_t v);
int			te_format_fixed(char *buf, double v, int decimals);
int			te_format_num(char *buf, double v, int sig);
int			te_format_scaled(char *buf, int64_t mant, int exp10, int sci, int unicode_minus);

/* number of characters (code points; each invalid byte counts one) in s */
int			te_utf8_chars(const char *s);

/* a rough width in pixels of a sans-serif text, for layout */
double		te_text_width(const char *s, double font_size);

/* ---- toolkit: axes ---- */

#define TE_AXIS_MAX_TICKS 64

typedef struct TeTick
{
	double		value;			/* data value (linear) or log10 of it (log) */
	int			major;			/* labelled, with a grid line */
	char		label[TE_NUMBUF];
	char		sup[16];		/* superscript exponent after label, or "" */
} TeTick;

typedef struct TeAxis
{
	int			log;			/* log10 scale */
	int			scale_exp;		/* linear: data are divided by 10^scale_exp */
	double		lo;				/* range in axis units: scaled data, or log10 */
	double		hi;
	double		p0;				/* pixel of lo */
	double		p1;				/* pixel of hi */
	int			ntick;
	TeTick		tick[TE_AXIS_MAX_TICKS];
} TeAxis;

/* a linear axis with 1-2-5 ticks covering [lo, hi]; integer: steps of at least 1 */
void		te_axis_linear(TeAxis *ax, double lo, double hi, int target, int integer);

/* a log10 axis over [lo, hi] (both > 0); snap widens it to whole decades; plain labels 10 as "10" not 10^1 */
void		te_axis_log(TeAxis *ax, double lo, double hi, int snap, int plain);

/* set the pixel positions of the axis ends */
void		te_axis_place(TeAxis *ax, double p0, double p1);

/* pixel position of data value v (log axes clamp v <= 0 to the low end) */
double		te_axis_map(const TeAxis *ax, double v);

/* pixel position of tick i */
double		te_axis_tick_pos(const TeAxis *ax, int i);

/* ---- toolkit: SVG pieces ---- */

/* colour k of the palette (Okabe-Ito, yellow left out), cycling */
const char *te_svg_color(int k);

/* document start: root element, white background, <title> and <desc> */
void		te_svg_begin(TeText *t, int width, int height, const char *title,
						 const char *desc);
void		te_svg_end(TeText *t);

/*
 * a text element at (x, y); anchor "start", "middle" or "end"; attrs is
 * trusted markup added to the element (may be NULL); text is escaped and
 * cut to maxchars characters (0: no limit)
 */
void		te_svg_text(TeText *t, double x, double y, double size, const char *anchor,
						const char *attrs, const char *text, int maxchars);

/* x axis at pixel row y: grid up to grid_to, ticks, labels, centred title (the axis line is the caller's) */
void		te_svg_xaxis(TeText *t, const TeAxis *ax, double y, double grid_to,
						 const char *label);

/* y axis at pixel column x: grid up to grid_to, ticks, labels, title rotated at label_x (the line is the caller's) */
void		te_svg_yaxis(TeText *t, const TeAxis *ax, double x, double grid_to,
						 const char *label, double label_x);

#endif							/* TOPEMBED_SVG_H */
