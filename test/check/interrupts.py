"""Long work stays interruptible: a statement_timeout and a pg_cancel_backend
stop each long-running topembed function within a bound, with SQLSTATE 57014,
the session survives, and the server never restarts."""
import os
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
    # 40000 points (images and texts): H0 of 20000 took under the 0.7 s of the
    # timeout on two engine threads once, and finished before it was stopped
    ("persistence H0 of 40000 points",
     None,
     "SELECT topembed.persistence(e, 0, 'euclidean') "
     "FROM snap_src, LATERAL (VALUES (image), (text)) v(e)"),
    ("clusters_k of 40000 points (the H0 tree, then the cut)",
     None,
     "SELECT topembed.clusters_k(pair_id * 2 + v.t, e, 'euclidean', 10) "
     "FROM snap_src, LATERAL (VALUES (image, 0), (text, 1)) v(e, t)"),
    ("snapshot of 20000 pairs with a 6000-point persistence sample",
     None,
     "SELECT topembed.snapshot('cancelled', 'snap_src', image_column => 'image', text_column => 'text', "
     "sample => 6000)"),
    ("uniformity of 40000 embeddings",
     None,
     "SELECT topembed.uniformity(e) FROM snap_src, LATERAL (VALUES (image), (text)) v(e)"),
    ("intrinsic_dimension (mle) of 40000 embeddings",
     None,
     "SELECT topembed.intrinsic_dimension(e, 'mle', 20) FROM snap_src, LATERAL (VALUES (image), (text)) v(e)"),
    ("retrieval of 30000 pairs in 512 dimensions",
     "CREATE TABLE IF NOT EXISTS retr_src AS SELECT * FROM topembed.synthetic_pairs(30000, 512, 0.8, 3)",
     "SELECT topembed.retrieval(image, text) FROM retr_src"),
    ("gap_shift of 30000 pairs at nine lambdas",
     None,
     "SELECT topembed.gap_shift(image, text) FROM retr_src"),
    ("zero_shot of 20000 embeddings against 10000 prompts",
     "CREATE TABLE IF NOT EXISTS zs_src AS SELECT pair_id, image FROM topembed.synthetic_pairs(20000, 256, 0.8, 5); "
     "CREATE TABLE IF NOT EXISTS zs_prompts AS SELECT array_agg(text::float8[] ORDER BY pair_id) AS p "
     "FROM topembed.synthetic_pairs(10000, 256, 0.8, 6)",
     "SELECT topembed.zero_shot(image, pair_id % 10000 + 1, (SELECT p FROM zs_prompts)) FROM zs_src"),
    ("gap_drivers of 2500 pairs in 2500 dimensions",
     "CREATE TABLE IF NOT EXISTS wide_src AS SELECT * FROM topembed.synthetic_pairs(2500, 2500, 0.7, 4)",
     "SELECT topembed.gap_drivers(image, text, 5) FROM wide_src"),
]
BOUND = 2.0   # seconds from the cancel to the error, generous on a loaded machine

# a huge diagram: HUGE bars over three dimensions, stored out of line
# uncompressed (read slice by slice), and the same compressed
HUGE = int(os.environ.get("TE_HUGE_BARS", "10000000"))
HUGE_SETUP = [
    "CREATE UNLOGGED TABLE IF NOT EXISTS huge (d topembed.persistence_pair[])",
    "ALTER TABLE huge ALTER d SET STORAGE EXTERNAL",
    "INSERT INTO huge SELECT array_agg(ROW(i %% 3, (i %% 7919) * 1e-4::float8, "
    "(i %% 7919) * 1e-4::float8 + (i %% 1009) * 1e-4::float8 + (i %% 13) * 1e-7::float8)"
    "::topembed.persistence_pair) FROM generate_series(1, %d) i" % HUGE,
]
# (each statement runs for many seconds: the quick summaries are asked at many scales)
HUGE_CASES = [
    ("betti_numbers", "SELECT topembed.betti_numbers(d, r * 0.01) FROM huge, generate_series(1, 40) r"),
    ("betti_curve", "SELECT topembed.betti_curve(d, r, array(SELECT generate_series(0, 2, 0.001)::float8)) "
                    "FROM huge, generate_series(0, 2) r"),
    ("persistence_entropy", "SELECT topembed.persistence_entropy(d, r % 3) FROM huge, generate_series(1, 40) r"),
    ("total_persistence", "SELECT topembed.total_persistence(d, r % 3, 2) FROM huge, generate_series(1, 40) r"),
    ("persistence_landscape", "SELECT topembed.persistence_landscape(d, 0, 50, array(SELECT generate_series(0, 2, 0.001)"
                              "::float8)) FROM huge"),
    ("persistence_image", "SELECT topembed.persistence_image(d, 1, '{40,40}', 0.01) FROM huge, generate_series(1, 4)"),
    ("persistence_silhouette", "SELECT topembed.persistence_silhouette(d, 1, array(SELECT generate_series(0, 2, 0.001)"
                               "::float8), 2) FROM huge"),
    ("bottleneck_distance", "SELECT topembed.bottleneck_distance(d, d[1:cardinality(d) - 7], 1) FROM huge"),
    ("wasserstein_distance", "SELECT topembed.wasserstein_distance(d, d[1:cardinality(d) - 7], 1, 2) FROM huge"),
    ("diagram_svg", "SELECT length(topembed.diagram_svg(d)) FROM huge, generate_series(1, 10)"),
    ("barcode_svg", "SELECT length(topembed.barcode_svg(d)) FROM huge, generate_series(1, 10)"),
    ("betti_curve_svg", "SELECT length(topembed.betti_curve_svg(d)) FROM huge, generate_series(1, 10)"),
]


def run_timeout(conn, label, sql, limit=0.7):
    cur = conn.cursor()
    cur.execute("SET statement_timeout = '%dms'" % int(limit * 1000))
    t0 = time.perf_counter()
    try:
        cur.execute(sql)
        ok(False, "%s: statement_timeout stops it" % label, "the statement finished")
    except psycopg2.errors.QueryCanceled as e:
        dt = time.perf_counter() - t0
        ok(e.pgcode == "57014", "%s: statement_timeout gives SQLSTATE 57014" % label)
        ok(dt < limit + BOUND, "%s: stopped %.2f s after the timeout" % (label, dt - limit))
    cur.execute("RESET statement_timeout")
    cur.execute("SELECT 1")
    ok(cur.fetchone()[0] == 1, "%s: the session survives a timeout" % label)


def run_cancel(conn, label, sql, delay=0.7):
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    other = connect(conn.info.dbname)
    fired = {}

    def cancel():
        time.sleep(delay)
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
    # every function on a huge diagram: a 2 s timeout fires well within the bound
    t0 = time.perf_counter()
    for sql in HUGE_SETUP:
        cur.execute(sql)
    print("# a %d-bar diagram stored in %.1f s" % (HUGE, time.perf_counter() - t0))
    for label, sql in HUGE_CASES:
        run_timeout(conn, "%s of %d bars" % (label, HUGE), sql, limit=2.0)
        run_cancel(conn, "%s of %d bars" % (label, HUGE), sql, delay=2.0)
    ok(backend_crashes() == crashes_before, "no backend was killed by a signal (server log)")
    done()


main()
