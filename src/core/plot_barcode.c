/*
 * plot_barcode.c - the SVG persistence barcode: one bar per pair, grouped
 *                  by homology dimension
 *
 * A barcode shows at most TE_SVG_MAX_BARS bars, the longest of each
 * dimension, and says so in its subtitle.
 */
#include "svg_internal.h"

#include <math.h>
#include <string.h>

#define BC_L		74.0		/* bars start right of the dimension labels */
#define BC_R		578.0		/* the right end of the finite range */
#define BC_INF		622.0		/* infinite bars end here, with an arrow */
#define BC_T		58.0		/* top of the bars */
#define BC_GAP		12.0		/* space between dimensions */
#define BC_AXIS		58.0		/* room for the x axis below the bars */
#define BC_FIT_H	480.0		/* the document height the bars are fitted into */

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
bar_budget(const PlotPairs *s, int64_t *show)
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

/* what the phases of a barcode share: the bars shown and where they go */
typedef struct BarLayout
{
	int64_t		show[TE_SVG_MAX_DIM + 1];	/* bars shown per dimension */
	int64_t		start[TE_SVG_MAX_DIM + 2];	/* each dimension's first index in idx */
	int64_t    *idx;			/* pair indices grouped by dimension, sorted */
	int64_t		total;			/* bars shown in all */
	int			last_dim;		/* highest dimension with a bar shown, or -1 */
	int			capped;			/* some dimension shows fewer than it has */
	int			swapped_in;		/* the highlighted bar replaced the shortest shown */
	TeAxis		ax;
	double		pitch_d[TE_SVG_MAX_DIM + 1];	/* bar spacing per dimension */
	double		bars_h;			/* the height of all bars and gaps */
	double		bottom;			/* pixel row of the x axis */
	int			height;			/* of the document */
} BarLayout;

/* the largest bar spacing, in pixels */
#define BC_MAX_PITCH 16.0

/* the least height of the bar area, so that an empty barcode has room for its message */
#define BC_MIN_BARS_H 64.0

/*
 * choose the bars to show: indices grouped by dimension, each group cut to
 * its share of the budget (the longest bars, and the highlighted one hl in
 * place of the shortest of them if it is not among them; hl < 0: none) and
 * then sorted by birth
 */
static TeStatus
bar_select(TeEnv *env, const TePersPair *pairs, int64_t n, const PlotPairs *s, int64_t hl,
		   BarLayout *L)
{
	BarCtx		ctx;
	int64_t		fill[TE_SVG_MAX_DIM + 1];
	int64_t		i;
	int			d;
	TeStatus	st = TE_OK;

	ctx.pairs = pairs;
	if (n <= TE_SVG_MAX_BARS)
		memcpy(L->show, s->count, sizeof(L->show));
	else
		bar_budget(s, L->show);
	if (n == 0)
		return TE_OK;
	L->idx = te_alloc_array(env, (size_t) n, sizeof(int64_t));
	if (L->idx == NULL)
		return te_fail(env, TE_NOMEM, "out of memory for %lld bars", (long long) n);
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		L->start[d + 1] = L->start[d] + s->count[d];
	memcpy(fill, L->start, sizeof(fill));
	for (i = 0; i < n; i++)
		L->idx[fill[pairs[i].dim]++] = i;
	for (d = 0; d <= TE_SVG_MAX_DIM && st == TE_OK; d++)
	{
		if (L->show[d] < s->count[d])
		{
			L->capped = 1;
			st = plot_merge_sort(env, L->idx + L->start[d], (size_t) s->count[d],
								 sizeof(int64_t), cmp_longest, &ctx);
			if (st == TE_OK && hl >= 0 && pairs[hl].dim == d && L->show[d] > 0)
			{
				int64_t		j,
							last = L->start[d] + L->show[d] - 1;

				for (j = last + 1; j < L->start[d + 1]; j++)
					if (L->idx[j] == hl)
					{
						L->idx[j] = L->idx[last];
						L->idx[last] = hl;
						L->swapped_in = 1;
						break;
					}
			}
		}
		if (st == TE_OK)
			st = plot_merge_sort(env, L->idx + L->start[d], (size_t) L->show[d],
								 sizeof(int64_t), cmp_birth, &ctx);
		L->total += L->show[d];
		if (L->show[d])
			L->last_dim = d;
	}
	if (st != TE_OK)
	{
		te_free(env, L->idx);
		L->idx = NULL;
	}
	return st;
}

