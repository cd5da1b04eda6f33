/*
 * te_diagram_bench - time one diagram distance, the inputs loaded once
 *
 *   te_diagram_bench [--dim K] [--repeat N] (--bottleneck | --wasserstein P) A.txt B.txt
 *
 * Diagram files as for te_diagram ("dim birth death" per line).  Prints
 *   value <distance>
 *   times <seconds of each run>
 *   median <median seconds>
 * Only the call of the distance function is timed (CLOCK_MONOTONIC).
 */
#include "topembed/diagram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPEAT 1000

/* read "dim birth death" lines into a malloc'd array */
static TePersPair *
read_diagram(const char *path, int64_t *n_out)
{
	FILE	   *f = fopen(path, "r");
	TePersPair *pairs = NULL;
	int64_t		n = 0,
				cap = 0;
	char		line[512];

	if (!f)
	{
		fprintf(stderr, "te_diagram_bench: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
	{
		int			dim;
		double		b,
					d;

		if (line[0] == '#' || sscanf(line, "%d %lf %lf", &dim, &b, &d) != 3)
			continue;
		if (n == cap)
		{
			cap = cap ? 2 * cap : 1024;
			pairs = realloc(pairs, sizeof(TePersPair) * (size_t) cap);
			if (!pairs)
				exit(2);
		}
		pairs[n].dim = dim;
		pairs[n].birth = b;
		pairs[n].death = d;
		n++;
	}
	fclose(f);
	*n_out = n;
	return pairs;
}

/* seconds on the monotonic clock */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* ascending order of doubles, for qsort */
static int
cmp_double(const void *x, const void *y)
{
	double		a = *(const double *) x,
				b = *(const double *) y;

	return (a > b) - (a < b);
}

int
main(int argc, char **argv)
{
	TeEnv		env;
	int			dim = 0,
				repeat = 5,
				bott = 0,
				nfiles = 0,
				i;
	double		p = 0.0,
				value = 0.0,
				times[MAX_REPEAT];
	const char *files[2] = {NULL, NULL};
	TePersPair *a,
			   *b;
	int64_t		na,
				nb;

	for (i = 1; i < argc; i++)
	{
		if (!strcmp(argv[i], "--dim") && i + 1 < argc)
			dim = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bottleneck"))
			bott = 1;
		else if (!strcmp(argv[i], "--wasserstein") && i + 1 < argc)
			p = strtod(argv[++i], NULL);
		else if (nfiles < 2 && argv[i][0] != '-')
			files[nfiles++] = argv[i];
		else
		{
			fprintf(stderr, "usage: te_diagram_bench [--dim K] [--repeat N] "
					"(--bottleneck | --wasserstein P) A.txt B.txt\n");
			return 2;
		}
	}
	if (nfiles != 2 || (!bott && p == 0.0) || repeat < 1 || repeat > MAX_REPEAT)
	{
		fprintf(stderr, "te_diagram_bench: need two files, one distance, 1..%d repeats\n",
				MAX_REPEAT);
		return 2;
	}
	te_env_init_malloc(&env);
	a = read_diagram(files[0], &na);
	b = read_diagram(files[1], &nb);
	for (i = 0; i < repeat; i++)
	{
		double		t0 = now();
		TeStatus	st;

		st = bott ? te_bottleneck_distance(&env, a, na, b, nb, dim, &value)
			: te_wasserstein_distance(&env, a, na, b, nb, dim, p, &value);
		times[i] = now() - t0;
		if (st != TE_OK)
		{
			printf("error %s: %s\n", te_status_name(st), env.msg);
			return 1;
		}
	}
	printf("value %.17g\ntimes", value);
	for (i = 0; i < repeat; i++)
		printf(" %.6f", times[i]);
	qsort(times, (size_t) repeat, sizeof(double), cmp_double);
	printf("\nmedian %.6f\n", (repeat % 2) ? times[repeat / 2]
		   : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]));
	free(a);
	free(b);
	return 0;
}
