"""Cross-check of topembed.retrieval, zero_shot and gap_shift against numpy
on every shared set (CLIP ViT-B/16, the random-init control, and the five
models of the CLOOB comparison): hit counts and median ranks exactly, count
for count; MRR, gaps and cosines to 1e-12."""
import os

import numpy as np

from telib import DATA, close, done, fresh_db, load_csv, need_data, ok, read_pairs

KS = [1, 2, 5, 10, 50]
TOL = 1e-12


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def ranks(S, correct):
    """Rank of each query (row of S): 1 + wrong candidates at least as similar
    as the best correct one (ties against the correct answer); None rows
    without a correct answer are dropped."""
    out = []
    for i in range(S.shape[0]):
        if not correct[i].any():
            continue
        t = S[i][correct[i]].max()
        out.append(1 + int(np.sum(S[i][~correct[i]] >= t)))
    return np.array(out)


def reference(X, Y, correct):
    """retrieval_stats fields with numpy: X images, Y texts (raw), correct[i, j]."""
    S = unit(X) @ unit(Y).T
    ri = ranks(S, correct)
    rt = ranks(S.T, correct.T)

    def side(r):
        return {"n": len(r), "hits": [int(np.sum(r <= k)) for k in KS],
                "median": float(np.median(r)), "mrr": float(np.mean(1.0 / r))}
    return side(ri), side(rt)


def fetch_retrieval(cur, sql, args=()):
    cur.execute("SELECT (r).n_image, (r).n_text, (r).image_to_text_recall, (r).text_to_image_recall, "
                "(r).image_to_text_median_rank, (r).text_to_image_median_rank, "
                "(r).image_to_text_mrr, (r).text_to_image_mrr FROM (%s) q(r)" % sql, args)
    ni, nt, ri, rt, mi, mt, mrri, mrrt = cur.fetchone()
    return ({"n": ni, "recall": ri, "median": mi, "mrr": mrri},
            {"n": nt, "recall": rt, "median": mt, "mrr": mrrt})


def compare(label, got, ref):
    for name, g, r in (("image->text", got[0], ref[0]), ("text->image", got[1], ref[1])):
        ok(g["n"] == r["n"], "%s %s: %d queries" % (label, name, r["n"]), "got %r" % g["n"])
        hits = [int(round(x * g["n"])) for x in g["recall"]]
        ok(hits == r["hits"], "%s %s: hits at k=%s equal numpy's %s" % (label, name, KS, r["hits"]),
           "got %s" % hits)
        ok(all(x == h / r["n"] for x, h in zip(g["recall"], r["hits"])),
           "%s %s: recall is hits / n exactly" % (label, name))
        ok(g["median"] == r["median"], "%s %s: median rank %g" % (label, name, r["median"]),
           "got %r" % g["median"])
        close(g["mrr"], r["mrr"], TOL, "%s %s: MRR matches numpy" % (label, name))


def pairs_of(rows):
    img = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "image"}
    txt = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "text"}
    ids = sorted(set(img) & set(txt))
    return ids, np.array([img[i] for i in ids]), np.array([txt[i] for i in ids])


def check_set(cur, label, table, rows, model=None):
    ids, X, Y = pairs_of(rows)
    n = len(ids)
    filt = " AND i.model = %(m)s AND t.model = %(m)s" if model else ""
    one = " AND model = %(m)s" if model else ""
    args = {"m": model}
    ks = "'{%s}'" % ",".join(map(str, KS))
    paired = ("SELECT topembed.retrieval(i.embedding{c}, t.embedding{c}, %s) FROM %s i JOIN %s t "
              "ON i.pair_id = t.pair_id AND i.modality = 'image' AND t.modality = 'text'%s"
              % (ks, table, table, filt))
    ref = reference(X, Y, np.eye(n, dtype=bool))
    compare(label + " paired", fetch_retrieval(cur, paired.replace("{c}", ""), args), ref)
    compare(label + " paired, double precision[]", fetch_retrieval(cur, paired.replace("{c}", "::float8[]"), args), ref)

    # grouped: five texts per item (pair_id // 5), as MSCOCO's five captions;
    # only one image per item, the others' texts stay candidates
    item = np.array(ids) // 5
    keep_img = np.array(ids) % 5 == 0
    correct = item[keep_img][:, None] == item[None, :]
    ref = reference(X[keep_img], Y, correct)
    grouped = ("SELECT topembed.retrieval((pair_id / 5)::bigint, embedding, modality = 'image', %s) FROM %s "
               "WHERE (modality = 'text' OR pair_id %%%% 5 = 0)%s" % (ks, table, one))
    compare(label + " grouped (5 texts per item)", fetch_retrieval(cur, grouped, args), ref)
    return ids, X, Y


