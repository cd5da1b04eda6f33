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
	PlotPairs s;
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
	if ((st = plot_check_options(env, opt)) != TE_OK)
		return st;
	if (opt == NULL)
		opt = &plot_no_options;
	if ((st = plot_summarise_pairs(env, pairs, n, &s)) != TE_OK)
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
				st = plot_merge_sort(env, idx + start[d], (size_t) s.count[d], sizeof(int64_t),
								cmp_longest, &ctx);
			}
			if (st == TE_OK)
				st = plot_merge_sort(env, idx + start[d], (size_t) show[d], sizeof(int64_t),
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
		PlotPairs r;

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
		plot_pair_range(&r, &lo, &hi);
		plot_shared_scale(opt, &lo, &hi);
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
	plot_pair_desc(desc, sizeof(desc), "Persistence barcode", &s);
	te_svg_begin(&t, PLOT_W, height, title, desc);
	plot_put_title(&t, title, PLOT_W);
	if (capped)
	{
		int			first = 1;

		sub[0] = '\0';
		plot_buf_cat(sub, sizeof(sub), "showing the longest bars: ");
		for (d = 0; d <= TE_SVG_MAX_DIM; d++)
		{
			if (show[d] == s.count[d])
				continue;
			if (!first)
				plot_buf_cat(sub, sizeof(sub), ", ");
			first = 0;
			plot_buf_cat(sub, sizeof(sub), "H");
			plot_buf_cat_int(sub, sizeof(sub), d);
			plot_buf_cat(sub, sizeof(sub), " ");
			plot_buf_cat_int(sub, sizeof(sub), show[d]);
			plot_buf_cat(sub, sizeof(sub), " of ");
			plot_buf_cat_int(sub, sizeof(sub), s.count[d]);
		}
		plot_put_subtitle(&t, sub, PLOT_W);
	}

	te_svg_xaxis(&t, &ax, bottom, BC_T - 6.0,
				 opt->unit && *opt->unit ? opt->unit : "filtration value");
	te_text_puts(&t, "<path stroke=\"#444\" d=\"M");
	plot_put_xy(&t, BC_L, bottom);
	te_text_puts(&t, "H");
	te_text_fixed(&t, BC_INF + 4.0, 1);
	te_text_puts(&t, "M");
	plot_put_xy(&t, BC_INF, bottom);
	te_text_puts(&t, "v5\"/>\n<path stroke=\"#aaa\" stroke-dasharray=\"3 3\" d=\"M");
	plot_put_xy(&t, BC_INF, bottom);
	te_text_puts(&t, "V");
	te_text_fixed(&t, BC_T - 6.0, 1);
	te_text_puts(&t, "\"/>\n");
	te_svg_text(&t, BC_INF, bottom + 19.0, 15.0, "middle", "fill=\"#333\"", "\xE2\x88\x9E", 0);

	if (total == 0)
		plot_put_message(&t, (BC_L + BC_R) / 2.0, BC_T + bars_h / 2.0, opt->empty ? opt->empty : "no pairs");

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
			plot_put_xy(&t, x0, y);
			te_text_putc(&t, 'H');
			te_text_fixed(&t, x1, 1);
			ninf += isinf(p->death) ? 1 : 0;
			y += pitch;
			if ((st = plot_poll(env, i)) != TE_OK)
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
				plot_put_xy(&t, BC_INF - 8.0, yy - ah / 2.0);
				te_text_puts(&t, "L");
				plot_put_xy(&t, BC_INF, yy);
				te_text_puts(&t, "L");
				plot_put_xy(&t, BC_INF - 8.0, yy + ah / 2.0);
				te_text_putc(&t, 'z');
			}
			te_text_puts(&t, "\"/>\n");
		}

		/* the group's label, kept clear of the previous one: two lines where there is room */
		lab[0] = '\0';
		plot_buf_cat(lab, sizeof(lab), "H");
		plot_buf_cat_int(lab, sizeof(lab), d);
		cnt[0] = '\0';
		plot_buf_cat(cnt, sizeof(cnt), " (");
		plot_buf_cat_int(cnt, sizeof(cnt), s.count[d]);
		plot_buf_cat(cnt, sizeof(cnt), ")");
		two = y - y0 >= 34.0;
		ly = (y0 + y) / 2.0 + (two ? -1.0 : 5.0);
		if (ly < last_label + 18.0)
			ly = last_label + 18.0;
		last_label = ly + (two ? 14.0 : 0.0);
		te_text_puts(&t, "<text");
		plot_put_attr(&t, "x", BC_L - 10.0);
		plot_put_attr(&t, "y", ly);
		te_text_puts(&t, " text-anchor=\"end\"><tspan font-size=\"14\" font-weight=\"bold\" fill=\"");
		te_text_puts(&t, te_svg_color(d));
		te_text_puts(&t, "\">");
		te_text_escape(&t, lab, 0);
		te_text_puts(&t, "</tspan>");
		if (two)
		{
			te_text_puts(&t, "<tspan");
			plot_put_attr(&t, "x", BC_L - 10.0);
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
			plot_put_xy(&t, BC_L - 40.0, y - BC_GAP / 2.0);
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
