/*
 * te_svg.c - write the core's SVG plots from simple text files
 *
 *   te_svg diagram  [-t TITLE] OUT.svg DIAGRAM
 *   te_svg barcode  [-t TITLE] OUT.svg DIAGRAM
 *   te_svg betti    [-t TITLE] [-x XLABEL] OUT.svg DIAGRAM     (curves from a diagram)
 *   te_svg curves   [-t TITLE] [-x XLABEL] OUT.svg FILE[=LABEL]...
 *   te_svg spectrum [-t TITLE] [-m] OUT.svg FILE[=LABEL]...
 *   te_svg loglog   [-t TITLE] [-x XLABEL] [-y YLABEL] OUT.svg TABLE
 *
 * curves and spectrum accept no FILE at all (an empty plot).
 *
 * A loglog TABLE holds tab-separated "label x y" lines, optionally followed
 * by a colour (1..7) and a style (1 solid, 2 dashed, 3 dotted; 0: by the
 * series' number); the lines of one label form one series, in the order of
 * their first line, and the colour and style of a series are its first
 * line's.
 *
 * DIAGRAM holds "dim birth death" lines (death "inf" for an essential class)
 * or ripser's own output ("persistence intervals in dim 1:" then " [b,d)"
 * or " [b, )").  A curves FILE holds "x y" lines, a spectrum FILE one
 * eigenvalue per line; "#" starts a comment.  The spectrum's effective rank
 * (exp of the entropy of the normalised positive eigenvalues) and its
 * dimensions for 99% of the variance are computed here unless -m is given.
 * OUT "-" writes to standard output.  A title given as "" means no title.
 */
#include "topembed/svg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* print a message and exit */
static void
die(const char *msg, const char *arg)
{
	fprintf(stderr, "te_svg: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

/* grow a malloc'd array to hold at least need elements */
static void *
grow(void *p, size_t *cap, size_t need, size_t elsize)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 256;
	while (*cap < need)
		*cap *= 2;
	p = realloc(p, *cap * elsize);
	if (p == NULL)
		die("out of memory", NULL);
	return p;
}

/* parse one number; "inf" and "infinity" are accepted */
static int
parse_num(const char **s, double *v)
{
	char	   *end;

	while (**s == ' ' || **s == '\t' || **s == ',')
		(*s)++;
	errno = 0;
	*v = strtod(*s, &end);
	if (end == *s)
		return 0;
	*s = end;
	return 1;
}

/* read a diagram file in either format */
static TePersPair *
read_diagram(const char *path, int64_t *n)
{
	FILE	   *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char		line[4096];
	TePersPair *pairs = NULL;
	size_t		cap = 0;
	int			ripser_dim = -1;
	long		lineno = 0;

	if (f == NULL)
		die("cannot open", path);
	*n = 0;
	while (fgets(line, sizeof(line), f))
	{
		const char *s = line;
		double		a,
					b,
					c;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\0')
			continue;
		if (strncmp(s, "persistence intervals in dim ", 29) == 0)
		{
			ripser_dim = atoi(s + 29);
			continue;
		}
		if (*s == '[')
		{
			if (ripser_dim < 0)
				die("interval before any \"persistence intervals in dim\" line", path);
			s++;
			if (!parse_num(&s, &b))
				die("bad interval", line);
			while (*s == ',' || *s == ' ')
				s++;
			if (*s == ')')
				c = INFINITY;
			else if (!parse_num(&s, &c))
				die("bad interval", line);
			a = ripser_dim;
		}
		else if (ripser_dim >= 0 || isalpha((unsigned char) *s))
			continue;			/* other ripser chatter */
		else if (!parse_num(&s, &a) || !parse_num(&s, &b) || !parse_num(&s, &c))
		{
			fprintf(stderr, "te_svg: %s:%ld: expected \"dim birth death\"\n", path, lineno);
			exit(2);
		}
		pairs = grow(pairs, &cap, (size_t) *n + 1, sizeof(TePersPair));
		pairs[*n].dim = (int32_t) a;
		pairs[*n].birth = b;
		pairs[*n].death = c;
		(*n)++;
	}
	if (f != stdin)
		fclose(f);
	return pairs;
}

/* read whitespace-separated numbers, ncol per line */
static double *
read_columns(const char *path, int ncol, int *nrows)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	double	   *v = NULL;
	size_t		cap = 0;
	long		lineno = 0;

	if (f == NULL)
		die("cannot open", path);
	*nrows = 0;
	while (fgets(line, sizeof(line), f))
	{
		const char *s = line;
		int			c;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\0')
			continue;
		v = grow(v, &cap, (size_t) (*nrows + 1) * ncol, sizeof(double));
		for (c = 0; c < ncol; c++)
			if (!parse_num(&s, &v[(size_t) *nrows * ncol + c]))
			{
				fprintf(stderr, "te_svg: %s:%ld: expected %d number%s\n", path, lineno,
						ncol, ncol > 1 ? "s" : "");
				exit(2);
			}
		(*nrows)++;
	}
	fclose(f);
	return v;
}

