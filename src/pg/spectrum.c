/*
 * spectrum.c - SQL face of the covariance spectrum, the collapse measures,
 * PCA projection and the gap of two sketches
 */
#include "topembed.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "topembed/gap.h"
#include "topembed/moments.h"
#include "topembed/spectrum.h"

#define SPECTRUM_NATTS 10

/* the spectrum_stats composite of a flushed sketch */
static Datum
spectrum_datum(FunctionCallInfo fcinfo, const TeMoments *m)
{
	TupleDesc	tupdesc;
	Datum		values[SPECTRUM_NATTS];
	bool		nulls[SPECTRUM_NATTS];
	TeSpectrum	sp;
	TeEnv		env;
	double	   *ratio;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning topembed.spectrum_stats called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != SPECTRUM_NATTS)
		elog(ERROR, "topembed.spectrum_stats has %d attributes, expected %d", tupdesc->natts, SPECTRUM_NATTS);

	memset(&sp, 0, sizeof(sp));
	sp.eigenvalues = palloc(sizeof(double) * m->dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_spectrum_compute(&env, m, &sp), &env, "spectrum");

	ratio = palloc(sizeof(double) * m->dim);
	for (i = 0; i < m->dim; i++)
		ratio[i] = sp.has_measures ? sp.eigenvalues[i] / sp.total_variance : 0.0;

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(sp.n);
	values[1] = Int32GetDatum(sp.dim);
	values[2] = PointerGetDatum(te_float8_array(sp.eigenvalues, sp.dim));
	values[3] = PointerGetDatum(te_float8_array(ratio, sp.dim));
	nulls[3] = !sp.has_measures;
	values[4] = Float8GetDatum(sp.total_variance);
	values[5] = Float8GetDatum(sp.effective_rank);
	nulls[5] = !sp.has_measures;
	values[6] = Float8GetDatum(sp.rankme);
	values[7] = Float8GetDatum(sp.participation_ratio);
	nulls[7] = !sp.has_measures;
	values[8] = Int32GetDatum(sp.dims_99);
	nulls[8] = !sp.has_measures;
	values[9] = Int32GetDatum(sp.numerical_rank);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

PG_FUNCTION_INFO_V1(topembed_spectrum);

