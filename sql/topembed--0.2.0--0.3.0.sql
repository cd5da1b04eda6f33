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

