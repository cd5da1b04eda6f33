"""Benchmark: topembed.modality_gap against the scan floor and the numpy path
on 200,000 pairs of 512-d real[] (issue: at most 1.5x the floor, at least 5x
faster than numpy)."""
import os
import statistics

import numpy as np

from benchlib import connect, query, race, report

N = int(os.environ.get("BENCH_GAP_N", "200000"))
DIM = int(os.environ.get("BENCH_GAP_DIM", "512"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'bench_pairs'")
        if cur.fetchone()[0]:
            cur.execute("SELECT count(*), max(cardinality(image)) FROM bench_pairs")
            if cur.fetchone() == (N, DIM):
                return
            cur.execute("DROP TABLE bench_pairs")
        cur.execute("CREATE TABLE bench_pairs (pair_id int, image real[], text real[])")
        # 2 KB float vectors do not compress: store them out of line as they are
        cur.execute("ALTER TABLE bench_pairs ALTER COLUMN image SET STORAGE EXTERNAL,"
                    " ALTER COLUMN text SET STORAGE EXTERNAL")
        cur.execute("INSERT INTO bench_pairs SELECT * FROM topembed.synthetic_pairs(%s, %s, 0.8, 1)", (N, DIM))
        cur.execute("VACUUM ANALYZE bench_pairs")


def numpy_path(conn):
    """What a user would do without topembed: fetch in chunks, compute in numpy."""
    def run():
        si = np.zeros(DIM)
        st = np.zeros(DIM)
        cos = []
        with conn.cursor(name="fetch") as cur:
            cur.itersize = 10000
            cur.execute("SELECT image, text FROM bench_pairs")
            while True:
                rows = cur.fetchmany(10000)
                if not rows:
                    break
                x = np.array([r[0] for r in rows], dtype=np.float64)
                y = np.array([r[1] for r in rows], dtype=np.float64)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                y /= np.linalg.norm(y, axis=1, keepdims=True)
                si += x.sum(0)
                st += y.sum(0)
                cos.append(np.sum(x * y, axis=1))
        conn.commit()
        c = np.concatenate(cos)
        n = len(c)
        gap = np.linalg.norm(si / n - st / n)
        return gap, (si @ si - n) / (n * (n - 1)), (st @ st - n) / (n * (n - 1)), c.mean(), c.std(), 2 - 2 * c.mean()
    return run


def main():
    conn = connect()
    setup(conn)
    conn_np = connect()
    conn_np.autocommit = False  # a named (server-side) cursor needs a transaction
    with conn.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('bench_pairs'))")
        size = cur.fetchone()[0]
    gap_sql = "SELECT (topembed.modality_gap(image, text)).gap FROM bench_pairs"
    floor_sql = "SELECT sum(cardinality(image) + cardinality(text)) FROM bench_pairs"
    for workers in (0, 2):
        with conn.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = %s", (workers,))
        candidates = [("scan floor (sum of cardinality)", query(conn, floor_sql)),
                      ("topembed.modality_gap", query(conn, gap_sql))]
        if workers == 0:
            candidates.append(("numpy path (psycopg2 fetch + numpy)", numpy_path(conn_np)))
        times = race(candidates, RUNS)
        report("modality_gap, %d pairs x %d-d real[] (%s), max_parallel_workers_per_gather=%d"
               % (N, DIM, size, workers), times, "scan floor (sum of cardinality)")
        if workers == 0:
            m = {k: statistics.median(v) for k, v in times.items()}
            print("numpy path / modality_gap = %.1fx"
                  % (m["numpy path (psycopg2 fetch + numpy)"] / m["topembed.modality_gap"]))
    # the numpy path and topembed agree
    g = query(conn, gap_sql)()[0][0]
    print("gap: topembed %.9f, numpy %.9f" % (g, numpy_path(conn_np)()[0]))


if __name__ == "__main__":
    main()
