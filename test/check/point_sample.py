"""topembed.point_sample: the sampled persistence's bottom-k sample as a value.

On the shared CLIP images (500 x 512):
- the sample holds exactly the k rows whose hash (FNV-1a of the float64
  values, splitmix-finalised), computed here in Python, is smallest;
- persistence(point_sample(e, k)) is the sampled aggregate's diagram,
  persistence(e, 1, metric, NULL, k), for both metrics tried;
- samples of parts (GROUP BY, different k, a parallel plan, a table of
  stored samples) merge into the sample of the whole, bit for bit;
- text and binary forms read back bit for bit;
- uniformity(point_sample(e, k), t) is numpy's uniformity over the same
  rows, and uniformity(e, t) bit for bit when the sample keeps every row;
- bad arguments and forged values are refused with their SQLSTATE."""
import base64
import struct

import numpy as np

from forge import FNV_INIT, point_hash, sign, sqlstate
from telib import DATA, done, fresh_db, load_csv, need_data, ok, read_pairs

def parse(text):
    """(dim, k, n, seen, width, points) of a point_sample's text form"""
    blob = base64.b64decode(text.split(":", 1)[1])
    assert blob[:4] == b"TEsa"
    version, dim, k, n, seen, width = struct.unpack(">iiiqqi", blob[4:36])
    vals = struct.unpack(">%d%s" % (n * dim, "f" if width == 4 else "d"), blob[36:36 + width * n * dim])
    return dim, k, n, seen, width, [list(vals[i * dim:(i + 1) * dim]) for i in range(n)]


