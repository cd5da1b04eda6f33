/*
 * plot_spectrum.c - the SVG eigenvalue spectrum: eigenvalues on a log axis,
 *                   one line per series, with rank markers
 *
 * Lines keep, per half-pixel column, the first, lowest, highest and last
 * point, which draws the same picture.  Eigenvalues below
 * TE_SVG_SPECTRUM_FLOOR times the largest are drawn on a floor line below a
 * break in the axis.  The labels of the dims_99 ticks are placed clear of
 * every line and of each other.
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

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

#define LABEL_SPOTS 96			/* candidate label offsets tried, at most */

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
			plot_buf_cat(buf, cap, "the only eigenvalue is zero or negative: a log scale cannot show it");
		else
		{
			plot_buf_cat(buf, cap, "all ");
			plot_buf_cat_int(buf, cap, nclip);
			plot_buf_cat(buf, cap, " eigenvalues are zero or negative: a log scale cannot show them");
		}
		return;
	}
	plot_buf_cat_int(buf, cap, nclip);
	plot_buf_cat(buf, cap, nclip == 1 ? " eigenvalue is" : " eigenvalues are");
	plot_buf_cat(buf, cap, " zero up to rounding; the line marked \xE2\x89\x88" "0 at the bottom shows ");
	plot_buf_cat(buf, cap, nclip == 1 ? "it" : "them");
}

/* what the phases of a spectrum plot share: the axes, the floor and the marks placed */
typedef struct SpecLayout
{
	const TeSpectrumSeries *series;
	int			nseries;
	double		gmax;			/* the largest eigenvalue (or the shared top) */
	int			nmax;			/* the longest series */
	int			any_er;			/* some series has an effective rank marker */
	int			any_d99;		/* some series has a dims_99 tick */
	int64_t		nclip;			/* eigenvalues on the floor line */
	int			clip_band;		/* room below the axis break for the floor line */
	double		floor_v;		/* eigenvalues below this are clipped */
	double		floor_px;		/* pixel row of the floor line */
	double		lp_r;			/* the right end of the plot */
	double		lp_legend;		/* the left end of the legend */
	TeAxis		ax;
	TeAxis		ay;
	SpectrumLines lines;		/* the lines as drawn, for the label placement */
	LabelBox	placed[3 * TE_SVG_MAX_SERIES];	/* markers and labels placed */
	int			nplaced;
	double		tick_x[TE_SVG_MAX_SERIES];	/* dims_99 tick of each series; */
	double		tick_y[TE_SVG_MAX_SERIES];	/* tick_x < 0: none */
} SpecLayout;

/* the least width of the legend, in pixels */
#define SP_MIN_LEGEND_W 100.0

/* series whose points are drawn as dots as well, at most this long */
#define SP_DOTS_MAX 40

/* check the series; note the largest eigenvalue, the longest series and the markers */
static TeStatus
spec_check(TeEnv *env, const TeSpectrumSeries *series, int nseries, SpecLayout *L)
{
	TeStatus	st;
	int			k,
				i;

	if ((st = plot_check_nseries(env, "spectrum plot", nseries, series)) != TE_OK)
		return st;
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

			if ((st = plot_poll(env, i)) != TE_OK)
				return st;
			if (isnan(v))
				return te_fail(env, TE_INVALID, "NaN not allowed in eigenvalue %d of series %d",
							   i + 1, k + 1);
			if (isinf(v))
				return te_fail(env, TE_INVALID, "eigenvalue %d of series %d is infinite",
							   i + 1, k + 1);
			if (v > L->gmax)
				L->gmax = v;
		}
		if (s->n > L->nmax)
			L->nmax = s->n;
		L->any_er |= s->effective_rank > 0.0 && s->n > 0;
		L->any_d99 |= s->dims_99 > 0 && s->n > 0;
	}
	return TE_OK;
}

