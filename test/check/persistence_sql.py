"""Persistence through SQL equals Debian's ripser (and GUDHI): the
aggregate and persistence_from_distances on Ripser's examples and on the
real CLIP embeddings, Euclidean and cosine, compared as multisets of
(dim, birth, death) at float32 precision.  The engine itself is cross-
checked more widely in rips_core.py; this suite checks the SQL face:
argument handling, data conversion and the persistence_pair[] results."""
import math
import os
import tempfile

import numpy as np

from rips_core import RIPSER_DIR, compare, cosine_matrix, counts, gudhi_diagram, run_ripser, write_lower, \
    write_points
from telib import DATA, done, fresh_db, load_csv, need_data, ok, read_pairs


def sql_diagram(cur, sql, args=None):
    """{dim: [(birth, death), ...]} of a query returning one persistence_pair[]."""
    cur.execute("SELECT p.hdim, p.birth, p.death FROM (%s) q(d), unnest(q.d) p" % sql, args)
    res = {}
    for k, b, d in cur.fetchall():
        res.setdefault(k, []).append((b, d))
    return res


def check(name, ref, got, dims):
    why = compare(ref, got, dims)
    return ok(why is None, "%s (bars %s)" % (name, counts(got, dims)), why)


def lower_values(path):
    return [float(v) for v in open(path).read().replace(",", " ").split()]


def real_data_checks(cur, conn):
    """Ripser's examples and the CLIP/CLOOB embeddings of the shared data."""
    if not need_data("Ripser's examples and the CLIP/CLOOB cross-checks",
                     "ripser/sphere_3_192.lower_distance_matrix", "ripser/random16.lower_distance_matrix",
                     "ripser/random20.lower_distance_matrix", "ripser/projective_plane.lower_distance_matrix",
                     "ripser/projective_plane.csv", "ripser/o3_1024.txt", "mscoco_clip_vitb16.csv",
                     "mscoco100_clip_vs_cloob.csv"):
        return
    # Ripser's examples through persistence_from_distances
    for fname, dim in [("sphere_3_192.lower_distance_matrix", 2), ("random16.lower_distance_matrix", 2),
                       ("random20.lower_distance_matrix", 2), ("projective_plane.lower_distance_matrix", 2)]:
        path = os.path.join(RIPSER_DIR, fname)
        ref = run_ripser("lower-distance", path, dim)
        got = sql_diagram(cur, "SELECT topembed.persistence_from_distances(%s::float8[], %s)",
                          (lower_values(path), dim))
        check("persistence_from_distances(%s, %d) matches ripser" % (fname, dim), ref, got, dim)
        if fname.startswith("sphere"):
            h2 = got.get(2, [])
            ok(counts(got, 2) == "192/53/1" and len(h2) == 1 and abs(h2[0][0] - 0.720484) < 1e-5
               and abs(h2[0][1] - 1.65562) < 1e-5, "sphere_3_192: 192/53/1 bars, H2 [0.720484, 1.65562)")
        if fname.startswith("random16"):
            ok(counts(got, 2) == "16/14/6", "random16: 16/14/6 bars")

    # the projective plane as a full matrix, over Z/2 and Z/3
    pp = os.path.join(RIPSER_DIR, "projective_plane.csv")
    full = np.array([[float(v) for v in line.split(",")] for line in open(pp).read().split()])
    got2 = sql_diagram(cur, "SELECT topembed.persistence_from_distances(%s::float8[], 2)", (full.tolist(),))
    ok(got2.get(1) == [(1.0, 2.0)] and got2.get(2) == [(1.0, 2.0)],
       "projective plane (full matrix) over Z/2: H1 [1,2) and H2 [1,2)")
    got3 = sql_diagram(cur, "SELECT topembed.persistence_from_distances(%s::float8[], 2, NULL, 3)", (full.tolist(),))
    ref3 = gudhi_diagram(full, 2, 3, threshold=float(full.max()))
    check("projective plane over Z/3 matches GUDHI: H1 and H2 vanish", ref3, got3, 2)
    ok(not got3.get(1) and not got3.get(2), "projective plane over Z/3 has no H1 and no H2")

    # o3_1024: a 9-d point cloud with a threshold, through the aggregate
    o3 = np.loadtxt(os.path.join(RIPSER_DIR, "o3_1024.txt"), delimiter=None)
    cur.execute("CREATE TABLE o3 (e float8[])")
    cur.executemany("INSERT INTO o3 VALUES (%s)", [(list(r),) for r in o3])
    ref = run_ripser("point-cloud", os.path.join(RIPSER_DIR, "o3_1024.txt"), 3, threshold=1.8)
    got = sql_diagram(cur, "SELECT topembed.persistence(e, 3, 'euclidean', 1.8) FROM o3")
    check("o3_1024 up to H3 at threshold 1.8 (aggregate, double precision[]) matches ripser", ref, got, 3)
    ok(counts(got, 3) == "1024/576/180/7", "o3_1024 at threshold 1.8: H1/H2/H3 = 576/180/7")

    # the real CLIP embeddings, Euclidean and cosine
    path = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    load_csv(conn, "clip", path)
    rows = read_pairs(path)
    img = np.array([r["vec"] for r in sorted(rows, key=lambda r: r["pair_id"]) if r["modality"] == "image"])
    allx = np.array([r["vec"] for r in sorted(rows, key=lambda r: (r["modality"], r["pair_id"]))])
    tmp = tempfile.mkdtemp(prefix="te_pers_sql_")
    for name, X, where, dim in [("500 CLIP images", img, "WHERE modality = 'image'", 2),
                                ("1000 CLIP vectors", allx, "", 1)]:
        p = os.path.join(tmp, "%d.txt" % len(X))
        write_points(p, X)
        ref = run_ripser("point-cloud", p, dim)
        got = sql_diagram(cur, "SELECT topembed.persistence(embedding, %%s, 'euclidean') FROM clip %s" % where, (dim,))
        check("%s, Euclidean, up to H%d (aggregate) match ripser" % (name, dim), ref, got, dim)
        lp = os.path.join(tmp, "%d.lower" % len(X))
        write_lower(lp, cosine_matrix(X))
        ref = run_ripser("lower-distance", lp, dim)
        got = sql_diagram(cur, "SELECT topembed.persistence(embedding, %%s, 'cosine') FROM clip %s" % where, (dim,))
        check("%s, cosine, up to H%d (aggregate) match ripser on numpy's matrix" % (name, dim), ref, got, dim)
        ok(len(got[0]) == len(X) and sum(1 for b, d in got[0] if math.isinf(d)) == 1
           and all(b <= d for k in got for b, d in got[k]),
           "%s: %d H0 bars, one essential, births before deaths" % (name, len(X)))

    # GUDHI on a second data set: CLIP RN50 and CLOOB images of mscoco100, cosine
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cloob", path)
    rows = read_pairs(path)
    for model in ("CLIP", "CLOOB"):
        X = np.array([r["vec"] for r in sorted(rows, key=lambda r: r["pair_id"])
                      if r["model"] == model and r["modality"] == "image"])
        D = cosine_matrix(X).astype(np.float32).astype(np.float64)
        ref = gudhi_diagram(D, 2, 2, threshold=float(np.max(D, axis=1).min()))
        got = sql_diagram(cur, "SELECT topembed.persistence(embedding, 2, 'cosine') FROM cloob "
                               "WHERE model = %s AND modality = 'image'", (model,))
        check("mscoco100 %s images, cosine, up to H2 match GUDHI" % model, ref, got, 2)


