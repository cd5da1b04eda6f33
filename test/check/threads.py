"""topembed.persistence_threads: the persistence engine's own threads.

- the diagrams with 1 and 2 threads are equal, bar for bar, on the shared
  CLIP data (H0 and H1, cosine and euclidean) and on a synthetic set large
  enough for many distance blocks;
- during a threaded run the backend has more threads than before it, and
  after it exactly as many as before (/proc/<pid>/status of
  pg_backend_pid()).  "Before" is counted once the library is loaded and
  has run on one thread: OpenBLAS starts its own pool thread when the
  library is loaded (one per further online CPU), whatever
  topembed.blas_threads says, so a loaded backend has that many already;
- a statement_timeout and a pg_cancel_backend during a threaded run give
  57014 promptly, the session works afterwards, and its thread count is 1;
- the setting refuses values outside 0..64 and is a user setting.
"""
import os
import threading
import time

import psycopg2

from telib import DATA, backend_crashes, connect, done, fresh_db, load_csv, need_data, ok, sqlstate_of

BOUND = 2.0   # seconds from a cancel to the error, generous on a loaded machine


def threads_of(pid):
    """The Threads: line of /proc/<pid>/status (None if the process is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def backend_pid(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def diagram(conn, sql, threads):
    """The diagram of sql with persistence_threads = threads, as text rows."""
    with conn.cursor() as cur:
        cur.execute("SET topembed.persistence_threads = %d" % threads)
        cur.execute("SELECT p.hdim, p.birth::text, p.death::text FROM unnest((%s)) p" % sql)
        rows = cur.fetchall()
        cur.execute("RESET topembed.persistence_threads")
    return rows


def compare(conn, label, sql):
    one = diagram(conn, sql, 1)
    two = diagram(conn, sql, 2)
    ok(len(one) > 0 and one == two,
       "%s: 2 threads give the 1-thread diagram bar for bar (%d bars)" % (label, len(one)),
       "1 thread: %d bars, 2 threads: %d bars, first difference at %s" % (
           len(one), len(two), next((i for i, (a, b) in enumerate(zip(one, two)) if a != b), None)))


def same_text(conn, label, sql):
    """sql's one value as text with persistence_threads 1 and 2: equal"""
    got = []
    with conn.cursor() as cur:
        for threads in (1, 2):
            cur.execute("SET topembed.persistence_threads = %d" % threads)
            cur.execute(sql)
            got.append(cur.fetchone()[0])
        cur.execute("RESET topembed.persistence_threads")
    ok(got[0] is not None and len(got[0]) > 100 and got[0] == got[1],
       "%s: 2 threads give the 1-thread result (%d characters)" % (label, len(got[0] or "")),
       "1 thread: %.80s..., 2 threads: %.80s..." % (got[0], got[1]))


def watch_threads(pid, stop, seen):
    """Poll the backend's thread count until stop is set; keep the largest
    and when it was first seen"""
    t0 = time.perf_counter()
    while not stop.is_set():
        t = threads_of(pid)
        if t is not None and t > seen.get("max", 0):
            seen["max"] = t
            seen["at"] = time.perf_counter() - t0
        if t is not None and t > seen["base"]:
            seen["event"].set()
        time.sleep(0.005)


def run_interrupted(conn, label, sql, how, base, delay=0.8):
    """Run sql on 2 threads and stop it by a timeout after delay s, or by a
    cancel 0.1 s after the engine's threads are first seen.  No parallel
    plan: its workers' partial states take long to gather before the
    engine starts."""
    cur = conn.cursor()
    cur.execute("SET max_parallel_workers_per_gather = 0")
    pid = backend_pid(conn)
    cur.execute("SET topembed.persistence_threads = 2")
    other = connect(conn.info.dbname)
    fired = {}
    stop, seen = threading.Event(), {"base": base, "event": threading.Event()}
    watcher = threading.Thread(target=watch_threads, args=(pid, stop, seen))
    watcher.start()

    def cancel():
        # once the engine's threads run (or after 10 s), a little later
        seen["event"].wait(10.0)
        time.sleep(0.1)
        fired["t"] = time.perf_counter()
        other.cursor().execute("SELECT pg_cancel_backend(%s)", (pid,))

    canceller = None
    if how == "timeout":
        cur.execute("SET statement_timeout = '%dms'" % int(delay * 1000))
    else:
        canceller = threading.Thread(target=cancel)
        canceller.start()
    t0 = time.perf_counter()
    try:
        cur.execute(sql)
        ok(False, "%s: the %s stops it" % (label, how), "the statement finished")
    except psycopg2.errors.QueryCanceled as e:
        t1 = time.perf_counter()
        late = t1 - (fired["t"] if how == "cancel" else t0 + delay)
        ok(e.pgcode == "57014", "%s: the %s gives SQLSTATE 57014" % (label, how))
        ok(late < BOUND, "%s: stopped %.2f s after the %s" % (label, late, how))
    if canceller:
        canceller.join()
    stop.set()
    watcher.join()
    other.close()
    cur.execute("RESET statement_timeout")
    ok(seen.get("max", 0) > base, "%s: the backend ran %d threads during the run (%d before), from %.2f s" % (
        label, seen.get("max", 0), base, seen.get("at", -1)))
    ok(threads_of(pid) == base, "%s: as many threads after the %s as before (Threads: %s, before %d)" % (
        label, how, threads_of(pid), base))
    cur.execute("SELECT 1")
    ok(cur.fetchone()[0] == 1, "%s: the session works after the %s" % (label, how))
    cur.execute("RESET topembed.persistence_threads")
    cur.execute("RESET max_parallel_workers_per_gather")


