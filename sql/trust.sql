-- Trust: a snapshot runs no code, with the caller's rights, whose owner the
-- caller does not trust (itself or a superuser).  Each attack below would
-- make regress_te_alice a superuser if the superuser's snapshot ran it.
SET search_path = public, topembed;
CREATE ROLE regress_te_alice;
CREATE SCHEMA te_alice AUTHORIZATION regress_te_alice;
GRANT USAGE ON SCHEMA topembed TO regress_te_alice;
SET ROLE regress_te_alice;
-- the payload: any function of alice's that runs as a superuser promotes her
CREATE FUNCTION te_alice.promote() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ALTER ROLE regress_te_alice SUPERUSER;
END
$$;
CREATE TABLE te_alice.plain AS
SELECT pair_id, image AS emb, CASE WHEN pair_id % 2 = 0 THEN 'image' ELSE 'text' END AS modality
FROM synthetic_pairs(60, 8, 0.8, 1);

-- 1. her own type with a plpgsql cast to real[]
CREATE TYPE te_alice.vec AS (v real[]);
CREATE FUNCTION te_alice.vec_to_real(x te_alice.vec) RETURNS real[] LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN x.v;
END
$$;
CREATE CAST (te_alice.vec AS real[]) WITH FUNCTION te_alice.vec_to_real(te_alice.vec);
CREATE TABLE te_alice.items AS SELECT pair_id, ROW(emb)::te_alice.vec AS emb, modality FROM te_alice.plain;

