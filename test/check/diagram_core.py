#!/usr/bin/python3
"""Cross-check of the diagram analytics (src/core/diagram.c, bottleneck.c, wasserstein.c) against GUDHI.

Run with /usr/bin/python3 (python3-gudhi, python3-numpy, python3-scipy; POT if
installed).  Prints TAP lines "ok - ..." / "not ok - ..." and exits nonzero
on any failure.

  TE_BUILD  build directory holding tools/te_diagram (default <root>/build)
  TE_DATA   the shared data directory (default <root>/../shared/data)
  TE_CHECK_SEED, TE_CHECK_CASES   random seed and number of random cases

References:
  bottleneck      gudhi.bottleneck_distance(a, b, e=0)            exact, to 1e-9
  Wasserstein     POT through gudhi.wasserstein (exact), and an independent
                  brute force: scipy.optimize.linear_sum_assignment on the full
                  (na+nb) x (na+nb) matrix with diagonal copies   to 1e-9
                  gudhi.hera.wasserstein_distance (delta = 0.01): within hera's
                  stated relative error
  entropy         gudhi.representations.Entropy(mode="scalar")   to 1e-9
  landscape       gudhi.representations.Landscape on its own grid_; GUDHI's
                  values are sqrt(2) times Bubenik's              to 1e-9
  Betti curve     gudhi.representations.BettiCurve(predefined_grid=...) exact
  Betti numbers   SimplexTree.persistent_betti_numbers(r, r) on real complexes

Cases: CASES random pairs (sizes 0..300; uniform, tied, H0-like, on-the-diagonal
and integer diagrams; perturbed copies for small distances; 0-2 essential classes,
sometimes unequal counts; p = 1, 2 and 3.5), and the real diagrams: H0 and H1 of
the L2-normalised embeddings of each model in mscoco100_clip_vs_cloob.csv (200
points each, Euclidean Rips by gudhi.RipsComplex), every model against every other.
"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import gudhi
import gudhi.hera
import gudhi.wasserstein
from gudhi.representations import BettiCurve, Entropy, Landscape
from scipy.optimize import linear_sum_assignment

warnings.filterwarnings("ignore")

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("TE_BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
CLI = os.path.join(BUILD, "tools", "te_diagram")
DATA = os.environ.get("TE_DATA", os.path.join(ROOT, "..", "shared", "data"))
SEED = int(os.environ.get("TE_CHECK_SEED", "20240611"))
CASES = int(os.environ.get("TE_CHECK_CASES", "300"))
TOL = 1e-9
HERA_DELTA = 0.01

try:
    import ot  # noqa: F401  (POT, used by gudhi.wasserstein)
    HAVE_POT = True
except ImportError:
    HAVE_POT = False

failures = 0
count = 0
tmpdir = tempfile.mkdtemp(prefix="te_diagram_check_")


def tap(ok, name):
    global failures, count
    count += 1
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + name, flush=True)


def close(x, y, tol=TOL):
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= tol * max(1.0, abs(y))


def write_diagram(path, dgm, dim):
    with open(path, "w") as f:
        for b, d in dgm:
            f.write("%d %r %s\n" % (dim, float(b), "inf" if math.isinf(d) else repr(float(d))))


def run_cli(args):
    res = subprocess.run([CLI] + args, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("te_diagram %s: %s %s" % (" ".join(args), res.stdout, res.stderr))
    out = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        key = parts[0]
        if key == "wasserstein":
            out[(key, float(parts[1]))] = parts[2:]
        elif key == "landscape":
            out["landscape %s" % parts[1]] = parts[2:]
        else:
            out[key] = parts[1:]
    return out


def brute_wasserstein(a, b, p):
    """W_p (finite parts) by an exact dense assignment with diagonal copies."""
    na, nb = len(a), len(b)
    n = na + nb
    if n == 0:
        return 0.0
    cost = np.zeros((n, n))
    if na and nb:
        c = np.maximum(np.abs(a[:, None, 0] - b[None, :, 0]), np.abs(a[:, None, 1] - b[None, :, 1]))
        cost[:na, :nb] = c ** p
    ha = ((a[:, 1] - a[:, 0]) / 2) ** p if na else np.zeros(0)
    hb = ((b[:, 1] - b[:, 0]) / 2) ** p if nb else np.zeros(0)
    big = np.inf
    # rows: a points then b's diagonal copies; columns: b points then a's diagonal copies
    cost[:na, nb:] = big
    cost[np.arange(na), nb + np.arange(na)] = ha
    cost[na:, :nb] = big
    cost[na + np.arange(nb), np.arange(nb)] = hb
    cost[na:, nb:] = 0.0
    cost[np.isinf(cost)] = 1e300
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].sum()) ** (1.0 / p)


def split(dgm):
    fin = dgm[np.isfinite(dgm[:, 1])] if len(dgm) else dgm.reshape(0, 2)
    ess = np.sort(dgm[~np.isfinite(dgm[:, 1]), 0]) if len(dgm) else np.zeros(0)
    return fin, ess


def exact_wasserstein(a, b, p):
    """Independent exact W_p with essential parts, from the brute force."""
    fa, ea = split(a)
    fb, eb = split(b)
    if len(ea) != len(eb):
        return math.inf
    s = brute_wasserstein(fa, fb, p) ** p + float(np.sum(np.abs(ea - eb) ** p))
    return s ** (1.0 / p)


# ---------------------------------------------------------------- random diagrams

def random_diagram(rng, n, kind):
    if n == 0:
        return np.zeros((0, 2))
    if kind == "uniform":
        b = rng.uniform(0, 1, n)
        d = b + rng.exponential(0.2, n)
    elif kind == "ties":
        b = np.round(rng.uniform(0, 1, n), 1)
        d = b + np.round(rng.exponential(0.3, n), 1)
    elif kind == "h0":
        b = np.zeros(n)
        d = rng.uniform(0.2, 0.6, n)
    elif kind == "diagonal":
        b = rng.uniform(0, 1, n)
        d = b + rng.exponential(0.1, n) * (rng.uniform(size=n) < 0.5)
    elif kind == "integer":
        b = rng.integers(0, 5, n).astype(float)
        d = b + rng.integers(0, 4, n)
    else:
        raise ValueError(kind)
    return np.c_[b, d]


def add_essential(rng, dgm, k):
    if k == 0:
        return dgm
    e = np.c_[np.round(rng.uniform(0, 1, k), 2), np.full(k, np.inf)]
    return np.concatenate([dgm, e]) if len(dgm) else e


def perturb(rng, dgm, scale):
    if len(dgm) == 0:
        return dgm.copy()
    out = dgm.copy()
    fin = np.isfinite(out[:, 1])
    noise = rng.normal(0, scale, (len(out), 2))
    out[fin] += noise[fin]
    out[~fin, 0] += noise[~fin, 0]
    out[:, 1] = np.maximum(out[:, 1], out[:, 0])
    return out


def random_cases(rng):
    kinds = ["uniform", "ties", "h0", "diagonal", "integer"]
    sizes = [0, 1, 2, 3, 5, 10, 30, 60, 100, 200, 300]
    for i in range(CASES):
        kind = kinds[i % len(kinds)]
        na = int(sizes[rng.integers(len(sizes))]) if i % 3 else int(rng.integers(0, 301))
        a = random_diagram(rng, na, kind)
        if i % 4 == 1:
            b = perturb(rng, a, 0.02)      # a close diagram: small distances
        else:
            nb = int(sizes[rng.integers(len(sizes))]) if i % 2 else int(rng.integers(0, 301))
            b = random_diagram(rng, nb, kinds[(i // 5) % len(kinds)])
        k = int(rng.integers(0, 3))
        a = add_essential(rng, a, k)
        b = add_essential(rng, b, k if i % 11 else k + 1)
        yield i, kind, a, b


def check_pair(name, a, b, dim, ps=(1.0, 2.0), brute_limit=600):
    pa = os.path.join(tmpdir, "a.txt")
    pb = os.path.join(tmpdir, "b.txt")
    write_diagram(pa, a, dim)
    write_diagram(pb, b, dim)
    args = ["--dim", str(dim), "--bottleneck"]
    for p in ps:
        args += ["--wasserstein", repr(p)]
    out = run_cli(args + [pa, pb])
    ok = True
    msgs = []

    mine = float(out["bottleneck"][0])
    ref = gudhi.bottleneck_distance(a, b, 0)
    if not close(mine, ref):
        ok = False
        msgs.append("bottleneck %r vs gudhi e=0 %r" % (mine, ref))
    for p in ps:
        mine = float(out[("wasserstein", float(p))][0])
        if len(a) + len(b) <= brute_limit:
            ref = exact_wasserstein(a, b, p)
            if not close(mine, ref):
                ok = False
                msgs.append("W%g %r vs brute force %r" % (p, mine, ref))
        if HAVE_POT:
            ref = gudhi.wasserstein.wasserstein_distance(a, b, order=p, internal_p=np.inf)
            if not close(mine, ref):
                ok = False
                msgs.append("W%g %r vs POT %r" % (p, mine, ref))
        # hera 3.7.1 never returns on some inputs: a diagram whose finite
        # points all lie on the diagonal, or an empty finite part next to
        # essential points.  Points on the diagonal cost nothing, so they are
        # dropped for hera; the second case is left to the exact references.
        ha = a[a[:, 1] > a[:, 0]] if len(a) else a
        hb = b[b[:, 1] > b[:, 0]] if len(b) else b
        fa, ea = split(ha)
        fb, eb = split(hb)
        if (len(fa) == 0 or len(fb) == 0) and (len(ea) or len(eb)):
            continue
        hera = gudhi.hera.wasserstein_distance(ha, hb, order=p, internal_p=np.inf, delta=HERA_DELTA)
        if math.isinf(mine) or math.isinf(hera):
            if mine != hera:
                ok = False
                msgs.append("W%g %r vs hera %r" % (p, mine, hera))
        elif not (hera <= (1 + HERA_DELTA) * mine + 1e-12 and mine <= hera * (1 + 1e-9) + 1e-12):
            ok = False
            msgs.append("W%g %r outside hera's relative error (hera %r)" % (p, mine, hera))
    tap(ok, name + ("" if ok else ": " + "; ".join(msgs)))


def check_summaries(name, a, dim, k=3):
    """entropy, total persistence, landscape, Betti curve of one diagram"""
    fin, ess = split(a)
    pa = os.path.join(tmpdir, "s.txt")
    write_diagram(pa, a, dim)
    msgs = []
    # the grid: GUDHI's default landscape grid on the finite part, plus all events
    events = np.unique(np.concatenate([fin.flatten(), ess, [-1.0, 2.0]]))
    if len(fin):
        land = Landscape(num_landscapes=k, resolution=50)
        lref = land.fit_transform([fin])[0].reshape(k, -1)
        lgrid = land.grid_
    else:
        lgrid = np.linspace(0, 1, 5)
        lref = np.zeros((k, len(lgrid)))
    gpath = os.path.join(tmpdir, "grid.txt")
    with open(gpath, "w") as f:
        f.write("\n".join(repr(float(x)) for x in lgrid) + "\n")
    cpath = os.path.join(tmpdir, "cgrid.txt")
    mids = (events[:-1] + events[1:]) / 2 if len(events) > 1 else events
    cgrid = np.unique(np.concatenate([events, mids]))
    with open(cpath, "w") as f:
        f.write("\n".join(repr(float(x)) for x in cgrid) + "\n")

    # landscape of the finite part only (GUDHI gives NaN for essential bars)
    pf = os.path.join(tmpdir, "f.txt")
    write_diagram(pf, fin, dim)
    out = run_cli(["--dim", str(dim), "--entropy", "--total", "1", "--landscape", str(k),
                   "--grid", "@" + gpath, pf])
    mine_l = np.array([[float(v) for v in out["landscape %d" % (j + 1)]] for j in range(k)])
    if lref.shape != mine_l.shape or not np.allclose(mine_l * math.sqrt(2), lref, rtol=0, atol=TOL):
        msgs.append("landscape differs by %g" % float(np.max(np.abs(mine_l * math.sqrt(2) - lref))))

    out = run_cli(["--dim", str(dim), "--entropy", "--total", "2", "--betti-curve",
                   "--grid", "@" + cpath, pa])
    # entropy: GUDHI on the bars of positive length (0 ln 0 = 0 on our side)
    pos = fin[fin[:, 1] > fin[:, 0]] if len(fin) else fin
    if len(pos):
        ref = float(Entropy(mode="scalar").fit_transform([pos])[0, 0])
        if out["entropy_a"][0] == "null" or not close(float(out["entropy_a"][0]), ref):
            msgs.append("entropy %s vs gudhi %r" % (out["entropy_a"][0], ref))
    elif out["entropy_a"][0] != "null":
        msgs.append("entropy of a diagram without positive finite bars should be null")
    ref = float(np.sum((fin[:, 1] - fin[:, 0]) ** 2)) if len(fin) else 0.0
    if not close(float(out["total_a"][0]), ref) or int(out["total_a"][1]) != len(ess):
        msgs.append("total persistence %s vs %r" % (out["total_a"], ref))
    if len(a):
        bref = BettiCurve(predefined_grid=cgrid).fit_transform([a])[0]
    else:
        bref = np.zeros(len(cgrid), dtype=int)
    mine_b = np.array([int(v) for v in out["betti_curve"]])
    brute = np.array([int(np.sum((a[:, 0] <= t) & (t < a[:, 1]))) if len(a) else 0 for t in cgrid])
    if not (np.array_equal(mine_b, bref) and np.array_equal(mine_b, brute)):
        msgs.append("Betti curve differs from gudhi BettiCurve / direct count")
    tap(not msgs, name + ("" if not msgs else ": " + "; ".join(msgs)))


# ---------------------------------------------------------------- real diagrams

def load_models(path):
    import csv
    csv.field_size_limit(1 << 30)
    models = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            emb = np.array([float(x) for x in row["embedding"].strip("{}").split(",")])
            models.setdefault(row["model"], []).append(emb)
    return {m: np.array(v) for m, v in models.items()}


def rips_diagrams(points):
    rc = gudhi.RipsComplex(points=points)
    st = rc.create_simplex_tree(max_dimension=2)
    st.compute_persistence()
    dg = {d: np.array(st.persistence_intervals_in_dimension(d)).reshape(-1, 2) for d in (0, 1)}
    return st, dg


def real_checks():
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    if not os.path.exists(path):
        # a user's own clone has no ../shared: say so, never fail for it
        tap(True, "# SKIP the real CLIP/CLOOB diagrams: %s absent (the shared data sits in ../shared/data "
            "beside the checkout; TE_DATA names another place)" % path)
        return
    models = load_models(path)
    names = sorted(models)
    tap(len(names) >= 2 and all(len(models[m]) == 200 for m in names),
        "real data: %d models of 200 points" % len(names))
    diagrams = {}
    for m in names:
        x = models[m] / np.linalg.norm(models[m], axis=1, keepdims=True)
        st, dg = rips_diagrams(x)
        diagrams[m] = dg
        # Betti numbers at a few scales against GUDHI's persistent Betti numbers
        both = np.concatenate([np.c_[np.zeros(len(dg[0])), dg[0]], np.c_[np.ones(len(dg[1])), dg[1]]])
        pth = os.path.join(tmpdir, "both.txt")
        with open(pth, "w") as f:
            for d, b, e in both:
                f.write("%d %r %s\n" % (d, b, "inf" if math.isinf(e) else repr(e)))
        fin1 = dg[1][np.isfinite(dg[1][:, 1])]
        scales = [0.0] + list(np.quantile(np.concatenate([dg[0][np.isfinite(dg[0][:, 1]), 1], fin1.flatten()]),
                                          [0.1, 0.3, 0.5, 0.7, 0.9]))
        bad = []
        for r in scales:
            out = run_cli(["--betti", repr(float(r)), pth])
            ref = st.persistent_betti_numbers(float(r), float(r))
            ref = (list(ref) + [0, 0, 0, 0])[:2]
            if [int(v) for v in out["betti"][:2]] != ref:
                bad.append("r=%g: %s vs %s" % (r, out["betti"][:2], ref))
        tap(not bad, "real %s: Betti numbers at 6 scales vs SimplexTree.persistent_betti_numbers %s"
            % (m, "; ".join(bad)))
        for d in (0, 1):
            check_summaries("real %s H%d summaries" % (m, d), dg[d], d, k=5)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            for d in (0, 1):
                check_pair("real H%d %s vs %s: bottleneck, W1, W2" % (d, names[i], names[j]),
                           diagrams[names[i]][d], diagrams[names[j]][d], d)


def main():
    if not os.access(CLI, os.X_OK):
        print("not ok - te_diagram not found at %s (make unit BUILD=...; set TE_BUILD)" % CLI)
        return 1
    rng = np.random.default_rng(SEED)
    for i, kind, a, b in random_cases(rng):
        dim = i % 3
        ps = (1.0, 2.0) if i % 5 else (1.0, 2.0, 3.5)
        check_pair("random %d (%s, %d vs %d points, dim %d): bottleneck, W%s"
                   % (i, kind, len(a), len(b), dim, ",W".join("%g" % p for p in ps)), a, b, dim, ps)
        if i % 3 == 0:
            check_summaries("random %d (%s, %d points): entropy, total, landscape, Betti curve"
                            % (i, kind, len(a)), a, dim)
    real_checks()
    shutil.rmtree(tmpdir, ignore_errors=True)
    print("1..%d" % count)
    print("# %d failed, POT %s" % (failures, "used" if HAVE_POT else "not installed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