/* topembed.spectrum(moments) */
Datum
topembed_spectrum(PG_FUNCTION_ARGS)
{
	TeMoments  *m = te_moments_arg(fcinfo, 0);

	if (m->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(spectrum_datum(fcinfo, m));
}

PG_FUNCTION_INFO_V1(topembed_spectral_collapse_finalfn);

/* final function of topembed.spectral_collapse(embedding) */
Datum
topembed_spectral_collapse_finalfn(PG_FUNCTION_ARGS)
{
	TeMoments  *m;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = te_moments_flushed_copy((TeMoments *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
	if (m->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(spectrum_datum(fcinfo, m));
}

/* ERROR unless the sketch can give k principal directions */
static void
check_basis(const TeMoments *m, int32 k)
{
	if (k < 1 || k > m->dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and the basis dimension %d, not %d", m->dim, k)));
	if (m->n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the basis sketch is empty")));
}

/* the cached PCA basis of one sketch */
typedef struct PcaCache
{
	uint64		fingerprint;
	int64		n;
	int			dim;
	int			k;
	double	   *mean;
	double	   *V;				/* dim x k, column-major */
	double	   *x;				/* scratch row */
	double	   *y;				/* scratch projection */
} PcaCache;

/* the basis for (sketch, k), computed once per query and call site */
static PcaCache *
pca_basis(FunctionCallInfo fcinfo, const TeMoments *m, int k)
{
	PcaCache   *c = (PcaCache *) fcinfo->flinfo->fn_extra;
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	TeEnv		env;

	if (c && c->fingerprint == m->fingerprint && c->n == m->n && c->dim == m->dim && c->k == k &&
		memcmp(c->mean, te_moments_mean_c(m), sizeof(double) * m->dim) == 0)
		return c;
	if (c)
	{
		pfree(c->mean);
		pfree(c->V);
		pfree(c->x);
		pfree(c->y);
		pfree(c);
		fcinfo->flinfo->fn_extra = NULL;
	}
	c = MemoryContextAlloc(cxt, sizeof(PcaCache));
	c->fingerprint = m->fingerprint;
	c->n = m->n;
	c->dim = m->dim;
	c->k = k;
	c->mean = MemoryContextAlloc(cxt, sizeof(double) * m->dim);
	c->V = MemoryContextAllocHuge(cxt, sizeof(double) * m->dim * k);
	c->x = MemoryContextAlloc(cxt, sizeof(double) * m->dim);
	c->y = MemoryContextAlloc(cxt, sizeof(double) * k);
	memcpy(c->mean, te_moments_mean_c(m), sizeof(double) * m->dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_pca_basis(&env, m, k, c->V, NULL), &env, "pca_project");
	fcinfo->flinfo->fn_extra = c;
	return c;
}

PG_FUNCTION_INFO_V1(topembed_pca_project);

/*
 * topembed.pca_project(embedding, basis, k): (x - mean)' V_k, the centred
 * projection onto the top-k eigenvectors of the basis sketch's covariance
 */
Datum
topembed_pca_project(PG_FUNCTION_ARGS)
{
	TeMoments  *m = te_moments_arg(fcinfo, 1);
	int32		k = PG_GETARG_INT32(2);
	TeEmbedding e;
	PcaCache   *c;
	int			i,
				j;

	check_basis(m, k);
	e = te_embedding_arg(fcinfo, 0, NULL, m->dim);
	c = pca_basis(fcinfo, m, k);
	te_embedding_to_double(&e, NULL, c->x);
	for (i = 0; i < m->dim; i++)
		c->x[i] -= c->mean[i];
	for (j = 0; j < k; j++)
	{
		const double *v = c->V + (size_t) j * m->dim;
		double		s = 0.0;

		for (i = 0; i < m->dim; i++)
			s += c->x[i] * v[i];
		if (!isfinite(s) || (e.elemtype == FLOAT4OID && fabs(s) > FLT_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the projection of this embedding exceeds the %s range",
							e.elemtype == FLOAT4OID ? "real" : "double precision"),
					 errhint("Scale the embeddings down first, e.g. with topembed.l2_normalize.")));
		c->y[j] = s;
	}
	if (e.elemtype == FLOAT8OID)
		PG_RETURN_ARRAYTYPE_P(te_float8_array(c->y, k));
	PG_RETURN_ARRAYTYPE_P(te_float4_array(c->y, k));
}

PG_FUNCTION_INFO_V1(topembed_pca_components);

/* topembed.pca_components(basis, k): the top-k eigenvectors as k x dim rows */
Datum
topembed_pca_components(PG_FUNCTION_ARGS)
{
	TeMoments  *m = te_moments_arg(fcinfo, 0);
	int32		k = PG_GETARG_INT32(1);
	PcaCache   *c;

	check_basis(m, k);
	c = pca_basis(fcinfo, m, k);
	/* column j of V (contiguous) is row j of the result */
	PG_RETURN_ARRAYTYPE_P(te_float8_matrix(c->V, k, m->dim));
}

/*
 * How far from 1 the norms of a sketch's rows may be for the gap from two
 * sketches: float32 exports of unit vectors (CLIP's among them) have norms
 * within about 5e-4 of 1, and the gap from their means is then off by about
 * as much at most
 */
#define TE_UNIT_NORM_TOLERANCE 1e-3

/* ERROR unless every row of the sketch was a unit vector, up to float32 rounding */
static void
require_unit(const TeMoments *m, const char *side)
{
	if (fabs(m->min_norm - 1.0) > TE_UNIT_NORM_TOLERANCE ||
		fabs(m->max_norm - 1.0) > TE_UNIT_NORM_TOLERANCE)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the %s sketch was not built on unit vectors", side),
				 errdetail("Its rows have norms from %g to %g, not all within %g to %g; the modality gap is defined on L2-normalised embeddings.",
						   m->min_norm, m->max_norm,
						   1.0 - TE_UNIT_NORM_TOLERANCE, 1.0 + TE_UNIT_NORM_TOLERANCE),
				 errhint("Build the sketches on topembed.l2_normalize(embedding).")));
}

PG_FUNCTION_INFO_V1(topembed_gap_from_moments);

/* topembed.modality_gap(image moments, text moments) */
Datum
topembed_gap_from_moments(PG_FUNCTION_ARGS)
{
	TeMoments  *img = te_moments_arg(fcinfo, 0);
	TeMoments  *txt = te_moments_arg(fcinfo, 1);
	TeGapStats	st;
	double	   *gv;

	if (img->dim != txt->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("text sketch: expected %d dimensions, not %d", img->dim, txt->dim)));
	if (img->n > 0)
		require_unit(img, "image");
	if (txt->n > 0)
		require_unit(txt, "text");
	gv = palloc(sizeof(double) * img->dim);
	te_gap_from_means(img->dim, img->n, te_moments_mean_c(img), txt->n, te_moments_mean_c(txt), &st, gv);
	PG_RETURN_DATUM(te_gap_stats_datum(fcinfo, &st, gv));
}

PG_FUNCTION_INFO_V1(topembed_l2_normalize);

/* topembed.l2_normalize(embedding): the embedding scaled to unit length */
Datum
topembed_l2_normalize(PG_FUNCTION_ARGS)
{
	int			dim;
	double	   *x = te_embedding_read(PG_GETARG_ARRAYTYPE_P(0), NULL, 0, &dim);

	if (te_normalize(x, dim) == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot normalise a zero vector"),
				 errhint("%s", TE_ZERO_VECTOR_HINT)));
	if (ARR_ELEMTYPE(PG_GETARG_ARRAYTYPE_P(0)) == FLOAT8OID)
		PG_RETURN_ARRAYTYPE_P(te_float8_array(x, dim));
	PG_RETURN_ARRAYTYPE_P(te_float4_array(x, dim));
}
