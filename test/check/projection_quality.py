"""topembed.projection_quality against numpy, scikit-learn, ripser and GUDHI.

On the shared real data (the CLIP RN50 and CLOOB RN50 embeddings of the 100
MSCOCO pairs, images and captions together, and the 500 CLIP ViT-B/16 image
embeddings of "Mind the Gap"), for several target dimensions k, neighbour
counts and metrics, each row of projection_quality equals an independent
computation on the same points:
- explained_variance: the k largest eigenvalues of numpy's covariance over
  its trace;
- trustworthiness: sklearn.manifold.trustworthiness(X, Y, n_neighbors,
  metric) on numpy's own PCA projection Y (eigenvector signs do not change
  distances), to 1e-12;
- continuity: a numpy implementation of Venna and Kaski's continuity (the
  K nearest in the full space ranked in the projection), to 1e-12; in
  euclidean also sklearn's trustworthiness with the two spaces swapped;
- bottleneck_h0 / bottleneck_h1: gudhi.bottleneck_distance between Debian
  ripser's diagrams of X and of Y (both euclidean), to 2e-5 (ripser prints
  six significant digits);
- clusters: scipy's single linkage of Y cut at cut times its longest merge
  (fcluster 'distance'), where no merge height lies within 1e-5 of the cut;
- the full dimension gives trustworthiness and continuity 1, bottleneck 0.
Also: a forced parallel plan gives the serial rows; every bad input is
refused with its SQLSTATE; the memory limit refuses up front; a statement
timeout cancels the computation.

  /usr/bin/python3 test/check/projection_quality.py   (inside a started cluster)
"""
import math
import os
import subprocess
import sys
import tempfile

import gudhi
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import cdist, pdist
from sklearn.manifold import trustworthiness

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from telib import close, done, fresh_db, load_csv, need_data, ok, read_pairs, sqlstate_of, DATA  # noqa: E402
from rips_core import parse_ripser  # noqa: E402

# ripser prints six significant digits: its births and deaths (below 2 here)
# are off by up to 5e-6 each, and a bottleneck distance by up to 1e-5
RIPSER_TOL = 2e-5
TMP = tempfile.mkdtemp(prefix="te_projq_")


def pca(X, k):
    """numpy's centred projection onto the top-k axes, and the explained share"""
    Xc = X - X.mean(axis=0)
    w, V = np.linalg.eigh(Xc.T @ Xc / len(X))
    w, V = w[::-1], V[:, ::-1]
    return Xc @ V[:, :k], w[:k].sum() / np.trace(Xc.T @ Xc / len(X))


def continuity(X, Y, K, metric):
    """Venna and Kaski's continuity in numpy: the K nearest in X ranked in Y"""
    n = len(X)
    dx = cdist(X, X, metric)
    dy = cdist(Y, Y, "sqeuclidean")
    np.fill_diagonal(dx, np.inf)
    np.fill_diagonal(dy, np.inf)
    nn_x = np.argsort(dx, axis=1, kind="stable")[:, :K]
    rank_y = np.empty((n, n), dtype=np.int64)
    order_y = np.argsort(dy, axis=1, kind="stable")
    rank_y[np.arange(n)[:, None], order_y] = np.arange(1, n + 1)[None, :]
    r = rank_y[np.arange(n)[:, None], nn_x] - K
    return 1.0 - 2.0 / (n * K * (2.0 * n - 3.0 * K - 1.0)) * r[r > 0].sum()


def ripser_diagram(X, name, max_dim):
    path = os.path.join(TMP, name + ".txt")
    with open(path, "w") as f:
        for row in X:
            f.write(" ".join("%.17g" % v for v in row) + "\n")
    # ripser 1.2.1 aborts on point clouds with --dim 0: ask for H1 and keep what is wanted
    r = subprocess.run(["ripser", "--format", "point-cloud", "--dim", str(max(max_dim, 1)), path],
                       capture_output=True, text=True, check=True)
    d = parse_ripser(r.stdout)
    return {h: np.array(d.get(h, []), dtype=float).reshape(-1, 2) for h in range(max_dim + 1)}


def scipy_clusters(Y, cut):
    """single-linkage clusters of Y at cut times the longest merge, or None near a tie"""
    Z = linkage(pdist(Y), "single")
    h = Z[:, 2]
    t = cut * h.max()
    if np.any(np.abs(h - t) <= 1e-5 * t):
        return None
    return int(fcluster(Z, t, "distance").max())


