-- topembed 0.3.0: health analyses of embedding spaces
\echo Use "CREATE EXTENSION topembed" to load this file. \quit

--------------------------------------------------------------------------
-- Trust: install only into a schema that nobody else controls
--------------------------------------------------------------------------

-- CREATE EXTENSION makes schema topembed when it is missing, but quietly
-- uses one that exists.  A schema that another role owns, that already holds
-- objects, or where another role may create objects would let that role
-- plant look-alike functions (an overload of topembed.snapshot that a
-- superuser's job then calls).  Refuse all three before anything is created.
-- Every name below is qualified or resolves in pg_catalog, which is searched
-- before the schema being checked.
DO $guard$
DECLARE
    ns oid;
    owner_name name;
    owner_super boolean;
    foreign_objects text;
    creators text;
BEGIN
    SELECT n.oid, r.rolname, r.rolsuper INTO ns, owner_name, owner_super
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
    WHERE n.nspname = 'topembed';
    IF NOT owner_super AND owner_name <> CURRENT_USER THEN
        RAISE EXCEPTION 'schema "topembed" is owned by role "%", not by the role creating the extension or a superuser', owner_name
            USING ERRCODE = '42501',
                  DETAIL = 'Its owner could add objects to it that look like topembed''s own, and they would run with the rights of whoever calls them.',
                  HINT = 'Drop the schema (or rename it and check what it holds), then run CREATE EXTENSION topembed again: it creates the schema itself.';
    END IF;
    SELECT pg_catalog.string_agg(o.what, ', ' ORDER BY o.what)
    INTO foreign_objects
    FROM (SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, t.oid FROM pg_catalog.pg_type t WHERE t.typnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass::pg_catalog.oid, o.oid FROM pg_catalog.pg_operator o WHERE o.oprnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass::pg_catalog.oid, c.oid FROM pg_catalog.pg_collation c WHERE c.collnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass::pg_catalog.oid, c.oid FROM pg_catalog.pg_conversion c WHERE c.connamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid, f.oid FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass::pg_catalog.oid, c.oid FROM pg_catalog.pg_opclass c WHERE c.opcnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass::pg_catalog.oid, c.oid FROM pg_catalog.pg_ts_config c WHERE c.cfgnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass::pg_catalog.oid, d.oid FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass::pg_catalog.oid, p.oid FROM pg_catalog.pg_ts_parser p WHERE p.prsnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass::pg_catalog.oid, t.oid FROM pg_catalog.pg_ts_template t WHERE t.tmplnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::pg_catalog.oid, s.oid FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace = ns
          UNION ALL SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid, e.oid FROM pg_catalog.pg_extension e
                    WHERE e.extnamespace = ns AND e.extname <> 'topembed') x(classid, objid),
         LATERAL (SELECT i.type || ' ' || i.identity FROM pg_catalog.pg_identify_object(x.classid, x.objid, 0) i) o(what);
    IF foreign_objects IS NOT NULL THEN
        RAISE EXCEPTION 'schema "topembed" already holds objects that are not part of the extension'
            USING ERRCODE = '42501',
                  DETAIL = 'It holds: ' || foreign_objects || '.',
                  HINT = 'topembed installs only into an empty schema: drop or move these objects (ALTER ... SET SCHEMA), or drop the schema, and run CREATE EXTENSION topembed again.';
    END IF;
    SELECT pg_catalog.string_agg(w.who, ', ' ORDER BY w.who)
    INTO creators
    FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
    LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee,
         LATERAL (SELECT CASE WHEN a.grantee = '0'::pg_catalog.oid THEN 'PUBLIC'
                              ELSE pg_catalog.quote_ident(g.rolname) END) w(who)
    WHERE n.oid = ns AND a.privilege_type = 'CREATE' AND a.grantee <> n.nspowner;
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION 'other roles may create objects in schema "topembed": %', creators
            USING ERRCODE = '42501',
                  HINT = 'Revoke it (REVOKE CREATE ON SCHEMA topembed FROM ' || creators || ') and run CREATE EXTENSION topembed again.';
    END IF;
END
$guard$;

--------------------------------------------------------------------------
-- Inputs
--------------------------------------------------------------------------

CREATE FUNCTION topembed.check_embedding(embedding real[], dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_check_embedding'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.check_embedding(real[], int) IS
'NULL when the embedding is valid (one-dimensional, no NULL elements, finite, at most 16000 and, if given, exactly dim elements); otherwise the problem';

CREATE FUNCTION topembed.check_embedding(embedding double precision[], dim int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_check_embedding'
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
AS 'MODULE_PATHNAME', 'topembed_gap_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_in(cstring) IS 'text input of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_out(topembed.gap_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'topembed_gap_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_out(topembed.gap_state) IS 'text output of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_recv(internal) RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_state_recv(internal) IS 'binary input of topembed.gap_state';

CREATE FUNCTION topembed.gap_state_send(topembed.gap_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_gap_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'topembed_gap_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_pair_transfn(topembed.gap_state, anyarray, anyarray) IS
'transition function of the paired modality_gap aggregates';

CREATE FUNCTION topembed.gap_one_transfn(topembed.gap_state, anyarray, boolean)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_one_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;
COMMENT ON FUNCTION topembed.gap_one_transfn(topembed.gap_state, anyarray, boolean) IS
'transition function of the unpaired modality_gap aggregates';

CREATE FUNCTION topembed.gap_combinefn(topembed.gap_state, topembed.gap_state)
RETURNS topembed.gap_state
AS 'MODULE_PATHNAME', 'topembed_gap_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_combinefn(topembed.gap_state, topembed.gap_state) IS
'merges two modality-gap states (combine function, and transition of modality_gap(gap_state))';

CREATE FUNCTION topembed.gap_finalfn(topembed.gap_state)
RETURNS topembed.gap_stats
AS 'MODULE_PATHNAME', 'topembed_gap_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'topembed_synthetic_pairs'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION topembed.synthetic_pairs(int, int, double precision, bigint, double precision, double precision) IS
'deterministic CLIP-like image/text pairs: two anisotropic cones whose gap is calibrated to the requested value';

--------------------------------------------------------------------------
-- Moments sketch
--------------------------------------------------------------------------

CREATE TYPE topembed.moments;

CREATE FUNCTION topembed.moments_in(cstring) RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_in(cstring) IS 'text input of topembed.moments';

CREATE FUNCTION topembed.moments_out(topembed.moments) RETURNS cstring
AS 'MODULE_PATHNAME', 'topembed_moments_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_out(topembed.moments) IS 'text output of topembed.moments';

CREATE FUNCTION topembed.moments_recv(internal) RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_recv(internal) IS 'binary input of topembed.moments';

CREATE FUNCTION topembed.moments_send(topembed.moments) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_moments_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'topembed_moments_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;
COMMENT ON FUNCTION topembed.moments_transfn(topembed.moments, anyarray) IS
'transition function of the moments and spectral_collapse aggregates';

CREATE FUNCTION topembed.moments_combinefn(topembed.moments, topembed.moments)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_combinefn(topembed.moments, topembed.moments) IS
'merges two moments sketches with Chan''s formula (combine function, and transition of moments(moments))';

CREATE FUNCTION topembed.moments_finalfn(topembed.moments)
RETURNS topembed.moments
AS 'MODULE_PATHNAME', 'topembed_moments_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
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

CREATE FUNCTION topembed.moments_count(sketch topembed.moments) RETURNS bigint
AS 'MODULE_PATHNAME', 'topembed_moments_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_count(topembed.moments) IS 'number of vectors in a moments sketch';

CREATE FUNCTION topembed.moments_dim(sketch topembed.moments) RETURNS integer
AS 'MODULE_PATHNAME', 'topembed_moments_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_dim(topembed.moments) IS 'dimension of a moments sketch';

CREATE FUNCTION topembed.moments_mean(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_moments_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_mean(topembed.moments) IS 'mean vector of a moments sketch';

CREATE FUNCTION topembed.moments_covariance(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_moments_covariance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.moments_covariance(topembed.moments) IS
'population covariance matrix (scatter / n) of a moments sketch, as a dim x dim array';

-- the 0.1.0 names of the accessors: deprecated aliases for one version
CREATE FUNCTION topembed.n(sketch topembed.moments) RETURNS bigint
AS 'MODULE_PATHNAME', 'topembed_moments_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION topembed.dim(sketch topembed.moments) RETURNS integer
AS 'MODULE_PATHNAME', 'topembed_moments_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION topembed.mean(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_moments_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION topembed.covariance(sketch topembed.moments) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_moments_covariance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.n(topembed.moments) IS
'deprecated: use topembed.moments_count (number of vectors in a moments sketch); removed after 0.2.0';
COMMENT ON FUNCTION topembed.dim(topembed.moments) IS
'deprecated: use topembed.moments_dim (dimension of a moments sketch); removed after 0.2.0';
COMMENT ON FUNCTION topembed.mean(topembed.moments) IS
'deprecated: use topembed.moments_mean (mean vector of a moments sketch); removed after 0.2.0';
COMMENT ON FUNCTION topembed.covariance(topembed.moments) IS
'deprecated: use topembed.moments_covariance (population covariance of a moments sketch); removed after 0.2.0';

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
AS 'MODULE_PATHNAME', 'topembed_spectrum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION topembed.spectrum(topembed.moments) IS
'covariance eigenvalues (descending) and collapse measures of a moments sketch';

CREATE FUNCTION topembed.spectral_collapse_finalfn(topembed.moments)
RETURNS topembed.spectrum_stats
AS 'MODULE_PATHNAME', 'topembed_spectral_collapse_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'topembed_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(real[], topembed.moments, integer) IS
'centred projection of an embedding onto the top-k eigenvectors of the basis sketch''s covariance';

CREATE FUNCTION topembed.pca_project(embedding double precision[], basis topembed.moments, k integer)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_pca_project' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_project(double precision[], topembed.moments, integer) IS
'centred projection of an embedding onto the top-k eigenvectors of the basis sketch''s covariance';

CREATE FUNCTION topembed.pca_components(basis topembed.moments, k integer)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_pca_components' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_components(topembed.moments, integer) IS
'the top-k unit eigenvectors of the basis sketch''s covariance, one per row (k x dim)';

CREATE FUNCTION topembed.modality_gap(image topembed.moments, text topembed.moments)
RETURNS topembed.gap_stats
AS 'MODULE_PATHNAME', 'topembed_gap_from_moments' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.modality_gap(topembed.moments, topembed.moments) IS
'modality gap from two sketches of L2-normalised embeddings (the paired fields are NULL)';

CREATE FUNCTION topembed.l2_normalize(embedding real[]) RETURNS real[]
AS 'MODULE_PATHNAME', 'topembed_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.l2_normalize(real[]) IS 'the embedding scaled to unit L2 norm';

CREATE FUNCTION topembed.l2_normalize(embedding double precision[]) RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.l2_normalize(double precision[]) IS 'the embedding scaled to unit L2 norm';

--------------------------------------------------------------------------
-- Persistent homology
--------------------------------------------------------------------------

CREATE TYPE topembed.persistence_pair AS (
    hdim  integer,
    birth double precision,
    death double precision
);
COMMENT ON TYPE topembed.persistence_pair IS
'One bar of a persistence diagram: homology dimension (hdim), birth and death scale (death = Infinity for an essential class)';

CREATE FUNCTION topembed.persistence_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_combinefn(internal, internal) IS
'combine function of the persistence aggregates: concatenates points, or merges two samples';

CREATE FUNCTION topembed.persistence_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_persistence_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_serialfn(internal) IS
'serialises the state of a persistence aggregate for a parallel worker';

CREATE FUNCTION topembed.persistence_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_deserialfn(bytea, internal) IS
'deserialises the state of a persistence aggregate';

CREATE FUNCTION topembed.persistence_finalfn(internal) RETURNS topembed.persistence_pair[]
AS 'MODULE_PATHNAME', 'topembed_persistence_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_finalfn(internal) IS
'final function of the persistence aggregates: runs the Vietoris-Rips engine';

CREATE FUNCTION topembed.persistence_transfn(internal, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
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
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
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
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
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
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
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
AS 'MODULE_PATHNAME', 'topembed_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
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

--------------------------------------------------------------------------
-- Point sample: the sampled persistence's bottom-k sample as a stored,
-- mergeable value (0.3.0)
--------------------------------------------------------------------------

CREATE TYPE topembed.point_sample;

CREATE FUNCTION topembed.point_sample_in(cstring) RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_in(cstring) IS 'text input of topembed.point_sample';

CREATE FUNCTION topembed.point_sample_out(topembed.point_sample) RETURNS cstring
AS 'MODULE_PATHNAME', 'topembed_point_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_out(topembed.point_sample) IS 'text output of topembed.point_sample';

CREATE FUNCTION topembed.point_sample_recv(internal) RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_recv(internal) IS 'binary input of topembed.point_sample';

CREATE FUNCTION topembed.point_sample_send(topembed.point_sample) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_point_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_send(topembed.point_sample) IS 'binary output of topembed.point_sample';

CREATE TYPE topembed.point_sample (
    INPUT = topembed.point_sample_in,
    OUTPUT = topembed.point_sample_out,
    RECEIVE = topembed.point_sample_recv,
    SEND = topembed.point_sample_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE topembed.point_sample IS
'Mergeable bottom-k sample of a set of points: the k with the smallest hash of their values, as the sampled persistence keeps them';

CREATE FUNCTION topembed.point_sample_transfn(topembed.point_sample, anyarray, integer)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.point_sample_transfn(topembed.point_sample, anyarray, integer) IS
'transition function of the point_sample aggregates';

CREATE FUNCTION topembed.point_sample_combinefn(topembed.point_sample, topembed.point_sample)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_combinefn(topembed.point_sample, topembed.point_sample) IS
'merges two point samples into the sample of their union (combine function, and transition of point_sample(point_sample))';

CREATE FUNCTION topembed.point_sample_finalfn(topembed.point_sample)
RETURNS topembed.point_sample
AS 'MODULE_PATHNAME', 'topembed_point_sample_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_finalfn(topembed.point_sample) IS
'final function of the point_sample aggregates: the kept points, in hash order';

CREATE AGGREGATE topembed.point_sample(embedding real[], k integer) (
    SFUNC = topembed.point_sample_transfn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(real[], integer) IS
'the k embeddings with the smallest hash of their values: the sample persistence(e, max_dim, metric, threshold, k) keeps, as a value';

CREATE AGGREGATE topembed.point_sample(embedding double precision[], k integer) (
    SFUNC = topembed.point_sample_transfn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(double precision[], integer) IS
'the k embeddings with the smallest hash of their values: the sample persistence(e, max_dim, metric, threshold, k) keeps, as a value';

CREATE AGGREGATE topembed.point_sample(sample topembed.point_sample) (
    SFUNC = topembed.point_sample_combinefn,
    STYPE = topembed.point_sample,
    COMBINEFUNC = topembed.point_sample_combinefn,
    FINALFUNC = topembed.point_sample_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.point_sample(topembed.point_sample) IS
'merges point samples into the sample of all their rows (of the smallest k among them)';

CREATE FUNCTION topembed.point_sample_count(sample topembed.point_sample) RETURNS bigint
AS 'MODULE_PATHNAME', 'topembed_point_sample_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_count(topembed.point_sample) IS
'the points a sample keeps: at most its size k';

CREATE FUNCTION topembed.point_sample_seen(sample topembed.point_sample) RETURNS bigint
AS 'MODULE_PATHNAME', 'topembed_point_sample_seen' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_seen(topembed.point_sample) IS
'the rows a sample was drawn from';

CREATE FUNCTION topembed.point_sample_size(sample topembed.point_sample) RETURNS integer
AS 'MODULE_PATHNAME', 'topembed_point_sample_size' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.point_sample_size(topembed.point_sample) IS
'the sample size k a sample was drawn with';

CREATE FUNCTION topembed.persistence(sample topembed.point_sample, max_dim integer DEFAULT 1,
                                     metric text DEFAULT 'cosine', threshold double precision DEFAULT NULL)
RETURNS topembed.persistence_pair[]
AS 'MODULE_PATHNAME', 'topembed_persistence_of_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION topembed.persistence(topembed.point_sample, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of a point sample''s points: the diagram of persistence(e, max_dim, metric, threshold, k) over the rows it was drawn from';

CREATE FUNCTION topembed.persistence_from_distances(
    distances double precision[],
    max_dim integer DEFAULT 1,
    threshold double precision DEFAULT NULL,
    modulus integer DEFAULT 2)
RETURNS topembed.persistence_pair[]
AS 'MODULE_PATHNAME', 'topembed_persistence_from_distances' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION topembed.persistence_from_distances(double precision[], integer, double precision, integer) IS
'Vietoris-Rips persistence diagram of a dissimilarity: a lower triangle in Ripser''s order or a full symmetric matrix';

CREATE TYPE topembed.persistence_estimate_result AS (
    memory_bytes bigint,
    memory_limit_bytes bigint,
    fits boolean,
    refused_by text,
    memory_basis text,
    edges bigint,
    seconds double precision,
    time_class text
);
COMMENT ON TYPE topembed.persistence_estimate_result IS
'what persistence_estimate predicts: memory_bytes (the figure of persistence''s up-front refusal, points included; NULL if it cannot be represented), memory_limit_bytes (topembed.persistence_memory_limit), fits (false when persistence would refuse up front), refused_by (the limit that refuses, or NULL), memory_basis (''bound'', or ''estimating'' when a finite threshold leaves the per-edge part out), edges (pairs the model assumes within the threshold), seconds and time_class (the rough time of the calibrated work model)';

CREATE FUNCTION topembed.persistence_estimate(
    n bigint,
    dim integer,
    max_dim integer DEFAULT 1,
    metric text DEFAULT 'cosine',
    threshold double precision DEFAULT NULL)
RETURNS topembed.persistence_estimate_result
AS 'MODULE_PATHNAME', 'topembed_persistence_estimate' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_estimate(bigint, integer, integer, text, double precision) IS
'before running topembed.persistence on n embeddings of dim: its predicted peak memory under the model of its up-front refusal, the limit, whether it fits, and a rough time class';

CREATE TYPE topembed.sparse_persistence_estimate_result AS (
    memory_bytes bigint,
    memory_limit_bytes bigint,
    fits boolean,
    refused_by text,
    bytes_per_edge integer,
    max_edges bigint,
    all_pairs bigint,
    all_pairs_bytes bigint,
    seconds double precision,
    time_class text
);
COMMENT ON TYPE topembed.sparse_persistence_estimate_result IS
'what sparse_persistence_estimate predicts: memory_bytes (the figure of sparse_persistence''s up-front refusal: the points, the permutation and the spanning tree''s n - 1 edges; the graph beyond them is counted as it is found), memory_limit_bytes (topembed.persistence_memory_limit), fits (false when sparse_persistence would refuse up front), refused_by (the limit that refuses, or NULL), bytes_per_edge (what each further edge of the graph takes), max_edges (the edges the engine''s limit leaves room for by the model, a guide; NULL when refused), all_pairs and all_pairs_bytes (the worst case: a graph that keeps every pair; H1''s working columns come on top), seconds and time_class (the work model''s time for the parts that do not depend on the graph, on one thread)';

CREATE FUNCTION topembed.sparse_persistence_estimate(
    n bigint,
    dim integer,
    epsilon double precision,
    max_dim integer DEFAULT 1,
    metric text DEFAULT 'cosine')
RETURNS topembed.sparse_persistence_estimate_result
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_estimate' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.sparse_persistence_estimate(bigint, integer, double precision, integer, text) IS
'before running topembed.sparse_persistence on n embeddings of dim: the memory of its up-front refusal, the limit, whether it fits, the edges the limit leaves room for, the worst case of every pair kept, and a rough time of the parts that do not depend on the graph';

--------------------------------------------------------------------------
-- Clusters: cuts of the single-linkage dendrogram, the minimum spanning
-- tree of H0 persistence (0.3.0)
--------------------------------------------------------------------------

CREATE TYPE topembed.cluster_member AS (
    id bigint,
    cluster integer,
    cluster_size bigint
);
COMMENT ON TYPE topembed.cluster_member IS
'One row''s flat cluster: its id, the cluster number (1 = the largest; ties by the smallest id in the cluster) and the cluster''s size';

CREATE FUNCTION topembed.clusters_transfn(internal, bigint, anyarray, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_transfn(internal, bigint, anyarray, text, double precision) IS
'transition function of the clusters aggregates';

CREATE FUNCTION topembed.clusters_k_transfn(internal, bigint, anyarray, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_k_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.clusters_k_transfn(internal, bigint, anyarray, text, integer) IS
'transition function of the clusters_k aggregates';

CREATE FUNCTION topembed.clusters_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.clusters_combinefn(internal, internal) IS
'combine function of the clusters and clusters_k aggregates: concatenates the rows';

CREATE FUNCTION topembed.clusters_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_clusters_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.clusters_serialfn(internal) IS
'serialises the state of a clusters or clusters_k aggregate for a parallel worker';

CREATE FUNCTION topembed.clusters_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_clusters_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.clusters_deserialfn(bytea, internal) IS
'deserialises the state of a clusters or clusters_k aggregate';

CREATE FUNCTION topembed.clusters_finalfn(internal) RETURNS topembed.cluster_member[]
AS 'MODULE_PATHNAME', 'topembed_clusters_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.clusters_finalfn(internal) IS
'final function of the clusters aggregates: cuts the minimum spanning tree of the rows';

CREATE AGGREGATE topembed.clusters(id bigint, embedding real[], metric text, scale double precision) (
    SFUNC = topembed.clusters_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters(bigint, real[], text, double precision) IS
'single-linkage clusters at a scale: rows joined by minimum spanning tree edges of length <= scale share a cluster (scipy fcluster criterion ''distance''); one cluster_member per row, ordered by id';

CREATE AGGREGATE topembed.clusters(id bigint, embedding double precision[], metric text, scale double precision) (
    SFUNC = topembed.clusters_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters(bigint, double precision[], text, double precision) IS
'single-linkage clusters at a scale: rows joined by minimum spanning tree edges of length <= scale share a cluster (scipy fcluster criterion ''distance''); one cluster_member per row, ordered by id';

CREATE AGGREGATE topembed.clusters_k(id bigint, embedding real[], metric text, k integer) (
    SFUNC = topembed.clusters_k_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters_k(bigint, real[], text, integer) IS
'single-linkage clusters, at most k of them: the cut at the smallest scale that leaves at most k (scipy fcluster criterion ''maxclust''; tied edge lengths can leave fewer); one cluster_member per row, ordered by id';

CREATE AGGREGATE topembed.clusters_k(id bigint, embedding double precision[], metric text, k integer) (
    SFUNC = topembed.clusters_k_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.clusters_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.clusters_k(bigint, double precision[], text, integer) IS
'single-linkage clusters, at most k of them: the cut at the smallest scale that leaves at most k (scipy fcluster criterion ''maxclust''; tied edge lengths can leave fewer); one cluster_member per row, ordered by id';


-- persistence with generators: every bar's simplices and H1 loop in the rows' ids

CREATE TYPE topembed.persistence_generator AS (
    hdim integer,
    birth double precision,
    death double precision,
    birth_ids bigint[],
    death_ids bigint[],
    cycle bigint[],
    cocycle bigint[]
);
COMMENT ON TYPE topembed.persistence_generator IS
'one bar of topembed.persistence(id, embedding, ...) with its simplices in the rows'' ids: birth_ids the simplex whose entry makes the class (longest edge = birth; H0: the component''s lowest row), death_ids the one that kills it (longest edge = death; NULL if essential), cycle (H1 only) a loop through the birth edge on edges no longer than the birth, cocycle (finite bars above H0) the representative cocycle''s simplices, one per row of a two-dimensional array';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray) IS
'transition function of the persistence aggregates with row ids';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer) IS
'transition function of the persistence aggregates with row ids';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer, text) IS
'transition function of the persistence aggregates with row ids';

CREATE FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.persistence_ids_transfn(internal, bigint, anyarray, integer, text, double precision) IS
'transition function of the persistence aggregates with row ids';

CREATE FUNCTION topembed.persistence_ids_finalfn(internal) RETURNS topembed.persistence_generator[]
AS 'MODULE_PATHNAME', 'topembed_persistence_ids_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_ids_finalfn(internal) IS
'final function of the persistence aggregates with row ids: the diagram with every bar''s generators';

CREATE AGGREGATE topembed.persistence(id bigint, embedding real[]) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, real[]) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding double precision[]) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, double precision[]) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding real[], max_dim integer) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, real[], integer) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding double precision[], max_dim integer) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, double precision[], integer) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding real[], max_dim integer, metric text) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, real[], integer, text) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding double precision[], max_dim integer, metric text) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, double precision[], integer, text) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding real[], max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, real[], integer, text, double precision) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

CREATE AGGREGATE topembed.persistence(id bigint, embedding double precision[], max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.persistence_ids_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.persistence_ids_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.persistence(bigint, double precision[], integer, text, double precision) IS
'persistence diagram of the rows (defaults as persistence(embedding, ...): max_dim 1, cosine, the enclosing radius) with every bar''s birth and death simplices and H1 loop in the rows'' ids: unnest it and join the ids back';

-- a picture of rows on their first two principal axes, with a loop of them drawn through

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, anyarray, bigint[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, anyarray, bigint[]) IS
'transition function of the pca_svg aggregates';

CREATE FUNCTION topembed.pca_svg_transfn(internal, bigint, anyarray, bigint[], text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_pca_svg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.pca_svg_transfn(internal, bigint, anyarray, bigint[], text) IS
'transition function of the pca_svg aggregates';

CREATE FUNCTION topembed.pca_svg_finalfn(internal) RETURNS text
AS 'MODULE_PATHNAME', 'topembed_pca_svg_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.pca_svg_finalfn(internal) IS
'final function of the pca_svg aggregates: the PCA picture of the rows with the loop';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding real[], loop bigint[]) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, real[], bigint[]) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding double precision[], loop bigint[]) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, double precision[], bigint[]) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding real[], loop bigint[], title text) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, real[], bigint[], text) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...)';

