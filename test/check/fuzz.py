"""A targeted fuzzer: thousands of calls of every topembed function and
aggregate with hostile arguments (NULLs, NaN, infinities, empty, multi-
dimensional and oversized arrays, wrong lengths, corrupt sketches and
diagrams, odd integers), and four classes of hostile numbers:

- extreme magnitudes: coordinates, distances and bars from 5e-324 to
  1.8e308, both signs, mixed in one input, in every metric and engine path;
- forged states: moments sketches and gap states with a valid checksum but
  a broken field (counts near the int64 limits, NaN, infinities, negative
  variances, swapped norm ranges, unknown flags and versions), through text
  input, COPY BINARY, accessors and merges;
- huge dims: homology dimensions up to 2^31 - 1 in every diagram function;
- huge diagrams: every diagram function on TE_FUZZ_HUGE bars (10^6), each
  cancelled from a second connection after a second.

Every call must either succeed or fail with a proper ERROR: no crash (the
server never restarts), no internal error (SQLSTATE class XX), and the
session stays usable.  The long calls report the backend's peak memory
(VmHWM of /proc/<pid>/status, shared buffers included) and their cancel
latency, the time from pg_cancel_backend to the error; a latency over 2 s
fails, and so does a landscape whose peak memory exceeds 1.5 times its
output."""
import io
import math
import os
import random
import struct
import threading
import time

import psycopg2

from forge import blob_of, gap_text, moments_text, parse_gap, parse_moments
from telib import backend_crashes, connect, done, fresh_db, ok

N = int(os.environ.get("TE_FUZZ_QUERIES", "20000"))
SEED = int(os.environ.get("TE_FUZZ_SEED", "20261128"))
HUGE = int(os.environ.get("TE_FUZZ_HUGE", "1000000"))
LATENCY_BOUND = 2.0
EXTREMES = ["5e-324", "-5e-324", "2.2250738585072014e-308", "1e-300", "-1e-300", "1e-150", "1e-40", "1e38",
            "3.4e38", "-3.4e38", "1e39", "1e150", "-1e200", "1e300", "-1e300", "1.7976931348623157e308",
            "-1.7976931348623157e308", "-0.0", "0"]
HUGE_DIMS = ["1001", "65535", "134217726", "2147483647", "-2147483648", "-1", "1000"]


def extreme(r):
    """one extreme double literal: a listed one or sign * 10^U(-308, 308)"""
    if r.random() < 0.4:
        return r.choice(EXTREMES)
    return "%s%.6ge%d" % (r.choice(["", "-"]), 1 + 9 * r.random(), r.randrange(-308, 308))


def ext_vec(r, dim):
    """an embedding literal of extreme values: one scale, a few, or any"""
    kind = r.random()
    if kind < 0.4:
        scale = "1e%d" % r.randrange(-300, 301)
        return "'{%s}'" % ",".join("%.6g" % (r.gauss(0, 1) * float(scale)) for _ in range(dim))
    if kind < 0.7:
        scales = [float("1e%d" % r.randrange(-300, 301)) for _ in range(2)]
        return "'{%s}'" % ",".join("%.6g" % (r.gauss(0, 1) * r.choice(scales)) for _ in range(dim))
    return "'{%s}'" % ",".join(extreme(r) for _ in range(dim))


def ext_rows(r, width):
    dim = r.choice([1, 2, 3, 8])
    return ["(%s)" % ", ".join(ext_vec(r, dim) for _ in range(width)) for _ in range(r.randrange(1, 25))]


def ext_diagram(r):
    """bars of extreme values, sometimes of huge dimension"""
    pairs = []
    for _ in range(r.randrange(0, 12)):
        dim = r.choice(HUGE_DIMS) if r.random() < 0.15 else str(r.randrange(0, 3))
        b = float(extreme(r)) if r.random() < 0.7 else r.random()
        d = b + abs(float(extreme(r)))
        if not math.isfinite(d) or r.random() < 0.1:
            d = float("inf") if r.random() < 0.5 else b
        pairs.append("ROW(%s, %r, '%r')" % (dim, b, d))
    return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(pairs) if pairs else "'{}'::topembed.persistence_pair[]"