/* the scale axis over the range of the bars shown (or the shared scale) */
static void
bar_axis(const TePersPair *pairs, const TeSvgOptions *opt, BarLayout *L)
{
	PlotPairs	r;
	double		lo,
				hi;
	int64_t		i;
	int			d;

	memset(&r, 0, sizeof(r));
	r.lo = INFINITY;
	r.hi = -INFINITY;
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		for (i = L->start[d]; i < L->start[d] + L->show[d]; i++)
		{
			const TePersPair *p = &pairs[L->idx[i]];

			r.lo = fmin(r.lo, p->birth);
			r.hi = fmax(r.hi, p->birth);
			if (!isinf(p->death))
			{
				r.lo = fmin(r.lo, p->death);
				r.hi = fmax(r.hi, p->death);
			}
			r.have_finite = 1;
		}
	plot_pair_range(&r, &lo, &hi);
	plot_shared_scale(opt, &lo, &hi);
	te_axis_linear(&L->ax, lo, hi, 7, 0);
	te_axis_place(&L->ax, BC_L + 6.0, BC_R);
}

/*
 * share the height among the dimensions by the square root of their bar
 * counts, so that a few H2 bars are not squeezed flat by many H0 bars;
 * bars are at most BC_MAX_PITCH px apart
 */
static void
bar_heights(int ngroups, BarLayout *L)
{
	double		avail,
				wsum = 0.0;
	int			d;

	avail = BC_FIT_H - BC_T - BC_AXIS - 8.0 - BC_GAP * (ngroups > 1 ? ngroups - 1 : 0);
	L->bars_h = BC_GAP * (ngroups > 1 ? ngroups - 1 : 0);
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		wsum += sqrt((double) L->show[d]);
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
	{
		L->pitch_d[d] = BC_MAX_PITCH;
		if (L->show[d] == 0)
			continue;
		L->pitch_d[d] = avail * sqrt((double) L->show[d]) / wsum / (double) L->show[d];
		if (L->pitch_d[d] > BC_MAX_PITCH)
			L->pitch_d[d] = BC_MAX_PITCH;
		L->bars_h += L->pitch_d[d] * (double) L->show[d];
	}
	if (L->bars_h < BC_MIN_BARS_H)
		L->bars_h = BC_MIN_BARS_H;
	L->bottom = BC_T + L->bars_h + 8.0;
	L->height = (int) ceil(L->bottom + BC_AXIS);
}

/*
 * "showing the longest bars: H0 250 of 1000, ..." for the dimensions cut
 * short ("the longest bars and the outlined one" when it was swapped in)
 */
static void
bar_subtitle(TeText *t, const PlotPairs *s, const BarLayout *L)
{
	char		sub[256];
	int			first = 1,
				d;

	sub[0] = '\0';
	plot_buf_cat(sub, sizeof(sub), L->swapped_in ? "showing the longest bars and the outlined one: "
				 : "showing the longest bars: ");
	for (d = 0; d <= TE_SVG_MAX_DIM; d++)
	{
		if (L->show[d] == s->count[d])
			continue;
		if (!first)
			plot_buf_cat(sub, sizeof(sub), ", ");
		first = 0;
		plot_buf_cat(sub, sizeof(sub), "H");
		plot_buf_cat_int(sub, sizeof(sub), d);
		plot_buf_cat(sub, sizeof(sub), " ");
		plot_buf_cat_int(sub, sizeof(sub), L->show[d]);
		plot_buf_cat(sub, sizeof(sub), " of ");
		plot_buf_cat_int(sub, sizeof(sub), s->count[d]);
	}
	plot_put_subtitle(t, sub, PLOT_W);
}

/* the x axis, its line to the ∞ column, and the dashed ∞ column itself */
static void
bar_frame(TeText *t, const TeSvgOptions *opt, const BarLayout *L)
{
	te_svg_xaxis(t, &L->ax, L->bottom, BC_T - 6.0,
				 opt->unit && *opt->unit ? opt->unit : "filtration value");
	te_text_puts(t, "<path stroke=\"#444\" d=\"M");
	plot_put_xy(t, BC_L, L->bottom);
	te_text_puts(t, "H");
	te_text_fixed(t, BC_INF + 4.0, 1);
	te_text_puts(t, "M");
	plot_put_xy(t, BC_INF, L->bottom);
	te_text_puts(t, "v5\"/>\n<path stroke=\"#aaa\" stroke-dasharray=\"3 3\" d=\"M");
	plot_put_xy(t, BC_INF, L->bottom);
	te_text_puts(t, "V");
	te_text_fixed(t, BC_T - 6.0, 1);
	te_text_puts(t, "\"/>\n");
	te_svg_text(t, BC_INF, L->bottom + 19.0, 15.0, "middle", "fill=\"#333\"", "\xE2\x88\x9E", 0);
}

