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

SELECT label, source, n_rows FROM runs ORDER BY run_id;
TRUNCATE runs CASCADE;
TRUNCATE labels;
DROP VIEW te_test.trusted_view;
DROP SCHEMA te_alice CASCADE;
DROP FUNCTION te_test.clean(real[]);
DROP SEQUENCE te_test.seq;
REVOKE ALL ON ALL TABLES IN SCHEMA topembed FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SEQUENCE runs_run_id_seq FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SCHEMA topembed FROM regress_te_alice, regress_te_bob;
REVOKE ALL ON SCHEMA te_test FROM regress_te_bob;
DROP ROLE regress_te_alice;
DROP ROLE regress_te_bob;
