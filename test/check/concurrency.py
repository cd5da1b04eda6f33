"""Two snapshots at once do not interfere: concurrent snapshots of the same
and of different labels all succeed, get distinct run ids, record the same
figures as when run alone, and compute drift against a complete run.

Under load (8 pgbench clients on one label) the drift chain stays
consistent: every run's drift rows point to topembed.previous_run(run_id),
which is the label's run just before it, and no run lacks drift rows.  The
source is locked by OID: a rename-and-recreate or a drop-and-recreate in
another session while a snapshot starts gives either a consistent run of the
table it resolved or a clear error, never a mix of two tables.

Under REPEATABLE READ, snapshots of different labels never fail; under
SERIALIZABLE they fail only with serialization errors (predicate locks are
per index page, which the labels share), and every one succeeds when
retried."""
import os
import re
import subprocess
import tempfile
import threading
import time

import psycopg2

from telib import connect, done, fresh_db, ok, server_config

DB = "te_concurrency"
PGBENCH_SECONDS = int(os.environ.get("TE_PGBENCH_SECONDS", "20"))


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("CREATE TABLE cc AS SELECT * FROM topembed.synthetic_pairs(1500, 48, 0.6, 4)")
    cur.execute("SELECT topembed.snapshot('alone', 'cc', image_column => 'image', text_column => 'text', sample => 400)")
    alone = cur.fetchone()[0]

    results, errors = {}, []

    def worker(name, label):
        try:
            c = connect(DB)
            k = c.cursor()
            k.execute("SELECT topembed.snapshot(%s, 'cc', image_column => 'image', text_column => 'text', sample => 400)",
                      (label,))
            results[name] = k.fetchone()[0]
            c.close()
        except Exception as e:  # reported below
            errors.append("%s: %s" % (name, e))

    threads = [threading.Thread(target=worker, args=(n, l)) for n, l in
               [("a", "shared"), ("b", "shared"), ("c", "other"), ("d", "other")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok(not errors, "four concurrent snapshots all succeed", "; ".join(errors))
    ok(len(set(results.values())) == 4, "they get four distinct run ids: %s" % sorted(results.values()))

    cur.execute("""SELECT count(DISTINCT (g.gap, s.effective_rank, d.h1_classes)) FROM topembed.runs r
                   JOIN topembed.run_gap g USING (run_id)
                   JOIN topembed.run_spectra s ON s.run_id = r.run_id AND s.modality = 'image'
                   JOIN topembed.run_diagrams d ON d.run_id = r.run_id AND d.modality = 'image'""")
    ok(cur.fetchone()[0] == 1, "every run recorded the same figures as the run taken alone (run %d)" % alone)
    # a run taken afterwards compares with the latest complete run of its label
    cur.execute("SELECT topembed.snapshot('shared', 'cc', image_column => 'image', text_column => 'text', sample => 400)")
    after = cur.fetchone()[0]
    cur.execute("SELECT DISTINCT previous_run_id FROM topembed.run_drift WHERE run_id = %s", (after,))
    prevs = [r[0] for r in cur.fetchall()]
    ok(len(prevs) == 1 and prevs[0] in (results["a"], results["b"]),
       "a later run of label shared drifts against one of the concurrent runs (%s)" % prevs)
    cur.execute("""SELECT count(*) FROM topembed.run_drift d
                   WHERE NOT EXISTS (SELECT 1 FROM topembed.runs r WHERE r.run_id = d.previous_run_id)""")
    ok(cur.fetchone()[0] == 0, "no drift row points at a missing run")
    cur.execute("SELECT count(*) FROM topembed.runs")
    ok(cur.fetchone()[0] == 6, "exactly six runs recorded")

    pgbench_chain(conn)
    rename_race(conn)
    drop_race(conn)
    repeatable_read(conn)
    isolation_levels(conn)
    done()


def chain_problems(cur, label):
    """Runs of label whose drift rows or previous run break the chain."""
    cur.execute("""
        WITH r AS (SELECT run_id, previous_run_id,
                          lag(run_id) OVER (ORDER BY run_id) AS before
                   FROM topembed.runs WHERE label = %s)
        SELECT
          (SELECT count(*) FROM r WHERE r.previous_run_id IS DISTINCT FROM r.before),
          (SELECT count(*) FROM r WHERE r.before IS NOT NULL
             AND NOT EXISTS (SELECT FROM topembed.run_drift d WHERE d.run_id = r.run_id)),
          (SELECT count(*) FROM topembed.run_drift d JOIN r USING (run_id)
             WHERE d.previous_run_id IS DISTINCT FROM topembed.previous_run(d.run_id)),
          (SELECT count(*) FROM r)""", (label,))
    return cur.fetchone()


def pgbench_chain(conn):
    """8 pgbench clients snapshot one label (and a second one) for a while."""
    cur = conn.cursor()
    cur.execute("CREATE TABLE bench_src AS SELECT * FROM topembed.synthetic_pairs(60, 8, 0.7, 11)")
    pgbench = os.path.join(server_config(conn, "BINDIR"), "pgbench")
    with tempfile.TemporaryDirectory() as tmp:
        scripts = []
        for name, label in [("one.sql", "bench"), ("two.sql", "bench-two")]:
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write("SELECT topembed.snapshot('%s', 'public.bench_src', image_column => 'image', "
                        "text_column => 'text', sample => 20);\n" % label)
            scripts.append(path)
        r = subprocess.run([pgbench, "-n", "-c", "8", "-j", "2", "-T", str(PGBENCH_SECONDS),
                            "-f", scripts[0] + "@3", "-f", scripts[1] + "@1", DB],
                           capture_output=True, text=True)
    ok(r.returncode == 0, "pgbench: 8 clients snapshot two labels for %d s without an error" % PGBENCH_SECONDS,
       (r.stdout + r.stderr)[-2000:])
    for label in ("bench", "bench-two"):
        wrong_prev, no_drift, drift_elsewhere, runs = chain_problems(cur, label)
        ok(runs >= 10, "label %s: %d runs recorded under load" % (label, runs))
        ok(wrong_prev == 0, "label %s: every run's previous run is the run just before it (%d are not)"
           % (label, wrong_prev))
        ok(no_drift == 0, "label %s: no run but the first lacks drift rows (%d do)" % (label, no_drift))
        ok(drift_elsewhere == 0, "label %s: every drift row points to topembed.previous_run(run_id) (%d do not)"
           % (label, drift_elsewhere))
    cur.execute("""SELECT count(*) FROM topembed.labels l
                   WHERE l.last_run_id <> (SELECT max(r.run_id) FROM topembed.runs r WHERE r.label = l.label)""")
    ok(cur.fetchone()[0] == 0, "topembed.labels holds each label's latest run")


def wait_for_lock(conn, pid, timeout=30):
    """Wait until backend pid waits on a lock; True if it does."""
    cur = conn.cursor()
    for _ in range(timeout * 10):
        cur.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))
        row = cur.fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.1)
    return False


