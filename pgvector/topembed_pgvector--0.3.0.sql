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

CREATE FUNCTION topembed.uniformity_transfn(internal, vector) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, vector) IS
'transition function of the uniformity aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.uniformity(embedding vector) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(vector) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector vector embeddings: exact over the embeddings (t = 2)';

CREATE FUNCTION topembed.uniformity_transfn(internal, vector, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, vector, double precision) IS
'transition function of the uniformity aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.uniformity(embedding vector, t double precision) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(vector, double precision) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector vector embeddings: exact over the embeddings at temperature t';

CREATE FUNCTION topembed.uniformity_transfn(internal, vector, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, vector, double precision, integer) IS
'transition function of the uniformity aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.uniformity(embedding vector, t double precision, sample integer) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(vector, double precision, integer) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector vector embeddings: exact over a reproducible sample of sample embeddings (the ones with the smallest hashes), at temperature t';

CREATE FUNCTION topembed.gap_drivers_transfn(internal, vector, vector, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_drivers_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_drivers_transfn(internal, vector, vector, integer) IS
'transition function of the gap_drivers aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.gap_drivers(image vector, text vector, k integer) (
    SFUNC = topembed.gap_drivers_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.gap_drivers_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_drivers(vector, vector, integer) IS
'what drives the modality gap of L2-normalised matched pairs of pgvector vector embeddings, one pair per row: top-k coordinates, principal directions and linear separability';

CREATE FUNCTION topembed.intrinsic_dimension_transfn(internal, vector, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_intrinsic_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.intrinsic_dimension_transfn(internal, vector, text, integer) IS
'transition function of the intrinsic_dimension aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.intrinsic_dimension(embedding vector, method text, k integer) (
    SFUNC = topembed.intrinsic_dimension_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.intrinsic_dimension_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.intrinsic_dimension(vector, text, integer) IS
'intrinsic dimension of pgvector vector embeddings from exact Euclidean nearest neighbours: method ''twonn'' (Facco et al. 2017; k unused, may be NULL) or ''mle'' (Levina-Bickel with the MacKay-Ghahramani correction, k neighbours)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, vector, vector) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, vector, vector) IS
'transition function of retrieval(image, text) on pgvector vector (read in place)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, vector, vector, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, vector, vector, integer[]) IS
'transition function of retrieval(image, text, ks) on pgvector vector (read in place)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, vector, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, vector, boolean) IS
'transition function of retrieval(item_id, embedding, is_image) on pgvector vector (read in place)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, vector, boolean, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, vector, boolean, integer[]) IS
'transition function of retrieval(item_id, embedding, is_image, ks) on pgvector vector (read in place)';

CREATE AGGREGATE topembed.retrieval(image vector, text vector) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(vector, vector) IS
'cross-modal retrieval of (image, text) pairs of pgvector vector embeddings by cosine: recall@1, 5 and 10 both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image vector, text vector, ks integer[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(vector, vector, integer[]) IS
'cross-modal retrieval of (image, text) pairs of pgvector vector embeddings by cosine: recall@k for each k of ks both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding vector, is_image boolean) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, vector, boolean) IS
'cross-modal retrieval of pgvector vector embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@1, 5 and 10, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding vector, is_image boolean, ks integer[]) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, vector, boolean, integer[]) IS
'cross-modal retrieval of pgvector vector embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@k for each k of ks, median rank, MRR';

CREATE FUNCTION topembed.gap_shift_transfn(internal, vector, vector) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, vector, vector) IS
'transition function of gap_shift(image, text) on pgvector vector (read in place)';

CREATE FUNCTION topembed.gap_shift_transfn(internal, vector, vector, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, vector, vector, double precision[]) IS
'transition function of gap_shift(image, text, lambdas) on pgvector vector (read in place)';

CREATE AGGREGATE topembed.gap_shift(image vector, text vector) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(vector, vector) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector vector embeddings on the lambda grid -1, -0.75, ..., 1: one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image vector, text vector, lambdas double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(vector, vector, double precision[]) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector vector embeddings: images moved by -lambda/2, texts by +lambda/2 times the gap vector, renormalised and measured, one gap_shift_point per lambda';

CREATE FUNCTION topembed.zero_shot_transfn(internal, vector, integer, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_transfn(internal, vector, integer, double precision[]) IS
'transition function of zero_shot on pgvector vector (read in place)';

CREATE AGGREGATE topembed.zero_shot(embedding vector, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(vector, integer, double precision[]) IS
'zero-shot classification of pgvector vector embeddings: each embedding goes to the class (row of prompts, from 1) of highest cosine; top-1, top-5 and per-class accuracy';


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

CREATE FUNCTION topembed.uniformity_transfn(internal, halfvec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, halfvec) IS
'transition function of the uniformity aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.uniformity(embedding halfvec) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(halfvec) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector halfvec embeddings: exact over the embeddings (t = 2)';

CREATE FUNCTION topembed.uniformity_transfn(internal, halfvec, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, halfvec, double precision) IS
'transition function of the uniformity aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.uniformity(embedding halfvec, t double precision) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(halfvec, double precision) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector halfvec embeddings: exact over the embeddings at temperature t';

CREATE FUNCTION topembed.uniformity_transfn(internal, halfvec, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, halfvec, double precision, integer) IS
'transition function of the uniformity aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.uniformity(embedding halfvec, t double precision, sample integer) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(halfvec, double precision, integer) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector halfvec embeddings: exact over a reproducible sample of sample embeddings (the ones with the smallest hashes), at temperature t';

CREATE FUNCTION topembed.gap_drivers_transfn(internal, halfvec, halfvec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_drivers_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_drivers_transfn(internal, halfvec, halfvec, integer) IS
'transition function of the gap_drivers aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.gap_drivers(image halfvec, text halfvec, k integer) (
    SFUNC = topembed.gap_drivers_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.gap_drivers_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_drivers(halfvec, halfvec, integer) IS
'what drives the modality gap of L2-normalised matched pairs of pgvector halfvec embeddings, one pair per row: top-k coordinates, principal directions and linear separability';

CREATE FUNCTION topembed.intrinsic_dimension_transfn(internal, halfvec, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_intrinsic_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.intrinsic_dimension_transfn(internal, halfvec, text, integer) IS
'transition function of the intrinsic_dimension aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.intrinsic_dimension(embedding halfvec, method text, k integer) (
    SFUNC = topembed.intrinsic_dimension_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.intrinsic_dimension_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.intrinsic_dimension(halfvec, text, integer) IS
'intrinsic dimension of pgvector halfvec embeddings from exact Euclidean nearest neighbours: method ''twonn'' (Facco et al. 2017; k unused, may be NULL) or ''mle'' (Levina-Bickel with the MacKay-Ghahramani correction, k neighbours)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, halfvec, halfvec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, halfvec, halfvec) IS
'transition function of retrieval(image, text) on pgvector halfvec (widened to real exactly)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, halfvec, halfvec, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, halfvec, halfvec, integer[]) IS
'transition function of retrieval(image, text, ks) on pgvector halfvec (widened to real exactly)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, halfvec, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, halfvec, boolean) IS
'transition function of retrieval(item_id, embedding, is_image) on pgvector halfvec (widened to real exactly)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, halfvec, boolean, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, halfvec, boolean, integer[]) IS
'transition function of retrieval(item_id, embedding, is_image, ks) on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.retrieval(image halfvec, text halfvec) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(halfvec, halfvec) IS
'cross-modal retrieval of (image, text) pairs of pgvector halfvec embeddings by cosine: recall@1, 5 and 10 both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image halfvec, text halfvec, ks integer[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(halfvec, halfvec, integer[]) IS
'cross-modal retrieval of (image, text) pairs of pgvector halfvec embeddings by cosine: recall@k for each k of ks both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding halfvec, is_image boolean) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, halfvec, boolean) IS
'cross-modal retrieval of pgvector halfvec embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@1, 5 and 10, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding halfvec, is_image boolean, ks integer[]) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, halfvec, boolean, integer[]) IS
'cross-modal retrieval of pgvector halfvec embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@k for each k of ks, median rank, MRR';

CREATE FUNCTION topembed.gap_shift_transfn(internal, halfvec, halfvec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, halfvec, halfvec) IS
'transition function of gap_shift(image, text) on pgvector halfvec (widened to real exactly)';

CREATE FUNCTION topembed.gap_shift_transfn(internal, halfvec, halfvec, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, halfvec, halfvec, double precision[]) IS
'transition function of gap_shift(image, text, lambdas) on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.gap_shift(image halfvec, text halfvec) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(halfvec, halfvec) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector halfvec embeddings on the lambda grid -1, -0.75, ..., 1: one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image halfvec, text halfvec, lambdas double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(halfvec, halfvec, double precision[]) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector halfvec embeddings: images moved by -lambda/2, texts by +lambda/2 times the gap vector, renormalised and measured, one gap_shift_point per lambda';

CREATE FUNCTION topembed.zero_shot_transfn(internal, halfvec, integer, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_transfn(internal, halfvec, integer, double precision[]) IS
'transition function of zero_shot on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.zero_shot(embedding halfvec, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(halfvec, integer, double precision[]) IS
'zero-shot classification of pgvector halfvec embeddings: each embedding goes to the class (row of prompts, from 1) of highest cosine; top-1, top-5 and per-class accuracy';


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

CREATE FUNCTION topembed.uniformity_transfn(internal, sparsevec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, sparsevec) IS
'transition function of the uniformity aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.uniformity(embedding sparsevec) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(sparsevec) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector sparsevec embeddings: exact over the embeddings (t = 2)';

CREATE FUNCTION topembed.uniformity_transfn(internal, sparsevec, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, sparsevec, double precision) IS
'transition function of the uniformity aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.uniformity(embedding sparsevec, t double precision) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(sparsevec, double precision) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector sparsevec embeddings: exact over the embeddings at temperature t';

CREATE FUNCTION topembed.uniformity_transfn(internal, sparsevec, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, sparsevec, double precision, integer) IS
'transition function of the uniformity aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.uniformity(embedding sparsevec, t double precision, sample integer) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(sparsevec, double precision, integer) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised pgvector sparsevec embeddings: exact over a reproducible sample of sample embeddings (the ones with the smallest hashes), at temperature t';

CREATE FUNCTION topembed.gap_drivers_transfn(internal, sparsevec, sparsevec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_drivers_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_drivers_transfn(internal, sparsevec, sparsevec, integer) IS
'transition function of the gap_drivers aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.gap_drivers(image sparsevec, text sparsevec, k integer) (
    SFUNC = topembed.gap_drivers_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.gap_drivers_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_drivers(sparsevec, sparsevec, integer) IS
'what drives the modality gap of L2-normalised matched pairs of pgvector sparsevec embeddings, one pair per row: top-k coordinates, principal directions and linear separability';

CREATE FUNCTION topembed.intrinsic_dimension_transfn(internal, sparsevec, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_intrinsic_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.intrinsic_dimension_transfn(internal, sparsevec, text, integer) IS
'transition function of the intrinsic_dimension aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.intrinsic_dimension(embedding sparsevec, method text, k integer) (
    SFUNC = topembed.intrinsic_dimension_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.intrinsic_dimension_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.intrinsic_dimension(sparsevec, text, integer) IS
'intrinsic dimension of pgvector sparsevec embeddings from exact Euclidean nearest neighbours: method ''twonn'' (Facco et al. 2017; k unused, may be NULL) or ''mle'' (Levina-Bickel with the MacKay-Ghahramani correction, k neighbours)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, sparsevec, sparsevec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, sparsevec, sparsevec) IS
'transition function of retrieval(image, text) on pgvector sparsevec (expanded to a dense vector)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, sparsevec, sparsevec, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, sparsevec, sparsevec, integer[]) IS
'transition function of retrieval(image, text, ks) on pgvector sparsevec (expanded to a dense vector)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, sparsevec, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, sparsevec, boolean) IS
'transition function of retrieval(item_id, embedding, is_image) on pgvector sparsevec (expanded to a dense vector)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, sparsevec, boolean, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, sparsevec, boolean, integer[]) IS
'transition function of retrieval(item_id, embedding, is_image, ks) on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.retrieval(image sparsevec, text sparsevec) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(sparsevec, sparsevec) IS
'cross-modal retrieval of (image, text) pairs of pgvector sparsevec embeddings by cosine: recall@1, 5 and 10 both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image sparsevec, text sparsevec, ks integer[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(sparsevec, sparsevec, integer[]) IS
'cross-modal retrieval of (image, text) pairs of pgvector sparsevec embeddings by cosine: recall@k for each k of ks both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding sparsevec, is_image boolean) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, sparsevec, boolean) IS
'cross-modal retrieval of pgvector sparsevec embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@1, 5 and 10, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding sparsevec, is_image boolean, ks integer[]) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, sparsevec, boolean, integer[]) IS
'cross-modal retrieval of pgvector sparsevec embeddings by cosine where every text of an item is a correct answer for its images and the reverse: recall@k for each k of ks, median rank, MRR';

CREATE FUNCTION topembed.gap_shift_transfn(internal, sparsevec, sparsevec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, sparsevec, sparsevec) IS
'transition function of gap_shift(image, text) on pgvector sparsevec (expanded to a dense vector)';

CREATE FUNCTION topembed.gap_shift_transfn(internal, sparsevec, sparsevec, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, sparsevec, sparsevec, double precision[]) IS
'transition function of gap_shift(image, text, lambdas) on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.gap_shift(image sparsevec, text sparsevec) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(sparsevec, sparsevec) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector sparsevec embeddings on the lambda grid -1, -0.75, ..., 1: one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image sparsevec, text sparsevec, lambdas double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(sparsevec, sparsevec, double precision[]) IS
'the gap-shift experiment (Liang et al. 2022) on pgvector sparsevec embeddings: images moved by -lambda/2, texts by +lambda/2 times the gap vector, renormalised and measured, one gap_shift_point per lambda';

CREATE FUNCTION topembed.zero_shot_transfn(internal, sparsevec, integer, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_transfn(internal, sparsevec, integer, double precision[]) IS
'transition function of zero_shot on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.zero_shot(embedding sparsevec, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(sparsevec, integer, double precision[]) IS
'zero-shot classification of pgvector sparsevec embeddings: each embedding goes to the class (row of prompts, from 1) of highest cosine; top-1, top-5 and per-class accuracy';

-- single-linkage clusters (topembed 0.3.0) on pgvector's types

CREATE FUNCTION topembed.clusters_transfn(internal, bigint, vector, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_transfn(internal, bigint, vector, text, double precision) IS
'transition function of the clusters aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.clusters(id bigint, embedding vector, metric text, scale double precision) (
    SFUNC = topembed.clusters_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters(bigint, vector, text, double precision) IS
'single-linkage clusters at a scale of pgvector vector embeddings: rows joined by minimum spanning tree edges of length <= scale share a cluster (scipy fcluster criterion ''distance''); one cluster_member per row, ordered by id';

CREATE FUNCTION topembed.clusters_k_transfn(internal, bigint, vector, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_k_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_k_transfn(internal, bigint, vector, text, integer) IS
'transition function of the clusters_k aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.clusters_k(id bigint, embedding vector, metric text, k integer) (
    SFUNC = topembed.clusters_k_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters_k(bigint, vector, text, integer) IS
'single-linkage clusters of pgvector vector embeddings, at most k of them: the cut at the smallest scale that leaves at most k (scipy fcluster criterion ''maxclust''; tied edge lengths can leave fewer); one cluster_member per row, ordered by id';

CREATE FUNCTION topembed.clusters_transfn(internal, bigint, halfvec, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_transfn(internal, bigint, halfvec, text, double precision) IS
'transition function of the clusters aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.clusters(id bigint, embedding halfvec, metric text, scale double precision) (
    SFUNC = topembed.clusters_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters(bigint, halfvec, text, double precision) IS
'single-linkage clusters at a scale of pgvector halfvec embeddings: rows joined by minimum spanning tree edges of length <= scale share a cluster (scipy fcluster criterion ''distance''); one cluster_member per row, ordered by id';

CREATE FUNCTION topembed.clusters_k_transfn(internal, bigint, halfvec, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_k_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_k_transfn(internal, bigint, halfvec, text, integer) IS
'transition function of the clusters_k aggregates on pgvector halfvec (widened to real exactly)';

CREATE AGGREGATE topembed.clusters_k(id bigint, embedding halfvec, metric text, k integer) (
    SFUNC = topembed.clusters_k_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters_k(bigint, halfvec, text, integer) IS
'single-linkage clusters of pgvector halfvec embeddings, at most k of them: the cut at the smallest scale that leaves at most k (scipy fcluster criterion ''maxclust''; tied edge lengths can leave fewer); one cluster_member per row, ordered by id';

CREATE FUNCTION topembed.clusters_transfn(internal, bigint, sparsevec, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_transfn(internal, bigint, sparsevec, text, double precision) IS
'transition function of the clusters aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.clusters(id bigint, embedding sparsevec, metric text, scale double precision) (
    SFUNC = topembed.clusters_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters(bigint, sparsevec, text, double precision) IS
'single-linkage clusters at a scale of pgvector sparsevec embeddings: rows joined by minimum spanning tree edges of length <= scale share a cluster (scipy fcluster criterion ''distance''); one cluster_member per row, ordered by id';

CREATE FUNCTION topembed.clusters_k_transfn(internal, bigint, sparsevec, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_k_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_k_transfn(internal, bigint, sparsevec, text, integer) IS
'transition function of the clusters_k aggregates on pgvector sparsevec (expanded to a dense vector)';

CREATE AGGREGATE topembed.clusters_k(id bigint, embedding sparsevec, metric text, k integer) (
    SFUNC = topembed.clusters_k_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters_k(bigint, sparsevec, text, integer) IS
'single-linkage clusters of pgvector sparsevec embeddings, at most k of them: the cut at the smallest scale that leaves at most k (scipy fcluster criterion ''maxclust''; tied edge lengths can leave fewer); one cluster_member per row, ordered by id';

-- the storable zero_shot state (topembed 0.3.0) on pgvector's types

CREATE AGGREGATE topembed.zero_shot_state(embedding vector, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_state_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(vector, integer, double precision[]) IS
'storable zero-shot state of pgvector vector embeddings: the per-class counts of zero_shot and a fingerprint of the prompts; merge with zero_shot(zero_shot_state)';

CREATE AGGREGATE topembed.zero_shot_state(embedding halfvec, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_state_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(halfvec, integer, double precision[]) IS
'storable zero-shot state of pgvector halfvec embeddings: the per-class counts of zero_shot and a fingerprint of the prompts; merge with zero_shot(zero_shot_state)';

CREATE AGGREGATE topembed.zero_shot_state(embedding sparsevec, label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_state_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(sparsevec, integer, double precision[]) IS
'storable zero-shot state of pgvector sparsevec embeddings: the per-class counts of zero_shot and a fingerprint of the prompts; merge with zero_shot(zero_shot_state)';

-- persistence with ids, its PCA picture, landmarks, sparse persistence and projection_quality (topembed 0.3.0) on pgvector's types

-- vector

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector) IS
'transition function of the persistence aggregates with row ids on pgvector vector (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer) IS
'transition function of the persistence aggregates with row ids on pgvector vector (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer, text) IS
'transition function of the persistence aggregates with row ids on pgvector vector (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, vector, integer, text, double precision) IS
'transition function of the persistence aggregates with row ids on pgvector vector (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, vector, bigint[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, vector, bigint[]) IS
'transition function of the pca_svg aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, vector, bigint[], text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, vector, bigint[], text) IS
'transition function of the pca_svg aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, vector, integer[], integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, vector, integer[], integer, integer, text) IS
'transition function of the projection_quality aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, vector, integer[], integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, vector, integer[], integer, integer, text, double precision) IS
'transition function of the projection_quality aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer) IS
'transition function of the landmark_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer) IS
'transition function of the landmark_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer, text) IS
'transition function of the landmark_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, vector, integer, integer, text, double precision) IS
'transition function of the landmark_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision) IS
'transition function of the sparse_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision, integer) IS
'transition function of the sparse_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, vector, double precision, integer, text) IS
'transition function of the sparse_persistence aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, vector, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, vector, integer) IS
'transition function of the landmarks aggregates on pgvector vector (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, vector, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, vector, integer, text) IS
'transition function of the landmarks aggregates on pgvector vector (read in place)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding vector) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, vector) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector vector)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding vector, max_dim integer) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, vector, integer) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector vector)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding vector, max_dim integer, metric text) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, vector, integer, text) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector vector)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding vector, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, vector, integer, text, double precision) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector vector)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding vector, loop bigint[]) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, vector, bigint[]) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector vector)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding vector, loop bigint[], title text) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, vector, bigint[], text) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector vector)';

CREATE AGGREGATE topembed.projection_quality(embedding vector, dims integer[], neighbours integer, max_dim integer, metric text) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(vector, integer[], integer, integer, text) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at half the longest finite H0 bar (pgvector vector)';

CREATE AGGREGATE topembed.projection_quality(embedding vector, dims integer[], neighbours integer, max_dim integer, metric text, cut double precision) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(vector, integer[], integer, integer, text, double precision) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at cut (0 < cut <= 1) times the longest finite H0 bar (pgvector vector)';

CREATE AGGREGATE topembed.landmark_persistence(embedding vector, landmarks integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(vector, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks; max_dim 1, metric ''cosine'', the enclosing radius as threshold (pgvector vector)';

CREATE AGGREGATE topembed.landmark_persistence(embedding vector, landmarks integer, max_dim integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(vector, integer, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks and max_dim; metric ''cosine'', the enclosing radius as threshold (pgvector vector)';

CREATE AGGREGATE topembed.landmark_persistence(embedding vector, landmarks integer, max_dim integer, metric text) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(vector, integer, integer, text) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim and metric; the enclosing radius as threshold (pgvector vector)';

CREATE AGGREGATE topembed.landmark_persistence(embedding vector, landmarks integer, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(vector, integer, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim, metric and threshold (NULL: the enclosing radius) (pgvector vector)';

CREATE AGGREGATE topembed.sparse_persistence(embedding vector, epsilon double precision) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(vector, double precision) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon; max_dim 1, metric ''cosine'' (pgvector vector)';

CREATE AGGREGATE topembed.sparse_persistence(embedding vector, epsilon double precision, max_dim integer) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(vector, double precision, integer) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon and max_dim (0 or 1); metric ''cosine'' (pgvector vector)';

CREATE AGGREGATE topembed.sparse_persistence(embedding vector, epsilon double precision, max_dim integer, metric text) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(vector, double precision, integer, text) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon, max_dim (0 or 1) and metric (pgvector vector)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding vector, k integer) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, vector, integer) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k metric ''cosine'' (pgvector vector)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding vector, k integer, metric text) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, vector, integer, text) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k and metric (pgvector vector)';

-- halfvec

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec) IS
'transition function of the persistence aggregates with row ids on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer) IS
'transition function of the persistence aggregates with row ids on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer, text) IS
'transition function of the persistence aggregates with row ids on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, halfvec, integer, text, double precision) IS
'transition function of the persistence aggregates with row ids on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, halfvec, bigint[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, halfvec, bigint[]) IS
'transition function of the pca_svg aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, halfvec, bigint[], text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, halfvec, bigint[], text) IS
'transition function of the pca_svg aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, halfvec, integer[], integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, halfvec, integer[], integer, integer, text) IS
'transition function of the projection_quality aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, halfvec, integer[], integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, halfvec, integer[], integer, integer, text, double precision) IS
'transition function of the projection_quality aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer) IS
'transition function of the landmark_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer) IS
'transition function of the landmark_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer, text) IS
'transition function of the landmark_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, halfvec, integer, integer, text, double precision) IS
'transition function of the landmark_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision) IS
'transition function of the sparse_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision, integer) IS
'transition function of the sparse_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, halfvec, double precision, integer, text) IS
'transition function of the sparse_persistence aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, halfvec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, halfvec, integer) IS
'transition function of the landmarks aggregates on pgvector halfvec (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, halfvec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, halfvec, integer, text) IS
'transition function of the landmarks aggregates on pgvector halfvec (read in place)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding halfvec) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, halfvec) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector halfvec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding halfvec, max_dim integer) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, halfvec, integer) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector halfvec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding halfvec, max_dim integer, metric text) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, halfvec, integer, text) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector halfvec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding halfvec, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, halfvec, integer, text, double precision) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector halfvec)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding halfvec, loop bigint[]) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, halfvec, bigint[]) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector halfvec)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding halfvec, loop bigint[], title text) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, halfvec, bigint[], text) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector halfvec)';

CREATE AGGREGATE topembed.projection_quality(embedding halfvec, dims integer[], neighbours integer, max_dim integer, metric text) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(halfvec, integer[], integer, integer, text) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at half the longest finite H0 bar (pgvector halfvec)';

CREATE AGGREGATE topembed.projection_quality(embedding halfvec, dims integer[], neighbours integer, max_dim integer, metric text, cut double precision) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(halfvec, integer[], integer, integer, text, double precision) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at cut (0 < cut <= 1) times the longest finite H0 bar (pgvector halfvec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding halfvec, landmarks integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(halfvec, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks; max_dim 1, metric ''cosine'', the enclosing radius as threshold (pgvector halfvec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding halfvec, landmarks integer, max_dim integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(halfvec, integer, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks and max_dim; metric ''cosine'', the enclosing radius as threshold (pgvector halfvec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding halfvec, landmarks integer, max_dim integer, metric text) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(halfvec, integer, integer, text) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim and metric; the enclosing radius as threshold (pgvector halfvec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding halfvec, landmarks integer, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(halfvec, integer, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim, metric and threshold (NULL: the enclosing radius) (pgvector halfvec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding halfvec, epsilon double precision) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(halfvec, double precision) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon; max_dim 1, metric ''cosine'' (pgvector halfvec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding halfvec, epsilon double precision, max_dim integer) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(halfvec, double precision, integer) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon and max_dim (0 or 1); metric ''cosine'' (pgvector halfvec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding halfvec, epsilon double precision, max_dim integer, metric text) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(halfvec, double precision, integer, text) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon, max_dim (0 or 1) and metric (pgvector halfvec)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding halfvec, k integer) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, halfvec, integer) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k metric ''cosine'' (pgvector halfvec)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding halfvec, k integer, metric text) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, halfvec, integer, text) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k and metric (pgvector halfvec)';

-- sparsevec

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec) IS
'transition function of the persistence aggregates with row ids on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer) IS
'transition function of the persistence aggregates with row ids on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer, text) IS
'transition function of the persistence aggregates with row ids on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, sparsevec, integer, text, double precision) IS
'transition function of the persistence aggregates with row ids on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, sparsevec, bigint[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, sparsevec, bigint[]) IS
'transition function of the pca_svg aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, sparsevec, bigint[], text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, sparsevec, bigint[], text) IS
'transition function of the pca_svg aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, sparsevec, integer[], integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, sparsevec, integer[], integer, integer, text) IS
'transition function of the projection_quality aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.projection_quality_transfn(internal, sparsevec, integer[], integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, sparsevec, integer[], integer, integer, text, double precision) IS
'transition function of the projection_quality aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer) IS
'transition function of the landmark_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer) IS
'transition function of the landmark_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer, text) IS
'transition function of the landmark_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, sparsevec, integer, integer, text, double precision) IS
'transition function of the landmark_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision) IS
'transition function of the sparse_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision, integer) IS
'transition function of the sparse_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, sparsevec, double precision, integer, text) IS
'transition function of the sparse_persistence aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, sparsevec, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, sparsevec, integer) IS
'transition function of the landmarks aggregates on pgvector sparsevec (read in place)';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, sparsevec, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, sparsevec, integer, text) IS
'transition function of the landmarks aggregates on pgvector sparsevec (read in place)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding sparsevec) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, sparsevec) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector sparsevec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding sparsevec, max_dim integer) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, sparsevec, integer) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector sparsevec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding sparsevec, max_dim integer, metric text) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, sparsevec, integer, text) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector sparsevec)';

CREATE AGGREGATE topembed.persistence(id bigint, embedding sparsevec, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, sparsevec, integer, text, double precision) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back (pgvector sparsevec)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding sparsevec, loop bigint[]) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, sparsevec, bigint[]) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector sparsevec)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding sparsevec, loop bigint[], title text) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, sparsevec, bigint[], text) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...) (pgvector sparsevec)';

CREATE AGGREGATE topembed.projection_quality(embedding sparsevec, dims integer[], neighbours integer, max_dim integer, metric text) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(sparsevec, integer[], integer, integer, text) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at half the longest finite H0 bar (pgvector sparsevec)';

CREATE AGGREGATE topembed.projection_quality(embedding sparsevec, dims integer[], neighbours integer, max_dim integer, metric text, cut double precision) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(sparsevec, integer[], integer, integer, text, double precision) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at cut (0 < cut <= 1) times the longest finite H0 bar (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding sparsevec, landmarks integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(sparsevec, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks; max_dim 1, metric ''cosine'', the enclosing radius as threshold (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding sparsevec, landmarks integer, max_dim integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(sparsevec, integer, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks and max_dim; metric ''cosine'', the enclosing radius as threshold (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding sparsevec, landmarks integer, max_dim integer, metric text) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(sparsevec, integer, integer, text) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim and metric; the enclosing radius as threshold (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmark_persistence(embedding sparsevec, landmarks integer, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(sparsevec, integer, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim, metric and threshold (NULL: the enclosing radius) (pgvector sparsevec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding sparsevec, epsilon double precision) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(sparsevec, double precision) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon; max_dim 1, metric ''cosine'' (pgvector sparsevec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding sparsevec, epsilon double precision, max_dim integer) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(sparsevec, double precision, integer) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon and max_dim (0 or 1); metric ''cosine'' (pgvector sparsevec)';

CREATE AGGREGATE topembed.sparse_persistence(embedding sparsevec, epsilon double precision, max_dim integer, metric text) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(sparsevec, double precision, integer, text) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon, max_dim (0 or 1) and metric (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding sparsevec, k integer) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, sparsevec, integer) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k metric ''cosine'' (pgvector sparsevec)';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding sparsevec, k integer, metric text) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, sparsevec, integer, text) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k and metric (pgvector sparsevec)';