def main():
    conn = fresh_db("te_threads")
    cur = conn.cursor()
    crashes_before = backend_crashes()
    pid = backend_pid(conn)
    # the library loaded and run once on one thread: the backend's threads before any of ours
    cur.execute("SET topembed.persistence_threads = 1")
    cur.execute("SELECT topembed.persistence(image, 1) FROM topembed.synthetic_pairs(300, 16, 0.5, 1)")
    cur.execute("RESET topembed.persistence_threads")
    base = threads_of(pid)
    print("# the backend has %d threads with the library loaded (OpenBLAS's pool included)" % base)

    # the setting: its range, its context, its automatic default
    cur.execute("SELECT setting, context, min_val, max_val FROM pg_settings "
                "WHERE name = 'topembed.persistence_threads'")
    row = cur.fetchone()
    ok(row == ("0", "user", "0", "64"), "persistence_threads: default 0 (automatic), user context, 0..64",
       str(row))
    for bad in ("-1", "65", "'two'"):
        code, msg = sqlstate_of(conn, "SET topembed.persistence_threads = %s" % bad)
        ok(code == "22023", "persistence_threads = %s is refused with 22023" % bad, "%s %s" % (code, msg))

    if need_data("the CLIP diagrams with 1 and 2 threads", "mscoco_clip_vitb16.csv"):
        load_csv(conn, "clip", os.path.join(DATA, "mscoco_clip_vitb16.csv"))
        for metric in ("cosine", "euclidean"):
            for max_dim in (0, 1):
                compare(conn, "CLIP ViT-B/16, 1000 embeddings, H0..H%d, %s" % (max_dim, metric),
                        "SELECT topembed.persistence(embedding, %d, '%s') FROM clip" % (max_dim, metric))
        compare(conn, "CLIP ViT-B/16 images, 500 embeddings, H0..H2, cosine",
                "SELECT topembed.persistence(embedding, 2, 'cosine') FROM clip WHERE modality = 'image'")

    cur.execute("CREATE TABLE syn AS SELECT * FROM topembed.synthetic_pairs(20000, 64, 0.7, 2)")
    cur.execute("CREATE TABLE syn3 AS SELECT image || image || text AS e FROM syn")
    compare(conn, "synthetic, 1500 points (21 distance blocks), H0..H1, cosine",
            "SELECT topembed.persistence(image, 1, 'cosine') FROM syn WHERE pair_id < 1500")
    compare(conn, "synthetic, 20000 points, H0 (the spanning tree), cosine",
            "SELECT topembed.persistence(image, 0, 'cosine') FROM syn")
    # the greedy permutation on threads (rows of 20000 x 64; of 17000 x 64 for the curve)
    same_text(conn, "landmarks, 300 of 20000 points in R^64, cosine",
              "SELECT topembed.landmarks(pair_id::bigint, image, 300, 'cosine')::text FROM syn")
    same_text(conn, "landmark_persistence, 200 of 20000 points, H0..H1, cosine",
              "SELECT topembed.landmark_persistence(image, 200, 1, 'cosine')::text FROM syn")
    # a closed curve in R^64 (3 coordinates used): a sparse graph of low intrinsic dimension
    cur.execute("CREATE TABLE curve AS SELECT i, (ARRAY[sin(g), cos(1.3 * g), sin(0.7 * g)] || "
                "array_fill(0.0::float8, ARRAY[61]))::real[] AS e "
                "FROM (SELECT i, i * 60.0 / 17000 AS g FROM generate_series(0, 16999) i) s")
    same_text(conn, "sparse_persistence, 4000 points of a curve in R^64, epsilon 0.5, H0..H1",
              "SELECT topembed.sparse_persistence(e, 0.5, 1, 'euclidean')::text FROM curve WHERE i % 17 < 4")
    ok(threads_of(pid) == base, "after the threaded runs the backend has as many threads as before (%s, before %d)" % (
        threads_of(pid), base))

    for how in ("timeout", "cancel"):
        run_interrupted(conn, "persistence H1 of 6000 points on 2 threads",
                        "SELECT topembed.persistence(image, 1, 'cosine', NULL, 6000) FROM syn", how, base)
        run_interrupted(conn, "persistence H0 of 20000 points on 2 threads",
                        "SELECT topembed.persistence(e, 0, 'euclidean') FROM syn3",
                        how, base, delay=1.0)
        # the greedy permutation of 17000 points takes seconds: both land in it
        run_interrupted(conn, "sparse_persistence of 17000 points on 2 threads (greedy permutation)",
                        "SELECT topembed.sparse_persistence(e, 0.5, 1, 'euclidean') FROM curve",
                        how, base, delay=1.0)
    ok(backend_crashes() == crashes_before, "no backend was killed by a signal (server log)")
    done()


main()
