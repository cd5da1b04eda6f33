"""topembed.sparse_persistence against GUDHI 3.7's sparse Rips, H1, in one run.

The data are a noisy closed curve in R^3 (sin g, cos 1.3g, sin 0.7g, noise
0.01, seed 5), the low-dimensional case the sparse filtration is for, at
n = 2000, 5000, 20000 and 50000 (BENCH_SPARSE_N), epsilon 0.5 (the bound
log 1.5 on the log-scale bottleneck distance).  For each n:
- topembed.sparse_persistence(e, 0.5, 1, 'euclidean') in the cluster: the
  median time (BENCH_RUNS, 3 by default; 1 once a run takes over 15 s), the
  engine's tracked peak memory (its DEBUG1 line) and the edges kept;
- GUDHI's RipsComplex(points, sparse=mu) with mu = 1/3 (its own
  parametrisation of the same guarantee: 1 / (1 - mu) = 1.5), expanded to
  triangles and reduced, in a child process: time and max RSS, stopped past
  BENCH_SPARSE_TIMEOUT (300 s) or 6 GB;
- topembed's exact persistence (checked against ripser elsewhere) where it
  fits (n <= BENCH_SPARSE_EXACT_MAX, 2000: the exact H1 of the curve takes
  over 30 s there, its long-lived loops being the hard case), the reference.
Bars: both sparse diagrams must lie within log 1.5 of the exact one (log-
scale bottleneck, H1), and within 2 log 1.5 of each other where there is no
exact one; the script exits 1 otherwise.  GUDHI's filtration is not ours bar
for bar (it starts its permutation at a random point and blocks the
triangles of dead vertices), so equal diagrams are not expected; the
test suite checks ours against GUDHI's flag expansion of the same graph.
Beside each run, what topembed.sparse_persistence_estimate said before it:
its up-front figure, its model's memory for the edges the run kept against
the tracked peak, and its time for the parts before the graph.
Not a test: nothing here asserts a time."""
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import numpy as np

from benchlib import connect
from persistence_scaling import run_timed

EPS = 0.5
NS = [int(x) for x in os.environ.get("BENCH_SPARSE_N", "2000,5000,20000,50000").split(",") if x]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LIMITS = SimpleNamespace(timeout=float(os.environ.get("BENCH_SPARSE_TIMEOUT", "300")), ceiling=6144.0)
EXACT_MAX = int(os.environ.get("BENCH_SPARSE_EXACT_MAX", "2000"))


def curve(n):
    rng = np.random.default_rng(5)
    g = np.linspace(0, 60, n)
    return np.stack([np.sin(g), np.cos(1.3 * g), np.sin(0.7 * g)], 1) + 0.01 * rng.standard_normal((n, 3))


def log_bottleneck(a, b):
    import gudhi
    la = [(math.log(x), math.log(y)) for x, y in a if not math.isinf(y) and x > 0 and y > x]
    lb = [(math.log(x), math.log(y)) for x, y in b if not math.isinf(y) and x > 0 and y > x]
    return gudhi.bottleneck_distance(la, lb)


def gudhi_child(npy):
    """GUDHI's sparse Rips: prints the H1 bars, then '# edges simplices'"""
    import gudhi
    X = np.load(npy)
    st = gudhi.RipsComplex(points=X, sparse=1.0 - 1.0 / (1.0 + EPS)).create_simplex_tree(max_dimension=2)
    pers = st.persistence(homology_coeff_field=2, min_persistence=0)
    for d, (b, e) in pers:
        if d == 1:
            sys.stdout.write("%r %r\n" % (b, e))
    sys.stdout.write("# %d\n" % st.num_simplices())


