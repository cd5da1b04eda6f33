"""topembed.clusters and topembed.clusters_k against scipy's single linkage.

On the shared real data (CLIP ViT-B/16 image embeddings of "Mind the Gap",
and the CLIP and CLOOB embeddings of the 100 MSCOCO pairs, images and
captions together), under the cosine and the Euclidean metric:
- clusters(id, e, metric, scale) is, as a partition, scipy's
  fcluster(linkage(pdist(X, metric), 'single'), scale, 'distance') for
  several scales; the scales sit in the middle of gaps between merge heights
  (at least 1e-4 relative wide), so the engine's float32 edge lengths cannot
  fall on the other side of the cut;
- clusters_k(id, e, metric, k) is fcluster(..., k, 'maxclust') for several k
  with untied heights around the cut.  scipy before 1.15 (gh-12651, fixed by
  gh-21121) never cuts below the second-lowest merge height, so for
  k >= n - 1 it gives fewer clusters than asked; there the reference is the
  documented rule itself (the cut at the (n-k)-th smallest height, or at 0),
  through fcluster's 'distance' criterion;
- the numbering: 1.. by size descending, ties by the smallest id, every id
  once, ordered by id, cluster_size the real size; the ids are scrambled so
  that the row order and the ids disagree;
- the number of clusters at a scale is the number of H0 bars of
  topembed.persistence(e, 0, metric) dying after it (the essential bar
  included): the same tree;
- a forced parallel plan (Partial Aggregate) gives the serial result.

  /usr/bin/python3 test/check/clusters_scipy.py   (inside a started cluster)
"""
import os
import sys

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from telib import done, fresh_db, need_data, ok, read_pairs, DATA  # noqa: E402

SCIPY_MAXCLUST_FIXED = tuple(int(p) for p in scipy.__version__.split(".")[:2]) >= (1, 15)
MIN_GAP = 1e-4


def partition(labels, ids):
    """The partition as a set of frozensets of ids."""
    groups = {}
    for lab, i in zip(labels, ids):
        groups.setdefault(int(lab), set()).add(int(i))
    return set(frozenset(g) for g in groups.values())


def gap_scale(h, c):
    """A scale in the middle of a wide gap of the sorted heights h, leaving
    about c clusters; (scale, clusters) or None"""
    n = len(h) + 1
    for cc in list(range(c, min(n, c + 40))) + list(range(c - 1, max(1, c - 40), -1)):
        i = n - cc - 1          # h[i] is the last merge applied, h[i + 1] the first not
        if i < 0 or i + 1 >= len(h):
            continue
        if h[i + 1] - h[i] >= MIN_GAP * max(h[i + 1], 1e-12):
            return 0.5 * (h[i] + h[i + 1]), cc
    return None


def untied_k(h, k):
    """True when the cut for k is away from ties: h[n-k-1] < h[n-k] by MIN_GAP"""
    n = len(h) + 1
    i = n - k - 1
    if k >= n:
        return h[0] >= MIN_GAP * max(h[0], 1e-12)
    if i + 1 >= len(h):
        return True
    return h[i + 1] - h[i] >= MIN_GAP * max(h[i + 1], 1e-12)


def fetch(cur, sql, args):
    cur.execute(sql, args)
    return [(int(a), int(b), int(c)) for a, b, c in cur.fetchall()]


def check_numbering(rows, name):
    """Labels 1.. by size descending, ties by the smallest id; sizes true; order by id."""
    ids = [r[0] for r in rows]
    ok(ids == sorted(ids) and len(set(ids)) == len(ids), "%s: every id once, ordered by id" % name)
    members = {}
    for i, c, s in rows:
        members.setdefault(c, []).append((i, s))
    labels = sorted(members)
    ok(labels == list(range(1, len(labels) + 1)), "%s: clusters numbered 1..%d" % (name, len(labels)))
    sizes_ok = all(all(s == len(m) for _, s in m) for m in members.values())
    ok(sizes_ok, "%s: cluster_size is the size of the cluster" % name)
    key = [(-len(members[c]), min(i for i, _ in members[c])) for c in labels]
    ok(key == sorted(key), "%s: numbered by size descending, then by smallest id" % name, key[:10])


