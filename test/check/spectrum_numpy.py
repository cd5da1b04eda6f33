"""Cross-check of the moments sketch, the covariance spectrum, the collapse
measures and pca_project against numpy on the real embeddings of
../shared/data: eigenvalues to 1e-9 relative (those above 1e-12 of the
largest), every scalar measure to 1e-9, merges of any split to 1e-12."""
import io
import os

import numpy as np

from telib import DATA, close, done, fresh_db, load_csv, need_data, ok, read_pairs

REL = 1e-9


def ref_measures(X):
    """numpy's figures for the rows of X (float64)."""
    n, d = X.shape
    mu = X.mean(0)
    Xc = X - mu
    C = Xc.T @ Xc / n
    # eigenvalues of C as squared singular values of Xc / sqrt(n): accurate
    # for the small ones too, unlike an eigen-solve of C itself
    s = np.linalg.svd(Xc / np.sqrt(n), compute_uv=False)
    lam = np.zeros(d)
    lam[:len(s)] = s ** 2
    lamp = np.clip(lam, 0, None)
    tot = lamp.sum()
    p = lamp / tot
    nz = p[p > 0]
    sig = np.linalg.svd(X, compute_uv=False)
    q = sig / sig.sum() + 1e-7
    return {
        "n": n, "dim": d, "eigenvalues": lam, "total_variance": tot,
        "explained_variance_ratio": p,
        "effective_rank": np.exp(-(nz * np.log(nz)).sum()),
        "rankme": np.exp(-(q * np.log(q)).sum()),
        "participation_ratio": tot ** 2 / (lamp ** 2).sum(),
        "dims_99": int(np.argmax(np.cumsum(p) >= 0.99)) + 1,
        "numerical_rank": int((lam > lam[0] * d * np.finfo(float).eps).sum()),
        "mean": mu, "cov": C,
    }


FIELDS = ["n", "dim", "eigenvalues", "explained_variance_ratio", "total_variance",
          "effective_rank", "rankme", "participation_ratio", "dims_99", "numerical_rank"]


def spectrum(cur, sql, args=None):
    cur.execute("SELECT (s).* FROM (%s) q(s)" % sql, args)
    return dict(zip(FIELDS, cur.fetchone()))


def check_eigen(label, got, ref):
    """Eigenvalues against numpy.

    The reference comes from the SVD of the centred data, the most accurate
    route.  Any method that starts from a covariance (or scatter) matrix in
    float64, numpy's eigvalsh(np.cov(...)) as much as ours, is accurate to
    about 1e-15 of the largest eigenvalue in absolute terms (Weyl), so the
    1e-9 relative target holds down to 1e-8 of the largest and the smaller
    eigenvalues above 1e-12 of it are checked against max(1e-9 relative,
    1e-14 of the largest); see docs/spectrum.md.
    """
    lam = np.array(got["eigenvalues"])
    r = ref["eigenvalues"]
    top = r[0]
    strict = r > 1e-8 * top
    err = np.max(np.abs(lam[strict] - r[strict]) / r[strict])
    ok(err <= REL, "%s: the %d eigenvalues above 1e-8 of the largest match numpy to %.0e relative"
       % (label, strict.sum(), REL), "max relative error %.3g" % err)
    small = (r > 1e-12 * top) & ~strict
    if small.any():
        bound = np.maximum(REL * r[small], 1e-14 * top)
        worst = np.max(np.abs(lam[small] - r[small]) / bound)
        ok(worst <= 1.0, "%s: the %d eigenvalues between 1e-12 and 1e-8 of the largest match to "
           "max(1e-9 relative, 1e-14 of the largest)" % (label, small.sum()),
           "worst error is %.3g times the bound" % worst)
    rest = r <= 1e-12 * top
    if rest.any():
        tail = np.max(np.abs(lam[rest] - r[rest]))
        ok(tail <= 1e-14 * top, "%s: the %d eigenvalues below 1e-12 of the largest are that small too"
           % (label, rest.sum()), "max %.3g" % tail)
    evr = np.array(got["explained_variance_ratio"])
    ok(np.max(np.abs(evr - ref["explained_variance_ratio"])) <= REL,
       "%s: explained_variance_ratio matches numpy" % label)


def check_measures(label, got, ref):
    ok(got["n"] == ref["n"] and got["dim"] == ref["dim"], "%s: n and dim" % label)
    check_eigen(label, got, ref)
    for f in ["total_variance", "effective_rank", "rankme", "participation_ratio"]:
        close(got[f], ref[f], REL, "%s: %s matches numpy" % (label, f), rel=True)
    for f in ["dims_99", "numerical_rank"]:
        ok(got[f] == ref[f], "%s: %s = %d" % (label, f, ref[f]), "got %r" % got[f])


