"""topembed.landmark_persistence: farthest-point landmarks with a guarantee.

On the shared CLIP ViT-B/16 features (the 500 images, and all 1000 vectors):
- the landmarks are those of an independent numpy greedy permutation from the
  same start (the point of smallest value hash, computed here in Python):
  the covering radius equals numpy's max-min distance to them, and the
  diagram equals Debian's ripser on exactly those points;
- the bound d_B(full diagram, landmark diagram) <= 2 eps holds in H0 and H1
  under euclidean and angular, measured with GUDHI's bottleneck_distance
  against ripser's diagram of every point; under cosine (not a metric) it
  holds after the change of scale t -> sqrt(2 t) that the docs state;
- eps falls as landmarks are added, and every point is a landmark: eps = 0;
- row order and a parallel plan do not change the result;
- topembed.landmarks(id, embedding, k, metric) names numpy's landmarks by
  id in greedy order, with numpy's insertion radii, and the radius of the
  (k+1)-th is landmark_persistence's covering radius of k;
- bad arguments, the memory limit and a statement timeout give their
  SQLSTATEs."""
import math
import os
import tempfile

import gudhi
import numpy as np

from forge import point_hash
from rips_core import angular_matrix, compare, cosine_matrix, run_ripser, write_lower
from telib import DATA, done, fresh_db, load_csv, need_data, ok, read_pairs, sqlstate_of

def matrix(X, metric):
    """the full distance matrix of X under metric, in float64"""
    if metric == "euclidean":
        G = X @ X.T
        sq = np.maximum(np.diag(G)[:, None] + np.diag(G)[None, :] - 2 * G, 0)
        np.fill_diagonal(sq, 0)
        return np.sqrt(sq)
    if metric == "angular":
        return angular_matrix(X)
    return cosine_matrix(X)


def greedy(D, order, k, radii=False):
    """numpy's farthest-point sampling on D: start at order[0], ties to the
    point earlier in order; (landmarks, covering radius[, insertion radii])"""
    Do = D[np.ix_(order, order)]
    chosen = [0]
    ins = [math.inf]
    near = Do[0].copy()
    for _ in range(1, k):
        c = int(np.argmax(near))      # the first of equals, in order
        chosen.append(c)
        ins.append(float(near[c]))
        near = np.minimum(near, Do[c])
    if radii:
        return [order[c] for c in chosen], float(near.max()), ins
    return [order[c] for c in chosen], float(near.max())


def sql_result(cur, sql, args=None):
    """(diagram {dim: [(b, d)]}, eps, landmarks, points) of a landmark_persistence query"""
    cur.execute("SELECT (r).covering_radius, (r).landmarks, (r).points, "
                "ARRAY(SELECT ARRAY[p.hdim, p.birth, p.death] FROM unnest((r).diagram) p) "
                "FROM (%s) q(r)" % sql, args)
    eps, k, n, bars = cur.fetchone()
    dgm = {}
    for h, b, d in bars:
        dgm.setdefault(int(h), []).append((b, d))
    return dgm, eps, k, n


def finite(bars):
    return [(b, d) for b, d in bars if not math.isinf(d)]


def bottleneck(a, b):
    return gudhi.bottleneck_distance(finite(a), finite(b))


