-- topembed 0.2.0 -> 0.3.0
--
-- Every change to the SQL surface since release 0.2.0 (tag v0.2.0), in the
-- order of the sections of topembed--0.3.0.sql.  The result must equal a
-- fresh CREATE EXTENSION topembed VERSION '0.3.0' (test/cluster/upgrade.sh
-- compares the two catalogues, from 0.1.0 through 0.2.0 and from 0.2.0).
\echo Use "ALTER EXTENSION topembed UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Trust: update only a schema that nobody else controls (as 0.1.0 -> 0.2.0;
-- since 0.2.0 the companion extension topembed_pgvector shares the schema)
--------------------------------------------------------------------------

-- Someone may have been given CREATE on schema topembed since it was
-- installed, and planted objects there that the new functions (or their
-- callers) would pick up.  Refuse to update until the schema is clean.
DO $guard$
DECLARE
    ns oid;
    owner_name name;
    owner_super boolean;
    foreign_objects text;
    creators text;
    ext oid;
    companion oid;
BEGIN
    SELECT e.oid INTO ext FROM pg_catalog.pg_extension e WHERE e.extname = 'topembed';
    -- the objects of the companion extension topembed_pgvector (0.2.0) live in
    -- this schema too; it is not trusted, so only a superuser (or the role
    -- updating, if it is its owner) can have created it
    SELECT e.oid INTO companion
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_roles r ON r.oid = e.extowner
    WHERE e.extname = 'topembed_pgvector' AND (r.rolsuper OR r.rolname = CURRENT_USER);
    SELECT n.oid, r.rolname, r.rolsuper INTO ns, owner_name, owner_super
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
    WHERE n.nspname = 'topembed';
    IF NOT owner_super AND owner_name <> CURRENT_USER THEN
        RAISE EXCEPTION 'schema "topembed" is owned by role "%", not by the role updating the extension or a superuser', owner_name
            USING ERRCODE = '42501',
                  DETAIL = 'Its owner could add objects to it that look like topembed''s own, and they would run with the rights of whoever calls them.',
                  HINT = 'Check what the schema holds, then give it to a superuser (ALTER SCHEMA topembed OWNER TO ...) and update again.';
    END IF;
    WITH RECURSIVE owned(classid, objid) AS (
        SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
        WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid IN (ext, companion) AND d.deptype = 'e'
        UNION
        SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
        JOIN owned o ON d.refclassid = o.classid AND d.refobjid = o.objid
        WHERE d.deptype IN ('i', 'a')
    )
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
                    WHERE e.extnamespace = ns AND e.oid <> ext AND e.oid IS DISTINCT FROM companion) x(classid, objid),
         LATERAL (SELECT i.type || ' ' || i.identity FROM pg_catalog.pg_identify_object(x.classid, x.objid, 0) i) o(what)
    WHERE NOT EXISTS (SELECT FROM owned w WHERE w.classid = x.classid AND w.objid = x.objid);
    IF foreign_objects IS NOT NULL THEN
        RAISE EXCEPTION 'schema "topembed" holds objects that are not part of the extension'
            USING ERRCODE = '42501',
                  DETAIL = 'It holds: ' || foreign_objects || '. Someone may have planted them to be called instead of topembed''s own.',
                  HINT = 'Check who made them, drop them or move them out (ALTER ... SET SCHEMA), and update again.';
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
                  HINT = 'Revoke it (REVOKE CREATE ON SCHEMA topembed FROM ' || creators || '), check the schema for objects they made, and update again.';
    END IF;
END
$guard$;

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

--------------------------------------------------------------------------
-- Persistence estimate: what persistence needs, known before it runs (0.3.0)
--------------------------------------------------------------------------

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
-- Diagram summaries and distances: the matchings behind the distances (0.3.0)
--------------------------------------------------------------------------

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

-- zero_shot_state: the storable, mergeable state of zero_shot

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

-- uniformity of a stored point sample

CREATE FUNCTION topembed.uniformity(sample topembed.point_sample, t double precision DEFAULT 2)
RETURNS double precision
AS 'MODULE_PATHNAME', 'topembed_uniformity_of_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION topembed.uniformity(topembed.point_sample, double precision) IS
'uniformity of Wang and Isola 2020 over a stored point sample''s points, L2-normalised: exact over the sample, so a sample that kept every row gives uniformity(embedding, t) bit for bit';

-- diagrams and barcodes with one pair highlighted

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
