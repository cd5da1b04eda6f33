"""topembed.bottleneck_matching and topembed.wasserstein_matching return the
matching behind the distances.

Invariants, on random diagrams (several dimensions in one array, essential
bars, ties, Rips-H0-like diagrams whose bars share one birth, either side
the larger, tiny distances and large p that take the solver's second scale):
  - the largest cost equals bottleneck_distance exactly, and
    (sum cost^p)^(1/p) equals wasserstein_distance to 1e-12 (relative);
  - every bar of dimension hdim of a and of b appears exactly once, no bar of
    another dimension appears, no row is empty, finite bars pair with finite
    ones and essential with essential;
  - each cost is the L-infinity distance of its pair (the half-persistence
    for the diagonal), recomputed here, exactly;
  - the rows come ordered by index_a then index_b (NULLs last).
References, on the real CLIP and CLOOB diagrams of mscoco100 (topembed.persistence
of the image embeddings, H0 and H1, cosine):
  - POT: ot.emd on the augmented cost matrix (each bar may go to its own
    diagonal copy), and gudhi.wasserstein.wasserstein_distance(matching=True),
    for the Wasserstein totals; gudhi.bottleneck_distance for the bottleneck;
  - the matching itself against POT's and GUDHI's where the optimum is
    unique: uniqueness is proved by forbidding each edge of the optimum in
    turn (scipy's exact assignment) and seeing the cost rise."""
import math
import os
import random

import numpy as np

from telib import DATA, connect, done, fresh_db, load_csv, ok


def lit(bars):
    """A persistence_pair[] literal from (hdim, birth, death) triples."""
    if not bars:
        return "'{}'::topembed.persistence_pair[]"
    return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(
        "ROW(%d,%r,%s)" % (k, float(b), "'Infinity'" if math.isinf(d) else repr(float(d))) for k, b, d in bars)


def rows_of(cur, fn, x, y, dim, p=None):
    """The rows of a matching function, in the order it returns them."""
    extra = "" if p is None else ", %s" % ("'Infinity'" if math.isinf(p) else repr(float(p)))
    cur.execute("SELECT index_a, index_b, cost FROM topembed.%s(%s, %s, %d%s)" % (fn, x, y, dim, extra))
    return cur.fetchall()


def scalar(cur, sql):
    cur.execute(sql)
    return cur.fetchone()[0]


def linf(x, y):
    return max(abs(x[1] - y[1]), abs(x[2] - y[2]))


def pnorm(costs, p):
    """(sum c^p)^(1/p) without overflow or underflow (scaled by the largest)."""
    costs = [c for c in costs if c > 0]
    if not costs:
        return 0.0
    m = max(costs)
    if math.isinf(m):
        return math.inf
    return m * sum((c / m) ** p for c in costs) ** (1.0 / p)


def structure(a, b, dim, rows):
    """Problems with the rows of a matching of a and b (lists of triples), or []."""
    bad = []
    seen_a, seen_b = {}, {}
    for ia, ib, cost in rows:
        if ia is None and ib is None:
            bad.append("an empty row")
            continue
        if ia is not None:
            seen_a[ia] = seen_a.get(ia, 0) + 1
        if ib is not None:
            seen_b[ib] = seen_b.get(ib, 0) + 1
        x = a[ia - 1] if ia is not None else None
        y = b[ib - 1] if ib is not None else None
        if (x is not None and x[0] != dim) or (y is not None and y[0] != dim):
            bad.append("a bar of another dimension: %r" % ((ia, ib),))
            continue
        if x is not None and y is not None:
            if math.isinf(x[2]) != math.isinf(y[2]):
                bad.append("a finite bar with an essential one: %r" % ((ia, ib),))
            want = abs(x[1] - y[1]) if math.isinf(x[2]) else linf(x, y)
        else:
            z = x if x is not None else y
            want = math.inf if math.isinf(z[2]) else (z[2] - z[1]) / 2
        if cost != want:
            bad.append("row %r costs %r, not %r" % ((ia, ib), cost, want))
    want_a = {i + 1 for i, q in enumerate(a) if q[0] == dim}
    want_b = {i + 1 for i, q in enumerate(b) if q[0] == dim}
    if set(seen_a) != want_a or any(v != 1 for v in seen_a.values()):
        bad.append("the bars of a do not appear once each: %r vs %r" % (sorted(seen_a.items()), sorted(want_a)))
    if set(seen_b) != want_b or any(v != 1 for v in seen_b.values()):
        bad.append("the bars of b do not appear once each: %r vs %r" % (sorted(seen_b.items()), sorted(want_b)))
    key = [(r[0] is None, r[0] or 0, r[1] is None, r[1] or 0) for r in rows]
    if key != sorted(key):
        bad.append("rows not ordered by index_a, index_b")
    return bad


