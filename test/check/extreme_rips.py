"""Persistence of points and distances of every magnitude, 1e-300 to 1e300,
both signs: every metric (euclidean, cosine, angular) and every engine path
(H0 of points, H0 of a lower matrix, H1 and H2 of the graph with and without
the edge collapse, the sampled aggregate, persistence_from_distances) gives
the diagram of an independent float64 reference, or a clear error; never a
wrong diagram, never a hang.

The reference: distances in numpy float64 with every pair (Euclidean) or
row (cosine, angular) scaled by its own largest magnitude, so that nothing
overflows or underflows, then GUDHI's Rips persistence on that matrix in
double.  topembed keeps distances as float32 (at a power-of-two scale of its
own), so values agree to float32 precision relative to the largest distance:
bars shorter than 1e-6 of it are left out of the comparison on both sides."""
import math
import struct
import time

import numpy as np

from rips_core import compare
from telib import done, fresh_db, ok

SCALES = [1e-300, 1e-200, 1e-40, 1e-20, 1.0, 1e20, 1e40, 1e200, 1e300]


def ref_distances(X, metric):
    n = len(X)
    D = np.zeros((n, n))
    if metric == "euclidean":
        for i in range(n):
            for j in range(i):
                v = X[i] - X[j]
                m = np.max(np.abs(v))
                D[i, j] = D[j, i] = 0.0 if m == 0 else m * math.sqrt(float(np.sum((v / m) ** 2)))
        return D
    U = np.array([x / np.max(np.abs(x)) for x in X])
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    C = np.clip(U @ U.T, -1.0, 1.0)
    D = 1.0 - C if metric == "cosine" else np.arccos(C)
    np.fill_diagonal(D, 0.0)
    return np.maximum(D, 0.0)


def gudhi_diagram(D, max_dim):
    import gudhi
    st = gudhi.RipsComplex(distance_matrix=D).create_simplex_tree(max_dimension=max_dim + 1)
    res = {}
    for k, (b, d) in st.persistence(homology_coeff_field=2, min_persistence=0):
        if k <= max_dim and d > b:
            res.setdefault(k, []).append((b, d))
    return res


def normalised(dg, scale):
    """bars longer than 1e-6 of the scale, in units of the scale"""
    return {k: [(b / scale, d / scale) for b, d in bars if d - b > 1e-6 * scale] for k, bars in dg.items()}


def sql_diagram(cur, sql, args=None):
    cur.execute("SELECT p.hdim, p.birth, p.death FROM (%s) q(d), unnest(q.d) p" % sql, args)
    res = {}
    for k, b, d in cur.fetchall():
        res.setdefault(k, []).append((b, d))
    return res


def load(cur, X):
    """the rows of X into table pts as float8[]"""
    cur.execute("TRUNCATE pts")
    cur.executemany("INSERT INTO pts VALUES (%s, %s::float8[])", [(i, [float(v) for v in x]) for i, x in enumerate(X)])


def point_hash(x):
    """topembed's sample hash of a point (FNV-1a of its doubles, splitmix finaliser)"""
    h = 0xcbf29ce484222325
    for byte in b"".join(struct.pack("<d", float(v)) for v in x):
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    h ^= h >> 30
    h = (h * 0xbf58476d1ce4e5b9) & 0xFFFFFFFFFFFFFFFF
    h ^= h >> 27
    h = (h * 0x94d049bb133111eb) & 0xFFFFFFFFFFFFFFFF
    return h ^ (h >> 31)


def check(label, got, X, metric, max_dim, D=None):
    D = ref_distances(X, metric) if D is None else D
    ref = gudhi_diagram(D, max_dim)
    scale = float(np.max(D)) or 1.0
    why = compare(normalised(ref, scale), normalised(got, scale), max_dim)
    return ok(why is None, label, why)


