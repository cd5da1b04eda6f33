/*
 * pgvector.c - reading pgvector's vector, halfvec and sparsevec values
 *
 * The aggregates and functions that take embeddings read their argument
 * through te_embedding_arg(), which looks at the argument's actual type: a
 * real[] or double precision[] goes the array way (input.c), a pgvector
 * type is read from its on-disk layout.  topembed does not link against
 * pgvector or include its headers; the companion extension
 * topembed_pgvector declares the SQL overloads that pass such values, and
 * the layout below is checked on every value, so that a value whose
 * header does not add up (a future pgvector format) is an ERROR, never a
 * wrong result.
 *
 * The layouts, from pgvector's documentation and headers (0.5 to 0.8):
 *
 *   vector:    int32 varlena header, int16 dim, int16 unused (0),
 *              float4 x[dim]
 *   halfvec:   int32 varlena header, int16 dim, int16 unused (0),
 *              IEEE 754 binary16 x[dim]
 *   sparsevec: int32 varlena header, int32 dim, int32 nnz, int32 unused (0),
 *              int32 indices[nnz] (0-based, strictly increasing),
 *              float4 values[nnz]
 *
 * A vector is read in place: the view points into the (detoasted) value.
 * A halfvec is widened to float4 and a sparsevec is expanded to a dense
 * float4 vector, each into a buffer kept per argument position.
 */
#include "topembed.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

typedef enum PgvKind
{
	PGV_NONE = 0,				/* not a pgvector type */
	PGV_VECTOR,
	PGV_HALFVEC,
	PGV_SPARSEVEC
} PgvKind;

/* the fixed part of a dense pgvector value (vector, halfvec) */
typedef struct PgvDenseHeader
{
	int32		vl_len_;
	int16		dim;
	int16		unused;
} PgvDenseHeader;

/* the fixed part of a sparsevec value */
typedef struct PgvSparseHeader
{
	int32		vl_len_;
	int32		dim;
	int32		nnz;
	int32		unused;
} PgvSparseHeader;

/* which types are pgvector's, by OID; reset when pg_type changes */
#define KIND_CACHE_SIZE 8
typedef struct KindEntry
{
	Oid			typid;
	PgvKind		kind;
} KindEntry;

static KindEntry kind_cache[KIND_CACHE_SIZE];
static int	kind_cache_used = 0;
static bool kind_callback_registered = false;

/* conversion buffers, one per argument position */
#define MAX_BUFFERED_ARGS 8
static float4 *arg_buf[MAX_BUFFERED_ARGS];
static int	arg_buf_cap[MAX_BUFFERED_ARGS];

/* forget the cached type kinds (a type was created, altered or dropped) */
static void
ForgetKinds(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	kind_cache_used = 0;
}

/* the name of a pgvector kind, for messages */
static const char *
KindName(PgvKind kind)
{
	switch (kind)
	{
		case PGV_VECTOR:
			return "vector";
		case PGV_HALFVEC:
			return "halfvec";
		case PGV_SPARSEVEC:
			return "sparsevec";
		default:
			return "?";
	}
}

/*
 * Look the type up: pgvector's types are the varlena types named vector,
 * halfvec or sparsevec whose input function is <name>_in in pgvector's
 * library ($libdir/vector).  A look-alike type of the same name is not.
 */
static PgvKind
LookupKind(Oid typid)
{
	HeapTuple	tp;
	Form_pg_type typ;
	PgvKind		kind = PGV_NONE;
	char		inname[NAMEDATALEN + 4];
	Oid			input;

	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tp))
		return PGV_NONE;
	typ = (Form_pg_type) GETSTRUCT(tp);
	if (typ->typlen == -1 && typ->typtype == TYPTYPE_BASE)
	{
		const char *name = NameStr(typ->typname);

		if (strcmp(name, "vector") == 0)
			kind = PGV_VECTOR;
		else if (strcmp(name, "halfvec") == 0)
			kind = PGV_HALFVEC;
		else if (strcmp(name, "sparsevec") == 0)
			kind = PGV_SPARSEVEC;
		snprintf(inname, sizeof(inname), "%s_in", name);
	}
	input = typ->typinput;
	ReleaseSysCache(tp);
	if (kind == PGV_NONE)
		return PGV_NONE;

	/* the input function must be pgvector's C function of that name */
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(input));
	if (!HeapTupleIsValid(tp))
		return PGV_NONE;
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tp);
		bool		isnull;
		Datum		bin;
		bool		good = false;

		if (proc->prolang == ClanguageId && strcmp(NameStr(proc->proname), inname) == 0)
		{
			bin = SysCacheGetAttr(PROCOID, tp, Anum_pg_proc_probin, &isnull);
			if (!isnull)
			{
				char	   *path = TextDatumGetCString(bin);
				const char *base = strrchr(path, '/');

				base = base ? base + 1 : path;
				good = strcmp(base, "vector") == 0 || strcmp(base, "vector.so") == 0;
				pfree(path);
			}
		}
		ReleaseSysCache(tp);
		if (!good)
			kind = PGV_NONE;
	}
	return kind;
}