CREATE AGGREGATE topembed.pca_svg(id bigint, embedding double precision[], loop bigint[], title text) (
    SFUNC = topembed.pca_svg_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.clusters_combinefn,
    SERIALFUNC = topembed.clusters_serialfn,
    DESERIALFUNC = topembed.clusters_deserialfn,
    FINALFUNC = topembed.pca_svg_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.pca_svg(bigint, double precision[], bigint[], text) IS
'standalone SVG of the rows on their first two principal axes (centred PCA, one scale), with the rows of loop (ids, in order; NULL: none) joined as a closed loop and labelled: e.g. the cycle of an H1 bar of topembed.persistence(id, embedding, ...)';

--------------------------------------------------------------------------
-- Projection quality: how much structure survives a PCA to fewer
-- dimensions (0.3.0)
--------------------------------------------------------------------------

CREATE TYPE topembed.projection_quality_row AS (
    dims               integer,
    explained_variance double precision,
    trustworthiness    double precision,
    continuity         double precision,
    bottleneck_h0      double precision,
    bottleneck_h1      double precision,
    clusters           integer
);
COMMENT ON TYPE topembed.projection_quality_row IS
'What survives the PCA projection of the rows to dims dimensions: the share of the variance kept, trustworthiness and continuity (Venna and Kaski) at the given neighbours, the bottleneck distances between the euclidean H0 and H1 diagrams of the projection and of the full space (bottleneck_h1 NULL with max_dim 0), and the projection''s H0 classes longer than the cut';

CREATE FUNCTION topembed.projection_quality_transfn(internal, anyarray, integer[], integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, anyarray, integer[], integer, integer, text) IS
'transition function of the projection_quality aggregates';

CREATE FUNCTION topembed.projection_quality_transfn(internal, anyarray, integer[], integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.projection_quality_transfn(internal, anyarray, integer[], integer, integer, text, double precision) IS
'transition function of the projection_quality aggregates';

CREATE FUNCTION topembed.projection_quality_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.projection_quality_combinefn(internal, internal) IS
'combine function of the projection_quality aggregates: concatenates the points';

CREATE FUNCTION topembed.projection_quality_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_projection_quality_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.projection_quality_serialfn(internal) IS
'serialises the state of a projection_quality aggregate for a parallel worker';

CREATE FUNCTION topembed.projection_quality_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_projection_quality_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.projection_quality_deserialfn(bytea, internal) IS
'deserialises the state of a projection_quality aggregate';

CREATE FUNCTION topembed.projection_quality_finalfn(internal) RETURNS topembed.projection_quality_row[]
AS 'MODULE_PATHNAME', 'topembed_projection_quality_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.projection_quality_finalfn(internal) IS
'final function of the projection_quality aggregates: projects, ranks and runs the Vietoris-Rips engine';

CREATE AGGREGATE topembed.projection_quality(embedding real[], dims integer[], neighbours integer, max_dim integer, metric text) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(real[], integer[], integer, integer, text) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at half the longest finite H0 bar';

CREATE AGGREGATE topembed.projection_quality(embedding double precision[], dims integer[], neighbours integer, max_dim integer, metric text) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(double precision[], integer[], integer, integer, text) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at half the longest finite H0 bar';

CREATE AGGREGATE topembed.projection_quality(embedding real[], dims integer[], neighbours integer, max_dim integer, metric text, cut double precision) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(real[], integer[], integer, integer, text, double precision) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at cut (0 < cut <= 1) times the longest finite H0 bar';

CREATE AGGREGATE topembed.projection_quality(embedding double precision[], dims integer[], neighbours integer, max_dim integer, metric text, cut double precision) (
    SFUNC = topembed.projection_quality_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.projection_quality_combinefn,
    SERIALFUNC = topembed.projection_quality_serialfn,
    DESERIALFUNC = topembed.projection_quality_deserialfn,
    FINALFUNC = topembed.projection_quality_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.projection_quality(double precision[], integer[], integer, integer, text, double precision) IS
'for each target dimension in dims, how much structure survives the PCA projection of the rows: one projection_quality_row per element of dims; clusters cut at cut (0 < cut <= 1) times the longest finite H0 bar';

--------------------------------------------------------------------------
-- Pictures
--------------------------------------------------------------------------

CREATE FUNCTION topembed.diagram_svg(diagram topembed.persistence_pair[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_diagram_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.diagram_svg(topembed.persistence_pair[], text) IS
'standalone SVG plot of a persistence diagram: birth against death per homology dimension';

CREATE FUNCTION topembed.barcode_svg(diagram topembed.persistence_pair[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_barcode_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.barcode_svg(topembed.persistence_pair[], text) IS
'standalone SVG barcode of a persistence diagram';

CREATE FUNCTION topembed.spectrum_svg(spectrum topembed.spectrum_stats, title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_spectrum_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats, text) IS
'standalone SVG plot of a covariance spectrum on a log scale, effective rank and dims_99 marked';

CREATE FUNCTION topembed.spectrum_svg(spectra topembed.spectrum_stats[], labels text[], title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_spectra_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats[], text[], text) IS
'standalone SVG plot of several covariance spectra in one figure, e.g. CLIP against CLOOB';

CREATE FUNCTION topembed.betti_curve_svg(diagram topembed.persistence_pair[], grid double precision[] DEFAULT NULL, title text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_betti_curve_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_curve_svg(topembed.persistence_pair[], double precision[], text) IS
'standalone SVG plot of the Betti curves of every homology dimension of a diagram';

-- the 0.2.0 forms: the metric names the axes, panels share one scale (the
-- same C functions, which read these arguments only when they are passed);
-- the 0.1.0 forms above stay, so that calls, and views that use them, keep working

CREATE FUNCTION topembed.diagram_svg(diagram topembed.persistence_pair[], title text, metric text,
                                     max_scale double precision DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_diagram_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.diagram_svg(topembed.persistence_pair[], text, text, double precision) IS
'standalone SVG plot of a persistence diagram whose axes name the metric; max_scale shares one scale between panels';

CREATE FUNCTION topembed.barcode_svg(diagram topembed.persistence_pair[], title text, metric text,
                                     max_scale double precision DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_barcode_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.barcode_svg(topembed.persistence_pair[], text, text, double precision) IS
'standalone SVG barcode of a persistence diagram whose axis names the metric; max_scale shares one scale between panels';

CREATE FUNCTION topembed.diagram_svg(diagram topembed.persistence_pair[], title text, metric text,
                                     max_scale double precision, highlight bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_diagram_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.diagram_svg(topembed.persistence_pair[], text, text, double precision, bigint) IS
'standalone SVG plot of a persistence diagram with one pair (numbered from 1 as the array''s elements) ringed and captioned';

CREATE FUNCTION topembed.barcode_svg(diagram topembed.persistence_pair[], title text, metric text,
                                     max_scale double precision, highlight bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_barcode_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.barcode_svg(topembed.persistence_pair[], text, text, double precision, bigint) IS
'standalone SVG barcode of a persistence diagram with one bar (numbered from 1 as the array''s elements) outlined and captioned, shown even where only the longest bars are';

CREATE FUNCTION topembed.spectrum_svg(spectrum topembed.spectrum_stats, title text,
                                      min_eigenvalue double precision,
                                      max_eigenvalue double precision DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_spectrum_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats, text, double precision, double precision) IS
'standalone SVG plot of a covariance spectrum whose eigenvalue axis covers at least the given range, to share one scale between panels';

CREATE FUNCTION topembed.spectrum_svg(spectra topembed.spectrum_stats[], labels text[], title text,
                                      min_eigenvalue double precision,
                                      max_eigenvalue double precision DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_spectra_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.spectrum_svg(topembed.spectrum_stats[], text[], text, double precision, double precision) IS
'standalone SVG plot of several covariance spectra whose eigenvalue axis covers at least the given range, to share one scale between panels';

CREATE FUNCTION topembed.betti_curve_svg(diagram topembed.persistence_pair[], grid double precision[], title text,
                                         metric text)
RETURNS text
AS 'MODULE_PATHNAME', 'topembed_betti_curve_svg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_curve_svg(topembed.persistence_pair[], double precision[], text, text) IS
'standalone SVG plot of the Betti curves of a diagram whose scale axis names the metric';

--------------------------------------------------------------------------
-- Diagram summaries and distances
--------------------------------------------------------------------------

CREATE FUNCTION topembed.betti_numbers(diagram topembed.persistence_pair[], r double precision)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'topembed_betti_numbers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_numbers(topembed.persistence_pair[], double precision) IS
'Betti numbers beta_0, beta_1, ... at scale r: bars with birth <= r < death';

CREATE FUNCTION topembed.betti_curve(diagram topembed.persistence_pair[], hdim integer, grid double precision[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'topembed_betti_curve' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.betti_curve(topembed.persistence_pair[], integer, double precision[]) IS
'Betti number of one homology dimension at every scale of a grid';

CREATE FUNCTION topembed.persistence_entropy(diagram topembed.persistence_pair[], hdim integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_persistence_entropy' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_entropy(topembed.persistence_pair[], integer) IS
'persistence entropy of the finite bars of one dimension (natural log; NULL without finite bars)';

CREATE FUNCTION topembed.total_persistence(diagram topembed.persistence_pair[], hdim integer, p double precision DEFAULT 1)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_total_persistence' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.total_persistence(topembed.persistence_pair[], integer, double precision) IS
'sum of (death - birth)^p over the finite bars of one dimension';

CREATE FUNCTION topembed.persistence_landscape(diagram topembed.persistence_pair[], hdim integer, k integer, grid double precision[])
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_persistence_landscape' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_landscape(topembed.persistence_pair[], integer, integer, double precision[]) IS
'the first k persistence landscape functions (Bubenik 2015) of one dimension on a grid, as a k x m array';

CREATE FUNCTION topembed.persistence_image(diagram topembed.persistence_pair[], hdim integer,
                                           resolution integer[] DEFAULT '{20,20}',
                                           sigma double precision DEFAULT NULL,
                                           weight text DEFAULT 'linear',
                                           bounds double precision[] DEFAULT NULL)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_persistence_image' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_image(topembed.persistence_pair[], integer, integer[], double precision, text, double precision[]) IS
'persistence image (Adams et al. 2017) of the finite bars of one dimension in (birth, persistence) coordinates, Gaussians sampled on a resolution {births, persistences} grid over bounds {birth min, max, persistence min, max}, as a persistences x births array (gudhi''s PersistenceImage)';

CREATE FUNCTION topembed.persistence_silhouette(diagram topembed.persistence_pair[], hdim integer, grid double precision[],
                                                p double precision DEFAULT 1)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'topembed_persistence_silhouette' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.persistence_silhouette(topembed.persistence_pair[], integer, double precision[], double precision) IS
'power-weighted silhouette (Chazal et al. 2014) of the finite bars of one dimension on a grid: the mean of their tents weighted by (death - birth)^p';

CREATE FUNCTION topembed.bottleneck_distance(a topembed.persistence_pair[], b topembed.persistence_pair[], hdim integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_bottleneck_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.bottleneck_distance(topembed.persistence_pair[], topembed.persistence_pair[], integer) IS
'exact bottleneck distance between the bars of one dimension of two diagrams (L-infinity ground metric)';

CREATE FUNCTION topembed.wasserstein_distance(a topembed.persistence_pair[], b topembed.persistence_pair[], hdim integer, p double precision DEFAULT 1)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_wasserstein_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.wasserstein_distance(topembed.persistence_pair[], topembed.persistence_pair[], integer, double precision) IS
'exact p-Wasserstein distance between the bars of one dimension of two diagrams (L-infinity ground metric)';

CREATE FUNCTION topembed.bottleneck_matching(a topembed.persistence_pair[], b topembed.persistence_pair[], hdim integer)
RETURNS TABLE (index_a integer, index_b integer, cost double precision)
AS 'MODULE_PATHNAME', 'topembed_bottleneck_matching' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION topembed.bottleneck_matching(topembed.persistence_pair[], topembed.persistence_pair[], integer) IS
'a matching that attains bottleneck_distance: one row per bar of one dimension, (index_a, index_b, cost) with 1-based positions in a and b, NULL for the diagonal, ordered by index_a then index_b; the largest cost is the distance';

CREATE FUNCTION topembed.wasserstein_matching(a topembed.persistence_pair[], b topembed.persistence_pair[], hdim integer, p double precision DEFAULT 1)
RETURNS TABLE (index_a integer, index_b integer, cost double precision)
AS 'MODULE_PATHNAME', 'topembed_wasserstein_matching' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION topembed.wasserstein_matching(topembed.persistence_pair[], topembed.persistence_pair[], integer, double precision) IS
'the optimal matching behind wasserstein_distance: one row per bar of one dimension, (index_a, index_b, cost) with 1-based positions in a and b, NULL for the diagonal, ordered by index_a then index_b; (sum of cost^p)^(1/p) is the distance';

--------------------------------------------------------------------------
-- Limits of the library, for SQL
--------------------------------------------------------------------------

CREATE FUNCTION topembed.limits()
RETURNS TABLE (name text, value text, description text)
AS 'MODULE_PATHNAME', 'topembed_limits' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION topembed.limits() IS
'the limits the library enforces (homology and embedding dimensions, points, pictures) and its metric names, one row each: name, value as text, what it bounds';

--------------------------------------------------------------------------
-- Operations: snapshots, history, drift, BI views
--------------------------------------------------------------------------

CREATE TABLE topembed.runs (
    run_id            bigserial PRIMARY KEY,
    label             text NOT NULL CHECK (label <> ''),
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz NOT NULL,
    source            text NOT NULL,
    source_shape      text NOT NULL CHECK (source_shape IN ('paired', 'modality', 'single')),
    source_columns    text[] NOT NULL,
    n_rows            bigint NOT NULL,
    n_image           bigint,
    n_text            bigint,
    dim               integer,
    sample_size       integer NOT NULL,
    max_dim           integer NOT NULL,
    metric            text NOT NULL,
    scan_ms           double precision NOT NULL,
    spectrum_ms       double precision NOT NULL,
    persistence_ms    double precision NOT NULL,
    total_ms          double precision NOT NULL,
    extension_version text NOT NULL,
    parameters        jsonb NOT NULL,
    previous_run_id   bigint,
    detail_pruned_at  timestamptz
);
CREATE INDEX runs_label_started_at ON topembed.runs (label, started_at, run_id);
CREATE INDEX runs_label_run_id ON topembed.runs (label, run_id);
COMMENT ON TABLE topembed.runs IS
'one row per snapshot: label, source, parameters, row counts, timings and extension version';
COMMENT ON COLUMN topembed.runs.previous_run_id IS
'the run of the same label this run was compared with (its drift rows), chosen while the label was locked; NULL for the first run of a label';
COMMENT ON COLUMN topembed.runs.detail_pruned_at IS
'when topembed.prune_history dropped this run''s sketches, states, spectra arrays and diagrams; NULL while they are kept';

CREATE TABLE topembed.run_gap (
    run_id              bigint PRIMARY KEY,
    state               topembed.gap_state,
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
COMMENT ON TABLE topembed.run_gap IS
'the modality-gap statistics of each two-modality snapshot, and its mergeable gap state';

CREATE TABLE topembed.run_spectra (
    run_id                   bigint NOT NULL,
    modality                 text NOT NULL CHECK (modality IN ('image', 'text', 'joint', 'all')),
    sketch                   topembed.moments,
    n                        bigint NOT NULL,
    dim                      integer NOT NULL,
    eigenvalues              double precision[],
    explained_variance_ratio double precision[],
    total_variance           double precision,
    effective_rank           double precision,
    rankme                   double precision,
    participation_ratio      double precision,
    dims_99                  integer,
    numerical_rank           integer,
    top_eigenvalue_share     double precision,
    PRIMARY KEY (run_id, modality)
);
COMMENT ON TABLE topembed.run_spectra IS
'the moments sketch, covariance spectrum and collapse measures of each snapshot, per modality';
COMMENT ON COLUMN topembed.run_spectra.top_eigenvalue_share IS
'the share of the variance on the largest eigenvalue (explained_variance_ratio[1]), kept when the arrays are pruned';

CREATE TABLE topembed.run_diagrams (
    run_id               bigint NOT NULL,
    modality             text NOT NULL,
    n_points             integer NOT NULL,
    diagram              topembed.persistence_pair[],
    h0_total_persistence double precision,
    h1_classes           integer,
    h1_total_persistence double precision,
    h1_max_persistence   double precision,
    h1_entropy           double precision,
    PRIMARY KEY (run_id, modality),
    CONSTRAINT run_diagrams_modality_check CHECK (modality IN ('image', 'text', 'joint', 'all'))
);
COMMENT ON TABLE topembed.run_diagrams IS
'the persistence diagram of each snapshot''s sample, per modality and of both together, and its headline summaries';

CREATE TABLE topembed.run_drift (
    run_id          bigint NOT NULL,
    previous_run_id bigint NOT NULL,
    modality        text NOT NULL,
    metric          text NOT NULL,
    previous_value  double precision,
    value           double precision,
    change          double precision,
    PRIMARY KEY (run_id, modality, metric)
);
COMMENT ON TABLE topembed.run_drift IS
'the change of each headline figure from the label''s previous run, computed when a snapshot is taken';

-- The detail tables name their run by run_id without a foreign key.  They are
-- the extension's configuration tables, so CREATE EXTENSION creates them before
-- pg_restore loads their rows, and a parallel restore (pg_restore -j) loads the
-- tables in any order: a foreign key would refuse the detail of runs not loaded
-- yet.  Deleting or truncating runs deletes their detail through these triggers.
CREATE FUNCTION topembed.delete_run_detail() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE topembed.run_gap, topembed.run_spectra, topembed.run_diagrams, topembed.run_drift;
    ELSE
        DELETE FROM topembed.run_gap d USING deleted_runs o WHERE d.run_id = o.run_id;
        DELETE FROM topembed.run_spectra d USING deleted_runs o WHERE d.run_id = o.run_id;
        DELETE FROM topembed.run_diagrams d USING deleted_runs o WHERE d.run_id = o.run_id;
        DELETE FROM topembed.run_drift d USING deleted_runs o WHERE d.run_id = o.run_id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION topembed.delete_run_detail() IS
'trigger of topembed.runs: deleting or truncating runs deletes their gap, spectra, diagram and drift rows (the role needs DELETE or TRUNCATE on those tables too)';
CREATE TRIGGER runs_delete_detail AFTER DELETE ON topembed.runs
    REFERENCING OLD TABLE AS deleted_runs FOR EACH STATEMENT EXECUTE FUNCTION topembed.delete_run_detail();
CREATE TRIGGER runs_truncate_detail AFTER TRUNCATE ON topembed.runs
    FOR EACH STATEMENT EXECUTE FUNCTION topembed.delete_run_detail();

CREATE TABLE topembed.drift_thresholds (
    label     text NOT NULL DEFAULT '*',
    metric    text NOT NULL,
    threshold double precision NOT NULL CHECK (threshold >= 0),
    PRIMARY KEY (label, metric)
);
COMMENT ON TABLE topembed.drift_thresholds IS
'overrides of the drift thresholds, per label or for every label (''*''); empty means the documented defaults';

CREATE TABLE topembed.labels (
    label       text PRIMARY KEY CHECK (label <> ''),
    last_run_id bigint
);
COMMENT ON TABLE topembed.labels IS
'one row per snapshot label, with its latest run; a snapshot locks its label''s row, so the runs of one label are numbered and compared one after another';

-- pg_dump keeps the history and the overrides
SELECT pg_catalog.pg_extension_config_dump('topembed.runs', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.run_gap', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.run_spectra', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.run_diagrams', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.run_drift', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.drift_thresholds', '');
SELECT pg_catalog.pg_extension_config_dump('topembed.labels', '');

CREATE FUNCTION topembed.drift_default_threshold(metric text)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE metric
        WHEN 'gap' THEN 0.05
        WHEN 'paired_cosine_mean' THEN 0.05
        WHEN 'effective_rank' THEN 0.10
        WHEN 'rankme' THEN 0.10
        WHEN 'dims_99' THEN 0.10
        WHEN 'spectrum_tv' THEN 0.10
        WHEN 'bottleneck_h0' THEN 0.05
        WHEN 'bottleneck_h1' THEN 0.05
    END
$$;
COMMENT ON FUNCTION topembed.drift_default_threshold(text) IS
'the built-in drift threshold of a metric (used where topembed.drift_thresholds has no override)';

CREATE FUNCTION topembed.compare_runs(previous_run bigint, run bigint)
RETURNS TABLE (modality text, metric text, previous_value double precision,
               value double precision, change double precision)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- the modality gap and the paired cosine: absolute change
    SELECT 'pair', m.metric, m.a, m.b, abs(m.b - m.a)
    FROM topembed.run_gap a JOIN topembed.run_gap b ON a.run_id = previous_run AND b.run_id = run,
         LATERAL (VALUES ('gap', a.gap, b.gap),
                         ('paired_cosine_mean', a.paired_cosine_mean, b.paired_cosine_mean)) m(metric, a, b)
    UNION ALL
    -- collapse measures: relative change; the spectrum: total variation distance
    -- between the explained-variance distributions
    SELECT b.modality, m.metric, m.a, m.b, m.change
    FROM topembed.run_spectra a
    JOIN topembed.run_spectra b ON a.run_id = previous_run AND b.run_id = run AND a.modality = b.modality,
         LATERAL (VALUES
            ('effective_rank', a.effective_rank, b.effective_rank,
             abs(b.effective_rank - a.effective_rank) / nullif(abs(a.effective_rank), 0)),
            ('rankme', a.rankme, b.rankme, abs(b.rankme - a.rankme) / nullif(abs(a.rankme), 0)),
            ('dims_99', a.dims_99::float8, b.dims_99::float8,
             abs(b.dims_99 - a.dims_99)::float8 / nullif(a.dims_99, 0)),
            ('spectrum_tv', NULL::float8, NULL::float8,
             CASE WHEN a.dim = b.dim THEN
                 (SELECT 0.5 * sum(abs(coalesce(x, 0) - coalesce(y, 0)))
                  FROM unnest(a.explained_variance_ratio, b.explained_variance_ratio) u(x, y))
             END)) m(metric, a, b, change)
    UNION ALL
    -- topology: the bottleneck distance between the diagrams
    SELECT b.modality, m.metric, NULL, NULL, m.change
    FROM topembed.run_diagrams a
    JOIN topembed.run_diagrams b ON a.run_id = previous_run AND b.run_id = run AND a.modality = b.modality,
         LATERAL (VALUES ('bottleneck_h0', topembed.bottleneck_distance(a.diagram, b.diagram, 0)),
                         ('bottleneck_h1', topembed.bottleneck_distance(a.diagram, b.diagram, 1))) m(metric, change)
$$;
COMMENT ON FUNCTION topembed.compare_runs(bigint, bigint) IS
'the change of each headline figure between two runs: gap, collapse measures, spectrum and diagram distances';

CREATE OR REPLACE FUNCTION topembed.previous_run(run bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.previous_run_id FROM topembed.runs r WHERE r.run_id = run
$$;
COMMENT ON FUNCTION topembed.previous_run(bigint) IS
'the run of the same label that the given run was compared with: the latest run of its label when it was taken';

CREATE OR REPLACE FUNCTION topembed.source_objects(source regclass)
RETURNS TABLE (classid oid, objid oid, object text, owner name, found_in text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Everything that reading the relation involves, found through the
    -- catalogs without reading it: the relations it reads (the query of a
    -- view, the tables a row-level security policy reads, inheritance
    -- children and partitions), the policies that filter those reads, and the
    -- code any of it runs: the functions and operators of view queries and
    -- policies, those the planner evaluates for a table (index expressions
    -- and predicates, CHECK constraints, statistics expressions, partition
    -- keys), the support functions of aggregates, the functions behind
    -- operators, the checks of domains, the functions of range types, and the
    -- foreign server of a foreign table.  Each row of walk carries the role
    -- its relation is read as (row-level security depends on it) and whether
    -- its policies apply; UNION keeps every object once per way it is reached,
    -- so cycles end and shared parts are walked once.
    WITH RECURSIVE walk(classid, objid, reader, policies, found_in) AS (
        SELECT 'pg_class'::regclass::oid, source::oid, (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user), true, NULL::text
        UNION
        SELECT n.classid, n.objid, n.reader, n.policies, n.found_in
        FROM walk w
        CROSS JOIN LATERAL (
            -- the query of a view; what it reads is read as the view's owner,
            -- or as its reader for a security_invoker view
            SELECT d.refclassid AS classid, d.refobjid AS objid,
                   CASE WHEN EXISTS (SELECT FROM pg_options_to_table(c.reloptions) o
                                     WHERE o.option_name = 'security_invoker'
                                       AND lower(o.option_value) NOT IN ('false', 'off', 'no', '0', 'f', 'of', 'n', 'fa', 'fal', 'fals'))
                        THEN w.reader ELSE c.relowner END AS reader,
                   true AS policies, pg_describe_object(w.classid, w.objid, 0) AS found_in
            FROM pg_class c
            JOIN pg_rewrite r ON r.ev_class = c.oid
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.deptype = 'n'
            WHERE w.classid = 'pg_class'::regclass AND c.oid = w.objid AND c.relkind = 'v'
              AND NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid)
            UNION ALL
            -- the row-level security policies that filter reads of a table,
            -- when they apply to the role it is read as (not to a superuser,
            -- a role with BYPASSRLS, or the table's owner unless forced) ...
            SELECT 'pg_policy'::regclass, p.oid, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_class c
            JOIN pg_policy p ON p.polrelid = c.oid AND p.polcmd IN ('r', '*')
            JOIN pg_roles k ON k.oid = w.reader
            WHERE w.classid = 'pg_class'::regclass AND c.oid = w.objid AND w.policies AND c.relrowsecurity
              AND NOT k.rolsuper AND NOT k.rolbypassrls
              AND (c.relforcerowsecurity OR NOT pg_has_role(w.reader, c.relowner, 'USAGE'))
            UNION ALL
            -- ... and what such a policy calls and reads, as the same role
            SELECT d.refclassid, d.refobjid, w.reader, true, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_policy p
            JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid AND d.deptype = 'n'
            WHERE w.classid = 'pg_policy'::regclass AND p.oid = w.objid
              AND NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = p.polrelid)
            UNION ALL
            -- what the planner evaluates for a table when a query reads it:
            -- immutable functions with constant arguments in its index
            -- expressions and predicates, CHECK constraints, statistics
            -- expressions and partition key
            SELECT d.refclassid, d.refobjid, w.reader, false, pg_describe_object(d.classid, d.objid, 0)
            FROM pg_class c
            CROSS JOIN LATERAL (
                SELECT 'pg_class'::regclass::oid AS classid, i.indexrelid AS objid FROM pg_index i WHERE i.indrelid = c.oid
                UNION ALL
                SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k WHERE k.conrelid = c.oid
                UNION ALL
                SELECT 'pg_statistic_ext'::regclass, s.oid FROM pg_statistic_ext s WHERE s.stxrelid = c.oid
                UNION ALL
                SELECT 'pg_class'::regclass, c.oid WHERE c.relkind = 'p') x
            JOIN pg_depend d ON d.classid = x.classid AND d.objid = x.objid AND d.deptype = 'n'
                            AND (d.objsubid = 0 OR x.objid <> c.oid)
            WHERE w.classid = 'pg_class'::regclass AND c.oid = w.objid AND c.relkind IN ('r', 'p', 'm', 'f')
              AND d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass, 'pg_type'::regclass)
            UNION ALL
            -- the inheritance children and partitions of a table, which a
            -- query of it reads too (their policies do not apply)
            SELECT 'pg_class'::regclass, i.inhrelid, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhparent AND c.relkind IN ('r', 'p', 'f')
            WHERE w.classid = 'pg_class'::regclass AND i.inhparent = w.objid
            UNION ALL
            -- the foreign server a foreign table is read through
            SELECT 'pg_foreign_server'::regclass, f.ftserver, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_foreign_table f
            WHERE w.classid = 'pg_class'::regclass AND f.ftrelid = w.objid
            UNION ALL
            -- the support functions of an aggregate
            SELECT 'pg_proc'::regclass, f.fn, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_aggregate a
            CROSS JOIN LATERAL unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                                            a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) f(fn)
            WHERE w.classid = 'pg_proc'::regclass AND a.aggfnoid = w.objid AND f.fn <> 0
            UNION ALL
            SELECT 'pg_operator'::regclass, a.aggsortop, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_aggregate a
            WHERE w.classid = 'pg_proc'::regclass AND a.aggfnoid = w.objid AND a.aggsortop <> 0
            UNION ALL
            -- the functions behind an operator, and its selectivity estimators
            SELECT 'pg_proc'::regclass, f.fn, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_operator o
            CROSS JOIN LATERAL unnest(ARRAY[o.oprcode::oid, o.oprrest::oid, o.oprjoin::oid]) f(fn)
            WHERE w.classid = 'pg_operator'::regclass AND o.oid = w.objid AND f.fn <> 0
            UNION ALL
            -- a type: the base type and the checks of a domain, the element
            -- type of an array, the attribute types of a composite type, the
            -- subtype and functions of a range, the range of a multirange
            SELECT 'pg_type'::regclass, x.typ, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_type t
            CROSS JOIN LATERAL (
                SELECT t.typbasetype AS typ WHERE t.typtype = 'd'
                UNION ALL SELECT t.typelem WHERE t.typelem <> 0
                UNION ALL SELECT a.atttypid FROM pg_attribute a
                          WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL SELECT g.rngsubtype FROM pg_range g WHERE g.rngtypid = t.oid
                UNION ALL SELECT g.rngtypid FROM pg_range g WHERE g.rngmultitypid = t.oid) x
            WHERE w.classid = 'pg_type'::regclass AND t.oid = w.objid
            UNION ALL
            SELECT d.refclassid, d.refobjid, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_constraint k
            JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = k.oid AND d.deptype = 'n'
            WHERE w.classid = 'pg_type'::regclass AND k.contypid = w.objid
            UNION ALL
            SELECT 'pg_proc'::regclass, f.fn, w.reader, false, pg_describe_object(w.classid, w.objid, 0)
            FROM pg_range g
            CROSS JOIN LATERAL unnest(ARRAY[g.rngcanonical::oid, g.rngsubdiff::oid]) f(fn)
            WHERE w.classid = 'pg_type'::regclass AND g.rngtypid = w.objid AND f.fn <> 0
        ) n
    )
    SELECT w.classid, w.objid, pg_describe_object(w.classid, w.objid, 0), o.rolname, w.found_in
    FROM (SELECT DISTINCT x.classid, x.objid, x.found_in FROM walk x) w
    CROSS JOIN LATERAL (
        SELECT c.relowner FROM pg_class c WHERE w.classid = 'pg_class'::regclass AND c.oid = w.objid
        UNION ALL SELECT p.proowner FROM pg_proc p WHERE w.classid = 'pg_proc'::regclass AND p.oid = w.objid
        UNION ALL SELECT p.oprowner FROM pg_operator p WHERE w.classid = 'pg_operator'::regclass AND p.oid = w.objid
        UNION ALL SELECT t.typowner FROM pg_type t WHERE w.classid = 'pg_type'::regclass AND t.oid = w.objid
        UNION ALL SELECT c.relowner FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                  WHERE w.classid = 'pg_policy'::regclass AND p.oid = w.objid
        UNION ALL SELECT s.srvowner FROM pg_foreign_server s WHERE w.classid = 'pg_foreign_server'::regclass AND s.oid = w.objid
        UNION ALL SELECT c.collowner FROM pg_collation c WHERE w.classid = 'pg_collation'::regclass AND c.oid = w.objid
    ) x(owner)
    JOIN pg_roles o ON o.oid = x.owner
    ORDER BY 1, 2, 5
$$;

COMMENT ON FUNCTION topembed.source_objects(regclass) IS
'everything reading the relation involves, found in the catalogs without reading it: the relations it reads (views, policies, children, partitions), the policies that filter them, and the functions, operators, types and foreign servers that run or are used, each with its owner and where it was found';

CREATE OR REPLACE FUNCTION topembed.untrusted_code(source regclass)
RETURNS TABLE (object text, owner name, found_in text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Reading a relation runs code with the reader's rights, and whoever
    -- owns that code wrote it: the functions and operators it calls (an
    -- aggregate's or operator's owner can also replace what it runs), the
    -- query of a view, the row-level security policies of a table (its
    -- owner's), the checks of a domain (its owner can add one at any time),
    -- and the foreign tables and servers whose options decide what a foreign
    -- data wrapper connects to.  List those whose owner is neither the caller
    -- nor a superuser.
    SELECT s.object, s.owner, s.found_in
    FROM topembed.source_objects(source) s
    JOIN pg_roles o ON o.rolname = s.owner
    WHERE NOT o.rolsuper AND o.rolname <> current_user
      AND (s.classid IN ('pg_proc'::regclass, 'pg_operator'::regclass, 'pg_policy'::regclass, 'pg_foreign_server'::regclass)
           OR (s.classid = 'pg_class'::regclass AND (SELECT c.relkind FROM pg_class c WHERE c.oid = s.objid) IN ('v', 'f'))
           OR (s.classid = 'pg_type'::regclass AND (SELECT t.typtype FROM pg_type t WHERE t.oid = s.objid) = 'd'))
    ORDER BY 1, 3
$$;

COMMENT ON FUNCTION topembed.untrusted_code(regclass) IS
'the code that reading the relation would run with the caller''s rights (views, row-level security policies that apply, functions and operators they call, expressions the planner evaluates for its tables, domain checks, foreign tables and servers) whose owner is neither the caller nor a superuser; snapshot refuses sources that have any';

CREATE OR REPLACE FUNCTION topembed.snapshot(
    label text,
    source regclass,
    image_column name DEFAULT NULL,
    text_column name DEFAULT NULL,
    embedding_column name DEFAULT NULL,
    modality_column name DEFAULT NULL,
    image_value text DEFAULT 'image',
    text_value text DEFAULT 'text',
    sample integer DEFAULT 1000,
    max_dim integer DEFAULT 1,
    metric text DEFAULT 'cosine')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    t2 timestamptz;
    t3 timestamptz;
    shape text;
    cols text[];
    col name;
    typ oid;
    base oid;
    vec oid;
    vtype name;
    k integer;
    steps oid[];
    i integer;
    castinfo record;
    typeinfo record;
    expr text;
    e_img text;
    e_txt text;
    e_mod text;
    rel_ns name;
    rel_name name;
    rel_kind "char";
    src text;
    src_now text;
    mydb oid := (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
    pending integer;
    rel record;
    missing text;
    bad record;
    found_values text;
    q text;
    n_rows bigint;
    n_img_rows bigint;
    n_txt_rows bigint;
    st topembed.gap_state;
    g topembed.gap_stats;
    m_img topembed.moments;
    m_txt topembed.moments;
    m_joint topembed.moments;
    s_img topembed.spectrum_stats;
    s_txt topembed.spectrum_stats;
    s_joint topembed.spectrum_stats;
    d_img topembed.persistence_pair[];
    d_txt topembed.persistence_pair[];
    d_joint topembed.persistence_pair[];
    run bigint;
    prev bigint;
    version text;
    max_hdim integer;
    metrics text[];
    metric_list text;
BEGIN
    IF label IS NULL OR label = '' THEN
        RAISE EXCEPTION 'snapshot label must not be empty' USING ERRCODE = '22023';
    END IF;
    IF source IS NULL THEN
        RAISE EXCEPTION 'snapshot source must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF sample IS NULL OR sample < 2 THEN
        RAISE EXCEPTION 'sample must be at least 2, not %', sample USING ERRCODE = '22023';
    END IF;
    -- the limits the C code enforces, from topembed.limits() (not copies)
    SELECT l.value::integer INTO max_hdim FROM topembed.limits() l WHERE l.name = 'max_hdim';
    SELECT array_agg(l.value ORDER BY l.ord), string_agg(quote_literal(l.value), ', ' ORDER BY l.ord)
    INTO metrics, metric_list
    FROM topembed.limits() WITH ORDINALITY l(name, value, description, ord) WHERE l.name = 'metric';
    IF max_dim IS NULL OR max_dim < 0 OR max_dim > max_hdim THEN
        RAISE EXCEPTION 'max_dim must be between 0 and %, not %', max_hdim, max_dim USING ERRCODE = '22023';
    END IF;
    IF metric IS NULL OR NOT metric = ANY (metrics) THEN
        RAISE EXCEPTION 'unknown metric "%"', metric USING ERRCODE = '22023',
            HINT = 'The metrics are ' || regexp_replace(metric_list, ', ([^,]*)$', ' and \1') || '.';
    END IF;

    -- every privilege on the history that recording a run needs, up front
    SELECT string_agg(x.privs || ' on ' || x.obj, ', ' ORDER BY x.ord) INTO missing
    FROM (SELECT min(p.ord) AS ord, p.obj, string_agg(p.priv, ', ' ORDER BY p.ord) AS privs
          FROM (VALUES (1, 'topembed.runs', 'SELECT'), (2, 'topembed.runs', 'INSERT'),
                 (3, 'topembed.run_gap', 'SELECT'), (4, 'topembed.run_gap', 'INSERT'),
                 (5, 'topembed.run_spectra', 'SELECT'), (6, 'topembed.run_spectra', 'INSERT'),
                 (7, 'topembed.run_diagrams', 'SELECT'), (8, 'topembed.run_diagrams', 'INSERT'),
                 (9, 'topembed.run_drift', 'INSERT'),
                 (10, 'topembed.labels', 'SELECT'), (11, 'topembed.labels', 'INSERT'),
                 (12, 'topembed.labels', 'UPDATE')) p(ord, obj, priv)
          WHERE NOT has_table_privilege(p.obj, p.priv)
          GROUP BY p.obj) x;
    IF NOT has_sequence_privilege('topembed.runs_run_id_seq', 'USAGE') THEN
        missing := concat_ws(', ', missing, 'USAGE on sequence topembed.runs_run_id_seq');
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to record snapshots' USING ERRCODE = '42501',
            DETAIL = 'Role ' || quote_ident(current_user) || ' lacks ' || missing || '.',
            HINT = 'See "Roles" in the operations documentation for the grants of a writer role.';
    END IF;

    -- the shape of the source, from the columns named
    IF image_column IS NOT NULL AND text_column IS NOT NULL
       AND embedding_column IS NULL AND modality_column IS NULL THEN
        shape := 'paired';
        cols := ARRAY[image_column, text_column];
    ELSIF embedding_column IS NOT NULL AND modality_column IS NOT NULL
       AND image_column IS NULL AND text_column IS NULL THEN
        shape := 'modality';
        cols := ARRAY[embedding_column, modality_column];
    ELSIF embedding_column IS NOT NULL AND modality_column IS NULL
       AND image_column IS NULL AND text_column IS NULL THEN
        shape := 'single';
        cols := ARRAY[embedding_column];
    ELSE
        RAISE EXCEPTION 'snapshot needs one source shape'
            USING ERRCODE = '22023',
                  DETAIL = 'Name image_column and text_column (one pair per row), or embedding_column and modality_column (one embedding per row), or embedding_column alone (one modality).';
    END IF;

    -- Snapshots of one label run one after another: lock the label's row
    -- until commit.  The next snapshot of the label waits here, then sees
    -- this run as the label's latest; under REPEATABLE READ or SERIALIZABLE
    -- it fails with a serialization error instead of missing it.
    INSERT INTO topembed.labels AS l (label) VALUES (snapshot.label) ON CONFLICT ON CONSTRAINT labels_pkey DO NOTHING;
    PERFORM 1 FROM topembed.labels l WHERE l.label = snapshot.label FOR UPDATE;

    -- Lock the source by its OID, and everything it reads that another role
    -- owns, before anything plans or reads it; refuse it first if reading it
    -- would run code whose owner the caller does not trust (the caller
    -- itself, or a superuser), and check that again under the locks.
    --
    -- The source gets ACCESS SHARE until commit (LOCK on a view also locks
    -- what it reads): it can be neither dropped, renamed nor redefined while
    -- it is read.  A table that another role owns, wherever it is read (the
    -- source, behind a view or a policy, a child or partition), gets SHARE
    -- UPDATE EXCLUSIVE: its owner could otherwise add an index, statistics,
    -- a child or a partition whose expressions the planner of the next query
    -- would evaluate with the caller's rights.  Writes to it go on.  LOCK
    -- takes a name: each lock is confirmed by OID, and the next round uses
    -- the relation's new name if it was renamed in the meantime.
    FOR attempt IN 1 .. 20 LOOP
        -- the relation's name as the system caches know it (qualified as
        -- needed): what LOCK must be given, also when this transaction's
        -- snapshot is older than its latest name; each LOCK brings the
        -- caches up to date for the next round
        src_now := source::text;
        SELECT n.nspname, c.relname, c.relkind INTO rel_ns, rel_name, rel_kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = source;
        IF src_now ~ '^[0-9]+$' OR (NOT FOUND AND current_setting('transaction_isolation') = 'read committed') THEN
            RAISE EXCEPTION 'relation with OID % was dropped before the snapshot could lock it', source::oid
                USING ERRCODE = '42P01', HINT = 'Run the snapshot again with the name of the relation to read.';
        ELSIF NOT FOUND THEN
            -- it exists, but this transaction's snapshot predates it
            RAISE EXCEPTION 'could not serialize access to %: it was created after this transaction began', src_now
                USING ERRCODE = '40001',
                      HINT = 'Under REPEATABLE READ or SERIALIZABLE the snapshot''s checks see the catalogs as the transaction began; retry it in a new transaction.';
        END IF;
        src := format('%I.%I', rel_ns, rel_name);
        IF rel_kind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
            RAISE EXCEPTION '% is not a table, view or materialized view', src USING ERRCODE = '42809';
        END IF;
        IF NOT has_table_privilege(source, 'SELECT') THEN
            RAISE EXCEPTION 'permission denied to read %', src USING ERRCODE = '42501',
                DETAIL = 'A snapshot reads the whole source and locks it against changes while it does.',
                HINT = format('GRANT SELECT ON %s TO %I;', src, current_user);
        END IF;

        -- no user code may run with the caller's rights unless the caller
        -- trusts its owner; nothing has planned the source yet
        SELECT u.object, u.owner, u.found_in INTO bad FROM topembed.untrusted_code(source) u LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'snapshot would run % with the rights of role "%", but it is owned by role "%"',
                            bad.object, current_user, bad.owner
                USING ERRCODE = '42501',
                      DETAIL = CASE WHEN bad.found_in IS NULL
                                    THEN format('It is the source itself, and reading it runs its owner''s code. Only code owned by the caller or by a superuser runs in a snapshot.')
                                    ELSE format('Reading %s reaches it through %s. Only code owned by the caller or by a superuser runs in a snapshot.',
                                                src, bad.found_in) END,
                      HINT = 'Run the snapshot as the owner of that code, or have a superuser review it and take it over (ALTER ... OWNER TO); topembed.untrusted_code(source) lists all of it.';
        END IF;

        -- Under REPEATABLE READ or SERIALIZABLE every query here sees the
        -- catalogs as they were when the transaction began, while the
        -- planner sees them as they are now: an index, statistics, a child
        -- or a column type that another role gave its table since would
        -- escape every check above.  Only relations that the caller or a
        -- superuser owns may be read then: nobody else can change them, nor
        -- make anything of theirs reachable from them.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            SELECT s.object, s.owner INTO bad
            FROM topembed.source_objects(source) s
            JOIN pg_roles o ON o.rolname = s.owner
            WHERE s.classid = 'pg_class'::regclass AND NOT o.rolsuper AND o.rolname <> current_user
            ORDER BY s.object LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'snapshot cannot read % of role "%" under %', bad.object, bad.owner,
                                upper(current_setting('transaction_isolation'))
                    USING ERRCODE = '42501',
                          DETAIL = format('This transaction sees the catalogs as they were when it began, so the snapshot could not check an index, statistics or child that role "%s" may have added since, whose expressions the planner would evaluate with the rights of role "%s".',
                                          bad.owner, current_user),
                          HINT = format('Run the snapshot in a READ COMMITTED transaction (the default), or as role "%s".', bad.owner);
            END IF;
        END IF;

        pending := 0;
        FOR rel IN
            SELECT c.oid, c.relkind, format('%I.%I', n.nspname, c.relname) AS name, o.rolname AS owner
            FROM (SELECT DISTINCT s.objid FROM topembed.source_objects(source) s
                  WHERE s.classid = 'pg_class'::regclass) s
            JOIN pg_class c ON c.oid = s.objid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_roles o ON o.oid = c.relowner
            WHERE c.relkind IN ('r', 'p', 'm') AND NOT o.rolsuper AND o.rolname <> current_user
              AND NOT EXISTS (SELECT FROM pg_locks k
                              WHERE k.locktype = 'relation' AND k.relation = c.oid AND k.granted
                                AND k.pid = pg_backend_pid() AND k.database = mydb
                                AND k.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                                               'ExclusiveLock', 'AccessExclusiveLock'))
            ORDER BY c.oid
        LOOP
            IF rel.relkind = 'm' OR NOT (has_table_privilege(rel.oid, 'UPDATE') OR has_table_privilege(rel.oid, 'DELETE')
                                         OR has_table_privilege(rel.oid, 'TRUNCATE')) THEN
                RAISE EXCEPTION 'snapshot cannot keep role "%" from changing % while it reads it', rel.owner, rel.name
                    USING ERRCODE = '42501',
                          DETAIL = format('Planning a query of %s evaluates the expressions of its indexes, constraints and statistics with the rights of role "%s", and its owner may add some at any time. A snapshot reads a relation of another role only under a SHARE UPDATE EXCLUSIVE lock, which keeps them as they are; %s.',
                                          rel.name, current_user,
                                          CASE WHEN rel.relkind = 'm' THEN 'a materialized view cannot be locked that way'
                                               ELSE 'that lock needs UPDATE, DELETE or TRUNCATE privilege on it' END),
                          HINT = CASE WHEN rel.relkind = 'm'
                                      THEN format('Run the snapshot as role "%s", or have a superuser take the materialized view over (ALTER MATERIALIZED VIEW %s OWNER TO ...).', rel.owner, rel.name)
                                      ELSE format('Run the snapshot as role "%s" or as a superuser.', rel.owner) END;
            END IF;
            pending := pending + 1;
            BEGIN
                EXECUTE format('LOCK TABLE ONLY %s IN SHARE UPDATE EXCLUSIVE MODE', rel.name);
            EXCEPTION WHEN undefined_table THEN
                NULL;  -- renamed meanwhile: the next round locks it by its new name
            END;
        END LOOP;
        IF NOT EXISTS (SELECT FROM pg_locks k
                       WHERE k.locktype = 'relation' AND k.relation = source::oid AND k.granted
                         AND k.pid = pg_backend_pid() AND k.database = mydb) THEN
            pending := pending + 1;
            BEGIN
                IF rel_kind IN ('m', 'f') THEN
                    -- LOCK TABLE refuses these; a query that reads nothing
                    -- takes the same lock (their code was checked above, and
                    -- one owned by another role was refused)
                    EXECUTE format('SELECT FROM %s LIMIT 0', src_now);
                ELSE
                    EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', src_now);
                END IF;
            EXCEPTION WHEN undefined_table THEN
                NULL;  -- renamed between reading its name and locking it: try again
            END;
        END IF;
        -- a round that had nothing left to lock checked everything under the locks
        EXIT WHEN pending = 0;
    END LOOP;
    IF pending > 0 THEN
        RAISE EXCEPTION 'could not lock %: it, or what it reads, kept being renamed or redefined', src USING ERRCODE = '55P03';
    END IF;
    -- under the lock the name is the OID's for the rest of the transaction
    SELECT format('%I.%I', n.nspname, c.relname) INTO src
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source;

    -- every column exists, is readable, and is read without untrusted code
    IF shape = 'modality' AND (image_value IS NULL OR text_value IS NULL OR image_value = text_value) THEN
        RAISE EXCEPTION 'image_value and text_value must be two different values, not % and %',
                        coalesce(quote_literal(image_value), 'NULL'), coalesce(quote_literal(text_value), 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(DISTINCT c) FROM unnest(cols) c) < cardinality(cols) THEN
        RAISE EXCEPTION 'snapshot needs distinct columns, but "%" is named twice', (SELECT c FROM unnest(cols) c GROUP BY c HAVING count(*) > 1 LIMIT 1)
            USING ERRCODE = '22023';
    END IF;
    FOR k IN 1 .. cardinality(cols) LOOP
        col := cols[k];
        SELECT a.atttypid INTO typ
        FROM pg_attribute a
        WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of % does not exist', col, src USING ERRCODE = '42703';
        END IF;
        IF NOT has_column_privilege(source, col, 'SELECT') THEN
            RAISE EXCEPTION 'permission denied to read column "%" of %', col, src USING ERRCODE = '42501';
        END IF;
        -- casts see through domains: the base type decides
        base := typ;
        WHILE (SELECT t.typtype FROM pg_type t WHERE t.oid = base) = 'd' LOOP
            base := (SELECT t.typbasetype FROM pg_type t WHERE t.oid = base);
        END LOOP;
        steps := '{}';
        -- The owner of a type can replace its casts at any time, also while
        -- the snapshot runs, so a cast is used only from a type whose owner
        -- the caller trusts.
        SELECT o.rolname AS owner, (o.rolsuper OR o.rolname = current_user) AS trusted INTO typeinfo
        FROM pg_type t JOIN pg_roles o ON o.oid = t.typowner WHERE t.oid = base;
        IF shape = 'modality' AND k = 2 THEN
            -- compared as text; a cast function to text must be trusted
            expr := format('%I::text', col);
            IF base IN ('text'::regtype, 'character varying'::regtype, 'character'::regtype, 'name'::regtype) THEN
                NULL;
            ELSIF typeinfo.trusted
                  OR EXISTS (SELECT FROM pg_cast c WHERE c.castsource = base AND c.casttarget = 'text'::regtype) THEN
                steps := ARRAY[base, 'text'::regtype::oid];
            ELSE
                -- another role's enum, composite, range or array type with no
                -- cast to text: its output function (a superuser's, in
                -- pg_catalog), called by name, so that a cast its owner adds
                -- later is never used
                SELECT format('pg_catalog.textin(%I.%I(%I))', n.nspname, p.proname, col) INTO expr
                FROM pg_type t JOIN pg_proc p ON p.oid = t.typoutput JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE t.oid = base;
            END IF;
        ELSIF base IN ('real[]'::regtype, 'double precision[]'::regtype) THEN
            expr := format('%I', col);
            IF typ <> base THEN
                expr := expr || '::' || format_type(base, NULL);
            END IF;
        ELSE
            -- pgvector's types, known by the extension that owns them
            SELECT t.typname INTO vtype
            FROM pg_type t
            JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
            JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vector'
            WHERE t.oid = base;
            IF vtype = 'sparsevec' THEN
                SELECT t.oid INTO vec
                FROM pg_type t
                JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
                JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vector'
                WHERE t.typname = 'vector';
                expr := format('%I::%s::real[]', col, vec::regtype);
                steps := ARRAY[base, vec, vec, 'real[]'::regtype::oid];
            ELSIF EXISTS (SELECT FROM pg_cast c WHERE c.castsource = base AND c.casttarget = 'real[]'::regtype) THEN
                expr := format('%I::real[]', col);
                steps := ARRAY[base, 'real[]'::regtype::oid];
            ELSE
                RAISE EXCEPTION 'column "%" of % is %, not an embedding', col, src, format_type(typ, NULL)
                    USING ERRCODE = '42804',
                          HINT = 'Embeddings are real[] or double precision[], pgvector''s vector, halfvec or sparsevec, or a type with a cast to real[].';
            END IF;
        END IF;
        FOR i IN 1 .. coalesce(array_length(steps, 1), 0) / 2 LOOP
            SELECT c.castmethod, p.oid AS fn, o.rolname, (o.rolsuper OR o.rolname = current_user) AS trusted
            INTO castinfo
            FROM pg_cast c
            LEFT JOIN pg_proc p ON p.oid = c.castfunc
            LEFT JOIN pg_roles o ON o.oid = p.proowner
            WHERE c.castsource = steps[2 * i - 1] AND c.casttarget = steps[2 * i];
            IF FOUND AND castinfo.castmethod = 'f' AND NOT castinfo.trusted THEN
                RAISE EXCEPTION 'snapshot would run cast function % with the rights of role "%", but it is owned by role "%"',
                                castinfo.fn::regprocedure, current_user, castinfo.rolname
                    USING ERRCODE = '42501',
                          DETAIL = format('Column "%s" of %s is %s, and reading it as %s calls that function. Only code owned by the caller or by a superuser runs in a snapshot.',
                                          col, src, format_type(typ, NULL), format_type(steps[2 * i], NULL)),
                          HINT = 'Run the snapshot as the owner of the cast, store the column as a built-in type (real[] or pgvector''s vector for embeddings, text for a modality), or have a superuser review the function and take it over (ALTER FUNCTION ... OWNER TO).';
            END IF;
        END LOOP;
        IF cardinality(steps) > 0 AND NOT typeinfo.trusted THEN
            RAISE EXCEPTION 'snapshot would read column "%" of % through a cast from type %, which role "%" owns',
                            col, src, format_type(base, NULL), typeinfo.owner
                USING ERRCODE = '42501',
                      DETAIL = format('The owner of a type can replace its casts at any time, also while a snapshot runs, and the new cast''s function would run with the rights of role "%s".', current_user),
                      HINT = CASE WHEN shape = 'modality' AND k = 2
                                  THEN 'Run the snapshot as the owner of the type, store the column as text or an enum, or drop the cast to text: without one a snapshot reads the type''s own text form.'
                                  ELSE 'Run the snapshot as the owner of the type, or store the column as real[] or pgvector''s vector.' END;
        END IF;
        IF k = 1 THEN
            e_img := expr;
        ELSIF shape = 'paired' THEN
            e_txt := expr;
        ELSE
            e_mod := expr;
        END IF;
    END LOOP;
    IF shape <> 'paired' THEN
        e_txt := e_img;
    END IF;

    t0 := clock_timestamp();
    -- one scan: counts, the gap state and the sketches
    IF shape = 'paired' THEN
        q := format('SELECT count(*), NULL::bigint, NULL::bigint, topembed.gap_state(%1$s, %2$s), '
                    'topembed.moments(%1$s), topembed.moments(%2$s) FROM %3$s',
                    e_img, e_txt, src);
    ELSIF shape = 'modality' THEN
        q := format('SELECT count(*), count(*) FILTER (WHERE %2$s = %3$L), count(*) FILTER (WHERE %2$s = %4$L), '
                    'topembed.gap_state(%1$s, %2$s = %3$L) FILTER (WHERE %2$s IN (%3$L, %4$L)), '
                    'topembed.moments(%1$s) FILTER (WHERE %2$s = %3$L), '
                    'topembed.moments(%1$s) FILTER (WHERE %2$s = %4$L) FROM %5$s',
                    e_img, e_mod, image_value, text_value, src);
    ELSE
        q := format('SELECT count(*), NULL::bigint, NULL::bigint, NULL::topembed.gap_state, '
                    'topembed.moments(%1$s), NULL::topembed.moments FROM %2$s',
                    e_img, src);
    END IF;
    EXECUTE q INTO n_rows, n_img_rows, n_txt_rows, st, m_img, m_txt;
    t1 := clock_timestamp();

    -- a modality filter or a column that matches nothing is a mistake, not a run
    IF shape = 'modality' AND (n_img_rows = 0 OR n_txt_rows = 0) THEN
        EXECUTE format('SELECT string_agg(coalesce(quote_literal(v.m), ''NULL'') || '' ('' || v.n || '' rows)'', '', '' ORDER BY v.n DESC, v.m) '
                       'FROM (SELECT %1$s AS m, count(*) AS n FROM %2$s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10) v',
                       e_mod, src)
            INTO found_values;
        RAISE EXCEPTION 'no rows of % have % = %', src, quote_ident(modality_column),
                        quote_literal(CASE WHEN n_img_rows = 0 THEN image_value ELSE text_value END)
            USING ERRCODE = '22023',
                  DETAIL = format('Column "%s" holds %s.', modality_column, coalesce(found_values, 'no rows')),
                  HINT = 'Name its values with image_value => and text_value =>, or snapshot one modality with embedding_column alone.';
    END IF;
    IF m_img IS NULL AND m_txt IS NULL THEN
        RAISE EXCEPTION 'snapshot source % has no embeddings', src USING ERRCODE = '22000';
    END IF;
    IF shape <> 'single' AND (m_img IS NULL OR m_txt IS NULL) THEN
        RAISE EXCEPTION 'snapshot source % has no % embeddings', src, CASE WHEN m_img IS NULL THEN 'image' ELSE 'text' END
            USING ERRCODE = '22000',
                  DETAIL = CASE WHEN shape = 'paired'
                                THEN format('Column "%s" is NULL in every row.', CASE WHEN m_img IS NULL THEN image_column ELSE text_column END)
                                ELSE format('Every row with %s = %L has a NULL embedding.', modality_column,
                                            CASE WHEN m_img IS NULL THEN image_value ELSE text_value END) END;
    END IF;

    -- the spectra per modality and of both together; each eigen-solve once
    s_img := topembed.spectrum(m_img);
    IF shape <> 'single' THEN
        s_txt := topembed.spectrum(m_txt);
        m_joint := (SELECT topembed.moments(v.m) FROM (VALUES (m_img), (m_txt)) v(m));
        s_joint := topembed.spectrum(m_joint);
    END IF;
    IF st IS NOT NULL THEN
        g := (SELECT topembed.modality_gap(v.s) FROM (VALUES (st)) v(s));
    END IF;
    t2 := clock_timestamp();

    -- persistence of a reproducible sample per modality, and of both together
    IF shape = 'paired' THEN
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s', e_img, src)
            INTO d_img USING max_dim, metric, sample;
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s', e_txt, src)
            INTO d_txt USING max_dim, metric, sample;
        EXECUTE format('SELECT topembed.persistence(v.te_point, $1, $2, NULL, $3) '
                       'FROM %s CROSS JOIN LATERAL (VALUES (%s), (%s)) v(te_point)', src, e_img, e_txt)
            INTO d_joint USING max_dim, metric, sample;
    ELSIF shape = 'modality' THEN
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s WHERE %s = $4', e_img, src, e_mod)
            INTO d_img USING max_dim, metric, sample, image_value;
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s WHERE %s = $4', e_img, src, e_mod)
            INTO d_txt USING max_dim, metric, sample, text_value;
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s WHERE %s IN ($4, $5)', e_img, src, e_mod)
            INTO d_joint USING max_dim, metric, sample, image_value, text_value;
    ELSE
        EXECUTE format('SELECT topembed.persistence(%s, $1, $2, NULL, $3) FROM %s', e_img, src)
            INTO d_img USING max_dim, metric, sample;
    END IF;
    t3 := clock_timestamp();

    -- record the run; the label is locked, so its latest run is final
    prev := (SELECT max(r.run_id) FROM topembed.runs r WHERE r.label = snapshot.label);
    version := (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'topembed');
    INSERT INTO topembed.runs (label, started_at, finished_at, source, source_shape, source_columns,
                               n_rows, n_image, n_text, dim, sample_size, max_dim, metric,
                               scan_ms, spectrum_ms, persistence_ms, total_ms, extension_version, parameters,
                               previous_run_id)
    VALUES (label, t0, t3, src, shape, cols, n_rows,
            CASE WHEN shape <> 'single' THEN topembed.moments_count(m_img) END,
            CASE WHEN shape <> 'single' THEN topembed.moments_count(m_txt) END,
            topembed.moments_dim(m_img), sample, max_dim, metric,
            1000 * extract(epoch FROM t1 - t0), 1000 * extract(epoch FROM t2 - t1),
            1000 * extract(epoch FROM t3 - t2), 1000 * extract(epoch FROM t3 - t0), version,
            jsonb_build_object('image_column', image_column, 'text_column', text_column,
                'embedding_column', embedding_column, 'modality_column', modality_column,
                'image_value', image_value, 'text_value', text_value,
                'sample', sample, 'max_dim', max_dim, 'metric', metric),
            prev)
    RETURNING runs.run_id INTO run;

    IF st IS NOT NULL THEN
        INSERT INTO topembed.run_gap
        VALUES (run, st, g.n_image, g.n_text, g.n_pairs, g.dim, g.gap, g.gap_vector,
                g.image_centroid_norm, g.text_centroid_norm, g.image_cone, g.text_cone,
                g.paired_cosine_mean, g.paired_cosine_std, g.alignment);
    END IF;

    INSERT INTO topembed.run_spectra (run_id, modality, sketch, n, dim, eigenvalues, explained_variance_ratio,
                                      total_variance, effective_rank, rankme, participation_ratio, dims_99,
                                      numerical_rank, top_eigenvalue_share)
    SELECT run, v.modality, v.m, (v.s).n, (v.s).dim, (v.s).eigenvalues, (v.s).explained_variance_ratio,
           (v.s).total_variance, (v.s).effective_rank, (v.s).rankme, (v.s).participation_ratio,
           (v.s).dims_99, (v.s).numerical_rank, ((v.s).explained_variance_ratio)[1]
    FROM (VALUES (CASE WHEN shape = 'single' THEN 'all' ELSE 'image' END, m_img, s_img),
                 ('text', m_txt, s_txt), ('joint', m_joint, s_joint)) v(modality, m, s)
    WHERE v.m IS NOT NULL;

    INSERT INTO topembed.run_diagrams
    SELECT run, v.modality,
           (SELECT count(*) FROM unnest(v.d) p WHERE p.hdim = 0),
           v.d,
           topembed.total_persistence(v.d, 0),
           (SELECT count(*) FROM unnest(v.d) p WHERE p.hdim = 1),
           topembed.total_persistence(v.d, 1),
           (SELECT max(p.death - p.birth) FROM unnest(v.d) p WHERE p.hdim = 1 AND p.death < 'Infinity'),
           topembed.persistence_entropy(v.d, 1)
    FROM (VALUES (CASE WHEN shape = 'single' THEN 'all' ELSE 'image' END, d_img),
                 ('text', d_txt), ('joint', d_joint)) v(modality, d)
    WHERE v.d IS NOT NULL;

    -- drift against the label's previous run
    IF prev IS NOT NULL THEN
        INSERT INTO topembed.run_drift
        SELECT run, prev, c.modality, c.metric, c.previous_value, c.value, c.change
        FROM topembed.compare_runs(prev, run) c;
    END IF;
    UPDATE topembed.labels l SET last_run_id = run WHERE l.label = snapshot.label;
    RETURN run;
END
$fn$;
COMMENT ON FUNCTION topembed.snapshot(text, regclass, name, name, name, name, text, text, integer, integer, text) IS
'analyses an embedding table in one call (gap, spectra, sketches, persistence of a sample, drift) and records the run; returns its id';

CREATE OR REPLACE FUNCTION topembed.prune_history(keep interval)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    ids bigint[];
BEGIN
    IF keep IS NULL OR keep < interval '0' THEN
        RAISE EXCEPTION 'keep must be an interval of at least 0, not %', coalesce(keep::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    -- runs older than keep, never the latest of a label: the next snapshot
    -- of the label compares its spectra and diagrams with that one
    SELECT array_agg(r.run_id ORDER BY r.run_id) INTO ids
    FROM topembed.runs r
    WHERE r.started_at < now() - keep AND r.detail_pruned_at IS NULL
      AND r.run_id < (SELECT max(x.run_id) FROM topembed.runs x WHERE x.label = r.label);
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE topembed.run_gap SET state = NULL, gap_vector = NULL
    WHERE run_id = ANY (ids) AND (state IS NOT NULL OR gap_vector IS NOT NULL);
    UPDATE topembed.run_spectra SET sketch = NULL, eigenvalues = NULL, explained_variance_ratio = NULL
    WHERE run_id = ANY (ids) AND (sketch IS NOT NULL OR eigenvalues IS NOT NULL OR explained_variance_ratio IS NOT NULL);
    UPDATE topembed.run_diagrams SET diagram = NULL
    WHERE run_id = ANY (ids) AND diagram IS NOT NULL;
    UPDATE topembed.runs SET detail_pruned_at = now() WHERE run_id = ANY (ids);
    RETURN cardinality(ids);
END
$fn$;
COMMENT ON FUNCTION topembed.prune_history(interval) IS
'drops the sketches, gap states and vectors, spectra arrays and diagrams of runs older than keep (never a label''s latest run), keeping every scalar figure; returns the number of runs pruned';

CREATE OR REPLACE VIEW topembed.drift AS
SELECT d.run_id, r.label, r.started_at AS run_at, d.previous_run_id, p.started_at AS previous_run_at,
       d.modality, d.metric, d.previous_value, d.value, d.change,
       t.threshold,
       coalesce(d.change > t.threshold, false) AS flagged,
       sign(d.value - d.previous_value) * d.change AS signed_change
FROM topembed.run_drift d
JOIN topembed.runs r ON r.run_id = d.run_id
LEFT JOIN topembed.runs p ON p.run_id = d.previous_run_id
CROSS JOIN LATERAL (
    SELECT coalesce(
        (SELECT o.threshold FROM topembed.drift_thresholds o WHERE o.label = r.label AND o.metric = d.metric),
        (SELECT o.threshold FROM topembed.drift_thresholds o WHERE o.label = '*' AND o.metric = d.metric),
        topembed.drift_default_threshold(d.metric)) AS threshold) t;
COMMENT ON VIEW topembed.drift IS
'each run against the label''s previous run: the change of every headline figure, its threshold, whether it is flagged, and the change with its sign (a rise is positive)';

CREATE OR REPLACE VIEW topembed.drift_alerts AS
SELECT * FROM topembed.drift WHERE flagged;
COMMENT ON VIEW topembed.drift_alerts IS 'the rows of topembed.drift whose change exceeds its threshold';

CREATE OR REPLACE VIEW topembed.metric_history AS
SELECT r.run_id, r.label, r.started_at AS run_at, m.modality, m.metric, m.value
FROM topembed.runs r
JOIN topembed.run_gap g ON g.run_id = r.run_id
CROSS JOIN LATERAL (VALUES
    ('pair', 'gap', g.gap),
    ('pair', 'paired_cosine_mean', g.paired_cosine_mean),
    ('pair', 'paired_cosine_std', g.paired_cosine_std),
    ('pair', 'alignment', g.alignment),
    ('pair', 'pairs', g.n_pairs::float8),
    ('image', 'centroid_norm', g.image_centroid_norm),
    ('text', 'centroid_norm', g.text_centroid_norm),
    ('image', 'cone', g.image_cone),
    ('text', 'cone', g.text_cone)) m(modality, metric, value)
WHERE m.value IS NOT NULL
UNION ALL
SELECT r.run_id, r.label, r.started_at, s.modality, m.metric, m.value
FROM topembed.runs r
JOIN topembed.run_spectra s ON s.run_id = r.run_id
CROSS JOIN LATERAL (VALUES
    ('embeddings', s.n::float8),
    ('effective_rank', s.effective_rank),
    ('rankme', s.rankme),
    ('participation_ratio', s.participation_ratio),
    ('dims_99', s.dims_99::float8),
    ('numerical_rank', s.numerical_rank::float8),
    ('total_variance', s.total_variance),
    ('top_eigenvalue_share', s.top_eigenvalue_share)) m(metric, value)
WHERE m.value IS NOT NULL
UNION ALL
SELECT r.run_id, r.label, r.started_at, d.modality, m.metric, m.value
FROM topembed.runs r
JOIN topembed.run_diagrams d ON d.run_id = r.run_id
CROSS JOIN LATERAL (VALUES
    ('sample_points', d.n_points::float8),
    ('h0_total_persistence', d.h0_total_persistence),
    ('h1_classes', d.h1_classes::float8),
    ('h1_total_persistence', d.h1_total_persistence),
    ('h1_max_persistence', d.h1_max_persistence),
    ('h1_entropy', d.h1_entropy)) m(metric, value)
WHERE m.value IS NOT NULL
UNION ALL
SELECT r.run_id, r.label, r.started_at, 'run', m.metric, m.value
FROM topembed.runs r
CROSS JOIN LATERAL (VALUES
    ('rows', r.n_rows::float8),
    ('snapshot_seconds', r.total_ms / 1000)) m(metric, value);
COMMENT ON VIEW topembed.metric_history IS
'every headline figure of every run in long format: one row per run, modality and metric, with a numeric value';

CREATE OR REPLACE VIEW topembed.latest_metrics AS
SELECT r.label, r.run_id, r.started_at AS run_at, r.source, r.n_rows, r.n_image, r.n_text, r.dim,
       g.gap, g.paired_cosine_mean, g.image_cone, g.text_cone,
       si.effective_rank AS image_effective_rank,
       st.effective_rank AS text_effective_rank,
       coalesce(sj.effective_rank, sa.effective_rank) AS effective_rank,
       si.rankme AS image_rankme,
       st.rankme AS text_rankme,
       si.dims_99 AS image_dims_99,
       st.dims_99 AS text_dims_99,
       coalesce(sj.dims_99, sa.dims_99) AS dims_99,
       di.h1_classes AS image_h1_classes,
       dt.h1_classes AS text_h1_classes,
       coalesce(dj.h1_classes, da.h1_classes) AS h1_classes,
       di.h1_total_persistence AS image_h1_total_persistence,
       dt.h1_total_persistence AS text_h1_total_persistence,
       coalesce(dj.h1_total_persistence, da.h1_total_persistence) AS h1_total_persistence,
       (SELECT count(*) FROM topembed.drift x WHERE x.run_id = r.run_id AND x.flagged) AS drift_flags,
       r.total_ms / 1000 AS snapshot_seconds
FROM (SELECT DISTINCT ON (label) * FROM topembed.runs ORDER BY label, run_id DESC) r
LEFT JOIN topembed.run_gap g ON g.run_id = r.run_id
LEFT JOIN topembed.run_spectra si ON si.run_id = r.run_id AND si.modality = 'image'
LEFT JOIN topembed.run_spectra st ON st.run_id = r.run_id AND st.modality = 'text'
LEFT JOIN topembed.run_spectra sj ON sj.run_id = r.run_id AND sj.modality = 'joint'
LEFT JOIN topembed.run_spectra sa ON sa.run_id = r.run_id AND sa.modality = 'all'
LEFT JOIN topembed.run_diagrams di ON di.run_id = r.run_id AND di.modality = 'image'
LEFT JOIN topembed.run_diagrams dt ON dt.run_id = r.run_id AND dt.modality = 'text'
LEFT JOIN topembed.run_diagrams dj ON dj.run_id = r.run_id AND dj.modality = 'joint'
LEFT JOIN topembed.run_diagrams da ON da.run_id = r.run_id AND da.modality = 'all';
COMMENT ON VIEW topembed.latest_metrics IS
'one row per label, its latest run: one scalar column per headline figure';

CREATE OR REPLACE VIEW topembed.spectrum_history AS
SELECT r.run_id, r.label, r.started_at AS run_at, s.modality, e.k::integer AS k,
       e.eigenvalue, s.explained_variance_ratio[e.k] AS explained_variance_ratio
FROM topembed.runs r
JOIN topembed.run_spectra s ON s.run_id = r.run_id
CROSS JOIN LATERAL unnest(s.eigenvalues) WITH ORDINALITY e(eigenvalue, k);
COMMENT ON VIEW topembed.spectrum_history IS
'the covariance spectra of every run in long format: one row per run, modality and eigenvalue index k';

CREATE OR REPLACE VIEW topembed.diagram_history AS
SELECT r.run_id, r.label, r.started_at AS run_at, d.modality, p.hdim, p.birth, p.death,
       p.death = 'Infinity' AS essential
FROM topembed.runs r
JOIN topembed.run_diagrams d ON d.run_id = r.run_id
CROSS JOIN LATERAL unnest(d.diagram) p;
COMMENT ON VIEW topembed.diagram_history IS
'the persistence diagrams of every run in long format: one row per bar';

CREATE OR REPLACE VIEW topembed.run_detail AS
SELECT r.run_id, r.label, r.started_at AS run_at, m.modality,
       CASE WHEN s.eigenvalues IS NOT NULL THEN
           ROW(s.n, s.dim, s.eigenvalues, s.explained_variance_ratio, s.total_variance, s.effective_rank,
               s.rankme, s.participation_ratio, s.dims_99, s.numerical_rank)::topembed.spectrum_stats
       END AS spectrum,
       d.diagram
FROM topembed.runs r
JOIN (SELECT x.run_id, x.modality FROM topembed.run_spectra x
      UNION SELECT y.run_id, y.modality FROM topembed.run_diagrams y) m ON m.run_id = r.run_id
LEFT JOIN topembed.run_spectra s ON s.run_id = m.run_id AND s.modality = m.modality
LEFT JOIN topembed.run_diagrams d ON d.run_id = m.run_id AND d.modality = m.modality;
COMMENT ON VIEW topembed.run_detail IS
'the spectrum (as topembed.spectrum_stats) and the persistence diagram of every run and modality, for pictures; NULL once pruned';
COMMENT ON SEQUENCE topembed.runs_run_id_seq IS 'run ids of topembed.runs';

--------------------------------------------------------------------------
-- Modality geometry: L2I and RMG in the gap statistics, uniformity, the
-- drivers of the gap, intrinsic dimension
--------------------------------------------------------------------------

ALTER TYPE topembed.gap_stats ADD ATTRIBUTE l2i double precision;
ALTER TYPE topembed.gap_stats ADD ATTRIBUTE rmg double precision;
COMMENT ON COLUMN topembed.gap_stats.l2i IS
'mean distance ||x - y|| of the normalised matched pairs (Schrodi et al. 2024); NULL when unpaired, or for a state stored by 0.1.0';
COMMENT ON COLUMN topembed.gap_stats.rmg IS
'relative modality gap of Schrodi et al. 2024: m / (m + (a_image + a_text) / 2), m = (1 - paired_cosine_mean) / 2, a = (1 - cone) / 2; NULL when unpaired or under 2 pairs';

CREATE FUNCTION topembed.points_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_points_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.points_combinefn(internal, internal) IS
'combine function of uniformity, gap_drivers and intrinsic_dimension: concatenates points, or merges two samples';

CREATE FUNCTION topembed.points_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_points_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.points_serialfn(internal) IS
'serialises the points of a uniformity, gap_drivers or intrinsic_dimension aggregate for a parallel worker';

CREATE FUNCTION topembed.points_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_points_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.points_deserialfn(bytea, internal) IS
'deserialises the points of a uniformity, gap_drivers or intrinsic_dimension aggregate';

CREATE FUNCTION topembed.uniformity_finalfn(internal) RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_uniformity_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.uniformity_finalfn(internal) IS
'final function of the uniformity aggregates';

CREATE FUNCTION topembed.uniformity_transfn(internal, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, anyarray) IS
'transition function of the uniformity aggregates';

CREATE AGGREGATE topembed.uniformity(embedding real[]) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(real[]) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over the embeddings (t = 2)';

CREATE AGGREGATE topembed.uniformity(embedding double precision[]) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(double precision[]) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over the embeddings (t = 2)';

CREATE FUNCTION topembed.uniformity_transfn(internal, anyarray, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, anyarray, double precision) IS
'transition function of the uniformity aggregates';

CREATE AGGREGATE topembed.uniformity(embedding real[], t double precision) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(real[], double precision) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over the embeddings at temperature t';

CREATE AGGREGATE topembed.uniformity(embedding double precision[], t double precision) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(double precision[], double precision) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over the embeddings at temperature t';

CREATE FUNCTION topembed.uniformity_transfn(internal, anyarray, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_uniformity_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.uniformity_transfn(internal, anyarray, double precision, integer) IS
'transition function of the uniformity aggregates';

CREATE AGGREGATE topembed.uniformity(embedding real[], t double precision, sample integer) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(real[], double precision, integer) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over a reproducible sample of sample embeddings (the ones with the smallest hashes), at temperature t';

CREATE AGGREGATE topembed.uniformity(embedding double precision[], t double precision, sample integer) (
    SFUNC = topembed.uniformity_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.uniformity_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.uniformity(double precision[], double precision, integer) IS
'uniformity of Wang and Isola 2020, log mean over pairs i < j of exp(-t ||x_i - x_j||^2), of the L2-normalised embeddings: exact over a reproducible sample of sample embeddings (the ones with the smallest hashes), at temperature t';

CREATE FUNCTION topembed.uniformity(sample topembed.point_sample, t double precision DEFAULT 2)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_uniformity_of_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION topembed.uniformity(topembed.point_sample, double precision) IS
'uniformity of Wang and Isola 2020 over a stored point sample''s points, L2-normalised: exact over the sample, so a sample that kept every row gives uniformity(embedding, t) bit for bit';

CREATE TYPE topembed.gap_drivers AS (
    n_pairs           bigint,
    dim               integer,
    k                 integer,
    gap               double precision,
    top_coordinates   integer[],
    coordinate_shares double precision[],
    top_share         double precision,
    pc_shares         double precision[],
    pc_share          double precision,
    pc_variance       double precision[],
    midpoint_accuracy double precision,
    lda_accuracy      double precision,
    lda_separation    double precision
);
COMMENT ON TYPE topembed.gap_drivers IS
'What drives the modality gap (Schrodi et al. 2024): the share of ||gap vector||^2 in its top-k coordinates (1-based) and along the top-k principal directions of the pooled embeddings, and the accuracy of the midpoint and Fisher LDA classifiers of the modalities';

CREATE FUNCTION topembed.gap_drivers_transfn(internal, anyarray, anyarray, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_drivers_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.gap_drivers_transfn(internal, anyarray, anyarray, integer) IS
'transition function of the gap_drivers aggregates';

CREATE FUNCTION topembed.gap_drivers_finalfn(internal) RETURNS topembed.gap_drivers
AS 'MODULE_PATHNAME', 'topembed_drivers_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_drivers_finalfn(internal) IS
'final function of the gap_drivers aggregates';

CREATE AGGREGATE topembed.gap_drivers(image real[], text real[], k integer) (
    SFUNC = topembed.gap_drivers_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.gap_drivers_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_drivers(real[], real[], integer) IS
'what drives the modality gap of L2-normalised matched pairs, one pair per row: top-k coordinates, principal directions and linear separability';

CREATE AGGREGATE topembed.gap_drivers(image double precision[], text double precision[], k integer) (
    SFUNC = topembed.gap_drivers_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.gap_drivers_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_drivers(double precision[], double precision[], integer) IS
'what drives the modality gap of L2-normalised matched pairs, one pair per row: top-k coordinates, principal directions and linear separability';

CREATE FUNCTION topembed.intrinsic_dimension_transfn(internal, anyarray, text, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_intrinsic_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.intrinsic_dimension_transfn(internal, anyarray, text, integer) IS
'transition function of the intrinsic_dimension aggregates';

CREATE FUNCTION topembed.intrinsic_dimension_finalfn(internal) RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_intrinsic_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.intrinsic_dimension_finalfn(internal) IS
'final function of the intrinsic_dimension aggregates';

CREATE AGGREGATE topembed.intrinsic_dimension(embedding real[], method text, k integer) (
    SFUNC = topembed.intrinsic_dimension_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.intrinsic_dimension_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.intrinsic_dimension(real[], text, integer) IS
'intrinsic dimension of the embeddings from exact Euclidean nearest neighbours: method ''twonn'' (Facco et al. 2017; k unused, may be NULL) or ''mle'' (Levina-Bickel with the MacKay-Ghahramani correction, k neighbours)';

CREATE AGGREGATE topembed.intrinsic_dimension(embedding double precision[], method text, k integer) (
    SFUNC = topembed.intrinsic_dimension_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.points_combinefn,
    SERIALFUNC = topembed.points_serialfn,
    DESERIALFUNC = topembed.points_deserialfn,
    FINALFUNC = topembed.intrinsic_dimension_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.intrinsic_dimension(double precision[], text, integer) IS
'intrinsic dimension of the embeddings from exact Euclidean nearest neighbours: method ''twonn'' (Facco et al. 2017; k unused, may be NULL) or ''mle'' (Levina-Bickel with the MacKay-Ghahramani correction, k neighbours)';

-- ---------------------------------------------------------------------------
-- Downstream tasks (issue 10): cross-modal retrieval, zero-shot
-- classification and the gap-shift experiment
-- ---------------------------------------------------------------------------

CREATE TYPE topembed.retrieval_stats AS (
    n_image bigint,
    n_text bigint,
    dim integer,
    ks integer[],
    image_to_text_recall double precision[],
    text_to_image_recall double precision[],
    image_to_text_median_rank double precision,
    text_to_image_median_rank double precision,
    image_to_text_mrr double precision,
    text_to_image_mrr double precision
);
COMMENT ON TYPE topembed.retrieval_stats IS
'Cross-modal retrieval by cosine: queries scored per direction, recall@k for each k of ks, median rank and mean reciprocal rank; ties count against the correct answer';

CREATE FUNCTION topembed.retrieval_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_combinefn(internal, internal) IS
'combine function of the retrieval and gap_shift aggregates: concatenates the points';

CREATE FUNCTION topembed.retrieval_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_retrieval_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_serialfn(internal) IS
'serialises the state of a retrieval or gap_shift aggregate for a parallel worker';

CREATE FUNCTION topembed.retrieval_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_deserialfn(bytea, internal) IS
'deserialises the state of a retrieval or gap_shift aggregate';

CREATE FUNCTION topembed.retrieval_finalfn(internal) RETURNS topembed.retrieval_stats
AS 'MODULE_PATHNAME', 'topembed_retrieval_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_finalfn(internal) IS
'final function of the retrieval aggregates: ranks every query by blocked cosine products';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, anyarray, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, anyarray, anyarray) IS
'transition function of retrieval(image, text)';

CREATE FUNCTION topembed.retrieval_pair_transfn(internal, anyarray, anyarray, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_pair_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_pair_transfn(internal, anyarray, anyarray, integer[]) IS
'transition function of retrieval(image, text, ks)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, anyarray, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, anyarray, boolean) IS
'transition function of retrieval(item_id, embedding, is_image)';

CREATE FUNCTION topembed.retrieval_item_transfn(internal, bigint, anyarray, boolean, integer[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_retrieval_item_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.retrieval_item_transfn(internal, bigint, anyarray, boolean, integer[]) IS
'transition function of retrieval(item_id, embedding, is_image, ks)';

CREATE AGGREGATE topembed.retrieval(image real[], text real[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(real[], real[]) IS
'cross-modal retrieval of (image, text) pairs by cosine: recall@1, 5 and 10 both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image real[], text real[], ks integer[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(real[], real[], integer[]) IS
'cross-modal retrieval of (image, text) pairs by cosine: recall@k for each k of ks both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding real[], is_image boolean) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, real[], boolean) IS
'cross-modal retrieval by cosine where every text of an item is a correct answer for its images and the reverse: recall@1, 5 and 10, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding real[], is_image boolean, ks integer[]) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, real[], boolean, integer[]) IS
'cross-modal retrieval by cosine where every text of an item is a correct answer for its images and the reverse: recall@k for each k of ks, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image double precision[], text double precision[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(double precision[], double precision[]) IS
'cross-modal retrieval of (image, text) pairs by cosine: recall@1, 5 and 10 both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(image double precision[], text double precision[], ks integer[]) (
    SFUNC = topembed.retrieval_pair_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(double precision[], double precision[], integer[]) IS
'cross-modal retrieval of (image, text) pairs by cosine: recall@k for each k of ks both ways, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding double precision[], is_image boolean) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, double precision[], boolean) IS
'cross-modal retrieval by cosine where every text of an item is a correct answer for its images and the reverse: recall@1, 5 and 10, median rank, MRR';

CREATE AGGREGATE topembed.retrieval(item_id bigint, embedding double precision[], is_image boolean, ks integer[]) (
    SFUNC = topembed.retrieval_item_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.retrieval_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.retrieval(bigint, double precision[], boolean, integer[]) IS
'cross-modal retrieval by cosine where every text of an item is a correct answer for its images and the reverse: recall@k for each k of ks, median rank, MRR';

CREATE TYPE topembed.gap_shift_point AS (
    lambda double precision,
    gap double precision,
    gap_before_renormalization double precision,
    paired_cosine_mean double precision,
    image_to_text_recall_at_1 double precision,
    text_to_image_recall_at_1 double precision
);
COMMENT ON TYPE topembed.gap_shift_point IS
'One step of the gap-shift experiment: the shift lambda, the gap after renormalisation (and before it), the mean paired cosine and recall@1 both ways';

CREATE FUNCTION topembed.gap_shift_transfn(internal, anyarray, anyarray) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, anyarray, anyarray) IS
'transition function of gap_shift(image, text)';

CREATE FUNCTION topembed.gap_shift_transfn(internal, anyarray, anyarray, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_gap_shift_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_transfn(internal, anyarray, anyarray, double precision[]) IS
'transition function of gap_shift(image, text, lambdas)';

CREATE FUNCTION topembed.gap_shift_finalfn(internal) RETURNS topembed.gap_shift_point[]
AS 'MODULE_PATHNAME', 'topembed_gap_shift_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.gap_shift_finalfn(internal) IS
'final function of gap_shift: shifts, renormalises and measures again for each lambda';

CREATE AGGREGATE topembed.gap_shift(image real[], text real[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(real[], real[]) IS
'the gap-shift experiment (Liang et al. 2022) on the lambda grid -1, -0.75, ..., 1: one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image real[], text real[], lambdas double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(real[], real[], double precision[]) IS
'the gap-shift experiment (Liang et al. 2022): images moved by -lambda/2, texts by +lambda/2 times the gap vector, renormalised and measured, one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image double precision[], text double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(double precision[], double precision[]) IS
'the gap-shift experiment (Liang et al. 2022) on the lambda grid -1, -0.75, ..., 1: one gap_shift_point per lambda';

CREATE AGGREGATE topembed.gap_shift(image double precision[], text double precision[], lambdas double precision[]) (
    SFUNC = topembed.gap_shift_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.retrieval_combinefn,
    SERIALFUNC = topembed.retrieval_serialfn,
    DESERIALFUNC = topembed.retrieval_deserialfn,
    FINALFUNC = topembed.gap_shift_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.gap_shift(double precision[], double precision[], double precision[]) IS
'the gap-shift experiment (Liang et al. 2022): images moved by -lambda/2, texts by +lambda/2 times the gap vector, renormalised and measured, one gap_shift_point per lambda';

CREATE TYPE topembed.zero_shot_stats AS (
    n bigint,
    n_classes integer,
    top1_accuracy double precision,
    top5_accuracy double precision,
    per_class_accuracy double precision[],
    per_class_n bigint[]
);
COMMENT ON TYPE topembed.zero_shot_stats IS
'Zero-shot classification by cosine to class prompts: rows, classes, top-1 and top-5 accuracy, top-1 accuracy and rows of each class; ties count against the true class';

CREATE FUNCTION topembed.zero_shot_transfn(internal, anyarray, integer, double precision[]) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_transfn(internal, anyarray, integer, double precision[]) IS
'transition function of zero_shot: classifies one embedding';

CREATE FUNCTION topembed.zero_shot_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_combinefn(internal, internal) IS
'combine function of zero_shot: adds the per-class counts';

CREATE FUNCTION topembed.zero_shot_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_zero_shot_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_serialfn(internal) IS
'serialises the state of zero_shot for a parallel worker';

CREATE FUNCTION topembed.zero_shot_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_zero_shot_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_deserialfn(bytea, internal) IS
'deserialises the state of zero_shot';

CREATE FUNCTION topembed.zero_shot_finalfn(internal) RETURNS topembed.zero_shot_stats
AS 'MODULE_PATHNAME', 'topembed_zero_shot_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_finalfn(internal) IS
'final function of zero_shot: the accuracies';

CREATE AGGREGATE topembed.zero_shot(embedding real[], label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(real[], integer, double precision[]) IS
'zero-shot classification: each embedding goes to the class (row of prompts, from 1) of highest cosine; top-1, top-5 and per-class accuracy';

CREATE AGGREGATE topembed.zero_shot(embedding double precision[], label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(double precision[], integer, double precision[]) IS
'zero-shot classification: each embedding goes to the class (row of prompts, from 1) of highest cosine; top-1, top-5 and per-class accuracy';

CREATE TYPE topembed.zero_shot_state;

CREATE FUNCTION topembed.zero_shot_state_in(cstring) RETURNS topembed.zero_shot_state
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_in(cstring) IS 'text input of topembed.zero_shot_state';

CREATE FUNCTION topembed.zero_shot_state_out(topembed.zero_shot_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_out(topembed.zero_shot_state) IS 'text output of topembed.zero_shot_state';

CREATE FUNCTION topembed.zero_shot_state_recv(internal) RETURNS topembed.zero_shot_state
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_recv(internal) IS 'binary input of topembed.zero_shot_state';

CREATE FUNCTION topembed.zero_shot_state_send(topembed.zero_shot_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_send(topembed.zero_shot_state) IS 'binary output of topembed.zero_shot_state';

CREATE TYPE topembed.zero_shot_state (
    INPUT = topembed.zero_shot_state_in,
    OUTPUT = topembed.zero_shot_state_out,
    RECEIVE = topembed.zero_shot_state_recv,
    SEND = topembed.zero_shot_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE topembed.zero_shot_state IS
'Storable, mergeable state of zero_shot: rows, rank-1 and rank-5 counts of each class, and a fingerprint of the prompts they were counted against';

CREATE FUNCTION topembed.zero_shot_state_finalfn(internal) RETURNS topembed.zero_shot_state
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_finalfn(internal) IS
'final function of zero_shot_state(embedding, label, prompts): the per-class counts and the prompts'' fingerprint';

CREATE FUNCTION topembed.zero_shot_state_combinefn(topembed.zero_shot_state, topembed.zero_shot_state)
RETURNS topembed.zero_shot_state
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_combinefn(topembed.zero_shot_state, topembed.zero_shot_state) IS
'merges two zero_shot states counted against the same prompts: counts added (combine function, and transition of the merging aggregates)';

CREATE FUNCTION topembed.zero_shot_state_stats(topembed.zero_shot_state) RETURNS topembed.zero_shot_stats
AS 'MODULE_PATHNAME', 'topembed_zero_shot_of_state' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_stats(topembed.zero_shot_state) IS
'final function of zero_shot(zero_shot_state): the accuracies of a merged state';

CREATE FUNCTION topembed.zero_shot_state_classes(state topembed.zero_shot_state) RETURNS integer
AS 'MODULE_PATHNAME', 'topembed_zero_shot_state_classes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION topembed.zero_shot_state_classes(topembed.zero_shot_state) IS
'number of classes (rows of the prompts) of a zero_shot state';

CREATE AGGREGATE topembed.zero_shot_state(embedding real[], label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_state_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(real[], integer, double precision[]) IS
'storable zero-shot state: the per-class counts of zero_shot(embedding, label, prompts) and a fingerprint of the prompts; merge with zero_shot(zero_shot_state)';

CREATE AGGREGATE topembed.zero_shot_state(embedding double precision[], label integer, prompts double precision[]) (
    SFUNC = topembed.zero_shot_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.zero_shot_combinefn,
    SERIALFUNC = topembed.zero_shot_serialfn,
    DESERIALFUNC = topembed.zero_shot_deserialfn,
    FINALFUNC = topembed.zero_shot_state_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(double precision[], integer, double precision[]) IS
'storable zero-shot state: the per-class counts of zero_shot(embedding, label, prompts) and a fingerprint of the prompts; merge with zero_shot(zero_shot_state)';

CREATE AGGREGATE topembed.zero_shot_state(state topembed.zero_shot_state) (
    SFUNC = topembed.zero_shot_state_combinefn,
    STYPE = topembed.zero_shot_state,
    COMBINEFUNC = topembed.zero_shot_state_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot_state(topembed.zero_shot_state) IS
'stored zero_shot states merged into one (all counted against the same prompts), for rollups of rollups';

CREATE AGGREGATE topembed.zero_shot(state topembed.zero_shot_state) (
    SFUNC = topembed.zero_shot_state_combinefn,
    STYPE = topembed.zero_shot_state,
    COMBINEFUNC = topembed.zero_shot_state_combinefn,
    FINALFUNC = topembed.zero_shot_state_stats,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.zero_shot(topembed.zero_shot_state) IS
'zero-shot accuracies of stored zero_shot states merged together (all counted against the same prompts), for rollups';

--------------------------------------------------------------------------
-- Landmark persistence: farthest-point sampling with its covering radius,
-- so that d_B <= 2 eps bounds the diagram's distance from the full one (0.3.0)
--------------------------------------------------------------------------

CREATE TYPE topembed.landmark_diagram AS (
    diagram topembed.persistence_pair[],
    covering_radius double precision,
    landmarks integer,
    points bigint
);
COMMENT ON TYPE topembed.landmark_diagram IS
'Persistence diagram of farthest-point landmarks: the diagram, the covering radius eps (the Hausdorff distance from the landmarks to every point), the number of landmarks and of points; under euclidean and angular the full diagram is within bottleneck distance 2 eps';

CREATE FUNCTION topembed.landmark_persistence_finalfn(internal) RETURNS topembed.landmark_diagram
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.landmark_persistence_finalfn(internal) IS
'final function of the landmark_persistence aggregates: farthest-point sampling, then the Vietoris-Rips engine on the landmarks';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer) IS
'transition function of the landmark_persistence aggregates';

CREATE AGGREGATE topembed.landmark_persistence(embedding real[], landmarks integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(real[], integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks; max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE AGGREGATE topembed.landmark_persistence(embedding double precision[], landmarks integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(double precision[], integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks; max_dim 1, metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer) IS
'transition function of the landmark_persistence aggregates';

CREATE AGGREGATE topembed.landmark_persistence(embedding real[], landmarks integer, max_dim integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(real[], integer, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE AGGREGATE topembed.landmark_persistence(embedding double precision[], landmarks integer, max_dim integer) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(double precision[], integer, integer) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks and max_dim; metric ''cosine'', the enclosing radius as threshold';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer, text) IS
'transition function of the landmark_persistence aggregates';

CREATE AGGREGATE topembed.landmark_persistence(embedding real[], landmarks integer, max_dim integer, metric text) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(real[], integer, integer, text) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim and metric; the enclosing radius as threshold';

CREATE AGGREGATE topembed.landmark_persistence(embedding double precision[], landmarks integer, max_dim integer, metric text) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(double precision[], integer, integer, text) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim and metric; the enclosing radius as threshold';

CREATE FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer, text, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmark_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmark_persistence_transfn(internal, anyarray, integer, integer, text, double precision) IS
'transition function of the landmark_persistence aggregates';

CREATE AGGREGATE topembed.landmark_persistence(embedding real[], landmarks integer, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(real[], integer, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim, metric and threshold (NULL: the enclosing radius)';

CREATE AGGREGATE topembed.landmark_persistence(embedding double precision[], landmarks integer, max_dim integer, metric text, threshold double precision) (
    SFUNC = topembed.landmark_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmark_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmark_persistence(double precision[], integer, integer, text, double precision) IS
'Vietoris-Rips persistence diagram of farthest-point landmarks of the embeddings, with the covering radius: landmarks, max_dim, metric and threshold (NULL: the enclosing radius)';

-- the landmarks themselves, by id: the same farthest-point sampling

CREATE TYPE topembed.landmark AS (
    id bigint,
    rank integer,
    radius double precision
);
COMMENT ON TYPE topembed.landmark IS
'One farthest-point landmark: the row''s id, its rank in the greedy order (from 1), and its radius: the distance to the earlier landmarks when it joined (Infinity for the first), which is the covering radius of the earlier ones';

CREATE FUNCTION topembed.landmarks_finalfn(internal) RETURNS topembed.landmark[]
AS 'MODULE_PATHNAME', 'topembed_landmarks_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.landmarks_finalfn(internal) IS
'final function of the landmarks aggregates: farthest-point sampling, the landmarks by id';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, anyarray, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, anyarray, integer) IS
'transition function of the landmarks aggregates';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding real[], k integer) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, real[], integer) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k metric ''cosine''';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding double precision[], k integer) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, double precision[], integer) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k metric ''cosine''';

CREATE FUNCTION topembed.landmarks_transfn(internal, bigint, anyarray, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_landmarks_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.landmarks_transfn(internal, bigint, anyarray, integer, text) IS
'transition function of the landmarks aggregates';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding real[], k integer, metric text) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, real[], integer, text) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k and metric';

CREATE AGGREGATE topembed.landmarks(id bigint, embedding double precision[], k integer, metric text) (
    SFUNC = topembed.landmarks_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.landmarks_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.landmarks(bigint, double precision[], integer, text) IS
'the k farthest-point landmarks of the embeddings by id, in greedy order with their radii, as landmark_persistence chooses them: id, embedding, k and metric';

--------------------------------------------------------------------------
-- Sparse Rips persistence: the sparse filtration on the greedy permutation
-- (Sheehy; Cavanna, Jahanseir & Sheehy), within a multiplicative 1 + epsilon
-- of the exact diagram (0.3.0)
--------------------------------------------------------------------------

CREATE TYPE topembed.sparse_diagram AS (
    diagram topembed.persistence_pair[],
    epsilon double precision,
    edges bigint,
    points bigint
);
COMMENT ON TYPE topembed.sparse_diagram IS
'Persistence diagram of the sparse Rips filtration: the diagram, the epsilon it guarantees (the bottleneck distance between the log-scale diagrams of it and of the exact Rips filtration is at most log(1 + epsilon)), the edges of the sparse graph and the number of points';

CREATE FUNCTION topembed.sparse_persistence_finalfn(internal) RETURNS topembed.sparse_diagram
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION topembed.sparse_persistence_finalfn(internal) IS
'final function of the sparse_persistence aggregates: the greedy permutation, the sparse graph, then H0 and H1 of its flag filtration';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision) IS
'transition function of the sparse_persistence aggregates';

CREATE AGGREGATE topembed.sparse_persistence(embedding real[], epsilon double precision) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(real[], double precision) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon; max_dim 1, metric ''cosine''';

CREATE AGGREGATE topembed.sparse_persistence(embedding double precision[], epsilon double precision) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(double precision[], double precision) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon; max_dim 1, metric ''cosine''';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision, integer) IS
'transition function of the sparse_persistence aggregates';

CREATE AGGREGATE topembed.sparse_persistence(embedding real[], epsilon double precision, max_dim integer) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(real[], double precision, integer) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon and max_dim (0 or 1); metric ''cosine''';

CREATE AGGREGATE topembed.sparse_persistence(embedding double precision[], epsilon double precision, max_dim integer) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(double precision[], double precision, integer) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon and max_dim (0 or 1); metric ''cosine''';

CREATE FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'topembed_sparse_persistence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION topembed.sparse_persistence_transfn(internal, anyarray, double precision, integer, text) IS
'transition function of the sparse_persistence aggregates';

CREATE AGGREGATE topembed.sparse_persistence(embedding real[], epsilon double precision, max_dim integer, metric text) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(real[], double precision, integer, text) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon, max_dim (0 or 1) and metric';

CREATE AGGREGATE topembed.sparse_persistence(embedding double precision[], epsilon double precision, max_dim integer, metric text) (
    SFUNC = topembed.sparse_persistence_transfn,
    STYPE = internal,
    COMBINEFUNC = topembed.persistence_combinefn,
    SERIALFUNC = topembed.persistence_serialfn,
    DESERIALFUNC = topembed.persistence_deserialfn,
    FINALFUNC = topembed.sparse_persistence_finalfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE topembed.sparse_persistence(double precision[], double precision, integer, text) IS
'H0 and H1 of the sparse Rips filtration of the embeddings, within log(1 + epsilon) of the exact diagram in log-scale bottleneck distance, with the epsilon, the edges and the points: epsilon, max_dim (0 or 1) and metric';
