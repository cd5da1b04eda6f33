"""Stored values at the extremes and forged ones.

- Every value that moments_out / gap_state_out writes, the input functions
  read back bit for bit (text and COPY BINARY), for sketches of rows with
  norms near 1e150 and 1e200, subnormal coordinates, real[] values at the
  float32 limit, and a count of 2^62; what a sketch cannot represent (a
  scatter beyond the double range) is refused while it is built (22003).
- Values with a valid checksum but broken invariants are refused on input
  (22P03), as text and as binary: negative or overflowing counts, a scatter
  with a negative diagonal or one that no positive semi-definite matrix has,
  one row with a scatter, means and variances the norms rule out, gap states
  whose counts disagree or whose sums are longer than their count allows;
  a positive-definiteness violation that passes those is refused by the
  eigen-solve of spectrum() (22000).
- Merging never overflows a count: two valid sketches or gap states of 2^62
  rows each merge into an error (22003), never a negative count.
- The rows form (format 2) of a small sketch, on the shared CLIP images at
  512 dimensions: a sketch keeps its rows while they are at most half its
  dimension and none is folded, as 4-byte floats when they are all floats;
  it reads back bit for bit, gives numpy's mean and covariance, the same
  spectrum bit for bit as the aggregate that never stored it, merges into
  the sketch of the union, and a forged rows value is refused (22P03).
The expected spectra come from numpy in float64 on the rows divided by a
power of two."""
import io
import math
import struct

import numpy as np
import psycopg2

from forge import (blob_of, gap_text, moments_rows_blob, moments_text, packed_index, parse_gap, parse_moments,
                   sqlstate, text_of)
from telib import close, done, fresh_db, load_csv, need_data, ok, read_pairs, DATA


def copy_binary(cur, table, blobs):
    """COPY table FROM a binary stream of one bytea-like column; SQLSTATE or None"""
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


def build(cur, rows, typ="float8"):
    """the moments sketch of rows, as text (or the SQLSTATE of the refusal)"""
    vals = ",".join("(ARRAY[%s]::%s[])" % (",".join(repr(float(v)) for v in r), typ) for r in rows)
    try:
        cur.execute("SELECT topembed.moments(e)::text FROM (VALUES %s) v(e)" % vals)
        return cur.fetchone()[0]
    except psycopg2.Error as e:
        return e.pgcode