def huge_dim_diagram(r):
    """a diagram with one or more pairs of a huge homology dimension"""
    pairs = ["ROW(%s, %d, %d)" % (r.choice(HUGE_DIMS), i, i + 1 + r.randrange(3)) for i in range(r.randrange(1, 4))]
    pairs += ["ROW(0, 0, %d)" % (i + 1) for i in range(r.randrange(0, 3))]
    r.shuffle(pairs)
    return "ARRAY[%s]::topembed.persistence_pair[]" % ",".join(pairs)


TEMPLATES = {}


def forged_moments(r):
    """a moments literal with a valid checksum and one broken (or odd) field"""
    f = parse_moments(blob_of(TEMPLATES["moments"]))
    f = dict(f, mean=list(f["mean"]), packed=list(f["packed"]))
    k = r.randrange(8)
    if k == 0:
        f["n"] = r.choice([-1, 0, 1, 2, 2 ** 62, 2 ** 63 - 1, -2 ** 63])
    elif k == 1:
        f["mean"][r.randrange(len(f["mean"]))] = float(r.choice(["nan", "inf", "-inf", "1e308", "-1e308"]))
    elif k == 2:
        f["packed"][r.randrange(len(f["packed"]))] = float(r.choice(["nan", "inf", "-1", "1e308", "-1e308", "5e-324"]))
    elif k == 3:
        f["lo"], f["hi"] = f["hi"], f["lo"] * r.choice([0.5, 1.0, -1.0])
    elif k == 4:
        f["hi"] = float(r.choice(["inf", "nan", "1e308", "0"]))
    elif k == 5:
        f["version"] = r.choice([0, 2, 7, -1])
    elif k == 6:
        f["packed"] = [x * r.choice([-1.0, 1e10, 1e-10, 0.0]) for x in f["packed"]]
    else:
        f["mean"] = [x * r.choice([10.0, 1e300, 0.0]) for x in f["mean"]]
    return "'%s'::topembed.moments" % moments_text(f)


def forged_gap(r):
    """a gap_state literal with a valid checksum and one broken (or odd) field"""
    f = parse_gap(blob_of(TEMPLATES[r.choice(["gap_paired", "gap_one"])]))
    f = dict(f, sums=list(f["sums"]))
    k = r.randrange(7)
    big = r.choice([-2, -1, 0, 1, 2 ** 62, 2 ** 63 - 1, -2 ** 63])
    if k == 0:
        f[r.choice(["n_image", "n_text", "n_pairs"])] = big
    elif k == 1:
        f["n_image"] = f["n_text"] = f["n_pairs"] = big if f["flags"] else 0
        if not f["flags"]:
            f["n_image"] = big
    elif k == 2:
        f["sums"][r.randrange(len(f["sums"]))] = float(r.choice(["nan", "inf", "1e308", "-1e300"]))
    elif k == 3:
        f["cos_mean"] = float(r.choice(["nan", "1.5", "-1.0000001", "inf"]))
    elif k == 4:
        f["cos_m2"] = float(r.choice(["-1", "1e300", "nan", "inf"]))
    elif k == 5:
        f["flags"] = r.choice([0, 1, 2, -1, 255])
    else:
        f["version"] = r.choice([0, 2, 9])
    return "'%s'::topembed.gap_state" % gap_text(f)


