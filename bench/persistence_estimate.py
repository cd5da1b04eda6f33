"""Calibration of the time model of topembed.persistence_estimate.

Times topembed.persistence(image, max_dim) on the first n images of
topembed.synthetic_pairs(N, 512, 0.8, 7) (stored in a table first, so the
generation is not timed) for a grid of (n, max_dim), medians of BENCH_RUNS
runs (3 by default), and fits the coefficients of the work model

    seconds = p * n * dim                    reading the rows, per value
            + a * n^2 * dim                  the distance kernel, every max_dim
            + b * n(n-1)/2                   per edge, max_dim >= 1
            + c * n(n-1)(n-2)/6              per triangle, max_dim >= 2
            + d * n(n-1)(n-2)(n-3)/24        per tetrahedron, max_dim = 3

a dimension at a time (p and a together from the H0 runs, b from what the
H1 runs add, and so on), by least squares on the relative error of the runs
that take at least 0.1 s.  Given files of earlier runs' output (its
"measured" lines) as arguments, it fits them pooled instead of measuring.
It prints every run with the model's prediction under the fitted and under
the built-in coefficients (those of src/pg/estimate.c, read back through
persistence_estimate's seconds), so a drift shows.  Not a test: nothing
here asserts a time."""
import os
import re
import statistics
import sys
import time

import numpy as np

from benchlib import connect

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DIM = 512
GRID = {
    0: [1000, 2000, 4000, 8000],
    1: [250, 500, 1000, 1500, 2000, 3000],
    2: [100, 200, 300, 400, 600, 1000],
    3: [100, 150, 200, 300],
}


FLOOR = 0.1   # seconds: shorter runs are mostly overhead and noise


def terms(n, k):
    """The work terms of the model for n points up to H k."""
    return np.array([n * DIM, n * n * DIM,
                     n * (n - 1) / 2 if k >= 1 else 0.0,
                     n * (n - 1) * (n - 2) / 6 if k >= 2 else 0.0,
                     n * (n - 1) * (n - 2) * (n - 3) / 24 if k >= 3 else 0.0])


def fit(rows):
    """[p, a, b, c, d] from (n, k, seconds) rows, a dimension at a time."""
    coef = np.zeros(5)
    for cols, k in (([0, 1], 0), ([2], 1), ([3], 2), ([4], 3)):
        x, y = [], []
        for n, kk, t in rows:
            if kk == k and t >= FLOOR:
                row = terms(n, k)
                x.append(row[cols] / t)
                y.append((t - row @ coef) / t)
        if x:
            sol = np.linalg.lstsq(np.array(x), np.array(y), rcond=None)[0]
            coef[cols] = np.maximum(sol, 0.0)
    return coef


def built_in_model(cur, n, k):
    """(seconds, time_class) of persistence_estimate, or (nan, '-') before it exists."""
    cur.execute("SELECT count(*) FROM pg_proc WHERE proname = 'persistence_estimate'")
    if cur.fetchone()[0] == 0:
        return float("nan"), "-"
    cur.execute("SELECT seconds, time_class FROM topembed.persistence_estimate(%s, %s, %s)", (n, DIM, k))
    return cur.fetchone()


def measure(cur):
    """(n, k, median seconds) over the grid."""
    top = max(max(v) for v in GRID.values())
    cur.execute("DROP TABLE IF EXISTS estimate_images")
    cur.execute("CREATE TABLE estimate_images AS SELECT pair_id, image "
                "FROM topembed.synthetic_pairs(%s, %s, 0.8, 7)", (top, DIM))
    cur.execute("SET topembed.persistence_memory_limit = '4GB'")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    rows = []
    for k, ns in sorted(GRID.items()):
        for n in ns:
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                cur.execute("SELECT cardinality(topembed.persistence(image, %s)) "
                            "FROM estimate_images WHERE pair_id < %s", (k, n))
                cur.fetchall()
                times.append(time.perf_counter() - t0)
            rows.append((n, k, statistics.median(times)))
            print("measured n=%d H%d: %.3f s" % (n, k, rows[-1][2]), flush=True)
    cur.execute("DROP TABLE estimate_images")
    return rows


def main():
    conn = connect()
    cur = conn.cursor()
    if len(sys.argv) > 1:
        rows = []
        for path in sys.argv[1:]:
            for m in re.finditer(r"measured n=(\d+) H(\d): ([\d.]+) s", open(path).read()):
                rows.append((int(m.group(1)), int(m.group(2)), float(m.group(3))))
    else:
        rows = measure(cur)
    coef = fit(rows)
    print()
    print("fitted: p = %.3g s per n*dim, a = %.3g s per n^2*dim, b = %.3g s per edge, "
          "c = %.3g s per triangle, d = %.3g s per tetrahedron" % tuple(coef))
    print()
    print("%6s %3s %10s %10s %10s  %s" % ("n", "H", "measured", "fitted", "built-in", "time_class"))
    for n, k, t in rows:
        built_in, klass = built_in_model(cur, n, k)
        print("%6d %3d %9.3fs %9.3fs %9.3fs  %s" % (n, k, t, terms(n, k) @ coef, built_in, klass))


if __name__ == "__main__":
    main()