def sql_rows(cur, table, where, dims, K, max_dim, metric, cut=None):
    extra = "" if cut is None else ", %s" % repr(float(cut))
    cur.execute("SELECT (q).* FROM (SELECT unnest(topembed.projection_quality(embedding, %%s, %%s, %%s, %%s%s)) q "
                "FROM %s %s) s" % (extra, table, where), (dims, K, max_dim, metric))
    return cur.fetchall()


def check_set(cur, label, X, table, where, dims, K, max_dim, metric, cut=None):
    rows = sql_rows(cur, table, where, dims, K, max_dim, metric, cut)
    ok([r[0] for r in rows] == dims, "%s: one row per target dimension, in the order of dims" % label,
       [r[0] for r in rows])
    skmetric = "euclidean" if metric == "euclidean" else "cosine"
    full = ripser_diagram(X, "full", max_dim)
    for r in rows:
        k = r[0]
        Y, ev = pca(X, k)
        name = "%s k=%d K=%d %s" % (label, k, K, metric)
        close(r[1], ev, 1e-12, name + ": explained variance = numpy's eigenvalues")
        close(r[2], trustworthiness(X, Y, n_neighbors=K, metric=skmetric), 1e-12,
              name + ": trustworthiness = sklearn.manifold.trustworthiness")
        close(r[3], continuity(X, Y, K, skmetric), 1e-12, name + ": continuity = numpy's continuity")
        if metric == "euclidean":
            close(r[3], trustworthiness(Y, X, n_neighbors=K), 1e-12,
                  name + ": continuity = sklearn's trustworthiness with the spaces swapped")
        low = ripser_diagram(Y, "k%d" % k, max_dim)
        for h in range(max_dim + 1):
            close(r[4 + h], gudhi.bottleneck_distance(full[h], low[h], 0), RIPSER_TOL,
                  name + ": bottleneck H%d = gudhi's between ripser's diagrams" % h)
        if max_dim == 0:
            ok(r[5] is None, name + ": bottleneck_h1 is NULL with max_dim 0")
        want = scipy_clusters(Y, 0.5 if cut is None else cut)
        if want is not None:
            ok(r[6] == want, name + ": clusters = scipy single linkage cut at %s of the longest merge"
               % (0.5 if cut is None else cut), "got %d, scipy %d" % (r[6], want))
        if k == X.shape[1]:
            ok(r[2] == 1.0 and r[3] == 1.0 or metric != "euclidean",
               name + ": the full dimension keeps every neighbour", r)
            close(r[4], 0.0, 1e-9, name + ": the full dimension's H0 diagram is the full space's")
    return rows


def parallel_equals_serial(cur):
    q = ("SELECT topembed.projection_quality(embedding, ARRAY[2, 16, 200], 10, 1, 'cosine')::text "
         "FROM cc WHERE model = 'CLIP'")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute(q)
    serial = cur.fetchone()[0]
    for setting in ["parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 3", "parallel_leader_participation = off"]:
        cur.execute("SET " + setting)
    cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + q)
    plan = "\n".join(r[0] for r in cur.fetchall())
    ok("Partial Aggregate" in plan, "projection_quality runs as a Partial Aggregate in a forced parallel plan", plan)
    ok("Workers Launched: 0" not in plan and "Workers Launched" in plan,
       "projection_quality runs in launched parallel workers", plan)
    cur.execute(q)
    par = cur.fetchone()[0]
    cur.execute("RESET ALL")
    s = [v for v in serial.replace('"', '').replace("(", ",").replace(")", ",").strip("{}").split(",") if v]
    p = [v for v in par.replace('"', '').replace("(", ",").replace(")", ",").strip("{}").split(",") if v]
    same = len(s) == len(p) and all(abs(float(a) - float(b)) <= 1e-9 for a, b in zip(s, p))
    ok(same, "projection_quality: the parallel plan gives the serial rows (to 1e-9)", (serial, par))