def random_diagram(rnd, n, kind):
    """n bars over hdims 0..2 (about half in hdim 1), some essential, some repeated."""
    out = []
    for _ in range(n):
        k = rnd.choice([0, 1, 1, 2])
        if kind == "line" and k == 1:
            b = 0.0
        elif kind == "int":
            b = float(rnd.randint(0, 6))
        else:
            b = rnd.random()
        if rnd.random() < 0.08:
            d = math.inf
        elif kind == "int":
            d = b + rnd.randint(0, 6)
        else:
            d = b + rnd.random() * rnd.choice([0.01, 0.3, 1.0])
        out.append((k, b, d))
        if out and rnd.random() < 0.1:
            out.append(out[rnd.randrange(len(out))])
    return out


def invariants(cur, rnd):
    """Random cases: structure, costs, and totals equal to the distances."""
    bad = []
    cases = 0
    for case in range(120):
        kind = ["real", "int", "line"][case % 3]
        a = random_diagram(rnd, rnd.randint(0, 40), kind)
        b = random_diagram(rnd, rnd.randint(0, 40), kind)
        if case % 10 == 0 and a:
            b = list(a)  # identical diagrams: the distance-0 path
        if case % 10 == 1:
            # distances tiny against the spread: the solver's second scale
            big = [(k, 0.0, 1e6) for k in (0, 1, 2)]
            a = big + [(k, x * 1e-150, y * 1e-150) for k, x, y in a]
            b = big + [(k, x * 1e-150, y * 1e-150) for k, x, y in b]
        x, y = lit(a), lit(b)
        for dim in (0, 1, 2):
            cases += 1
            rows = rows_of(cur, "bottleneck_matching", x, y, dim)
            dist = scalar(cur, "SELECT topembed.bottleneck_distance(%s, %s, %d)" % (x, y, dim))
            for msg in structure(a, b, dim, rows):
                bad.append("case %d H%d bottleneck: %s" % (case, dim, msg))
            top = max([r[2] for r in rows], default=0.0)
            if top != dist:
                bad.append("case %d H%d: largest cost %r, bottleneck_distance %r" % (case, dim, top, dist))
            for p in (1, 2, 3.5, 1000, math.inf):
                rows = rows_of(cur, "wasserstein_matching", x, y, dim, p)
                dist = scalar(cur, "SELECT topembed.wasserstein_distance(%s, %s, %d, %s)"
                              % (x, y, dim, "'Infinity'" if math.isinf(p) else p))
                for msg in structure(a, b, dim, rows):
                    bad.append("case %d H%d W_%g: %s" % (case, dim, p, msg))
                costs = [r[2] for r in rows]
                tot = max(costs, default=0.0) if math.isinf(p) else pnorm(costs, p)
                if not (tot == dist or abs(tot - dist) <= 1e-12 * abs(dist)):
                    bad.append("case %d H%d W_%g: (sum cost^p)^(1/p) = %r, wasserstein_distance %r"
                               % (case, dim, p, tot, dist))
    ok(not bad, "%d random cases: every bar of hdim once, the right costs, ordered rows; max cost = "
       "bottleneck_distance exactly, (sum cost^p)^(1/p) = wasserstein_distance (1e-12) for p = 1, 2, 3.5, "
       "1000, Infinity" % cases, "\n".join(bad[:10]))


def literal_cases(cur):
    """Essential bars, empty diagrams, and the documented conventions."""
    a = [(0, 0.0, math.inf), (0, 1.0, math.inf), (0, 0.0, 3.0), (1, 0.0, 9.0)]
    b = [(0, 0.5, math.inf), (0, 0.0, 2.5)]
    rows = rows_of(cur, "wasserstein_matching", lit(a), lit(b), 0, 1)
    ok(rows == [(1, 1, 0.5), (2, None, math.inf), (3, 2, 0.5)],
       "unequal essential counts: sorted births pair up, the surplus goes to the diagonal at Infinity, "
       "the finite bars keep their matching", rows)
    ok(rows_of(cur, "bottleneck_matching", lit(a), lit(b), 0) == rows,
       "... and the bottleneck matching is the same here")
    ok(rows_of(cur, "bottleneck_matching", lit([]), lit([]), 0) == [], "two empty diagrams: no rows")
    ok(rows_of(cur, "wasserstein_matching", lit([]), lit([(1, 1.0, 2.0)]), 1, 2) == [(None, 1, 0.5)],
       "a bar against the empty diagram goes to the diagonal at half its length")
    ok(rows_of(cur, "wasserstein_matching", lit(a), lit(b), 2, 2) == [], "no bar of the dimension: no rows")
    cur.execute("SELECT count(*) FROM topembed.bottleneck_matching(NULL, %s, 0)" % lit(b))
    ok(cur.fetchone()[0] == 0, "a NULL diagram gives no rows (STRICT, as the distances give NULL)")


