#!/usr/bin/python3
"""Benchmark: topembed's diagram distances against GUDHI, Hera and POT.

Run with /usr/bin/python3 after `make unit BUILD=...`:

  TE_BUILD=build /usr/bin/python3 bench/diagram_distances.py [--sizes 1000,5000]
      [--repeat 5] [--repeat-large 3] [--pot-repeat-large 1]

For each size n and each kind of diagram pair
  random   births uniform on [0, 1], persistence exponential (mean 0.2)
  h0       H0 of two noisy tori of n + 1 points (Rips H0 = MST edge lengths,
           births 0, computed with scipy)
  h1       H1 of two noisy tori (Debian ripser, --threshold 0.6), n bars drawn
           at random from each diagram (classes alive at the threshold dropped)
it times
  ours     test/tools/te_diagram_bench: both diagrams loaded once, only the
           call timed, --repeat runs
  gudhi    gudhi.bottleneck_distance(a, b, e=0)                  (exact)
  hera     gudhi.hera.wasserstein_distance(order=p, internal_p=inf), default
           delta = 0.01                                          (approximate)
  pot      gudhi.wasserstein.wasserstein_distance(order=p, internal_p=inf),
           POT's network simplex on the dense matrix            (exact route)
in this one process tree (references in-process, ours as a child process),
and with --pot-converged also POT's ot.emd2 with numItermax = 1e9 (GUDHI
passes 2e6, which is not enough for some 5,000-point pairs: POT then prints
"Max number of iteration reached" and returns a slightly too large value),
and prints the median seconds, the ratio reference / ours (> 1: ours is
faster) and the relative difference of the values.  The machine is shared:
quote medians, not single runs.
"""
import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import gudhi
import gudhi.hera
import gudhi.wasserstein
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform

warnings.filterwarnings("ignore")

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.environ.get("TE_BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
BENCH = os.path.join(BUILD, "tools", "te_diagram_bench")


def torus(rng, n, noise):
    t = rng.uniform(0, 2 * np.pi, n)
    s = rng.uniform(0, 2 * np.pi, n)
    x = np.c_[(2 + np.cos(s)) * np.cos(t), (2 + np.cos(s)) * np.sin(t), np.sin(s)]
    return x + rng.normal(0, noise, (n, 3))


def h0_diagram(x):
    mst = minimum_spanning_tree(squareform(pdist(x))).tocoo()
    d = np.sort(mst.data)
    return np.c_[np.zeros(len(d)), d]


def h1_diagram(x, tmp):
    path = os.path.join(tmp, "cloud.txt")
    np.savetxt(path, x)
    out = subprocess.run(["ripser", "--format", "point-cloud", "--dim", "1", "--threshold", "0.6", path],
                         capture_output=True, text=True, check=True).stdout
    bars = []
    for line in out.split("persistence intervals in dim 1:")[1].splitlines():
        line = line.strip()
        if line.startswith("["):
            b, d = line[1:-1].split(",")
            if d.strip():  # classes still alive at the threshold are cut-off artefacts
                bars.append((float(b), float(d)))
    return np.array(bars)


def make_pair(kind, n, rng, tmp):
    if kind == "random":
        out = []
        for _ in range(2):
            b = rng.uniform(0, 1, n)
            out.append(np.c_[b, b + rng.exponential(0.2, n)])
        return out
    if kind == "h0":
        return [h0_diagram(torus(rng, n + 1, noise)) for noise in (0.05, 0.08)]
    if kind == "h1":
        out = []
        for noise in (0.05, 0.08):
            # about 0.37 H1 bars per point at this noise: take a few more points than needed
            m = int(n / 0.33) + 200
            while True:
                d = h1_diagram(torus(rng, m, noise), tmp)
                if len(d) >= n:
                    break
                m = int(m * 1.3)
            out.append(d[rng.choice(len(d), n, replace=False)])
        return out
    raise ValueError(kind)


def write(path, dgm):
    with open(path, "w") as f:
        for b, d in dgm:
            f.write("0 %r %s\n" % (float(b), "inf" if math.isinf(d) else repr(float(d))))


def ours(args, a_path, b_path, repeat):
    out = subprocess.run([BENCH, "--repeat", str(repeat)] + args + [a_path, b_path],
                         capture_output=True, text=True, check=True).stdout
    lines = dict(line.split(None, 1) for line in out.splitlines())
    return float(lines["value"]), float(lines["median"])


def timed(fn, repeat):
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return value, statistics.median(times)


def pot_converged(a, b, p):
    """W_p by POT's network simplex, like gudhi.wasserstein but allowed to converge (finite diagrams)"""
    import ot
    n, m = len(a), len(b)
    c = np.zeros((n + 1, m + 1))
    c[:n, :m] = np.maximum(np.abs(a[:, None, 0] - b[None, :, 0]), np.abs(a[:, None, 1] - b[None, :, 1])) ** p
    c[:n, m] = ((a[:, 1] - a[:, 0]) / 2) ** p
    c[n, :m] = ((b[:, 1] - b[:, 0]) / 2) ** p
    wa = np.ones(n + 1)
    wa[n] = m
    wb = np.ones(m + 1)
    wb[m] = n
    return ot.emd2(wa, wb, c, numItermax=1000000000) ** (1.0 / p)


def rel(x, y):
    if math.isinf(x) or math.isinf(y):
        return 0.0 if x == y else math.inf
    return abs(x - y) / max(abs(y), 1e-300)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--kinds", default="random,h0,h1")
    ap.add_argument("--repeat", type=int, default=5, help="runs for sizes <= 2000")
    ap.add_argument("--repeat-large", type=int, default=3, help="runs for larger sizes")
    ap.add_argument("--pot-repeat-large", type=int, default=1,
                    help="runs of the slow exact POT route for larger sizes")
    ap.add_argument("--pot-converged", action="store_true",
                    help="also run POT's exact solver with enough iterations to converge")
    ap.add_argument("--seed", type=int, default=1)
    opt = ap.parse_args()
    if not os.access(BENCH, os.X_OK):
        sys.exit("te_diagram_bench not found at %s: run make unit BUILD=... and set TE_BUILD" % BENCH)
    rng = np.random.default_rng(opt.seed)
    tmp = tempfile.mkdtemp(prefix="te_bench_diagram_")
    print("# topembed diagram distances vs GUDHI %s (medians of repeated runs, seconds)" % gudhi.__version__)
    print("# ratio = reference / ours (> 1: ours faster); diff = |ours - ref| / ref")
    header = "%-7s %6s %-11s %10s  %-14s %10s %8s %9s" % (
        "kind", "n", "distance", "ours", "reference", "ref", "ratio", "diff")
    print(header)
    print("-" * len(header))
    for n in [int(s) for s in opt.sizes.split(",")]:
        rep = opt.repeat if n <= 2000 else opt.repeat_large
        pot_rep = opt.repeat if n <= 2000 else opt.pot_repeat_large
        for kind in opt.kinds.split(","):
            a, b = make_pair(kind, n, rng, tmp)
            pa, pb = os.path.join(tmp, "a.txt"), os.path.join(tmp, "b.txt")
            write(pa, a)
            write(pb, b)
            rows = []
            v, t = ours(["--bottleneck"], pa, pb, rep)
            rv, rt = timed(lambda: gudhi.bottleneck_distance(a, b, 0), rep)
            rows.append(("bottleneck", v, t, "gudhi e=0", rv, rt))
            for p in (1, 2):
                v, t = ours(["--wasserstein", str(p)], pa, pb, rep)
                rv, rt = timed(lambda: gudhi.hera.wasserstein_distance(a, b, order=p, internal_p=np.inf), rep)
                rows.append(("W%d" % p, v, t, "hera d=0.01", rv, rt))
                rv, rt = timed(lambda: gudhi.wasserstein.wasserstein_distance(
                    a, b, order=p, internal_p=np.inf), pot_rep)
                rows.append(("W%d" % p, v, t, "pot (gudhi)", rv, rt))
                if opt.pot_converged:
                    rv, rt = timed(lambda: pot_converged(a, b, p), pot_rep)
                    rows.append(("W%d" % p, v, t, "pot 1e9 iter", rv, rt))
            for name, v, t, ref, rv, rt in rows:
                print("%-7s %6d %-11s %10.4f  %-14s %10.4f %8.1f %9.1e" % (
                    kind, n, name, t, ref, rt, rt / t, rel(v, rv)), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
