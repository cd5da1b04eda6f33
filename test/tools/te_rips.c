/*
 * te_rips.c - command-line driver of the Rips persistence engine
 *
 *   te_rips --format point-cloud|lower-distance|distance [--dim k]
 *           [--threshold t] [--metric euclidean|cosine|angular]
 *           [--modulus p] [--no-collapse] [--memory-limit bytes] [--stats]
 *           [--heap-budget entries]
 *           [--threads k] [--engine-threads k] [--phases] [--check-gaps]
 *           [--cancel-after seconds] [--sparse epsilon] FILE
 *
 * Reads the text formats of Ripser (numbers separated by whitespace or
 * commas) and prints one line per bar, "dim birth death", with %.9g and
 * "inf" for an essential class.  Distances and the threshold are parsed as
 * float32, as Ripser parses them; point coordinates as double.  --stats
 * prints the engine's counters to stderr.  OpenBLAS runs with one thread
 * unless --threads says otherwise, as inside a PostgreSQL backend.
 * --engine-threads k gives the engine k threads of its own
 * (TeRipsOptions.threads, as topembed.persistence_threads does in a
 * backend); without it the engine gets as many as --threads gives
 * OpenBLAS (1 by default).  --sparse epsilon runs the sparse Rips
 * filtration (te_rips_sparse, point clouds, H0 and H1) for the guarantee
 * 1 + epsilon instead of the exact one.  Timing the engine's threads is best done with
 * --threads 1 --engine-threads k, the backend's setting.  --phases prints
 * to stderr the time at which each phase of the run begins.
 * --check-gaps reports the longest time between two interrupt checks;
 * --cancel-after s makes the check ask to stop after s seconds and reports
 * how long the engine took to return.
 */
#include "topembed/rips.h"

#include <cblas.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

/* interrupt-check instrumentation: --check-gaps, --cancel-after */
typedef struct CheckProbe
{
	double		start;
	double		last;
	double		max_gap;
	double		max_gap_end;	/* when the longest gap ended */
	double		cancel_after;	/* seconds; < 0 never */
	double		cancelled_at;	/* when the first nonzero answer was given */
	long		checks;
} CheckProbe;

/* monotonic clock in seconds */
static double
mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

/* the instrumented interrupt check */
static int
probe_check(void *ctx)
{
	CheckProbe *pr = ctx;
	double		t = mono();

	pr->checks++;
	if (t - pr->last > pr->max_gap)
	{
		pr->max_gap = t - pr->last;
		pr->max_gap_end = t;
	}
	pr->last = t;
	if (pr->cancel_after >= 0 && t - pr->start >= pr->cancel_after)
	{
		if (pr->cancelled_at == 0)
			pr->cancelled_at = t;
		return 1;
	}
	return 0;
}

/*
 * the pending callback, as a backend has one (so that the engine's long
 * threaded tasks run as they do there): is the cancel of --cancel-after due?
 */
static int
probe_pending(void *ctx)
{
	CheckProbe *pr = ctx;

	return pr->cancel_after >= 0 && mono() - pr->start >= pr->cancel_after;
}

/* --phases: the time at which each phase of the run begins */
typedef struct PhaseProbe
{
	double		start;
	const char *last;
} PhaseProbe;

/* the progress callback of --phases: one line per new phase, to stderr */
static void
phase_progress(void *ctx, const char *phase, const char *unit, double done, double total)
{
	PhaseProbe *pp = ctx;

	(void) unit;
	(void) done;
	(void) total;
	if (pp->last && strcmp(pp->last, phase) == 0)
		return;
	pp->last = phase;
	fprintf(stderr, "phase %8.3f s %s\n", mono() - pp->start, phase);
}

/* print the usage and exit 2 */
static void
usage(void)
{
	fprintf(stderr,
			"usage: te_rips --format point-cloud|lower-distance|distance [--dim k]\n"
			"               [--threshold t] [--metric euclidean|cosine|angular]\n"
			"               [--modulus p] [--no-collapse] [--memory-limit bytes]\n"
			"               [--heap-budget entries] [--sparse epsilon]\n"
			"               [--stats] [--threads k] [--engine-threads k] [--phases]\n"
			"               [--check-gaps] [--cancel-after seconds] FILE\n");
	exit(2);
}

