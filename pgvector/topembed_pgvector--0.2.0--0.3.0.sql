-- topembed_pgvector 0.2.0 -> 0.3.0: the overloads added since 0.2.0, in the
-- order of topembed_pgvector--0.3.0.sql.  The result must equal a fresh
-- CREATE EXTENSION topembed_pgvector VERSION '0.3.0'.
\echo Use "ALTER EXTENSION topembed_pgvector UPDATE TO '0.3.0'" to load this file. \quit

CREATE FUNCTION topembed.point_sample_transfn(topembed.point_sample, vector, integer)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.point_sample_transfn(topembed.point_sample, vector, integer) IS
'transition function of the point_sample aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.point_sample(embedding vector, k integer) (
    SFUNC = topembed.point_sample_transfn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(vector, integer) IS
'the k pgvector vector embeddings with the smallest hash of their values: the sample persistence(e, max_dim, metric, threshold, k) keeps, as a value';

CREATE FUNCTION topembed.point_sample_transfn(topembed.point_sample, halfvec, integer)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.point_sample_transfn(topembed.point_sample, halfvec, integer) IS
'transition function of the point_sample aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.point_sample(embedding halfvec, k integer) (
    SFUNC = topembed.point_sample_transfn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(halfvec, integer) IS
'the k pgvector halfvec embeddings with the smallest hash of their values: the sample persistence(e, max_dim, metric, threshold, k) keeps, as a value';

CREATE FUNCTION topembed.point_sample_transfn(topembed.point_sample, sparsevec, integer)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.point_sample_transfn(topembed.point_sample, sparsevec, integer) IS
'transition function of the point_sample aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.point_sample(embedding sparsevec, k integer) (
    SFUNC = topembed.point_sample_transfn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(sparsevec, integer) IS
'the k pgvector sparsevec embeddings with the smallest hash of their values: the sample persistence(e, max_dim, metric, threshold, k) keeps, as a value';