def sql_bars(cur, sql):
    cur.execute("SELECT ARRAY(SELECT ARRAY[p.birth, p.death] FROM unnest(d) p WHERE p.hdim = 1) FROM (%s) q(d)" % sql)
    return [tuple(x) for x in cur.fetchone()[0]]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--gudhi-child":
        gudhi_child(sys.argv[2])
        return
    conn = connect()
    cur = conn.cursor()
    tmp = tempfile.mkdtemp(prefix="te_sparse_bench_")
    bad = 0
    rows = []
    print("sparse Rips, H1, epsilon %g (log-scale bottleneck <= %.4f), noisy curve in R^3; %d runs (1 past 15 s)"
          % (EPS, math.log1p(EPS), RUNS))
    for n in NS:
        X = curve(n)
        npy = os.path.join(tmp, "x.npy")
        np.save(npy, X)
        cur.execute("DROP TABLE IF EXISTS sparse_bench")
        cur.execute("CREATE TABLE sparse_bench (e double precision[])")
        with open(os.path.join(tmp, "x.csv"), "w") as f:
            for x in X:
                f.write('"{%s}"\n' % ",".join(repr(float(v)) for v in x))
        with open(os.path.join(tmp, "x.csv")) as f:
            cur.copy_expert("COPY sparse_bench FROM STDIN CSV", f)
        q = "SELECT (r).diagram FROM (SELECT topembed.sparse_persistence(e, %r, 1, 'euclidean') AS r FROM sparse_bench) s" % EPS
        times = []
        cur.execute("SET client_min_messages = debug1")
        for _ in range(RUNS):
            del conn.notices[:]
            t0 = time.perf_counter()
            te = sql_bars(cur, q)
            times.append(time.perf_counter() - t0)
            if times[-1] > 15:
                break
        cur.execute("RESET client_min_messages")
        m = re.search(r"(\d+) edges of .* peak tracked memory (\d+) bytes", " ".join(conn.notices))
        edges, peak = (int(m.group(1)), int(m.group(2)) / 2 ** 20) if m else (None, None)
        te_s = statistics.median(times)
        # what sparse_persistence_estimate said before the run, and its model for the edges the run kept
        cur.execute("SELECT (e).memory_bytes, (e).bytes_per_edge, (e).seconds FROM "
                    "(SELECT topembed.sparse_persistence_estimate(%d, 3, %r, 1, 'euclidean') e) q" % (n, EPS))
        up_front, per_edge, est_s = cur.fetchone()
        model_mb = (up_front + per_edge * ((edges or n - 1) - (n - 1))) / 2 ** 20
        status, g_s, g_mb, out = run_timed([sys.executable, os.path.abspath(__file__), "--gudhi-child", npy],
                                           LIMITS, tmp, env=dict(os.environ, OMP_NUM_THREADS="1"))
        gb = None
        if status == "ok":
            gb = [tuple(float(v) for v in line.split()) for line in open(out) if not line.startswith("#")]
        exact = None
        if n <= EXACT_MAX:
            t0 = time.perf_counter()
            exact = sql_bars(cur, "SELECT topembed.persistence(e, 1, 'euclidean') FROM sparse_bench")
            ex_s = time.perf_counter() - t0
        checks = []
        if exact is not None:
            for name, bars in (("topembed", te), ("GUDHI", gb)):
                if bars is None:
                    continue
                d = log_bottleneck(exact, bars)
                checks.append("%s-exact %.4f" % (name, d))
                bad += d > math.log1p(EPS) + 1e-6
        elif gb is not None:
            d = log_bottleneck(te, gb)
            checks.append("topembed-GUDHI %.4f (<= %.4f)" % (d, 2 * math.log1p(EPS)))
            bad += d > 2 * math.log1p(EPS) + 1e-6
        rows.append((n, te_s, peak, edges, status, g_s, g_mb, exact is not None and ex_s, checks))
        print("n %6d: sparse_persistence_estimate: %.0f MB up front; %.0f MB by its model for the %s edges kept "
              "(the points twice included; tracked %s MB); %.2f s for the parts before the graph (the run %.2f s)"
              % (n, up_front / 2 ** 20, model_mb, edges, "%.0f" % peak if peak else "?", est_s, te_s))
        print("n %6d: topembed %.2f s, %s MB tracked, %s edges (%.2f%% of pairs); GUDHI %s %.2f s %s MB; %s; %s"
              % (n, te_s, "%.0f" % peak if peak else "?", edges, 100.0 * (edges or 0) / (n * (n - 1) / 2), status,
                 g_s, "%.0f" % g_mb if g_mb else "-",
                 "exact topembed %.2f s" % ex_s if exact is not None else "no exact run",
                 ", ".join(checks)), flush=True)
    print("\n| n | topembed sparse | tracked peak | edges kept | GUDHI sparse | GUDHI max RSS | GUDHI / topembed |"
          " exact topembed | log-bottleneck |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, te_s, peak, edges, status, g_s, g_mb, ex_s, checks in rows:
        print("| %d | %.2f s | %s MB | %s | %s | %s | %s | %s | %s |"
              % (n, te_s, "%.0f" % peak if peak else "?", edges,
                 "%.2f s" % g_s if status == "ok" else status, "%.0f MB" % g_mb if g_mb else "-",
                 "%.1f×" % (g_s / te_s) if status == "ok" else "-",
                 "%.2f s" % ex_s if ex_s else "-", "; ".join(checks)))
    cur.execute("DROP TABLE IF EXISTS sparse_bench")
    if bad:
        print("%d bound check(s) FAILED" % bad)
        sys.exit(1)


if __name__ == "__main__":
    main()
