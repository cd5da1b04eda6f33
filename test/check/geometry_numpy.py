"""Cross-check of the modality geometry against numpy/scipy on the real
CLIP and CLOOB embeddings of ../shared/data: l2i and rmg of the gap
statistics (and a gap_state stored by 0.1.0's layout), uniformity (exact and
sampled), gap_drivers, intrinsic_dimension (TwoNN and MLE); parallel plans
equal serial ones bit for bit."""
import os

import numpy as np
from scipy.spatial.distance import cdist, pdist
from scipy.special import logsumexp

from telib import DATA, close, done, fresh_db, load_csv, need_data, ok, read_pairs

TOL = 1e-9


def unit(z):
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def cone(z):
    g = z @ z.T
    n = len(z)
    return (g.sum() - np.trace(g)) / (n * (n - 1))


def ref_l2i_rmg(I, T):
    """Schrodi et al.'s L2I and RMG (their compute_l2i / compute_rmg, without the 1e-3 clamp)."""
    x, y = unit(I), unit(T)
    l2i = np.linalg.norm(x - y, axis=1).mean()
    m = 1 - (np.sum(x * y, axis=1).mean() + 1) / 2
    ai = 1 - (cone(x) + 1) / 2
    at = 1 - (cone(y) + 1) / 2
    return l2i, m / (m + (ai + at) / 2)


def ref_uniformity(X, t=2.0):
    d2 = pdist(unit(X), "sqeuclidean")
    return logsumexp(-t * d2) - np.log(len(d2))


def ref_knn(X, k):
    d = cdist(X, X)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, :k]


def ref_twonn(X):
    d = ref_knn(X, 2)
    n = len(X)
    lmu = np.sort(np.log(d[:, 1] / d[:, 0]))
    m = int(np.floor(0.9 * n))
    x = lmu[:m]
    y = -np.log1p(-np.arange(1, m + 1) / n)
    return float(np.sum(x * y) / np.sum(x * x))


def ref_mle(X, k):
    d = ref_knn(X, k)
    s = np.sum(np.log(d[:, k - 1:k]) - np.log(d[:, :k - 1]))
    return len(X) * (k - 1) / s


def ref_drivers(I, T, k):
    x, y = unit(I), unit(T)
    n, dim = x.shape
    delta = x.mean(0) - y.mean(0)
    g2 = delta @ delta
    order = sorted(range(dim), key=lambda j: (-delta[j] ** 2, j))[:k]
    pooled = np.vstack([x, y])
    w, V = np.linalg.eigh(np.cov(pooled.T))
    top = np.argsort(-w, kind="stable")[:k]
    pcs = [(V[:, c] @ delta) ** 2 / g2 for c in top]
    mid = (x.mean(0) + y.mean(0)) / 2

    def acc(v):
        c = mid @ v
        return ((x @ v > c).sum() + (y @ v < c).sum()) / (2 * n)

    sw = (x - x.mean(0)).T @ (x - x.mean(0)) + (y - y.mean(0)).T @ (y - y.mean(0))
    lw, LV = np.linalg.eigh(sw)
    keep = lw > 1e-10 * lw.max()
    p = LV[:, keep].T @ delta
    wl = LV[:, keep] @ (p / lw[keep])
    sep = np.sqrt(np.sum(p * p / lw[keep]) * (2 * n - 2))
    return {"gap": np.sqrt(g2), "top_coordinates": [j + 1 for j in order],
            "coordinate_shares": [delta[j] ** 2 / g2 for j in order],
            "top_share": sum(delta[j] ** 2 for j in order) / g2,
            "pc_shares": pcs, "pc_share": sum(pcs), "pc_variance": [w[c] for c in top],
            "midpoint_accuracy": acc(delta), "lda_accuracy": acc(wl), "lda_separation": sep}


DRIVER_FIELDS = ["n_pairs", "dim", "k", "gap", "top_coordinates", "coordinate_shares", "top_share",
                 "pc_shares", "pc_share", "pc_variance", "midpoint_accuracy", "lda_accuracy",
                 "lda_separation"]


