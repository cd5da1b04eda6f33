-- topembed_pgvector 0.3.0: topembed's embedding aggregates and functions
-- overloaded for pgvector's vector, halfvec and sparsevec.  The C functions
-- are topembed's own (the same library): they look at the argument's type
-- and read pgvector's on-disk layout, checking it on every value.

\echo Use "CREATE EXTENSION topembed_pgvector" to load this file. \quit

--------------------------------------------------------------------------
-- vector
--------------------------------------------------------------------------

CREATE FUNCTION topembed.check_embedding(embedding vector, dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_check_pgvector'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(vector, int) IS
'NULL when the pgvector vector is a valid embedding (finite, at most 16000 and, if given, exactly dim dimensions); otherwise the problem';

CREATE FUNCTION topembed.gap_pair_transfn(topembed.gap_state, vector, vector)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_pair_transfn(topembed.gap_state, vector, vector) IS
'transition function of the paired modality_gap aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.gap_one_transfn(topembed.gap_state, vector, boolean)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_one_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;
COMMENT ON FUNCTION topembed.gap_one_transfn(topembed.gap_state, vector, boolean) IS
'transition function of the unpaired modality_gap aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.modality_gap(image vector, text vector) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(vector, vector) IS
'modality gap of paired image and text embeddings, one pair per row, as pgvector vector (read in place)';

CREATE AGGREGATE topembed.modality_gap(embedding vector, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(vector, boolean) IS
'modality gap of unpaired embeddings as pgvector vector, one per row, is_image telling the modality';

CREATE AGGREGATE topembed.gap_state(image vector, text vector) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(vector, vector) IS
'storable modality-gap state of paired pgvector vector embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(embedding vector, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(vector, boolean) IS
'storable modality-gap state of unpaired pgvector vector embeddings; merge with modality_gap(gap_state)';

CREATE FUNCTION topembed.moments_transfn(topembed.moments, vector)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;
COMMENT ON FUNCTION topembed.moments_transfn(topembed.moments, vector) IS
'transition function of the moments and spectral_collapse aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.moments(embedding vector) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(vector) IS
'moments sketch (count, mean, centred scatter) of pgvector vector embeddings';

CREATE AGGREGATE topembed.spectral_collapse(embedding vector) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.spectral_collapse_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.spectral_collapse(vector) IS
'covariance spectrum and collapse measures of pgvector vector embeddings (spectrum(moments(embedding)) in one step)';

CREATE FUNCTION topembed.pca_project(embedding vector, basis topembed.moments, k integer)
RETURNS real[]
AS 'MODULE_PATHNAME', 'topembed_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(vector, topembed.moments, integer) IS
'centred projection of a pgvector vector onto the top-k eigenvectors of the basis sketch''s covariance, as real[]';

CREATE FUNCTION topembed.persistence_transfn(internal, vector) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, vector) IS
'transition function of the persistence aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(embedding vector) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(vector) IS
'Vietoris-Rips persistence diagram of pgvector vector embeddings: embedding, max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, vector, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, vector, integer) IS
'transition function of the persistence aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(embedding vector, max_dim integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(vector, integer) IS
'Vietoris-Rips persistence diagram of pgvector vector embeddings: embedding and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, vector, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, vector, integer, text) IS
'transition function of the persistence aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(embedding vector, max_dim integer, metric text) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(vector, integer, text) IS
'Vietoris-Rips persistence diagram of pgvector vector embeddings: embedding, max_dim and metric; the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, vector, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, vector, integer, text, double precision) IS
'transition function of the persistence aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(embedding vector, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(vector, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of pgvector vector embeddings: embedding, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE FUNCTION topembed.persistence_transfn(internal, vector, integer, text, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, vector, integer, text, double precision, integer) IS
'transition function of the persistence aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(embedding vector, max_dim integer, metric text, threshold double precision, sample integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(vector, integer, text, double precision, integer) IS
'Vietoris-Rips persistence diagram of pgvector vector embeddings: a reproducible sample of at most sample points: those with the smallest hash of their values';

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

--------------------------------------------------------------------------
-- halfvec
--------------------------------------------------------------------------

CREATE FUNCTION topembed.check_embedding(embedding halfvec, dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_check_pgvector'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(halfvec, int) IS
'NULL when the pgvector halfvec is a valid embedding (finite, at most 16000 and, if given, exactly dim dimensions); otherwise the problem';

CREATE FUNCTION topembed.gap_pair_transfn(topembed.gap_state, halfvec, halfvec)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_pair_transfn(topembed.gap_state, halfvec, halfvec) IS
'transition function of the paired modality_gap aggregates on pgvector halfvec (widened to real exactly)';

CREATE FUNCTION topembed.gap_one_transfn(topembed.gap_state, halfvec, boolean)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_one_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;
COMMENT ON FUNCTION topembed.gap_one_transfn(topembed.gap_state, halfvec, boolean) IS
'transition function of the unpaired modality_gap aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.modality_gap(image halfvec, text halfvec) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(halfvec, halfvec) IS
'modality gap of paired image and text embeddings, one pair per row, as pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.modality_gap(embedding halfvec, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(halfvec, boolean) IS
'modality gap of unpaired embeddings as pgvector halfvec, one per row, is_image telling the modality';

CREATE AGGREGATE topembed.gap_state(image halfvec, text halfvec) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(halfvec, halfvec) IS
'storable modality-gap state of paired pgvector halfvec embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(embedding halfvec, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(halfvec, boolean) IS
'storable modality-gap state of unpaired pgvector halfvec embeddings; merge with modality_gap(gap_state)';

CREATE FUNCTION topembed.moments_transfn(topembed.moments, halfvec)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;
COMMENT ON FUNCTION topembed.moments_transfn(topembed.moments, halfvec) IS
'transition function of the moments and spectral_collapse aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.moments(embedding halfvec) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(halfvec) IS
'moments sketch (count, mean, centred scatter) of pgvector halfvec embeddings';

CREATE AGGREGATE topembed.spectral_collapse(embedding halfvec) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.spectral_collapse_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.spectral_collapse(halfvec) IS
'covariance spectrum and collapse measures of pgvector halfvec embeddings (spectrum(moments(embedding)) in one step)';

CREATE FUNCTION topembed.pca_project(embedding halfvec, basis topembed.moments, k integer)
RETURNS real[]
AS 'MODULE_PATHNAME', 'topembed_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(halfvec, topembed.moments, integer) IS
'centred projection of a pgvector halfvec onto the top-k eigenvectors of the basis sketch''s covariance, as real[]';

CREATE FUNCTION topembed.persistence_transfn(internal, halfvec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, halfvec) IS
'transition function of the persistence aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.persistence(embedding halfvec) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(halfvec) IS
'Vietoris-Rips persistence diagram of pgvector halfvec embeddings: embedding, max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, halfvec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, halfvec, integer) IS
'transition function of the persistence aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.persistence(embedding halfvec, max_dim integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(halfvec, integer) IS
'Vietoris-Rips persistence diagram of pgvector halfvec embeddings: embedding and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text) IS
'transition function of the persistence aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.persistence(embedding halfvec, max_dim integer, metric text) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(halfvec, integer, text) IS
'Vietoris-Rips persistence diagram of pgvector halfvec embeddings: embedding, max_dim and metric; the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text, double precision) IS
'transition function of the persistence aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.persistence(embedding halfvec, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(halfvec, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of pgvector halfvec embeddings: embedding, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, halfvec, integer, text, double precision, integer) IS
'transition function of the persistence aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.persistence(embedding halfvec, max_dim integer, metric text, threshold double precision, sample integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(halfvec, integer, text, double precision, integer) IS
'Vietoris-Rips persistence diagram of pgvector halfvec embeddings: a reproducible sample of at most sample points: those with the smallest hash of their values';

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

--------------------------------------------------------------------------
-- sparsevec
--------------------------------------------------------------------------

CREATE FUNCTION topembed.check_embedding(embedding sparsevec, dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_check_pgvector'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(sparsevec, int) IS
'NULL when the pgvector sparsevec is a valid embedding (finite, at most 16000 and, if given, exactly dim dimensions); otherwise the problem';

CREATE FUNCTION topembed.gap_pair_transfn(topembed.gap_state, sparsevec, sparsevec)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_pair_transfn(topembed.gap_state, sparsevec, sparsevec) IS
'transition function of the paired modality_gap aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE FUNCTION topembed.gap_one_transfn(topembed.gap_state, sparsevec, boolean)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_one_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;
COMMENT ON FUNCTION topembed.gap_one_transfn(topembed.gap_state, sparsevec, boolean) IS
'transition function of the unpaired modality_gap aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.modality_gap(image sparsevec, text sparsevec) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(sparsevec, sparsevec) IS
'modality gap of paired image and text embeddings, one pair per row, as pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.modality_gap(embedding sparsevec, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(sparsevec, boolean) IS
'modality gap of unpaired embeddings as pgvector sparsevec, one per row, is_image telling the modality';

CREATE AGGREGATE topembed.gap_state(image sparsevec, text sparsevec) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(sparsevec, sparsevec) IS
'storable modality-gap state of paired pgvector sparsevec embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(embedding sparsevec, is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(sparsevec, boolean) IS
'storable modality-gap state of unpaired pgvector sparsevec embeddings; merge with modality_gap(gap_state)';

CREATE FUNCTION topembed.moments_transfn(topembed.moments, sparsevec)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;
COMMENT ON FUNCTION topembed.moments_transfn(topembed.moments, sparsevec) IS
'transition function of the moments and spectral_collapse aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.moments(embedding sparsevec) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(sparsevec) IS
'moments sketch (count, mean, centred scatter) of pgvector sparsevec embeddings';

CREATE AGGREGATE topembed.spectral_collapse(embedding sparsevec) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.spectral_collapse_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.spectral_collapse(sparsevec) IS
'covariance spectrum and collapse measures of pgvector sparsevec embeddings (spectrum(moments(embedding)) in one step)';

CREATE FUNCTION topembed.pca_project(embedding sparsevec, basis topembed.moments, k integer)
RETURNS real[]
AS 'MODULE_PATHNAME', 'topembed_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(sparsevec, topembed.moments, integer) IS
'centred projection of a pgvector sparsevec onto the top-k eigenvectors of the basis sketch''s covariance, as real[]';

CREATE FUNCTION topembed.persistence_transfn(internal, sparsevec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, sparsevec) IS
'transition function of the persistence aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.persistence(embedding sparsevec) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(sparsevec) IS
'Vietoris-Rips persistence diagram of pgvector sparsevec embeddings: embedding, max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, sparsevec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, sparsevec, integer) IS
'transition function of the persistence aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.persistence(embedding sparsevec, max_dim integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(sparsevec, integer) IS
'Vietoris-Rips persistence diagram of pgvector sparsevec embeddings: embedding and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text) IS
'transition function of the persistence aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.persistence(embedding sparsevec, max_dim integer, metric text) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(sparsevec, integer, text) IS
'Vietoris-Rips persistence diagram of pgvector sparsevec embeddings: embedding, max_dim and metric; the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text, double precision) IS
'transition function of the persistence aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.persistence(embedding sparsevec, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(sparsevec, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of pgvector sparsevec embeddings: embedding, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, sparsevec, integer, text, double precision, integer) IS
'transition function of the persistence aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.persistence(embedding sparsevec, max_dim integer, metric text, threshold double precision, sample integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(sparsevec, integer, text, double precision, integer) IS
'Vietoris-Rips persistence diagram of pgvector sparsevec embeddings: a reproducible sample of at most sample points: those with the smallest hash of their values';

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
