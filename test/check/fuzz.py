"""A targeted fuzzer: thousands of calls of every topembed function and
aggregate with hostile arguments (NULLs, NaN, infinities, empty, multi-
dimensional and oversized arrays, wrong lengths, corrupt sketches and
diagrams, odd integers).  Every call must either succeed or fail with a
proper ERROR: no crash (the server never restarts), no internal error
(SQLSTATE class XX), and the session stays usable."""
import os
import random

import psycopg2

from telib import backend_crashes, connect, done, fresh_db, ok

N = int(os.environ.get("TE_FUZZ_QUERIES", "20000"))
SEED = int(os.environ.get("TE_FUZZ_SEED", "20261128"))


def vec(r, dim=None):
    """A random embedding literal, sometimes hostile."""
    kind = r.random()
    dim = dim if dim is not None else r.choice([1, 2, 3, 8, 16])
    vals = ["%.6g" % r.gauss(0, 1) for _ in range(dim)]
    if kind < 0.06:
        vals[r.randrange(dim)] = r.choice(["NaN", "Infinity", "-Infinity", "NULL"])
    elif kind < 0.09:
        return "'{}'"
    elif kind < 0.11:
        return "'{{1,2},{3,4}}'"
    elif kind < 0.13:
        vals = ["0"] * dim
    elif kind < 0.14:
        return "array_fill(1::real, ARRAY[16001])"
    elif kind < 0.15:
        return "'[0:%d]={%s}'" % (dim - 1, ",".join(vals))
    elif kind < 0.16:
        return "NULL"
    elif kind < 0.18:
        vals = ["1e38" if r.random() < 0.5 else "1e-38" for _ in range(dim)]
    return "'{%s}'" % ",".join(vals)


def typed(r, lit):
    return "%s::%s" % (lit, r.choice(["real[]", "float8[]"]))


def intarg(r):
    return r.choice(["NULL", "-1", "0", "1", "2", "3", "4", "7", "100", "2147483647", "-2147483648"])


def floatarg(r):
    return r.choice(["NULL", "'NaN'", "'Infinity'", "'-Infinity'", "-1", "0", "0.5", "1e308", "1e-308", "2"])


def textarg(r):
    return r.choice(["NULL", "'cosine'", "'euclidean'", "'angular'", "''", "'Cosine'", "'<svg>&'", "'x'"])


def diagram(r):
    """A random persistence_pair[] literal, sometimes hostile."""
    if r.random() < 0.05:
        return "NULL"
    pairs = []
    for _ in range(r.randrange(0, 12)):
        dim = r.choice(["0", "1", "2", "-1", "1000", "NULL"]) if r.random() < 0.1 else str(r.randrange(0, 3))
        b = r.random()
        d = b + r.random()
        bs = r.choice(["'NaN'", "'Infinity'", "NULL", "-1"]) if r.random() < 0.05 else "%.4g" % b
        ds = r.choice(["'NaN'", "'Infinity'", "'Infinity'", "NULL", "0"]) if r.random() < 0.1 else "%.4g" % d
        pairs.append("ROW(%s, %s, %s)" % (dim, bs, ds) if r.random() > 0.02 else "NULL")
    return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(pairs) if pairs else "'{}'::topembed.persistence_pair[]"


def grid(r):
    return r.choice(["NULL", "'{}'", "'{0,0.5,1}'", "'{1,NaN}'", "'{NULL,1}'", "'{2,1}'", "'{{1,2}}'",
                     "'{-Infinity,Infinity}'", "'{0.1}'"]) + "::float8[]"


def rows(r, width):
    """A VALUES list of random rows for an aggregate."""
    dim = r.choice([1, 2, 3, 8])
    out = []
    for _ in range(r.randrange(0, 25)):
        out.append("(%s)" % ", ".join(vec(r, dim if r.random() > 0.05 else None) for _ in range(width)))
    return out


