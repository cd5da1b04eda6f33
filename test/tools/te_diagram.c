/*
 * te_diagram - command-line driver of the diagram analytics (diagram.h)
 *
 *   te_diagram [options] A.txt [B.txt]
 *
 * A diagram file has one bar per line, "dim birth death" ("inf" allowed as
 * death); blank lines and lines starting with '#' are skipped.  Every
 * requested quantity is printed as "name value..." on its own line, doubles
 * with 17 significant digits, an undefined value as "null", an error as
 * "error <status>: <message>" (exit status 1).
 *
 *   --dim K              homology dimension (default 0)
 *   --bottleneck         bottleneck distance between A and B
 *   --wasserstein P      P-Wasserstein distance between A and B (repeatable)
 *   --entropy            persistence entropy of A (and of B)
 *   --total P            total persistence of A (and of B)
 *   --betti R            Betti numbers of A at R, dims 0..3
 *   --grid G             comma-separated grid values, or @FILE (one per line)
 *   --betti-curve        Betti curve of A on the grid
 *   --landscape K        K landscape functions of A on the grid, one line each
 */
#include "topembed/diagram.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_W 16

static TeEnv env;

/* print a failure and exit */
static void
die_status(TeStatus st)
{
	printf("error %s: %s\n", te_status_name(st), env.msg);
	exit(1);
}

/* print a usage error and exit */
static void
usage(const char *msg)
{
	fprintf(stderr, "te_diagram: %s\n(see the comment at the top of te_diagram.c)\n", msg);
	exit(2);
}