def forge(dim, k, n, seen, points, width=8, version=1):
    """a point_sample text with a valid checksum"""
    vals = [v for p in points for v in p]
    body = b"TEsa" + struct.pack(">iiiqqi", version, dim, k, n, seen, width)
    body += struct.pack(">%d%s" % (len(vals), "f" if width == 4 else "d"), *vals)
    return "point_sample/v%d:%s" % (version, base64.b64encode(sign(body)).decode())


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def main():
    assert FNV_INIT == 0xcbf29ce484222325
    conn = fresh_db("te_point_sample")
    cur = conn.cursor()
    if not need_data("point_sample on real embeddings", "mscoco_clip_vitb16.csv"):
        done()
        return
    path = DATA + "/mscoco_clip_vitb16.csv"
    load_csv(conn, "clip", path)
    cur.execute("CREATE VIEW img AS SELECT pair_id, embedding FROM clip WHERE modality = 'image'")
    rows = [r["vec"] for r in read_pairs(path) if r["modality"] == "image"]
    # the values as the engine sees them: float32, widened to float64
    rows = [[float(np.float32(v)) for v in r] for r in rows]
    hashes = sorted((point_hash(r), i) for i, r in enumerate(rows))

    for k in (1, 100, 499, 500, 2000):
        text = one(cur, "SELECT topembed.point_sample(embedding, %s)::text FROM img", (k,))
        dim, kk, n, seen, width, pts = parse(text)
        want = [rows[i] for _, i in hashes[:k]]
        ok(kk == k and n == min(k, len(rows)) and seen == len(rows) and width == 4 and pts == want,
           "point_sample(e, %d) of %d CLIP images keeps the %d rows of smallest hash (computed here), "
           "in hash order, as 4-byte floats (%d text bytes)" % (k, len(rows), n, len(text)),
           (kk, n, seen, width, len(pts)))
        cur.execute("SELECT topembed.point_sample_count(s), topembed.point_sample_seen(s), "
                    "topembed.point_sample_size(s), s::text = %s::topembed.point_sample::text, "
                    "topembed.point_sample_send(s) = topembed.point_sample_send(s::text::topembed.point_sample) "
                    "FROM (SELECT %s::topembed.point_sample s) x", (text, text))
        cnt, sn, size, same_text, same_bin = cur.fetchone()
        ok((cnt, sn, size) == (n, len(rows), k) and same_text and same_bin,
           "k = %d: the accessors read %d, %d, %d, and the text and binary forms read back bit for bit"
           % (k, cnt, sn, size))

    # the diagram: equal to the sampled aggregate's
    for metric, k in (("cosine", 150), ("euclidean", 120)):
        cur.execute("SELECT topembed.persistence(topembed.point_sample(embedding, %s), 1, %s)::text, "
                    "topembed.persistence(embedding, 1, %s, NULL, %s)::text FROM img", (k, metric, metric, k))
        a, b = cur.fetchone()
        ok(a == b and a.count("(") > k // 2,
           "persistence(point_sample(e, %d), 1, '%s') is the sampled aggregate's diagram" % (k, metric))
    a = one(cur, "SELECT topembed.persistence(topembed.point_sample(embedding, 80))::text FROM img")
    b = one(cur, "SELECT topembed.persistence(embedding, 1, 'cosine', NULL, 80)::text FROM img")
    ok(a == b, "persistence(sample) defaults to max_dim 1, 'cosine' and the enclosing radius")

    # merges: the sample of the parts is the sample of the whole
    whole = one(cur, "SELECT topembed.point_sample(embedding, 100)::text FROM img")
    merged = one(cur, "SELECT topembed.point_sample(s)::text FROM (SELECT topembed.point_sample(embedding, 100) s "
                      "FROM img GROUP BY pair_id % 7) x")
    ok(merged == whole, "the samples of 7 groups merge into the sample of all rows, bit for bit")
    small = one(cur, "SELECT topembed.point_sample(embedding, 60)::text FROM img")
    merged = one(cur, "SELECT topembed.point_sample(s)::text FROM (SELECT topembed.point_sample(embedding, "
                      "CASE WHEN pair_id % 2 = 0 THEN 60 ELSE 100 END) s FROM img GROUP BY pair_id % 2) x")
    ok(merged == small, "samples of k 60 and 100 merge into the k = 60 sample of all rows")
    cur.execute("CREATE TABLE kept (part int, s topembed.point_sample)")
    cur.execute("INSERT INTO kept SELECT pair_id % 5, topembed.point_sample(embedding, 100) FROM img GROUP BY 1")
    ok(one(cur, "SELECT topembed.point_sample(s)::text FROM kept") == whole,
       "stored samples (a table of 5) merge into the sample of all rows")
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; "
                "SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0")
    plan = "\n".join(r[0] for r in (cur.execute("EXPLAIN SELECT topembed.point_sample(embedding, 100) FROM clip")
                                    or cur.fetchall()))
    par = one(cur, "SELECT topembed.point_sample(embedding, 100)::text FROM clip")
    cur.execute("RESET max_parallel_workers_per_gather")
    ser = one(cur, "SELECT topembed.point_sample(embedding, 100)::text FROM clip")
    ok("Partial Aggregate" in plan and par == ser,
       "a parallel plan (partial aggregates in workers) gives the serial sample", plan)

    # uniformity of a stored sample
    X = np.array(rows)

    def np_uniformity(P, t):
        U = P / np.linalg.norm(P, axis=1, keepdims=True)
        d2 = np.maximum(2 - 2 * (U @ U.T), 0)[np.triu_indices(len(U), 1)]
        v = -t * d2
        m = v.max()
        return m + np.log(np.mean(np.exp(v - m)))

    for t in (2.0, 3.0):
        a = one(cur, "SELECT topembed.uniformity(topembed.point_sample(embedding, 500), %s) FROM img", (t,))
        b = one(cur, "SELECT topembed.uniformity(embedding, %s) FROM img", (t,))
        ok(a == b, "uniformity(point_sample(e, 500), %g) of the 500 images is uniformity(e, %g) bit for bit (%.12f)"
           % (t, t, a), (a, b))
    for k in (50, 200):
        want = np_uniformity(X[[i for _, i in hashes[:k]]], 2.0)
        got = one(cur, "SELECT topembed.uniformity(topembed.point_sample(embedding, %s)) FROM img", (k,))
        ok(abs(got - want) < 1e-12, "uniformity(point_sample(e, %d)) equals numpy's over the %d rows of smallest "
           "hash (%.12f, %.12f)" % (k, k, got, want), (got, want))
    merged = one(cur, "SELECT topembed.uniformity(topembed.point_sample(s)) FROM (SELECT topembed.point_sample("
                      "embedding, 200) s FROM img GROUP BY pair_id % 7) x")
    ok(merged == one(cur, "SELECT topembed.uniformity(topembed.point_sample(embedding, 200)) FROM img"),
       "the uniformity of 7 merged samples is that of the sample of all rows")
    ok(one(cur, "SELECT topembed.uniformity(NULL::topembed.point_sample) IS NULL"),
       "the uniformity of a NULL sample is NULL")
    for label, sql, want in (
            ("t = 0", "SELECT topembed.uniformity(topembed.point_sample(embedding, 50), 0) FROM img", "22023"),
            ("t = NaN", "SELECT topembed.uniformity(topembed.point_sample(embedding, 50), 'NaN') FROM img", "22023"),
            ("a NULL t", "SELECT topembed.uniformity(topembed.point_sample(embedding, 50), NULL) FROM img", "22004"),
            ("a sample of one point", "SELECT topembed.uniformity(topembed.point_sample(embedding, 1)) FROM img",
             "22000"),
            ("a zero vector in the sample",
             "SELECT topembed.uniformity(topembed.point_sample(e, 5)) FROM (VALUES (ARRAY[1, 0]::real[]), "
             "(ARRAY[0, 0]::real[])) v(e)", "22000")):
        st = sqlstate(cur, sql)
        ok(st == want, "uniformity(point_sample) refuses %s (%s)" % (label, want), st)

    # float8 rows that are not floats keep 8 bytes
    text = one(cur, "SELECT topembed.point_sample(e, 5)::text FROM (VALUES (ARRAY[0.1, 0.2]::float8[]), "
                    "(ARRAY[1.0/3, 2]::float8[])) v(e)")
    dim, k, n, seen, width, pts = parse(text)
    ok(width == 8 and sorted(pts) == sorted([[0.1, 0.2], [1.0 / 3, 2.0]]) and seen == 2,
       "float8 rows that are not floats: kept in 8 bytes, bit for bit", (width, pts))

    # bad arguments
    for label, sql, want in (
            ("k = 0", "SELECT topembed.point_sample(embedding, 0) FROM img", "22023"),
            ("k above topembed.max_points", "SELECT topembed.point_sample(embedding, 1000000) FROM img", "54000"),
            ("a NULL k", "SELECT topembed.point_sample(embedding, NULL) FROM img", "22004"),
            ("k that differs between rows", "SELECT topembed.point_sample(embedding, 1 + pair_id % 2) FROM img",
             "22023"),
            ("a NaN in a row", "SELECT topembed.point_sample(e, 3) FROM (VALUES (ARRAY[1, 'NaN']::real[])) v(e)",
             "22000"),
            ("an infinity in a row",
             "SELECT topembed.point_sample(e, 3) FROM (VALUES (ARRAY[1, '-Infinity']::real[])) v(e)", "22000"),
            ("an empty array", "SELECT topembed.point_sample(e, 3) FROM (VALUES ('{}'::real[])) v(e)", "22000"),
            ("a 2-D array (as every aggregate does)",
             "SELECT topembed.point_sample(e, 3) FROM (VALUES ('{{1,2},{3,4}}'::real[])) v(e)", "2202E"),
            ("rows of different dimensions",
             "SELECT topembed.point_sample(e, 3) FROM (VALUES (ARRAY[1, 2]::real[]), (ARRAY[1, 2, 3]::real[])) v(e)",
             "22000"),
            ("samples of different dimensions",
             "SELECT topembed.point_sample(s) FROM (SELECT topembed.point_sample(ARRAY[1, 2]::real[], 3) s "
             "UNION ALL SELECT topembed.point_sample(ARRAY[1, 2, 3]::real[], 3)) x", "22000"),
            ("max_dim 9", "SELECT topembed.persistence(topembed.point_sample(embedding, 10), 9) FROM img", "22023")):
        st = sqlstate(cur, sql)
        ok(st == want, "point_sample refuses %s (%s)" % (label, want), st)
    ok(one(cur, "SELECT topembed.persistence(NULL::topembed.point_sample) IS NULL"),
       "persistence of a NULL sample is NULL")
    ok(one(cur, "SELECT topembed.point_sample(embedding, 5) IS NULL FROM img WHERE false"),
       "the sample of no rows is NULL")

    # forged values with a valid checksum
    p1, p2 = [3.0, 4.0], [0.5, -1.0]
    order = sorted([p1, p2], key=point_hash)
    good = forge(2, 5, 2, 2, order)
    ok(sqlstate(cur, "SELECT %s::topembed.point_sample", (good,)) is None and
       one(cur, "SELECT topembed.point_sample_count(%s::topembed.point_sample)", (good,)) == 2,
       "a well-formed sample written by hand is read (the control)")
    for label, text in (
            ("its points out of hash order", forge(2, 5, 2, 2, order[::-1])),
            ("a NaN point", forge(2, 5, 2, 2, [order[0], [float("nan"), 1.0]])),
            ("an infinite point", forge(2, 5, 2, 2, [order[0], [float("inf"), 1.0]])),
            ("more points than k", forge(2, 1, 2, 2, order)),
            ("fewer points than k but more rows seen", forge(2, 5, 2, 9, order)),
            ("fewer rows seen than points", forge(2, 2, 2, 1, order)),
            ("values of 2 bytes", "point_sample/v1:" + base64.b64encode(sign(
                b"TEsa" + struct.pack(">iiiqqi", 1, 2, 5, 1, 1, 2) + b"\0\0\0\0")).decode()),
            ("a count the points disagree with", forge(2, 5, 3, 3, order)),
            ("dimension 0", forge(0, 5, 0, 0, [])),
            ("format version 2", forge(2, 5, 2, 2, order, version=2))):
        st = sqlstate(cur, "SELECT %s::topembed.point_sample", (text,))
        ok(st == "22P03", "a point_sample with %s (valid checksum) is refused (22P03)" % label, st)
    st = sqlstate(cur, "SELECT %s::topembed.point_sample", (good[:-8] + "AAAAAAA=",))
    ok(st == "22P03", "an altered point_sample fails its checksum (22P03)", st)
    done()


main()
