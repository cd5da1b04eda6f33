-- topembed 0.1.0: health analyses of embedding spaces
\echo Use "CREATE EXTENSION topembed" to load this file. \quit

--------------------------------------------------------------------------
-- Inputs
--------------------------------------------------------------------------

CREATE FUNCTION topembed.check_embedding(embedding real[], dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_check_embedding'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(real[], int) IS
'NULL when the embedding is valid (one-dimensional, no NULL elements, finite, at most 16000 and, if given, exactly dim elements); otherwise the problem';

CREATE FUNCTION topembed.check_embedding(embedding double precision[], dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_check_embedding'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(double precision[], int) IS
'NULL when the embedding is valid (one-dimensional, no NULL elements, finite, at most 16000 and, if given, exactly dim elements); otherwise the problem';

--------------------------------------------------------------------------
-- Modality gap
--------------------------------------------------------------------------

CREATE TYPE topembed.gap_stats AS (
    n_image             bigint,
    n_text              bigint,
    n_pairs             bigint,
    dim                 integer,
    gap                 double precision,
    gap_vector          double precision[],
    image_centroid_norm double precision,
    text_centroid_norm  double precision,
    image_cone          double precision,
    text_cone           double precision,
    paired_cosine_mean  double precision,
    paired_cosine_std   double precision,
    alignment           double precision
);
COMMENT ON TYPE topembed.gap_stats IS
'Modality-gap statistics of L2-normalised image and text embeddings (Liang et al. 2022); the paired fields are NULL for unpaired input';

CREATE TYPE topembed.gap_state;

CREATE FUNCTION topembed.gap_state_in(cstring) RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'te_gap_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_in(cstring) IS 'text input of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_out(topembed.gap_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'te_gap_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_out(topembed.gap_state) IS 'text output of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_recv(internal) RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'te_gap_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_recv(internal) IS 'binary input of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_send(topembed.gap_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'te_gap_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_send(topembed.gap_state) IS 'binary output of topembed.gap_state';

CREATE TYPE topembed.gap_state (
    INPUT = topembed.gap_state_in,
    OUTPUT = topembed.gap_state_out,
    RECEIVE = topembed.gap_state_recv,
    SEND = topembed.gap_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE topembed.gap_state IS
'Mergeable partial state of the modality-gap aggregates: counts, sums of normalised vectors and moments of the paired cosines';

CREATE FUNCTION topembed.gap_pair_transfn(topembed.gap_state, anyarray, anyarray)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'te_gap_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_pair_transfn(topembed.gap_state, anyarray, anyarray) IS
'transition function of the paired modality_gap aggregates';

CREATE FUNCTION topembed.gap_one_transfn(topembed.gap_state, anyarray, boolean)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'te_gap_one_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;
COMMENT ON FUNCTION topembed.gap_one_transfn(topembed.gap_state, anyarray, boolean) IS
'transition function of the unpaired modality_gap aggregates';

CREATE FUNCTION topembed.gap_combinefn(topembed.gap_state, topembed.gap_state)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'te_gap_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_combinefn(topembed.gap_state, topembed.gap_state) IS
'merges two modality-gap states (combine function, and transition of modality_gap(gap_state))';

CREATE FUNCTION topembed.gap_finalfn(topembed.gap_state)
RETURNS topembed.gap_stats
AS 'MODULE_PATHNAME', 'te_gap_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_finalfn(topembed.gap_state) IS
'final function of the modality_gap aggregates';

CREATE AGGREGATE topembed.modality_gap(image real[], text real[]) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(real[], real[]) IS
'modality gap of paired image and text embeddings, one pair per row';

CREATE AGGREGATE topembed.modality_gap(image double precision[], text double precision[]) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(double precision[], double precision[]) IS
'modality gap of paired image and text embeddings, one pair per row';

CREATE AGGREGATE topembed.modality_gap(embedding real[], is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(real[], boolean) IS
'modality gap of unpaired embeddings, one per row, is_image telling the modality';

CREATE AGGREGATE topembed.modality_gap(embedding double precision[], is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(double precision[], boolean) IS
'modality gap of unpaired embeddings, one per row, is_image telling the modality';

CREATE AGGREGATE topembed.modality_gap(state topembed.gap_state) (
    SFUNC = topembed.gap_combinefn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    FINALFUNC = topembed.gap_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.modality_gap(topembed.gap_state) IS
'modality gap of stored gap states merged together, for rollups';

CREATE AGGREGATE topembed.gap_state(image real[], text real[]) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(real[], real[]) IS
'storable modality-gap state of paired embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(image double precision[], text double precision[]) (
    SFUNC = topembed.gap_pair_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(double precision[], double precision[]) IS
'storable modality-gap state of paired embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(embedding real[], is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(real[], boolean) IS
'storable modality-gap state of unpaired embeddings; merge with modality_gap(gap_state)';

CREATE AGGREGATE topembed.gap_state(embedding double precision[], is_image boolean) (
    SFUNC = topembed.gap_one_transfn,
    STYPE = topembed.gap_state,
    COMBINEFUNC = topembed.gap_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_state(double precision[], boolean) IS
'storable modality-gap state of unpaired embeddings; merge with modality_gap(gap_state)';

--------------------------------------------------------------------------
-- Synthetic data
--------------------------------------------------------------------------

CREATE FUNCTION topembed.synthetic_pairs(
    n int,
    dim int DEFAULT 512,
    gap double precision DEFAULT 0.8,
    seed bigint DEFAULT 0,
    anisotropy double precision DEFAULT 1.0,
    noise double precision DEFAULT 0.5)
RETURNS TABLE (pair_id int, image real[], text real[])
AS 'MODULE_PATHNAME', 'te_synthetic_pairs'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION topembed.synthetic_pairs(int, int, double precision, bigint, double precision, double precision) IS
'deterministic CLIP-like image/text pairs: two anisotropic cones whose gap is calibrated to the requested value';

--------------------------------------------------------------------------
-- Moments sketch
--------------------------------------------------------------------------

CREATE TYPE topembed.moments;

CREATE FUNCTION topembed.moments_in(cstring) RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'te_moments_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_in(cstring) IS 'text input of topembed.moments';

CREATE FUNCTION topembed.moments_out(topembed.moments) RETURNS cstring
AS 'MODULE_PATHNAME', 'te_moments_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_out(topembed.moments) IS 'text output of topembed.moments';

CREATE FUNCTION topembed.moments_recv(internal) RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'te_moments_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_recv(internal) IS 'binary input of topembed.moments';

CREATE FUNCTION topembed.moments_send(topembed.moments) RETURNS bytea
AS 'MODULE_PATHNAME', 'te_moments_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_send(topembed.moments) IS 'binary output of topembed.moments';

CREATE TYPE topembed.moments (
    INPUT = topembed.moments_in,
    OUTPUT = topembed.moments_out,
    RECEIVE = topembed.moments_recv,
    SEND = topembed.moments_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE topembed.moments IS
'Mergeable sketch of a set of vectors: count, mean and centred scatter matrix in float64';

CREATE FUNCTION topembed.moments_transfn(topembed.moments, anyarray)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'te_moments_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;
COMMENT ON FUNCTION topembed.moments_transfn(topembed.moments, anyarray) IS
'transition function of the moments and spectral_collapse aggregates';

CREATE FUNCTION topembed.moments_combinefn(topembed.moments, topembed.moments)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'te_moments_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_combinefn(topembed.moments, topembed.moments) IS
'merges two moments sketches with Chan''s formula (combine function, and transition of moments(moments))';

CREATE FUNCTION topembed.moments_finalfn(topembed.moments)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'te_moments_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_finalfn(topembed.moments) IS
'final function of the moments aggregates: the compact sketch';

CREATE AGGREGATE topembed.moments(embedding real[]) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(real[]) IS
'moments sketch (count, mean, centred scatter) of the embeddings';

CREATE AGGREGATE topembed.moments(embedding double precision[]) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(double precision[]) IS
'moments sketch (count, mean, centred scatter) of the embeddings';

CREATE AGGREGATE topembed.moments(sketch topembed.moments) (
    SFUNC = topembed.moments_combinefn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.moments_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.moments(topembed.moments) IS
'merges moments sketches, e.g. daily rollups into a month';

CREATE FUNCTION topembed.n(sketch topembed.moments) RETURNS bigint
AS 'MODULE_PATHNAME', 'te_moments_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.n(topembed.moments) IS 'number of vectors in a moments sketch';

CREATE FUNCTION topembed.dim(sketch topembed.moments) RETURNS integer
AS 'MODULE_PATHNAME', 'te_moments_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.dim(topembed.moments) IS 'dimension of a moments sketch';

CREATE FUNCTION topembed.mean(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_moments_mean_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.mean(topembed.moments) IS 'mean vector of a moments sketch';

CREATE FUNCTION topembed.covariance(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_moments_covariance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.covariance(topembed.moments) IS
'population covariance matrix (scatter / n) of a moments sketch, as a dim x dim array';

--------------------------------------------------------------------------
-- Spectrum and collapse
--------------------------------------------------------------------------

CREATE TYPE topembed.spectrum_stats AS (
    n                        bigint,
    dim                      integer,
    eigenvalues              double precision[],
    explained_variance_ratio double precision[],
    total_variance           double precision,
    effective_rank           double precision,
    rankme                   double precision,
    participation_ratio      double precision,
    dims_99                  integer,
    numerical_rank           integer
);
COMMENT ON TYPE topembed.spectrum_stats IS
'Covariance spectrum and dimensional-collapse measures: effective rank, RankMe, participation ratio, dims_99, numerical rank';

CREATE FUNCTION topembed.spectrum(sketch topembed.moments) RETURNS topembed.spectrum_stats
AS 'MODULE_PATHNAME', 'te_spectrum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION topembed.spectrum(topembed.moments) IS
'covariance eigenvalues (descending) and collapse measures of a moments sketch';

CREATE FUNCTION topembed.spectral_collapse_finalfn(topembed.moments)
RETURNS topembed.spectrum_stats
AS 'MODULE_PATHNAME', 'te_spectral_collapse_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectral_collapse_finalfn(topembed.moments) IS
'final function of the spectral_collapse aggregates';

CREATE AGGREGATE topembed.spectral_collapse(embedding real[]) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.spectral_collapse_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.spectral_collapse(real[]) IS
'covariance spectrum and collapse measures of the embeddings (spectrum(moments(embedding)) in one step)';

CREATE AGGREGATE topembed.spectral_collapse(embedding double precision[]) (
    SFUNC = topembed.moments_transfn,
    STYPE = topembed.moments,
    COMBINEFUNC = topembed.moments_combinefn,
    FINALFUNC = topembed.spectral_collapse_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.spectral_collapse(double precision[]) IS
'covariance spectrum and collapse measures of the embeddings (spectrum(moments(embedding)) in one step)';

CREATE FUNCTION topembed.pca_project(embedding real[], basis topembed.moments, k integer)
RETURNS real[]
AS 'MODULE_PATHNAME', 'te_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(real[], topembed.moments, integer) IS
'centred projection of an embedding onto the top-k eigenvectors of the basis sketch''s covariance';

CREATE FUNCTION topembed.pca_project(embedding double precision[], basis topembed.moments, k integer)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(double precision[], topembed.moments, integer) IS
'centred projection of an embedding onto the top-k eigenvectors of the basis sketch''s covariance';

CREATE FUNCTION topembed.pca_components(basis topembed.moments, k integer)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_pca_components' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_components(topembed.moments, integer) IS
'the top-k unit eigenvectors of the basis sketch''s covariance, one per row (k x dim)';

CREATE FUNCTION topembed.modality_gap(image topembed.moments, text topembed.moments)
RETURNS topembed.gap_stats
AS 'MODULE_PATHNAME', 'te_gap_from_moments' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.modality_gap(topembed.moments, topembed.moments) IS
'modality gap from two sketches of L2-normalised embeddings (the paired fields are NULL)';

CREATE FUNCTION topembed.l2_normalize(embedding real[]) RETURNS real[]
AS 'MODULE_PATHNAME', 'te_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.l2_normalize(real[]) IS 'the embedding scaled to unit L2 norm';

CREATE FUNCTION topembed.l2_normalize(embedding double precision[]) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.l2_normalize(double precision[]) IS 'the embedding scaled to unit L2 norm';

--------------------------------------------------------------------------
-- Persistent homology
--------------------------------------------------------------------------

CREATE TYPE topembed.persistence_pair AS (
    dim   integer,
    birth double precision,
    death double precision
);
COMMENT ON TYPE topembed.persistence_pair IS
'One bar of a persistence diagram: homology dimension, birth and death scale (death = Infinity for an essential class)';

CREATE FUNCTION topembed.persistence_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_combinefn(internal, internal) IS
'combine function of the persistence aggregates: concatenates points, or merges two samples';

CREATE FUNCTION topembed.persistence_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'te_persistence_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_serialfn(internal) IS
'serialises the state of a persistence aggregate for a parallel worker';

CREATE FUNCTION topembed.persistence_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_deserialfn(bytea, internal) IS
'deserialises the state of a persistence aggregate';

CREATE FUNCTION topembed.persistence_finalfn(internal) RETURNS topembed.persistence_pair[]
AS 'MODULE_PATHNAME', 'te_persistence_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_finalfn(internal) IS
'final function of the persistence aggregates: runs the Vietoris-Rips engine';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, anyarray) IS
'transition function of the persistence aggregates';

CREATE AGGREGATE topembed.persistence(embedding real[]) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(real[]) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE AGGREGATE topembed.persistence(embedding double precision[]) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(double precision[]) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, anyarray, integer) IS
'transition function of the persistence aggregates';

CREATE AGGREGATE topembed.persistence(embedding real[], max_dim integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(real[], integer) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE AGGREGATE topembed.persistence(embedding double precision[], max_dim integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(double precision[], integer) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text) IS
'transition function of the persistence aggregates';

CREATE AGGREGATE topembed.persistence(embedding real[], max_dim integer, metric text) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(real[], integer, text) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim and metric; the enclosing radius as threshold';

CREATE AGGREGATE topembed.persistence(embedding double precision[], max_dim integer, metric text) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(double precision[], integer, text) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim and metric; the enclosing radius as threshold';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text, double precision) IS
'transition function of the persistence aggregates';

CREATE AGGREGATE topembed.persistence(embedding real[], max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(real[], integer, text, double precision) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE AGGREGATE topembed.persistence(embedding double precision[], max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(double precision[], integer, text, double precision) IS
'Vietoris-Rips persistence diagram of the embeddings: embedding, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'te_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_transfn(internal, anyarray, integer, text, double precision, integer) IS
'transition function of the persistence aggregates';

CREATE AGGREGATE topembed.persistence(embedding real[], max_dim integer, metric text, threshold double precision, sample integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(real[], integer, text, double precision, integer) IS
'Vietoris-Rips persistence diagram of the embeddings: a reproducible sample of at most sample points: those with the smallest hash of their values';

CREATE AGGREGATE topembed.persistence(embedding double precision[], max_dim integer, metric text, threshold double precision, sample integer) (
    SFUNC = topembed.persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(double precision[], integer, text, double precision, integer) IS
'Vietoris-Rips persistence diagram of the embeddings: a reproducible sample of at most sample points: those with the smallest hash of their values';

CREATE FUNCTION topembed.persistence_from_distances(
    distances double precision[],
    max_dim integer DEFAULT 1,
    threshold double precision DEFAULT NULL,
    modulus integer DEFAULT 2)
RETURNS topembed.persistence_pair[]
AS 'MODULE_PATHNAME', 'te_persistence_from_distances' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION topembed.persistence_from_distances(double precision[], integer, double precision, integer) IS
'Vietoris-Rips persistence diagram of a dissimilarity: a lower triangle in Ripser''s order or a full symmetric matrix';

--------------------------------------------------------------------------
-- Pictures
--------------------------------------------------------------------------

CREATE FUNCTION topembed.diagram_svg(diagram topembed.persistence_pair[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_diagram_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.diagram_svg(topembed.persistence_pair[], text) IS
'standalone SVG plot of a persistence diagram: birth against death per homology dimension';

CREATE FUNCTION topembed.barcode_svg(diagram topembed.persistence_pair[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_barcode_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.barcode_svg(topembed.persistence_pair[], text) IS
'standalone SVG barcode of a persistence diagram';

CREATE FUNCTION topembed.spectrum_svg(spectrum topembed.spectrum_stats, title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_spectrum_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats, text) IS
'standalone SVG plot of a covariance spectrum on a log scale, effective rank and dims_99 marked';

CREATE FUNCTION topembed.spectrum_svg(spectra topembed.spectrum_stats[], labels text[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_spectra_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats[], text[], text) IS
'standalone SVG plot of several covariance spectra in one figure, e.g. CLIP against CLOOB';

CREATE FUNCTION topembed.betti_curve_svg(diagram topembed.persistence_pair[], grid double precision[] DEFAULT NULL, title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'te_betti_curve_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_curve_svg(topembed.persistence_pair[], double precision[], text) IS
'standalone SVG plot of the Betti curves of every homology dimension of a diagram';

--------------------------------------------------------------------------
-- Diagram summaries and distances
--------------------------------------------------------------------------

CREATE FUNCTION topembed.betti_numbers(diagram topembed.persistence_pair[], r double precision)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'te_betti_numbers_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_numbers(topembed.persistence_pair[], double precision) IS
'Betti numbers beta_0, beta_1, ... at scale r: bars with birth <= r < death';

CREATE FUNCTION topembed.betti_curve(diagram topembed.persistence_pair[], dim integer, grid double precision[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'te_betti_curve_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_curve(topembed.persistence_pair[], integer, double precision[]) IS
'Betti number of one homology dimension at every scale of a grid';

CREATE FUNCTION topembed.persistence_entropy(diagram topembed.persistence_pair[], dim integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'te_persistence_entropy_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_entropy(topembed.persistence_pair[], integer) IS
'persistence entropy of the finite bars of one dimension (natural log; NULL without finite bars)';

CREATE FUNCTION topembed.total_persistence(diagram topembed.persistence_pair[], dim integer, p double precision DEFAULT 1)
RETURNS double precision
AS 'MODULE_PATHNAME', 'te_total_persistence_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.total_persistence(topembed.persistence_pair[], integer, double precision) IS
'sum of (death - birth)^p over the finite bars of one dimension';

CREATE FUNCTION topembed.persistence_landscape(diagram topembed.persistence_pair[], dim integer, k integer, grid double precision[])
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'te_persistence_landscape_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_landscape(topembed.persistence_pair[], integer, integer, double precision[]) IS
'the first k persistence landscape functions (Bubenik 2015) of one dimension on a grid, as a k x m array';

CREATE FUNCTION topembed.bottleneck_distance(a topembed.persistence_pair[], b topembed.persistence_pair[], dim integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'te_bottleneck_distance_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.bottleneck_distance(topembed.persistence_pair[], topembed.persistence_pair[], integer) IS
'exact bottleneck distance between the bars of one dimension of two diagrams (L-infinity ground metric)';

CREATE FUNCTION topembed.wasserstein_distance(a topembed.persistence_pair[], b topembed.persistence_pair[], dim integer, p double precision DEFAULT 1)
RETURNS double precision
AS 'MODULE_PATHNAME', 'te_wasserstein_distance_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.wasserstein_distance(topembed.persistence_pair[], topembed.persistence_pair[], integer, double precision) IS
'exact p-Wasserstein distance between the bars of one dimension of two diagrams (L-infinity ground metric)';
