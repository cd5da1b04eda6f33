"""Benchmark: topembed.retrieval on 5,000 pairs x 512-d real[] (synthetic_pairs
with noise 1.5: recall@1 about 0.77) against numpy's
best in one process (the vectors already in memory, X @ Y.T, then argsort or
a comparison count) and the GEMM floor (the float32 product X @ Y.T alone).
Both sides use one BLAS thread, as a backend does."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from benchlib import connect, query, race, report  # noqa: E402

N = int(os.environ.get("BENCH_RETRIEVAL_N", "5000"))
DIM = int(os.environ.get("BENCH_RETRIEVAL_DIM", "512"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
KS = (1, 5, 10)


def setup(conn):
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_retrieval")
        cur.execute("CREATE TABLE bench_retrieval AS SELECT * FROM topembed.synthetic_pairs(%s, %s, 0.8, 3, 1.0, 1.5)",
                    (N, DIM))
        cur.execute("VACUUM ANALYZE bench_retrieval")
        cur.execute("SELECT image, text FROM bench_retrieval ORDER BY pair_id")
        rows = cur.fetchall()
    x = np.array([r[0] for r in rows], dtype=np.float32)
    y = np.array([r[1] for r in rows], dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    return x, y


def recalls(rank_i, rank_t):
    return [float(np.mean(rank_i <= k)) for k in KS], [float(np.mean(rank_t <= k)) for k in KS]


def numpy_argsort(x, y):
    """The usual code: the similarity matrix, every row sorted, the position of the diagonal."""
    def run():
        s = x @ y.T
        n = len(s)
        order = np.argsort(-s, axis=1, kind="stable")
        rank_i = np.argmax(order == np.arange(n)[:, None], axis=1) + 1
        order_t = np.argsort(-s.T, axis=1, kind="stable")
        rank_t = np.argmax(order_t == np.arange(n)[:, None], axis=1) + 1
        return recalls(rank_i, rank_t)
    return run


def numpy_best(x, y):
    """numpy's fastest: one product, then count the candidates at least as close as the diagonal."""
    def run():
        s = x @ y.T
        d = np.diagonal(s)
        rank_i = (s >= d[:, None]).sum(1)
        rank_t = (s >= d[None, :]).sum(0)
        return recalls(rank_i, rank_t)
    return run


def gemm_floor(x, y):
    def run():
        return (x @ y.T)[0, 0]
    return run


def main():
    conn = connect()
    x, y = setup(conn)
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SELECT (r).image_to_text_recall, (r).text_to_image_recall "
                    "FROM (SELECT topembed.retrieval(image, text) r FROM bench_retrieval) q")
        got = cur.fetchone()
    candidates = [
        ("GEMM floor (numpy float32 X @ Y.T)", gemm_floor(x, y)),
        ("numpy X @ Y.T + comparison count", numpy_best(x, y)),
        ("numpy X @ Y.T + argsort", numpy_argsort(x, y)),
        ("topembed.retrieval (SQL, from the table)", query(conn, "SELECT topembed.retrieval(image, text) "
                                                                 "FROM bench_retrieval")),
        ("scan floor (sum of cardinality)", query(conn, "SELECT sum(cardinality(image) + cardinality(text)) "
                                                        "FROM bench_retrieval")),
    ]
    times = race(candidates, RUNS)
    ref = numpy_best(x, y)()
    report("retrieval, %d pairs x %d-d real[], one BLAS thread, max_parallel_workers_per_gather=0" % (N, DIM),
           times, "GEMM floor (numpy float32 X @ Y.T)",
           ["recall@%s: topembed %s / %s, numpy (float32) %s / %s" % (list(KS), got[0], got[1], ref[0], ref[1])])


main()