def errors(conn):
    base = "SELECT topembed.projection_quality(embedding, %s, %s, %s, %s) FROM cc WHERE model = 'CLIP'"
    cases = [
        ("dims above the embeddings' dimension", base % ("ARRAY[2, 201]", 10, 1, "'cosine'"), "22023"),
        ("a target dimension 0", base % ("ARRAY[0]", 10, 1, "'cosine'"), "22023"),
        ("a negative target dimension", base % ("ARRAY[-3]", 10, 1, "'cosine'"), "22023"),
        ("empty dims", base % ("'{}'::int[]", 10, 1, "'cosine'"), "22023"),
        ("NULL dims", base % ("NULL::int[]", 10, 1, "'cosine'"), "22004"),
        ("a NULL in dims", base % ("ARRAY[2, NULL]", 10, 1, "'cosine'"), "22004"),
        ("neighbours = n / 2", base % ("ARRAY[2]", 100, 1, "'cosine'"), "22023"),
        ("neighbours above n / 2", base % ("ARRAY[2]", 150, 1, "'cosine'"), "22023"),
        ("neighbours 0", base % ("ARRAY[2]", 0, 1, "'cosine'"), "22023"),
        ("NULL neighbours", base % ("ARRAY[2]", "NULL::int", 1, "'cosine'"), "22004"),
        ("max_dim 2", base % ("ARRAY[2]", 10, 2, "'cosine'"), "22023"),
        ("max_dim -1", base % ("ARRAY[2]", 10, -1, "'cosine'"), "22023"),
        ("NULL max_dim", base % ("ARRAY[2]", 10, "NULL::int", "'cosine'"), "22004"),
        ("an unknown metric", base % ("ARRAY[2]", 10, 1, "'manhattan'"), "22023"),
        ("NULL metric", base % ("ARRAY[2]", 10, 1, "NULL::text"), "22004"),
        ("cut 0", "SELECT topembed.projection_quality(embedding, ARRAY[2], 10, 1, 'cosine', 0) FROM cc", "22023"),
        ("cut above 1", "SELECT topembed.projection_quality(embedding, ARRAY[2], 10, 1, 'cosine', 1.5) FROM cc", "22023"),
        ("cut NaN", "SELECT topembed.projection_quality(embedding, ARRAY[2], 10, 1, 'cosine', 'NaN') FROM cc", "22023"),
        ("dims changing between rows",
         "SELECT topembed.projection_quality(embedding, ARRAY[2 + (pair_id % 2)], 10, 1, 'cosine') FROM cc", "22023"),
    ]
    for what, sql, want in cases:
        code, msg = sqlstate_of(conn, sql)
        ok(code == want, "projection_quality refuses %s with %s" % (what, want), "got %s: %s" % (code, msg))
    # the embeddings' own problems: as the persistence aggregate refuses them
    for what, vals in [("a NaN element", "ARRAY[1, 'NaN', 0]::real[]"),
                       ("an infinite element", "ARRAY[1, 'Infinity', 0]::float8[]"),
                       ("a NULL element", "ARRAY[1, NULL, 0]::real[]"),
                       ("a ragged row", "ARRAY[1, 2]::real[]"),
                       ("a two-dimensional row", "ARRAY[[1, 2, 3]]::real[]")]:
        src = ("(SELECT ARRAY[1, 0, 0]::%s AS e UNION ALL SELECT ARRAY[0, 1, 0] UNION ALL SELECT %s "
               "UNION ALL SELECT ARRAY[0, 0, 1] UNION ALL SELECT ARRAY[1, 1, 0]) t"
               % ("float8[]" if "float8" in vals else "real[]", vals))
        want, _ = sqlstate_of(conn, "SELECT topembed.persistence(e, 1, 'cosine') FROM %s" % src)
        code, msg = sqlstate_of(conn, "SELECT topembed.projection_quality(e, ARRAY[2], 1, 1, 'cosine') FROM %s" % src)
        ok(code is not None and code == want and code.startswith("22"),
           "projection_quality refuses %s with %s, as persistence does" % (what, want), "got %s: %s" % (code, msg))
    code, msg = sqlstate_of(conn, "SELECT topembed.projection_quality(e, ARRAY[2], 1, 1, 'cosine') FROM "
                            "(VALUES (ARRAY[1, 0, 0]::real[]), (ARRAY[0, 0, 0]), (ARRAY[0, 1, 0]), (ARRAY[0, 0, 1]), "
                            "(ARRAY[1, 1, 1])) t(e)")
    ok(code == "22000", "projection_quality refuses a zero vector under cosine with 22000", "got %s: %s" % (code, msg))
    with conn.cursor() as cur:
        cur.execute("SELECT topembed.projection_quality(e, ARRAY[1], 1, 0, 'euclidean') FROM "
                    "(VALUES (NULL::real[]), (NULL)) t(e)")
        ok(cur.fetchone()[0] is None, "projection_quality of only NULL rows is NULL")
        cur.execute("SELECT array_length(topembed.projection_quality(e, ARRAY[1], 1, 0, 'euclidean'), 1) FROM "
                    "(VALUES (ARRAY[1, 0]::real[]), (NULL), (ARRAY[0, 2]), (ARRAY[3, 3])) t(e)")
        ok(cur.fetchone()[0] == 1, "projection_quality skips NULL rows")
        cur.execute("SET topembed.persistence_memory_limit = '1MB'")
    code, msg = sqlstate_of(conn, base % ("ARRAY[2]", 10, 1, "'cosine'"))
    ok(code == "54000" and "persistence_memory_limit" in (msg or ""),
       "projection_quality beyond topembed.persistence_memory_limit is refused up front with 54000",
       "got %s: %s" % (code, msg))
    with conn.cursor() as cur:
        cur.execute("RESET topembed.persistence_memory_limit")
        cur.execute("SET topembed.max_points = 150")
    code, msg = sqlstate_of(conn, base % ("ARRAY[2]", 10, 1, "'cosine'"))
    ok(code == "54000" and "topembed.projection_quality got more than topembed.max_points" in (msg or ""),
       "projection_quality beyond topembed.max_points is refused while the rows are read, naming itself",
       "got %s: %s" % (code, msg))
    with conn.cursor() as cur:
        cur.execute("RESET topembed.max_points")
        cur.execute("SET statement_timeout = '300ms'")
    code, msg = sqlstate_of(conn, "SELECT topembed.projection_quality(embedding, ARRAY[2, 8, 32, 128, 512], 20, 1, "
                            "'euclidean') FROM liang")
    ok(code == "57014", "a statement timeout cancels projection_quality (57014)", "got %s: %s" % (code, msg))
    with conn.cursor() as cur:
        cur.execute("RESET statement_timeout")
        cur.execute("SELECT 1")
        ok(cur.fetchone()[0] == 1, "the backend serves queries after the cancel")


