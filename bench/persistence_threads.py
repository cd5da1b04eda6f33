"""topembed.persistence_threads: the engine on 1 thread against 2.

Times topembed.persistence on the first n images of
topembed.synthetic_pairs(N, 512, 0.8, 7) (stored in a table first, so the
generation is not timed), cosine metric: H0..H1 at n = 4000 and H0 alone at
n = 20000 (the issue's two targets), and topembed.landmarks of
BENCH_LANDMARKS_K (500) of the 20000 (the greedy permutation, the first
step of sparse_persistence), with persistence_threads = 1 and 2 in
turn (alternating, so that noise hits both alike), BENCH_RUNS rounds (3 by
default), and prints the medians and their ratio.  Then one run of each
with topembed.progress = notice and a 100 ms interval gives the time at
which each phase began, so the split shows: which phases the threads share
(distances; H0 nearest neighbours) and which stay on one thread (the edge
sort, the cohomology reduction, the spanning tree's rounds).  Parallel
query is off (max_parallel_workers_per_gather = 0): the gathering of the
rows is the same for both and is not what is measured.  The diagrams of
the two settings are compared too.  Not a test: nothing here asserts a
time.  Environment: BENCH_RUNS, BENCH_H1_N (4000), BENCH_H0_N (20000),
BENCH_LANDMARKS_K (500)."""
import os
import re
import statistics

from benchlib import connect, race

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
H1_N = int(os.environ.get("BENCH_H1_N", "4000"))
H0_N = int(os.environ.get("BENCH_H0_N", "20000"))
LANDMARKS_K = int(os.environ.get("BENCH_LANDMARKS_K", "500"))
PERSISTENCE = "topembed.persistence(image, %d, 'cosine')"
# label, n, the aggregate over the first n images (the greedy permutation of
# topembed.landmarks is the first step of sparse_persistence too)
CASES = [
    ("H0..H1, n = %d" % H1_N, H1_N, PERSISTENCE % 1),
    ("H0, n = %d" % H0_N, H0_N, PERSISTENCE % 0),
    ("landmarks %d of %d" % (LANDMARKS_K, H0_N), H0_N,
     "topembed.landmarks(pair_id::bigint, image, %d, 'cosine')" % LANDMARKS_K),
]
PHASE = re.compile(r"topembed\.persistence: (.*?)(?: [0-9.]+%.*| \(.*\))? after ([0-9.]+) s")


def run(conn, n, agg, threads):
    with conn.cursor() as cur:
        cur.execute("SET topembed.persistence_threads = %d" % threads)
        cur.execute("SELECT md5((%s)::text) FROM bench_threads WHERE pair_id < %d" % (agg, n))
        return cur.fetchone()[0]


def phases(conn, n, agg, threads):
    """[(phase, seconds at which it began)] and the finishing time, from the notices"""
    del conn.notices[:]
    with conn.cursor() as cur:
        cur.execute("SET topembed.progress = notice")
        cur.execute("SET topembed.progress_interval = '100ms'")
        run(conn, n, agg, threads)
        cur.execute("RESET topembed.progress")
        cur.execute("RESET topembed.progress_interval")
    seen, order = {}, []
    for line in conn.notices:
        m = PHASE.search(line)
        if m and m.group(1) not in seen:
            seen[m.group(1)] = float(m.group(2))
            order.append(m.group(1))
    return [(p, seen[p]) for p in order]


def main():
    conn = connect()
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("DROP TABLE IF EXISTS bench_threads")
        cur.execute("CREATE TABLE bench_threads AS SELECT pair_id, image FROM "
                    "topembed.synthetic_pairs(%d, 512, 0.8, 7)" % max(H1_N, H0_N))
    print("topembed.persistence, cosine, synthetic_pairs(N, 512, 0.8, 7) images; "
          "medians of %d alternating runs" % RUNS)
    print("%-20s %12s %12s %8s  %s" % ("case", "1 thread s", "2 threads s", "ratio", "diagrams"))
    for label, n, agg in CASES:
        same = run(conn, n, agg, 1) == run(conn, n, agg, 2)
        times = race([("1", lambda: run(conn, n, agg, 1)),
                      ("2", lambda: run(conn, n, agg, 2))], runs=RUNS)
        m1, m2 = statistics.median(times["1"]), statistics.median(times["2"])
        print("%-20s %12.3f %12.3f %7.2fx  %s" % (label, m1, m2, m1 / m2, "equal" if same else "DIFFER"))
        print("    runs, 1 thread: %s" % " ".join("%.2f" % t for t in times["1"]))
        print("    runs, 2 threads: %s" % " ".join("%.2f" % t for t in times["2"]))
        for threads in (1, 2) if agg.startswith("topembed.persistence") else ():
            ph = phases(conn, n, agg, threads)
            print("    phases, %d thread%s (began after s): %s" % (
                threads, "" if threads == 1 else "s", ", ".join("%s %.1f" % p for p in ph)))
    with conn.cursor() as cur:
        cur.execute("DROP TABLE bench_threads")


main()
