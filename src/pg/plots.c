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

typedef TeStatus (*DiagramPlot) (TeEnv *env, const TePersPair *pairs, int64_t n,
								 const char *title, char **out);

/* a diagram plot of argument 0 titled by argument 1 */
static Datum
diagram_plot(FunctionCallInfo fcinfo, DiagramPlot plot, const char *what)
{
	int64		n;
	TePersPair *pairs;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
	te_env_init(&env, CurrentMemoryContext);
	st = plot(&env, pairs, n, title_arg(fcinfo, 1), &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, what));
}

PG_FUNCTION_INFO_V1(te_diagram_svg);

/* topembed.diagram_svg(diagram, title) */
Datum
te_diagram_svg(PG_FUNCTION_ARGS)
{
	return diagram_plot(fcinfo, te_svg_diagram, "diagram_svg");
}

PG_FUNCTION_INFO_V1(te_barcode_svg);

/* topembed.barcode_svg(diagram, title) */
Datum
te_barcode_svg(PG_FUNCTION_ARGS)
{
	return diagram_plot(fcinfo, te_svg_barcode, "barcode_svg");
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

PG_FUNCTION_INFO_V1(te_spectrum_svg);

/* topembed.spectrum_svg(spectrum_stats, title) */
Datum
te_spectrum_svg(PG_FUNCTION_ARGS)
{
	TeSpectrumSeries s;
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	series_from_record(PG_GETARG_HEAPTUPLEHEADER(0), &s);
	s.label = "eigenvalues";
	te_env_init(&env, CurrentMemoryContext);
	st = te_svg_spectrum(&env, &s, 1, title_arg(fcinfo, 1), &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
}

PG_FUNCTION_INFO_V1(te_spectra_svg);

/* topembed.spectrum_svg(spectrum_stats[], labels text[], title): several spectra in one plot */
Datum
te_spectra_svg(PG_FUNCTION_ARGS)
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
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
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
	st = te_svg_spectrum(&env, series, nrecs, title_arg(fcinfo, 2), &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "spectrum_svg"));
}

PG_FUNCTION_INFO_V1(te_betti_curve_svg);

/*
 * topembed.betti_curve_svg(diagram, grid, title): the Betti curves of every
 * homology dimension in the diagram; without a grid, 256 scales from 0 to a
 * little past the largest finite death
 */
Datum
te_betti_curve_svg(PG_FUNCTION_ARGS)
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
	TeEnv		env;
	char	   *doc = NULL;
	TeStatus	st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pairs = te_diagram_arg(PG_GETARG_ARRAYTYPE_P(0), &n);
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
	st = te_svg_betti_curves(&env, series, top + 1, title_arg(fcinfo, 2), "scale", &doc);
	PG_RETURN_TEXT_P(svg_text(st, &env, doc, "betti_curve_svg"));
}