/* the pgvector kind of a type, cached */
static PgvKind
TypeKind(Oid typid)
{
	PgvKind		kind;
	int			i;

	for (i = 0; i < kind_cache_used; i++)
		if (kind_cache[i].typid == typid)
			return kind_cache[i].kind;
	if (!kind_callback_registered)
	{
		CacheRegisterSyscacheCallback(TYPEOID, ForgetKinds, (Datum) 0);
		kind_callback_registered = true;
	}
	kind = LookupKind(typid);
	if (kind_cache_used == KIND_CACHE_SIZE)
		kind_cache_used = 0;
	kind_cache[kind_cache_used].typid = typid;
	kind_cache[kind_cache_used].kind = kind;
	kind_cache_used++;
	return kind;
}

/* a float4 buffer of at least n elements for argument position argno */
static float4 *
ArgBuffer(int argno, int n)
{
	if (argno < 0 || argno >= MAX_BUFFERED_ARGS)
		elog(ERROR, "embedding argument %d out of range", argno);
	if (arg_buf_cap[argno] < n)
	{
		if (arg_buf[argno])
			pfree(arg_buf[argno]);
		arg_buf[argno] = MemoryContextAlloc(TopMemoryContext, sizeof(float4) * n);
		arg_buf_cap[argno] = n;
	}
	return arg_buf[argno];
}

/* an IEEE 754 binary16 value widened to float4 (exact) */
static float4
HalfToFloat(uint16 h)
{
	uint32		sign = (uint32) (h & 0x8000) << 16;
	uint32		exp = (h >> 10) & 0x1f;
	uint32		mant = h & 0x3ff;
	uint32		bits;
	float4		f;

	if (exp == 0x1f)			/* infinity or NaN */
		bits = sign | 0x7f800000u | (mant << 13);
	else if (exp != 0)			/* normal: rebias 15 -> 127 */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	else if (mant == 0)			/* signed zero */
		bits = sign;
	else
	{
		/* subnormal half: mant * 2^-24, normal as a float4 */
		int			e = -1;

		do
		{
			mant <<= 1;
			e++;
		} while (!(mant & 0x400));
		bits = sign | ((uint32) (112 - e) << 23) | ((mant & 0x3ff) << 13);
	}
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* ERROR: the value's header does not match the layout topembed reads */
static void LayoutError(PgvKind kind, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

static void
LayoutError(PgvKind kind, const char *fmt,...)
{
	char		detail[160];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s value does not have the layout topembed reads: %s", KindName(kind), detail),
			 errhint("topembed reads pgvector's on-disk format of versions 0.5 to 0.8; "
					 "cast the column to real[] (column::real[]) to use pgvector's own conversion.")));
}

/*
 * Read a pgvector value into a view, checking its layout.  Problems of the
 * value itself (too many dimensions) are reported through buf as by
 * te_embedding_problem; a broken layout is an ERROR.
 */