def clouds(rng):
    """(name, points) of 14 points in R^4 at every scale, and mixed ones"""
    G = rng.standard_normal((14, 4))
    for s in SCALES:
        yield "scale %g" % s, G * s
        yield "scale -%g, far from the origin" % s, -(G + 40.0) * s
    rows = rng.choice([1e-300, 1e-100, 1.0, 1e100, 1e300], size=14)
    yield "rows of mixed magnitude 1e-300..1e300", G * rows[:, None]


def diagram_summaries(cur, rng):
    """every diagram function on one diagram scaled by 1e-300 .. 1e300: the
    scale-free ones unchanged, the others scaled as they must be"""
    b = rng.random(60)
    base = [(0, float(x), float(x + y)) for x, y in zip(b, rng.random(60))] + [(1, 0.2, float("inf"))]
    other = [(0, float(x), float(x + 0.5 * y)) for x, y in zip(rng.random(50), rng.random(50))] + [(1, 0.3, float("inf"))]
    grid = [0.1 * i for i in range(1, 20)]

    def lit(d, s):
        return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(
            "ROW(%d,%r,%s)" % (k, x * s, "'Infinity'" if math.isinf(y) else repr(y * s)) for k, x, y in d)

    def row(s):
        cur.execute("SELECT topembed.persistence_entropy(%s, 0), topembed.total_persistence(%s, 0, 1), "
                    "topembed.total_persistence(%s, 0, 2), topembed.bottleneck_distance(%s, %s, 0), "
                    "topembed.wasserstein_distance(%s, %s, 0, 2), topembed.wasserstein_distance(%s, %s, 1, 3), "
                    "topembed.persistence_landscape(%s, 0, 3, %%s), topembed.betti_curve(%s, 0, %%s), "
                    "topembed.betti_numbers(%s, %r)"
                    % (lit(base, s), lit(base, s), lit(base, s), lit(base, s), lit(other, s), lit(base, s),
                       lit(other, s), lit(base, s), lit(other, s), lit(base, s), lit(base, s), lit(base, s), 0.5 * s),
                    ([g * s for g in grid], [g * s for g in grid]))
        return cur.fetchone()

    ref = row(1.0)
    for s in SCALES:
        got = row(s)
        checks = [
            abs(got[0] - ref[0]) <= 1e-12 * ref[0],
            abs(got[1] / s - ref[1]) <= 1e-12 * ref[1],
            # squares beyond the double range are Infinity, those below it 0 or subnormal
            (math.isinf(got[2]) and ref[2] * s * s > 1.7e308) or
            abs(got[2] - ref[2] * s * s) <= 1e-12 * ref[2] * s * s + 1e-307,
            abs(got[3] / s - ref[3]) <= 1e-12 * ref[3],
            abs(got[4] / s - ref[4]) <= 1e-12 * ref[4],
            abs(got[5] / s - ref[5]) <= 1e-12 * max(ref[5], 1e-300),
            np.max(np.abs(np.array(got[6]) / s - np.array(ref[6]))) <= 1e-12,
            got[7] == ref[7],
            got[8] == ref[8],
        ]
        ok(all(checks), "diagram functions on a diagram scaled by %g: entropy, Betti numbers and curves unchanged, "
                        "total persistence, distances and landscapes scaled" % s, checks)