def check_set(cur, tmp, name, X, where, metric, ks):
    """the landmark checks of one point set and metric; the figures measured"""
    D = matrix(X, metric)
    order = sorted(range(len(X)), key=lambda i: (point_hash(list(X[i])), tuple(X[i])))
    lp = os.path.join(tmp, "full_%s_%d.lower" % (metric, len(X)))
    write_lower(lp, D)
    full = run_ripser("lower-distance", lp, 1)
    figures = []
    last = math.inf
    for k in ks:
        got, eps, kk, n = sql_result(cur, "SELECT topembed.landmark_persistence(embedding, %%s, 1, %%s) "
                                          "FROM clip %s" % where, (k, metric))
        lm, want_eps = greedy(D, order, k)
        ok(kk == k and n == len(X) and abs(eps - want_eps) <= 1e-9 * max(1, want_eps),
           "%s, %s, %d landmarks: covering radius %.9f is numpy's max-min distance to numpy's greedy "
           "landmarks (%.9f)" % (name, metric, k, eps, want_eps), (kk, n, eps, want_eps))
        sp = os.path.join(tmp, "lm_%s_%d_%d.lower" % (metric, len(X), k))
        write_lower(sp, D[np.ix_(lm, lm)])
        # (ripser cannot read a single point: its diagram is one essential H0 bar)
        ref = run_ripser("lower-distance", sp, 1) if k > 1 else {0: [(0.0, math.inf)]}
        why = compare(ref, got, 1)
        ok(why is None, "%s, %s, %d landmarks: the diagram is ripser's on numpy's landmarks (H0 %d, H1 %d bars)"
           % (name, metric, k, len(got.get(0, [])), len(got.get(1, []))), why)
        ok(eps <= last, "%s, %s: eps does not grow from %g to %d landmarks" % (name, metric, last, k))
        last = eps
        db = [bottleneck(full.get(h, []), got.get(h, [])) for h in (0, 1)]
        ess = [sum(1 for _, d in full.get(h, []) if math.isinf(d)) == sum(1 for _, d in got.get(h, [])
                                                                            if math.isinf(d)) for h in (0, 1)]
        if metric == "cosine":
            # the bound on the chord scale: sqrt(2 t) of every value, sqrt(2 eps)
            def chord(bars):
                return [(math.sqrt(2 * b), math.sqrt(2 * d)) for b, d in finite(bars)]
            dc = [gudhi.bottleneck_distance(chord(full.get(h, [])), chord(got.get(h, []))) for h in (0, 1)]
            bound = 2 * math.sqrt(2 * eps)
            ok(all(ess) and all(d <= bound + 1e-6 for d in dc),
               "%s, cosine, %d landmarks: on the chord scale d_B = %.4f (H0), %.4f (H1) <= 2 sqrt(2 eps) = %.4f"
               " (in cosine units d_B %.4f, %.4f against 2 eps = %.4f)"
               % (name, k, dc[0], dc[1], bound, db[0], db[1], 2 * eps), (dc, bound))
        else:
            ok(all(ess) and all(d <= 2 * eps + 1e-6 for d in db),
               "%s, %s, %d landmarks: d_B(full, landmarks) = %.4f (H0), %.4f (H1) <= 2 eps = %.4f"
               % (name, metric, k, db[0], db[1], 2 * eps), (db, eps, ess))
        figures.append((name, metric, k, eps, db))
    return figures


def check_ids(cur, conn, img):
    """topembed.landmarks(id, embedding, k, metric): the same landmarks, by id"""
    cur.execute("CREATE TABLE imgs AS SELECT row_number() OVER (ORDER BY pair_id) * 10 AS id, embedding "
                "FROM clip WHERE modality = 'image'")
    ids = [10 * (i + 1) for i in range(len(img))]
    # img is in the CSV's order; name its rows by the same ids as the table
    pids = [r["pair_id"] for r in read_pairs(DATA + "/mscoco_clip_vitb16.csv") if r["modality"] == "image"]
    rank_of = {p: i for i, p in enumerate(sorted(pids))}
    for metric in ("euclidean", "angular"):
        D = matrix(img, metric)
        order = sorted(range(len(img)), key=lambda i: (point_hash(list(img[i])), tuple(img[i])))
        lm, eps, ins = greedy(D, order, 40, radii=True)
        cur.execute("SELECT l.id, l.rank, l.radius FROM (SELECT topembed.landmarks(id, embedding, 40, %s) a "
                    "FROM imgs) q, unnest(q.a) l ORDER BY l.rank", (metric,))
        got = cur.fetchall()
        want_ids = [ids[rank_of[pids[i]]] for i in lm]
        ok([g[0] for g in got] == want_ids and [g[1] for g in got] == list(range(1, 41)),
           "landmarks(id, e, 40, '%s') names numpy's greedy landmarks in numpy's order" % metric,
           ([g[0] for g in got][:8], want_ids[:8]))
        ok(math.isinf(got[0][2]) and all(abs(g[2] - w) <= 1e-9 for g, w in zip(got[1:], ins[1:])),
           "%s: the radii are numpy's insertion radii (the 40th %.6f)" % (metric, got[-1][2]))
        cur.execute("SELECT (r).covering_radius FROM (SELECT topembed.landmark_persistence(embedding, 39, 0, %s) r "
                    "FROM imgs) q", (metric,))
        e39 = cur.fetchone()[0]
        ok(e39 == got[-1][2], "%s: the 40th landmark's radius is the covering radius of 39 landmarks, "
                              "bit for bit (%.9f)" % (metric, e39), (e39, got[-1][2]))
    sql = "SELECT topembed.landmarks(id, embedding, 60)::text FROM imgs"
    cur.execute(sql)
    ser = cur.fetchone()[0]
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; "
                "SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0")
    cur.execute("EXPLAIN " + sql)
    plan = "\n".join(r[0] for r in cur.fetchall())
    cur.execute(sql)
    par = cur.fetchone()[0]
    cur.execute("RESET ALL")
    ok("Partial Aggregate" in plan and par == ser, "landmarks(id, e, 60): a parallel plan gives the serial result",
       plan)
    for what, sql, code in [
            ("a NULL id", "SELECT topembed.landmarks(NULLIF(id, 20), embedding, 3) FROM imgs", "22004"),
            ("k 0", "SELECT topembed.landmarks(id, embedding, 0) FROM imgs", "22023"),
            ("NULL k", "SELECT topembed.landmarks(id, embedding, NULL) FROM imgs", "22004"),
            ("k beyond the rows", "SELECT topembed.landmarks(id, embedding, 501, 'angular') FROM imgs", "22023"),
            ("k varying", "SELECT topembed.landmarks(id, embedding, 3 + (id % 20)::int) FROM imgs", "22023"),
            ("an unknown metric", "SELECT topembed.landmarks(id, embedding, 3, 'l1') FROM imgs", "22023")]:
        got, msg = sqlstate_of(conn, sql)
        ok(got == code, "landmarks: %s is refused with %s: %s" % (what, code, msg), (got, msg))
    cur.execute("SELECT cardinality(topembed.landmarks(id, embedding, 3)) FROM "
                "(SELECT id, CASE WHEN id > 30 THEN NULL ELSE embedding END embedding FROM imgs) q")
    ok(cur.fetchone()[0] == 3, "landmarks: rows with a NULL embedding are skipped (3 of 3 left)")


