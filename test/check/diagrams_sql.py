"""Diagram summaries and distances through SQL equal GUDHI's (and an exact
assignment) on the real CLIP and CLOOB diagrams of mscoco100, computed in
SQL: bottleneck against gudhi.bottleneck_distance(e=0), Wasserstein against
a dense exact assignment, entropy, Betti curves and landscapes against
gudhi.representations."""
import math
import os

import gudhi
import numpy as np
from gudhi.representations import BettiCurve, Entropy, Landscape

from diagram_core import exact_wasserstein
from telib import DATA, close, done, fresh_db, load_csv, need_data, ok

TOL = 1e-9


def as_array(d, dim):
    return np.array([[b, e] for k, b, e in d if k == dim], dtype=float).reshape(-1, 2)


def main():
    if not need_data("the SQL diagram functions against GUDHI on the CLIP/CLOOB diagrams", "mscoco100_clip_vs_cloob.csv"):
        done()
    conn = fresh_db("te_diagrams_sql")
    cur = conn.cursor()
    load_csv(conn, "cloob", os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
    cur.execute("""CREATE TABLE dg AS SELECT model, modality, topembed.persistence(embedding, 1, 'cosine') d
                   FROM cloob WHERE model IN ('CLIP', 'CLOOB', 'CyCLIP') GROUP BY 1, 2""")
    cur.execute("SELECT model, modality, (SELECT array_agg(ARRAY[p.hdim, p.birth, p.death]) FROM unnest(d) p) FROM dg")
    diagrams = {(m, mod): [(int(r[0]), r[1], r[2]) for r in arr] for m, mod, arr in cur.fetchall()}

    # distances between every pair of models, per modality and dimension
    for modality in ("image", "text"):
        for a, b in (("CLIP", "CLOOB"), ("CLIP", "CyCLIP"), ("CLOOB", "CyCLIP")):
            cur.execute("""SELECT topembed.bottleneck_distance(x.d, y.d, 0), topembed.bottleneck_distance(x.d, y.d, 1),
                                  topembed.wasserstein_distance(x.d, y.d, 0, 1), topembed.wasserstein_distance(x.d, y.d, 1, 1),
                                  topembed.wasserstein_distance(x.d, y.d, 0, 2), topembed.wasserstein_distance(x.d, y.d, 1, 2)
                           FROM dg x, dg y WHERE x.model = %s AND y.model = %s
                             AND x.modality = %s AND y.modality = %s""", (a, b, modality, modality))
            b0, b1, w10, w11, w20, w21 = cur.fetchone()
            da, db = diagrams[(a, modality)], diagrams[(b, modality)]
            label = "%s vs %s %s" % (a, b, modality)
            for dim, got in ((0, b0), (1, b1)):
                x, y = as_array(da, dim), as_array(db, dim)
                ref = gudhi.bottleneck_distance(x, y, 0) if not (np.isinf(x).any() or np.isinf(y).any()) else None
                if ref is None:
                    # GUDHI's exact bottleneck with infinities: split off the essential parts ourselves
                    xf, yf = x[np.isfinite(x[:, 1])], y[np.isfinite(y[:, 1])]
                    xe, ye = np.sort(x[~np.isfinite(x[:, 1]), 0]), np.sort(y[~np.isfinite(y[:, 1]), 0])
                    ref = math.inf if len(xe) != len(ye) else max(gudhi.bottleneck_distance(xf, yf, 0),
                                                                  float(np.max(np.abs(xe - ye), initial=0)))
                close(got, ref, TOL, "%s: bottleneck H%d equals GUDHI's (e=0)" % (label, dim), rel=True)
            for dim, p, got in ((0, 1, w10), (1, 1, w11), (0, 2, w20), (1, 2, w21)):
                ref = exact_wasserstein(as_array(da, dim), as_array(db, dim), p)
                close(got, ref, TOL, "%s: W%d H%d equals an exact assignment" % (label, p, dim), rel=True)

    # summaries against gudhi.representations, on finite H1 bars
    for key, d in sorted(diagrams.items()):
        label = "%s %s" % key
        h1 = as_array(d, 1)
        h1 = h1[np.isfinite(h1[:, 1])]
        cur.execute("SELECT topembed.persistence_entropy(d, 1) FROM dg WHERE model = %s AND modality = %s", key)
        got = cur.fetchone()[0]
        ref = Entropy(mode="scalar").fit_transform([h1])[0][0]
        close(got, ref, TOL, "%s: persistence entropy of H1 equals gudhi's Entropy" % label, rel=True)

        grid = np.linspace(0.0, float(h1[:, 1].max()) * 1.05, 60)
        cur.execute("SELECT topembed.betti_curve(d, 1, %s) FROM dg WHERE model = %s AND modality = %s",
                    (list(grid),) + key)
        got = np.array(cur.fetchone()[0])
        ref = BettiCurve(predefined_grid=grid).fit_transform([h1])[0]
        ok(np.array_equal(got, ref), "%s: Betti curve of H1 equals gudhi's BettiCurve" % label)

        lsc = Landscape(num_landscapes=3, resolution=50)
        ref = lsc.fit_transform([h1])[0].reshape(3, 50)
        cur.execute("SELECT topembed.persistence_landscape(d, 1, 3, %s) FROM dg WHERE model = %s AND modality = %s",
                    (list(lsc.grid_),) + key)
        got = np.array(cur.fetchone()[0])
        ok(got.shape == (3, 50) and np.max(np.abs(got * math.sqrt(2) - ref)) < 1e-9,
           "%s: landscape of H1 equals gudhi's Landscape / sqrt(2)" % label)

        cur.execute("SELECT topembed.total_persistence(d, 1, 2) FROM dg WHERE model = %s AND modality = %s", key)
        close(cur.fetchone()[0], float(np.sum((h1[:, 1] - h1[:, 0]) ** 2)), TOL,
              "%s: total persistence (p = 2) of H1 equals numpy's" % label, rel=True)
    done()


main()
