"""topembed.wasserstein_distance is exact for every p >= 1, and p = Infinity is
the bottleneck distance.

References:
  - exact rational reasoning: on small diagrams with integer coordinates
    (half-integer diagonal costs) every matching's cost is an exact Python
    integer, sum (2c)^p; the optimum over all matchings comes from a dynamic
    programme over subsets, and W_p = N^(1/p) / 2 is taken through the
    integer's logarithm, so nothing underflows for any p up to 10^4;
  - scipy's exact dense assignment (linear_sum_assignment) for p up to 10,
    and POT through gudhi.wasserstein (internal_p = inf) on the real
    diagrams (on the random ones with costs over many decades POT's network
    simplex stops early, below the theoretical bounds, so it is no reference
    there);
  - the theory for large p: W_p is non-increasing in p, never below the
    bottleneck distance B and at most N^(1/p) B (N points), so it tends to B.
Diagrams: random ones of 1000 bars, and the real CLIP and CLOOB diagrams of
mscoco100 (H0 and H1, cosine), computed in SQL."""
import math
import os
import random

import numpy as np

from telib import DATA, close, connect, done, fresh_db, load_csv, ok

PS = [1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]


def lit(pairs, dim=0):
    """A persistence_pair[] literal from (birth, death) pairs."""
    if not len(pairs):
        return "'{}'::topembed.persistence_pair[]"
    return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(
        "ROW(%d,%r,%s)" % (dim, float(b), "'Infinity'" if math.isinf(d) else repr(float(d))) for b, d in pairs)


def exact_wp(a, b, p):
    """W_p of integer diagrams a, b (finite bars) by exact integer arithmetic.

    Costs are doubled so that the diagonal costs (d - b) / 2 are integers."""
    nb = len(b)
    best = {0: 0}
    for (xb, xd) in a:
        nxt = {}
        for mask, cost in best.items():
            # x to the diagonal
            c = cost + (xd - xb) ** p
            if nxt.get(mask, c + 1) > c:
                nxt[mask] = c
            for j in range(nb):
                if not mask & (1 << j):
                    yb, yd = b[j]
                    c = cost + (2 * max(abs(xb - yb), abs(xd - yd))) ** p
                    m2 = mask | (1 << j)
                    if nxt.get(m2, c + 1) > c:
                        nxt[m2] = c
        best = nxt
    total = None
    for mask, cost in best.items():
        c = cost + sum((b[j][1] - b[j][0]) ** p for j in range(nb) if not mask & (1 << j))
        total = c if total is None or c < total else total
    if total == 0:
        return 0.0
    return math.exp(math.log(total) / p) / 2.0


def scalar(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def literal_cases(cur):
    ok(scalar(cur, "SELECT topembed.wasserstein_distance(array[row(0,0,2)]::topembed.persistence_pair[], "
                   "'{}', 0, 1000)") == 1.0,
       "W_1000 of the bar (0,2) against the empty diagram is 1")
    vals = [scalar(cur, "SELECT topembed.wasserstein_distance(%s, '{}', 0, %s)" % (lit([(0, 2)]), p))
            for p in PS + [1e6, 1e300, "'Infinity'"]]
    ok(all(abs(v - 1.0) <= 4e-16 for v in vals),
       "one bar (0,2) against the empty diagram: W_p = 1 (to rounding) for p from 1 to 1e300 and Infinity", vals)
    # tiny and huge scales: the same diagram scaled by 2^k gives 2^k times the distance
    a, b = [(0, 3), (1, 6), (2, 2.5)], [(0.5, 3), (4, 5)]
    for k in (-1000, -300, 0, 300, 1000):
        s = 2.0 ** k
        for p in (1, 2, 100, 10000):
            got = scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, 0, %s)"
                         % (lit([(x * s, y * s) for x, y in a]), lit([(x * s, y * s) for x, y in b]), p))
            # the coordinates doubled are integers
            ref = exact_wp([(int(2 * x), int(2 * y)) for x, y in a], [(int(2 * x), int(2 * y)) for x, y in b], p) / 2
            close(got / s, ref, 1e-12, "scale 2^%d, W_%g equals the exact value" % (k, p), rel=True)
    # a p = Infinity call is the bottleneck distance
    ok(scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, 0, 'Infinity') = topembed.bottleneck_distance(%s, %s, 0)"
              % (lit(a), lit(b), lit(a), lit(b))), "p = Infinity gives the bottleneck distance")


def exact_cases(cur, rnd):
    """Random integer diagrams against the exact integer optimum, p from 1 to 1e4."""
    bad = []
    for case in range(40):
        na, nb = rnd.randint(0, 6), rnd.randint(0, 7)
        scale = rnd.choice([3, 20, 1000])

        def bars(n):
            out = []
            for _ in range(n):
                x = rnd.randint(0, scale)
                out.append((x, x + rnd.randint(0, scale)))
            return out
        a, b = bars(na), bars(nb)
        dim = rnd.randint(0, 2)
        # integer orders keep every cost an exact integer
        ps = [1, 2, 3, 7, 50, 333, 10000] if case % 4 else [p for p in PS if p == int(p)]
        for p in ps:
            got = scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, %d, %s)" % (lit(a, dim), lit(b, dim), dim, p))
            ref = exact_wp(a, b, int(p))
            if not (abs(got - ref) <= 1e-12 * max(abs(ref), 1e-300) or got == ref):
                bad.append("case %d p %g: %r vs exact %r" % (case, p, got, ref))
    ok(not bad, "40 random integer diagrams: W_p equals the exact integer optimum for integer p from 1 to 10^4 (1e-12)",
       "\n".join(bad[:10]))