def roundtrips(cur):
    rng = np.random.default_rng(11)
    G = rng.standard_normal((40, 4))
    cases = [
        ("rows of norm about 1e150", G * 1e150, "float8"),
        ("two equal rows of norm 1e200 (a zero scatter)", np.tile(G[0] * 1e200, (2, 1)), "float8"),
        ("subnormal coordinates (1e-310)", G * 1e-310, "float8"),
        ("coordinates from 1e-300 to 1e100 in one sketch", G * rng.choice([1e-300, 1.0, 1e100], size=(40, 1)),
         "float8"),
        ("real[] values at the float32 limit", np.clip(G, -1, 1) * 3.4e38, "real"),
        ("ordinary rows", G, "float8"),
    ]
    cur.execute("CREATE TABLE kept (m topembed.moments)")
    for label, X, typ in cases:
        text = build(cur, X, typ)
        if not ok(text is not None and text.startswith("moments/"), "%s: the sketch is built" % label, text):
            continue
        cur.execute("SELECT %s::topembed.moments::text = %s, "
                    "topembed.moments_send(%s::topembed.moments) = topembed.moments_send(%s::text::topembed.moments::text::topembed.moments)",
                    (text, text, text, text))
        same_text, same_bin = cur.fetchone()
        ok(same_text and same_bin, "%s: moments_in reads moments_out's text back bit for bit" % label)
        cur.execute("TRUNCATE kept")
        cur.execute("INSERT INTO kept VALUES (%s)", (text,))
        buf = io.BytesIO()
        cur.copy_expert("COPY kept TO STDOUT (FORMAT binary)", buf)
        cur.execute("TRUNCATE kept")
        buf.seek(0)
        cur.copy_expert("COPY kept FROM STDIN (FORMAT binary)", buf)
        cur.execute("SELECT m::text FROM kept")
        ok(cur.fetchone()[0] == text, "%s: COPY BINARY out and in keeps the sketch bit for bit" % label)
        # the spectrum against numpy on the rows scaled by a power of two
        Xd = np.array(X, dtype=np.float32 if typ == "real" else np.float64).astype(np.float64)
        e = math.frexp(float(np.max(np.abs(Xd))))[1]
        Y = np.ldexp(Xd, -e)
        ev = np.sort(np.linalg.eigvalsh(np.cov(Y.T, bias=True)))[::-1]
        cur.execute("SELECT (topembed.spectrum(%s::topembed.moments)).eigenvalues", (text,))
        got = np.ldexp(np.array(cur.fetchone()[0]), -2 * e)
        top = max(ev[0], 1e-300)
        if label.startswith(("subnormal", "coordinates from")):
            # squares of 1e-310 are below the double range: the sketch holds what double can
            ok(np.all(np.isfinite(got)), "%s: spectrum() gives finite eigenvalues" % label)
        else:
            ok(np.max(np.abs(got - ev)) <= 1e-9 * top, "%s: spectrum() equals numpy's eigenvalues" % label,
               (got, ev))
    # what the sketch cannot hold is refused while it is built
    st = build(cur, G * 1e200)
    ok(st == "22003", "rows of norm 1e200 that differ: moments() refuses (22003), the scatter overflows", st)
    st = build(cur, np.full((3, 512), 1e308))
    ok(st == "22003", "a row of norm beyond the double range: moments() refuses (22003)", st)
    st = sqlstate(cur, "SELECT topembed.spectral_collapse(e) FROM (VALUES (ARRAY[1e200, 0]::float8[]), "
                       "(ARRAY[-1e200, 1]::float8[])) v(e)")
    ok(st == "22003", "spectral_collapse() refuses the same overflow (22003)", st)
    st = sqlstate(cur, "SELECT topembed.pca_project(ARRAY[3e38, -3e38, 3e38]::real[], topembed.moments(e), 1) "
                       "FROM (VALUES (ARRAY[-3e38, 3e38, -3e38]::real[]), (ARRAY[3e38, -3e38, 3e38]::real[])) v(e)")
    ok(st == "22003", "pca_project() refuses a projection beyond the real range instead of Infinity (22003)", st)


def huge_counts(cur):
    # a consistent sketch of 2^62 equal rows
    n = 2 ** 62
    big = moments_text({"dim": 2, "n": n, "lo": 5.0, "hi": 5.0, "mean": [3.0, 4.0], "packed": [0.0, 0.0, 0.0]})
    cur.execute("SELECT topembed.n(%s::topembed.moments), %s::topembed.moments::text = %s", (big, big, big))
    got_n, same = cur.fetchone()
    ok(got_n == n and same, "a valid sketch of 2^62 rows is read and written back")
    st = sqlstate(cur, "SELECT topembed.n(topembed.moments(m)) FROM (VALUES (%s::topembed.moments), "
                       "(%s::topembed.moments)) v(m)", (big, big))
    ok(st == "22003", "merging two sketches of 2^62 rows refuses the count overflow (22003)", st)
    cur.execute("SELECT topembed.n(topembed.moments(m)) FROM (VALUES (%s::topembed.moments), "
                "((SELECT topembed.moments(ARRAY[3, 4]::float8[])))) v(m)", (big,))
    ok(cur.fetchone()[0] == n + 1, "a sketch of 2^62 rows merges with one of 1 row into 2^62 + 1")
    # paired gap states of 2^62 pairs
    g = gap_text({"dim": 2, "flags": 1, "n_image": n, "n_text": n, "n_pairs": n, "cos_mean": 0.5, "cos_m2": 0.0,
                  "sums": [float(n), 0.0, 0.0, float(n)]})
    cur.execute("SELECT (topembed.modality_gap(s)).n_image FROM (VALUES (%s::topembed.gap_state)) v(s)", (g,))
    ok(cur.fetchone()[0] == n, "a valid gap state of 2^62 pairs is read")
    st = sqlstate(cur, "SELECT (topembed.modality_gap(s)).n_image FROM (VALUES (%s::topembed.gap_state), "
                       "(%s::topembed.gap_state)) v(s)", (g, g))
    ok(st == "22003", "merging two gap states of 2^62 pairs refuses the count overflow (22003)", st)
    g2 = gap_text({"dim": 2, "flags": 0, "n_image": 2 ** 63 - 1, "n_text": 1, "n_pairs": 0, "cos_mean": 0.0,
                   "cos_m2": 0.0, "sums": [1.0, 0.0, 0.0, 1.0]})
    st = sqlstate(cur, "SELECT (topembed.modality_gap(s)).n_image FROM (VALUES (%s::topembed.gap_state), "
                       "(%s::topembed.gap_state)) v(s)", (g2, g2))
    ok(st == "22003", "two gap states of 2^63 - 1 images: refused (22003), never a negative n_image", st)


