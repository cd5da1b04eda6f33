/*
 * plot_diagram.c - the SVG persistence diagram: birth against death
 *
 * One colour and marker shape per homology dimension; essential classes sit
 * on an "infinity" line above the finite part.  Markers are binned on a
 * half-pixel grid: coincident markers become one marker with the opacity
 * their stack would have had, and the grid coarsens until at most
 * TE_SVG_MAX_MARKERS markers remain.
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

/* ascending uint64 */
static int
cmp_u64(const void *a, const void *b, const void *ctx)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	(void) ctx;
	return x < y ? -1 : x > y;
}

#define DG_H		480			/* document height */
#define DG_L		76.0		/* frame left */
#define DG_S		348.0		/* frame width = height of the finite part */
#define DG_B		424.0		/* frame bottom */
#define DG_BAND		28.0		/* the band above the finite part holding the ∞ line */
#define DG_PAD		9.0			/* data inset from the frame */
#define DG_BIN_BITS 21			/* bits per binned coordinate in a marker key */

/* marker of homology dimension dim at (x, y); opacity < 0 inherits the group's */
static void
put_marker(TeText *t, int dim, double x, double y, double opacity)
{
	int			shape = dim % 5;

	if (shape == 0)
	{
		te_text_puts(t, "<circle");
		plot_put_attr(t, "cx", x);
		plot_put_attr(t, "cy", y);
		te_text_puts(t, " r=\"3.6\"");
	}
	else
	{
		te_text_puts(t, "<path d=\"M");
		switch (shape)
		{
			case 1:				/* triangle up */
				plot_put_xy(t, x, y - 4.6);
				te_text_puts(t, "l4 6.9h-8z");
				break;
			case 2:				/* square */
				plot_put_xy(t, x - 3.2, y - 3.2);
				te_text_puts(t, "h6.4v6.4h-6.4z");
				break;
			case 3:				/* diamond */
				plot_put_xy(t, x, y - 4.5);
				te_text_puts(t, "l4.5 4.5-4.5 4.5-4.5-4.5z");
				break;
			default:			/* triangle down */
				plot_put_xy(t, x, y + 4.6);
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

		if ((st = plot_poll(env, i)) != TE_OK)
			return st;
		bx = bx < 0 ? 0 : bx > maxb ? maxb : bx;
		by = by < 0 ? 0 : by > maxb ? maxb : by;
		keys[i] = ((uint64_t) pairs[i].dim << (2 * DG_BIN_BITS)) |
			((uint64_t) by << DG_BIN_BITS) | (uint64_t) bx;
	}
	return plot_merge_sort(env, keys, (size_t) n, sizeof(uint64_t), cmp_u64, NULL);
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

/*
 * the legend of a diagram: marker and "H1 (53)" per dimension present,
 * from baseline y down; returns the baseline an entry after it would take
 */
static double
diagram_legend(TeText *t, const PlotPairs *s, double x, double y)
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
		plot_buf_cat(buf, sizeof(buf), "H");
		plot_buf_cat_int(buf, sizeof(buf), d);
		plot_buf_cat(buf, sizeof(buf), " (");
		plot_buf_cat_int(buf, sizeof(buf), s->count[d]);
		plot_buf_cat(buf, sizeof(buf), ")");
		te_svg_text(t, x + 18.0, y, 13.0, "start", "fill=\"#222\"", buf, 0);
		y += 17.0;
		if (s->essential[d])
		{
			buf[0] = '\0';
			plot_buf_cat_int(buf, sizeof(buf), s->essential[d]);
			plot_buf_cat(buf, sizeof(buf), " essential (\xE2\x88\x9E)");
			te_svg_text(t, x + 18.0, y - 2.0, 11.0, "start", "fill=\"#666\"", buf, 0);
			y += 15.0;
		}
		y += 6.0;
	}
	return y;
}

/* the binning grid starts at this many pixels and doubles up to DG_BIN_MAX */
#define DG_BIN_START 0.5
#define DG_BIN_MAX	8.0

/* the frame's top: the ∞ band above the finite part */
#define DG_TOP		(DG_B - DG_S - DG_BAND)

/* the row of the ∞ line, within the band */
#define DG_INF_Y	(DG_TOP + 13.0)

/* the frame's right */
#define DG_RIGHT	(DG_L + DG_S)

/*
 * bin the markers into sorted keys (*keys, n of them), coarsening the grid
 * until few enough remain; *bin is the grid's pixel size
 */