def errors(cur):
    """Bad input is refused with the distances' SQLSTATEs."""
    import psycopg2
    d = lit([(1, 0.0, 1.0)])
    cases = [
        ("SELECT * FROM topembed.bottleneck_matching(%s, %s, -1)" % (d, d), "22023"),
        ("SELECT * FROM topembed.wasserstein_matching(%s, %s, 1001)" % (d, d), "22023"),
        ("SELECT * FROM topembed.wasserstein_matching(%s, %s, 1, 0.5)" % (d, d), "22023"),
        ("SELECT * FROM topembed.wasserstein_matching(%s, %s, 1, 'NaN')" % (d, d), "22023"),
        ("SELECT * FROM topembed.bottleneck_matching(ARRAY[ROW(1,'NaN',1)]::topembed.persistence_pair[], %s, 1)" % d,
         "22000"),
        ("SELECT * FROM topembed.wasserstein_matching(%s, ARRAY[ROW(1,2,1)]::topembed.persistence_pair[], 1)" % d,
         "22000"),
        ("SELECT * FROM topembed.bottleneck_matching(ARRAY[NULL]::topembed.persistence_pair[], %s, 1)" % d, "22004"),
        ("SELECT * FROM topembed.wasserstein_matching(%s, ARRAY[ROW(1,1,NULL)]::topembed.persistence_pair[], 1)" % d,
         "22004"),
    ]
    for sql, state in cases:
        got = None
        try:
            cur.execute(sql)
        except psycopg2.Error as e:
            got = e.pgcode
        ok(got == state, "refused with %s: %s" % (state, sql[14:90]), got)
    for fn, p in (("bottleneck_distance", ""), ("wasserstein_distance", ", 0.5")):
        try:
            cur.execute("SELECT topembed.%s(%s, %s, -1%s)" % (fn, d, d, p))
            got = None
        except psycopg2.Error as e:
            got = e.pgcode
        ok(got == "22023", "%s gives the same SQLSTATE 22023 for the same fault" % fn, got)


def augmented(x, y, p):
    """The (na + nb) square cost matrix: bars of x, then diagonal copies of y's bars, against
    bars of y, then diagonal copies of x's bars (their own copy only)."""
    na, nb = len(x), len(y)
    m = np.zeros((na + nb, nb + na))
    if na and nb:
        m[:na, :nb] = np.maximum(np.abs(x[:, None, 0] - y[None, :, 0]), np.abs(x[:, None, 1] - y[None, :, 1])) ** p
    # the forbidden cells cost more than sending everything to the diagonal
    big = 2.0 * (((x[:, 1] - x[:, 0]) / 2) ** p).sum() + 2.0 * (((y[:, 1] - y[:, 0]) / 2) ** p).sum() + 1.0
    m[:na, nb:] = big
    m[na:, :nb] = big
    m[np.arange(na), nb + np.arange(na)] = ((x[:, 1] - x[:, 0]) / 2) ** p
    m[na + np.arange(nb), np.arange(nb)] = ((y[:, 1] - y[:, 0]) / 2) ** p
    return m


def as_pairs(plan_rows, plan_cols, na, nb):
    """The matched (i, j) pairs of an assignment of the augmented matrix (-1 = diagonal)."""
    out = set()
    for r, c in zip(plan_rows, plan_cols):
        if r < na and c < nb:
            out.add((r, c))
        elif r < na:
            out.add((r, -1))
        elif c < nb:
            out.add((-1, c))
    return out


def unique_optimum(m, r, c):
    """Is the assignment (r, c) of m the only optimal one?  Forbid each of its
    real edges in turn: the optimum must rise each time."""
    from scipy.optimize import linear_sum_assignment
    best = m[r, c].sum()
    for i, j in zip(r, c):
        if m[i, j] == 0:
            continue  # diagonal-to-diagonal filler, not a matching decision
        mm = m.copy()
        mm[i, j] = 1e3 * m.max()
        rr, cc = linear_sum_assignment(mm)
        if not mm[rr, cc].sum() > best * (1 + 1e-9):
            return False
    return True


