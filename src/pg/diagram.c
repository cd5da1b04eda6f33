/*
 * diagram.c - SQL face of persistence diagrams: reading
 * topembed.persistence_pair[] arguments, their summaries, distances and
 * matchings
 */
#include "topembed.h"

#include <math.h>

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/tupmacs.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "topembed/diagram.h"
#include "topembed/pair.h"

/* the tuple descriptor of the diagram's element type, checked (release it) */
static TupleDesc
pair_tupdesc(Oid elemtype)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(elemtype, -1);

	if (tupdesc->natts != 3 ||
		TupleDescAttr(tupdesc, 0)->atttypid != INT4OID ||
		TupleDescAttr(tupdesc, 1)->atttypid != FLOAT8OID ||
		TupleDescAttr(tupdesc, 2)->atttypid != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a persistence diagram must be an array of (hdim integer, birth float8, death float8)")));
	return tupdesc;
}

/*
 * Decode element i (a composite datum with a 4-byte header) into *out:
 * NULL fields and homology dimensions outside 0 .. TE_PAIR_MAX_DIM are
 * refused here, before anything sized by them is allocated
 */
static void
decode_pair(HeapTupleHeader rec, TupleDesc tupdesc, int i, TePersPair *out)
{
	HeapTupleData tuple;
	Datum		values[3];
	bool		isnull[3];
	int32		dim;

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	heap_deform_tuple(&tuple, tupdesc, values, isnull);
	if (isnull[0] || isnull[1] || isnull[2])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("persistence pair %d has a NULL field", i + 1),
				 errhint("An essential class has death = 'Infinity', not NULL.")));
	dim = DatumGetInt32(values[0]);
	if (dim < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("persistence pair %d has negative dimension %d", i + 1, dim)));
	if (dim > TE_PAIR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("persistence pair %d has homology dimension %d; the highest supported is %d",
						i + 1, dim, TE_PAIR_MAX_DIM)));
	out->dim = dim;
	out->birth = DatumGetFloat8(values[1]);
	out->death = DatumGetFloat8(values[2]);
}

/* ERROR unless a diagram array has at most one dimension */
static void
check_diagram_ndim(int ndim)
{
	if (ndim > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a persistence diagram must be a one-dimensional array, not %d-dimensional",
						ndim)));
}

/*
 * The pairs of a topembed.persistence_pair[] argument.  NULL elements or
 * fields are refused, and so is a homology dimension outside 0 ..
 * TE_PAIR_MAX_DIM; the other values are checked by the core functions.
 * The array is walked in place (no Datum array, one tuple descriptor), with
 * interrupt checks, so that diagrams of millions of bars cost one copy of
 * their values.
 */
TePersPair *
te_diagram_arg(ArrayType *arr, int64 *n)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	TupleDesc	tupdesc;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			count,
				i;
	bits8	   *bitmap = ARR_NULLBITMAP(arr);
	char	   *ptr = ARR_DATA_PTR(arr);
	TePersPair *pairs;

	check_diagram_ndim(ARR_NDIM(arr));
	count = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	tupdesc = pair_tupdesc(elemtype);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	pairs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TePersPair) * Max(count, 1));
	for (i = 0; i < count; i++)
	{
		HeapTupleHeader rec;
		Datum		elem;

		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		if (bitmap && (bitmap[i / 8] & (1 << (i % 8))) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("persistence pair %d is NULL", i + 1)));
		elem = fetch_att(ptr, typbyval, typlen);
		/* short or compressed headers need a flat copy, freed below */
		rec = DatumGetHeapTupleHeader(elem);
		ptr = att_addlength_pointer(ptr, typlen, ptr);
		ptr = (char *) att_align_nominal(ptr, typalign);
		decode_pair(rec, tupdesc, i, &pairs[i]);
		if ((Pointer) rec != DatumGetPointer(elem))
			pfree(rec);
	}
	ReleaseTupleDesc(tupdesc);
	*n = count;
	return pairs;
}

/* bytes of a stored diagram fetched at a time */
#define DIAGRAM_SLICE (4 * 1024 * 1024)

