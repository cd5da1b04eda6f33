/*
 * diagram.c - SQL face of persistence diagrams: reading
 * topembed.persistence_pair[] arguments
 */
#include "topembed.h"

#include <math.h>

#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "topembed/pair.h"

/*
 * The pairs of a topembed.persistence_pair[] argument.  NULL elements or
 * fields are refused; values are checked by the core functions.
 */
TePersPair *
te_diagram_arg(ArrayType *arr, int64 *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	TePersPair *pairs;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a persistence diagram must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(arr))));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &count);
	pairs = palloc(sizeof(TePersPair) * Max(count, 1));
	for (i = 0; i < count; i++)
	{
		HeapTupleHeader rec;
		bool		n1,
					n2,
					n3;
		Datum		d1,
					d2,
					d3;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("persistence pair %d is NULL", i + 1)));
		rec = DatumGetHeapTupleHeader(elems[i]);
		d1 = GetAttributeByNum(rec, 1, &n1);
		d2 = GetAttributeByNum(rec, 2, &n2);
		d3 = GetAttributeByNum(rec, 3, &n3);
		if (n1 || n2 || n3)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("persistence pair %d has a NULL field", i + 1),
					 errhint("An essential class has death = 'Infinity', not NULL.")));
		pairs[i].dim = DatumGetInt32(d1);
		pairs[i].birth = DatumGetFloat8(d2);
		pairs[i].death = DatumGetFloat8(d3);
	}
	*n = count;
	return pairs;
}