def real_cases(cur, conn):
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    if not os.path.exists(path):
        ok(True, "# SKIP real CLIP and CLOOB diagrams: %s not found" % path)
        return
    import gudhi
    import gudhi.wasserstein
    import ot
    from scipy.optimize import linear_sum_assignment
    load_csv(conn, "cloob", path)
    cur.execute("""CREATE TABLE dg AS SELECT model, modality, topembed.persistence(embedding, 1, 'cosine') d
                   FROM cloob WHERE model IN ('CLIP', 'CLOOB') GROUP BY 1, 2""")
    cur.execute("SELECT model, modality, (SELECT array_agg(ARRAY[p.hdim, p.birth, p.death] ORDER BY o) "
                "FROM unnest(d) WITH ORDINALITY p(hdim, birth, death, o)) FROM dg")
    bars = {(m, mod): [(int(t[0]), t[1], t[2]) for t in v] for m, mod, v in cur.fetchall()}
    pairs = [(("CLIP", "image"), ("CLOOB", "image")), (("CLOOB", "image"), ("CLIP", "image")),
             (("CLIP", "text"), ("CLOOB", "text")), (("CLIP", "image"), ("CLIP", "text"))]
    unique_seen = 0
    for ka, kb in pairs:
        a, b = bars[ka], bars[kb]
        x = "(SELECT d FROM dg WHERE model = '%s' AND modality = '%s')" % ka
        y = "(SELECT d FROM dg WHERE model = '%s' AND modality = '%s')" % kb
        for dim in (0, 1):
            label = "%s %s vs %s %s H%d" % (ka + kb + (dim,))
            fa = [i for i, q in enumerate(a) if q[0] == dim and not math.isinf(q[2])]
            fb = [i for i, q in enumerate(b) if q[0] == dim and not math.isinf(q[2])]
            xa = np.array([[a[i][1], a[i][2]] for i in fa]).reshape(-1, 2)
            yb = np.array([[b[i][1], b[i][2]] for i in fb]).reshape(-1, 2)
            # the bottleneck against GUDHI (finite parts: the essential H0 bars both start at 0)
            rows = rows_of(cur, "bottleneck_matching", x, y, dim)
            top = max(r[2] for r in rows)
            ref = gudhi.bottleneck_distance(xa, yb, 0)
            ok(not structure(a, b, dim, rows) and abs(top - ref) <= 1e-9 * ref,
               "%s: bottleneck matching's largest cost %.9g = gudhi.bottleneck_distance %.9g (1e-9)"
               % (label, top, ref), structure(a, b, dim, rows)[:3])
            for p in (1, 2):
                rows = rows_of(cur, "wasserstein_matching", x, y, dim, p)
                costs = [r[2] for r in rows]
                ours = pnorm(costs, p)
                m = augmented(xa, yb, p)
                n = len(m)
                plan = ot.emd(np.full(n, 1.0 / n), np.full(n, 1.0 / n), m, numItermax=10 ** 7)
                pot = (float((plan * m).sum()) * n) ** (1.0 / p)
                gd, gmatch = gudhi.wasserstein.wasserstein_distance(xa, yb, matching=True, order=p,
                                                                    internal_p=np.inf)
                ok(not structure(a, b, dim, rows) and abs(ours - pot) <= 1e-9 * pot and
                   abs(ours - gd) <= 1e-9 * gd,
                   "%s W_%d: the matching's total %.12g = ot.emd on the augmented matrix %.12g = "
                   "gudhi.wasserstein %.12g (1e-9)" % (label, p, ours, pot, gd), structure(a, b, dim, rows)[:3])
                # the matching of the finite bars, in indices of xa and yb
                pos_a = {i: k for k, i in enumerate(fa)}
                pos_b = {i: k for k, i in enumerate(fb)}
                mine = set()
                for ia, ib, _ in rows:
                    if ia is not None and ia - 1 not in pos_a or ib is not None and ib - 1 not in pos_b:
                        continue  # an essential pair
                    mine.add((pos_a[ia - 1] if ia is not None else -1, pos_b[ib - 1] if ib is not None else -1))
                r, c = linear_sum_assignment(m)
                if unique_optimum(m, r, c):
                    unique_seen += 1
                    gset = {(int(i), int(j)) for i, j in gmatch}
                    pr, pc = np.nonzero(plan > 0.5 / n)
                    ok(mine == gset == as_pairs(pr, pc, len(xa), len(yb)),
                       "%s W_%d: the optimum is unique (each of its %d edges forbidden raises the cost) and "
                       "the matching equals GUDHI's and POT's" % (label, p, len(mine)),
                       (sorted(mine ^ gset)[:10]))
    ok(unique_seen >= 4, "the matching was compared edge by edge on %d real diagram pairs with a unique optimum"
       % unique_seen)


def main():
    conn = fresh_db("te_matching")
    cur = conn.cursor()
    literal_cases(cur)
    errors(cur)
    invariants(cur, random.Random(11))
    real_cases(cur, conn)
    conn.close()
    connect().close()
    done()


main()