/* outline the highlighted bar, from x0 to x1 at row y, of thickness thick */
static void
bar_highlight(TeText *t, double x0, double x1, double y, double thick)
{
	double		h = thick + 4.0 < 6.0 ? 6.0 : thick + 4.0;

	te_text_puts(t, "<rect class=\"highlight\" fill=\"none\" stroke=\"#111\" stroke-width=\"1.6\"");
	plot_put_attr(t, "x", x0 - 2.0);
	plot_put_attr(t, "y", y - h / 2.0);
	plot_put_attr(t, "width", x1 - x0 + 4.0);
	plot_put_attr(t, "height", h);
	te_text_puts(t, "/>\n");
}

/*
 * the bars of dimension d as one path from row *y down (thin bars overlap
 * a little: one path, so no seams and no darker overlaps), then arrow heads
 * on its infinite bars; *y ends at the bottom of the group
 */
static TeStatus
bar_group_bars(TeEnv *env, TeText *t, const TePersPair *pairs, const BarLayout *L, int d,
			   int64_t hl, double *y)
{
	double		pitch = L->pitch_d[d];
	double		thick = pitch >= 4.0 ? pitch * 0.72 : pitch >= 2.5 ? pitch * 0.8 : pitch + 0.3;
	double		y0 = *y;
	double		hx0 = 0.0,
				hx1 = 0.0,
				hy = -1.0;
	int64_t		i;
	int			ninf = 0;
	TeStatus	st = TE_OK;

	*y += pitch / 2.0;			/* centre of the first bar */
	te_text_puts(t, "<path fill=\"none\" stroke=\"");
	te_text_puts(t, te_svg_color(d));
	te_text_puts(t, "\" stroke-width=\"");
	te_text_fixed(t, thick, 2);
	te_text_puts(t, "\" d=\"");
	for (i = L->start[d]; i < L->start[d] + L->show[d]; i++)
	{
		const TePersPair *p = &pairs[L->idx[i]];
		double		x0 = te_axis_map(&L->ax, p->birth);
		double		x1 = isinf(p->death) ? BC_INF - 7.0 : te_axis_map(&L->ax, p->death);

		if (x1 - x0 < 1.0)
			x1 = x0 + 1.0;		/* a zero-length bar stays visible */
		te_text_putc(t, 'M');
		plot_put_xy(t, x0, *y);
		te_text_putc(t, 'H');
		te_text_fixed(t, x1, 1);
		if (L->idx[i] == hl)
		{
			hx0 = x0;
			hx1 = isinf(p->death) ? BC_INF : x1;
			hy = *y;
		}
		ninf += isinf(p->death) ? 1 : 0;
		*y += pitch;
		if ((st = plot_poll(env, i)) != TE_OK)
			break;
	}
	te_text_puts(t, "\"/>\n");
	*y -= pitch / 2.0;			/* bottom of the group */

	if (ninf)
	{
		double		ah = thick > 7.0 ? thick : 7.0;
		double		yy = y0 + pitch / 2.0;

		te_text_puts(t, "<path fill=\"");
		te_text_puts(t, te_svg_color(d));
		te_text_puts(t, "\" d=\"");
		for (i = L->start[d]; i < L->start[d] + L->show[d]; i++, yy += pitch)
		{
			if (!isinf(pairs[L->idx[i]].death))
				continue;
			te_text_putc(t, 'M');
			plot_put_xy(t, BC_INF - 8.0, yy - ah / 2.0);
			te_text_puts(t, "L");
			plot_put_xy(t, BC_INF, yy);
			te_text_puts(t, "L");
			plot_put_xy(t, BC_INF - 8.0, yy + ah / 2.0);
			te_text_putc(t, 'z');
		}
		te_text_puts(t, "\"/>\n");
	}
	if (hy >= 0.0)
		bar_highlight(t, hx0, hx1, hy, thick);
	return st;
}

/*
 * the label "H1 (53)" of the group spanning rows y0..y1, kept clear of the
 * previous one (*last_label): two lines where there is room
 */
static void
bar_group_label(TeText *t, int d, int64_t count, double y0, double y1, double *last_label)
{
	char		lab[32];
	char		cnt[32];
	double		ly;
	int			two;

	lab[0] = '\0';
	plot_buf_cat(lab, sizeof(lab), "H");
	plot_buf_cat_int(lab, sizeof(lab), d);
	cnt[0] = '\0';
	plot_buf_cat(cnt, sizeof(cnt), " (");
	plot_buf_cat_int(cnt, sizeof(cnt), count);
	plot_buf_cat(cnt, sizeof(cnt), ")");
	two = y1 - y0 >= 34.0;
	ly = (y0 + y1) / 2.0 + (two ? -1.0 : 5.0);
	if (ly < *last_label + 18.0)
		ly = *last_label + 18.0;
	*last_label = ly + (two ? 14.0 : 0.0);
	te_text_puts(t, "<text");
	plot_put_attr(t, "x", BC_L - 10.0);
	plot_put_attr(t, "y", ly);
	te_text_puts(t, " text-anchor=\"end\"><tspan font-size=\"14\" font-weight=\"bold\" fill=\"");
	te_text_puts(t, te_svg_color(d));
	te_text_puts(t, "\">");
	te_text_escape(t, lab, 0);
	te_text_puts(t, "</tspan>");
	if (two)
	{
		te_text_puts(t, "<tspan");
		plot_put_attr(t, "x", BC_L - 10.0);
		te_text_puts(t, " dy=\"14\"");
	}
	else
		te_text_puts(t, "<tspan");
	te_text_puts(t, " font-size=\"10.5\" fill=\"#666\">");
	te_text_escape(t, two ? cnt + 1 : cnt, 0);
	te_text_puts(t, "</tspan></text>\n");
}