def main():
    conn = fresh_db("te_extreme_rips")
    cur = conn.cursor()
    cur.execute("SET statement_timeout = '60s'")
    rng = np.random.default_rng(42)
    cur.execute("CREATE TABLE pts (id int, e float8[])")
    for name, X in clouds(rng):
        load(cur, X)
        for metric in ("euclidean", "cosine", "angular"):
            tag = "%s, %s" % (name, metric)
            for max_dim in (0, 1, 2):
                t0 = time.time()
                got = sql_diagram(cur, "SELECT topembed.persistence(e, %d, %%s) FROM pts" % max_dim, (metric,))
                check("%s: H0..H%d of the points%s" % (tag, max_dim, " (edge collapse)" if max_dim == 2 else ""),
                      got, X, metric, max_dim)
                ok(time.time() - t0 < 30, "%s: H%d finishes" % (tag, max_dim))
            # the sampled aggregate keeps the 9 points of smallest hash
            keep = sorted(range(len(X)), key=lambda i: point_hash(X[i]))[:9]
            got = sql_diagram(cur, "SELECT topembed.persistence(e, 1, %s, NULL, 9) FROM pts", (metric,))
            check("%s: sampled H0..H1" % tag, got, X[keep], metric, 1)
            # the same distances as a matrix: Prim (H0) and the graph (H1, H2)
            D = ref_distances(X, metric)
            lower = [float(D[i, j]) for i in range(len(X)) for j in range(i)]
            for max_dim in (0, 1, 2):
                got = sql_diagram(cur, "SELECT topembed.persistence_from_distances(%s::float8[], %s)",
                                  (lower, max_dim))
                check("%s: persistence_from_distances H0..H%d" % (tag, max_dim), got, X, metric, max_dim, D)

    diagram_summaries(cur, rng)

    # the literal cases of the issue
    got = sql_diagram(cur, "SELECT topembed.persistence_from_distances('{1e39,1e39,1e39}', 0)")
    ok(sorted(got.get(0, [])) == [(0.0, 1.000000028875798e+39)] * 2 + [(0.0, math.inf)],
       "persistence_from_distances('{1e39,1e39,1e39}', 0): two bars dying at 1e39 and one essential", got)
    got = sql_diagram(cur, "SELECT topembed.persistence(e, 1, 'euclidean') FROM (VALUES (array[3e38]::real[]), "
                           "(array[-3e38]::real[]), (array[1e38]::real[])) v(e)")
    ok(compare(normalised({0: [(0, 2e38), (0, 4e38), (0, math.inf)]}, 6e38), normalised(got, 6e38), 1) is None,
       "real[] points at 3e38, -3e38 and 1e38: bars dying at 2e38 and 4e38, one essential class", got)
    t0 = time.time()
    got = sql_diagram(cur, "SELECT topembed.persistence(e, 0, 'euclidean') FROM "
                           "(VALUES (array[0]::float8[]), (array[1e200]::float8[])) v(e)")
    ok(time.time() - t0 < 10 and len(got.get(0, [])) == 2 and abs(got[0][0][1] / 1e200 - 1) < 1e-7,
       "Euclidean H0 of 0 and 1e200 ends at once with the bar [0, 1e200)", got)
    # distances at the top of the double range stay finite
    got = sql_diagram(cur, "SELECT topembed.persistence_from_distances(%s::float8[], 1)",
                      ([1.7976931348623157e308, 1e308, 1.5e308],))
    deaths = sorted(d for b, d in got.get(0, []))
    ok(len(deaths) == 3 and math.isinf(deaths[2]) and all(math.isfinite(d) for d in deaths[:2]),
       "distances near DBL_MAX: finite bars and one essential class", got)
    # a threshold in the units of huge data
    X = rng.standard_normal((12, 3)) * 1e250
    load(cur, X)
    D = ref_distances(X, "euclidean")
    thr = float(np.median(D[D > 0]))
    got = sql_diagram(cur, "SELECT topembed.persistence(e, 1, 'euclidean', %s) FROM pts", (thr,))
    import gudhi
    st = gudhi.RipsComplex(distance_matrix=D, max_edge_length=thr).create_simplex_tree(max_dimension=2)
    ref = {}
    for k, (b, d) in st.persistence(homology_coeff_field=2, min_persistence=0):
        if d > b:
            ref.setdefault(k, []).append((b, d))
    why = compare(normalised(ref, thr), normalised(got, thr), 1)
    ok(why is None, "a threshold of %.3g on points near 1e250 cuts the filtration where GUDHI does" % thr, why)
    done()


main()
