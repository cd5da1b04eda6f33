/*
 * plots.c - SQL face of the SVG plots: diagrams, barcodes, spectra and
 * Betti curves as standalone SVG documents (text)
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "topembed/diagram.h"
#include "topembed/svg.h"

/* the optional title argument argno, or NULL for the default */
static char *
title_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* hand a core SVG document back as text */
static text *
svg_text(TeStatus st, TeEnv *env, char *doc, const char *what)
{
	text	   *t;

	te_check_status(st, env, what);
	t = cstring_to_text(doc);
	te_free(env, doc);
	return t;
}

/* the axis quantity of a metric named by argument argno (NULL: none) */
static const char *
unit_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	switch (te_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(argno))))
	{
		case TE_METRIC_COSINE:
			return "cosine distance";
		case TE_METRIC_ANGULAR:
			return "angular distance, radians";
		case TE_METRIC_EUCLIDEAN:
			return "Euclidean distance";
	}
	return NULL;
}

/* a non-negative finite number from argument argno (NULL: 0, "from the data") */
static double
range_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		v;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return 0.0;
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v) || v < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number >= 0 or NULL, not %g", name, v)));
	return v;
}

/* the message of a plot whose input is NULL, as an aggregate over no rows gives */
#define NULL_DIAGRAM "no data: the diagram is NULL (no rows?)"
#define NULL_SPECTRUM "no data: the spectrum is NULL (no rows?)"

typedef TeStatus (*DiagramPlot) (TeEnv *env, const TePersPair *pairs, int64_t n,
								 const char *title, const TeSvgOptions *opt, char **out);

/*
 * a diagram plot: argument 0 the diagram, 1 the title, 2 the metric that
 * names the axes, 3 the shared scale, 4 the pair to highlight; a NULL diagram gives a picture that
 * says so, never a NULL that a file or a dashboard panel would show as
 * nothing
 */
static Datum
diagram_plot(FunctionCallInfo fcinfo, DiagramPlot plot, const char *what)
{
	int64		n = 0;
	TePersPair *pairs = NULL;
	TeSvgOptions opt;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	memset(&opt, 0, sizeof(opt));
	opt.unit = unit_arg(fcinfo, 2);
	opt.scale_max = range_arg(fcinfo, 3, "max_scale");
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		opt.highlight = PG_GETARG_INT64(4);
		if (opt.highlight < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("highlight must be the number of a pair of the diagram, from 1, not %lld",
							(long long) opt.highlight),
					 errhint("Pairs are numbered as the elements of the diagram array, from 1; NULL highlights none.")));
	}
	if (PG_ARGISNULL(0))
	{
		opt.empty = NULL_DIAGRAM;
		opt.highlight = 0;		/* no pairs to mark: the picture says why */
	}
	else
		pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	if (opt.highlight > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("highlight %lld is beyond the diagram, which has %lld pairs",
						(long long) opt.highlight, (long long) n),
				 errhint("Pairs are numbered as the elements of the diagram array, from 1; NULL highlights none.")));
	te_env_init(&env, CurrentMemoryContext);
	st = plot(&env, pairs, n, title_arg(fcinfo, 1), &opt, &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, what));
}

PG_FUNCTION_INFO_V1(topembed_diagram_svg);

/* topembed.diagram_svg(diagram, title [, metric [, max_scale [, highlight]]]) */
Datum
topembed_diagram_svg(PG_FUNCTION_ARGS)
{
	return diagram_plot(fcinfo, te_svg_diagram_ex, "diagram_svg");
}

PG_FUNCTION_INFO_V1(topembed_barcode_svg);

/* topembed.barcode_svg(diagram, title [, metric [, max_scale [, highlight]]]) */
Datum
topembed_barcode_svg(PG_FUNCTION_ARGS)
{
	return diagram_plot(fcinfo, te_svg_barcode_ex, "barcode_svg");
}

/* the attribute number of a named column, or ERROR */
static int
attno_by_name(TupleDesc tupdesc, const char *name)
{
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("a spectrum record needs a column \"%s\"", name)));
	return 0;
}

