"""Persistence images and silhouettes through SQL equal
gudhi.representations' PersistenceImage and Silhouette, to 1e-12 of the
largest value, on the real CLIP, CLOOB and CyCLIP diagrams of mscoco100
(H0 and H1, computed by topembed.persistence) and on hand-made diagrams.

- persistence_image(d, hdim, '{nx,ny}', sigma, weight, bounds), flattened row
  by row, against PersistenceImage(bandwidth=sigma, weight=(lambda x: x[1]) or
  (lambda x: 1), resolution=[nx, ny], im_range=bounds or fitted) on the finite
  bars of hdim; a non-square resolution pins the orientation (rows are
  persistences, columns births); a NULL sigma against the bandwidth the docs
  define (the larger pixel spacing).
- persistence_silhouette(d, hdim, grid, p) times sqrt(2) against
  Silhouette(weight=lambda x: (x[1] - x[0])**p, resolution=R) on its own
  grid_, for p = 0, 0.5, 1, 2.
- Essential bars are left out: a diagram with them gives what it gives without
  them.  Zero-length bars, other dimensions, one bar, no bar.
- The tolerance discriminates: GUDHI at a bandwidth 1e-8 off, or the
  silhouette at p + 1e-6, fails it.
"""
import math
import os

import numpy as np
from gudhi.representations import PersistenceImage, Silhouette

from telib import DATA, done, fresh_db, load_csv, need_data, ok

TOL = 1e-12


def rel_err(got, ref):
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        return math.inf
    scale = max(float(np.max(np.abs(ref), initial=0.0)), 1e-300)
    return float(np.max(np.abs(got - ref), initial=0.0)) / scale


def finite_part(d, dim):
    a = np.array([[b, e] for k, b, e in d if k == dim], dtype=float).reshape(-1, 2)
    return a[np.isfinite(a[:, 1])]


def pairs_sql(d):
    if not d:
        return "'{}'::topembed.persistence_pair[]"
    return "ARRAY[%s]::topembed.persistence_pair[]" % ", ".join(
        "ROW(%d, %r, '%s')" % (k, float(b), "Infinity" if math.isinf(e) else repr(float(e))) for k, b, e in d)


def gudhi_image(h, sigma, weight, nx, ny, bounds):
    rng = [np.nan] * 4 if bounds is None else list(bounds)
    pi = PersistenceImage(bandwidth=sigma, weight=(lambda x: x[1]) if weight == "linear" else (lambda x: 1),
                          resolution=[nx, ny], im_range=rng)
    return pi.fit_transform([h])[0]


def derived_sigma(h, nx, ny, bounds):
    """the bandwidth a NULL sigma means (docs/diagrams.md)"""
    if bounds is None:
        p = h[:, 1] - h[:, 0]
        bounds = [h[:, 0].min(), h[:, 0].max(), p.min(), p.max()]
    sx = (bounds[1] - bounds[0]) / (nx - 1) if nx > 1 else 0.0
    sy = (bounds[3] - bounds[2]) / (ny - 1) if ny > 1 else 0.0
    s = max(sx, sy)
    return s if s > 0 else 1.0


def sql_image(cur, dsql, dim, nx, ny, sigma, weight, bounds):
    cur.execute("SELECT topembed.persistence_image(%s, %%s, %%s, %%s, %%s, %%s)" % dsql,
                (dim, [nx, ny], sigma, weight, bounds))
    return cur.fetchone()[0]


def check_image(cur, dsql, d, dim, nx, ny, sigma, weight, bounds, label):
    got = sql_image(cur, dsql, dim, nx, ny, sigma, weight, bounds)
    h = finite_part(d, dim)
    bw = derived_sigma(h, nx, ny, bounds) if sigma is None else sigma
    ref = gudhi_image(h, bw, weight, nx, ny, bounds)
    g = np.array(got, dtype=float)
    ok(g.shape == (ny, nx), "%s: image is %d rows x %d columns" % (label, ny, nx), "shape %s" % (g.shape,))
    e = rel_err(g.reshape(-1), ref)
    ok(e <= TOL, "%s: image equals gudhi's PersistenceImage" % label, "relative error %.3g" % e)
    return g, h, bw