/* split "FILE=LABEL" in place; returns the label or NULL */
static const char *
split_label(char *arg)
{
	char	   *eq = strrchr(arg, '=');

	if (eq == NULL)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

/* effective rank and 99% dimension count of a spectrum (positive part) */
static void
spectrum_stats(const double *ev, int n, double *erank, int *d99)
{
	double		total = 0.0,
				h = 0.0,
				cum = 0.0;
	double	   *sorted;
	int			i;

	*erank = 0.0;
	*d99 = 0;
	for (i = 0; i < n; i++)
		if (ev[i] > 0)
			total += ev[i];
	if (!(total > 0))
		return;
	for (i = 0; i < n; i++)
		if (ev[i] > 0)
		{
			double		p = ev[i] / total;

			h -= p * log(p);
		}
	*erank = exp(h);
	sorted = malloc(sizeof(double) * (size_t) n);
	if (sorted == NULL)
		die("out of memory", NULL);
	memcpy(sorted, ev, sizeof(double) * (size_t) n);
	/* descending insertion sort is too slow for 16000; a simple shell sort */
	for (int gap = n / 2; gap > 0; gap /= 2)
		for (i = gap; i < n; i++)
			for (int j = i; j >= gap && sorted[j - gap] < sorted[j]; j -= gap)
			{
				double		tmp = sorted[j];

				sorted[j] = sorted[j - gap];
				sorted[j - gap] = tmp;
			}
	for (i = 0; i < n; i++)
	{
		if (sorted[i] > 0)
			cum += sorted[i];
		if (cum >= 0.99 * total)
		{
			*d99 = i + 1;
			break;
		}
	}
	free(sorted);
}

/* write the document to path or stdout */
static void
write_out(const char *path, const char *doc)
{
	FILE	   *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (f == NULL)
		die("cannot write", path);
	fputs(doc, f);
	if (f != stdout && fclose(f) != 0)
		die("cannot write", path);
}

/* Betti curves of a diagram: beta_k(r) = #{pairs of dim k: birth <= r < death} */
static int
betti_from_diagram(const TePersPair *pairs, int64_t n, TeCurveSeries *series,
				   double **xs, double **ys, char labels[][16])
{
	double		hi = 0.0;
	int			ns = 0,
				d,
				i;
	const int	steps = 400;
	int64_t		j;

	for (j = 0; j < n; j++)
	{
		if (pairs[j].birth > hi)
			hi = pairs[j].birth;
		if (!isinf(pairs[j].death) && pairs[j].death > hi)
			hi = pairs[j].death;
	}
	if (hi <= 0)
		hi = 1.0;
	hi *= 1.05;
	for (d = 0; d <= TE_SVG_MAX_DIM && ns < TE_SVG_MAX_SERIES; d++)
	{
		int			any = 0;

		for (j = 0; j < n; j++)
			any |= pairs[j].dim == d;
		if (!any)
			continue;
		xs[ns] = malloc(sizeof(double) * (steps + 1));
		ys[ns] = malloc(sizeof(double) * (steps + 1));
		if (!xs[ns] || !ys[ns])
			die("out of memory", NULL);
		for (i = 0; i <= steps; i++)
		{
			double		r = hi * i / steps;
			int64_t		b = 0;

			for (j = 0; j < n; j++)
				if (pairs[j].dim == d && pairs[j].birth <= r && r < pairs[j].death)
					b++;
			xs[ns][i] = r;
			ys[ns][i] = (double) b;
		}
		snprintf(labels[ns], 16, "\xCE\xB2%d", d);
		series[ns].label = labels[ns];
		series[ns].x = xs[ns];
		series[ns].y = ys[ns];
		series[ns].n = steps + 1;
		ns++;
	}
	return ns;
}

/* a series of a loglog table: its label, style and points */
typedef struct TableSeries
{
	char	   *label;
	int			color;
	int			dash;
	double	   *x;
	double	   *y;
	size_t		n;
	size_t		xcap;
	size_t		ycap;
} TableSeries;

/* the series of a label; a new one if the label is new */
static TableSeries *
table_series(TableSeries *ts, int *nts, const char *label, int color, int dash)
{
	int			k;

	for (k = 0; k < *nts; k++)
		if (strcmp(ts[k].label, label) == 0)
			return &ts[k];
	if (*nts == TE_SVG_MAX_SERIES)
		die("too many series in the table (the chart takes 16)", label);
	memset(&ts[*nts], 0, sizeof(ts[*nts]));
	ts[*nts].label = strdup(label);
	if (ts[*nts].label == NULL)
		die("out of memory", NULL);
	ts[*nts].color = color;
	ts[*nts].dash = dash;
	return &ts[(*nts)++];
}

/* read a loglog table of tab-separated "label x y [colour style]" lines */
static int
read_table(const char *path, TableSeries *ts)
{
	FILE	   *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char		line[4096];
	long		lineno = 0;
	int			nts = 0;

	if (f == NULL)
		die("cannot open", path);
	while (fgets(line, sizeof(line), f))
	{
		char	   *tab = strchr(line, '\t');
		const char *s;
		double		x,
					y,
					color = 0,
					dash = 0;
		TableSeries *sr;

		lineno++;
		if (line[0] == '#' || line[0] == '\n' || line[0] == '\0')
			continue;
		if (tab == NULL)
		{
			fprintf(stderr, "te_svg: %s:%ld: expected \"label<TAB>x<TAB>y\"\n", path, lineno);
			exit(2);
		}
		*tab = '\0';
		s = tab + 1;
		if (!parse_num(&s, &x) || !parse_num(&s, &y))
		{
			fprintf(stderr, "te_svg: %s:%ld: expected two numbers after the label\n", path, lineno);
			exit(2);
		}
		if (parse_num(&s, &color))
			parse_num(&s, &dash);
		sr = table_series(ts, &nts, line, (int) color, (int) dash);
		sr->x = grow(sr->x, &sr->xcap, sr->n + 1, sizeof(double));
		sr->y = grow(sr->y, &sr->ycap, sr->n + 1, sizeof(double));
		sr->x[sr->n] = x;
		sr->y[sr->n] = y;
		sr->n++;
	}
	if (f != stdin)
		fclose(f);
	return nts;
}

/* the log-log chart of a table */
static TeStatus
loglog_from_table(TeEnv *env, const char *path, const char *title, const char *xlabel,
				  const char *ylabel, char **doc)
{
	TableSeries ts[TE_SVG_MAX_SERIES];
	TeXYSeries	xy[TE_SVG_MAX_SERIES];
	int			nts = read_table(path, ts),
				k;
	TeStatus	st;

	for (k = 0; k < nts; k++)
	{
		xy[k].label = ts[k].label;
		xy[k].x = ts[k].x;
		xy[k].y = ts[k].y;
		xy[k].n = (int) ts[k].n;
		xy[k].color = ts[k].color;
		xy[k].dash = ts[k].dash;
	}
	st = te_svg_loglog(env, xy, nts, title, xlabel, ylabel, NULL, doc);
	for (k = 0; k < nts; k++)
	{
		free(ts[k].label);
		free(ts[k].x);
		free(ts[k].y);
	}
	return st;
}

/* print the usage and exit */
static void
usage(void)
{
	fprintf(stderr,
			"usage: te_svg diagram|barcode|betti [-t TITLE] [-x XLABEL] OUT.svg DIAGRAM\n"
			"       te_svg curves [-t TITLE] [-x XLABEL] OUT.svg FILE[=LABEL]...\n"
			"       te_svg spectrum [-t TITLE] [-m] OUT.svg FILE[=LABEL]...\n"
			"       te_svg loglog [-t TITLE] [-x XLABEL] [-y YLABEL] OUT.svg TABLE\n");
	exit(2);
}

/* parse the command line, read the inputs, write the plot */
int
main(int argc, char **argv)
{
	TeEnv		env;
	const char *cmd,
			   *outpath;
	const char *title = NULL,
			   *xlabel = NULL,
			   *ylabel = NULL;
	int			markers = 1;
	int			a = 2;
	char	   *doc = NULL;
	TeStatus	st;

	if (argc < 3)
		usage();
	cmd = argv[1];
	while (a < argc && argv[a][0] == '-' && argv[a][1] != '\0')
	{
		if (strcmp(argv[a], "-t") == 0 && a + 1 < argc)
			title = argv[a + 1], a += 2;
		else if (strcmp(argv[a], "-x") == 0 && a + 1 < argc)
			xlabel = argv[a + 1], a += 2;
		else if (strcmp(argv[a], "-y") == 0 && a + 1 < argc)
			ylabel = argv[a + 1], a += 2;
		else if (strcmp(argv[a], "-m") == 0)
			markers = 0, a++;
		else
			usage();
	}
	if (a >= argc)
		usage();
	outpath = argv[a++];
	te_env_init_malloc(&env);

	if (strcmp(cmd, "diagram") == 0 || strcmp(cmd, "barcode") == 0 ||
		strcmp(cmd, "betti") == 0)
	{
		int64_t		n;
		TePersPair *pairs;

		if (a >= argc)
			usage();
		pairs = read_diagram(argv[a], &n);

		if (strcmp(cmd, "diagram") == 0)
			st = te_svg_diagram(&env, pairs, n, title, &doc);
		else if (strcmp(cmd, "barcode") == 0)
			st = te_svg_barcode(&env, pairs, n, title, &doc);
		else
		{
			TeCurveSeries series[TE_SVG_MAX_SERIES];
			double	   *xs[TE_SVG_MAX_SERIES],
					   *ys[TE_SVG_MAX_SERIES];
			char		labels[TE_SVG_MAX_SERIES][16];
			int			ns = betti_from_diagram(pairs, n, series, xs, ys, labels);

			st = te_svg_betti_curves(&env, series, ns, title, xlabel, &doc);
			while (ns-- > 0)
			{
				free(xs[ns]);
				free(ys[ns]);
			}
		}
		free(pairs);
	}
	else if (strcmp(cmd, "spectrum") == 0 || strcmp(cmd, "curves") == 0)
	{
		int			ns = argc - a,
					k;
		TeSpectrumSeries sp[TE_SVG_MAX_SERIES + 1];
		TeCurveSeries cs[TE_SVG_MAX_SERIES + 1];
		double	   *data[TE_SVG_MAX_SERIES + 1];

		if (ns > TE_SVG_MAX_SERIES + 1)
			die("too many series", NULL);
		for (k = 0; k < ns; k++)
		{
			const char *label = split_label(argv[a + k]);
			int			rows;

			memset(&sp[k], 0, sizeof(sp[k]));
			memset(&cs[k], 0, sizeof(cs[k]));
			if (strcmp(cmd, "spectrum") == 0)
			{
				data[k] = read_columns(argv[a + k], 1, &rows);
				sp[k].label = label;
				sp[k].eigenvalues = data[k];
				sp[k].n = rows;
				if (markers)
					spectrum_stats(data[k], rows, &sp[k].effective_rank, &sp[k].dims_99);
			}
			else
			{
				double	   *xy = read_columns(argv[a + k], 2, &rows);
				double	   *x = malloc(sizeof(double) * (size_t) (rows + 1) * 2);
				int			i;

				if (x == NULL)
					die("out of memory", NULL);
				for (i = 0; i < rows; i++)
				{
					x[i] = xy[2 * i];
					x[rows + i] = xy[2 * i + 1];
				}
				free(xy);
				data[k] = x;
				cs[k].label = label;
				cs[k].x = x;
				cs[k].y = x + rows;
				cs[k].n = rows;
			}
		}
		if (strcmp(cmd, "spectrum") == 0)
			st = te_svg_spectrum(&env, sp, ns, title, &doc);
		else
			st = te_svg_betti_curves(&env, cs, ns, title, xlabel, &doc);
		for (k = 0; k < ns; k++)
			free(data[k]);
	}
	else if (strcmp(cmd, "loglog") == 0)
	{
		if (a >= argc)
			usage();
		st = loglog_from_table(&env, argv[a], title, xlabel, ylabel, &doc);
	}
	else
		usage();

	if (st != TE_OK)
	{
		fprintf(stderr, "te_svg: %s: %s\n", te_status_name(st), env.msg);
		return 1;
	}
	write_out(outpath, doc);
	te_free(&env, doc);
	return 0;
}