/* the width of the legend: the longest label, or the longest line of numbers */
static double
spec_legend_width(const TeSpectrumSeries *series, int nseries)
{
	double		legend_w = SP_MIN_LEGEND_W;
	char		buf[160];
	int			k;

	for (k = 0; k < nseries; k++)
	{
		const TeSpectrumSeries *s = &series[k];
		double		w = 30.0 + plot_label_width(plot_series_label(s->label, k, buf, sizeof(buf)), 12.0);
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
	return legend_w;
}

/*
 * the axes: a log eigenvalue axis down to the floor (clipped values go on a
 * floor line below a break in the axis) and an index axis
 */
static void
spec_axes(const TeSvgOptions *opt, SpecLayout *L)
{
	double		ymin = INFINITY;
	int			shared,
				k,
				i;

	/*
	 * A shared range widens the axis; the floor follows the shared top, so
	 * that panels sharing the range clip alike.
	 */
	shared = opt->y_max > 0.0 || opt->y_min > 0.0;
	if (L->gmax > 0.0 && opt->y_max > L->gmax)
		L->gmax = opt->y_max;

	/* clip to a floor far below the largest eigenvalue */
	L->floor_v = L->gmax * TE_SVG_SPECTRUM_FLOOR;
	for (k = 0; k < L->nseries; k++)
		for (i = 0; i < L->series[k].n; i++)
		{
			double		v = L->series[k].eigenvalues[i];

			if (v < L->floor_v || v <= 0.0)
				L->nclip++;
			else if (v < ymin)
				ymin = v;
		}
	if (L->gmax > 0.0 && opt->y_min >= L->floor_v && opt->y_min < ymin)
		ymin = opt->y_min;
	if (!isfinite(ymin))
		ymin = L->gmax;
	if (L->gmax > 0.0)
		te_axis_log(&L->ay, ymin, L->gmax, 1, 0);
	else
		te_axis_log(&L->ay, 1.0, 1.0, 1, 0);
	/* panels that share a range keep the room for the floor line alike */
	L->clip_band = (L->nclip > 0 || shared) && L->gmax > 0.0;
	L->floor_px = LP_B - 10.0;
	te_axis_place(&L->ay, L->clip_band ? LP_B - 32.0 : LP_B - 4.0, LP_T + 4.0);
	if (L->nmax > 50)
		te_axis_log(&L->ax, 1.0, (double) L->nmax, 0, 1);
	else
		te_axis_linear(&L->ax, 1.0, L->nmax > 1 ? (double) L->nmax : 1.0, 6, 1);
	te_axis_place(&L->ax, LP_L + 6.0, L->lp_r - 6.0);
	L->lines.series = L->series;
	L->lines.nseries = L->nseries;
	L->lines.ax = &L->ax;
	L->lines.ay = &L->ay;
	L->lines.floor_v = L->floor_v;
	L->lines.floor_px = L->floor_px;
}

/* the document's description: each series, its length and its markers */
static void
spec_desc(char *desc, size_t cap, const SpecLayout *L, const TeSvgOptions *opt)
{
	int			k;

	desc[0] = '\0';
	plot_buf_cat(desc, cap, "Eigenvalue spectrum:");
	for (k = 0; k < L->nseries; k++)
	{
		const TeSpectrumSeries *s = &L->series[k];

		plot_desc_series(desc, cap, k, s->label, s->n, " eigenvalues");
		if (s->effective_rank > 0)
		{
			plot_buf_cat(desc, cap, ", effective rank ");
			plot_buf_cat_num(desc, cap, s->effective_rank, 4);
		}
		if (s->dims_99 > 0)
		{
			plot_buf_cat(desc, cap, ", 99% of variance in ");
			plot_buf_cat_int(desc, cap, s->dims_99);
			plot_buf_cat(desc, cap, " dimensions");
		}
	}
	if (L->nseries == 0)
		plot_buf_cat(desc, cap, opt->empty ? " no data" : " no series");
}

/* axes, frame, the floor line, and the message of a plot without positive values */
static void
spec_frame(TeText *t, const SpecLayout *L, const TeSvgOptions *opt)
{
	te_svg_xaxis(t, &L->ax, LP_B, LP_T,
				 L->nmax > 50 ? "principal component (log scale)" : "principal component");
	te_svg_yaxis(t, &L->ay, LP_L, L->lp_r, "eigenvalue (log scale)", 22.0);
	plot_put_frame(t, L->lp_r, L->clip_band ? LP_B - 21.0 : 0.0);

	if (L->clip_band && L->nclip > 0)
	{
		te_text_puts(t, "<path stroke=\"#888\" stroke-dasharray=\"5 4\" d=\"M");
		plot_put_xy(t, LP_L, L->floor_px);
		te_text_puts(t, "H");
		te_text_fixed(t, L->lp_r, 1);
		te_text_puts(t, "M");
		plot_put_xy(t, LP_L, L->floor_px);
		te_text_puts(t, "h-5\"/>\n");
		te_svg_text(t, LP_L - 8.0, L->floor_px + 4.0, 11.0, "end", "fill=\"#333\"", "\xE2\x89\x88" "0", 0);
	}
	if (L->gmax <= 0.0)
		plot_put_message(t, (LP_L + L->lp_r) / 2.0, (LP_T + LP_B) / 2.0,
						 L->nseries == 0 ? (opt->empty ? opt->empty : "no series") :
						 L->nmax > 0 ? "no positive eigenvalues" : "no eigenvalues");
}

/* the line of each series, thinned; short series get a dot per eigenvalue too */
static TeStatus
spec_lines(TeEnv *env, TeText *t, const SpecLayout *L)
{
	TeStatus	st = TE_OK;
	int			k,
				i;

	for (k = 0; k < L->nseries && st == TE_OK; k++)
	{
		const TeSpectrumSeries *s = &L->series[k];
		PlotThin	th;

		if (s->n == 0)
			continue;
		te_text_puts(t, "<g class=\"series\">");
		plot_put_line_start(t, k, 2.0);
		plot_thin_init(&th, t);
		for (i = 0; i < s->n; i++)
		{
			plot_thin_add(&th, te_axis_map(&L->ax, i + 1.0),
						  eig_y(s, i, L->floor_v, &L->ay, L->floor_px));
			if ((st = plot_poll(env, i)) != TE_OK)
				break;
		}
		plot_thin_flush(&th);
		te_text_puts(t, "\"/></g>\n");
		if (s->n <= SP_DOTS_MAX)
		{
			te_text_puts(t, "<g fill=\"");
			te_text_puts(t, te_svg_color(k));
			te_text_puts(t, "\">");
			for (i = 0; i < s->n; i++)
			{
				te_text_puts(t, "<circle");
				plot_put_attr(t, "cx", te_axis_map(&L->ax, i + 1.0));
				plot_put_attr(t, "cy", eig_y(s, i, L->floor_v, &L->ay, L->floor_px));
				te_text_puts(t, " r=\"2.6\"/>");
			}
			te_text_puts(t, "</g>\n");
		}
	}
	return st;
}

/* remember the box (x0, y0)-(x1, y1) as taken */
static void
spec_place(SpecLayout *L, double x0, double y0, double x1, double y1)
{
	L->placed[L->nplaced].x0 = x0;
	L->placed[L->nplaced].x1 = x1;
	L->placed[L->nplaced].y0 = y0;
	L->placed[L->nplaced].y1 = y1;
	L->nplaced++;
}

/* the dot of series k at its effective rank, on the drawn segment there */
static void
spec_rank_dot(TeText *t, SpecLayout *L, int k)
{
	const TeSpectrumSeries *s = &L->series[k];
	double		xr = s->effective_rank < 1.0 ? 1.0 :
		s->effective_rank > s->n ? (double) s->n : s->effective_rank;
	int			i0 = (int) floor(xr);
	int			i1 = i0 < s->n ? i0 + 1 : s->n;
	double		px = te_axis_map(&L->ax, xr);
	double		x0 = te_axis_map(&L->ax, (double) i0);
	double		x1 = te_axis_map(&L->ax, (double) i1);
	double		y0 = eig_y(s, i0 - 1, L->floor_v, &L->ay, L->floor_px);
	double		y1 = eig_y(s, i1 - 1, L->floor_v, &L->ay, L->floor_px);

	/* on the drawn segment between indices i0 and i1 */
	double		py = x1 > x0 ? y0 + (px - x0) / (x1 - x0) * (y1 - y0) : y0;

	te_text_puts(t, "<circle");
	plot_put_attr(t, "cx", px);
	plot_put_attr(t, "cy", py);
	te_text_puts(t, " r=\"5\" stroke=\"#fff\" stroke-width=\"1.5\" fill=\"");
	te_text_puts(t, te_svg_color(k));
	te_text_puts(t, "\"/>\n");
	spec_place(L, px - 6.0, py - 6.0, px + 6.0, py + 6.0);
}

/* markers: a dot at the effective rank, a tick at dims_99; both kept clear of the labels */
static void
spec_markers(TeText *t, SpecLayout *L)
{
	int			k;

	for (k = 0; k < L->nseries && L->gmax > 0.0; k++)
	{
		const TeSpectrumSeries *s = &L->series[k];

		L->tick_x[k] = -1.0;
		if (s->n > 0 && s->effective_rank > 0.0)
			spec_rank_dot(t, L, k);
		if (s->n > 0 && s->dims_99 > 0)
		{
			int			xd = s->dims_99 > s->n ? s->n : s->dims_99;
			double		tx = te_axis_map(&L->ax, (double) xd);
			double		ty = eig_y(s, xd - 1, L->floor_v, &L->ay, L->floor_px);

			L->tick_x[k] = tx;
			L->tick_y[k] = ty;
			te_text_puts(t, "<path stroke-width=\"2.5\" stroke=\"");
			te_text_puts(t, te_svg_color(k));
			te_text_puts(t, "\" d=\"M");
			plot_put_xy(t, tx, ty - 9.0);
			te_text_puts(t, "v18\"/>\n");
			spec_place(L, tx - 2.0, ty - 9.0, tx + 2.0, ty + 9.0);
		}
	}
}

/*
 * the nearest free place for the label of series k, w wide, clear of every
 * line, marker and other label: its box in *b and its spot in *chosen;
 * 0 when nothing is free
 */
static int
spec_find_spot(const SpecLayout *L, int k, double w, LabelBox *b, LabelSpot *chosen)
{
	LabelSpot	spot[LABEL_SPOTS];
	int			nspot = label_spots(spot, w),
				o;

	for (o = 0; o < nspot; o++)
	{
		LabelBox	m;
		double		cx = L->tick_x[k] + spot[o].dx,
					by = L->tick_y[k] + spot[o].dy;

		b->x0 = cx - w / 2.0;
		b->x1 = cx + w / 2.0;
		b->y0 = by - 10.0;
		b->y1 = by + 2.0;
		/* a margin around the box, so that no line grazes the text */
		m.x0 = b->x0 - 1.5;
		m.x1 = b->x1 + 1.5;
		m.y0 = b->y0 - 1.5;
		m.y1 = b->y1 + 1.5;
		if (b->x0 >= LP_L + 2.0 && b->x1 <= L->lp_r - 2.0 && b->y0 >= LP_T &&
			b->y1 <= L->floor_px - 6.0 &&
			!box_collides(L->placed, L->nplaced, &m) && !lines_hit_box(&L->lines, &m))
		{
			*chosen = spot[o];
			return 1;
		}
	}
	return 0;
}

/*
 * The dims_99 numbers: each at the nearest place that is clear of every
 * line, marker and other number, with a thin leader when it had to move
 * away from its tick; where nothing is free, the legend has the number.
 */
static TeStatus
spec_tick_labels(TeEnv *env, TeText *t, SpecLayout *L)
{
	TeStatus	st = TE_OK;
	int			k;

	for (k = 0; k < L->nseries && L->gmax > 0.0 && st == TE_OK; k++)
	{
		char		num[TE_NUMBUF];
		double		w;
		int			found;
		LabelBox	b = {0};
		LabelSpot	spot = {0};

		if (L->tick_x[k] < 0.0)
			continue;
		te_format_int(num, L->series[k].dims_99);
		w = te_text_width(num, 10.5) + 4.0;
		found = spec_find_spot(L, k, w, &b, &spot);
		if ((st = te_check(env)) != TE_OK)
			break;
		if (!found)
			continue;
		L->placed[L->nplaced++] = b;
		if (fabs(spot.dy) > 14.0 || spot.dx != 0.0)
		{
			/* the leader: from the end of the tick towards the label */
			double		ty = spot.dy < 0.0 ? L->tick_y[k] - 9.0 : L->tick_y[k] + 9.0;
			double		lx = (b.x0 + b.x1) / 2.0;
			double		lyy = spot.dy < 0.0 ? b.y1 + 1.0 : b.y0 - 1.0;

			te_text_puts(t, "<path stroke-width=\"0.8\" stroke-opacity=\"0.7\" stroke=\"");
			te_text_puts(t, te_svg_color(k));
			te_text_puts(t, "\" d=\"M");
			plot_put_xy(t, L->tick_x[k], ty);
			te_text_puts(t, "L");
			plot_put_xy(t, lx, lyy);
			te_text_puts(t, "\"/>\n");
		}
		te_text_puts(t, "<g class=\"mark-label\">");
		put_halo_text(t, (b.x0 + b.x1) / 2.0, b.y1 - 2.0, 10.5, te_svg_color(k), num);
		te_text_puts(t, "</g>\n");
	}
	return st;
}

/* the legend line of series k's numbers at row ly: effective rank and dims_99 */
static void
spec_legend_numbers(TeText *t, const SpecLayout *L, int k, double ly)
{
	const TeSpectrumSeries *s = &L->series[k];
	double		lx = L->lp_legend + 30.0;
	char		buf[160];

	if (s->effective_rank > 0.0)
	{
		te_text_puts(t, "<circle");
		plot_put_attr(t, "cx", lx + 3.0);
		plot_put_attr(t, "cy", ly - 3.5);
		te_text_puts(t, " r=\"3.5\" fill=\"");
		te_text_puts(t, te_svg_color(k));
		te_text_puts(t, "\"/>\n");
		buf[0] = '\0';
		plot_buf_cat_num(buf, sizeof(buf), s->effective_rank, 4);
		te_svg_text(t, lx + 10.0, ly, 10.5, "start", "fill=\"#444\"", buf, 0);
		lx += 20.0 + te_text_width(buf, 10.5);
	}
	if (s->dims_99 > 0)
	{
		te_text_puts(t, "<path stroke-width=\"2\" stroke=\"");
		te_text_puts(t, te_svg_color(k));
		te_text_puts(t, "\" d=\"M");
		plot_put_xy(t, lx + 2.0, ly - 8.0);
		te_text_puts(t, "v9\"/>\n");
		buf[0] = '\0';
		plot_buf_cat_int(buf, sizeof(buf), s->dims_99);
		te_svg_text(t, lx + 8.0, ly, 10.5, "start", "fill=\"#444\"", buf, 0);
	}
}

/* the key of the markers below the legend, from row ly */
static void
spec_legend_key(TeText *t, const SpecLayout *L, double ly)
{
	ly += 6.0;
	te_text_puts(t, "<g fill=\"#555\">\n");
	if (L->any_er)
	{
		te_text_puts(t, "<circle");
		plot_put_attr(t, "cx", L->lp_legend + 6.0);
		plot_put_attr(t, "cy", ly - 3.5);
		te_text_puts(t, " r=\"3.5\"/>\n");
		te_svg_text(t, L->lp_legend + 14.0, ly, 10.5, "start", NULL, "effective rank", 0);
		ly += 15.0;
	}
	if (L->any_d99)
	{
		te_text_puts(t, "<path stroke-width=\"2\" stroke=\"#555\" d=\"M");
		plot_put_xy(t, L->lp_legend + 6.0, ly - 8.0);
		te_text_puts(t, "v9\"/>\n");
		te_svg_text(t, L->lp_legend + 14.0, ly, 10.5, "start", NULL,
					"99% of variance", 0);
	}
	te_text_puts(t, "</g>\n");
}

/* the legend, right of the plot; without the numbers if they do not fit */
static void
spec_legend(TeText *t, const SpecLayout *L)
{
	double		ly = 0.0;
	char		buf[160];
	int			compact,
				k;

	for (k = 0; k < L->nseries; k++)
		ly += 22.0 + ((L->series[k].effective_rank > 0.0 || L->series[k].dims_99 > 0) &&
					  L->series[k].n > 0 ? 14.0 : 0.0);
	compact = ly + 40.0 > LP_H - LP_T - 10.0;
	ly = LP_T + 10.0;
	for (k = 0; k < L->nseries; k++)
	{
		const TeSpectrumSeries *s = &L->series[k];

		plot_put_swatch(t, k, L->lp_legend, ly - 4.0);
		plot_put_legend_label(t, L->lp_legend, ly, plot_series_label(s->label, k, buf, sizeof(buf)));
		ly += compact ? 10.0 : 15.0;
		if ((s->effective_rank > 0.0 || s->dims_99 > 0) && s->n > 0 && !compact)
		{
			spec_legend_numbers(t, L, k, ly);
			ly += 14.0;
		}
		ly += 7.0;
	}
	if (L->any_er || L->any_d99)
		spec_legend_key(t, L, ly);
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
	SpecLayout	layout,
			   *L;
	char		desc[512];
	char		buf[160];

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	memset(&layout, 0, sizeof(layout));
	L = &layout;
	L->series = series;
	L->nseries = nseries;
	if ((st = spec_check(env, series, nseries, L)) != TE_OK)
		return st;
	if (title == NULL)
		title = "Eigenvalue spectrum";
	L->lp_r = plot_right(spec_legend_width(series, nseries));
	L->lp_legend = L->lp_r + 22.0;
	spec_axes(opt, L);

	te_text_init(&t, env);
	spec_desc(desc, sizeof(desc), L, opt);
	te_svg_begin(&t, PLOT_W, LP_H, title, desc);
	plot_put_title(&t, title, PLOT_W);
	if (L->nclip > 0)
	{
		clip_subtitle(buf, sizeof(buf), L->nclip, L->gmax);
		plot_put_subtitle(&t, buf, PLOT_W);
	}
	spec_frame(&t, L, opt);
	if (L->gmax > 0.0)
		st = spec_lines(env, &t, L);
	spec_markers(&t, L);
	if (st == TE_OK)
		st = spec_tick_labels(env, &t, L);
	spec_legend(&t, L);
	return plot_finish(&t, st, out);
}