def query(r):
    """One random statement."""
    k = r.randrange(18)
    t = r.choice(["real[]", "float8[]"])
    if k == 0:
        vs = rows(r, 2) or ["(NULL, NULL)"]
        return "SELECT topembed.modality_gap(a::%s, b::%s) FROM (VALUES %s) v(a, b)" % (t, t, ",".join(vs))
    if k == 1:
        vs = rows(r, 1) or ["(NULL)"]
        return ("SELECT topembed.modality_gap(a::%s, %s) FROM (VALUES %s) v(a)"
                % (t, r.choice(["random() < 0.5", "NULL::bool", "true"]), ",".join(vs)))
    if k == 2:
        vs = rows(r, 1) or ["(NULL)"]
        return "SELECT topembed.spectrum(topembed.moments(a::%s)) FROM (VALUES %s) v(a)" % (t, ",".join(vs))
    if k == 3:
        vs = rows(r, 1) or ["(NULL)"]
        args = ", ".join([intarg(r), textarg(r), floatarg(r), intarg(r)][:r.randrange(0, 5)])
        return "SELECT topembed.persistence(a::%s%s) FROM (VALUES %s) v(a)" % (t, ", " + args if args else "",
                                                                              ",".join(vs))
    if k == 4:
        vs = rows(r, 1) or ["(NULL)"]
        return ("SELECT topembed.pca_project(%s, (SELECT topembed.moments(a::%s) FROM (VALUES %s) v(a)), %s)"
                % (typed(r, vec(r)), t, ",".join(vs), intarg(r)))
    if k == 5:
        return "SELECT topembed.check_embedding(%s, %s)" % (typed(r, vec(r)), intarg(r))
    if k == 6:
        return "SELECT topembed.l2_normalize(%s)" % typed(r, vec(r))
    if k == 7:
        return ("SELECT * FROM topembed.synthetic_pairs(%s, %s, %s, %s, %s, %s) LIMIT 3"
                % (r.choice(["0", "1", "5", "-1", "NULL"]), r.choice(["1", "2", "3", "16", "16001", "NULL"]),
                   floatarg(r), r.choice(["0", "-1", "9223372036854775807"]), floatarg(r), floatarg(r)))
    if k == 8:
        lo = "'{%s}'" % ",".join("%.3g" % abs(r.gauss(1, 1)) for _ in range(r.choice([0, 1, 3, 6, 7, 10])))
        if r.random() < 0.2:
            lo = r.choice(["'{1,NaN,1}'", "'{1,-1,1}'", "'{{0,1},{1,0}}'", "'{{0,1},{2,0}}'", "'{{1}}'",
                           "'{{{0}}}'", "NULL", "'{1,NULL,1}'"])
        return ("SELECT topembed.persistence_from_distances(%s::float8[], %s, %s, %s)"
                % (lo, intarg(r), floatarg(r), r.choice(["2", "3", "4", "1", "46337", "46349", "NULL"])))
    if k == 9:
        return "SELECT topembed.betti_numbers(%s, %s)" % (diagram(r), floatarg(r))
    if k == 10:
        return "SELECT topembed.betti_curve(%s, %s, %s)" % (diagram(r), intarg(r), grid(r))
    if k == 11:
        return ("SELECT topembed.persistence_entropy(%s, %s), topembed.total_persistence(%s, %s, %s)"
                % (diagram(r), intarg(r), diagram(r), intarg(r), floatarg(r)))
    if k == 12:
        return "SELECT topembed.persistence_landscape(%s, %s, %s, %s)" % (diagram(r), intarg(r), intarg(r), grid(r))
    if k == 13:
        return ("SELECT topembed.bottleneck_distance(%s, %s, %s), topembed.wasserstein_distance(%s, %s, %s, %s)"
                % (diagram(r), diagram(r), intarg(r), diagram(r), diagram(r), intarg(r), floatarg(r)))
    if k == 14:
        return "SELECT length(topembed.%s(%s, %s))" % (r.choice(["diagram_svg", "barcode_svg"]), diagram(r),
                                                      textarg(r))
    if k == 15:
        return "SELECT length(topembed.betti_curve_svg(%s, %s, %s))" % (diagram(r), grid(r), textarg(r))
    if k == 16:
        ev = r.choice(["'{3,2,1}'", "'{NaN,1}'", "'{}'", "NULL", "'{-1,0}'", "'{Infinity}'", "'{{1,2}}'", "'{1,NULL}'"])
        rec = "ROW(3, 3, %s::float8[], NULL, 1, %s, 1, 1, %s, 1)::topembed.spectrum_stats" % (ev, floatarg(r), intarg(r))
        if r.random() < 0.5:
            return "SELECT length(topembed.spectrum_svg(%s, %s))" % (rec, textarg(r))
        return ("SELECT length(topembed.spectrum_svg(ARRAY[%s, %s], %s, %s))"
                % (rec, rec, r.choice(["NULL", "'{a,b}'", "'{a}'", "'{NULL,b}'"]), textarg(r)))
    # corrupt stored values
    typ = r.choice(["moments", "gap_state"])
    return ("WITH v AS (SELECT topembed.%s(a::real[], a::real[]) s FROM (VALUES ('{1,2}'), ('{3,1}')) x(a)) "
            "SELECT overlay(s::text placing %s from %d for 1)::topembed.%s FROM v"
            % ("gap_state" if typ == "gap_state" else "moments", "'A'", r.randrange(1, 60), typ)
            if typ == "gap_state" else
            "WITH v AS (SELECT topembed.moments(a::real[]) s FROM (VALUES ('{1,2}'), ('{3,1}')) x(a)) "
            "SELECT topembed.spectrum(overlay(s::text placing 'A' from %d for 1)::topembed.moments) FROM v"
            % r.randrange(1, 80))


def main():
    conn = fresh_db("te_fuzz")
    cur = conn.cursor()
    cur.execute("ALTER DATABASE te_fuzz SET statement_timeout = '3s'")
    conn.close()
    conn = connect("te_fuzz")
    cur = conn.cursor()
    crashes_before = backend_crashes()
    r = random.Random(SEED)
    counts = {"ok": 0, "error": 0}
    internal, crashes = [], []
    for i in range(N):
        q = query(r)
        try:
            cur.execute(q)
            cur.fetchall()
            counts["ok"] += 1
        except psycopg2.Error as e:
            if conn.closed or e.pgcode is None:
                # the connection is gone: the backend died
                crashes.append("%s -- %s" % (q[:300], e))
                conn = connect("te_fuzz")
                cur = conn.cursor()
                continue
            counts["error"] += 1
            if e.pgcode.startswith("XX"):
                internal.append("%s: %s -- %s" % (e.pgcode, e.pgerror.strip().splitlines()[0], q[:300]))
    print("# %d statements: %d succeeded, %d refused with an error" % (N, counts["ok"], counts["error"]))
    ok(not crashes, "no statement crashed the backend (%d statements, seed %d)" % (N, SEED), "\n".join(crashes[:5]))
    ok(not internal, "no statement ended in an internal error (SQLSTATE class XX)", "\n".join(internal[:10]))
    ok(counts["ok"] > N // 10 and counts["error"] > N // 10, "the fuzzer exercised both success and error paths")
    ok(backend_crashes() == crashes_before, "no backend was killed by a signal (server log)")
    done()


main()