def check_errors(cur, conn):
    """bad arguments and limits, with their SQLSTATEs"""
    cases = [
        ("0 landmarks", "SELECT topembed.landmark_persistence(embedding, 0) FROM clip", "22023"),
        ("-3 landmarks", "SELECT topembed.landmark_persistence(embedding, -3, 1, 'angular') FROM clip", "22023"),
        ("more landmarks than points",
         "SELECT topembed.landmark_persistence(embedding, 1001, 1, 'euclidean') FROM clip", "22023"),
        ("NULL landmarks", "SELECT topembed.landmark_persistence(embedding, NULL::int) FROM clip", "22004"),
        ("NULL max_dim", "SELECT topembed.landmark_persistence(embedding, 5, NULL) FROM clip", "22004"),
        ("max_dim 9", "SELECT topembed.landmark_persistence(embedding, 5, 9) FROM clip", "22023"),
        ("an unknown metric", "SELECT topembed.landmark_persistence(embedding, 5, 1, 'cosin') FROM clip", "22023"),
        ("a NaN threshold",
         "SELECT topembed.landmark_persistence(embedding, 5, 1, 'euclidean', 'NaN') FROM clip", "22023"),
        ("landmarks varying between rows",
         "SELECT topembed.landmark_persistence(embedding, 5 + pair_id % 2) FROM clip", "22023"),
        ("a NaN coordinate",
         "SELECT topembed.landmark_persistence(e, 1) FROM (VALUES ('{1,0}'::real[]), ('{NaN,1}')) v(e)", None),
        ("mixed lengths",
         "SELECT topembed.landmark_persistence(e, 1) FROM (VALUES ('{1,0}'::real[]), ('{1,2,3}')) v(e)", None),
        ("a zero vector under angular",
         "SELECT topembed.landmark_persistence(e, 2, 1, 'angular') FROM (VALUES ('{1,0}'::real[]), ('{0,0}'), "
         "('{0,1}')) v(e)", None),
    ]
    # the codes the plain aggregate gives for the same input errors
    plain = {
        "a NaN coordinate": "SELECT topembed.persistence(e, 1) FROM (VALUES ('{1,0}'::real[]), ('{NaN,1}')) v(e)",
        "mixed lengths": "SELECT topembed.persistence(e, 1) FROM (VALUES ('{1,0}'::real[]), ('{1,2,3}')) v(e)",
        "a zero vector under angular": "SELECT topembed.persistence(e, 1, 'angular') FROM (VALUES ('{1,0}'::real[]), "
                                       "('{0,0}'), ('{0,1}')) v(e)",
    }
    for what, sql, code in cases:
        want = code or sqlstate_of(conn, plain[what])[0]
        got, msg = sqlstate_of(conn, sql)
        ok(got == want and want is not None, "%s is refused with %s: %s" % (what, want, msg), (got, msg))
    v = sql_result(cur, "SELECT topembed.landmark_persistence(e, 1) FROM (VALUES (NULL::real[]), ('{1,0}'), "
                        "(NULL)) v(e)")
    ok(v[1] == 0 and v[2] == 1 and v[3] == 1, "NULL rows are skipped: one point is one landmark, eps 0", v)
    cur.execute("SELECT topembed.landmark_persistence(e, 3) IS NULL FROM (SELECT NULL::real[] WHERE false) v(e)")
    ok(cur.fetchone()[0], "no rows give NULL")

    cur.execute("SET topembed.persistence_memory_limit = '1MB'")
    got, msg = sqlstate_of(conn, "SELECT topembed.landmark_persistence(embedding, 10, 1, 'euclidean') FROM clip")
    ok(got == "54000", "1000 points of 512 dimensions over a 1MB limit are refused with 54000: %s" % msg, msg)
    cur.execute("SET topembed.persistence_memory_limit = '128MB'")
    got, msg = sqlstate_of(conn, "SELECT topembed.landmark_persistence(embedding, 1000, 1, 'euclidean') FROM clip")
    cur.execute("SET topembed.persistence_memory_limit = '8MB'")
    got2, msg2 = sqlstate_of(conn, "SELECT topembed.landmark_persistence(embedding, 1000, 2, 'euclidean') FROM clip")
    ok(got is None and got2 == "54000",
       "the limit counts the landmarks' persistence: 1000 landmarks up to H2 are refused under 8MB with 54000 (%s)"
       % msg2, (got, msg, got2, msg2))
    cur.execute("RESET topembed.persistence_memory_limit")

    # interruptible: a statement timeout stops the sampling of a large cloud
    cur.execute("CREATE TABLE big AS SELECT pair_id, image FROM topembed.synthetic_pairs(20000, 512, 0.8, 3)")
    cur.execute("SET statement_timeout = '300ms'")
    got, msg = sqlstate_of(conn, "SELECT topembed.landmark_persistence(image, 5000, 0, 'euclidean') FROM big")
    cur.execute("RESET statement_timeout")
    ok(got == "57014", "a statement timeout cancels the farthest-point sampling of 20000 points (57014)", (got, msg))