/* a window on a toasted value: the bytes [start, end) of its data */
typedef struct SliceWindow
{
	Datum		value;
	Size		total;			/* bytes of data (after the varlena header) */
	Size		start,
				end;
	struct varlena *slice;
} SliceWindow;

/* the data bytes [off, off + len) of the value, fetching a new slice if needed */
static const char *
window_at(SliceWindow *w, Size off, Size len)
{
	if (off + len > w->total || off + len < off)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a stored persistence diagram ends inside an element")));
	if (w->slice == NULL || off < w->start || off + len > w->end)
	{
		Size		want = Max(len, DIAGRAM_SLICE);

		CHECK_FOR_INTERRUPTS();
		if (w->slice)
			pfree(w->slice);
		want = Min(want, w->total - off);
		w->slice = PG_DETOAST_DATUM_SLICE(w->value, off, want);
		w->start = off;
		w->end = off + (VARSIZE(w->slice) - VARHDRSZ);
		if (off + len > w->end)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("a stored persistence diagram is shorter than its header says")));
	}
	return VARDATA(w->slice) + (off - w->start);
}

/*
 * The pairs of a diagram stored out of line without compression, read
 * slice by slice: the whole array is never in memory, and a cancel is seen
 * between slices (fetching hundreds of megabytes at once is not
 * interruptible).  NULL for arrays with NULL elements (the caller reads
 * them whole, to name the NULL one).
 */
static TePersPair *
diagram_streamed(Datum value, int64 *n)
{
	SliceWindow w;
	const char *h;
	int32		ndim,
				dataoffset;
	Oid			elemtype;
	int			count = 0,
				i;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	TupleDesc	tupdesc;
	TePersPair *pairs;
	Size		pos;
	char	   *ebuf = NULL;
	Size		ecap = 0;

	memset(&w, 0, sizeof(w));
	w.value = value;
	w.total = toast_raw_datum_size(value) - VARHDRSZ;
	/* ArrayType after its varlena header: ndim, dataoffset, elemtype, dims */
	h = window_at(&w, 0, Min(w.total, 3 * sizeof(int32)));
	if (w.total < 3 * sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a stored persistence diagram is truncated")));
	memcpy(&ndim, h, sizeof(int32));
	memcpy(&dataoffset, h + sizeof(int32), sizeof(int32));
	memcpy(&elemtype, h + 2 * sizeof(int32), sizeof(Oid));
	check_diagram_ndim(ndim);
	if (dataoffset != 0)
	{
		pfree(w.slice);
		return NULL;
	}
	if (ndim == 1)
		memcpy(&count, window_at(&w, 3 * sizeof(int32), sizeof(int32)), sizeof(int32));
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a stored persistence diagram has %d elements", count)));
	tupdesc = pair_tupdesc(elemtype);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (typlen != -1)
		elog(ERROR, "persistence_pair has a fixed length");
	pairs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TePersPair) * Max(count, 1));
	/* element offsets are kept from the start of the ArrayType, which is aligned */
	pos = ARR_OVERHEAD_NONULLS(ndim);
	for (i = 0; i < count; i++)
	{
		const char *p;
		Size		len;

		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		pos = att_align_nominal(pos, typalign);
		p = window_at(&w, pos - VARHDRSZ, 1);
		if (VARATT_IS_1B(p) && !VARATT_IS_1B_E(p))
			len = VARSIZE_1B(p);
		else
		{
			p = window_at(&w, pos - VARHDRSZ, VARHDRSZ);
			len = VARATT_IS_4B_U(p) ? VARSIZE_4B(p) : 0;
		}
		/* (elements of arrays are never compressed or external) */
		if (len < 1 + offsetof(HeapTupleHeaderData, t_bits))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("persistence pair %d of a stored diagram is corrupt", i + 1)));
		p = window_at(&w, pos - VARHDRSZ, len);
		/* an aligned copy with a 4-byte header */
		if (ecap < len + VARHDRSZ)
		{
			if (ebuf)
				pfree(ebuf);
			ecap = Max(len + VARHDRSZ, 256);
			ebuf = palloc(ecap);
		}
		if (VARATT_IS_1B(p))
		{
			SET_VARSIZE(ebuf, len - 1 + VARHDRSZ);
			memcpy(VARDATA(ebuf), p + 1, len - 1);
		}
		else
			memcpy(ebuf, p, len);
		decode_pair((HeapTupleHeader) ebuf, tupdesc, i, &pairs[i]);
		pos += len;
	}
	ReleaseTupleDesc(tupdesc);
	if (w.slice)
		pfree(w.slice);
	if (ebuf)
		pfree(ebuf);
	*n = count;
	return pairs;
}