-- 2. a view whose query calls her function
CREATE FUNCTION te_alice.clean(e real[]) RETURNS real[] LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN e;
END
$$;
CREATE VIEW te_alice.items_view AS SELECT pair_id, te_alice.clean(emb) AS emb, modality FROM te_alice.plain;
-- ... or hides it in an operator, an aggregate, a domain check, or a nested view
CREATE FUNCTION te_alice.eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN a = b;
END
$$;
CREATE OPERATOR te_alice.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = te_alice.eq);
CREATE VIEW te_alice.op_view AS SELECT emb, modality FROM te_alice.plain WHERE modality OPERATOR(te_alice.===) modality;
CREATE FUNCTION te_alice.ok(a boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN a;
END
$$;
CREATE DOMAIN te_alice.checked AS text CHECK (te_alice.ok(VALUE IS NOT NULL));
CREATE VIEW te_alice.domain_view AS SELECT emb, modality::te_alice.checked AS modality FROM te_alice.plain;
CREATE FUNCTION te_alice.pick(s real[], e real[]) RETURNS real[] LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN e;
END
$$;
CREATE AGGREGATE te_alice.last_emb(real[]) (SFUNC = te_alice.pick, STYPE = real[]);
CREATE VIEW te_alice.agg_view AS SELECT pair_id, te_alice.last_emb(emb) AS emb FROM te_alice.plain GROUP BY pair_id;
CREATE VIEW te_alice.nested_view AS SELECT * FROM te_alice.items_view;

-- 3. row-level security policies whose functions run as the reader
CREATE FUNCTION te_alice.allow() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN true;
END
$$;
CREATE TABLE te_alice.guarded AS SELECT * FROM te_alice.plain;
ALTER TABLE te_alice.guarded ENABLE ROW LEVEL SECURITY;
ALTER TABLE te_alice.guarded FORCE ROW LEVEL SECURITY;
CREATE POLICY everyone ON te_alice.guarded USING (te_alice.allow());
CREATE VIEW te_alice.guarded_view AS SELECT * FROM te_alice.guarded;

-- 4. the modality column's cast to text
CREATE TYPE te_alice.mod AS (m text);
CREATE FUNCTION te_alice.mod_to_text(x te_alice.mod) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM te_alice.promote();
    RETURN x.m;
END
$$;
CREATE CAST (te_alice.mod AS text) WITH FUNCTION te_alice.mod_to_text(te_alice.mod);
CREATE TABLE te_alice.mod_items AS SELECT emb, ROW(modality)::te_alice.mod AS modality FROM te_alice.plain;
RESET ROLE;

-- the superuser's snapshots refuse every one, naming the function and its owner
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.items', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.items_view', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.op_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.domain_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.agg_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.nested_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.guarded_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.mod_items', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_te_alice';
SELECT count(*) AS runs FROM runs;
-- untrusted_code lists what a source would run, without reading it
SELECT * FROM untrusted_code('te_alice.nested_view');
SELECT * FROM untrusted_code('te_alice.agg_view');
SELECT * FROM untrusted_code('te_alice.domain_view');
SELECT * FROM untrusted_code('te_alice.guarded_view');
SELECT count(*) AS plain_table_runs_nothing FROM untrusted_code('te_alice.plain');

-- a superuser bypasses row-level security: reading the table itself runs no policy
SELECT snapshot('guarded', 'te_alice.guarded', embedding_column => 'emb', sample => 20) > 0 AS snapshot_of_table_with_policy;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_te_alice';

-- code of a superuser is trusted; so is a role's own code, run by itself
CREATE FUNCTION te_test.clean(e real[]) RETURNS real[] LANGUAGE sql IMMUTABLE AS 'SELECT e';
CREATE VIEW te_test.trusted_view AS SELECT te_test.clean(emb) AS emb, modality FROM te_alice.plain;
SELECT snapshot('trusted view', 'te_test.trusted_view', embedding_column => 'emb', modality_column => 'modality', sample => 20) > 0 AS superuser_code;
GRANT SELECT, INSERT ON runs, run_gap, run_spectra, run_diagrams, run_drift TO regress_te_alice;
GRANT SELECT, INSERT, UPDATE ON labels TO regress_te_alice;
GRANT USAGE ON SEQUENCE runs_run_id_seq TO regress_te_alice;
SET ROLE regress_te_alice;
CREATE FUNCTION te_alice.harmless(e real[]) RETURNS real[] LANGUAGE sql IMMUTABLE AS 'SELECT e';
CREATE VIEW te_alice.own_view AS SELECT te_alice.harmless(emb) AS emb, modality FROM te_alice.plain;
SELECT snapshot('own view', 'te_alice.own_view', embedding_column => 'emb', modality_column => 'modality', sample => 20) > 0 AS own_code;
RESET ROLE;
-- ... but another role's code, run by her, is refused the same way
CREATE ROLE regress_te_bob;
GRANT USAGE ON SCHEMA te_alice TO regress_te_bob;
SET ROLE regress_te_alice;
GRANT SELECT ON te_alice.own_view TO regress_te_bob;
RESET ROLE;
GRANT USAGE ON SCHEMA topembed TO regress_te_bob;
GRANT SELECT, INSERT ON runs, run_gap, run_spectra, run_diagrams, run_drift TO regress_te_bob;
GRANT SELECT, INSERT, UPDATE ON labels TO regress_te_bob;
GRANT USAGE ON SEQUENCE runs_run_id_seq TO regress_te_bob;
GRANT USAGE ON SCHEMA te_test TO regress_te_bob;
SET ROLE regress_te_bob;
SELECT te_test.err($$SELECT topembed.snapshot('x', 'te_alice.own_view', embedding_column => 'emb')$$);
RESET ROLE;

-- a domain over real[] is an embedding column; its check never runs on read
SET ROLE regress_te_alice;
CREATE FUNCTION te_alice.unit_ok(e real[]) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> 'regress_te_alice' THEN
        RAISE EXCEPTION 'the domain check ran as %', current_user;
    END IF;
    RETURN e IS NOT NULL;
END
$$;
CREATE DOMAIN te_alice.unit AS real[] CHECK (te_alice.unit_ok(VALUE));
CREATE TABLE te_alice.dom_items AS SELECT emb::te_alice.unit AS emb FROM te_alice.plain;
RESET ROLE;
SELECT snapshot('domain column', 'te_alice.dom_items', embedding_column => 'emb', sample => 20) > 0 AS domain_column;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_te_alice';

-- the source must be readable as a whole, and be a relation that holds rows
CREATE SEQUENCE te_test.seq;
SELECT te_test.err($$SELECT snapshot('x', 'te_test.seq', embedding_column => 'emb')$$);
SET ROLE regress_te_bob;
SELECT te_test.err($$SELECT topembed.snapshot('x', 'te_alice.plain', embedding_column => 'emb')$$);
RESET ROLE;

-- 5. Code whose owner the caller trusts can still run code it did not write:
-- a view is its owner's code, whatever functions it calls.  Hers call
-- built-ins of a superuser's that run any query (query_to_xml), or read
-- with the reader's rights what she may not read (security_invoker).
SET ROLE regress_te_alice;
CREATE FUNCTION te_alice.promote_if_superuser() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('is_superuser') = 'on' THEN
        PERFORM te_alice.promote();
    END IF;
    RETURN true;
END
$$;
CREATE VIEW te_alice.xml_view AS
SELECT p.emb, p.modality FROM te_alice.plain p, LATERAL query_to_xml('SELECT te_alice.promote_if_superuser()', false, false, '') x;
CREATE VIEW te_alice.invoker_view WITH (security_invoker) AS
SELECT ARRAY[length(a.rolname), length(coalesce(a.rolpassword, ''))]::real[] AS emb FROM pg_authid a;
-- 6. The planner evaluates immutable functions with constant arguments in
-- the indexes, constraints and statistics of every table a query reads,
-- with the reader's rights, before any row is read.
CREATE FUNCTION te_alice.always() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN te_alice.promote_if_superuser();
END
$$;
CREATE TABLE te_alice.idx_pred AS SELECT * FROM te_alice.plain;
CREATE INDEX ON te_alice.idx_pred (pair_id) WHERE te_alice.always();
CREATE TABLE te_alice.idx_expr AS SELECT * FROM te_alice.plain;
CREATE INDEX ON te_alice.idx_expr ((pair_id + te_alice.always()::int));
CREATE TABLE te_alice.stats AS SELECT * FROM te_alice.plain;
CREATE STATISTICS te_alice.stats_expr ON ((pair_id + te_alice.always()::int)) FROM te_alice.stats;
-- ... of inheritance children and partitions too, which a query of the parent reads
CREATE TABLE te_alice.parent (pair_id integer, emb real[], modality text);
CREATE TABLE te_alice.kid (CHECK (te_alice.always())) INHERITS (te_alice.parent);
INSERT INTO te_alice.kid SELECT * FROM te_alice.plain;
CREATE TABLE te_alice.parted (pair_id integer, emb real[], modality text) PARTITION BY RANGE (pair_id);
CREATE TABLE te_alice.part1 PARTITION OF te_alice.parted FOR VALUES FROM (0) TO (1000);
CREATE INDEX ON te_alice.part1 (pair_id) WHERE te_alice.always();
INSERT INTO te_alice.parted SELECT * FROM te_alice.plain;
-- ... and of materialized views
CREATE MATERIALIZED VIEW te_alice.mat_idx AS SELECT * FROM te_alice.plain;
CREATE INDEX ON te_alice.mat_idx (pair_id) WHERE te_alice.always();
CREATE MATERIALIZED VIEW te_alice.mat_plain AS SELECT * FROM te_alice.plain;
-- 7. A type's owner can change it while a snapshot runs: add a check to a
-- domain, or replace a cast (here one that needs no function at all yet)
CREATE DOMAIN te_alice.label_text AS text;
CREATE TYPE te_alice.vec_text AS ENUM ('{1,2}', '{2,1}');
CREATE CAST (te_alice.vec_text AS real[]) WITH INOUT;
CREATE TABLE te_alice.enum_vecs AS SELECT (CASE WHEN pair_id % 2 = 0 THEN '{1,2}' ELSE '{2,1}' END)::te_alice.vec_text AS emb
FROM te_alice.plain;
-- ... while an enum without a cast to text is read through its own text form
CREATE TYPE te_alice.kind AS ENUM ('image', 'text');
CREATE TABLE te_alice.enum_kinds AS SELECT emb, modality::te_alice.kind AS modality FROM te_alice.plain;
-- 8. A row-level security policy is its table owner's code, run by the
-- reader; a writer role reading her table runs it
CREATE TABLE te_alice.open_policy AS SELECT * FROM te_alice.plain;
ALTER TABLE te_alice.open_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON te_alice.open_policy USING (query_to_xml('SELECT 1', false, false, '') IS NOT NULL);
GRANT SELECT ON te_alice.open_policy, te_alice.plain TO regress_te_bob;
RESET ROLE;
CREATE VIEW te_test.label_view AS SELECT emb, modality::te_alice.label_text AS modality FROM te_alice.plain;
-- 9. However deep the code is hidden, and however many ways lead to it
DO $$
BEGIN
    EXECUTE 'CREATE VIEW te_test.chain1 AS SELECT te_alice.clean(emb) AS emb FROM te_alice.plain';
    FOR i IN 2 .. 120 LOOP
        EXECUTE format('CREATE VIEW te_test.chain%s AS SELECT emb FROM te_test.chain%s', i, i - 1);
    END LOOP;
END
$$;
SET ROLE regress_te_alice;
DO $$
BEGIN
    CREATE VIEW te_alice.a0 AS SELECT emb FROM te_alice.plain;
    CREATE VIEW te_alice.b0 AS SELECT emb FROM te_alice.plain;
    FOR i IN 1 .. 30 LOOP
        EXECUTE format('CREATE VIEW te_alice.a%s AS SELECT x.emb FROM te_alice.a%s x, te_alice.b%s y WHERE false', i, i - 1, i - 1);
        EXECUTE format('CREATE VIEW te_alice.b%s AS SELECT y.emb FROM te_alice.a%s x, te_alice.b%s y WHERE false', i, i - 1, i - 1);
    END LOOP;
END
$$;
RESET ROLE;

SELECT te_test.err($$SELECT snapshot('x', 'te_alice.xml_view', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.invoker_view', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.idx_pred', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.idx_expr', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.stats', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.parent', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.parted', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.mat_idx', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.mat_plain', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_test.label_view', embedding_column => 'emb', modality_column => 'modality')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.enum_vecs', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT snapshot('x', 'te_test.chain120', embedding_column => 'emb')$$);
SET statement_timeout = '20s';
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.a30', embedding_column => 'emb')$$);
RESET statement_timeout;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_te_alice';
SELECT count(*) AS runs FROM runs;
SELECT * FROM untrusted_code('te_alice.xml_view');
SELECT * FROM untrusted_code('te_alice.parted');
SELECT * FROM untrusted_code('te_alice.parent');
SELECT * FROM untrusted_code('te_test.label_view');
SELECT count(*) AS objects_of_a30, count(DISTINCT objid) FILTER (WHERE classid = 'pg_class'::regclass) AS relations_of_a30
FROM source_objects('te_alice.a30');
-- source_objects also lists the relations read, trusted or not
SELECT object, owner, found_in FROM source_objects('te_alice.parted') WHERE classid = 'pg_class'::regclass ORDER BY 1;

-- her plain table, and her enum modality (no cast), are read: under a lock
-- that keeps her from adding code while the snapshot runs
BEGIN;
SELECT snapshot('enum kinds', 'te_alice.enum_kinds', embedding_column => 'emb', modality_column => 'modality', sample => 20) > 0 AS enum_modality;
SELECT relation::regclass AS locked, mode FROM pg_locks
WHERE locktype = 'relation' AND pid = pg_backend_pid() AND relation = 'te_alice.enum_kinds'::regclass ORDER BY mode;
COMMIT;
SELECT n_image, n_text FROM runs WHERE label = 'enum kinds';
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_te_alice';

-- a writer role: her policy is refused; her table needs a lock the writer
-- may take only with a write privilege on it
SET ROLE regress_te_bob;
SELECT te_test.err($$SELECT topembed.snapshot('x', 'te_alice.open_policy', embedding_column => 'emb')$$);
SELECT te_test.err($$SELECT topembed.snapshot('x', 'te_alice.plain', embedding_column => 'emb')$$);
RESET ROLE;
SET ROLE regress_te_alice;
GRANT UPDATE ON te_alice.plain TO regress_te_bob;
RESET ROLE;
SET ROLE regress_te_bob;
SELECT topembed.snapshot('bob reads alice', 'te_alice.plain', embedding_column => 'emb', sample => 20) > 0 AS writer_with_update;
RESET ROLE;

-- a caller whose name needs quoting is recognised as itself: its own forced
-- policy is its own code
CREATE ROLE "Regress_TE_Carol";
GRANT USAGE ON SCHEMA topembed TO "Regress_TE_Carol";
GRANT SELECT, INSERT ON runs, run_gap, run_spectra, run_diagrams, run_drift TO "Regress_TE_Carol";
GRANT SELECT, INSERT, UPDATE ON labels TO "Regress_TE_Carol";
GRANT USAGE ON SEQUENCE runs_run_id_seq TO "Regress_TE_Carol";
CREATE SCHEMA te_carol AUTHORIZATION "Regress_TE_Carol";
SET ROLE "Regress_TE_Carol";
CREATE TABLE te_carol.own AS SELECT image AS emb FROM topembed.synthetic_pairs(40, 8, 0.8, 2);
ALTER TABLE te_carol.own ENABLE ROW LEVEL SECURITY;
ALTER TABLE te_carol.own FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON te_carol.own USING (true);
SELECT count(*) AS carol_untrusted FROM untrusted_code('te_carol.own');
SELECT snapshot('carol', 'te_carol.own', embedding_column => 'emb', sample => 20) > 0 AS quoted_role_name;
RESET ROLE;
DROP SCHEMA te_carol CASCADE;
REVOKE ALL ON ALL TABLES IN SCHEMA topembed FROM "Regress_TE_Carol";
REVOKE ALL ON SEQUENCE runs_run_id_seq FROM "Regress_TE_Carol";
REVOKE ALL ON SCHEMA topembed FROM "Regress_TE_Carol";
DROP ROLE "Regress_TE_Carol";

-- a foreign table or server of hers is refused before anything connects
CREATE EXTENSION postgres_fdw;
GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO regress_te_alice;
SET ROLE regress_te_alice;
CREATE SERVER te_alice_server FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/nonexistent', dbname 'nowhere');
CREATE FOREIGN TABLE te_alice.remote (emb real[]) SERVER te_alice_server;
RESET ROLE;
SELECT te_test.err($$SELECT snapshot('x', 'te_alice.remote', embedding_column => 'emb')$$);
SELECT * FROM untrusted_code('te_alice.remote');
DROP SERVER te_alice_server CASCADE;
DROP EXTENSION postgres_fdw;
DO $$
BEGIN
    FOR i IN REVERSE 120 .. 1 LOOP
        EXECUTE format('DROP VIEW te_test.chain%s', i);
    END LOOP;
END
$$;
DROP VIEW te_test.label_view;

SELECT label, source, n_rows FROM runs ORDER BY run_id;
TRUNCATE runs CASCADE;
TRUNCATE labels;
DROP VIEW te_test.trusted_view;
SET client_min_messages = warning;
DROP SCHEMA te_alice CASCADE;
RESET client_min_messages;
DROP FUNCTION te_test.clean(real[]);
DROP SEQUENCE te_test.seq;
REVOKE ALL ON ALL TABLES IN SCHEMA topembed FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SEQUENCE runs_run_id_seq FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SCHEMA topembed FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SCHEMA te_test FROM regress_te_bob;
DROP ROLE regress_te_alice;
DROP ROLE regress_te_bob;