def main():
    if not need_data("projection_quality on real data", "mscoco100_clip_vs_cloob.csv", "mscoco_clip_vitb16.csv"):
        done()
    conn = fresh_db("te_projection_quality")
    cur = conn.cursor()
    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cc", path)
    rows = read_pairs(path)
    lpath = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    load_csv(conn, "liang", lpath)
    liang = read_pairs(lpath)
    cur.execute("ALTER TABLE cc ADD COLUMN id serial")
    cur.execute("ALTER TABLE liang ADD COLUMN id serial")

    for model in ["CLIP", "CLOOB"]:
        # the row order of the table, as the aggregate sees it in a serial plan
        X = np.array([r["vec"] for r in rows if r["model"] == model])
        where = "WHERE model = '%s'" % model
        check_set(cur, model, X, "cc", where, [2, 5, 16, 50, 200], 10, 1, "cosine")
        check_set(cur, model, X, "cc", where, [3, 200, 8], 5, 1, "euclidean")
        check_set(cur, model, X, "cc", where, [2, 30], 20, 0, "angular", cut=0.25)
    X = np.array([r["vec"] for r in liang if r["modality"] == "image"])
    check_set(cur, "CLIP ViT-B/16 images", X, "liang", "WHERE modality = 'image'", [2, 10, 64], 15, 1, "cosine")

    # dims = the embeddings' dimension under euclidean: a rotation of the centred points
    cur.execute("SELECT (q).* FROM (SELECT unnest(topembed.projection_quality(embedding::float8[], ARRAY[200], 10, 1, "
                "'euclidean')) q FROM cc WHERE model = 'CLOOB') s")
    r = cur.fetchone()
    ok(r[2] == 1.0 and r[3] == 1.0 and r[4] <= 1e-6 and r[5] <= 1e-6 and abs(r[1] - 1.0) <= 1e-12,
       "double precision[]: the full dimension keeps everything (trust 1, continuity 1, bottleneck 0)", r)

    parallel_equals_serial(cur)
    errors(conn)
    done()


if __name__ == "__main__":
    main()
