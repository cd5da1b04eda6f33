"""Calibration of the time model of topembed.persistence_estimate.

Times topembed.persistence(image, max_dim) on the first n images of
topembed.synthetic_pairs(N, 512, 0.8, 7) (stored in a table first, so the
generation is not timed) for a grid of (n, max_dim), medians of BENCH_RUNS
runs (3 by default), and fits the coefficients of the work model

    seconds = a * n^2 * dim                  the distance kernel, every max_dim
            + b * n(n-1)/2                   per edge, max_dim >= 1
            + c * n(n-1)(n-2)/6              per triangle, max_dim >= 2
            + d * n(n-1)(n-2)(n-3)/24        per tetrahedron, max_dim = 3

one term at a time (a from the H0 runs, b from what the H1 runs add, and so
on; each a least-squares fit through the origin).  It prints every run with
the model's prediction under the fitted and under the built-in coefficients
(those of src/pg/estimate.c, read back through persistence_estimate's
seconds), so a drift shows.  Not a test: nothing here asserts a time."""
import os
import statistics
import time

from benchlib import connect

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DIM = 512
GRID = {
    0: [1000, 2000, 4000, 8000],
    1: [250, 500, 1000, 1500, 2000, 3000],
    2: [100, 200, 300, 400, 600, 1000],
    3: [100, 150, 200, 300],
}


def terms(n, k):
    """The work terms of the model for n points up to H k."""
    return [n * n * DIM,
            n * (n - 1) / 2 if k >= 1 else 0.0,
            n * (n - 1) * (n - 2) / 6 if k >= 2 else 0.0,
            n * (n - 1) * (n - 2) * (n - 3) / 24 if k >= 3 else 0.0]


def built_in_model(cur, n, k):
    """(seconds, time_class) of persistence_estimate, or (nan, '-') before it exists."""
    cur.execute("SELECT count(*) FROM pg_proc WHERE proname = 'persistence_estimate'")
    if cur.fetchone()[0] == 0:
        return float("nan"), "-"
    cur.execute("SELECT seconds, time_class FROM topembed.persistence_estimate(%s, %s, %s)", (n, DIM, k))
    return cur.fetchone()


def main():
    conn = connect()
    cur = conn.cursor()
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
            built_in, klass = built_in_model(cur, n, k)
            rows.append((n, k, statistics.median(times), built_in, klass))
            print("measured n=%d H%d: %.3f s" % (n, k, rows[-1][2]), flush=True)

    coef = [0.0, 0.0, 0.0, 0.0]
    for j in range(4):
        num = den = 0.0
        for n, k, t, _, _ in rows:
            if k != j:
                continue
            x = terms(n, k)
            rest = t - sum(coef[i] * x[i] for i in range(j))
            num += x[j] * rest
            den += x[j] * x[j]
        coef[j] = max(num / den, 0.0) if den else 0.0
    print()
    print("fitted: a = %.3e s per n^2*dim, b = %.3e s per edge, c = %.3e s per triangle, "
          "d = %.3e s per tetrahedron" % tuple(coef))
    print()
    print("%6s %3s %10s %10s %10s  %s" % ("n", "H", "measured", "fitted", "built-in", "time_class"))
    for n, k, t, built_in, klass in rows:
        fit = sum(c * x for c, x in zip(coef, terms(n, k)))
        print("%6d %3d %9.3fs %9.3fs %9.3fs  %s" % (n, k, t, fit, built_in, klass))
    cur.execute("DROP TABLE estimate_images")


if __name__ == "__main__":
    main()