def forged(cur):
    cur.execute("SELECT topembed.moments(e)::text FROM (VALUES (ARRAY[1,2,0.5]::float8[]), (ARRAY[3,1,2]::float8[]),"
                " (ARRAY[-1,0,1]::float8[]), (ARRAY[2,2,2]::float8[])) v(e)")
    real = parse_moments(blob_of(cur.fetchone()[0]))
    d = real["dim"]

    def edit(**kw):
        f = {k: (list(v) if isinstance(v, list) else v) for k, v in real.items()}
        for k, v in kw.items():
            if callable(v):
                v(f)
            else:
                f[k] = v
        return f

    def set_packed(i, j, v):
        def fn(f):
            f["packed"][packed_index(d, i, j)] = v
        return fn

    def scale(key, s):
        def fn(f):
            f[key] = [x * s for x in f[key]]
        return fn

    cases = [
        ("a negative count", edit(n=-1)),
        ("a negative variance", edit(x=set_packed(1, 1, -0.5))),
        ("a covariance larger than its variances allow (a negative eigenvalue)",
         edit(x=set_packed(0, 1, 10 * math.sqrt(real["packed"][0] * real["packed"][packed_index(d, 1, 1)])))),
        ("one row with a non-zero scatter", edit(n=1)),
        ("no rows with a mean", edit(n=0, lo=0.0, hi=0.0, x=scale("packed", 0.0))),
        ("a NaN in the mean", edit(x=lambda f: f["mean"].__setitem__(0, float("nan")))),
        ("an infinite scatter entry", edit(x=set_packed(0, 2, float("inf")))),
        ("a norm range from 2 to 1", edit(lo=2.0, hi=1.0)),
        ("an infinite largest norm", edit(hi=float("inf"))),
        ("a mean longer than every row", edit(x=scale("mean", 10.0))),
        ("a variance larger than the norms allow", edit(x=scale("packed", 100.0))),
        ("a variance smaller than the norms allow", edit(lo=real["hi"])),
        ("format version 2", edit(version=2)),
    ]
    cur.execute("CREATE TABLE forged_m (m topembed.moments)")
    for label, f in cases:
        text = moments_text(f)
        st = sqlstate(cur, "SELECT %s::topembed.moments", (text,))
        st_bin = copy_binary(cur, "forged_m", [blob_of(text)])
        ok(st == "22P03" and st_bin == "22P03",
           "moments with %s (valid checksum): refused as text and as binary (22P03)" % label, (st, st_bin))
    cur.execute("SELECT count(*) FROM forged_m")
    ok(cur.fetchone()[0] == 0, "no forged sketch reached the table")
    # a count that the moments allow is read, but it cannot grow
    text = moments_text(edit(n=2 ** 63 - 1))
    cur.execute("SELECT topembed.n(%s::topembed.moments)", (text,))
    ok(cur.fetchone()[0] == 2 ** 63 - 1, "a sketch of 2^63 - 1 rows whose moments allow it is read")
    st = sqlstate(cur, "SELECT topembed.moments(m) FROM (VALUES (%s::topembed.moments), "
                       "((SELECT topembed.moments(ARRAY[1,1,1]::float8[])))) v(m)", (text,))
    ok(st == "22003", "adding one row to a sketch of 2^63 - 1 rows refuses the overflow (22003)", st)
    # dim 0 and 16001: refused before anything is allocated for them
    for dim in (0, 16001, 2 ** 31 - 1):
        body = moments_text({"dim": 1, "n": 1, "lo": 1.0, "hi": 1.0, "mean": [1.0], "packed": [0.0]})
        blob = bytearray(blob_of(body))
        blob[8:12] = struct.pack(">i", dim)
        from forge import sign, text_of
        st = sqlstate(cur, "SELECT %s::topembed.moments", (text_of("moments", sign(bytes(blob[:-8]))),))
        ok(st == "22P03", "moments of dimension %d (valid checksum): refused (22P03)" % dim, st)
    # positive semi-definite in every 2 x 2 minor, not as a whole: the eigen-solve refuses it
    c = 0.9
    psd_fail = {"dim": 3, "n": 10, "lo": 1.0, "hi": 10.0, "mean": [0.0, 0.0, 0.0],
                "packed": [10.0, 10 * c, -10 * c, 10.0, 10 * c, 10.0]}
    text = moments_text(psd_fail)
    st = sqlstate(cur, "SELECT topembed.spectrum(%s::topembed.moments)", (text,))
    ok(st == "22000", "a scatter with a negative eigenvalue that passes every 2 x 2 test: spectrum() refuses (22000)",
       st)

    cur.execute("SELECT topembed.gap_state(a, b)::text FROM (VALUES (ARRAY[1,2,0.5]::float8[], ARRAY[1,0,0]::float8[]),"
                " (ARRAY[3,1,2]::float8[], ARRAY[0,1,1]::float8[]), (ARRAY[-1,0,1]::float8[], ARRAY[1,1,1]::float8[])) v(a, b)")
    g = parse_gap(blob_of(cur.fetchone()[0]))

    def gedit(**kw):
        f = dict(g, sums=list(g["sums"]))
        f.update(kw)
        return f

    gcases = [
        ("n_image = -2", gedit(n_image=-2)),
        ("paired counts that differ", gedit(n_text=g["n_text"] + 1)),
        ("pairs in the unpaired form", gedit(flags=0)),
        ("sums longer than their count allows", gedit(sums=[x * 10 for x in g["sums"]])),
        ("a cosine mean of 1.5", gedit(cos_mean=1.5)),
        ("a negative cosine M2", gedit(cos_m2=-1.0)),
        ("a cosine M2 above its count", gedit(cos_m2=float(g["n_pairs"]) * 2)),
        ("one pair with a cosine spread", gedit(n_image=1, n_text=1, n_pairs=1, sums=[x / 3 for x in g["sums"]])),
        ("a NaN sum", gedit(sums=[float("nan")] + g["sums"][1:])),
        ("unknown flags", gedit(flags=7)),
        ("format version 3", gedit(version=3)),
    ]
    cur.execute("CREATE TABLE forged_g (g topembed.gap_state)")
    for label, f in gcases:
        text = gap_text(f)
        st = sqlstate(cur, "SELECT %s::topembed.gap_state", (text,))
        st_bin = copy_binary(cur, "forged_g", [blob_of(text)])
        ok(st == "22P03" and st_bin == "22P03",
           "gap_state with %s (valid checksum): refused as text and as binary (22P03)" % label, (st, st_bin))
    cur.execute("SELECT count(*) FROM forged_g")
    ok(cur.fetchone()[0] == 0, "no forged gap state reached the table")