/*
 * The pairs of a persistence_pair[] argument given as a Datum: a value
 * stored out of line without compression is read slice by slice (see
 * diagram_streamed), any other one detoasted and read whole.
 */
TePersPair *
te_diagram_datum(Datum value, int64 *n)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(value);

	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		struct varatt_external toast;

		VARATT_EXTERNAL_GET_POINTER(toast, raw);
		if (!VARATT_EXTERNAL_IS_COMPRESSED(toast))
		{
			TePersPair *pairs = diagram_streamed(value, n);

			if (pairs)
				return pairs;
		}
	}
	return te_diagram_arg(DatumGetArrayTypeP(value), n);
}

/* ---- summaries ---- */

/* ERROR unless dim is a homology dimension */
static void
check_hdim(int32 dim)
{
	if (dim < 0 || dim > TE_PAIR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hdim must be a homology dimension (0, 1, 2, ...), not %d", dim)));
}

/* a float8[] argument as a C array without NULLs */
double *
te_grid_arg(ArrayType *arr, int *m, const char *what)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", what)));
	*m = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	return (double *) ARR_DATA_PTR(arr);
}

/* the highest homology dimension in a diagram, or -1 if empty */
static int
top_dim(const TePersPair *pairs, int64 n)
{
	int			top = -1;
	int64		i;

	for (i = 0; i < n; i++)
		if (pairs[i].dim > top)
			top = pairs[i].dim;
	return top;
}

PG_FUNCTION_INFO_V1(topembed_betti_numbers);

