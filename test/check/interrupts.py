"""Long work stays interruptible: a statement_timeout and a pg_cancel_backend
stop each long-running topembed function within a bound, with SQLSTATE 57014,
the session survives, and the server never restarts."""
import threading
import time

import psycopg2

from telib import backend_crashes, connect, done, fresh_db, ok

# (label, setup SQL or None, the long statement); each runs for many seconds
# when left alone
CASES = [
    ("synthetic_pairs generation",
     None,
     "SELECT count(*) FROM topembed.synthetic_pairs(5000000, 512)"),
    ("modality_gap aggregate",
     None,
     "SELECT topembed.modality_gap(image, text) FROM topembed.synthetic_pairs(5000000, 256)"),
    ("moments aggregate",
     None,
     "SELECT topembed.moments(image) FROM topembed.synthetic_pairs(5000000, 256)"),
    ("spectrum eigen-solve of a 4000-d sketch",
     "CREATE TABLE IF NOT EXISTS big_sketch AS SELECT topembed.moments(image) AS m "
     "FROM topembed.synthetic_pairs(300, 4000, 0.5, 1)",
     "SELECT topembed.spectrum(m) FROM big_sketch"),
    ("pca_project basis of a 4000-d sketch",
     None,
     "SELECT topembed.pca_project(image, (SELECT m FROM big_sketch), 5) "
     "FROM topembed.synthetic_pairs(10, 4000, 0.5, 1)"),
    ("persistence H1 of 6000 points",
     "CREATE TABLE IF NOT EXISTS snap_src AS SELECT * FROM topembed.synthetic_pairs(20000, 64, 0.7, 2)",
     "SELECT topembed.persistence(image, 1, 'cosine', NULL, 6000) FROM snap_src"),
    ("persistence H0 of 20000 points",
     None,
     "SELECT topembed.persistence(image, 0, 'euclidean') FROM snap_src"),
    ("snapshot of 20000 pairs with a 6000-point persistence sample",
     None,
     "SELECT topembed.snapshot('cancelled', 'snap_src', image_column => 'image', text_column => 'text', "
     "sample => 6000)"),
]
BOUND = 2.0   # seconds from the cancel to the error, generous on a loaded machine


def run_timeout(conn, label, sql):
    cur = conn.cursor()
    cur.execute("SET statement_timeout = '700ms'")
    t0 = time.perf_counter()
    try:
        cur.execute(sql)
        ok(False, "%s: statement_timeout stops it" % label, "the statement finished")
    except psycopg2.errors.QueryCanceled as e:
        dt = time.perf_counter() - t0
        ok(e.pgcode == "57014", "%s: statement_timeout gives SQLSTATE 57014" % label)
        ok(dt < 0.7 + BOUND, "%s: stopped %.2f s after the timeout" % (label, dt - 0.7))
    cur.execute("RESET statement_timeout")
    cur.execute("SELECT 1")
    ok(cur.fetchone()[0] == 1, "%s: the session survives a timeout" % label)


def run_cancel(conn, label, sql):
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    other = connect(conn.info.dbname)
    fired = {}

    def cancel():
        time.sleep(0.7)
        fired["t"] = time.perf_counter()
        other.cursor().execute("SELECT pg_cancel_backend(%s)", (pid,))

    th = threading.Thread(target=cancel)
    th.start()
    try:
        cur.execute(sql)
        ok(False, "%s: pg_cancel_backend stops it" % label, "the statement finished")
    except psycopg2.errors.QueryCanceled as e:
        dt = time.perf_counter() - fired.get("t", time.perf_counter())
        ok(e.pgcode == "57014", "%s: cancel gives SQLSTATE 57014" % label)
        ok(dt < BOUND, "%s: stopped %.2f s after the cancel" % (label, dt))
    th.join()
    other.close()
    cur.execute("SELECT 1")
    ok(cur.fetchone()[0] == 1, "%s: the session survives a cancel" % label)


def main():
    conn = fresh_db("te_interrupts")
    cur = conn.cursor()
    crashes_before = backend_crashes()
    for label, setup, sql in CASES:
        if setup:
            cur.execute(setup)
        run_timeout(conn, label, sql)
        run_cancel(conn, label, sql)
    cur.execute("SELECT count(*) FROM topembed.runs")
    ok(cur.fetchone()[0] == 0, "a cancelled snapshot leaves no half-written run")
    ok(backend_crashes() == crashes_before, "no backend was killed by a signal (server log)")
    done()


main()