def rows_form(conn, cur):
    """the rows form of small sketches, on the shared CLIP images"""
    if not need_data("the rows form of moments on real embeddings", "mscoco_clip_vitb16.csv"):
        return
    path = DATA + "/mscoco_clip_vitb16.csv"
    load_csv(conn, "clip", path)
    imgs = [r for r in read_pairs(path) if r["modality"] == "image"]
    imgs.sort(key=lambda r: r["pair_id"])
    X = np.array([r["vec"] for r in imgs], dtype=np.float64)
    d = X.shape[1]
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("CREATE TEMP VIEW img AS SELECT pair_id, embedding FROM clip WHERE modality = 'image'")
    ids = [r["pair_id"] for r in imgs]
    sizes = {}

    def close_arr(got, want, tol, name):
        """close() on the largest difference of two arrays"""
        close(float(np.max(np.abs(np.array(got) - want))), 0.0, tol, name)

    def sketch(k, extra=""):
        """the sketch of the first k images (in pair_id order), as text"""
        cur.execute("SELECT topembed.moments(embedding ORDER BY pair_id)::text FROM img WHERE pair_id <= %%s %s" % extra,
                    (ids[k - 1],))
        return cur.fetchone()[0]

    for k in (1, 2, d // 4, d // 2 - 1, d // 2, d // 2 + 1, min(len(ids), d)):
        if k > len(ids):
            continue
        text = sketch(k)
        sizes[k] = len(text)
        f = parse_moments(blob_of(text))
        want_rows = 2 * k <= d and k < d // 2  # the 256th row of 512-d rows fills the batch and folds it
        if want_rows:
            ok(f["version"] == 2 and f["n"] == k and f["width"] == 4 and
               np.array_equal(np.array(f["rows"]), X[:k]),
               "%d row(s) of %d-d real[]: the sketch keeps its rows as 4-byte floats (moments/v2, %d text bytes), "
               "equal to the rows" % (k, d, len(text)), (f["version"], f["n"], f.get("width")))
        else:
            ok(f["version"] == 1 and f["n"] == k,
               "%d rows of %d-d: the compact form (moments/v1, %d text bytes)" % (k, d, len(text)),
               (f["version"], f["n"]))
        cur.execute("SELECT %s::topembed.moments::text = %s, "
                    "topembed.moments_send(%s::topembed.moments) = "
                    "topembed.moments_send(%s::text::topembed.moments::text::topembed.moments)",
                    (text, text, text, text))
        ok(all(cur.fetchone()), "%d rows: the text and binary forms read back bit for bit" % k)
        if 2 <= k <= d // 4:
            cur.execute("SELECT topembed.moments_count(%s::topembed.moments), "
                        "topembed.moments_mean(%s::topembed.moments), topembed.moments_covariance(%s::topembed.moments)",
                        (text, text, text))
            n, mean, cov = cur.fetchone()
            ok(n == k, "%d rows: moments_count of the rows form" % k, n)
            close_arr(mean, X[:k].mean(axis=0), 1e-12, "%d rows: the mean of the rows form equals numpy's" % k)
            close_arr(cov, np.cov(X[:k].T, bias=True), 1e-12,
                  "%d rows: the covariance of the rows form equals numpy's" % k)
            cur.execute("SELECT (topembed.spectrum(%s::topembed.moments)).eigenvalues = "
                        "(SELECT (topembed.spectral_collapse(embedding ORDER BY pair_id)).eigenvalues "
                        " FROM img WHERE pair_id <= %s)", (text, ids[k - 1]))
            ok(cur.fetchone()[0], "%d rows: the spectrum of the stored rows equals, bit for bit, that of the "
               "aggregate that folded them without storing them" % k)
    big = max(sizes)
    ok(sizes[2] * 100 < sizes[big], "a 2-row sketch at %d-d is %d text bytes, against %d for the compact form"
       % (d, sizes[2], sizes[big]))

    # merges: two rows sketches into the union's (rows while small, compact beyond)
    for a, b in ((50, 50), (150, 150)):
        if a + b > len(ids):
            continue
        cur.execute("SELECT topembed.moments(m)::text FROM ("
                    " SELECT topembed.moments(embedding ORDER BY pair_id) m FROM img WHERE pair_id <= %s"
                    " UNION ALL SELECT topembed.moments(embedding ORDER BY pair_id) FROM img"
                    " WHERE pair_id > %s AND pair_id <= %s) s", (ids[a - 1], ids[a - 1], ids[a + b - 1]))
        merged = cur.fetchone()[0]
        union = sketch(a + b)
        cur.execute("SELECT topembed.moments_covariance(%s::topembed.moments), topembed.moments_count(%s::topembed.moments)",
                    (merged, merged))
        cov, n = cur.fetchone()
        ok(n == a + b and merged[:11] == union[:11],
           "rows sketches of %d and %d rows merge into a %s sketch of %d rows, as the union's" %
           (a, b, "rows" if union.startswith("moments/v2") else "compact", a + b), (n, merged[:11], union[:11]))
        close_arr(cov, np.cov(X[:a + b].T, bias=True), 1e-12,
              "the merged covariance of %d + %d rows equals numpy's" % (a, b))

    # double rows that are not floats keep 8 bytes, bit for bit
    cur.execute("SELECT topembed.moments(e)::text FROM (VALUES (ARRAY[0.1, 0.2, 0.3, 0.4]::float8[]),"
                " (ARRAY[1.0/3, 1e-310, -2.5, 7]::float8[])) v(e)")
    f = parse_moments(blob_of(cur.fetchone()[0]))
    ok(f["version"] == 2 and f["width"] == 8 and f["rows"] == [[0.1, 0.2, 0.3, 0.4], [1.0 / 3, 1e-310, -2.5, 7.0]],
       "float8 rows that are not floats: the rows form keeps them in 8 bytes, bit for bit", f.get("width"))

    # forged rows values with a valid checksum
    rows = [[3.0, 4.0, 0.0, 0.0], [0.0, 0.0, 6.0, 8.0]]
    good = text_of("moments", moments_rows_blob(4, rows, 5.0, 10.0))
    cur.execute("SELECT topembed.moments_count(%s::topembed.moments), topembed.moments_mean(%s::topembed.moments)",
                (good, good))
    n, mean = cur.fetchone()
    ok(n == 2 and mean == [1.5, 2.0, 3.0, 4.0], "a well-formed rows value written by hand is read (the control)",
       (n, mean))
    nan = [[3.0, 4.0, 0.0, 0.0], [0.0, 0.0, 6.0, float("nan")]]
    bad = [
        ("no rows", moments_rows_blob(4, [], 0.0, 0.0)),
        ("more rows than half the dimension", moments_rows_blob(4, rows + [[5.0, 0, 0, 0]], 5.0, 10.0)),
        ("values of 2 bytes", moments_rows_blob(4, rows, 5.0, 10.0, width=2)),
        ("a row count the values disagree with", moments_rows_blob(4, rows, 5.0, 10.0, count=1)),
        ("a NaN in a row", moments_rows_blob(4, nan, 5.0, 10.0)),
        ("a row norm outside the norm range", moments_rows_blob(4, rows, 5.0, 9.0)),
        ("a norm range upside down", moments_rows_blob(4, rows, 10.0, 5.0)),
    ]
    for label, blob in bad:
        st = sqlstate(cur, "SELECT topembed.moments_count(%s::topembed.moments)", (text_of("moments", blob),))
        ok(st == "22P03", "a rows value with %s (valid checksum): refused (22P03)" % label, st)


def main():
    conn = fresh_db("te_stored_states")
    cur = conn.cursor()
    roundtrips(cur)
    huge_counts(cur)
    forged(cur)
    rows_form(conn, cur)
    done()


main()