/* fill a series from a spectrum_stats record */
static void
series_from_record(HeapTupleHeader rec, TeSpectrumSeries *s)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec),
												 HeapTupleHeaderGetTypMod(rec));
	HeapTupleData tuple;
	bool		isnull;
	Datum		d;
	int			attno;

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;

	s->eigenvalues = NULL;
	s->n = 0;
	s->effective_rank = 0;
	s->dims_99 = 0;
	attno = attno_by_name(tupdesc, "eigenvalues");
	d = heap_getattr(&tuple, attno, tupdesc, &isnull);
	if (!isnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(d);

		if (ARR_NDIM(a) == 1 && !array_contains_nulls(a))
		{
			s->n = ARR_DIMS(a)[0];
			s->eigenvalues = (double *) ARR_DATA_PTR(a);
		}
		else if (ARR_NDIM(a) > 1 || array_contains_nulls(a))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("eigenvalues must be a one-dimensional array without NULLs")));
	}
	d = heap_getattr(&tuple, attno_by_name(tupdesc, "effective_rank"), tupdesc, &isnull);
	if (!isnull)
		s->effective_rank = DatumGetFloat8(d);
	d = heap_getattr(&tuple, attno_by_name(tupdesc, "dims_99"), tupdesc, &isnull);
	if (!isnull)
		s->dims_99 = DatumGetInt32(d);
	ReleaseTupleDesc(tupdesc);
}

PG_FUNCTION_INFO_V1(topembed_spectrum_svg);

/* the shared eigenvalue range of arguments argno and argno + 1 */
static void
eigen_range_args(FunctionCallInfo fcinfo, int argno, TeSvgOptions *opt)
{
	opt->y_min = range_arg(fcinfo, argno, "min_eigenvalue");
	opt->y_max = range_arg(fcinfo, argno + 1, "max_eigenvalue");
	if (opt->y_min > 0.0 && opt->y_max > 0.0 && opt->y_min > opt->y_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_eigenvalue %g is above max_eigenvalue %g", opt->y_min, opt->y_max)));
}

/* topembed.spectrum_svg(spectrum_stats, title [, min_eigenvalue, max_eigenvalue]) */
Datum
topembed_spectrum_svg(PG_FUNCTION_ARGS)
{
	TeSpectrumSeries s;
	TeSvgOptions opt;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	memset(&opt, 0, sizeof(opt));
	eigen_range_args(fcinfo, 2, &opt);
	te_env_init(&env, CurrentMemoryContext);
	if (PG_ARGISNULL(0))
	{
		opt.empty = NULL_SPECTRUM;
		st = te_svg_spectrum_ex(&env, NULL, 0, title_arg(fcinfo, 1), &opt, &doc);
		PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
	}
	series_from_record(PG_GETARG_HEAPTUPLEHEADER(0), &s);
	s.label = "eigenvalues";
	st = te_svg_spectrum_ex(&env, &s, 1, title_arg(fcinfo, 1), &opt, &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
}

PG_FUNCTION_INFO_V1(topembed_spectra_svg);

/*
 * topembed.spectrum_svg(spectrum_stats[], labels text[], title [,
 * min_eigenvalue, max_eigenvalue]): several spectra in one plot
 */
Datum
topembed_spectra_svg(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *recs;
	bool	   *recnulls;
	int			nrecs,
				nlabels = 0,
				i;
	Datum	   *labels = NULL;
	bool	   *labelnulls = NULL;
	TeSpectrumSeries *series;
	TeSvgOptions opt;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	memset(&opt, 0, sizeof(opt));
	eigen_range_args(fcinfo, 3, &opt);
	if (PG_ARGISNULL(0))
	{
		opt.empty = "no data: the spectra are NULL (no rows?)";
		te_env_init(&env, CurrentMemoryContext);
		st = te_svg_spectrum_ex(&env, NULL, 0, title_arg(fcinfo, 2), &opt, &doc);
		PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
	}
	arr = PG_GETARG_ARRAYTYPE_P(0);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &recs, &recnulls, &nrecs);
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *la = PG_GETARG_ARRAYTYPE_P(1);

		deconstruct_array(la, TEXTOID, -1, false, TYPALIGN_INT, &labels, &labelnulls, &nlabels);
		if (nlabels != nrecs)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d labels for %d spectra", nlabels, nrecs)));
	}
	if (nrecs > TE_SVG_MAX_SERIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("at most %d spectra fit in one plot, not %d", TE_SVG_MAX_SERIES, nrecs)));
	series = palloc0(sizeof(TeSpectrumSeries) * Max(nrecs, 1));
	for (i = 0; i < nrecs; i++)
	{
		if (recnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("spectrum %d is NULL", i + 1)));
		series_from_record(DatumGetHeapTupleHeader(recs[i]), &series[i]);
		series[i].label = (labels && !labelnulls[i]) ? TextDatumGetCString(labels[i]) : NULL;
	}
	te_env_init(&env, CurrentMemoryContext);
	st = te_svg_spectrum_ex(&env, series, nrecs, title_arg(fcinfo, 2), &opt, &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
}