/* read a diagram file into a malloc'd array */
static TePersPair *
read_diagram(const char *path, int64_t *n_out)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	TePersPair *pairs = NULL;
	int64_t		n = 0,
				cap = 0,
				lineno = 0;

	if (!f)
	{
		fprintf(stderr, "te_diagram: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
	{
		char	   *s = line,
				   *end;
		long		dim;
		double		b,
					d;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
			continue;
		dim = strtol(s, &end, 10);
		if (end == s)
			goto bad;
		s = end;
		b = strtod(s, &end);
		if (end == s)
			goto bad;
		s = end;
		d = strtod(s, &end);
		if (end == s)
			goto bad;
		if (n == cap)
		{
			cap = cap ? 2 * cap : 64;
			pairs = realloc(pairs, sizeof(TePersPair) * (size_t) cap);
			if (!pairs)
				usage("out of memory");
		}
		pairs[n].dim = (int32_t) dim;
		pairs[n].birth = b;
		pairs[n].death = d;
		n++;
		continue;
bad:
		fprintf(stderr, "te_diagram: %s:%lld: expected \"dim birth death\"\n", path,
				(long long) lineno);
		exit(2);
	}
	fclose(f);
	*n_out = n;
	return pairs;
}

/* parse a grid: "a,b,c" or "@file" */
static double *
read_grid(const char *spec, int *m_out)
{
	double	   *g = NULL;
	int			m = 0,
				cap = 0;
	FILE	   *f = NULL;
	char		buf[128];
	const char *s = spec;

	if (spec[0] == '@')
	{
		f = fopen(spec + 1, "r");
		if (!f)
			usage("cannot open the grid file");
	}
	for (;;)
	{
		char	   *end;
		double		x;

		if (f)
		{
			if (!fgets(buf, sizeof(buf), f))
				break;
			if (buf[0] == '\n' || buf[0] == '#')
				continue;
			x = strtod(buf, &end);
			if (end == buf)
				usage("bad grid value");
		}
		else
		{
			if (*s == '\0')
				break;
			x = strtod(s, &end);
			if (end == s)
				usage("bad grid value");
			s = (*end == ',') ? end + 1 : end;
		}
		if (m == cap)
		{
			cap = cap ? 2 * cap : 64;
			g = realloc(g, sizeof(double) * (size_t) cap);
			if (!g)
				usage("out of memory");
		}
		g[m++] = x;
	}
	if (f)
		fclose(f);
	*m_out = m;
	return g;
}

/* entropy and total persistence of one diagram */
static void
summaries(const char *tag, const TePersPair *d, int64_t n, int dim, int do_entropy,
		  double total_p)
{
	TeStatus	st;

	if (do_entropy)
	{
		double		e;
		int			defined;

		if ((st = te_persistence_entropy(&env, d, n, dim, &e, &defined)) != TE_OK)
			die_status(st);
		if (defined)
			printf("entropy_%s %.17g\n", tag, e);
		else
			printf("entropy_%s null\n", tag);
	}
	if (total_p > 0)
	{
		double		t;
		int64_t		ness;

		if ((st = te_total_persistence(&env, d, n, dim, total_p, &t, &ness)) != TE_OK)
			die_status(st);
		printf("total_%s %.17g %lld\n", tag, t, (long long) ness);
	}
}

int
main(int argc, char **argv)
{
	const char *files[2] = {NULL, NULL};
	int			nfiles = 0,
				dim = 0,
				do_bott = 0,
				do_entropy = 0,
				do_curve = 0,
				land_k = 0,
				nw = 0,
				m = 0,
				i;
	double		wp[MAX_W],
				total_p = 0.0,
				betti_r = NAN,
			   *grid = NULL;
	TePersPair *a,
			   *b = NULL;
	int64_t		na,
				nb = 0;
	TeStatus	st;

	te_env_init_malloc(&env);
	for (i = 1; i < argc; i++)
	{
		const char *o = argv[i];

		if (!strcmp(o, "--dim") && i + 1 < argc)
			dim = atoi(argv[++i]);
		else if (!strcmp(o, "--bottleneck"))
			do_bott = 1;
		else if (!strcmp(o, "--wasserstein") && i + 1 < argc)
		{
			if (nw == MAX_W)
				usage("too many --wasserstein");
			wp[nw++] = strtod(argv[++i], NULL);
		}
		else if (!strcmp(o, "--entropy"))
			do_entropy = 1;
		else if (!strcmp(o, "--total") && i + 1 < argc)
			total_p = strtod(argv[++i], NULL);
		else if (!strcmp(o, "--betti") && i + 1 < argc)
			betti_r = strtod(argv[++i], NULL);
		else if (!strcmp(o, "--grid") && i + 1 < argc)
			grid = read_grid(argv[++i], &m);
		else if (!strcmp(o, "--betti-curve"))
			do_curve = 1;
		else if (!strcmp(o, "--landscape") && i + 1 < argc)
			land_k = atoi(argv[++i]);
		else if (o[0] == '-' && o[1] == '-')
			usage("unknown option");
		else if (nfiles < 2)
			files[nfiles++] = o;
		else
			usage("at most two diagram files");
	}
	if (nfiles == 0)
		usage("no diagram file");
	if ((do_bott || nw) && nfiles < 2)
		usage("distances need two diagram files");
	if ((do_curve || land_k) && !grid)
		usage("--betti-curve and --landscape need --grid");

	a = read_diagram(files[0], &na);
	if (nfiles == 2)
		b = read_diagram(files[1], &nb);
	printf("points %lld %lld\n", (long long) na, (long long) nb);

	if (do_bott)
	{
		double		d;

		if ((st = te_bottleneck_distance(&env, a, na, b, nb, dim, &d)) != TE_OK)
			die_status(st);
		printf("bottleneck %.17g\n", d);
	}
	for (i = 0; i < nw; i++)
	{
		double		d;

		if ((st = te_wasserstein_distance(&env, a, na, b, nb, dim, wp[i], &d)) != TE_OK)
			die_status(st);
		printf("wasserstein %.17g %.17g\n", wp[i], d);
	}
	summaries("a", a, na, dim, do_entropy, total_p);
	if (b)
		summaries("b", b, nb, dim, do_entropy, total_p);
	if (!isnan(betti_r))
	{
		int			betti[4];

		if ((st = te_betti_numbers(&env, a, na, betti_r, betti, 3)) != TE_OK)
			die_status(st);
		printf("betti %d %d %d %d\n", betti[0], betti[1], betti[2], betti[3]);
	}
	if (do_curve)
	{
		int64_t    *curve = malloc(sizeof(int64_t) * (size_t) (m ? m : 1));

		if ((st = te_betti_curve(&env, a, na, dim, grid, m, curve)) != TE_OK)
			die_status(st);
		printf("betti_curve");
		for (i = 0; i < m; i++)
			printf(" %lld", (long long) curve[i]);
		printf("\n");
		free(curve);
	}
	if (land_k > 0)
	{
		double	   *out = malloc(sizeof(double) * (size_t) land_k * (size_t) (m ? m : 1));
		int			j;

		if ((st = te_persistence_landscape(&env, a, na, dim, land_k, grid, m, out)) != TE_OK)
			die_status(st);
		for (j = 0; j < land_k; j++)
		{
			printf("landscape %d", j + 1);
			for (i = 0; i < m; i++)
				printf(" %.17g", out[(size_t) j * (size_t) m + (size_t) i]);
			printf("\n");
		}
		free(out);
	}
	free(a);
	free(b);
	free(grid);
	return 0;
}