static bool
ReadPgvector(Datum value, PgvKind kind, int argno, TeEmbedding *e,
			 char *buf, size_t buflen, int *sqlstate)
{
	struct varlena *v = PG_DETOAST_DATUM(value);
	Size		size = VARSIZE(v);

	e->elemtype = FLOAT4OID;
	if (kind == PGV_VECTOR || kind == PGV_HALFVEC)
	{
		PgvDenseHeader h;
		Size		elsize = kind == PGV_VECTOR ? sizeof(float4) : sizeof(uint16);

		if (size < sizeof(PgvDenseHeader))
			LayoutError(kind, "%d bytes", (int) size);
		memcpy(&h, v, sizeof(h));
		if (h.unused != 0)
			LayoutError(kind, "reserved field is %d, not 0", h.unused);
		if (h.dim < 1 || size != sizeof(PgvDenseHeader) + elsize * (Size) h.dim)
			LayoutError(kind, "%d dimensions in %d bytes", h.dim, (int) size);
		e->dim = h.dim;
		if (h.dim > TE_MAX_DIM)
		{
			snprintf(buf, buflen, "embedding has %d dimensions, more than the limit of %d", h.dim, TE_MAX_DIM);
			*sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			return true;
		}
		if (kind == PGV_VECTOR)
			e->data = (const char *) v + sizeof(PgvDenseHeader);
		else
		{
			const uint16 *x = (const uint16 *) ((const char *) v + sizeof(PgvDenseHeader));
			float4	   *out = ArgBuffer(argno, h.dim);
			int			i;

			for (i = 0; i < h.dim; i++)
				out[i] = HalfToFloat(x[i]);
			e->data = out;
		}
	}
	else
	{
		PgvSparseHeader h;
		const int32 *idx;
		const float4 *val;
		float4	   *out;
		int			i;

		if (size < sizeof(PgvSparseHeader))
			LayoutError(kind, "%d bytes", (int) size);
		memcpy(&h, v, sizeof(h));
		if (h.unused != 0)
			LayoutError(kind, "reserved field is %d, not 0", h.unused);
		if (h.dim < 1 || h.nnz < 0 || h.nnz > h.dim ||
			size != sizeof(PgvSparseHeader) + 8 * (Size) h.nnz)
			LayoutError(kind, "%d non-zero elements in %d bytes", h.nnz, (int) size);
		e->dim = h.dim;
		if (h.dim > TE_MAX_DIM)
		{
			snprintf(buf, buflen, "embedding has %d dimensions, more than the limit of %d", h.dim, TE_MAX_DIM);
			*sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			return true;
		}
		idx = (const int32 *) ((const char *) v + sizeof(PgvSparseHeader));
		val = (const float4 *) (idx + h.nnz);
		out = ArgBuffer(argno, h.dim);
		memset(out, 0, sizeof(float4) * h.dim);
		for (i = 0; i < h.nnz; i++)
		{
			if (idx[i] < 0 || idx[i] >= h.dim || (i > 0 && idx[i] <= idx[i - 1]))
				LayoutError(kind, "index %d of %d dimensions out of order or range", idx[i], h.dim);
			out[idx[i]] = val[i];
		}
		e->data = out;
	}
	return false;
}

/* index of the first NaN or infinity of a float4 view, or -1 */
static int
FirstNonfinite(const TeEmbedding *e)
{
	const float4 *x = (const float4 *) e->data;
	int			i;

	for (i = 0; i < e->dim; i++)
		if (isinf(x[i]) || isnan(x[i]))
			return i;
	return -1;
}

/*
 * The problem of a pgvector value, as te_embedding_problem reports it for
 * arrays: too many dimensions, the wrong number, NaN or infinities
 */
static bool
PgvectorProblem(Datum value, PgvKind kind, int argno, int expected_dim, TeEmbedding *e,
				char *buf, size_t buflen, int *sqlstate)
{
	int			bad;

	if (ReadPgvector(value, kind, argno, e, buf, buflen, sqlstate))
		return true;
	if (expected_dim > 0 && e->dim != expected_dim)
	{
		snprintf(buf, buflen, "expected %d dimensions, not %d", expected_dim, e->dim);
		*sqlstate = ERRCODE_DATA_EXCEPTION;
		return true;
	}
	bad = FirstNonfinite(e);
	if (bad >= 0)
	{
		float4		v = ((const float4 *) e->data)[bad];

		snprintf(buf, buflen, "embedding has %s at position %d",
				 isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"), bad + 1);
		*sqlstate = ERRCODE_DATA_EXCEPTION;
		return true;
	}
	return false;
}

/* raise a problem found in a pgvector value, worded as for arrays */
static void
RaisePgvectorProblem(const char *buf, int sqlstate, const char *what, int expected_dim, int dim)
{
	bool		lenprob = expected_dim > 0 && dim != expected_dim;

	ereport(ERROR,
			(errcode(sqlstate),
			 what == NULL ? errmsg("%s", buf) :
			 strncmp(buf, "embedding", 9) == 0 ? errmsg("%s %s", what, buf) :
			 errmsg("%s embedding: %s", what, buf),
			 lenprob ?
			 errhint("topembed.check_embedding(column, %d) lists the rows whose length is not %d.",
					 expected_dim, expected_dim) :
			 errhint("topembed.check_embedding(column) finds the offending rows.")));
}

/* declared argument types of functions, by OID; reset when pg_proc changes */
#define DECL_CACHE_SIZE 16
typedef struct DeclEntry
{
	Oid			fn_oid;
	int			argno;
	Oid			typid;
} DeclEntry;

static DeclEntry decl_cache[DECL_CACHE_SIZE];
static int	decl_cache_used = 0;
static bool decl_callback_registered = false;

/* forget the cached declared argument types */
static void
ForgetDecls(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	decl_cache_used = 0;
}

/*
 * The declared type of argument argno of function fn_oid, InvalidOid when
 * it is polymorphic or unknown.  A caller that gives no expression (Citus's
 * worker_partial_agg calls the transition function by OID) still calls the
 * overload it named, whose declared type tells a vector from an array.
 */
static Oid
DeclaredArgType(Oid fn_oid, int argno)
{
	HeapTuple	tp;
	Oid			typid = InvalidOid;
	int			i;

	if (!OidIsValid(fn_oid))
		return InvalidOid;
	for (i = 0; i < decl_cache_used; i++)
		if (decl_cache[i].fn_oid == fn_oid && decl_cache[i].argno == argno)
			return decl_cache[i].typid;
	if (!decl_callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, ForgetDecls, (Datum) 0);
		decl_callback_registered = true;
	}
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (HeapTupleIsValid(tp))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tp);

		if (argno < proc->pronargs && !IsPolymorphicType(proc->proargtypes.values[argno]))
			typid = proc->proargtypes.values[argno];
		ReleaseSysCache(tp);
	}
	if (decl_cache_used == DECL_CACHE_SIZE)
		decl_cache_used = 0;
	decl_cache[decl_cache_used].fn_oid = fn_oid;
	decl_cache[decl_cache_used].argno = argno;
	decl_cache[decl_cache_used].typid = typid;
	decl_cache_used++;
	return typid;
}

