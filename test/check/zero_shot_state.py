"""topembed.zero_shot_state: the storable, mergeable state of zero_shot.

On the shared CLIP ViT-B/16 pairs (500 images, 50 classes of 10 pairs, each
class's prompt the mean of its captions, as retrieval_numpy.py builds them):
- zero_shot(zero_shot_state(e, label, prompts)) equals zero_shot(e, label,
  prompts) and numpy's ranks, count for count;
- the states of 7 "days" (pair_id % 7), stored in a table, merge into the
  accuracies of all 500 rows, through zero_shot(state) and through
  zero_shot_state(state) and a forced parallel plan gives the same;
- the text and COPY BINARY forms read back bit for bit;
- states counted against other prompts (one prompt changed by one ulp) are
  refused (22023); two states of 2^62 rows merge into an error (22003);
- forged values with a valid checksum (negative counts, more rank-1 than
  rank-5 rows, more rank-5 rows than rows, a length that disagrees with the
  class count, 0 classes, a bad dimension, another format version) are
  refused as text and as binary (22P03), and none reaches a table."""
import io
import os
import struct

import numpy as np
import psycopg2

from forge import blob_of, sign, sqlstate, text_of
from telib import DATA, done, fresh_db, load_csv, need_data, ok, read_pairs

DATAFILE = "mscoco_clip_vitb16.csv"
C = 50


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def copy_binary(cur, table, blobs):
    """COPY table FROM a binary stream of one column; SQLSTATE or None"""
    out = io.BytesIO()
    out.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    for b in blobs:
        out.write(struct.pack(">hi", 1, len(b)) + b)
    out.write(struct.pack(">h", -1))
    out.seek(0)
    try:
        cur.copy_expert("COPY %s FROM STDIN (FORMAT binary)" % table, out)
        return None
    except psycopg2.Error as e:
        return e.pgcode


def zss_blob(n_classes, dim, fingerprint, counts, version=1):
    """a zero_shot_state's binary form (counts: per class rows, rank 1, rank <= 5)"""
    body = b"TEzv" + struct.pack(">iiiQ", version, n_classes, dim, fingerprint)
    body += struct.pack(">%dq" % len(counts), *counts)
    return sign(body)


def parse_zss(blob):
    version, nc, dim, fp = struct.unpack(">iiiQ", blob[4:24])
    counts = list(struct.unpack(">%dq" % (3 * nc), blob[24:24 + 24 * nc]))
    return {"version": version, "n_classes": nc, "dim": dim, "fingerprint": fp, "counts": counts}