def check_zero_shot(cur, label, table, ids, X, Y, model=None):
    """Classes: 50 (or n/2) groups of pairs; prompt of a class is the mean of
    its texts; an image's label is its pair's class."""
    n = len(ids)
    C = 50 if n >= 200 else n // 2
    cls = np.array(ids) % C
    P = np.array([unit(Y[cls == c]).mean(0) for c in range(C)])
    S = unit(X) @ unit(P).T
    r = np.array([1 + int(np.sum(np.delete(S[i], cls[i]) >= S[i, cls[i]])) for i in range(n)])
    filt = " AND model = %(m)s" if model else ""
    cur.execute("SELECT (z).n, (z).n_classes, (z).top1_accuracy, (z).top5_accuracy, (z).per_class_accuracy, "
                "(z).per_class_n FROM (SELECT topembed.zero_shot(embedding, pair_id %% %(C)s + 1, %(P)s::float8[]) z "
                "FROM " + table + " WHERE modality = 'image'" + filt + ") q",
                {"C": C, "P": [[float(v) for v in p] for p in P], "m": model})
    zn, zc, t1, t5, pca, pcn = cur.fetchone()
    ok(zn == n and zc == C, "%s zero_shot: %d rows, %d classes" % (label, n, C), "got %r, %r" % (zn, zc))
    ok(t1 == np.sum(r == 1) / n, "%s zero_shot: top-1 accuracy %.4f equals numpy's" % (label, np.sum(r == 1) / n),
       "got %r" % t1)
    ok(t5 == np.sum(r <= 5) / n, "%s zero_shot: top-5 accuracy %.4f equals numpy's" % (label, np.sum(r <= 5) / n),
       "got %r" % t5)
    want = [np.sum((r == 1) & (cls == c)) / np.sum(cls == c) for c in range(C)]
    ok(pca == want and pcn == [int(np.sum(cls == c)) for c in range(C)],
       "%s zero_shot: per-class accuracy and counts equal numpy's" % label)


def check_gap_shift(cur, label, table, X, Y, model=None):
    """Each lambda of the default grid, with numpy's shift and renormalisation."""
    lams = [-1 + 0.25 * i for i in range(9)]
    x, y = unit(X), unit(Y)
    delta = x.mean(0) - y.mean(0)
    filt = " AND i.model = %(m)s AND t.model = %(m)s" if model else ""
    cur.execute("SELECT (p).lambda, (p).gap, (p).gap_before_renormalization, (p).paired_cosine_mean, "
                "(p).image_to_text_recall_at_1, (p).text_to_image_recall_at_1 FROM "
                "(SELECT unnest(topembed.gap_shift(i.embedding, t.embedding)) p FROM %s i JOIN %s t "
                "ON i.pair_id = t.pair_id AND i.modality = 'image' AND t.modality = 'text'%s) q"
                % (table, table, filt), {"m": model})
    got = cur.fetchall()
    ok([g[0] for g in got] == lams, "%s gap_shift: the default grid -1..1 by 0.25" % label)
    n = len(x)
    for g, lam in zip(got, lams):
        xs, ys = x - lam * delta / 2, y + lam * delta / 2
        before = np.linalg.norm(xs.mean(0) - ys.mean(0))
        xs, ys = unit(xs), unit(ys)
        gap = np.linalg.norm(xs.mean(0) - ys.mean(0))
        cos = np.mean(np.sum(xs * ys, axis=1))
        S = xs @ ys.T
        eye = np.eye(n, dtype=bool)
        r1i = np.sum(ranks(S, eye) == 1) / n
        r1t = np.sum(ranks(S.T, eye) == 1) / n
        close(g[1], gap, 1e-12, "%s gap_shift lambda %g: gap %.6f" % (label, lam, gap))
        close(g[2], before, 1e-12, "%s gap_shift lambda %g: gap before renormalisation" % (label, lam))
        close(g[3], cos, 1e-12, "%s gap_shift lambda %g: mean paired cosine" % (label, lam))
        ok(g[4] == r1i and g[5] == r1t, "%s gap_shift lambda %g: recall@1 %.3f / %.3f equal numpy's"
           % (label, lam, r1i, r1t), "got %r / %r" % (g[4], g[5]))


def main():
    if not need_data("retrieval, zero-shot and gap-shift against numpy",
                     "mscoco_clip_vitb16.csv", "mscoco_clip_random_init.csv", "mscoco100_clip_vs_cloob.csv"):
        done()
    conn = fresh_db("te_retrieval_numpy")
    cur = conn.cursor()
    for name in ["mscoco_clip_vitb16", "mscoco_clip_random_init"]:
        path = os.path.join(DATA, name + ".csv")
        load_csv(conn, name, path)
        ids, X, Y = check_set(cur, name, name, read_pairs(path))
        check_zero_shot(cur, name, name, ids, X, Y)
        check_gap_shift(cur, name, name, X, Y)

    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cloob", path)
    rows = read_pairs(path)
    for model in sorted(set(r["model"] for r in rows)):
        sub = [r for r in rows if r["model"] == model]
        label = "mscoco100 " + model
        ids, X, Y = check_set(cur, label, "cloob", sub, model)
        check_zero_shot(cur, label, "cloob", ids, X, Y, model)
        check_gap_shift(cur, label, "cloob", X, Y, model)
    done()


main()