def pairs_of(rows):
    img = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "image"}
    txt = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "text"}
    ids = sorted(set(img) & set(txt))
    return np.array([img[i] for i in ids]), np.array([txt[i] for i in ids])


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


def check_set(cur, label, table, rows, model=None):
    I, T = pairs_of(rows)
    mf = " AND i.model = %(m)s AND t.model = %(m)s" if model else ""
    of = " AND model = %(m)s" if model else ""
    a = {"m": model}
    pair_from = ("FROM %s i JOIN %s t ON i.pair_id = t.pair_id AND i.modality = 'image' AND t.modality = 'text'%s"
                 % (table, table, mf))

    # l2i and rmg
    l2i, rmg = one(cur, "SELECT (g).l2i, (g).rmg FROM (SELECT topembed.modality_gap(i.embedding, t.embedding) g %s) s"
                   % pair_from, a)
    rl2i, rrmg = ref_l2i_rmg(I, T)
    close(l2i, rl2i, TOL, "%s: l2i matches numpy (%.6f)" % (label, rl2i))
    close(rmg, rrmg, TOL, "%s: rmg matches Schrodi et al.'s formula in numpy (%.6f)" % (label, rrmg))
    l2i8, = one(cur, "SELECT (topembed.modality_gap(i.embedding::float8[], t.embedding::float8[])).l2i %s" % pair_from, a)
    close(l2i8, rl2i, TOL, "%s: l2i of double precision[] input" % label)

    # uniformity of each modality, and of t = 0.5
    for side, Z in (("image", I), ("text", T)):
        u, = one(cur, "SELECT topembed.uniformity(embedding) FROM %s WHERE modality = %%(s)s%s" % (table, of),
                 dict(a, s=side))
        close(u, ref_uniformity(Z), TOL, "%s: uniformity of the %s embeddings matches numpy" % (label, side), rel=True)
    u, = one(cur, "SELECT topembed.uniformity(embedding::float8[], 0.5) FROM %s WHERE modality = 'image'%s"
             % (table, of), a)
    close(u, ref_uniformity(I, 0.5), TOL, "%s: uniformity at t = 0.5 matches numpy" % label, rel=True)
    u, = one(cur, "SELECT topembed.uniformity(embedding, 2, 100000) FROM %s WHERE modality = 'image'%s"
             % (table, of), a)
    close(u, ref_uniformity(I), TOL, "%s: a sample larger than the table is the exact uniformity" % label, rel=True)

    # intrinsic dimension
    for side, Z in (("image", I), ("text", T)):
        tw, ml = one(cur, "SELECT topembed.intrinsic_dimension(embedding, 'twonn', NULL), "
                          "topembed.intrinsic_dimension(embedding, 'mle', 10) FROM %s WHERE modality = %%(s)s%s"
                     % (table, of), dict(a, s=side))
        close(tw, ref_twonn(Z), TOL, "%s: TwoNN of the %s embeddings matches numpy (%.3f)" % (label, side, tw), rel=True)
        close(ml, ref_mle(Z, 10), TOL, "%s: MLE (k = 10) of the %s embeddings matches numpy (%.3f)"
              % (label, side, ml), rel=True)

    # gap drivers
    k = 5
    got = dict(zip(DRIVER_FIELDS, one(cur, "SELECT (d).* FROM (SELECT topembed.gap_drivers(i.embedding, t.embedding, %d) d %s) s"
                                       % (k, pair_from), a)))
    ref = ref_drivers(I, T, k)
    ok(got["n_pairs"] == len(I) and got["k"] == k and got["dim"] == I.shape[1], "%s: gap_drivers counts" % label)
    ok(list(got["top_coordinates"]) == ref["top_coordinates"],
       "%s: the top-%d gap coordinates match numpy %s" % (label, k, ref["top_coordinates"]), got["top_coordinates"])
    for f in ["gap", "top_share", "pc_share", "midpoint_accuracy", "lda_accuracy"]:
        close(got[f], ref[f], TOL, "%s: %s matches numpy (%.6f)" % (label, f, ref[f]))
    close(got["lda_separation"], ref["lda_separation"], 1e-6, "%s: lda_separation matches numpy (%.4f)"
          % (label, ref["lda_separation"]), rel=True)
    for f in ["coordinate_shares", "pc_shares", "pc_variance"]:
        err = np.max(np.abs(np.array(got[f]) - np.array(ref[f])))
        ok(err <= TOL, "%s: %s match numpy" % (label, f), "max error %.3g" % err)
    return got


