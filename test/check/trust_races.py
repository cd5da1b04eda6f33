"""A snapshot's trust check holds for the whole snapshot, not only when it
is made.

A superuser snapshots alice's table while alice changes what reading it
runs: between the check and the later queries of the snapshot (the spectra
and persistence phases plan their queries again), she adds an index whose
predicate, statistics whose expression, or an inheritance child whose index
calls her IMMUTABLE function (the planner evaluates it with the superuser's
rights), or a cast from her enum modality column to text.  To make the
window certain, the superuser's own view over her table waits, during the
snapshot's first scan, for an advisory lock the test holds; alice acts, then
the test lets the snapshot go on.  None of it may run alice's code: her DDL
waits for the snapshot to commit (the snapshot locks a table that another
role owns against it), and a cast she adds is never used.

Under REPEATABLE READ the snapshot's catalog queries see the catalogs as
its transaction began, while the planner sees them as they are: an index
alice added in between would escape every check.  Such a snapshot refuses
her tables, and a source created after the transaction began is a
serialization failure."""
import threading
import time

import psycopg2

from telib import connect, done, fresh_db, ok

DB = "te_trust_races"
ALICE = "te_race_alice"
GATE = 7341


def as_alice():
    c = psycopg2.connect(dbname=DB, user=ALICE)
    c.autocommit = True
    return c


def wait_for(cur, pid, event, timeout=30):
    """Wait until backend pid waits on a lock of that wait_event; True if it does."""
    for _ in range(timeout * 20):
        cur.execute("SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", (pid,))
        row = cur.fetchone()
        if row and row[0] == "Lock" and row[1] == event:
            return True
        time.sleep(0.05)
    return False


def in_thread(connect_fn, sql, out):
    """Run sql in its own session; out gets pid, rows or error."""
    def run():
        c = connect_fn()
        k = c.cursor()
        k.execute("SELECT pg_backend_pid()")
        out["pid"] = k.fetchone()[0]
        try:
            k.execute(sql)
            out["rows"] = k.fetchall() if k.description else []
        except psycopg2.Error as e:
            out["error"] = (e.pgcode, e.diag.message_primary)
        c.close()
    t = threading.Thread(target=run)
    t.start()
    for _ in range(200):
        if "pid" in out:
            break
        time.sleep(0.05)
    return t


def alice_is_superuser(cur):
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (ALICE,))
    return cur.fetchone()[0]


def race(cur, name, setup, attack, call):
    """setup: alice's objects in schema r (as alice); the superuser's gate
    view r_gate over r.src; attack: alice's DDL while the snapshot waits."""
    cur.execute("ALTER ROLE %s NOSUPERUSER" % ALICE)
    cur.execute("DROP VIEW IF EXISTS public.r_gate")
    cur.execute("DROP SCHEMA IF EXISTS r CASCADE")
    cur.execute("CREATE SCHEMA r AUTHORIZATION %s" % ALICE)
    a = as_alice()
    ka = a.cursor()
    ka.execute(setup)
    a.close()
    cur.execute("CREATE VIEW public.r_gate AS SELECT s.* FROM r.src s, "
                "LATERAL (SELECT pg_catalog.pg_advisory_xact_lock_shared(%d)) g" % GATE)
    cur.execute("SELECT count(*) FROM topembed.untrusted_code('public.r_gate')")
    ok(cur.fetchone()[0] == 0, "%s: the source runs no untrusted code when the snapshot checks it" % name)

    gate = connect(DB)
    gate.cursor().execute("SELECT pg_advisory_lock(%d)" % GATE)
    snap = {}
    ts = in_thread(lambda: connect(DB), call, snap)
    paused = wait_for(cur, snap.get("pid"), "advisory")
    ok(paused, "%s: the snapshot passed its checks and waits in its first scan" % name)
    ddl = {}
    td = in_thread(as_alice, attack, ddl)
    # alice's DDL either waits for the snapshot's lock or goes through
    blocked = False
    for _ in range(100):
        if "rows" in ddl or "error" in ddl:
            break
        cur.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (ddl.get("pid"),))
        row = cur.fetchone()
        if row and row[0] == "Lock":
            blocked = True
            break
        time.sleep(0.05)
    gate.cursor().execute("SELECT pg_advisory_unlock(%d)" % GATE)
    gate.close()
    ts.join()
    td.join()
    ok(not alice_is_superuser(cur), "%s: alice's code did not run as the superuser" % name)
    ok("rows" in snap, "%s: the snapshot completes (%s)" % (name, snap.get("error")))
    return snap, blocked, ddl


