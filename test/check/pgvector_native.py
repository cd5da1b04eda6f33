"""topembed_pgvector: the aggregates and functions of topembed take pgvector's
vector, halfvec and sparsevec directly, and give exactly what the ::real[]
path gives (halfvec: exactly what halfvec::real[] gives, i.e. with its
rounding).  Bad input is refused as for arrays, a value whose header does
not add up is an error, and topembed itself installs without pgvector.
pgvector comes from an installed copy, else it is built from
../shared/vendor/pgvector; without either (or without the shared data) the
suite skips."""
import glob
import os
import subprocess
import tempfile

from telib import DATA, connect, done, fresh_db, load_csv, need_data, ok, server_config, sqlstate_of

DB = "te_pgvector_native"
DATAFILE = "mscoco_clip_vitb16.csv"
KINDS = ("vector", "halfvec", "sparsevec")


def pgvector_available(conn):
    """Make pgvector available to the server: None, or why it is not."""
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    if cur.fetchone()[0]:
        return None
    tarballs = sorted(glob.glob(os.path.join(os.path.dirname(DATA), "vendor", "pgvector", "pgvector-*.tar.gz")))
    if not tarballs:
        return "pgvector is not installed and ../shared/vendor/pgvector is absent"
    pg_config = os.path.join(server_config(conn, "BINDIR"), "pg_config")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tar", "-C", tmp, "-xzf", tarballs[-1]], check=True)
        src = glob.glob(os.path.join(tmp, "pgvector-*"))[0]
        for target in ("all", "install"):
            r = subprocess.run(["make", "-C", src, "PG_CONFIG=" + pg_config, target],
                               capture_output=True, text=True)
            if r.returncode != 0:
                return "building pgvector failed: " + r.stderr[-500:]
    return None


def one(cur, sql, args=None):
    """The single value of a query."""
    cur.execute(sql, args)
    return cur.fetchone()[0]


def columns(kind):
    """The image and text columns of table pv holding kind (real[]: image, text)."""
    return {"real[]": ("image", "text"), "vector": ("vi", "vt"), "halfvec": ("hi", "ht"),
            "sparsevec": ("si", "st"), "halfvec::real[]": ("hi::real[]", "ht::real[]")}[kind]


def reference(kind):
    """The ::real[] path the native read of kind must equal exactly."""
    return "halfvec::real[]" if kind == "halfvec" else "real[]"


def same_everywhere(cur, name, template, **fmt):
    """template with {i} and {t} (image and text columns) gives the same text
    for each pgvector type as for its ::real[] reference"""
    for kind in KINDS:
        i, t = columns(kind)
        ri, rt = columns(reference(kind))
        native = one(cur, template.format(i=i, t=t, **fmt))
        ref = one(cur, template.format(i=ri, t=rt, **fmt))
        ok(native is not None and native == ref, "%s on %s equals the %s path" % (name, kind, reference(kind)),
           "native %r\nreference %r" % (str(native)[:300], str(ref)[:300]))