def parallel_equals_serial(cur, label, sqls):
    """Every query gives the same bits under a forced parallel plan."""
    cur.execute("SET max_parallel_workers_per_gather = 0")
    serial = [one(cur, q) for q in sqls]
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; "
                "SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0")
    for q, s in zip(sqls, serial):
        cur.execute("EXPLAIN " + q)
        plan = "\n".join(r[0] for r in cur.fetchall())
        ok("Partial Aggregate" in plan, "%s: a parallel plan for %s" % (label, q[:60]), plan)
        ok(one(cur, q) == s, "%s: the parallel plan gives the serial result" % label, (one(cur, q), s))
    cur.execute("RESET ALL")


def main():
    if not need_data("the modality geometry against numpy", "mscoco_clip_vitb16.csv",
                     "mscoco_clip_random_init.csv", "mscoco100_clip_vs_cloob.csv"):
        done()
    conn = fresh_db("te_geometry_numpy")
    cur = conn.cursor()
    for name in ["mscoco_clip_vitb16", "mscoco_clip_random_init"]:
        path = os.path.join(DATA, name + ".csv")
        load_csv(conn, name, path)
        check_set(cur, name, name, read_pairs(path))
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cloob", path)
    rows = read_pairs(path)
    drivers = {}
    for model in sorted(set(r["model"] for r in rows)):
        drivers[model] = check_set(cur, "mscoco100 " + model, "cloob", [r for r in rows if r["model"] == model], model)
    # CLIP's gap is large and carried by few coordinates; CLOOB's is small
    ok(drivers["CLIP"]["gap"] > 3 * drivers["CLOOB"]["gap"], "mscoco100: CLIP's gap is over 3 times CLOOB's")

    t = "mscoco_clip_vitb16"
    pf = "FROM %s i JOIN %s t ON i.pair_id = t.pair_id AND i.modality = 'image' AND t.modality = 'text'" % (t, t)
    parallel_equals_serial(cur, t, [
        "SELECT topembed.uniformity(embedding) FROM %s" % t,
        "SELECT topembed.uniformity(embedding, 2, 300) FROM %s" % t,
        "SELECT topembed.intrinsic_dimension(embedding, 'twonn', NULL) FROM %s" % t,
        "SELECT topembed.intrinsic_dimension(embedding, 'mle', 20) FROM %s" % t,
        "SELECT topembed.modality_gap(embedding, modality = 'image') FROM %s" % t,
    ])
    cur.execute("CREATE TABLE pairs AS SELECT i.pair_id, i.embedding AS image, t.embedding AS text " + pf)
    parallel_equals_serial(cur, t + " pairs", [
        "SELECT (topembed.gap_drivers(image, text, 8)).* FROM pairs",
        "SELECT (topembed.modality_gap(image, text)).l2i FROM pairs",
    ])

    # the sampled uniformity: reproducible, and over exactly the kept rows
    a, = one(cur, "SELECT topembed.uniformity(embedding, 2, 200) FROM %s WHERE modality = 'image'" % t)
    b, = one(cur, "SELECT topembed.uniformity(embedding, 2, 200) FROM (SELECT * FROM %s WHERE modality = 'image' "
                  "ORDER BY pair_id DESC) s" % t)
    ok(a == b, "the sampled uniformity does not depend on the order of the rows")
    full, = one(cur, "SELECT topembed.uniformity(embedding) FROM %s WHERE modality = 'image'" % t)
    ok(a != full and abs(a - full) < 0.2, "a 200-row sample is near the exact uniformity (%.4f vs %.4f)" % (a, full))
    done()


main()