static TeStatus
diagram_bin(TeEnv *env, const TePersPair *pairs, int64_t n, const TeAxis *ax,
			const TeAxis *ay, uint64_t **keys, double *bin)
{
	TeStatus	st;

	*bin = DG_BIN_START;
	*keys = NULL;
	if (n == 0)
		return TE_OK;
	*keys = te_alloc_array(env, (size_t) n, sizeof(uint64_t));
	if (*keys == NULL)
		return te_fail(env, TE_NOMEM, "out of memory for %lld diagram markers", (long long) n);
	for (;;)
	{
		if ((st = diagram_keys(env, pairs, n, ax, ay, DG_INF_Y, *bin, *keys)) != TE_OK)
		{
			te_free(env, *keys);
			*keys = NULL;
			return st;
		}
		if (count_distinct(*keys, n) <= TE_SVG_MAX_MARKERS || *bin >= DG_BIN_MAX)
			break;
		*bin *= 2.0;
	}
	return TE_OK;
}

/* frame, the region below the diagonal, grid, axes and the ∞ line */
static void
diagram_frame(TeText *t, const TeAxis *ax, const TeAxis *ay, const TeSvgOptions *opt)
{
	char		lab[160];

	te_text_puts(t, "<path fill=\"#f3f3f3\" d=\"M");
	plot_put_xy(t, DG_L, DG_B);
	te_text_puts(t, "L");
	plot_put_xy(t, DG_RIGHT, DG_B - DG_S);
	te_text_puts(t, "V");
	te_text_fixed(t, DG_B, 1);
	te_text_puts(t, "z\"/>\n");
	te_svg_xaxis(t, ax, DG_B, DG_B - DG_S, plot_unit_label(lab, sizeof(lab), "birth", opt->unit));
	te_svg_yaxis(t, ay, DG_L, DG_RIGHT, plot_unit_label(lab, sizeof(lab), "death", opt->unit), 24.0);
	te_text_puts(t, "<path stroke=\"#999\" stroke-width=\"1.2\" d=\"M");
	plot_put_xy(t, DG_L, DG_B);
	te_text_puts(t, "L");
	plot_put_xy(t, DG_RIGHT, DG_B - DG_S);
	te_text_puts(t, "\"/>\n");

	/* the ∞ line for essential classes */
	te_text_puts(t, "<path stroke=\"#777\" stroke-dasharray=\"5 4\" d=\"M");
	plot_put_xy(t, DG_L, DG_INF_Y);
	te_text_puts(t, "H");
	te_text_fixed(t, DG_RIGHT, 1);
	te_text_puts(t, "\"/>\n<path stroke=\"#555\" d=\"M");
	plot_put_xy(t, DG_L, DG_INF_Y);
	te_text_puts(t, "h-5\"/>\n");
	te_svg_text(t, DG_L - 8.0, DG_INF_Y + 5.0, 15.0, "end", "fill=\"#333\"", "\xE2\x88\x9E", 0);

	/* axes lines, broken between the finite part and the ∞ band */
	te_text_puts(t, "<path fill=\"none\" stroke=\"#444\" d=\"M");
	plot_put_xy(t, DG_RIGHT, DG_B);
	te_text_puts(t, "H");
	te_text_fixed(t, DG_L, 1);
	te_text_puts(t, "V");
	te_text_fixed(t, DG_B - DG_S, 1);
	te_text_puts(t, "M");
	plot_put_xy(t, DG_L, DG_B - DG_S - 7.0);
	te_text_puts(t, "V");
	te_text_fixed(t, DG_TOP, 1);
	te_text_puts(t, "M");
	plot_put_xy(t, DG_L - 4.0, DG_B - DG_S + 1.0);
	te_text_puts(t, "l8 -4M");
	plot_put_xy(t, DG_L - 4.0, DG_B - DG_S - 6.0);
	te_text_puts(t, "l8 -4\"/>\n");
}

/* the markers, lowest dimension first so that rarer classes stay on top */
static TeStatus
diagram_markers(TeEnv *env, TeText *t, const uint64_t *keys, int64_t n, double bin,
				const PlotPairs *s)
{
	TeStatus	st = TE_OK;
	int64_t		i,
				j;

	for (i = 0; i < n && st == TE_OK; i = j)
	{
		int			d = (int) (keys[i] >> (2 * DG_BIN_BITS));
		double		a = marker_alpha(s->count[d]);

		te_text_puts(t, "<g fill=\"");
		te_text_puts(t, te_svg_color(d));
		te_text_puts(t, "\" fill-opacity=\"");
		te_text_fixed(t, a, 2);
		te_text_puts(t, "\">\n");
		for (j = i; j < n && (int) (keys[j] >> (2 * DG_BIN_BITS)) == d;)
		{
			int64_t		k = j;
			uint64_t	mask = ((uint64_t) 1 << DG_BIN_BITS) - 1;
			double		x = DG_L + (double) (keys[j] & mask) * bin;
			double		y = DG_TOP + (double) ((keys[j] >> DG_BIN_BITS) & mask) * bin;

			/* essential classes are few and matter: draw them nearly opaque */
			double		ak = fabs(y - DG_INF_Y) <= bin ? fmax(a, 0.85) : a;

			while (k < n && keys[k] == keys[j])
				k++;
			/* k - j coincident markers: the opacity of their stack */
			put_marker(t, d, x, y, k - j > 1 || ak != a ?
					   1.0 - pow(1.0 - ak, (double) (k - j)) : -1.0);
			if ((st = plot_poll(env, j)) != TE_OK)
				break;
			j = k;
		}
		te_text_puts(t, "</g>\n");
	}
	return st;
}