/* topembed.betti_numbers(diagram, r): int[] of beta_0 .. beta_topdim at r */
Datum
topembed_betti_numbers(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	double		r = PG_GETARG_FLOAT8(1);
	int			top = top_dim(pairs, n);
	int		   *betti;
	Datum	   *out;
	TeEnv		env;
	int			k;

	if (isnan(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("r must not be NaN")));
	if (top < 0)
		top = 0;
	betti = palloc0(sizeof(int) * (top + 1));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_betti_numbers(&env, pairs, n, r, betti, top), &env, "betti_numbers");
	out = palloc(sizeof(Datum) * (top + 1));
	for (k = 0; k <= top; k++)
		out[k] = Int32GetDatum(betti[k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, top + 1, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(topembed_betti_curve);

/* topembed.betti_curve(diagram, dim, grid): int[] of beta_dim at each grid value */
Datum
topembed_betti_curve(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	int			m,
				i;
	double	   *grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(2), &m, "grid");
	int64	   *curve;
	Datum	   *out;
	TeEnv		env;

	check_hdim(dim);
	curve = palloc(sizeof(int64) * Max(m, 1));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_betti_curve(&env, pairs, n, dim, grid, m, curve), &env, "betti_curve");
	out = palloc(sizeof(Datum) * Max(m, 1));
	for (i = 0; i < m; i++)
		out[i] = Int32GetDatum((int32) curve[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, m, INT4OID, 4, true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(topembed_persistence_entropy);

/* topembed.persistence_entropy(diagram, dim): NULL without finite bars */
Datum
topembed_persistence_entropy(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	double		e = 0;
	int			defined = 0;
	TeEnv		env;

	check_hdim(dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_entropy(&env, pairs, n, dim, &e, &defined), &env, "persistence_entropy");
	if (!defined)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(e);
}

PG_FUNCTION_INFO_V1(topembed_total_persistence);

/* topembed.total_persistence(diagram, dim, p): sum of finite lengths^p */
Datum
topembed_total_persistence(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	double		p = PG_GETARG_FLOAT8(2);
	double		out = 0;
	TeEnv		env;

	check_hdim(dim);
	if (!(p > 0) || isinf(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be a positive finite number, not %g", p)));
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_total_persistence(&env, pairs, n, dim, p, &out, NULL), &env, "total_persistence");
	PG_RETURN_FLOAT8(out);
}

/* an uninitialised rows x cols float8[][]; *data points at its values */
static ArrayType *
new_float8_matrix(int rows, int cols, double **data)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(2) + sizeof(double) * (Size) rows * cols;
	ArrayType  *a;

	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %d x %d array is too large", rows, cols)));
	a = palloc(nbytes);
	SET_VARSIZE(a, nbytes);
	a->ndim = 2;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = rows;
	ARR_DIMS(a)[1] = cols;
	ARR_LBOUND(a)[0] = 1;
	ARR_LBOUND(a)[1] = 1;
	*data = (double *) ARR_DATA_PTR(a);
	return a;
}

PG_FUNCTION_INFO_V1(topembed_persistence_landscape);

/* topembed.persistence_landscape(diagram, dim, k, grid): float8[k][m] */
Datum
topembed_persistence_landscape(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	int32		k = PG_GETARG_INT32(2);
	int			m;
	double	   *grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(3), &m, "grid");
	double	   *out;
	ArrayType  *result;
	TeEnv		env;

	check_hdim(dim);
	if (k < 1 || k > TE_LANDSCAPE_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d, not %d", TE_LANDSCAPE_MAX_K, k)));
	if ((double) k * m > (double) TE_LANDSCAPE_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a landscape of %d functions on %d grid values is too large", k, m)));
	if (m == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(FLOAT8OID));
	/* the core writes straight into the result: the output is the only big block */
	result = new_float8_matrix(k, m, &out);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_landscape(&env, pairs, n, dim, k, grid, m, out), &env,
					"persistence_landscape");
	PG_RETURN_ARRAYTYPE_P(result);
}

/* ERROR unless no value of a float8 array is NaN (what names it, 1-based) */
static void
check_no_nan(const double *x, int m, const char *what)
{
	int			i;

	for (i = 0; i < m; i++)
		if (isnan(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain NaN (element %d)", what, i + 1)));
}

/* the weight of a persistence image by its SQL name (any case) */
static TeImageWeight
image_weight_arg(text *t)
{
	char	   *name = text_to_cstring(t);

	if (pg_strcasecmp(name, "linear") == 0)
		return TE_IMAGE_LINEAR;
	if (pg_strcasecmp(name, "constant") == 0)
		return TE_IMAGE_CONSTANT;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown image weight \"%s\"", name),
			 errhint("The weights are 'linear' (the persistence death - birth) and 'constant' (1).")));
	return TE_IMAGE_LINEAR;		/* not reached */
}

/* the resolution {cols, rows} of an image: two positive int4 values, not too many */
static void
image_resolution_arg(ArrayType *arr, int *cols, int *rows)
{
	int32	   *v;

	if (ARR_ELEMTYPE(arr) != INT4OID)
		elog(ERROR, "resolution must be an integer[]");
	if (ARR_NDIM(arr) != 1 || ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != 2 ||
		array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resolution must be two integers {births, persistences} without NULL")));
	v = (int32 *) ARR_DATA_PTR(arr);
	if (v[0] < 1 || v[1] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resolution must be positive, not {%d,%d}", v[0], v[1])));
	if ((int64) v[0] * v[1] > TE_IMAGE_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an image of %d x %d pixels is too large", v[1], v[0]),
				 errhint("The most pixels of one image is %d (topembed.limits(): max_image_values).",
						 TE_IMAGE_MAX_VALUES)));
	*cols = v[0];
	*rows = v[1];
}

PG_FUNCTION_INFO_V1(topembed_persistence_image);

/*
 * topembed.persistence_image(diagram, hdim, resolution, sigma, weight,
 * bounds): float8[rows][cols]; NULL when diagram, hdim, resolution or
 * weight is NULL; a NULL sigma or bounds is derived
 */
Datum
topembed_persistence_image(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs;
	int32		dim;
	int			rows,
				cols,
				nb;
	double		sigma = 0,
			   *bounds = NULL,
			   *out;
	TeImageWeight weight;
	ArrayType  *result;
	TeEnv		env;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	dim = PG_GETARG_INT32(1);
	check_hdim(dim);
	image_resolution_arg(PG_GETARG_ARRAYTYPE_P(2), &cols, &rows);
	if (!PG_ARGISNULL(3))
	{
		sigma = PG_GETARG_FLOAT8(3);
		if (!(sigma >= TE_IMAGE_MIN_SIGMA && sigma <= TE_IMAGE_MAX_SIGMA))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sigma must be positive (between %g and %g), not %g",
							TE_IMAGE_MIN_SIGMA, TE_IMAGE_MAX_SIGMA, sigma),
					 errhint("NULL derives sigma from the image's pixel spacing.")));
	}
	weight = image_weight_arg(PG_GETARG_TEXT_PP(4));
	if (!PG_ARGISNULL(5))
	{
		bounds = te_grid_arg(PG_GETARG_ARRAYTYPE_P(5), &nb, "bounds");
		if (nb != 4)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bounds must have 4 values {birth min, birth max, persistence min, persistence max}, not %d",
							nb)));
		if (!isfinite(bounds[0]) || !isfinite(bounds[1]) || !isfinite(bounds[2]) || !isfinite(bounds[3]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bounds must be finite")));
		if (bounds[0] > bounds[1] || bounds[2] > bounds[3])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bounds must be {birth min, birth max, persistence min, persistence max} with min <= max, not {%g,%g,%g,%g}",
							bounds[0], bounds[1], bounds[2], bounds[3])));
	}
	pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	/* the core writes straight into the result: the output is the only big block */
	result = new_float8_matrix(rows, cols, &out);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_image(&env, pairs, n, dim, rows, cols,
										 PG_ARGISNULL(3) ? NULL : &sigma, weight, bounds, out, NULL),
					&env, "persistence_image");
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(topembed_persistence_silhouette);