def repeatable_read(cur):
    """The superuser's REPEATABLE READ transaction begins; alice then adds
    an index calling her function to her table; the transaction snapshots it."""
    cur.execute("ALTER ROLE %s NOSUPERUSER" % ALICE)
    cur.execute("DROP VIEW IF EXISTS public.r_gate")
    cur.execute("DROP SCHEMA IF EXISTS r CASCADE")
    cur.execute("CREATE SCHEMA r AUTHORIZATION %s" % ALICE)
    a = as_alice()
    a.cursor().execute("CREATE TABLE r.src AS SELECT pair_id, image, text FROM topembed.synthetic_pairs(80, 8, 0.7, 3)")
    su = connect(DB)
    su.autocommit = False
    k = su.cursor()
    k.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    k.execute("SELECT count(*) FROM topembed.runs")  # the transaction's snapshot is taken here
    a.cursor().execute("CREATE INDEX ON r.src (pair_id) WHERE a.always()")
    a.cursor().execute("CREATE TABLE r.late AS SELECT image AS emb FROM topembed.synthetic_pairs(20, 8, 0.7, 3)")
    cur.execute("CREATE TABLE public.late AS SELECT image AS emb FROM topembed.synthetic_pairs(20, 8, 0.7, 3)")
    a.close()
    for source, args, want, what in [
            ("r.src", "image_column => 'image', text_column => 'text'", "42501",
             "her table, whose index it cannot see, is refused"),
            ("public.late", "embedding_column => 'emb'", "40001",
             "a table created after the transaction began is a serialization failure")]:
        try:
            k.execute("SAVEPOINT s")
            k.execute("SELECT topembed.snapshot('rr race', %%s, %s, sample => 20)" % args, (source,))
            code, msg = None, "a run was recorded"
        except psycopg2.Error as e:
            code, msg = e.pgcode, e.diag.message_primary
            k.execute("ROLLBACK TO SAVEPOINT s")
        ok(code == want, "REPEATABLE READ: %s (%s: %s)" % (what, code, msg))
    su.commit()  # whatever ran in it is kept, so that the check below sees it
    su.close()
    ok(not alice_is_superuser(cur), "REPEATABLE READ: alice's code did not run as the superuser")
    cur.execute("DROP TABLE public.late")


def main():
    admin = connect()
    k = admin.cursor()
    k.execute("DROP DATABASE IF EXISTS %s" % DB)
    k.execute("DROP ROLE IF EXISTS %s" % ALICE)
    k.execute("CREATE ROLE %s LOGIN" % ALICE)
    admin.close()
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("GRANT CREATE ON DATABASE %s TO %s" % (DB, ALICE))
    cur.execute("CREATE SCHEMA a AUTHORIZATION %s" % ALICE)
    cur.execute("GRANT USAGE ON SCHEMA topembed TO %s" % ALICE)
    a = as_alice()
    a.cursor().execute("""
        CREATE FUNCTION a.promote() RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('is_superuser') = 'on' THEN
                EXECUTE format('ALTER ROLE %I SUPERUSER', '""" + ALICE + """');
            END IF;
            RETURN true;
        END $$;
        CREATE FUNCTION a.always() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
            RETURN a.promote();
        END $$;
        CREATE TYPE a.kind AS ENUM ('image', 'text');
        CREATE FUNCTION a.kind_text(k a.kind) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM a.promote();
            RETURN pg_catalog.textin(pg_catalog.enum_out(k));
        END $$;""")
    a.close()
    pairs = ("CREATE TABLE r.src AS SELECT pair_id, image, text "
             "FROM topembed.synthetic_pairs(80, 8, 0.7, 3);")
    call = ("SELECT topembed.snapshot('race', 'public.r_gate', image_column => 'image', "
            "text_column => 'text', sample => 30)")

    snap, blocked, ddl = race(cur, "index race", pairs,
                              "CREATE INDEX ON r.src (pair_id) WHERE a.always()", call)
    ok(blocked and "rows" in ddl, "index race: alice's CREATE INDEX waited for the snapshot, then went through (%s)"
       % ddl.get("error"))

    snap, blocked, ddl = race(cur, "statistics race", pairs,
                              "CREATE STATISTICS r.st ON ((pair_id + a.always()::int)) FROM r.src", call)
    ok(blocked and "rows" in ddl, "statistics race: alice's CREATE STATISTICS waited for the snapshot (%s)"
       % ddl.get("error"))

    snap, blocked, ddl = race(cur, "child race",
                              pairs + " CREATE TABLE r.kid (LIKE r.src); "
                              "INSERT INTO r.kid SELECT * FROM r.src; "
                              "CREATE INDEX ON r.kid (pair_id) WHERE a.always();",
                              "ALTER TABLE r.kid INHERIT r.src", call)
    ok(blocked and "rows" in ddl, "child race: alice's ALTER TABLE ... INHERIT waited for the snapshot (%s)"
       % ddl.get("error"))
    if "rows" in snap:
        cur.execute("SELECT n_rows FROM topembed.runs WHERE run_id = %s", (snap["rows"][0][0],))
        ok(cur.fetchone()[0] == 80, "child race: the run read the table as it was, without the late child")

    snap, blocked, ddl = race(cur, "cast race",
                              "CREATE TABLE r.src AS SELECT image AS emb, "
                              "(CASE WHEN pair_id % 2 = 0 THEN 'image' ELSE 'text' END)::a.kind AS modality "
                              "FROM topembed.synthetic_pairs(80, 8, 0.7, 3);",
                              "CREATE CAST (a.kind AS text) WITH FUNCTION a.kind_text(a.kind)",
                              "SELECT topembed.snapshot('race', 'public.r_gate', embedding_column => 'emb', "
                              "modality_column => 'modality', sample => 30)")
    ok("rows" in ddl, "cast race: alice's CREATE CAST went through during the snapshot (%s)" % ddl.get("error"))
    if "rows" in snap:
        cur.execute("SELECT n_image, n_text FROM topembed.runs WHERE run_id = %s", (snap["rows"][0][0],))
        ok(cur.fetchone() == (40, 40), "cast race: the enum was compared by its own text form, not the new cast")
    cur.execute("SELECT count(*) FROM topembed.untrusted_code('public.r_gate')")
    ok(cur.fetchone()[0] == 0, "cast race: a cast from her type is no code the snapshot runs")

    repeatable_read(cur)

    cur.execute("ALTER ROLE %s NOSUPERUSER" % ALICE)
    conn.close()
    admin = connect()
    admin.cursor().execute("DROP DATABASE %s" % DB)
    admin.cursor().execute("DROP ROLE %s" % ALICE)
    admin.close()


main()
done()