def main():
    if not need_data("zero_shot_state on the CLIP pairs", DATAFILE):
        done()
        return
    conn = fresh_db("te_zero_shot_state")
    cur = conn.cursor()
    path = os.path.join(DATA, DATAFILE)
    load_csv(conn, "clip", path)
    rows = read_pairs(path)
    img = sorted((r for r in rows if r["modality"] == "image"), key=lambda r: r["pair_id"])
    txt = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "text"}
    ids = np.array([r["pair_id"] for r in img])
    X = np.array([r["vec"] for r in img], dtype=np.float64)
    Y = np.array([txt[i] for i in ids], dtype=np.float64)
    n = len(ids)
    cls = ids % C
    P = np.array([unit(Y[cls == c]).mean(0) for c in range(C)])
    S = unit(X) @ unit(P).T
    r = np.array([1 + int(np.sum(np.delete(S[i], cls[i]) >= S[i, cls[i]])) for i in range(n)])
    cur.execute("CREATE TABLE prompts AS SELECT %s::float8[] AS p", ([[float(v) for v in row] for row in P],))
    cur.execute("CREATE VIEW img AS SELECT pair_id, embedding FROM clip WHERE modality = 'image'")
    label = "pair_id %% %d + 1" % C

    direct = "SELECT topembed.zero_shot(embedding, %s, p)::text FROM img, prompts" % label
    cur.execute(direct)
    want = cur.fetchone()[0]
    one_state = "(SELECT topembed.zero_shot_state(embedding, %s, p) AS s FROM {src}, prompts) q" % label
    cur.execute("SELECT (z).n, (z).top1_accuracy, (z).top5_accuracy, (z).per_class_n FROM "
                "(SELECT topembed.zero_shot(s) z FROM " + one_state.format(src="img") + ") q2")
    zn, t1, t5, pcn = cur.fetchone()
    ok(zn == n and t1 == np.sum(r == 1) / n and t5 == np.sum(r <= 5) / n and
       pcn == [int(np.sum(cls == c)) for c in range(C)],
       "zero_shot of one state: top-1 %.3f and top-5 %.3f of %d rows equal numpy's" % (t1, t5, zn))
    cur.execute("SELECT topembed.zero_shot(s)::text FROM " + one_state.format(src="img"))
    ok(cur.fetchone()[0] == want, "zero_shot(zero_shot_state(...)) equals zero_shot(...) exactly")

    cur.execute("CREATE TABLE daily AS SELECT pair_id %% 7 AS day, topembed.zero_shot_state(embedding, %s, p) AS s "
                "FROM img, prompts GROUP BY 1" % label)
    cur.execute("SELECT count(*), min(topembed.zero_shot_state_classes(s)) FROM daily")
    ok(cur.fetchone() == (7, C), "7 daily states of %d classes are stored" % C)
    cur.execute("SELECT topembed.zero_shot(s)::text FROM daily")
    ok(cur.fetchone()[0] == want, "the 7 stored states merge into the accuracies of all rows")
    cur.execute("SELECT topembed.zero_shot_state_stats(topembed.zero_shot_state(s))::text FROM daily")
    ok(cur.fetchone()[0] == want, "zero_shot_state(state) merges them into one state of the same accuracies")
    cur.execute("SELECT topembed.zero_shot(s)::text FROM (SELECT s FROM daily UNION ALL SELECT NULL) q")
    ok(cur.fetchone()[0] == want, "a NULL state is skipped")
    cur.execute("SELECT topembed.zero_shot(s) IS NULL FROM daily WHERE false")
    ok(cur.fetchone()[0] is True, "no states: NULL")
    cur.execute("SELECT topembed.zero_shot_state(embedding, 1, p) IS NULL FROM img, prompts WHERE false")
    ok(cur.fetchone()[0] is True, "no rows: the state is NULL")

    # a parallel plan over the rows and over the stored states
    cur.execute("CREATE TABLE imgt AS SELECT * FROM img")
    for t in ("imgt", "daily"):
        cur.execute("ALTER TABLE %s SET (parallel_workers = 2)" % t)
    for g in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
              "max_parallel_workers_per_gather = 2"):
        cur.execute("SET " + g)
    q = "SELECT topembed.zero_shot_state(embedding, %s, (SELECT p FROM prompts))::text FROM imgt" % label
    cur.execute("EXPLAIN " + q)
    plan = "\n".join(x[0] for x in cur.fetchall())
    cur.execute("SELECT topembed.zero_shot(s::topembed.zero_shot_state)::text FROM (%s) q(s)" % q)
    ok("Partial Aggregate" in plan and cur.fetchone()[0] == want,
       "a parallel plan builds the same state", plan)
    cur.execute("RESET ALL")

    # text and binary round trips
    cur.execute("SELECT s::text, topembed.zero_shot_state_send(s) FROM daily ORDER BY day")
    stored = cur.fetchall()
    t0, b0 = stored[0][0], bytes(stored[0][1])
    ok(blob_of(t0) == b0, "the text form is the base64 of the binary form")
    cur.execute("SELECT %s::topembed.zero_shot_state::text", (t0,))
    ok(cur.fetchone()[0] == t0, "the text form reads back bit for bit")
    cur.execute("CREATE TABLE back (s topembed.zero_shot_state)")
    st = copy_binary(cur, "back", [bytes(b) for _, b in stored])
    cur.execute("SELECT topembed.zero_shot(s)::text FROM back")
    ok(st is None and cur.fetchone()[0] == want, "COPY BINARY of the 7 states reads back, and they merge the same")
    f = parse_zss(b0)
    ok(f["n_classes"] == C and f["dim"] == X.shape[1] and len(b0) == 24 + 24 * C + 8,
       "a state of %d classes takes %d bytes, whatever the prompts' size" % (C, len(b0)))

    # other prompts: refused
    P2 = P.copy()
    P2[3, 7] = np.nextafter(P2[3, 7], 1.0)
    cur.execute("CREATE TABLE other AS SELECT topembed.zero_shot_state(embedding, %s, %%s::float8[]) AS s FROM img"
                % label.replace("%", "%%"), ([[float(v) for v in row] for row in P2],))
    st = sqlstate(cur, "SELECT topembed.zero_shot(s) FROM (SELECT s FROM daily UNION ALL SELECT s FROM other) q")
    ok(st == "22023", "a state counted against a prompt changed by one ulp is refused (22023)", st)
    st = sqlstate(cur, "SELECT topembed.zero_shot(s) FROM (SELECT s FROM daily UNION ALL SELECT "
                       "topembed.zero_shot_state(embedding, 1, p[1:49]) FROM img, prompts) q")
    ok(st == "22023", "a state of 49 classes does not merge with states of 50 (22023)", st)

    # overflow
    big = zss_blob(1, 3, 99, [2 ** 62, 2 ** 62, 2 ** 62])
    cur.execute("SELECT (topembed.zero_shot(%s::topembed.zero_shot_state)).n", (text_of("zero_shot_state", big),))
    ok(cur.fetchone()[0] == 2 ** 62, "a state of 2^62 rows is read")
    st = sqlstate(cur, "SELECT topembed.zero_shot(s) FROM (VALUES (%s::topembed.zero_shot_state), "
                       "(%s::topembed.zero_shot_state)) v(s)", (text_of("zero_shot_state", big),) * 2)
    ok(st == "22003", "two states of 2^62 rows merge into an error, not a negative count (22003)", st)

    # forged values
    good = f["counts"]

    def forged(**kw):
        g = dict(f, counts=list(good))
        g.update(kw)
        return zss_blob(g["n_classes"], g["dim"], g["fingerprint"], g["counts"], g["version"])

    c2 = list(good)
    c2[0] = -1
    c3 = list(good)
    c3[1], c3[2] = c3[2] + 1, c3[2]
    c4 = list(good)
    c4[2] = c4[0] + 1
    cases = [("a negative row count", forged(counts=c2)),
             ("more rank-1 than rank-5 rows", forged(counts=c3)),
             ("more rank-5 rows than rows", forged(counts=c4)),
             ("counts for 49 classes under a header of 50", forged(counts=good[:-3])),
             ("0 classes", forged(n_classes=0, counts=[])),
             ("dimension 0", forged(dim=0)),
             ("dimension 16001", forged(dim=16001)),
             ("format version 2", forged(version=2))]
    cur.execute("CREATE TABLE forged (s topembed.zero_shot_state)")
    for what, blob in cases:
        st = sqlstate(cur, "SELECT %s::topembed.zero_shot_state", (text_of("zero_shot_state", blob),))
        st_bin = copy_binary(cur, "forged", [blob])
        ok(st == "22P03" and st_bin == "22P03", "a zero_shot_state with %s: refused as text and binary (22P03)"
           % what, (st, st_bin))
    bad = bytearray(b0)
    bad[30] ^= 1
    st = sqlstate(cur, "SELECT %s::topembed.zero_shot_state", (text_of("zero_shot_state", bytes(bad)),))
    ok(st == "22P03", "a flipped bit fails the checksum (22P03)", st)
    st = sqlstate(cur, "SELECT 'moments/v1:AAAA'::topembed.zero_shot_state")
    ok(st == "22P02", "another type's prefix is refused (22P02)", st)
    cur.execute("SELECT count(*) FROM forged")
    ok(cur.fetchone()[0] == 0, "no forged state reached the table")
    # control: the unforged value through the same forging path is accepted
    cur.execute("SELECT %s::topembed.zero_shot_state::text",
                (text_of("zero_shot_state", forged()),))
    ok(cur.fetchone()[0] == t0, "control: the same value re-forged unchanged is accepted")
    done()


main()