/*
 * ring the highlighted pair hp (number k in the input) and caption it in
 * the legend column at (lx, ly)
 */
static void
diagram_highlight(TeText *t, const TeAxis *ax, const TeAxis *ay, const TePersPair *hp,
				  int64_t k, double lx, double ly)
{
	char		l1[80],
				l2[80];
	double		x = te_axis_map(ax, hp->birth);
	double		y = isinf(hp->death) ? DG_INF_Y : te_axis_map(ay, hp->death);

	te_text_puts(t, "<g class=\"highlight\" fill=\"none\" stroke=\"#111\">\n<circle");
	plot_put_attr(t, "cx", x);
	plot_put_attr(t, "cy", y);
	te_text_puts(t, " r=\"8\" stroke-width=\"2\"/>\n<path stroke-width=\"1\" d=\"M");
	plot_put_xy(t, x + 6.0, y - 6.0);
	te_text_puts(t, "l8 -8\"/>\n</g>\n");
	plot_highlight_caption(l1, l2, sizeof(l1), k, hp);
	te_text_puts(t, "<circle fill=\"none\" stroke=\"#111\" stroke-width=\"2\"");
	plot_put_attr(t, "cx", lx + 6.0);
	plot_put_attr(t, "cy", ly - 4.0);
	te_text_puts(t, " r=\"6\"/>\n");
	te_svg_text(t, lx + 18.0, ly, 12.0, "start", "fill=\"#111\" class=\"highlight\"", l1, 0);
	te_svg_text(t, lx + 18.0, ly + 15.0, 11.0, "start", "fill=\"#444\" class=\"highlight\"", l2, 0);
}

/* birth against death, one colour and marker shape per dimension */
TeStatus
te_svg_diagram(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title, char **out)
{
	return te_svg_diagram_ex(env, pairs, n, title, NULL, out);
}

/* the same, with options: the unit of the scale, a shared scale, the empty message, a pair to highlight */
TeStatus
te_svg_diagram_ex(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title,
				  const TeSvgOptions *opt, char **out)
{
	PlotPairs	s;
	TeStatus	st;
	TeText		t;
	TeAxis		ax,
				ay;
	double		lo,
				hi,
				bin;
	uint64_t   *keys;
	char		desc[512];
	const TePersPair *hp;
	double		legend_end;

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	if ((st = plot_summarise_pairs(env, pairs, n, &s)) != TE_OK)
		return st;
	if ((st = plot_highlighted(env, opt, pairs, n, &hp)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Persistence diagram";

	/* one range for both axes, so that the diagonal runs at 45 degrees */
	plot_pair_range(&s, &lo, &hi);
	plot_shared_scale(opt, &lo, &hi);
	te_axis_linear(&ax, lo, hi, 6, 0);
	ay = ax;
	te_axis_place(&ax, DG_L + DG_PAD, DG_RIGHT - DG_PAD);
	te_axis_place(&ay, DG_B - DG_PAD, DG_B - DG_S + DG_PAD);
	if ((st = diagram_bin(env, pairs, n, &ax, &ay, &keys, &bin)) != TE_OK)
		return st;

	te_text_init(&t, env);
	plot_pair_desc(desc, sizeof(desc), "Persistence diagram", &s);
	te_svg_begin(&t, PLOT_W, DG_H, title, desc);
	plot_put_title(&t, title, PLOT_W);
	diagram_frame(&t, &ax, &ay, opt);
	if (n == 0)
		plot_put_message(&t, (DG_L + DG_RIGHT) / 2.0, DG_B - DG_S / 2.0,
						 opt->empty ? opt->empty : "no pairs");
	st = diagram_markers(env, &t, keys, n, bin, &s);
	te_free(env, keys);

	legend_end = diagram_legend(&t, &s, DG_RIGHT + 24.0, DG_TOP + 18.0);
	/* the caption sits at the foot of the legend column, or below a long legend */
	if (hp && st == TE_OK)
		diagram_highlight(&t, &ax, &ay, hp, opt->highlight, DG_RIGHT + 24.0,
						  legend_end > DG_B - 24.0 ? legend_end : DG_B - 24.0);
	return plot_finish(&t, st, out);
}