/* topembed.persistence_silhouette(diagram, hdim, grid, p): float8[m] */
Datum
topembed_persistence_silhouette(PG_FUNCTION_ARGS)
{
	int64		n;
	TePersPair *pairs = te_diagram_datum(PG_GETARG_DATUM(0), &n);
	int32		dim = PG_GETARG_INT32(1);
	int			m;
	double	   *grid = te_grid_arg(PG_GETARG_ARRAYTYPE_P(2), &m, "grid");
	double		p = PG_GETARG_FLOAT8(3);
	double	   *vals;
	ArrayType  *result;
	Size		nbytes;
	TeEnv		env;

	check_hdim(dim);
	check_no_nan(grid, m, "grid");
	if (!(p >= 0) || isinf(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be a non-negative finite number, not %g", p)));
	if (m == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(FLOAT8OID));
	/* a float8[m] the core writes into (m values fit: the grid has as many) */
	nbytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (Size) m;
	result = palloc_extended(nbytes, MCXT_ALLOC_HUGE);
	SET_VARSIZE(result, nbytes);
	result->ndim = 1;
	result->dataoffset = 0;
	result->elemtype = FLOAT8OID;
	ARR_DIMS(result)[0] = m;
	ARR_LBOUND(result)[0] = 1;
	vals = (double *) ARR_DATA_PTR(result);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(te_persistence_silhouette(&env, pairs, n, dim, p, grid, m, vals), &env,
					"persistence_silhouette");
	PG_RETURN_ARRAYTYPE_P(result);
}

/* ---- distances ---- */

typedef TeStatus (*DiagramDistance) (TeEnv *env, const TePersPair *a, int64_t na,
									 const TePersPair *b, int64_t nb, int dim, double p,
									 double *out);

/* te_bottleneck_distance in the shape of te_wasserstein_distance */
static TeStatus
bottleneck_p(TeEnv *env, const TePersPair *a, int64_t na, const TePersPair *b, int64_t nb,
			 int dim, double p, double *out)
{
	(void) p;
	return te_bottleneck_distance(env, a, na, b, nb, dim, out);
}

/* a distance between the diagrams of arguments 0 and 1 in dimension argument 2 */
static double
diagram_distance(FunctionCallInfo fcinfo, DiagramDistance distance, double p, const char *what)
{
	int64		na,
				nb;
	TePersPair *a = te_diagram_datum(PG_GETARG_DATUM(0), &na);
	TePersPair *b = te_diagram_datum(PG_GETARG_DATUM(1), &nb);
	int32		dim = PG_GETARG_INT32(2);
	double		out = 0;
	TeEnv		env;

	check_hdim(dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(distance(&env, a, na, b, nb, dim, p, &out), &env, what);
	return out;
}

PG_FUNCTION_INFO_V1(topembed_bottleneck_distance);

/* topembed.bottleneck_distance(a, b, dim) */
Datum
topembed_bottleneck_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(diagram_distance(fcinfo, bottleneck_p, INFINITY, "bottleneck_distance"));
}

PG_FUNCTION_INFO_V1(topembed_wasserstein_distance);

/* topembed.wasserstein_distance(a, b, dim, p) */
Datum
topembed_wasserstein_distance(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(3);

	if (!(p >= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be at least 1 (or Infinity for the bottleneck distance), not %g", p)));
	PG_RETURN_FLOAT8(diagram_distance(fcinfo, te_wasserstein_distance, p, "wasserstein_distance"));
}

/* ---- matchings ---- */

typedef TeStatus (*DiagramMatching) (TeEnv *env, const TePersPair *a, int64_t na,
									 const TePersPair *b, int64_t nb, int dim, double p,
									 double *out, TeMatching *m);

/* te_bottleneck_matching in the shape of te_wasserstein_matching */
static TeStatus
bottleneck_matching_p(TeEnv *env, const TePersPair *a, int64_t na, const TePersPair *b,
					  int64_t nb, int dim, double p, double *out, TeMatching *m)
{
	(void) p;
	return te_bottleneck_matching(env, a, na, b, nb, dim, out, m);
}

/*
 * The matching of the diagrams of arguments 0 and 1 in dimension argument
 * 2 as a materialized set of (index_a, index_b, cost): 1-based positions in
 * the arrays, NULL for the diagonal, ordered by index_a then index_b (the
 * core's order: every bar of a, then the unmatched bars of b)
 */
static Datum
diagram_matching(FunctionCallInfo fcinfo, DiagramMatching match, double p, const char *what)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	int64		na,
				nb,
				i;
	TePersPair *a,
			   *b;
	int32		dim = PG_GETARG_INT32(2);
	double		out = 0;
	TeMatching	m;
	TeEnv		env;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("topembed.%s must be called in a context that accepts a set", what)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "topembed.%s: return type must be a row type", what);
	a = te_diagram_datum(PG_GETARG_DATUM(0), &na);
	b = te_diagram_datum(PG_GETARG_DATUM(1), &nb);
	check_hdim(dim);
	te_env_init(&env, CurrentMemoryContext);
	te_check_status(match(&env, a, na, b, nb, dim, p, &out, &m), &env, what);

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);
	for (i = 0; i < m.n_rows; i++)
	{
		const TeMatchRow *r = &m.rows[i];
		Datum		values[3];
		bool		nulls[3];

		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum((int32) (r->ia + 1));
		nulls[0] = r->ia < 0;
		values[1] = Int32GetDatum((int32) (r->ib + 1));
		nulls[1] = r->ib < 0;
		values[2] = Float8GetDatum(r->cost);
		nulls[2] = false;
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	te_matching_free(&env, &m);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(topembed_bottleneck_matching);

/* topembed.bottleneck_matching(a, b, hdim): the rows of a bottleneck matching */
Datum
topembed_bottleneck_matching(PG_FUNCTION_ARGS)
{
	return diagram_matching(fcinfo, bottleneck_matching_p, INFINITY, "bottleneck_matching");
}

PG_FUNCTION_INFO_V1(topembed_wasserstein_matching);

/* topembed.wasserstein_matching(a, b, hdim, p): the rows of an optimal matching */
Datum
topembed_wasserstein_matching(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(3);

	if (!(p >= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be at least 1 (or Infinity for the bottleneck matching), not %g", p)));
	return diagram_matching(fcinfo, te_wasserstein_matching, p, "wasserstein_matching");
}