def snapshot_in_thread(label, source, out):
    """Start a snapshot in its own session; out gets pid, run id or error."""
    def run():
        c = connect(DB)
        k = c.cursor()
        k.execute("SELECT pg_backend_pid()")
        out["pid"] = k.fetchone()[0]
        try:
            k.execute("SELECT topembed.snapshot(%s, %s, embedding_column => 'emb', sample => 50)", (label, source))
            out["run"] = k.fetchone()[0]
        except psycopg2.Error as e:
            out["error"] = (e.pgcode, e.diag.message_primary)
        c.close()
    t = threading.Thread(target=run)
    t.start()
    for _ in range(100):
        if "pid" in out:
            break
        time.sleep(0.05)
    return t


def race(conn, statements, label, source):
    """Run statements in session 1's open transaction, start a snapshot of
    source in session 2, wait until it waits for session 1's lock, commit.
    Returns (whether it waited, the snapshot's outcome)."""
    s1 = connect(DB)
    s1.autocommit = False
    k1 = s1.cursor()
    for sql in statements:
        k1.execute(sql)
    out = {}
    t = snapshot_in_thread(label, source, out)
    waited = wait_for_lock(conn, out.get("pid"))
    s1.commit()
    t.join()
    s1.close()
    return waited, out


def rename_race(conn):
    """Session 1 renames src_swap away and creates a new src_swap in one
    transaction while session 2 snapshots src_swap."""
    cur = conn.cursor()
    cur.execute("CREATE TABLE src_swap AS SELECT image AS emb FROM topembed.synthetic_pairs(300, 16, 0.7, 12)")
    waited, out = race(conn, ["ALTER TABLE src_swap RENAME TO src_swap_old",
                              "CREATE TABLE src_swap AS SELECT image AS emb FROM topembed.synthetic_pairs(120, 24, 0.7, 13)"],
                       "swap", "src_swap")
    ok(waited, "rename race: the snapshot waits for the renaming transaction")
    ok("run" in out, "rename race: the snapshot completes (%s)" % out.get("error"))
    if "run" not in out:
        return
    cur.execute("""SELECT r.source, r.n_rows, r.dim, s.n, s.dim, d.n_points
                   FROM topembed.runs r JOIN topembed.run_spectra s USING (run_id)
                   JOIN topembed.run_diagrams d USING (run_id) WHERE r.run_id = %s""", (out["run"],))
    source, n_rows, dim, s_n, s_dim, n_points = cur.fetchone()
    ok(source == "public.src_swap_old", "rename race: the run records the table it read under its name now (%s)"
       % source)
    ok((n_rows, dim, s_n, s_dim, n_points) == (300, 16, 300, 16, 50),
       "rename race: rows, spectrum and diagram all come from that one table "
       "(rows %s, dim %s, spectrum n %s dim %s, diagram points %s)" % (n_rows, dim, s_n, s_dim, n_points))