def run_set(cur, table, X, ids, metric, label):
    n = len(ids)
    Z = linkage(pdist(X, metric), "single")
    h = np.sort(Z[:, 2])
    cur.execute("SELECT (p).death FROM (SELECT unnest(topembed.persistence(embedding, 0, %s)) p FROM "
                + table + ") s", (metric,))
    deaths = np.array([float(r[0]) for r in cur.fetchall()])

    # scales
    targets = [2, 3, 5, 10, 25, n // 10, n // 4, n // 2, (3 * n) // 4]
    tested = 0
    for c in targets:
        g = gap_scale(h, c)
        if g is None:
            continue
        scale, cc = g
        rows = fetch(cur, "SELECT (m).* FROM (SELECT unnest(topembed.clusters(id, embedding, %s, %s)) m FROM "
                     + table + ") s", (metric, scale))
        ref = fcluster(Z, scale, "distance")
        got = partition([r[1] for r in rows], [r[0] for r in rows])
        want = partition(ref, ids)
        name = "%s %s clusters(scale %.6g): %d clusters" % (label, metric, scale, len(got))
        ok(got == want, name + " = scipy fcluster 'distance'", "got %d, scipy %d clusters" % (len(got), len(want)))
        ok(len(got) == cc, name + " (the gap chosen leaves %d)" % cc)
        ok(len(got) == int(np.sum(deaths > scale)),
           name + " = the H0 bars of persistence(e, 0) dying after the scale (the essential one too)")
        check_numbering(rows, name)
        tested += 1
    ok(tested >= 6, "%s %s: %d scales checked" % (label, metric, tested))

    # k
    tested = 0
    for k in [1, 2, 3, 4, 7, 10, 20, n // 5, n // 2, n - 2, n - 1, n]:
        if not untied_k(h, k):
            continue
        rows = fetch(cur, "SELECT (m).* FROM (SELECT unnest(topembed.clusters_k(id, embedding, %s, %s)) m FROM "
                     + table + ") s", (metric, k))
        got = partition([r[1] for r in rows], [r[0] for r in rows])
        if k <= n - 2 or SCIPY_MAXCLUST_FIXED:
            ref = fcluster(Z, k, "maxclust")
            how = "scipy fcluster 'maxclust'"
        else:
            t = 0.0 if k >= n else h[n - k - 1]
            ref = fcluster(Z, t, "distance")
            how = "the cut at the (n-k)-th height (scipy %s's maxclust stops short here, gh-12651)" % scipy.__version__
        want = partition(ref, ids)
        name = "%s %s clusters_k(%d)" % (label, metric, k)
        ok(got == want, name + " = " + how, "got %d, reference %d clusters" % (len(got), len(want)))
        ok(len(got) == k, name + " gives %d clusters (no ties at the cut)" % k, len(got))
        check_numbering(rows, name)
        tested += 1
    ok(tested >= 8, "%s %s: %d values of k checked" % (label, metric, tested))


def load(conn, table, rows):
    """A table (id bigint, embedding real[]) with scrambled ids; (X, ids) in row order."""
    rng = np.random.default_rng(20261202)
    ids = rng.permutation(len(rows) * 3)[: len(rows)] * 7 - 1000
    X = np.array([r["vec"] for r in rows])
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE %s (id bigint, embedding real[])" % table)
        cur.executemany("INSERT INTO " + table + " VALUES (%s, %s)",
                        [(int(i), [float(v) for v in x]) for i, x in zip(ids, X)])
        cur.execute("ANALYZE " + table)
    return X, [int(i) for i in ids]


def parallel_equals_serial(conn):
    """A forced parallel plan splits the aggregate and gives the serial rows."""
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE big AS SELECT g::bigint AS id, ARRAY[sin(g), cos(g * 1.3), sin(g * 0.7)]::real[] "
                    "AS embedding FROM generate_series(1, 30000) g")
        cur.execute("ANALYZE big")
        q1 = "SELECT topembed.clusters(id, embedding, 'euclidean', 0.002)::text FROM big"
        q2 = "SELECT topembed.clusters_k(id, embedding, 'cosine', 7)::text FROM big"
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute(q1)
        s1 = cur.fetchone()[0]
        cur.execute(q2)
        s2 = cur.fetchone()[0]
        for setting in ["parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                        "max_parallel_workers_per_gather = 3", "parallel_leader_participation = off"]:
            cur.execute("SET " + setting)
        cur.execute("EXPLAIN (COSTS OFF) " + q1)
        plan = "\n".join(r[0] for r in cur.fetchall())
        ok("Partial Aggregate" in plan, "clusters runs as a Partial Aggregate in a forced parallel plan", plan)
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + q2)
        plan = "\n".join(r[0] for r in cur.fetchall())
        ok("Partial Aggregate" in plan and "Workers Launched: 0" not in plan,
           "clusters_k runs in launched parallel workers", plan)
        cur.execute(q1)
        p1 = cur.fetchone()[0]
        cur.execute(q2)
        p2 = cur.fetchone()[0]
        ok(p1 == s1, "clusters: the parallel plan gives the serial result")
        ok(p2 == s2, "clusters_k: the parallel plan gives the serial result")
        cur.execute("RESET ALL")


def main():
    conn = fresh_db("te_clusters_scipy")
    parallel_equals_serial(conn)
    if not need_data("clusters against scipy on real data", "mscoco_clip_vitb16.csv", "mscoco100_clip_vs_cloob.csv"):
        done()
    with conn.cursor() as cur:
        liang = [r for r in read_pairs(os.path.join(DATA, "mscoco_clip_vitb16.csv")) if r["modality"] == "image"]
        X, ids = load(conn, "liang", liang)
        for metric in ("cosine", "euclidean"):
            run_set(cur, "liang", X, ids, metric, "CLIP ViT-B/16 images (%d)" % len(ids))
        amumo = read_pairs(os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
        for model in ("CLIP", "CLOOB_LAION400M"):
            rows = [r for r in amumo if r["model"] == model]
            if not rows:
                ok(False, "model %s in mscoco100_clip_vs_cloob.csv" % model)
                continue
            table = "amumo_" + model.lower()
            X, ids = load(conn, table, rows)
            for metric in ("cosine", "euclidean"):
                run_set(cur, table, X, ids, metric, "%s images and captions (%d)" % (model, len(ids)))
    done()


if __name__ == "__main__":
    main()
