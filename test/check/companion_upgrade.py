"""The companion extension topembed_pgvector, updated from release 0.2.0.

A database with pgvector, topembed 0.2.0 and topembed_pgvector 0.2.0 (both
scripts from the git history, tag v0.2.0) keeps a table of vector columns;
then ALTER EXTENSION topembed UPDATE and ALTER EXTENSION topembed_pgvector
UPDATE, as a user who installs the new package does.  Checked: the 0.2.0
overloads answer through the new library before the update and the same after
it, and the companion's objects then equal those of a fresh CREATE EXTENSION
topembed_pgvector (every function's definition, every aggregate's support
functions and state, every comment).  pgvector is built from
../shared/vendor/pgvector when the server lacks it; without it, or without the
git history, the test skips with the reason.  Prints TAP lines.
"""
import difflib

from telib import ReleaseScripts, connect, done, fresh_db, ok, pgvector_available

DB, FRESH = "te_companion_upgrade", "te_companion_fresh"
RELEASE_FILES = ["sql/topembed--0.2.0.sql", "pgvector/topembed_pgvector--0.2.0.sql"]

# sample calls of 0.2.0's overloads over a deterministic vector table
CALLS = [
    "SELECT topembed.modality_gap(i, t) FROM app.vp",
    "SELECT topembed.modality_gap(i::halfvec, t::halfvec) FROM app.vp",
    "SELECT topembed.modality_gap(e, is_image) FROM (SELECT i AS e, true AS is_image FROM app.vp "
    "UNION ALL SELECT t, false FROM app.vp) x",
    "SELECT topembed.spectrum(topembed.moments(i)) FROM app.vp",
    "SELECT topembed.spectral_collapse(t::halfvec) FROM app.vp",
    "SELECT topembed.persistence(i, 1, 'cosine') FROM app.vp",
    "SELECT topembed.persistence(i::sparsevec, 0, 'euclidean') FROM app.vp",
    "SELECT id, topembed.check_embedding(i, 8), topembed.check_embedding(i, 7) FROM app.vp ORDER BY id",
]

# what makes the companion's objects: one line per member, with its
# definition (functions), its support functions and state (aggregates) and
# its comment
CATALOGUE = """
SELECT i.type || ' ' || i.identity || ' | ' ||
       coalesce(CASE WHEN d.classid = 'pg_proc'::regclass THEN
                    (SELECT CASE WHEN p.prokind = 'a' THEN
                                (SELECT concat_ws(' ', a.aggtransfn::regprocedure, a.aggfinalfn, a.aggcombinefn,
                                                  a.aggserialfn, a.aggdeserialfn, a.aggtranstype::regtype,
                                                  a.agginitval, a.aggfinalmodify, p.proparallel)
                                 FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                            ELSE pg_get_functiondef(p.oid) END
                     FROM pg_proc p WHERE p.oid = d.objid) END, '') || ' | ' ||
       coalesce(obj_description(d.objid, d.classid::regclass::text), '')
FROM pg_depend d, LATERAL pg_identify_object(d.classid, d.objid, 0) i
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed_pgvector')
ORDER BY 1
"""


def rows(cur, sql):
    cur.execute(sql)
    return [list(r) for r in cur.fetchall()]


def main():
    admin = connect()
    why = pgvector_available(admin)
    if why:
        ok(True, "the companion's update from 0.2.0 # SKIP %s" % why)
        return done()
    with ReleaseScripts(admin, "0.2.0", RELEASE_FILES) as have:
        if not have:
            ok(True, "the companion's update from 0.2.0 # SKIP no git history (tag v0.2.0) to read its scripts from")
            return done()
        admin.cursor().execute("DROP DATABASE IF EXISTS %s" % DB)
        admin.cursor().execute("CREATE DATABASE %s" % DB)
        conn = connect(DB)
        cur = conn.cursor()
        cur.execute("CREATE EXTENSION vector")
        cur.execute("CREATE EXTENSION topembed VERSION '0.2.0'")
        cur.execute("CREATE EXTENSION topembed_pgvector VERSION '0.2.0'")
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed_pgvector'")
        ok(cur.fetchone()[0] == "0.2.0", "CREATE EXTENSION topembed_pgvector VERSION '0.2.0' from release 0.2.0's script")
        cur.execute("CREATE SCHEMA app")
        cur.execute("""CREATE TABLE app.vp AS
                       SELECT g AS id,
                              array(SELECT sin(g * 7 + k) FROM generate_series(1, 8) k)::real[]::vector AS i,
                              array(SELECT cos(g * 3 + k) + 0.5 FROM generate_series(1, 8) k)::real[]::vector AS t
                       FROM generate_series(1, 60) g""")
        cur.execute("SET max_parallel_workers_per_gather = 0")
        before, failed = [], []
        for sql in CALLS:
            try:
                before.append(rows(cur, sql))
            except Exception as e:   # psycopg2.Error: the call is reported, the rest go on
                failed.append("%s: %s" % (sql, str(e).strip().splitlines()[0]))
                before.append(None)
        ok(not failed, "all %d sample calls of 0.2.0's overloads answer through the new library" % len(CALLS),
           "\n".join(failed))

        cur.execute("ALTER EXTENSION topembed UPDATE")
        cur.execute("ALTER EXTENSION topembed_pgvector UPDATE")
        cur.execute("SELECT extname, extversion, default_version FROM pg_extension e "
                    "JOIN pg_available_extensions a ON a.name = e.extname "
                    "WHERE extname IN ('topembed', 'topembed_pgvector') ORDER BY 1")
        got = cur.fetchall()
        ok(len(got) == 2 and all(v == d for _, v, d in got),
           "both extensions are at their default version after ALTER EXTENSION UPDATE: %s" % got)
        changed = [sql for sql, b in zip(CALLS, before) if b is not None and rows(cur, sql) != b]
        ok(not changed, "the sample calls give the same results after the update", "\n".join(changed))
        updated = [r[0] for r in rows(cur, CATALOGUE)]
        conn.close()

    fconn = fresh_db(FRESH)   # with topembed
    fcur = fconn.cursor()
    fcur.execute("CREATE EXTENSION vector")
    fcur.execute("CREATE EXTENSION topembed_pgvector")
    fresh = [r[0] for r in rows(fcur, CATALOGUE)]
    fconn.close()
    diff = list(difflib.unified_diff(fresh, updated, "fresh", "0.2.0 + ALTER EXTENSION UPDATE", lineterm="", n=0))
    ok(not diff and len(fresh) > 60,
       "the updated companion's %d objects equal a fresh CREATE EXTENSION topembed_pgvector "
       "(definitions, aggregates' support functions and states, comments)" % len(fresh),
       "\n".join(diff[:80]))
    # a control: the comparison sees a changed comment
    fconn = connect(FRESH)
    fcur = fconn.cursor()
    fcur.execute("COMMENT ON FUNCTION topembed.check_embedding(vector, int) IS 'changed'")
    ok([r[0] for r in rows(fcur, CATALOGUE)] != fresh, "the comparison notices a changed comment (control)")
    fconn.close()
    for name in (DB, FRESH):
        admin.cursor().execute("DROP DATABASE IF EXISTS %s" % name)
    admin.close()
    done()


main()