def main():
    conn = fresh_db("te_landmarks")
    cur = conn.cursor()
    if not need_data("landmark persistence on real embeddings", "mscoco_clip_vitb16.csv"):
        done()
        return
    path = DATA + "/mscoco_clip_vitb16.csv"
    load_csv(conn, "clip", path)
    rows = read_pairs(path)
    img = np.array([r["vec"] for r in rows if r["modality"] == "image"])
    allx = np.array([r["vec"] for r in rows])
    tmp = tempfile.mkdtemp(prefix="te_landmarks_")
    figures = []
    figures += check_set(cur, tmp, "500 CLIP images", img, "WHERE modality = 'image'", "euclidean", (1, 20, 60, 150))
    figures += check_set(cur, tmp, "500 CLIP images", img, "WHERE modality = 'image'", "angular", (20, 60, 150))
    figures += check_set(cur, tmp, "500 CLIP images", img, "WHERE modality = 'image'", "cosine", (60,))
    figures += check_set(cur, tmp, "1000 CLIP vectors", allx, "", "euclidean", (100,))
    figures += check_set(cur, tmp, "1000 CLIP vectors", allx, "", "angular", (100,))

    got = sql_result(cur, "SELECT topembed.landmark_persistence(embedding, 500, 1, 'angular') FROM clip "
                          "WHERE modality = 'image'")
    cur.execute("SELECT p.hdim, p.birth, p.death FROM (SELECT topembed.persistence(embedding, 1, 'angular') d "
                "FROM clip WHERE modality = 'image') q, unnest(q.d) p")
    full = {}
    for h, b, d in cur.fetchall():
        full.setdefault(h, []).append((b, d))
    ok(got[1] == 0 and compare(full, got[0], 1) is None,
       "every point a landmark: eps = 0 and the diagram is persistence's")

    # row order and plans do not count
    q = ("SELECT topembed.landmark_persistence(embedding, 80, 1, 'angular')::text FROM "
         "(SELECT embedding FROM clip ORDER BY %s) s")
    texts = set()
    for order in ("pair_id, modality", "pair_id DESC, modality DESC", "md5(embedding::text)"):
        cur.execute(q % order)
        texts.add(cur.fetchone()[0])
    ok(len(texts) == 1, "three row orders give the same landmark diagram and radius, bit for bit")
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; "
                "SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0")
    sql = "SELECT topembed.landmark_persistence(embedding, 80, 1, 'angular')::text FROM clip"
    cur.execute("EXPLAIN " + sql)
    plan = "\n".join(r[0] for r in cur.fetchall())
    cur.execute(sql)
    par = cur.fetchone()[0]
    cur.execute("RESET max_parallel_workers_per_gather")
    ok("Partial Aggregate" in plan and par in texts,
       "a parallel plan (partial aggregates in workers) gives the serial result bit for bit", plan)
    cur.execute("RESET ALL")

    check_ids(cur, conn, img)
    check_errors(cur, conn)
    for name, metric, k, eps, db in figures:
        print("# %s %s k=%d eps=%.6f d_B H0=%.6f H1=%.6f" % (name, metric, k, eps, db[0], db[1]))
    done()


main()