def drop_race(conn):
    """Session 1 drops src_drop and creates a new one in one transaction
    while session 2 snapshots src_drop."""
    cur = conn.cursor()
    cur.execute("CREATE TABLE src_drop AS SELECT image AS emb FROM topembed.synthetic_pairs(200, 16, 0.7, 14)")
    cur.execute("SELECT count(*) FROM topembed.runs")
    before = cur.fetchone()[0]
    waited, out = race(conn, ["DROP TABLE src_drop",
                              "CREATE TABLE src_drop AS SELECT image AS emb FROM topembed.synthetic_pairs(90, 12, 0.7, 15)"],
                       "dropped", "src_drop")
    ok(waited, "drop race: the snapshot waits for the dropping transaction")
    code, msg = out.get("error", (None, None))
    ok(code == "42P01" and "was dropped before the snapshot could lock it" in (msg or ""),
       "drop race: the snapshot fails with 42P01 and says why (%s: %s)" % (code, msg))
    cur.execute("SELECT count(*) FROM topembed.runs")
    ok(cur.fetchone()[0] == before, "drop race: no run is recorded")


def isolation_levels(conn):
    """4 pgbench clients, each snapshotting its own label, under REPEATABLE
    READ and under SERIALIZABLE (pgbench retries serialization failures)."""
    pgbench = os.path.join(server_config(conn, "BINDIR"), "pgbench")
    seconds = max(4, PGBENCH_SECONDS // 4)
    with tempfile.TemporaryDirectory() as tmp:
        for level in ("REPEATABLE READ", "SERIALIZABLE"):
            path = os.path.join(tmp, "iso.sql")
            with open(path, "w") as f:
                f.write("BEGIN ISOLATION LEVEL %s;\n"
                        "SELECT topembed.snapshot('iso-' || :client_id, 'public.bench_src', image_column => 'image', "
                        "text_column => 'text', sample => 20);\nCOMMIT;\n" % level)
            r = subprocess.run([pgbench, "-n", "-c", "4", "-j", "2", "-T", str(seconds), "--max-tries=0",
                                "--failures-detailed", "-f", path, DB], capture_output=True, text=True)
            out = r.stdout + r.stderr
            done_tx = re.search(r"number of transactions actually processed: (\d+)", out)
            failed = re.search(r"number of failed transactions: (\d+)", out)
            retried = re.search(r"number of transactions retried: (\d+)", out)
            ok(r.returncode == 0 and done_tx and int(done_tx.group(1)) > 0 and failed and int(failed.group(1)) == 0,
               "%s: 4 clients snapshot 4 labels for %d s, and every snapshot succeeds (%s done, %s retried)"
               % (level, seconds, done_tx and done_tx.group(1), retried.group(1) if retried else 0), out[-2000:])
            if level == "REPEATABLE READ":
                ok(retried is None or int(retried.group(1)) == 0,
                   "REPEATABLE READ: snapshots of different labels never fail (%s retried)"
                   % (retried.group(1) if retried else 0))


def repeatable_read(conn):
    """A REPEATABLE READ snapshot whose view predates another run of its
    label fails with 40001 instead of choosing an older previous run."""
    cur = conn.cursor()
    cur.execute("CREATE TABLE rr_src AS SELECT image AS emb FROM topembed.synthetic_pairs(80, 8, 0.7, 16)")
    call = "SELECT topembed.snapshot('rr', 'rr_src', embedding_column => 'emb', sample => 20)"
    for case in ("an existing label", "a new label"):
        if case == "an existing label":
            cur.execute(call)
        else:
            cur.execute("DELETE FROM topembed.runs WHERE label = 'rr'; DELETE FROM topembed.labels WHERE label = 'rr'")
        a = connect(DB)
        a.autocommit = False
        ka = a.cursor()
        ka.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        ka.execute("SELECT count(*) FROM topembed.runs")  # the transaction's snapshot is taken here
        cur.execute(call)                                   # another session's run commits after it
        try:
            ka.execute(call)
            a.commit()
            ok(False, "REPEATABLE READ, %s: a snapshot that cannot see the label's latest run fails" % case)
        except psycopg2.Error as e:
            a.rollback()
            ok(e.pgcode == "40001", "REPEATABLE READ, %s: a snapshot that cannot see the label's latest run "
               "fails with 40001 (%s)" % (case, e.pgcode))
        a.close()
    wrong_prev, no_drift, drift_elsewhere, runs = chain_problems(cur, "rr")
    ok(wrong_prev == 0 and no_drift == 0 and drift_elsewhere == 0, "the chain of label rr stays consistent")


main()