/* the bars, dimension by dimension from the top, each group labelled */
static TeStatus
bar_groups(TeEnv *env, TeText *t, const TePersPair *pairs, const PlotPairs *s,
		   const BarLayout *L, int64_t hl)
{
	double		y = BC_T,
				last_label = -1e9;
	int			d;
	TeStatus	st = TE_OK;

	for (d = 0; d <= TE_SVG_MAX_DIM && st == TE_OK; d++)
	{
		double		y0 = y;		/* top of the group */

		if (!L->show[d])
			continue;
		st = bar_group_bars(env, t, pairs, L, d, hl, &y);
		bar_group_label(t, d, s->count[d], y0, y, &last_label);

		/* a faint rule between dimensions */
		y += BC_GAP;
		if (d < L->last_dim)
		{
			te_text_puts(t, "<path stroke=\"#ddd\" d=\"M");
			plot_put_xy(t, BC_L - 40.0, y - BC_GAP / 2.0);
			te_text_puts(t, "H");
			te_text_fixed(t, BC_INF, 1);
			te_text_puts(t, "\"/>\n");
		}
	}
	return st;
}

/* the caption of the highlighted pair (number k), right-aligned at the foot */
static void
bar_caption(TeText *t, const TePersPair *hp, int64_t k, const BarLayout *L)
{
	char		l1[80],
				l2[80],
				both[168];

	plot_highlight_caption(l1, l2, sizeof(l1), k, hp);
	both[0] = '\0';
	plot_buf_cat(both, sizeof(both), "outlined: ");
	plot_buf_cat(both, sizeof(both), l1);
	plot_buf_cat(both, sizeof(both), ", ");
	plot_buf_cat(both, sizeof(both), l2);
	te_svg_text(t, BC_INF, L->height - 6.0, 11.0, "end", "fill=\"#111\" class=\"highlight\"", both, 0);
}

/* one horizontal bar per pair, grouped by dimension */
TeStatus
te_svg_barcode(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title, char **out)
{
	return te_svg_barcode_ex(env, pairs, n, title, NULL, out);
}

/* the same, with options: the unit of the scale, a shared scale, the empty message, a pair to highlight */
TeStatus
te_svg_barcode_ex(TeEnv *env, const TePersPair *pairs, int64_t n, const char *title,
				  const TeSvgOptions *opt, char **out)
{
	PlotPairs	s;
	BarLayout	L;
	TeStatus	st;
	TeText		t;
	char		desc[512];
	const TePersPair *hp;
	int64_t		hl;

	if ((st = plot_start(env, &opt, out)) != TE_OK)
		return st;
	if ((st = plot_summarise_pairs(env, pairs, n, &s)) != TE_OK)
		return st;
	if ((st = plot_highlighted(env, opt, pairs, n, &hp)) != TE_OK)
		return st;
	hl = hp ? opt->highlight - 1 : -1;
	if (title == NULL)
		title = "Persistence barcode";

	memset(&L, 0, sizeof(L));
	L.last_dim = -1;
	if ((st = bar_select(env, pairs, n, &s, hl, &L)) != TE_OK)
		return st;
	bar_axis(pairs, opt, &L);
	bar_heights(s.ndims, &L);

	te_text_init(&t, env);
	plot_pair_desc(desc, sizeof(desc), "Persistence barcode", &s);
	te_svg_begin(&t, PLOT_W, L.height, title, desc);
	plot_put_title(&t, title, PLOT_W);
	if (L.capped)
		bar_subtitle(&t, &s, &L);
	bar_frame(&t, opt, &L);
	if (L.total == 0)
		plot_put_message(&t, (BC_L + BC_R) / 2.0, BC_T + L.bars_h / 2.0,
						 opt->empty ? opt->empty : "no pairs");
	st = bar_groups(env, &t, pairs, &s, &L, hl);
	if (hp && st == TE_OK)
		bar_caption(&t, hp, opt->highlight, &L);
	te_free(env, L.idx);
	return plot_finish(&t, st, out);
}