def monotone(cur, label, x, y, dim, n_points):
    """W_p over PS: non-increasing, >= B, <= N^(1/p) B, and W_inf = B."""
    ws = [scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, %d, %s)" % (x, y, dim, p)) for p in PS]
    bn = scalar(cur, "SELECT topembed.bottleneck_distance(%s, %s, %d)" % (x, y, dim))
    winf = scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, %d, 'Infinity')" % (x, y, dim))
    rises = [(PS[i], ws[i], PS[i + 1], ws[i + 1]) for i in range(len(PS) - 1) if ws[i + 1] > ws[i] * (1 + 1e-12)]
    ok(not rises, "%s: W_p does not increase for p from 1 to 10^4" % label, rises)
    below = [(p, w) for p, w in zip(PS, ws) if w < bn * (1 - 1e-12) or w > bn * n_points ** (1.0 / p) * (1 + 1e-12)]
    ok(bn > 0 and not below, "%s: B <= W_p <= N^(1/p) B for every p (B = %.6g)" % (label, bn), below)
    ok(abs(ws[-1] - bn) <= bn * 2e-3, "%s: W_10000 = %.9g is within 0.2%% of the bottleneck %.9g"
       % (label, ws[-1], bn))
    ok(winf == bn, "%s: p = Infinity gives the bottleneck distance" % label)
    return ws


def lsa_wasserstein(a, b, p):
    """W_p by scipy's exact dense assignment (LAPJV) with diagonal copies."""
    from scipy.optimize import linear_sum_assignment
    na, nb = len(a), len(b)
    n = na + nb
    m = np.full((n, n), 1e300)
    m[:na, :nb] = np.maximum(np.abs(a[:, None, 0] - b[None, :, 0]), np.abs(a[:, None, 1] - b[None, :, 1])) ** p
    m[np.arange(na), nb + np.arange(na)] = ((a[:, 1] - a[:, 0]) / 2) ** p
    m[na + np.arange(nb), np.arange(nb)] = ((b[:, 1] - b[:, 0]) / 2) ** p
    m[na:, nb:] = 0
    r, c = linear_sum_assignment(m)
    return m[r, c].sum() ** (1.0 / p)


def reference_check(label, xa, ya, ws, pot):
    """scipy's assignment for p up to 10 (and POT through gudhi.wasserstein
    where asked: on diagrams with costs spread over many decades its
    network simplex stops early and is not a reference)."""
    bad = []
    for p, w in zip(PS, ws):
        if p > 10:
            break
        ref = lsa_wasserstein(xa, ya, p)
        if abs(w - ref) > 1e-9 * ref:
            bad.append("p %g: %r vs scipy %r" % (p, w, ref))
    ok(not bad, "%s: W_p equals scipy's exact assignment for p from 1 to 10 (1e-9)" % label, bad)
    if not pot:
        return
    try:
        import gudhi.wasserstein
        import ot  # noqa: F401
    except ImportError:
        print("ok - %s: POT cross-check # SKIP POT is not installed" % label)
        return
    bad = []
    for p, w in zip(PS, ws):
        if p > 10:
            break
        ref = gudhi.wasserstein.wasserstein_distance(xa, ya, order=p, internal_p=np.inf)
        if abs(w - ref) > 1e-8 * ref:
            bad.append("p %g: %r vs POT %r" % (p, w, ref))
    ok(not bad, "%s: W_p equals POT's (gudhi.wasserstein) for p from 1 to 10 (1e-8)" % label, bad)


def random_cases(cur):
    rng = np.random.default_rng(20261128)
    for n, spread in ((1000, 0.3), (400, 1e-6)):
        a = rng.random((n, 2))
        a[:, 1] = a[:, 0] + rng.random(n) * spread
        b = rng.random((n, 2))
        b[:, 1] = b[:, 0] + rng.random(n) * spread
        label = "two random %d-bar diagrams (lengths up to %g)" % (n, spread)
        ws = monotone(cur, label, lit(a, 1), lit(b, 1), 1, 2 * n)
        reference_check(label, a, b, ws, False)


def real_cases(cur, conn):
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    if not os.path.exists(path):
        print("ok - real CLIP and CLOOB diagrams # SKIP %s not found" % path)
        return
    load_csv(conn, "cloob", path)
    cur.execute("""CREATE TABLE dg AS SELECT model, topembed.persistence(embedding, 1, 'cosine') d
                   FROM cloob WHERE model IN ('CLIP', 'CLOOB') AND modality = 'image' GROUP BY 1""")
    for dim in (0, 1):
        cur.execute("""SELECT (SELECT array_agg(ARRAY[p.birth, p.death]) FROM unnest(d) p
                               WHERE p.hdim = %s AND p.death < 'Infinity') FROM dg ORDER BY model""", (dim,))
        clip, cloob = [np.array(r[0], dtype=float) for r in cur.fetchall()]
        x = "(SELECT d FROM dg WHERE model = 'CLIP')"
        y = "(SELECT d FROM dg WHERE model = 'CLOOB')"
        label = "real CLIP vs CLOOB image H%d" % dim
        ws = monotone(cur, label, x, y, dim, len(clip) + len(cloob) + 2)
        if dim == 1:
            reference_check(label, clip, cloob, ws, True)
        else:
            # H0 has one essential bar each, at birth 0: the finite parts decide
            fin = [scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, 0, %s)" % (lit(clip), lit(cloob), p))
                   for p in PS if p <= 10]
            reference_check(label + " (finite parts)", clip, cloob, fin, True)


def main():
    conn = fresh_db("te_wasserstein_p")
    cur = conn.cursor()
    literal_cases(cur)
    exact_cases(cur, random.Random(7))
    random_cases(cur)
    real_cases(cur, conn)
    conn.close()
    connect().close()
    done()


main()