def check_silhouette(cur, dsql, d, dim, p, res, label):
    h = finite_part(d, dim)
    sil = Silhouette(weight=lambda x: (x[1] - x[0]) ** p, resolution=res)
    ref = sil.fit_transform([h])[0]
    cur.execute("SELECT topembed.persistence_silhouette(%s, %%s, %%s, %%s)" % dsql, (dim, list(sil.grid_), p))
    got = np.array(cur.fetchone()[0], dtype=float) * math.sqrt(2)
    e = rel_err(got, ref)
    ok(e <= TOL, "%s: silhouette (p = %g) times sqrt(2) equals gudhi's Silhouette" % (label, p),
       "relative error %.3g" % e)
    return got, ref, sil.grid_


def real_data(conn):
    cur = conn.cursor()
    load_csv(conn, "cloob", os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
    cur.execute("""CREATE TABLE dg AS SELECT model, modality, topembed.persistence(embedding, 1, 'cosine') d
                   FROM cloob WHERE model IN ('CLIP', 'CLOOB', 'CyCLIP') GROUP BY 1, 2""")
    cur.execute("SELECT model, modality, (SELECT array_agg(ARRAY[p.hdim, p.birth, p.death]) FROM unnest(d) p) FROM dg")
    diagrams = {(m, mod): [(int(r[0]), r[1], r[2]) for r in arr] for m, mod, arr in cur.fetchall()}
    ok(len(diagrams) == 6, "six real diagrams (CLIP, CLOOB, CyCLIP x image, text)")
    for (model, modality), d in sorted(diagrams.items()):
        dsql = "(SELECT d FROM dg WHERE model = '%s' AND modality = '%s')" % (model, modality)
        for dim in (0, 1):
            label = "%s %s H%d" % (model, modality, dim)
            h = finite_part(d, dim)
            ok(len(h) > 10, "%s: %d finite bars" % (label, len(h)))
            # fitted bounds, an explicit sigma, both weights, a non-square grid
            span = float(np.max(h[:, 1] - h[:, 0]))
            g, _, _ = check_image(cur, dsql, d, dim, 7, 5, span / 8, "linear", None, label + " linear 7x5")
            check_image(cur, dsql, d, dim, 20, 20, span / 15, "constant", None, label + " constant 20x20")
            # fixed bounds shared between diagrams, sigma derived from them
            check_image(cur, dsql, d, dim, 30, 12, None, "linear", [0.0, 1.0, 0.0, 0.5],
                        label + " bounds {0,1,0,0.5}, NULL sigma")
            # the default call: 20 x 20, linear, fitted bounds, derived sigma
            cur.execute("SELECT topembed.persistence_image(%s, %%s) = topembed.persistence_image(%s, %%s, '{20,20}', NULL, 'linear', NULL)"
                        % (dsql, dsql), (dim, dim))
            ok(cur.fetchone()[0], "%s: the defaults are {20,20}, NULL sigma, 'linear', NULL bounds" % label)
            check_image(cur, dsql, d, dim, 20, 20, None, "linear", None, label + " defaults")
            for p in (0.0, 0.5, 1.0, 2.0):
                got, ref, grid = check_silhouette(cur, dsql, d, dim, p, 64, label)
            # the comparisons can fail: a bandwidth 1e-8 off, a power 1e-6 off
            off = gudhi_image(h, span / 8 * (1 + 1e-8), "linear", 7, 5, None)
            ok(rel_err(g.reshape(-1), off) > TOL, "%s: the image tolerance rejects a bandwidth 1e-8 off" % label)
            sil = Silhouette(weight=lambda x: (x[1] - x[0]) ** 2.000001, resolution=64)
            off = sil.fit_transform([h])[0]
            ok(rel_err(got, off) > TOL, "%s: the silhouette tolerance rejects p = 2.000001" % label)


def hand_made(conn):
    cur = conn.cursor()
    base = [(1, 0.2, 0.9), (1, 0.3, 0.5), (1, 0.1, 0.15), (1, 0.4, 0.4), (0, 0.0, 0.7), (0, 0.0, 0.3)]
    ess = base + [(1, 0.25, math.inf), (0, 0.0, math.inf)]
    for dim in (0, 1):
        for name, d in (("hand-made", base), ("hand-made with essential bars", ess)):
            dsql = pairs_sql(d)
            check_image(cur, dsql, d, dim, 9, 6, 0.05, "linear", None, "%s H%d" % (name, dim))
            check_image(cur, dsql, d, dim, 9, 6, 0.07, "constant", [0.0, 0.5, 0.0, 0.8], "%s H%d bounds" % (name, dim))
            for p in (0.0, 1.0, 3.0):
                check_silhouette(cur, dsql, d, dim, p, 40, "%s H%d" % (name, dim))
        # essential bars are left out
        cur.execute("SELECT topembed.persistence_image(%s, %%s, '{8,8}', 0.1) = topembed.persistence_image(%s, %%s, '{8,8}', 0.1)"
                    % (pairs_sql(ess), pairs_sql(base)), (dim, dim))
        ok(cur.fetchone()[0], "H%d: essential bars leave the image unchanged" % dim)
        cur.execute("SELECT topembed.persistence_silhouette(%s, %%s, '{0,0.2,0.4,0.6,0.8,1}', 2) = "
                    "topembed.persistence_silhouette(%s, %%s, '{0,0.2,0.4,0.6,0.8,1}', 2)"
                    % (pairs_sql(ess), pairs_sql(base)), (dim, dim))
        ok(cur.fetchone()[0], "H%d: essential bars leave the silhouette unchanged" % dim)

    # one bar: the silhouette is its tent; the image one Gaussian, by hand
    one = [(1, 0.2, 0.6)]
    cur.execute("SELECT topembed.persistence_silhouette(%s, 1, '{0.1,0.3,0.4,0.5,0.7}', 5)" % pairs_sql(one))
    got = cur.fetchone()[0]
    ok(np.allclose(got, [0, 0.1, 0.2, 0.1, 0], rtol=0, atol=1e-15), "one bar: the silhouette is its tent", got)
    cur.execute("SELECT topembed.persistence_image(%s, 1, '{2,1}', 0.5, 'linear', '{0,1,0,0}')" % pairs_sql(one))
    got = np.array(cur.fetchone()[0])
    s2 = 0.25
    ref = [[0.4 * math.exp(-(0.2 ** 2 + 0.4 ** 2) / (2 * s2)) / (2 * math.pi * s2),
            0.4 * math.exp(-(0.8 ** 2 + 0.4 ** 2) / (2 * s2)) / (2 * math.pi * s2)]]
    ok(rel_err(got, ref) <= TOL, "one bar: the image is a Gaussian, by hand", (got, ref))
    # no finite bar of hdim: zeros of the asked shape
    for dsql in (pairs_sql([]), pairs_sql([(1, 0.1, math.inf), (0, 0.0, 0.5)])):
        cur.execute("SELECT topembed.persistence_image(%s, 1, '{3,2}'), topembed.persistence_silhouette(%s, 1, '{0,0.5,1}')"
                    % (dsql, dsql))
        img, sil = cur.fetchone()
        ok(np.array(img).shape == (2, 3) and not np.any(img) and sil == [0, 0, 0],
           "no finite H1 bar: a zero image and a zero silhouette", (img, sil))
    # zero-length bars only: the linear image and every silhouette are zero
    z = [(1, 0.3, 0.3), (1, 0.5, 0.5)]
    cur.execute("SELECT topembed.persistence_image(%s, 1, '{3,3}', 0.1), topembed.persistence_silhouette(%s, 1, '{0.3,0.4}', 0)"
                % (pairs_sql(z), pairs_sql(z)))
    img, sil = cur.fetchone()
    ok(not np.any(img) and sil == [0, 0], "zero-length bars only: zero image (linear) and silhouette", (img, sil))
    check_image(cur, pairs_sql(z), z, 1, 4, 3, 0.1, "constant", [0.0, 1.0, 0.0, 0.1], "zero-length bars, constant weight")


def main():
    conn = fresh_db("te_vectorise_gudhi")
    hand_made(conn)
    if need_data("persistence images and silhouettes against GUDHI on the CLIP/CLOOB diagrams",
                 "mscoco100_clip_vs_cloob.csv"):
        real_data(conn)
    done()


main()
