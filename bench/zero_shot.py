"""Benchmark: topembed.zero_shot of 20,000 512-d real[] embeddings against
1,000 class prompts (a 2-D float8[] read from a table, as a user keeps it),
against numpy's best in one process (the vectors already in memory:
X @ P.T, then the count of classes at least as close as the true one) and
the GEMM floor (the float64 product alone).  Both sides use one BLAS
thread, as a backend does.  The accuracies must agree."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from benchlib import connect, query, race, report  # noqa: E402

N = int(os.environ.get("BENCH_ZS_N", "20000"))
CLASSES = int(os.environ.get("BENCH_ZS_CLASSES", "1000"))
DIM = int(os.environ.get("BENCH_ZS_DIM", "512"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SQL = ("SELECT topembed.zero_shot(image, pair_id %% %d + 1, (SELECT p FROM bench_zs_prompts)) "
       "FROM bench_zs" % CLASSES)


def setup(conn):
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_zs, bench_zs_prompts")
        cur.execute("CREATE TABLE bench_zs AS SELECT pair_id, image FROM topembed.synthetic_pairs(%s, %s, 0.8, 5)",
                    (N, DIM))
        cur.execute("CREATE TABLE bench_zs_prompts AS SELECT array_agg(text::float8[] ORDER BY pair_id) AS p "
                    "FROM topembed.synthetic_pairs(%s, %s, 0.8, 6)", (CLASSES, DIM))
        cur.execute("VACUUM ANALYZE bench_zs")
        cur.execute("SELECT pair_id, image FROM bench_zs ORDER BY pair_id")
        rows = cur.fetchall()
        cur.execute("SELECT p FROM bench_zs_prompts")
        p = np.array(cur.fetchone()[0], dtype=np.float64)
    labels = np.array([r[0] % CLASSES for r in rows])
    x = np.array([r[1] for r in rows], dtype=np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    return x, p, labels


def numpy_best(x, p, labels):
    """One product, then count the classes at least as close as the true one."""
    def run():
        s = x @ p.T
        t = s[np.arange(len(s)), labels]
        rank = (s >= t[:, None]).sum(1)
        return float(np.mean(rank <= 1)), float(np.mean(rank <= 5))
    return run


def gemm_floor(x, p):
    def run():
        return (x @ p.T)[0, 0]
    return run


def main():
    conn = connect()
    x, p, labels = setup(conn)
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SELECT (z).top1_accuracy, (z).top5_accuracy FROM (%s) q(z)" % SQL)
        got = cur.fetchone()
    candidates = [
        ("GEMM floor (numpy float64 X @ P.T)", gemm_floor(x, p)),
        ("numpy X @ P.T + comparison count", numpy_best(x, p, labels)),
        ("topembed.zero_shot (SQL, from the table)", query(conn, SQL)),
        ("scan floor (sum of cardinality)", query(conn, "SELECT sum(cardinality(image)) FROM bench_zs")),
    ]
    times = race(candidates, RUNS)
    ref = numpy_best(x, p, labels)()
    report("zero_shot, %d embeddings x %d-d real[], %d prompts, one BLAS thread, "
           "max_parallel_workers_per_gather=0" % (N, DIM, CLASSES),
           times, "GEMM floor (numpy float64 X @ P.T)",
           ["top-1 / top-5 accuracy: topembed %s / %s, numpy %s / %s" % (got[0], got[1], ref[0], ref[1])])


main()