/* the pgvector kind of argument argno of the current call */
static PgvKind
ArgKind(FunctionCallInfo fcinfo, int argno)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(typid))
		typid = DeclaredArgType(fcinfo->flinfo->fn_oid, argno);

	if (!OidIsValid(typid) || typid == FLOAT4ARRAYOID || typid == FLOAT8ARRAYOID)
		return PGV_NONE;
	return TypeKind(typid);
}

/*
 * Argument argno as an embedding view: an array through te_embedding_get,
 * a pgvector value read from its layout.  Checks structure and dimension;
 * values are checked by te_embedding_to_double (or te_raise_if_invalid_arg).
 */
TeEmbedding
te_embedding_arg(FunctionCallInfo fcinfo, int argno, const char *what, int expected_dim)
{
	PgvKind		kind = ArgKind(fcinfo, argno);
	TeEmbedding e;
	char		buf[256];
	int			sqlstate;

	if (kind == PGV_NONE)
		return te_embedding_get(PG_GETARG_ARRAYTYPE_P(argno), what, expected_dim);
	if (ReadPgvector(PG_GETARG_DATUM(argno), kind, argno, &e, buf, sizeof(buf), &sqlstate))
		RaisePgvectorProblem(buf, sqlstate, what, expected_dim, e.dim);
	if (expected_dim > 0 && e.dim != expected_dim)
	{
		snprintf(buf, sizeof(buf), "expected %d dimensions, not %d", expected_dim, e.dim);
		RaisePgvectorProblem(buf, ERRCODE_DATA_EXCEPTION, what, expected_dim, e.dim);
	}
	return e;
}

/* raise the problem of argument argno as an embedding, if it has one */
void
te_raise_if_invalid_arg(FunctionCallInfo fcinfo, int argno, const char *what, int expected_dim)
{
	PgvKind		kind = ArgKind(fcinfo, argno);
	TeEmbedding e;
	char		buf[256];
	int			sqlstate;

	if (kind == PGV_NONE)
	{
		te_raise_if_invalid(PG_GETARG_ARRAYTYPE_P(argno), what, expected_dim);
		return;
	}
	if (PgvectorProblem(PG_GETARG_DATUM(argno), kind, argno, expected_dim, &e,
						buf, sizeof(buf), &sqlstate))
		RaisePgvectorProblem(buf, sqlstate, what, expected_dim, e.dim);
}

PG_FUNCTION_INFO_V1(topembed_check_pgvector);

/*
 * topembed.check_embedding(vector | halfvec | sparsevec [, dim]): NULL if
 * the value is a valid embedding, else the problem
 */
Datum
topembed_check_pgvector(PG_FUNCTION_ARGS)
{
	PgvKind		kind;
	int			expected = 0;
	TeEmbedding e;
	char		buf[256];
	int			sqlstate;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	kind = ArgKind(fcinfo, 0);
	if (kind == PGV_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("check_embedding expects pgvector's vector, halfvec or sparsevec, not %s",
						format_type_be(get_fn_expr_argtype(fcinfo->flinfo, 0)))));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		expected = PG_GETARG_INT32(1);
	if (PgvectorProblem(PG_GETARG_DATUM(0), kind, 0, expected, &e, buf, sizeof(buf), &sqlstate))
		PG_RETURN_TEXT_P(cstring_to_text(buf));
	PG_RETURN_NULL();
}