def hostile_query(r):
    """one statement of the four hostile-number classes"""
    k = r.randrange(12)
    t = r.choice(["float8[]", "real[]"])
    if k == 0:
        vs = ext_rows(r, 1)
        return ("SELECT topembed.persistence(a::float8[], %d, '%s'%s) FROM (VALUES %s) v(a)"
                % (r.randrange(0, 3), r.choice(["euclidean", "cosine", "angular"]),
                   r.choice(["", ", NULL", ", %s" % extreme(r).lstrip("-"), ", NULL, 5"]), ",".join(vs)))
    if k == 1:
        vs = ext_rows(r, 2)
        return "SELECT topembed.modality_gap(a::%s, b::%s) FROM (VALUES %s) v(a, b)" % (t, t, ",".join(vs))
    if k == 2:
        vs = ext_rows(r, 1)
        return ("SELECT topembed.spectrum(m), topembed.moments(m)::text::topembed.moments FROM "
                "(SELECT topembed.moments(a::%s) m FROM (VALUES %s) v(a)) s" % (t, ",".join(vs)))
    if k == 3:
        n = r.choice([2, 3, 4, 6])
        vals = ",".join(extreme(r).lstrip("-") for _ in range(n * (n - 1) // 2))
        return ("SELECT topembed.persistence_from_distances('{%s}'::float8[], %d, %s)"
                % (vals, r.randrange(0, 3), r.choice(["NULL", extreme(r).lstrip("-")])))
    if k == 4:
        p = r.choice(["1", "2", "3.5", "1000", "1e4", "1e300", "'Infinity'"])
        return ("SELECT topembed.wasserstein_distance(%s, %s, %d, %s), topembed.bottleneck_distance(%s, %s, %d)"
                % (ext_diagram(r), ext_diagram(r), r.randrange(0, 3), p, ext_diagram(r), ext_diagram(r),
                   r.randrange(0, 3)))
    if k == 5:
        d = ext_diagram(r)
        return ("SELECT topembed.betti_numbers(%s, %s), topembed.persistence_entropy(%s, 0), "
                "topembed.total_persistence(%s, 1, %s)" % (d, extreme(r), d, d, r.choice(["1", "2", "0.5", "1e3"])))
    if k == 6:
        d = huge_dim_diagram(r)
        fn = r.choice(["SELECT topembed.betti_numbers(%s, 1)",
                       "SELECT topembed.betti_curve(%%s, %s, '{0,1,2}')" % r.choice(HUGE_DIMS[:4] + ["0"]),
                       "SELECT topembed.persistence_entropy(%%s, %s)" % r.choice(HUGE_DIMS),
                       "SELECT topembed.total_persistence(%%s, %s, 1)" % r.choice(HUGE_DIMS),
                       "SELECT topembed.persistence_landscape(%%s, %s, 2, '{0,1}')" % r.choice(HUGE_DIMS),
                       "SELECT topembed.bottleneck_distance(%%s, %%s, %s)" % r.choice(HUGE_DIMS),
                       "SELECT topembed.wasserstein_distance(%%s, %%s, %s, 2)" % r.choice(HUGE_DIMS),
                       "SELECT length(topembed.diagram_svg(%s))", "SELECT length(topembed.barcode_svg(%s))",
                       "SELECT length(topembed.betti_curve_svg(%s))"])
        return fn % ((d,) * fn.count("%s"))
    if k == 7:
        m = forged_moments(r)
        return r.choice(["SELECT %s", "SELECT topembed.spectrum(%s)", "SELECT topembed.n(%s), topembed.dim(%s)",
                         "SELECT topembed.covariance(%s)", "SELECT topembed.mean(%s)",
                         "SELECT topembed.pca_project('{1,2,3}'::float8[], %s, 1)",
                         "SELECT topembed.moments(m) FROM (VALUES (%s), (%s)) v(m)",
                         "SELECT topembed.modality_gap(%s, %s)"]).replace("%s", m)
    if k == 8:
        g = forged_gap(r)
        return r.choice(["SELECT %s", "SELECT topembed.modality_gap(s) FROM (VALUES (%s)) v(s)",
                         "SELECT topembed.modality_gap(s) FROM (VALUES (%s), (%s)) v(s)",
                         "SELECT topembed.gap_state_send(%s)"]).replace("%s", g)
    if k == 9:
        return "SELECT topembed.l2_normalize(%s::%s)" % (ext_vec(r, r.choice([1, 3, 8])), t)
    if k == 10:
        vs = ext_rows(r, 1)
        return ("SELECT topembed.pca_project(a::float8[], (SELECT topembed.moments(b::float8[]) FROM (VALUES %s) w(b)), 1) "
                "FROM (VALUES %s) v(a)" % (",".join(vs), ",".join(vs)))
    vs = ext_rows(r, 1)
    return "SELECT topembed.spectral_collapse(a::float8[]) FROM (VALUES %s) v(a)" % ",".join(vs)


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
    k = r.randrange(19)
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
    if k == 17:
        vs = rows(r, 1) or ["(NULL)"]
        ids = [str(i) for i in range(len(vs))]
        if r.random() < 0.15 and len(ids) > 1:
            ids[-1] = ids[0]
        if r.random() < 0.1:
            ids[0] = "NULL"
        vals = ",".join("(%s::bigint, %s)" % (i, v[1:-1]) for i, v in zip(ids, vs))
        if r.random() < 0.5:
            return ("SELECT topembed.clusters(id, a::%s, %s, %s) FROM (VALUES %s) v(id, a)"
                    % (t, textarg(r), floatarg(r), vals))
        return ("SELECT topembed.clusters_k(id, a::%s, %s, %s) FROM (VALUES %s) v(id, a)"
                % (t, textarg(r), intarg(r), vals))
    # corrupt stored values
    typ = r.choice(["moments", "gap_state"])
    return ("WITH v AS (SELECT topembed.%s(a::real[], a::real[]) s FROM (VALUES ('{1,2}'), ('{3,1}')) x(a)) "
            "SELECT overlay(s::text placing %s from %d for 1)::topembed.%s FROM v"
            % ("gap_state" if typ == "gap_state" else "moments", "'A'", r.randrange(1, 60), typ)
            if typ == "gap_state" else
            "WITH v AS (SELECT topembed.moments(a::real[]) s FROM (VALUES ('{1,2}'), ('{3,1}')) x(a)) "
            "SELECT topembed.spectrum(overlay(s::text placing 'A' from %d for 1)::topembed.moments) FROM v"
            % r.randrange(1, 80))


N_HOSTILE = int(os.environ.get("TE_FUZZ_HOSTILE", "6000"))


def run_batch(conn, cur, gen, n, r, counts, internal, crashes):
    """run n statements from gen(r); returns the (possibly new) connection and cursor"""
    for _ in range(n):
        q = gen(r)
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
    return conn, cur


def peak_mb(pid):
    """the backend's peak resident memory in MB (shared buffers included), or None"""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def long_call(sql, cancel_after=1.0):
    """run sql on a fresh backend, cancel it from a second connection after
    cancel_after seconds: (outcome, latency or None, peak MB or None)"""
    conn = connect("te_fuzz")
    cur = conn.cursor()
    cur.execute("SET statement_timeout = 0")
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    other = connect("te_fuzz")
    fired = {}
    finished = threading.Event()

    def cancel():
        if finished.wait(cancel_after):
            return
        fired["t"] = time.perf_counter()
        other.cursor().execute("SELECT pg_cancel_backend(%s)", (pid,))

    th = threading.Thread(target=cancel)
    th.start()
    t0 = time.perf_counter()
    try:
        cur.execute(sql)
        cur.fetchall()
        outcome, latency = "finished in %.2f s" % (time.perf_counter() - t0), None
    except psycopg2.Error as e:
        end = time.perf_counter()
        latency = end - fired["t"] if "t" in fired and e.pgcode == "57014" else None
        outcome = "%s after %.2f s" % (e.pgcode, end - t0)
    finished.set()
    th.join()
    peak = peak_mb(pid)
    other.close()
    conn.close()
    return outcome, latency, peak


HUGE_CALLS = [
    ("betti_numbers", "SELECT topembed.betti_numbers(d, r * 0.01) FROM huge, generate_series(1, 1000) r"),
    ("betti_curve", "SELECT topembed.betti_curve(d, 0, array(SELECT generate_series(0, 2, 1e-5)::float8)) FROM huge"),
    ("persistence_entropy", "SELECT topembed.persistence_entropy(d, r % 3) FROM huge, generate_series(1, 1000) r"),
    ("total_persistence", "SELECT topembed.total_persistence(d, r % 3, 1.5) FROM huge, generate_series(1, 1000) r"),
    ("persistence_landscape", "SELECT topembed.persistence_landscape(d, 0, 100, array(SELECT generate_series(0, 2, 1e-4)"
                              "::float8)) FROM huge"),
    ("bottleneck_distance", "SELECT topembed.bottleneck_distance(d, e, 1) FROM huge"),
    ("wasserstein_distance p = 1", "SELECT topembed.wasserstein_distance(d, e, 1, 1) FROM huge"),
    ("wasserstein_distance p = 1000", "SELECT topembed.wasserstein_distance(d, e, 2, 1000) FROM huge"),
    ("diagram_svg", "SELECT length(topembed.diagram_svg(d)) FROM huge, generate_series(1, 1000)"),
    ("barcode_svg", "SELECT length(topembed.barcode_svg(d)) FROM huge, generate_series(1, 1000)"),
    ("betti_curve_svg", "SELECT length(topembed.betti_curve_svg(d)) FROM huge, generate_series(1, 1000)"),
    ("Euclidean H0 of 30000 points at 1e300",
     "SELECT topembed.persistence(e, 0, 'euclidean') FROM (SELECT array[x * 1e300, y * -1e300, z * 1e-300] e "
     "FROM (SELECT random() x, random() y, random() z FROM generate_series(1, 30000)) g) s"),
    ("cosine H1 of 4000 points at 1e-300",
     "SELECT topembed.persistence(e, 1, 'cosine') FROM (SELECT array[x * 1e-300, y * 1e-300, z] e "
     "FROM (SELECT random() x, random() y, random() - 0.5 z FROM generate_series(1, 4000)) g) s"),
]


def long_calls():
    """the huge class: every long call cancelled, its latency and peak memory reported"""
    conn = connect("te_fuzz")
    cur = conn.cursor()
    cur.execute("SET statement_timeout = 0")
    t0 = time.perf_counter()
    cur.execute("CREATE UNLOGGED TABLE huge (d topembed.persistence_pair[], e topembed.persistence_pair[])")
    cur.execute("ALTER TABLE huge ALTER d SET STORAGE EXTERNAL, ALTER e SET STORAGE EXTERNAL")
    cur.execute("""INSERT INTO huge SELECT array_agg(ROW(i %% 3, (i %% 7919) * 1e-4::float8,
                          (i %% 7919) * 1e-4::float8 + (i %% 1009) * 1e-4::float8 + (i %% 13) * 1e-7::float8)
                          ::topembed.persistence_pair),
                          array_agg(ROW(i %% 3, (i %% 7907) * 1e-4::float8,
                          (i %% 7907) * 1e-4::float8 + (i %% 1013) * 1e-4::float8)::topembed.persistence_pair)
                   FROM generate_series(1, %d) i""" % HUGE)
    conn.close()
    print("# huge class: two diagrams of %d bars stored in %.1f s" % (HUGE, time.perf_counter() - t0))
    slow = []
    for label, sql in HUGE_CALLS:
        outcome, latency, peak = long_call(sql)
        print("# long call %-40s %-24s cancel latency %-8s peak memory %s" % (
            label, outcome, "%.3f s" % latency if latency is not None else "-",
            "%.0f MB" % peak if peak is not None else "n/a"), flush=True)
        if latency is not None and latency > LATENCY_BOUND:
            slow.append("%s: %.2f s" % (label, latency))
        if latency is None and not outcome.startswith("finished"):
            slow.append("%s: %s" % (label, outcome))
    ok(not slow, "every long call of the huge class stops within %.0f s of pg_cancel_backend" % LATENCY_BOUND,
       "\n".join(slow))
    # working memory bounded by the output: a 10000 x 10000 landscape (800 MB)
    outcome, latency, peak = long_call(
        "SELECT array_ndims(topembed.persistence_landscape((SELECT array_agg(ROW(0, i, i + 50)::topembed.persistence_pair) "
        "FROM generate_series(1, 100) i), 0, 10000, array(SELECT generate_series(1, 10000)::float8)))", 600)
    out_mb = 8.0 * 1e8 / 1048576
    ok(outcome.startswith("finished") and peak is not None and peak < 1.5 * out_mb,
       "a landscape with k = 10000 on 10000 grid values peaks at %s (output %.0f MB)"
       % ("%.0f MB" % peak if peak else "?", out_mb), outcome)
    # a single pair of a huge dimension: refused at once, nothing allocated for it
    for dim in (134217726, 2147483647):
        outcome, latency, peak = long_call("SELECT topembed.betti_numbers(ARRAY[ROW(%d, 0, 1)]::topembed.persistence_pair[], 0.5)"
                                           % dim, 30)
        ok(outcome.startswith("22000") and peak is not None and peak < 200,
           "betti_numbers with one pair of dimension %d: refused (%s), peak memory %s"
           % (dim, outcome, "%.0f MB" % peak if peak else "?"))


def forged_binary(cur):
    """forged states through COPY BINARY: refused with 22P03, never stored"""
    r = random.Random(SEED + 1)
    cur.execute("CREATE TABLE IF NOT EXISTS fm (m topembed.moments)")
    cur.execute("CREATE TABLE IF NOT EXISTS fg (g topembed.gap_state)")
    bad = []
    stored = 0
    for i in range(200):
        table, lit = ("fm", forged_moments(r)) if i % 2 == 0 else ("fg", forged_gap(r))
        blob = blob_of(lit.split("'")[1])
        out = io.BytesIO(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + struct.pack(">hi", 1, len(blob)) +
                         blob + struct.pack(">h", -1))
        try:
            cur.copy_expert("COPY %s FROM STDIN (FORMAT binary)" % table, out)
            stored += 1
        except psycopg2.Error as e:
            if e.pgcode != "22P03":
                bad.append("%s: %s" % (e.pgcode, str(e).splitlines()[0]))
    ok(not bad, "200 forged states through COPY BINARY: each stored or refused with 22P03 (%d stored)" % stored,
       "\n".join(bad[:5]))
    cur.execute("SELECT count(*) FROM fm WHERE topembed.n(m) < 0")
    ok(cur.fetchone()[0] == 0, "no stored sketch shows a negative count")


def main():
    conn = fresh_db("te_fuzz")
    cur = conn.cursor()
    cur.execute("ALTER DATABASE te_fuzz SET statement_timeout = '3s'")
    cur.execute("SELECT topembed.moments(a::float8[])::text FROM (VALUES ('{1,2,0.5}'), ('{3,1,2}'), ('{-1,0,1}')) v(a)")
    TEMPLATES["moments"] = cur.fetchone()[0]
    cur.execute("SELECT topembed.gap_state(a::float8[], b::float8[])::text FROM (VALUES ('{1,2,0.5}', '{1,0,0}'), "
                "('{3,1,2}', '{0,1,1}')) v(a, b)")
    TEMPLATES["gap_paired"] = cur.fetchone()[0]
    cur.execute("SELECT topembed.gap_state(a::float8[], true)::text FROM (VALUES ('{1,2,0.5}'), ('{3,1,2}')) v(a)")
    TEMPLATES["gap_one"] = cur.fetchone()[0]
    conn.close()
    conn = connect("te_fuzz")
    cur = conn.cursor()
    crashes_before = backend_crashes()
    r = random.Random(SEED)
    counts = {"ok": 0, "error": 0}
    internal, crashes = [], []
    t0 = time.perf_counter()
    conn, cur = run_batch(conn, cur, query, N, r, counts, internal, crashes)
    print("# %d statements: %d succeeded, %d refused with an error (%.0f s)"
          % (N, counts["ok"], counts["error"], time.perf_counter() - t0))
    hostile = {"ok": 0, "error": 0}
    t0 = time.perf_counter()
    conn, cur = run_batch(conn, cur, hostile_query, N_HOSTILE, r, hostile, internal, crashes)
    print("# %d statements of extreme magnitudes, forged states and huge dims: %d succeeded, %d refused (%.0f s)"
          % (N_HOSTILE, hostile["ok"], hostile["error"], time.perf_counter() - t0))
    ok(not crashes, "no statement crashed the backend (%d statements, seed %d)" % (N + N_HOSTILE, SEED),
       "\n".join(crashes[:5]))
    ok(not internal, "no statement ended in an internal error (SQLSTATE class XX)", "\n".join(internal[:10]))
    ok(counts["ok"] > N // 10 and counts["error"] > N // 10, "the fuzzer exercised both success and error paths")
    ok(hostile["ok"] > N_HOSTILE // 10 and hostile["error"] > N_HOSTILE // 10,
       "the hostile-number classes exercised both success and error paths")
    forged_binary(cur)
    conn.close()
    long_calls()
    ok(backend_crashes() == crashes_before, "no backend was killed by a signal (server log)")
    done()


main()