def main():
    conn = fresh_db("te_persistence_sql")
    cur = conn.cursor()

    real_data_checks(cur, conn)
    # H0 of a large cloud: the spanning-tree path, in bounded memory, with
    # the default settings; its deaths are the minimum spanning tree's edges
    cur.execute("RESET ALL")
    cur.execute("CREATE TABLE big AS SELECT pair_id, image FROM topembed.synthetic_pairs(20000, 512, 0.8, 7)")
    got = sql_diagram(cur, "SELECT topembed.persistence(image, 0, 'euclidean') FROM big")
    ok(len(got.get(0, [])) == 20000 and sum(1 for b, d in got[0] if math.isinf(d)) == 1,
       "H0 of 20,000 points of 512 dimensions runs with the default settings (20000 bars, one essential)")
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import pdist, squareform
    cur.execute("SELECT image FROM big WHERE pair_id < 3000 ORDER BY pair_id")
    X = np.array([r[0] for r in cur.fetchall()], dtype=np.float64)
    mst = np.sort(minimum_spanning_tree(squareform(pdist(X))).data)
    got = sql_diagram(cur, "SELECT topembed.persistence(image, 0, 'euclidean') FROM big WHERE pair_id < 3000")
    deaths = np.sort([d for b, d in got[0] if not math.isinf(d)])
    ok(len(deaths) == len(mst) and np.max(np.abs(deaths - mst) / mst) < 1e-6,
       "H0 deaths of 3000 points equal scipy's minimum spanning tree edges (float32 precision)")
    done()


main()
