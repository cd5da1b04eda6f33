"""Benchmark: topembed.spectral_collapse against the scan floor and the numpy
path (psycopg2 fetch, np.cov, eigvalsh) on 200,000 rows of 512-d real[], and
its parallel speed-up (issue: at least 5x faster than numpy end to end; a
visible speed-up with parallel workers)."""
import os
import statistics

import numpy as np

from benchlib import connect, query, race, report
from gap import N, DIM, RUNS, setup

SQL = "SELECT (topembed.spectral_collapse(image)).effective_rank FROM bench_pairs"
FLOOR = "SELECT sum(cardinality(image)) FROM bench_pairs"


def numpy_path(conn):
    """Fetch every row into numpy, then np.cov and eigvalsh."""
    def run():
        chunks = []
        with conn.cursor(name="fetch") as cur:
            cur.itersize = 10000
            cur.execute("SELECT image FROM bench_pairs")
            while True:
                rows = cur.fetchmany(10000)
                if not rows:
                    break
                chunks.append(np.array([r[0] for r in rows], dtype=np.float64))
        conn.commit()
        X = np.concatenate(chunks)
        lam = np.linalg.eigvalsh(np.cov(X.T, bias=True))[::-1]
        p = np.clip(lam, 0, None) / np.clip(lam, 0, None).sum()
        p = p[p > 0]
        return np.exp(-(p * np.log(p)).sum())
    return run


def main():
    conn = connect()
    setup(conn)
    conn_np = connect()
    conn_np.autocommit = False
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE bench_pairs SET (parallel_workers = 2)")
        cur.execute("SET max_parallel_workers_per_gather = 0")
    times = race([("scan floor (sum of cardinality)", query(conn, FLOOR)),
                  ("topembed.spectral_collapse", query(conn, SQL)),
                  ("numpy path (fetch + np.cov + eigvalsh)", numpy_path(conn_np))], RUNS)
    report("spectral_collapse, %d rows x %d-d real[], one process" % (N, DIM), times,
           "scan floor (sum of cardinality)")
    m = {k: statistics.median(v) for k, v in times.items()}
    print("numpy path / spectral_collapse = %.1fx"
          % (m["numpy path (fetch + np.cov + eigvalsh)"] / m["topembed.spectral_collapse"]))

    conn_par = connect()
    with conn_par.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 2")
    times = race([("spectral_collapse, 1 process", query(conn, SQL)),
                  ("spectral_collapse, 2 parallel workers", query(conn_par, SQL))], RUNS)
    report("spectral_collapse, parallel speed-up", times, "spectral_collapse, 1 process")
    er = query(conn, SQL)()[0][0]
    print("effective rank: topembed %.9f, numpy %.9f" % (er, numpy_path(conn_np)()))


main()