def check_set(cur, label, table, X, where, args):
    ref = ref_measures(X)
    got = spectrum(cur, "SELECT topembed.spectral_collapse(embedding) FROM %s WHERE %s" % (table, where), args)
    check_measures(label, got, ref)
    got8 = spectrum(cur, "SELECT topembed.spectrum(topembed.moments(embedding::float8[])) FROM %s WHERE %s"
                    % (table, where), args)
    check_measures(label + " (moments of double precision[])", got8, ref)

    # accessors against numpy
    cur.execute("SELECT topembed.n(m), topembed.dim(m), topembed.mean(m), topembed.covariance(m) "
                "FROM (SELECT topembed.moments(embedding) m FROM %s WHERE %s) s" % (table, where), args)
    n, dim, mean, cov = cur.fetchone()
    ok(n == len(X) and dim == X.shape[1], "%s: accessors n and dim" % label)
    ok(np.max(np.abs(np.array(mean) - ref["mean"])) <= 1e-12, "%s: mean matches numpy" % label)
    cov = np.array(cov)
    ok(cov.shape == ref["cov"].shape and np.max(np.abs(cov - ref["cov"])) <= 1e-12 * np.abs(ref["cov"]).max(),
       "%s: covariance matches numpy" % label)
    return ref


def check_merge(cur, label, table, where, args):
    """Sketches of a split merged together equal the sketch of the whole."""
    for parts in (2, 3, 7):
        cur.execute("""
            WITH whole AS (SELECT topembed.moments(embedding) m FROM %(t)s WHERE %(w)s),
                 split AS (SELECT topembed.moments(embedding) m FROM %(t)s WHERE %(w)s
                           GROUP BY mod(pair_id * 7919, %(p)s)),
                 merged AS (SELECT topembed.moments(m) m FROM split)
            SELECT topembed.n(w.m), topembed.n(g.m), topembed.mean(w.m), topembed.mean(g.m),
                   topembed.covariance(w.m), topembed.covariance(g.m)
            FROM whole w, merged g""" % {"t": table, "w": where, "p": parts}, tuple(args) * 2)
        nw, ng, mw, mg, cw, cg = cur.fetchone()
        cw, cg = np.array(cw), np.array(cg)
        scale = np.abs(cw).max()
        ok(nw == ng and np.max(np.abs(np.array(mw) - np.array(mg))) <= 1e-12
           and np.max(np.abs(cw - cg)) <= 1e-12 * scale,
           "%s: merging %d sketches of a split gives the whole to 1e-12" % (label, parts),
           "mean error %.3g, covariance error %.3g of %.3g"
           % (np.max(np.abs(np.array(mw) - np.array(mg))), np.max(np.abs(cw - cg)), scale))


def check_pca(cur, label, table, where, args, X, k=8):
    """pca_project against numpy's eigenvectors under the documented sign rule."""
    ref = ref_measures(X)
    w, V = np.linalg.eigh(ref["cov"])
    V = V[:, ::-1][:, :k]
    for j in range(k):
        i = np.argmax(np.abs(V[:, j]))
        if V[i, j] < 0:
            V[:, j] = -V[:, j]
    cur.execute("""SELECT pair_id, topembed.pca_project(embedding::float8[], b.m, %%s)
                   FROM %(t)s, (SELECT topembed.moments(embedding) m FROM %(t)s WHERE %(w)s) b
                   WHERE %(w)s ORDER BY pair_id""" % {"t": table, "w": where}, (k,) + tuple(args) * 2)
    got = np.array([r[1] for r in cur.fetchall()])
    P = (X - X.mean(0)) @ V
    # the gaps between the top eigenvalues decide how well-defined a vector is
    err = np.max(np.abs(got - P)) / np.abs(P).max()
    ok(got.shape == P.shape and err <= 1e-8,
       "%s: pca_project onto %d components matches numpy (sign rule: largest component positive)" % (label, k),
       "relative error %.3g" % err)


def main():
    if not need_data("the spectra against numpy", "mscoco_clip_vitb16.csv", "mscoco_clip_random_init.csv",
                     "mscoco100_clip_vs_cloob.csv"):
        done()
    conn = fresh_db("te_spectrum_numpy")
    cur = conn.cursor()
    for name in ["mscoco_clip_vitb16", "mscoco_clip_random_init"]:
        path = os.path.join(DATA, name + ".csv")
        load_csv(conn, name, path)
        rows = read_pairs(path)
        for modality in ["image", "text"]:
            X = np.array([r["vec"] for r in sorted(rows, key=lambda r: r["pair_id"]) if r["modality"] == modality])
            label = "%s %s" % (name, modality)
            check_set(cur, label, name, X, "modality = %s", (modality,))
            check_merge(cur, label, name, "modality = %s", (modality,))
            if name == "mscoco_clip_vitb16":
                check_pca(cur, label, name, "modality = %s", (modality,), X)

    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cloob", path)
    rows = read_pairs(path)
    for model in sorted(set(r["model"] for r in rows)):
        for modality in ["image", "text"]:
            X = np.array([r["vec"] for r in sorted(rows, key=lambda r: r["pair_id"])
                          if r["model"] == model and r["modality"] == modality])
            label = "mscoco100 %s %s" % (model, modality)
            check_set(cur, label, "cloob", X, "model = %s AND modality = %s", (model, modality))
        check_merge(cur, "mscoco100 %s" % model, "cloob", "model = %s", (model,))

    # the random-init control: its image side is sharply collapsed
    cur.execute("SELECT (topembed.spectral_collapse(embedding)).effective_rank, modality "
                "FROM mscoco_clip_random_init GROUP BY modality ORDER BY modality")
    er = dict((m, e) for e, m in cur.fetchall())
    ok(er["image"] < 5 < er["text"], "random-init control: image side collapsed (effective rank %.2f), text side not (%.2f)"
       % (er["image"], er["text"]))
    done()


main()
