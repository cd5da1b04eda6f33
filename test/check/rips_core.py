#!/usr/bin/python3
"""Cross-check the Rips engine (te_rips) against Debian's ripser and GUDHI.

Prints TAP lines ("ok - ..." / "not ok - ...") and exits nonzero on any
failure.  Run with /usr/bin/python3 (python3-numpy, python3-gudhi).

Environment:
  TE_BUILD  build directory holding tools/te_rips (default: build, relative
            to the project root)
  TE_DATA   data directory (default: <root>/../shared/data)
  TE_CHECK_QUICK=1  fewer random clouds (for a fast local run)

Diagrams are compared as multisets per dimension: the same number of bars,
and the values matched within float32-level tolerance.  Ripser prints six
significant digits, so values are matched to a relative 1e-5 (plus an
absolute 1e-6 near zero) after sorting; when sorting cannot align bars whose
printed values tie, a bottleneck matching (gudhi) within the same tolerance
decides.  Essential bars (death = inf) must match in number and births.
"""
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TE_BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
TE_RIPS = os.path.join(BUILD, "tools", "te_rips")
DATA = os.environ.get("TE_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
RIPSER_DIR = os.path.join(DATA, "ripser")
QUICK = os.environ.get("TE_CHECK_QUICK") == "1"

REL_TOL = 1e-5
ABS_TOL = 1e-6

failures = 0
count = 0


def tap(ok, name, detail=None):
    global failures, count
    count += 1
    print("%s - %s" % ("ok" if ok else "not ok", name))
    if not ok:
        failures += 1
        if detail:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return ok


# ---- running the tools ----

def parse_ripser(out):
    res = {}
    dim = None
    for line in out.splitlines():
        m = re.match(r"persistence intervals in dim (\d+):", line)
        if m:
            dim = int(m.group(1))
            res.setdefault(dim, [])
            continue
        m = re.match(r"\s*\[([^,]+),\s*([^)]*)\)", line)
        if m and dim is not None:
            d = m.group(2).strip()
            res[dim].append((float(m.group(1)), math.inf if d == "" else float(d)))
    return res


def parse_te(out):
    res = {}
    for line in out.splitlines():
        k, b, d = line.split()
        res.setdefault(int(k), []).append((float(b), float(d)))
    return res


def run_ripser(fmt, path, dim, threshold=None):
    cmd = ["ripser", "--format", fmt, "--dim", str(dim)]
    if threshold is not None:
        cmd += ["--threshold", repr(threshold)]
    r = subprocess.run(cmd + [path], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("ripser failed: " + r.stderr)
    return parse_ripser(r.stdout)


def run_te(fmt, path, dim, threshold=None, metric=None, modulus=None, collapse=True,
           extra=()):
    cmd = [TE_RIPS, "--format", fmt, "--dim", str(dim)]
    if threshold is not None:
        cmd += ["--threshold", repr(threshold)]
    if metric:
        cmd += ["--metric", metric]
    if modulus:
        cmd += ["--modulus", str(modulus)]
    if not collapse:
        cmd += ["--no-collapse"]
    r = subprocess.run(cmd + list(extra) + [path], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("te_rips failed: " + r.stderr)
    return parse_te(r.stdout)


# ---- comparing diagrams ----

def close(u, v):
    if u == v:
        return True
    return abs(u - v) <= REL_TOL * max(abs(u), abs(v)) + ABS_TOL


def compare(a, b, dims):
    """None if the diagrams a and b agree in dimensions 0..dims, else why not."""
    why = []
    for k in range(dims + 1):
        x = a.get(k, [])
        y = b.get(k, [])
        xe = sorted(p[0] for p in x if math.isinf(p[1]))
        ye = sorted(p[0] for p in y if math.isinf(p[1]))
        xf = sorted(p for p in x if not math.isinf(p[1]))
        yf = sorted(p for p in y if not math.isinf(p[1]))
        if len(xe) != len(ye):
            why.append("H%d: %d vs %d essential bars" % (k, len(xe), len(ye)))
        elif not all(close(u, v) for u, v in zip(xe, ye)):
            why.append("H%d: essential births differ" % k)
        if len(xf) != len(yf):
            why.append("H%d: %d vs %d finite bars" % (k, len(xf), len(yf)))
            continue
        if all(close(p[0], q[0]) and close(p[1], q[1]) for p, q in zip(xf, yf)):
            continue
        # printed ties can misalign the sort: fall back to a bottleneck matching
        import gudhi
        scale = max([1.0] + [abs(v) for p in xf + yf for v in p])
        bd = gudhi.bottleneck_distance(np.array(xf).reshape(-1, 2), np.array(yf).reshape(-1, 2))
        if bd > REL_TOL * scale + ABS_TOL:
            bad = [(p, q) for p, q in zip(xf, yf) if not (close(p[0], q[0]) and close(p[1], q[1]))]
            why.append("H%d: bottleneck distance %.3g; first sorted mismatches %s"
                       % (k, bd, bad[:3]))
    return "; ".join(why) if why else None


def counts(d, dims):
    return "/".join(str(len(d.get(k, []))) for k in range(dims + 1))


def check_pair(name, ref, got, dims):
    why = compare(ref, got, dims)
    return tap(why is None, "%s (bars %s)" % (name, counts(got, dims)), why)


# ---- data ----

def write_points(path, X):
    with open(path, "w") as f:
        for row in X:
            f.write(" ".join("%.9g" % v for v in row) + "\n")


def write_lower(path, D):
    n = D.shape[0]
    with open(path, "w") as f:
        for i in range(1, n):
            f.write(",".join("%.9g" % D[i, j] for j in range(i)) + "\n")


def read_clip(path):
    rows = []
    with open(path) as f:
        f.readline()
        for line in f:
            pid, mod, emb = line.rstrip("\n").split(",", 2)
            rows.append((mod, [float(v) for v in emb.strip('"{}').split(",")]))
    return rows


def cosine_matrix(X):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    # squared chords directly for accuracy, then 1 - cos = chord^2 / 2
    G = Xn @ Xn.T
    sq = np.maximum(2.0 - 2.0 * G, 0.0)
    close_pairs = sq < 1.0 / 32
    if close_pairs.any():
        ii, jj = np.nonzero(close_pairs)
        for i, j in zip(ii, jj):
            sq[i, j] = np.sum((Xn[i] - Xn[j]) ** 2)
    return sq / 2.0


def angular_matrix(X):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    n = Xn.shape[0]
    D = np.zeros((n, n))
    for i in range(n):
        dm = np.linalg.norm(Xn[i] - Xn, axis=1)
        dp = np.linalg.norm(Xn[i] + Xn, axis=1)
        D[i] = 2.0 * np.arctan2(dm, dp)
    return D


def random_cloud(rng, shape, n, d):
    if shape == "gaussian":
        X = rng.standard_normal((n, d))
    elif shape == "circle":
        t = rng.uniform(0, 2 * math.pi, n)
        X = np.zeros((n, max(d, 2)))
        X[:, 0] = np.cos(t)
        X[:, 1] = np.sin(t)
        X += 0.05 * rng.standard_normal(X.shape)
    elif shape == "sphere":
        X = rng.standard_normal((n, max(d, 3)))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    elif shape == "torus":
        a = rng.uniform(0, 2 * math.pi, n)
        b = rng.uniform(0, 2 * math.pi, n)
        X = np.stack([np.cos(a), np.sin(a), np.cos(b), np.sin(b)], axis=1)
    elif shape == "duplicates":
        base = rng.standard_normal((max(2, n // 3), d))
        X = base[rng.integers(0, base.shape[0], n)]
    elif shape == "collinear":
        t = rng.uniform(-1, 1, n)
        direction = rng.standard_normal(d)
        X = np.outer(t, direction)
    elif shape == "rp2":
        # the Veronese embedding of the sphere: a sample of the projective plane
        Y = rng.standard_normal((n, 3))
        Y /= np.linalg.norm(Y, axis=1, keepdims=True)
        r2 = math.sqrt(2.0)
        X = np.stack([Y[:, 0] ** 2, Y[:, 1] ** 2, Y[:, 2] ** 2, r2 * Y[:, 0] * Y[:, 1],
                      r2 * Y[:, 0] * Y[:, 2], r2 * Y[:, 1] * Y[:, 2]], axis=1)
    elif shape == "grid":
        X = rng.integers(0, 3, (n, d)).astype(float)
    else:
        raise ValueError(shape)
    return X.astype(np.float32).astype(np.float64)


# ---- the checks ----

def check_ripser_examples(tmp):
    cases = [
        ("sphere_3_192.lower_distance_matrix", "lower-distance", 2, None),
        ("random16.lower_distance_matrix", "lower-distance", 2, None),
        ("random20.lower_distance_matrix", "lower-distance", 2, None),
        ("projective_plane.lower_distance_matrix", "lower-distance", 2, None),
        ("projective_plane.csv", "distance", 2, None),
        ("o3_1024.txt", "point-cloud", 3, 1.8),
    ]
    for fname, fmt, dim, thr in cases:
        path = os.path.join(RIPSER_DIR, fname)
        if not os.path.exists(path):
            # a user's own clone has no ../shared: say so, never fail for it
            tap(True, "# SKIP ripser example %s: %s absent (the shared data sits in ../shared/data "
                "beside the checkout; TE_DATA names another place)" % (fname, path))
            continue
        t0 = time.time()
        ref = run_ripser(fmt, path, dim, thr)
        t1 = time.time()
        got = run_te(fmt, path, dim, thr)
        t2 = time.time()
        check_pair("%s --dim %d%s matches ripser (ripser %.2fs, te_rips %.2fs)"
                   % (fname, dim, " --threshold %g" % thr if thr else "", t1 - t0, t2 - t1),
                   ref, got, dim)
        if fname.startswith("sphere") or fname.startswith("projective_plane.lower"):
            got2 = run_te(fmt, path, dim, thr, collapse=False)
            check_pair("%s without collapse matches" % fname, ref, got2, dim)
    # the published counts
    if not os.path.exists(os.path.join(RIPSER_DIR, "sphere_3_192.lower_distance_matrix")) or \
            not os.path.exists(os.path.join(RIPSER_DIR, "projective_plane.lower_distance_matrix")):
        return
    got = run_te("lower-distance", os.path.join(RIPSER_DIR, "sphere_3_192.lower_distance_matrix"), 2)
    h2 = got.get(2, [])
    tap(counts(got, 2) == "192/53/1" and len(h2) == 1 and close(h2[0][0], 0.720484)
        and close(h2[0][1], 1.65562), "sphere_3_192 has 192/53/1 bars and H2 [0.720484, 1.65562)")
    got = run_te("lower-distance", os.path.join(RIPSER_DIR, "projective_plane.lower_distance_matrix"), 2)
    tap(got.get(1) == [(1.0, 2.0)] and got.get(2) == [(1.0, 2.0)],
        "projective_plane over Z/2: H1 [1,2) and H2 [1,2)")


def check_clip(tmp):
    path = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    if not os.path.exists(path):
        tap(True, "# SKIP the CLIP embeddings: %s absent (the shared data sits in ../shared/data "
            "beside the checkout; TE_DATA names another place)" % path)
        return
    rows = read_clip(path)
    allX = np.array([r[1] for r in rows])
    img = np.array([r[1] for r in rows if r[0] == "image"])
    p_all = os.path.join(tmp, "clip1000.txt")
    p_img = os.path.join(tmp, "clip500img.txt")
    write_points(p_all, allX)
    write_points(p_img, img)

    for name, p, dim in (("500 CLIP images", p_img, 2), ("1000 CLIP vectors", p_all, 1)):
        t0 = time.time()
        ref = run_ripser("point-cloud", p, dim)
        t1 = time.time()
        got = run_te("point-cloud", p, dim)
        t2 = time.time()
        check_pair("%s euclidean up to H%d match ripser (ripser %.2fs, te_rips %.2fs)"
                   % (name, dim, t1 - t0, t2 - t1), ref, got, dim)
        got0 = run_te("point-cloud", p, 0)
        check_pair("%s H0 by spanning tree matches ripser's H0" % name,
                   {0: ref[0]}, got0, 0)

    got_nc = run_te("point-cloud", p_img, 2, collapse=False)
    got_c = run_te("point-cloud", p_img, 2)
    tap(got_nc == got_c, "500 CLIP images: collapse on and off give identical diagrams")

    # cosine and angular: ripser on the matrix numpy computes
    for metric, fn in (("cosine", cosine_matrix), ("angular", angular_matrix)):
        for name, X, p, dim in (("500 CLIP images", img, p_img, 2),
                                ("1000 CLIP vectors", allX, p_all, 1)):
            if metric == "angular" and dim == 1:
                continue
            lp = os.path.join(tmp, "clip_%s_%d.lower" % (metric, X.shape[0]))
            write_lower(lp, fn(X))
            ref = run_ripser("lower-distance", lp, dim)
            got = run_te("point-cloud", p, dim, metric=metric)
            check_pair("%s %s up to H%d match ripser on numpy's matrix" % (name, metric, dim),
                       ref, got, dim)

    # a threshold below the enclosing radius: several essential classes
    ref = run_ripser("point-cloud", p_img, 2, threshold=0.95)
    got = run_te("point-cloud", p_img, 2, threshold=0.95)
    check_pair("500 CLIP images with --threshold 0.95 match ripser (essential %s)"
               % "/".join(str(sum(1 for b in got.get(k, []) if math.isinf(b[1]))) for k in range(3)),
               ref, got, 2)
    got0 = run_te("point-cloud", p_img, 0, threshold=0.8)
    # (ripser 1.2.1 asserts with --dim 0 and a threshold, so take H0 from --dim 1)
    ref0 = {0: run_ripser("point-cloud", p_img, 1, threshold=0.8)[0]}
    check_pair("500 CLIP images H0 at --threshold 0.8 by spanning tree matches ripser", ref0, got0, 0)


def check_random(tmp):
    rng = np.random.default_rng(20240601)
    shapes = ["gaussian", "circle", "sphere", "torus", "duplicates", "collinear", "grid"]
    n_clouds = 70 if QUICK else 350
    bad_collapse = 0
    bad = []
    for i in range(n_clouds):
        shape = shapes[i % len(shapes)]
        n = int(rng.integers(5, 41))
        d = int(rng.integers(1, 11))
        X = random_cloud(rng, shape, n, d)
        p = os.path.join(tmp, "cloud%d.txt" % i)
        write_points(p, X)
        thr = None
        if i % 5 == 4:
            # a threshold inside the distance range
            # midway between two distinct distances: float rounding of a distance
            # that equals the threshold would make the comparison arbitrary
            from scipy.spatial.distance import pdist
            dd = np.unique(pdist(X))
            if dd.size >= 2:
                q = int(0.3 * (dd.size - 1))
                thr = float(np.float32((dd[q] + dd[q + 1]) / 2))
        ref = run_ripser("point-cloud", p, 2, thr)
        got = run_te("point-cloud", p, 2, thr)
        got_nc = run_te("point-cloud", p, 2, thr, collapse=False)
        why = compare(ref, got, 2)
        if why:
            bad.append("cloud %d (%s, n=%d, d=%d%s): %s" % (i, shape, n, d,
                                                           ", thr=%g" % thr if thr else "", why))
        if got != got_nc:
            bad_collapse += 1
        os.unlink(p)
    tap(not bad, "%d random clouds (n 5..40, dims 1..10, %s) up to H2 match ripser"
        % (n_clouds, ", ".join(shapes)), "\n".join(bad))
    tap(bad_collapse == 0, "%d random clouds: collapse on and off give identical diagrams"
        % n_clouds, "%d differ" % bad_collapse)

    # H3 on a few larger clouds
    bad = []
    for i in range(4 if QUICK else 12):
        shape = ["sphere", "torus", "gaussian", "grid"][i % 4]
        X = random_cloud(rng, shape, int(rng.integers(20, 31)), 4)
        p = os.path.join(tmp, "h3_%d.txt" % i)
        write_points(p, X)
        ref = run_ripser("point-cloud", p, 3)
        got = run_te("point-cloud", p, 3)
        why = compare(ref, got, 3)
        if why:
            bad.append("cloud %d (%s): %s" % (i, shape, why))
    tap(not bad, "random clouds up to H3 match ripser", "\n".join(bad))


def gudhi_diagram(D, dim, modulus, threshold=None):
    import gudhi
    kw = {"distance_matrix": D}
    if threshold is not None:
        kw["max_edge_length"] = threshold
    rc = gudhi.RipsComplex(**kw)
    st = rc.create_simplex_tree(max_dimension=dim + 1)
    res = {}
    # (persistence() recomputes with its own defaults: pass the field to it)
    for k, (b, d) in st.persistence(homology_coeff_field=modulus, min_persistence=0):
        if k <= dim and d > b:
            res.setdefault(k, []).append((b, d))
    return res


def check_modulus(tmp):
    help_text = subprocess.run(["ripser", "--help"], capture_output=True, text=True).stderr
    has_mod = "--modulus" in help_text
    tap(True, "ripser %s --modulus; prime fields checked against GUDHI"
        % ("supports" if has_mod else "lacks"))
    # the projective plane: over Z/3 neither H1 nor H2 survives
    pp = os.path.join(RIPSER_DIR, "projective_plane.lower_distance_matrix")
    if not os.path.exists(pp):
        tap(True, "# SKIP the projective plane over Z/3 and Z/5: %s absent (the shared data sits in "
            "../shared/data beside the checkout)" % pp)
        return
    vals = [float(v) for v in open(pp).read().replace(",", " ").split()]
    n = int(round((1 + math.sqrt(1 + 8 * len(vals))) / 2))
    D = np.zeros((n, n))
    t = 0
    for i in range(1, n):
        for j in range(i):
            D[i, j] = D[j, i] = vals[t]
            t += 1
    for p in (3, 5):
        got = run_te("lower-distance", pp, 2, modulus=p)
        ref = gudhi_diagram(D, 2, p, threshold=float(np.max(D)))
        check_pair("projective_plane over Z/%d matches GUDHI (no H1, no H2)" % p, ref, got, 2)
        tap(not got.get(1) and not got.get(2), "projective_plane over Z/%d: H1 and H2 vanish" % p)
    got2 = run_te("lower-distance", pp, 2, modulus=2)
    ref2 = gudhi_diagram(D, 2, 2, threshold=float(np.max(D)))
    check_pair("projective_plane over Z/2 matches GUDHI", ref2, got2, 2)

    # random clouds over Z/3, Z/7 and Z/46337 against GUDHI on the same float32 matrix
    rng = np.random.default_rng(7)
    bad = []
    torsion = 0
    for i in range(8 if QUICK else 30):
        shape = ["rp2", "torus", "rp2", "grid", "duplicates"][i % 5]
        X = random_cloud(rng, shape, int(rng.integers(8, 26)) if shape != "rp2" else 45,
                         int(rng.integers(2, 5)))
        from scipy.spatial.distance import pdist, squareform
        D = squareform(pdist(X)).astype(np.float32).astype(np.float64)
        lp = os.path.join(tmp, "mod%d.lower" % i)
        write_lower(lp, D)
        p = [3, 7, 46337][i % 3]
        got = run_te("lower-distance", lp, 2, modulus=p)
        r = np.max(D, axis=1).min()
        # GUDHI's threshold cuts at r; our complex is a cone there too
        ref = gudhi_diagram(D, 2, p, threshold=float(r))
        why = compare(ref, got, 2)
        if why:
            bad.append("cloud %d (%s, Z/%d): %s" % (i, shape, p, why))
        if shape == "rp2":
            got2 = run_te("lower-distance", lp, 2, modulus=2)
            ref2 = gudhi_diagram(D, 2, 2, threshold=float(r))
            why = compare(ref2, got2, 2)
            if why:
                bad.append("cloud %d (%s, Z/2): %s" % (i, shape, why))
            if compare(got, got2, 2):
                torsion += 1
    tap(not bad, "random clouds over Z/2, Z/3, Z/7, Z/46337 match GUDHI", "\n".join(bad))
    tap(torsion > 0, "samples of the projective plane differ between Z/2 and odd fields "
        "(%d of them)" % torsion)


def check_gudhi_z2(tmp):
    rng = np.random.default_rng(11)
    bad = []
    for i in range(6):
        X = random_cloud(rng, ["torus", "sphere", "gaussian"][i % 3], 40, 4)
        from scipy.spatial.distance import pdist, squareform
        D = squareform(pdist(X)).astype(np.float32).astype(np.float64)
        lp = os.path.join(tmp, "g%d.lower" % i)
        write_lower(lp, D)
        got = run_te("lower-distance", lp, 2)
        ref = gudhi_diagram(D, 2, 2, threshold=float(np.max(D, axis=1).min()))
        why = compare(ref, got, 2)
        if why:
            bad.append("cloud %d: %s" % (i, why))
    tap(not bad, "random clouds of 40 points over Z/2 match GUDHI up to H2", "\n".join(bad))


def check_invariants(tmp):
    rng = np.random.default_rng(3)
    bad = []
    for i in range(20):
        X = random_cloud(rng, ["gaussian", "duplicates", "grid"][i % 3], 30, 3)
        p = os.path.join(tmp, "inv%d.txt" % i)
        write_points(p, X)
        from scipy.spatial.distance import pdist
        zero = int(np.sum(pdist(X) == 0))
        got = run_te("point-cloud", p, 2)
        h0 = got.get(0, [])
        # zero-length H0 bars are the merges at distance 0
        from scipy.sparse.csgraph import minimum_spanning_tree
        from scipy.spatial.distance import squareform
        ok = all(b <= d for k in got for b, d in got[k])
        ess = sum(1 for b, d in h0 if math.isinf(d))
        uniq = np.unique(X, axis=0).shape[0]
        if not ok or ess != 1 or len(h0) != uniq:
            bad.append("cloud %d: %d H0 bars for %d distinct points, %d essential"
                       % (i, len(h0), uniq, ess))
        del zero
    tap(not bad, "invariants: births <= deaths, H0 = distinct points, one essential class",
        "\n".join(bad))


def main():
    if not os.path.exists(TE_RIPS):
        tap(False, "te_rips built at %s (make unit BUILD=...)" % TE_RIPS)
        return 1
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="te_rips_check_") as tmp:
        check_ripser_examples(tmp)
        check_clip(tmp)
        check_random(tmp)
        check_modulus(tmp)
        check_gudhi_z2(tmp)
        check_invariants(tmp)
    print("# %d checks, %d failed, %.1f s" % (count, failures, time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