PG_FUNCTION_INFO_V1(topembed_betti_curve_svg);

/*
 * topembed.betti_curve_svg(diagram, grid, title [, metric]): the Betti
 * curves of every homology dimension in the diagram; without a grid, 256
 * scales from 0 to a little past the largest finite death; a NULL diagram
 * gives a picture that says so
 */
Datum
topembed_betti_curve_svg(PG_FUNCTION_ARGS)
{
	int64		n,
				i;
	TePersPair *pairs;
	double	   *grid;
	int			m,
				k,
				top = 0;
	TeCurveSeries series[TE_SVG_MAX_DIM + 1];
	char		labels[TE_SVG_MAX_DIM + 1][8];
	TeSvgOptions opt;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	memset(&opt, 0, sizeof(opt));
	opt.unit = unit_arg(fcinfo, 3);
	if (PG_ARGISNULL(0))
	{
		opt.empty = NULL_DIAGRAM;
		te_env_init(&env, CurrentMemoryContext);
		st = te_svg_betti_curves_ex(&env, NULL, 0, title_arg(fcinfo, 2), NULL, &opt, &doc);
		PG_RETURN_TEXT_P(svg_text(st, &env, doc, "betti_curve_svg"));
	}
	pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	for (i = 0; i < n; i++)
	{
		if (pairs[i].dim < 0 || pairs[i].dim > TE_SVG_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("only homology dimensions 0 to %d can be drawn, not %d",
							TE_SVG_MAX_DIM, pairs[i].dim)));
		top = Max(top, pairs[i].dim);
	}
	if (!PG_ARGISNULL(1))
	{
		grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(1), &m, "grid");
		for (k = 0; k < m; k++)
			if (!isfinite(grid[k]) || (k > 0 && grid[k] < grid[k - 1]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("grid must be finite and ascending")));
	}
	else
	{
		double		hi = 0;

		for (i = 0; i < n; i++)
		{
			if (isfinite(pairs[i].death) && pairs[i].death > hi)
				hi = pairs[i].death;
			if (isfinite(pairs[i].birth) && pairs[i].birth > hi)
				hi = pairs[i].birth;
		}
		if (hi <= 0)
			hi = 1;
		m = 256;
		grid = palloc(sizeof(double) * m);
		for (k = 0; k < m; k++)
			grid[k] = 1.05 * hi * k / (m - 1);
	}

	te_env_init(&env, CurrentMemoryContext);
	for (k = 0; k <= top; k++)
	{
		int64	   *curve = palloc(sizeof(int64) * Max(m, 1));
		double	   *y = palloc(sizeof(double) * Max(m, 1));
		int			j;

		te_check_status(te_betti_curve(&env, pairs, n, k, grid, m, curve), &env, "betti_curve_svg");
		for (j = 0; j < m; j++)
			y[j] = (double) curve[j];
		snprintf(labels[k], sizeof(labels[k]), "H%d", k);
		series[k].label = labels[k];
		series[k].x = grid;
		series[k].y = y;
		series[k].n = m;
	}
	st = te_svg_betti_curves_ex(&env, series, top + 1, title_arg(fcinfo, 2), NULL, &opt, &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "betti_curve_svg"));
}