def main():
    admin = connect()
    why = pgvector_available(admin)
    if why:
        ok(True, "topembed on pgvector's types # SKIP %s" % why)
        done()
        return
    if not need_data("topembed on pgvector's types", DATAFILE):
        done()
        return

    # topembed alone needs no pgvector; the companion needs both
    conn = fresh_db(DB)
    cur = conn.cursor()
    ok(one(cur, "SELECT count(*) FROM pg_extension WHERE extname = 'vector'") == 0 and
       one(cur, "SELECT topembed.check_embedding('{1,2}'::real[])") is None,
       "topembed installs and works in a database without pgvector")
    code, msg = sqlstate_of(conn, "CREATE EXTENSION topembed_pgvector")
    ok(code == "42704" and "vector" in (msg or ""),
       "topembed_pgvector without pgvector is refused, naming it: %s %s" % (code, msg))
    cur.execute("CREATE EXTENSION vector")
    cur.execute("CREATE EXTENSION topembed_pgvector")

    load_csv(conn, "items", os.path.join(DATA, DATAFILE))
    cur.execute("""CREATE TABLE pv AS
                   SELECT i.pair_id, i.embedding AS image, t.embedding AS text,
                          i.embedding::vector AS vi, t.embedding::vector AS vt,
                          i.embedding::halfvec AS hi, t.embedding::halfvec AS ht,
                          i.embedding::sparsevec AS si, t.embedding::sparsevec AS st
                   FROM items i JOIN items t USING (pair_id)
                   WHERE i.modality = 'image' AND t.modality = 'text'""")
    n = one(cur, "SELECT count(*) FROM pv")
    ok(n == 500, "the 500 CLIP pairs load as real[], vector, halfvec and sparsevec (%d)" % n)

    # every aggregate and function, each pgvector type against its reference
    same_everywhere(cur, "modality_gap(image, text)", "SELECT topembed.modality_gap({i}, {t})::text FROM pv")
    same_everywhere(cur, "gap_state(image, text)", "SELECT topembed.gap_state({i}, {t})::text FROM pv")
    unpaired = ("SELECT topembed.{agg}(e, is_image)::text FROM "
                "(SELECT {i} AS e, true AS is_image FROM pv UNION ALL SELECT {t}, false FROM pv) u")
    same_everywhere(cur, "modality_gap(embedding, is_image)", unpaired, agg="modality_gap")
    same_everywhere(cur, "gap_state(embedding, is_image)", unpaired, agg="gap_state")
    same_everywhere(cur, "moments(embedding)", "SELECT topembed.moments({i})::text FROM pv")
    same_everywhere(cur, "spectral_collapse(embedding)", "SELECT topembed.spectral_collapse({t})::text FROM pv")
    same_everywhere(cur, "pca_project(embedding, basis, 5)",
                    "SELECT array_agg(topembed.pca_project({i}, b, 5) ORDER BY pair_id)::text "
                    "FROM pv, (SELECT topembed.moments(image) AS b FROM pv) s")
    same_everywhere(cur, "check_embedding(embedding, 512)",
                    "SELECT count(topembed.check_embedding({i}, 512)) || '/' || count(topembed.check_embedding({t}, 511)) FROM pv")
    small = "FROM (SELECT * FROM pv ORDER BY pair_id LIMIT 120) s"
    for args in ("", ", 1", ", 1, 'cosine'", ", 1, 'euclidean', 0.9", ", 1, 'cosine', NULL, 60"):
        same_everywhere(cur, "persistence(embedding%s)" % args,
                        "SELECT topembed.persistence({i}%s)::text %s" % (args, small))
    same_everywhere(cur, "persistence(embedding, 1, 'cosine', NULL, 100) of all 500",
                    "SELECT topembed.persistence({i}, 1, 'cosine', NULL, 100)::text FROM pv")
    same_everywhere(cur, "point_sample(embedding, 100) of all 500",
                    "SELECT topembed.point_sample({i}, 100)::text FROM pv")
    same_everywhere(cur, "uniformity(embedding)", "SELECT topembed.uniformity({i})::text FROM pv")
    same_everywhere(cur, "uniformity(embedding, 3)", "SELECT topembed.uniformity({t}, 3)::text FROM pv")
    same_everywhere(cur, "uniformity(embedding, 2, 100)", "SELECT topembed.uniformity({i}, 2, 100)::text FROM pv")
    same_everywhere(cur, "intrinsic_dimension(embedding, 'twonn', NULL)",
                    "SELECT topembed.intrinsic_dimension({i}, 'twonn', NULL)::text FROM pv")
    same_everywhere(cur, "intrinsic_dimension(embedding, 'mle', 10)",
                    "SELECT topembed.intrinsic_dimension({t}, 'mle', 10)::text FROM pv")
    same_everywhere(cur, "gap_drivers(image, text, 5)", "SELECT topembed.gap_drivers({i}, {t}, 5)::text FROM pv")
    same_everywhere(cur, "retrieval(image, text)", "SELECT topembed.retrieval({i}, {t})::text FROM pv")
    same_everywhere(cur, "retrieval(image, text, ks)",
                    "SELECT topembed.retrieval({i}, {t}, '{{1,2,50}}')::text FROM pv")
    grouped = ("SELECT topembed.retrieval(id, e, is_image{ks})::text FROM "
               "(SELECT pair_id::bigint / 2 AS id, {i} AS e, true AS is_image FROM pv "
               "UNION ALL SELECT pair_id::bigint / 2, {t}, false FROM pv) u")
    same_everywhere(cur, "retrieval(item_id, embedding, is_image)", grouped, ks="")
    same_everywhere(cur, "retrieval(item_id, embedding, is_image, ks)", grouped, ks=", '{1,3,20}'")
    same_everywhere(cur, "gap_shift(image, text)", "SELECT topembed.gap_shift({i}, {t})::text FROM pv")
    same_everywhere(cur, "gap_shift(image, text, lambdas)",
                    "SELECT topembed.gap_shift({i}, {t}, '{{-0.5,0,0.25}}')::text FROM pv")
    same_everywhere(cur, "zero_shot(embedding, label, prompts)",
                    "SELECT topembed.zero_shot({i}, (pair_id % 10)::int + 1, p)::text FROM pv, "
                    "(SELECT array_agg(text::float8[] ORDER BY pair_id) AS p "
                    "FROM (SELECT * FROM pv ORDER BY pair_id LIMIT 10) f) c")
    same_everywhere(cur, "zero_shot_state(embedding, label, prompts)",
                    "SELECT topembed.zero_shot_state({i}, (pair_id % 10)::int + 1, p)::text FROM pv, "
                    "(SELECT array_agg(text::float8[] ORDER BY pair_id) AS p "
                    "FROM (SELECT * FROM pv ORDER BY pair_id LIMIT 10) f) c")
    same_everywhere(cur, "clusters(id, embedding, 'cosine', 0.25)",
                    "SELECT topembed.clusters(pair_id::bigint, {i}, 'cosine', 0.25)::text FROM pv")
    same_everywhere(cur, "clusters_k(id, embedding, 'euclidean', 7)",
                    "SELECT topembed.clusters_k(pair_id::bigint, {t}, 'euclidean', 7)::text FROM pv")
    same_everywhere(cur, "persistence(id, embedding, 1, 'cosine')",
                    "SELECT topembed.persistence(pair_id::bigint, {i}, 1, 'cosine')::text FROM pv WHERE pair_id < 150")
    same_everywhere(cur, "pca_svg(id, embedding, loop, title)",
                    "SELECT topembed.pca_svg(pair_id::bigint, {t}, ARRAY[3, 1, 2]::bigint[], 'loop') FROM pv "
                    "WHERE pair_id < 150")
    same_everywhere(cur, "landmark_persistence(embedding, 20, 1, 'euclidean')",
                    "SELECT topembed.landmark_persistence({i}, 20, 1, 'euclidean')::text FROM pv")
    for args in (", 0.5", ", 0.5, 0", ", 0.5, 1, 'euclidean'", ", 0.25, 1, 'angular'"):
        same_everywhere(cur, "sparse_persistence(embedding%s)" % args,
                        "SELECT topembed.sparse_persistence({i}%s)::text FROM pv" % args)
    same_everywhere(cur, "landmarks(id, embedding, 10, 'cosine')",
                    "SELECT topembed.landmarks(pair_id::bigint, {t}, 10, 'cosine')::text FROM pv")
    same_everywhere(cur, "projection_quality(embedding, ARRAY[2, 8], 10, 1, 'cosine')",
                    "SELECT topembed.projection_quality({i}, ARRAY[2, 8], 10, 1, 'cosine')::text FROM pv "
                    "WHERE pair_id < 200")
    nk = one(cur, "SELECT count(DISTINCT c.cluster) FROM unnest((SELECT topembed.clusters_k(pair_id::bigint, vt, "
                  "'euclidean', 7) FROM pv)) c")
    ok(nk == 7, "clusters_k on vector splits the 500 captions into 7 clusters (%s)" % nk)

    # vector and sparsevec are the real[] figures bit for bit; halfvec is near them
    g = one(cur, "SELECT (topembed.modality_gap(image, text)).gap FROM pv")
    gh = one(cur, "SELECT (topembed.modality_gap(hi, ht)).gap FROM pv")
    ok(abs(gh - g) < 1e-3, "the halfvec gap is the real[] gap to half precision (%.6f against %.6f)" % (gh, g))

    # a forced parallel plan over native input combines to the serial figures
    cur.execute("ALTER TABLE pv SET (parallel_workers = 2)")
    cur.execute("SET parallel_setup_cost = 0")
    cur.execute("SET parallel_tuple_cost = 0")
    cur.execute("SET min_parallel_table_scan_size = 0")
    cur.execute("SET max_parallel_workers_per_gather = 2")
    plan = "\n".join(r[0] for r in (cur.execute("EXPLAIN SELECT topembed.modality_gap(vi, vt) FROM pv") or cur.fetchall()))
    gp = one(cur, "SELECT (topembed.modality_gap(vi, vt)).gap FROM pv")
    ok("Partial Aggregate" in plan and abs(gp - g) < 1e-12,
       "a parallel plan on vector columns gives the serial gap (%.15f)" % gp, plan)
    cur.execute("RESET ALL")

    # bad input: NULLs, zero vectors, mismatched and too many dimensions
    ok(one(cur, "SELECT topembed.modality_gap(vi, vt)::text FROM pv WHERE false") is None,
       "no rows: the aggregate is NULL")
    with_nulls = one(cur, """SELECT topembed.modality_gap(a, b)::text FROM
                             (SELECT vi AS a, vt AS b FROM pv UNION ALL SELECT NULL, vt FROM pv
                              UNION ALL SELECT vi, NULL FROM pv) s""")
    ok(with_nulls == one(cur, "SELECT topembed.modality_gap(vi, vt)::text FROM pv"),
       "rows with a NULL vector are skipped")
    for kind in KINDS:
        zero = "'[0,0,0]'::%s" % kind if kind != "sparsevec" else "'{}/3'::sparsevec"
        good = "'[1,2,3]'::%s" % kind if kind != "sparsevec" else "'{1:1,2:2,3:3}/3'::sparsevec"
        short = "'[1,2]'::%s" % kind if kind != "sparsevec" else "'{1:1}/2'::sparsevec"
        code, msg = sqlstate_of(conn, "SELECT topembed.modality_gap(a, b) FROM (VALUES (%s, %s)) v(a, b)" % (zero, good))
        ok(code == "22000" and "zero vector" in (msg or ""), "a zero %s is refused: %s %s" % (kind, code, msg))
        code, msg = sqlstate_of(conn, "SELECT topembed.modality_gap(a, b) FROM (VALUES (%s, %s)) v(a, b)" % (good, short))
        ok(code == "22000" and msg == "text embedding: expected 3 dimensions, not 2",
           "mismatched %s dimensions in a pair: %s %s" % (kind, code, msg))
        code, msg = sqlstate_of(conn, "SELECT topembed.moments(e) FROM (VALUES (%s), (%s)) v(e)" % (good, short))
        ok(code == "22000" and msg == "expected 3 dimensions, not 2",
           "mismatched %s dimensions across rows: %s %s" % (kind, code, msg))
    # the aggregates overloaded in 0.3.0 refuse bad input as their real[] forms do
    bad = [("a zero image in retrieval(image, text)",
            "SELECT topembed.retrieval(a, b) FROM (VALUES ({zero}, {good})) v(a, b)"),
           ("a zero embedding in uniformity(embedding)",
            "SELECT topembed.uniformity(e) FROM (VALUES ({good}), ({zero})) v(e)"),
           ("a zero embedding in zero_shot",
            "SELECT topembed.zero_shot(e, 1, '{{{{1,0,0}},{{0,1,0}}}}') FROM (VALUES ({zero})) v(e)"),
           ("mismatched dimensions in gap_shift(image, text)",
            "SELECT topembed.gap_shift(a, b) FROM (VALUES ({good}, {short})) v(a, b)"),
           ("mismatched dimensions across rows of intrinsic_dimension",
            "SELECT topembed.intrinsic_dimension(e, 'twonn', NULL) FROM (VALUES ({good}), ({short})) v(e)"),
           ("mismatched dimensions in gap_drivers",
            "SELECT topembed.gap_drivers(a, b, 1) FROM (VALUES ({good}, {short})) v(a, b)"),
           ("mismatched dimensions across rows of retrieval(item_id, embedding, is_image)",
            "SELECT topembed.retrieval(1::bigint, e, i) FROM (VALUES ({good}, true), ({short}, false)) v(e, i)"),
           ("mismatched dimensions across rows of clusters",
            "SELECT topembed.clusters(i, e, 'cosine', 0.1) FROM (VALUES (1::bigint, {good}), (2, {short})) v(i, e)"),
           ("a zero embedding in clusters_k under cosine",
            "SELECT topembed.clusters_k(i, e, 'cosine', 1) FROM (VALUES (1::bigint, {good}), (2, {zero})) v(i, e)"),
           ("mismatched dimensions across rows of sparse_persistence",
            "SELECT topembed.sparse_persistence(e, 0.5) FROM (VALUES ({good}), ({short})) v(e)")]
    literals = {"real[]": ("'{0,0,0}'::real[]", "'{1,2,3}'::real[]", "'{1,2}'::real[]"),
                "vector": ("'[0,0,0]'::vector", "'[1,2,3]'::vector", "'[1,2]'::vector"),
                "halfvec": ("'[0,0,0]'::halfvec", "'[1,2,3]'::halfvec", "'[1,2]'::halfvec"),
                "sparsevec": ("'{}/3'::sparsevec", "'{1:1,2:2,3:3}/3'::sparsevec", "'{1:1}/2'::sparsevec")}
    for what, template in bad:
        zero, good, short = literals["real[]"]
        want = sqlstate_of(conn, template.format(zero=zero, good=good, short=short))
        for kind in KINDS:
            zero, good, short = literals[kind]
            got = sqlstate_of(conn, template.format(zero=zero, good=good, short=short))
            ok(want[0] == "22000" and got == want, "%s: %s gives the real[] error: %s %s" % (what, kind, got[0], got[1]),
               "real[]: %s %s" % want)
    # sparse_persistence's parameters are refused alike, with the real[] form's SQLSTATE and message
    refused = [("a NULL epsilon", "(e, NULL::double precision)", "22004"),
               ("a negative epsilon", "(e, -1, 1, 'euclidean')", "22023"),
               ("epsilon 0", "(e, 0)", "22023"),
               ("an infinite epsilon", "(e, 'Infinity')", "22023"),
               ("max_dim 2", "(e, 0.5, 2)", "0A000"),
               ("a NULL metric", "(e, 0.5, 1, NULL)", "22004"),
               ("an unknown metric", "(e, 0.5, 1, 'manhattan')", "22023")]
    for what, call, sqlstate in refused:
        template = "SELECT topembed.sparse_persistence%s FROM (VALUES ({good}), ({good})) v(e)" % call
        want = sqlstate_of(conn, template.format(good=literals["real[]"][1]))
        for kind in KINDS:
            got = sqlstate_of(conn, template.format(good=literals[kind][1]))
            ok(want[0] == sqlstate and got == want,
               "sparse_persistence with %s: %s gives the real[] error: %s %s" % (what, kind, got[0], got[1]),
               "real[]: %s %s" % want)
    code, msg = sqlstate_of(conn, "SELECT topembed.moments('{1:1}/20000'::sparsevec)")
    ok(code == "54000" and "more than the limit of 16000" in (msg or ""),
       "a sparsevec of 20000 dimensions is refused: %s %s" % (code, msg))
    ok(one(cur, "SELECT topembed.check_embedding('[1,2,3]'::vector, 4)") == "expected 4 dimensions, not 3" and
       one(cur, "SELECT topembed.check_embedding('{1:1}/20000'::sparsevec)") ==
       "embedding has 20000 dimensions, more than the limit of 16000" and
       one(cur, "SELECT topembed.check_embedding(NULL::halfvec)") is None,
       "check_embedding reports the problem of a pgvector value")

    # values whose header does not add up, made through a binary cast from bytea:
    # an error naming the layout, never a result
    for kind in KINDS:
        cur.execute("CREATE CAST (bytea AS %s) WITHOUT FUNCTION" % kind)
    forged = {
        "vector with 3 dimensions in 2 floats": ("vector", "\\x03000000" + "0000803f" * 2),
        "vector with a reserved field that is not 0": ("vector", "\\x02000100" + "0000803f" * 2),
        "halfvec with 4 dimensions in 3 halves": ("halfvec", "\\x04000000" + "003c" * 3),
        "sparsevec with 2 entries in the bytes of 1": ("sparsevec", "\\x0a000000" "02000000" "00000000" "01000000" "0000803f"),
        "sparsevec with indices out of order": ("sparsevec", "\\x0a000000" "02000000" "00000000" "05000000" "01000000"
                                                 "0000803f" "0000803f"),
    }
    for what, (kind, hexval) in forged.items():
        code, msg = sqlstate_of(conn, "SELECT topembed.moments(%%s::bytea::%s)" % kind, (hexval,))
        ok(code == "22P03" and "does not have the layout topembed reads" in (msg or ""),
           "a %s is an error: %s %s" % (what, code, msg))
    code, msg = sqlstate_of(conn, "SELECT topembed.moments(%s::bytea::halfvec)", ("\\x02000000003c007c",))
    ok(code == "22000" and msg == "embedding has Infinity at position 2",
       "a halfvec holding infinity is refused: %s %s" % (code, msg))
    code, msg = sqlstate_of(conn, "SELECT topembed.modality_gap(%s::bytea::vector, '[1,1]'::vector)",
                            ("\\x020000000000803f0000807f",))
    ok(code == "22000" and msg == "image embedding has Infinity at position 2",
       "a vector holding infinity is refused on the in-place gap path: %s %s" % (code, msg))
    # the subnormal, negative and largest halves widen exactly
    h = one(cur, "SELECT topembed.mean(topembed.moments(%s::bytea::halfvec))::text", ("\\x040000000100ff7b00c0ffbb",))
    ok(h == "{5.960464477539063e-08,65504,-2,-0.99951171875}",
       "halfvec bits widen exactly (subnormal, largest, -2, -0.9995): %s" % h)

    conn.close()
    admin.cursor().execute("DROP DATABASE %s" % DB)
    done()


main()
