-- the extension installs into its own schema, and every object is documented
CREATE EXTENSION topembed;
SELECT e.extname, e.extversion, n.nspname, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'topembed';

-- members of the extension without a COMMENT (expect none)
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS undocumented
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed')
  AND d.deptype = 'e'
  AND obj_description(d.objid, d.classid::regclass::text) IS NULL
ORDER BY 1;

-- every member lives in schema topembed (functions, types, tables, views)
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS outside_schema
FROM pg_depend d
LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed')
  AND d.deptype = 'e'
  AND coalesce(p.pronamespace, t.typnamespace, c.relnamespace) <> 'topembed'::regnamespace
ORDER BY 1;

-- every aggregate is parallel safe and has a combine function
SELECT p.oid::regprocedure AS aggregate, p.proparallel, a.aggcombinefn <> 0 AS has_combine
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'topembed'::regnamespace
  AND (p.proparallel <> 's' OR a.aggcombinefn = 0)
ORDER BY 1;

-- GUCs are all topembed.* and documented by their short description
SELECT name, short_desc IS NOT NULL AS described
FROM pg_settings WHERE name LIKE 'topembed.%' ORDER BY name;

-- a helper for the other test files: run a statement, report SQLSTATE,
-- message, detail and hint instead of failing
CREATE SCHEMA te_test;
CREATE FUNCTION te_test.err(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg
        || CASE WHEN det <> '' THEN ' | DETAIL: ' || det ELSE '' END
        || CASE WHEN hint <> '' THEN ' | HINT: ' || hint ELSE '' END;
END
$$;