/* print an error and exit 1 */
static void
die(const char *msg, const char *arg)
{
	fprintf(stderr, "te_rips: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

/* a growable array of doubles */
typedef struct Vec
{
	double	   *v;
	size_t		len;
	size_t		cap;
} Vec;

/* append to a growable array */
static void
vec_push(Vec *a, double x)
{
	if (a->len == a->cap)
	{
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->v = realloc(a->v, a->cap * sizeof(double));
		if (!a->v)
			die("out of memory", NULL);
	}
	a->v[a->len++] = x;
}

/* a separator between numbers? */
static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r' || c == '\n';
}

/* parse the numbers of a line into a; float32 values if as_float */
static size_t
parse_line(const char *s, Vec *a, int as_float, size_t limit, long lineno)
{
	size_t		count = 0;

	while (*s && count < limit)
	{
		char	   *end;
		double		x;

		while (*s && is_sep(*s))
			s++;
		if (!*s)
			break;
		errno = 0;
		x = as_float ? (double) strtof(s, &end) : strtod(s, &end);
		if (end == s)
		{
			char		buf[64];

			snprintf(buf, sizeof(buf), "line %ld", lineno);
			die("cannot parse a number", buf);
		}
		vec_push(a, x);
		count++;
		s = end;
	}
	return count;
}

/* parse, read, run, print */
int
main(int argc, char **argv)
{
	const char *format = NULL,
			   *file = NULL;
	TeRipsOptions opt;
	TeRipsStats stats;
	TeMetric	metric = TE_METRIC_EUCLIDEAN;
	int			want_stats = 0,
				want_probe = 0,
				want_phases = 0,
				threads = 1,
				engine_threads = -1;
	PhaseProbe	phases = {0, NULL};
	CheckProbe	probe = {.cancel_after = -1.0};
	FILE	   *f;
	char	   *line = NULL;
	size_t		linecap = 0;
	ssize_t		len;
	long		lineno = 0;
	Vec			a = {0};
	int64_t		n = 0;
	int			dim = 0;
	TeEnv		env;
	TeDiagram	dg;
	TeStatus	st;
	int			i;
	int64_t		k;
	struct timespec t0,
				t1;
	double		sparse_eps = 0.0;
	TeRipsSparseInfo sparse_info;

	te_rips_options_init(&opt);
	opt.stats = &stats;
	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--dim") == 0 && i + 1 < argc)
			opt.max_dim = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc)
			opt.threshold = (double) strtof(argv[++i], NULL);
		else if (strcmp(argv[i], "--metric") == 0 && i + 1 < argc)
		{
			if (te_metric_parse(argv[++i], &metric) != 0)
				die("unknown metric", argv[i]);
		}
		else if (strcmp(argv[i], "--modulus") == 0 && i + 1 < argc)
			opt.modulus = atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-collapse") == 0)
			opt.collapse = 0;
		else if (strcmp(argv[i], "--memory-limit") == 0 && i + 1 < argc)
			opt.memory_limit = (size_t) strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--heap-budget") == 0 && i + 1 < argc)
			opt.heap_budget = (int64_t) strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--stats") == 0)
			want_stats = 1;
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--engine-threads") == 0 && i + 1 < argc)
			engine_threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--phases") == 0)
			want_phases = 1;
		else if (strcmp(argv[i], "--check-gaps") == 0)
			want_probe = 1;
		else if (strcmp(argv[i], "--sparse") == 0 && i + 1 < argc)
		{
			char	   *end;

			errno = 0;
			sparse_eps = strtod(argv[++i], &end);
			if (end == argv[i] || *end != '\0' || errno != 0 ||
				!(sparse_eps > 0.0) || isinf(sparse_eps))
				die("--sparse needs a positive finite epsilon", argv[i]);
		}
		else if (strcmp(argv[i], "--cancel-after") == 0 && i + 1 < argc)
		{
			want_probe = 1;
			probe.cancel_after = atof(argv[++i]);
		}
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			usage();
		else if (!file)
			file = argv[i];
		else
			usage();
	}
	if (!format || !file)
		usage();
	if (strcmp(format, "point-cloud") != 0 && strcmp(format, "lower-distance") != 0 &&
		strcmp(format, "distance") != 0)
		die("unknown format", format);
	if (metric != TE_METRIC_EUCLIDEAN && strcmp(format, "point-cloud") != 0)
		die("--metric applies to point clouds only", NULL);

	f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!f)
		die("cannot open", file);
	while ((len = getline(&line, &linecap, f)) >= 0)
	{
		lineno++;
		if (strcmp(format, "point-cloud") == 0)
		{
			size_t		cnt = parse_line(line, &a, 0, (size_t) -1, lineno);

			if (cnt == 0)
				continue;
			if (n == 0)
				dim = (int) cnt;
			else if ((int) cnt != dim)
			{
				char		buf[96];

				snprintf(buf, sizeof(buf), "line %ld has %zu values, expected %d",
						 lineno, cnt, dim);
				die("ragged point cloud", buf);
			}
			n++;
		}
		else if (strcmp(format, "lower-distance") == 0)
			parse_line(line, &a, 1, (size_t) -1, lineno);
		else
		{
			/* full matrix: row n contributes its first n entries */
			size_t		before = a.len,
						cnt;

			if (strspn(line, " \t\r\n,;") == (size_t) len)
				continue;
			cnt = parse_line(line, &a, 1, (size_t) n, lineno);
			if (cnt != (size_t) n)
				die("a distance matrix row is too short", NULL);
			(void) before;
			n++;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);

	if (strcmp(format, "lower-distance") == 0)
	{
		/* n(n-1)/2 values */
		double		r = (1.0 + sqrt(1.0 + 8.0 * (double) a.len)) / 2.0;

		n = (int64_t) llround(r);
		/* (no values at all is one point, as for Ripser) */
		if (n * (n - 1) / 2 != (int64_t) a.len)
			die("the number of values is not n(n-1)/2 for any n", NULL);
	}

	/* a PostgreSQL backend runs OpenBLAS single-threaded: so does this tool */
	openblas_set_num_threads(threads > 0 ? threads : 1);
	te_env_init_malloc(&env);
	env.pending = probe_pending;
	env.ctx = &probe;
	probe.start = probe.last = mono();
	if (want_probe)
		env.check = probe_check;
	/* the engine's own threads: --engine-threads, else as many as --threads */
	opt.threads = engine_threads >= 0 ? engine_threads : threads;
	if (want_phases)
	{
		phases.start = mono();
		env.progress = phase_progress;
		env.progress_ctx = &phases;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sparse_eps > 0.0 && strcmp(format, "point-cloud") == 0)
		st = te_rips_sparse(&env, a.v, n, dim, metric, sparse_eps, &opt, &sparse_info, &dg);
	else if (sparse_eps > 0.0)
		die("--sparse needs --format point-cloud", NULL);
	else if (strcmp(format, "point-cloud") == 0)
		st = te_rips_points(&env, a.v, n, dim, metric, &opt, &dg);
	else
		st = te_rips_distances(&env, a.v, n, &opt, &dg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(a.v);
	if (want_probe)
	{
		double		end = mono();

		if (end - probe.last > probe.max_gap)
		{
			probe.max_gap = end - probe.last;
			probe.max_gap_end = end;
		}
		fprintf(stderr, "interrupt checks: %ld, longest gap %.1f ms, ending %.3f s after the start\n",
				probe.checks, 1000.0 * probe.max_gap, probe.max_gap_end - probe.start);
		if (probe.cancelled_at > 0)
			fprintf(stderr, "cancelled after %.3f s; returned %.1f ms after the request\n",
					probe.cancelled_at - probe.start, 1000.0 * (end - probe.cancelled_at));
	}
	if (st != TE_OK)
	{
		fprintf(stderr, "te_rips: %s: %s\n", te_status_name(st), env.msg);
		return 1;
	}
	for (k = 0; k < dg.n_pairs; k++)
	{
		const TePersPair *pp = &dg.pairs[k];

		if (isinf(pp->death))
			printf("%d %.9g inf\n", pp->dim, pp->birth);
		else
			printf("%d %.9g %.9g\n", pp->dim, pp->birth, pp->death);
	}
	if (want_stats)
	{
		fprintf(stderr, "points %lld, threshold %.9g, enclosing radius %.9g\n",
				(long long) stats.n_points, stats.threshold, stats.enclosing_radius);
		fprintf(stderr, "edges %lld, after collapse %lld (%d passes)\n",
				(long long) stats.n_edges, (long long) stats.n_edges_collapsed,
				stats.collapse_passes);
		for (i = 1; i <= opt.max_dim; i++)
			fprintf(stderr, "dim %d: columns %lld, apparent %lld, emergent %lld, reduced %lld\n",
					i, (long long) stats.columns[i], (long long) stats.apparent[i],
					(long long) stats.emergent[i], (long long) stats.reduced[i]);
		fprintf(stderr, "additions %lld, heap windows cut %lld, advanced %lld, peak tracked memory %zu bytes\n",
				(long long) stats.additions, (long long) stats.window_shrinks,
				(long long) stats.window_advances, stats.peak_bytes);
		if (sparse_eps > 0.0)
			fprintf(stderr, "sparse: epsilon %g, mu %.9g, %lld edges of %lld pairs, %lld working columns compacted\n",
					sparse_info.epsilon, sparse_info.mu, (long long) sparse_info.n_edges,
					(long long) (stats.n_points * (stats.n_points - 1) / 2), (long long) stats.compactions);
		if (sparse_eps > 0.0)
		{
			size_t		fixed,
						per_edge;

			/*
			 * the sparse model, known once the edges are counted; H1's
			 * working columns come on top (tens of MB when a column's
			 * coboundaries pile up)
			 */
			te_rips_sparse_memory(stats.n_points, dim, &fixed, &per_edge);
			fprintf(stderr, "estimated peak %.0f bytes before H1's working columns (%zu fixed, %zu an edge)\n",
					(double) fixed + (double) per_edge * (double) sparse_info.n_edges,
					fixed, per_edge);
		}
		else
			fprintf(stderr, "estimated peak %zu bytes\n",
					te_rips_memory_estimate(stats.n_points, strcmp(format, "point-cloud") == 0 ? dim : 0, opt.max_dim,
											opt.threshold));
		fprintf(stderr, "engine time %.3f s (input read before it)\n",
				(double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec));
	}
	te_diagram_free(&env, &dg);
	return 0;
}
