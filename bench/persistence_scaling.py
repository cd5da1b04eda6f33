"""Benchmark: how topembed.persistence scales with n, against Debian's ripser
and GUDHI's Rips complex with edge collapse, H0, H1 and H2, cosine metric.

For each homology degree k and each n of its ladder, the first n points of
the synthetic set (rows of topembed.synthetic_pairs(50000, 512, 0.8, 7)
images; /tmp/syn50k.txt, or generated in SQL when that file is absent) go
through three tools, round by round, in one process tree:

  topembed  SELECT topembed.persistence(embedding, k, 'cosine') on a table
            holding the points (max_parallel_workers_per_gather = 0, a fresh
            backend each run); wall time at the client; peak memory = the
            backend's peak RSS (VmHWM) growth over the query, and the
            engine's own tracked peak (its DEBUG line).
  ripser    ripser --format lower-distance --dim k on the matrix of cosine
            distances 1 - cos (numpy, float64, written with 9 digits);
            /usr/bin/time -f "%e %M": wall and max RSS.
  GUDHI     a child /usr/bin/python3 that loads the same matrix (.npy,
            float64), builds gudhi.RipsComplex(distance_matrix=D,
            max_edge_length=r) with r the enclosing radius (the threshold
            topembed and ripser use by default; above it the complex is a
            cone), create_simplex_tree(max_dimension=1), collapse_edges(),
            expansion(k + 1), persistence(homology_coeff_field=2); timed by
            /usr/bin/time like ripser.  Its RSS includes the 8 n^2 bytes of
            the matrix and the Python interpreter.

A baseline is skipped where it cannot finish: a run is killed after
--timeout seconds or above --ceiling MB of RSS, and then the larger n of
that degree are skipped; a size is skipped beforehand when the last
measured time, scaled by (n / n_last)^2 (a floor for a tool that reads
the n^2 matrix), already passes the timeout, or when the n x n matrix would
exceed --matrix-max points.  topembed gets statement_timeout = --timeout and
keeps its default topembed.persistence_memory_limit unless --memory-limit
says otherwise (the output says which).

The bars must be equal: the finite (dim, birth, death) of topembed against
ripser and against GUDHI, per dimension, as multisets, to a relative 1e-5
plus 1e-6 (test/check/rips_core.py's rule: ripser prints six digits); the
essential bars in number and births.  A mismatch makes the script exit 1.

Runs: BENCH_RUNS (3) rounds, the tools alternating; a tool whose first run
at a size takes more than --long seconds runs once there.  Medians.

Writes, under --out (default /tmp/te_scaling, never the repository), the
measurements as scaling.tsv and two log-log SVG charts drawn by topembed's
own plotting code (build/tools/te_svg loglog): scaling_time.svg and
scaling_memory.svg, one series per tool and degree.  --plot-only TSV
redraws the charts from an earlier scaling.tsv.

  cd bench && /usr/bin/python3 persistence_scaling.py              (the full ladder)
  cd bench && /usr/bin/python3 persistence_scaling.py --h0 1000 --h1 500 --h2 200
  make bench BENCH=persistence_scaling
"""
import argparse
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchlib import ROOT, connect

sys.path.insert(0, os.path.join(ROOT, "test", "check"))
import rips_core  # noqa: E402  (the diagram comparison and the cosine matrix of the checks)

DEFAULT_LADDERS = {0: "1000,2000,5000,10000,20000", 1: "500,1000,2000,4000,8000,10000", 2: "200,500,1000,2000"}
TOOLS = ("topembed", "ripser", "gudhi")
TOOL_NAMES = {"topembed": "topembed", "ripser": "ripser", "gudhi": "GUDHI"}


def parse_args(argv):
    """The options; ladders from --hK, else BENCH_SCALING_HK, else the defaults."""
    ap = argparse.ArgumentParser(description="scaling of persistence: topembed, ripser, GUDHI")
    for k in (0, 1, 2):
        ap.add_argument("--h%d" % k, default=os.environ.get("BENCH_SCALING_H%d" % k, DEFAULT_LADDERS[k]),
                        help="comma-separated n for H%d ('' skips the degree)" % k)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    ap.add_argument("--long", type=float, default=15.0, help="a first run longer than this is the only run")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_SCALING_TIMEOUT", "120")))
    ap.add_argument("--ceiling", type=float, default=6000.0, help="MB of RSS a baseline may use")
    ap.add_argument("--matrix-max", type=int, default=8000, help="largest n given to the matrix baselines")
    ap.add_argument("--memory-limit", default=None, help="topembed.persistence_memory_limit, e.g. 4GB")
    ap.add_argument("--threads", default="1",
                    help="topembed.persistence_threads where that setting exists ('default': leave it)")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--points", default="/tmp/syn50k.txt")
    ap.add_argument("--out", default=os.environ.get("BENCH_SCALING_OUT", "/tmp/te_scaling"))
    ap.add_argument("--plot-only", default=None, metavar="TSV")
    args = ap.parse_args(argv)
    args.ladders = {k: sorted({int(v) for v in getattr(args, "h%d" % k).split(",") if v.strip()})
                    for k in (0, 1, 2)}
    args.tools = [t for t in args.tools.split(",") if t]
    bad = [t for t in args.tools if t not in TOOLS]
    if bad:
        ap.error("unknown tools %s (choose from %s)" % (bad, ", ".join(TOOLS)))
    out = os.path.realpath(args.out)
    if out == ROOT or out.startswith(ROOT + os.sep):
        ap.error("--out must lie outside the repository (%s)" % ROOT)
    return args


# ---- the points ----

def load_points(conn, path, n):
    """The first n points as float32 (and as the text rows the table gets)."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if len(rows) == n:
                    break
                rows.append(line.split())
    if len(rows) < n:
        print("(%s holds fewer than %d points: generating topembed.synthetic_pairs(50000, 512, 0.8, 7))"
              % (path, n))
        with conn.cursor() as cur:
            cur.execute("SELECT image::text FROM topembed.synthetic_pairs(50000, 512, 0.8, 7) "
                        "ORDER BY pair_id LIMIT %s", (n,))
            rows = [r[0].strip("{}").split(",") for r in cur.fetchall()]
    X = np.array([[float(v) for v in r] for r in rows], dtype=np.float32)
    return X, rows


def make_table(conn, rows):
    """bench_scaling(id, embedding real[]): the rows numbered from 0, indexed."""
    import io
    buf = io.StringIO()
    for i, r in enumerate(rows):
        buf.write("%d\t{%s}\n" % (i, ",".join(r)))
    buf.seek(0)
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_scaling")
        cur.execute("CREATE TABLE bench_scaling (id integer PRIMARY KEY, embedding real[] NOT NULL)")
        cur.copy_expert("COPY bench_scaling FROM STDIN", buf)
        cur.execute("ANALYZE bench_scaling")


def enclosing_radius(D):
    """min over points of the largest distance from it: the default threshold."""
    return float(D.max(axis=1).min())


def write_matrix_files(tmp, X, n):
    """the cosine matrix of the first n points: lower-distance text for ripser, .npy for GUDHI."""
    D = rips_core.cosine_matrix(X[:n].astype(np.float64))
    np.fill_diagonal(D, 0.0)
    low = D[np.tril_indices(n, -1)]
    txt = os.path.join(tmp, "cos%d.lower" % n)
    with open(txt, "w") as f:
        # ripser reads the values in order whatever the line breaks
        width = 1000
        full = len(low) // width * width
        np.savetxt(f, low[:full].reshape(-1, width), fmt="%.9g", delimiter=",")
        if full < len(low):
            np.savetxt(f, low[full:].reshape(1, -1), fmt="%.9g", delimiter=",")
    npy = os.path.join(tmp, "cos%d.npy" % n)
    np.save(npy, D)
    return txt, npy, enclosing_radius(D)


# ---- the tools ----

def parse_te_array(text):
    """{dim: [(birth, death)]} from the text of a persistence_pair[]."""
    res = {}
    for m in re.finditer(r"\((\d+),([^,()]+),([^,()]+)\)", text or ""):
        res.setdefault(int(m.group(1)), []).append((float(m.group(2)), float(m.group(3))))
    return res


def status_kb(pid, field):
    """a kB field of /proc/<pid>/status, or 0."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def te_session(conn, args, threads_guc):
    """the settings of one benchmark backend."""
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SET statement_timeout = %s", ("%ds" % int(args.timeout),))
        cur.execute("SET client_min_messages = debug1")
        if args.memory_limit:
            cur.execute("SET topembed.persistence_memory_limit = %s", (args.memory_limit,))
        if threads_guc and args.threads != "default":
            cur.execute("SET topembed.persistence_threads = %s", (args.threads,))


def run_topembed(args, k, n, threads_guc):
    """one run in a fresh backend: dict(status, seconds, mb, tracked_mb, bars)."""
    import psycopg2
    conn = connect()
    try:
        te_session(conn, args, threads_guc)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        before = status_kb(pid, "VmHWM")
        del conn.notices[:]
        t0 = time.perf_counter()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT topembed.persistence(embedding, %s, 'cosine')::text FROM bench_scaling "
                            "WHERE id < %s", (k, n))
                text = cur.fetchone()[0]
        except psycopg2.Error as e:
            dt = time.perf_counter() - t0
            code = e.pgcode or ""
            why = "timeout" if code == "57014" else "memory limit" if code == "54000" else "error " + code
            return {"status": why, "seconds": dt, "detail": str(e).splitlines()[0]}
        dt = time.perf_counter() - t0
        after = status_kb(pid, "VmHWM")
        tracked = None
        for note in conn.notices:
            m = re.search(r"peak tracked memory (\d+) bytes", note)
            if m:
                tracked = int(m.group(1)) / 1048576.0
        return {"status": "ok", "seconds": dt, "mb": (after - before) / 1024.0, "tracked_mb": tracked,
                "bars": parse_te_array(text)}
    finally:
        conn.close()


def tree_rss_kb(pid):
    """RSS of pid and its children (the tool under /usr/bin/time)."""
    total = status_kb(pid, "VmRSS")
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(c) for c in f.read().split()]
    except OSError:
        kids = []
    return total + sum(tree_rss_kb(c) for c in kids)


def run_timed(cmd, args, tmp, env=None):
    """cmd under /usr/bin/time with a timeout and an RSS ceiling: (status, seconds, MB, stdout path)."""
    out = os.path.join(tmp, "tool.out")
    tfile = os.path.join(tmp, "tool.time")
    with open(out, "w") as fo, open(os.path.join(tmp, "tool.err"), "w") as fe:
        p = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", tfile] + cmd, stdout=fo, stderr=fe,
                             start_new_session=True, env=env)
        t0 = time.perf_counter()
        status = None
        while p.poll() is None:
            if time.perf_counter() - t0 > args.timeout:
                status = "timeout"
            elif tree_rss_kb(p.pid) > args.ceiling * 1024:
                status = "memory ceiling"
            if status:
                os.killpg(p.pid, signal.SIGKILL)     # the session of our own child: time and the tool
                p.wait()
                break
            time.sleep(0.05)
    dt = time.perf_counter() - t0
    if status:
        return status, dt, None, out
    try:
        fields = open(tfile).read().split()
        wall, kb = float(fields[-2]), int(fields[-1])
    except (OSError, ValueError, IndexError):
        wall, kb = dt, None
    if p.returncode != 0:
        err = open(os.path.join(tmp, "tool.err")).read()
        print("  (%s failed: %s)" % (os.path.basename(cmd[0]), err.strip().splitlines()[:1]))
        return "failed (%s)" % ("assertion" if "Assertion" in err else "exit %d" % p.returncode), dt, None, out
    return "ok", wall, kb / 1024.0 if kb else None, out


def run_ripser(args, k, files, tmp):
    """one ripser run on the lower-distance file."""
    status, dt, mb, out = run_timed(["ripser", "--format", "lower-distance", "--dim", str(k), files["lower"]],
                                    args, tmp)
    res = {"status": status, "seconds": dt, "mb": mb}
    if status == "ok":
        res["bars"] = rips_core.parse_ripser(open(out).read())
    return res


def run_gudhi(args, k, files, tmp):
    """one GUDHI run in a child interpreter (this file with --gudhi-child)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    status, dt, mb, out = run_timed([sys.executable, os.path.abspath(__file__), "--gudhi-child", files["npy"],
                                     str(k), repr(files["radius"])], args, tmp, env=env)
    res = {"status": status, "seconds": dt, "mb": mb}
    if status == "ok":
        bars, phases = {}, ""
        for line in open(out):
            if line.startswith("#"):
                phases = line[1:].strip()
                continue
            d, b, e = line.split()
            bars.setdefault(int(d), []).append((float(b), float(e)))
        res["bars"] = bars
        res["phases"] = phases
    return res


def gudhi_child(npy, k, radius):
    """GUDHI's Rips with edge collapse; prints 'dim birth death' lines and a '#' line of phase times."""
    import gudhi
    D = np.load(npy)
    t = [time.perf_counter()]
    st = gudhi.RipsComplex(distance_matrix=D, max_edge_length=radius).create_simplex_tree(max_dimension=1)
    del D
    t.append(time.perf_counter())
    edges = st.num_simplices()
    if k > 0:
        st.collapse_edges()             # (for H0 the graph is all there is: nothing to gain)
    t.append(time.perf_counter())
    kept = st.num_simplices()
    st.expansion(k + 1)
    t.append(time.perf_counter())
    simplices = st.num_simplices()
    pers = st.persistence(homology_coeff_field=2, min_persistence=0)
    t.append(time.perf_counter())
    out = sys.stdout
    for d, (b, e) in pers:
        if d <= k:
            out.write("%d %r %r\n" % (d, b, e))
    out.write("# rips %.2fs (%d simplices), collapse %.2fs (%d left), expansion %.2fs (%d), persistence %.2fs\n"
              % (t[1] - t[0], edges, t[2] - t[1], kept, t[3] - t[2], simplices, t[4] - t[3]))


# ---- the bars ----

def finite(bars):
    """the bars with death > birth (ripser prints no zero-length bar)."""
    return {d: [p for p in ps if p[1] > p[0]] for d, ps in bars.items()}


def worst_difference(a, b, k):
    """(bars compared, worst |difference| of matched finite values) of two diagrams.

    Bars are matched in sorted order; where printed ties misalign that order
    (a difference above the tolerance), the dimension's bottleneck distance,
    the least worst difference of any matching, stands instead."""
    count, worst = 0, 0.0
    for d in range(k + 1):
        x = sorted(p for p in a.get(d, []) if not math.isinf(p[1]))
        y = sorted(p for p in b.get(d, []) if not math.isinf(p[1]))
        count += len(x)
        w = max([0.0] + [max(abs(p[0] - q[0]), abs(p[1] - q[1])) for p, q in zip(x, y)])
        if w > rips_core.REL_TOL * max([1.0] + [abs(v) for p in x for v in p]) + rips_core.ABS_TOL:
            import gudhi
            w = gudhi.bottleneck_distance(np.array(x).reshape(-1, 2), np.array(y).reshape(-1, 2))
        worst = max(worst, w)
    return count, worst


def check_bars(te, other, name, k, n):
    """None when the diagrams agree, else the reason; prints one line either way."""
    a, b = finite(te), finite(other)
    why = rips_core.compare(b, a, k)
    count, worst = worst_difference(a, b, k)
    print("  bars H0-H%d n=%d: topembed vs %s: %d finite bars compared, worst difference %.2e%s"
          % (k, n, TOOL_NAMES[name], count, worst, "" if why is None else " -- MISMATCH: " + why), flush=True)
    return why


# ---- the measurement ----

def measure_size(args, k, n, files, tmp, state, threads_guc):
    """the rounds of one (degree, size): {tool: [runs]}."""
    runs = {t: [] for t in args.tools}
    todo = []
    for t in args.tools:
        why = skip_reason(args, t, k, n, state)
        if why:
            runs[t] = [{"status": "skipped (%s)" % why}]
        else:
            todo.append(t)
    for r in range(args.runs):
        for t in list(todo):
            if t == "topembed":
                res = run_topembed(args, k, n, threads_guc)
            elif t == "ripser":
                res = run_ripser(args, k, files, tmp)
            else:
                res = run_gudhi(args, k, files, tmp)
            runs[t].append(res)
            if res["status"] != "ok":
                state[(t, k)] = ("fail", n, res["status"])
                todo.remove(t)
            elif r == 0 and res["seconds"] > args.long:
                todo.remove(t)
    for t in args.tools:
        ok = [x for x in runs[t] if x["status"] == "ok"]
        if ok:
            state[(t, k)] = ("ok", n, statistics.median(x["seconds"] for x in ok))
    return runs


def skip_reason(args, tool, k, n, state):
    """why a tool does not run at this size, or None."""
    prev = state.get((tool, k))
    if prev and prev[0] == "fail":
        return "%s at n=%d" % (prev[2], prev[1])
    if tool == "topembed":
        return None
    if tool == "ripser" and k == 0 and not RIPSER_DIM0[0]:
        return "Debian's ripser 1.2.1 aborts at --dim 0"
    if n > args.matrix_max:
        return "n > --matrix-max %d" % args.matrix_max
    if prev and prev[2] * (n / prev[1]) ** 2 > args.timeout:
        return "%.0f s at n=%d predicts more than %.0f s" % (prev[2], prev[1], args.timeout)
    return None


def summarise(tool_runs):
    """(status, median s, peak MB, tracked MB, runs) of one tool's runs at one size."""
    ok = [x for x in tool_runs if x["status"] == "ok"]
    if not ok:
        return tool_runs[-1]["status"], None, None, None, 0
    mbs = [x["mb"] for x in ok if x.get("mb") is not None]
    tracked = [x["tracked_mb"] for x in ok if x.get("tracked_mb") is not None]
    return ("ok", statistics.median(x["seconds"] for x in ok), max(mbs) if mbs else None,
            max(tracked) if tracked else None, len(ok))


def fmt_cell(s, short=False):
    """'12.3 s 456 MB (tracked MB)' or the status (short: without its reason)."""
    status, sec, mb, _, runs = s
    if status != "ok":
        return status.split(" (")[0] if short else status
    cell = "%.2f s %s MB" % (sec, "%.0f" % mb if mb is not None else "?")
    if s[3] is not None:
        cell += " (%.0f)" % s[3]
    return cell


def print_table(rows, tools):
    """the table of medians and ratios."""
    print("\n%-6s %-3s" % ("n", "H") + "".join(" %-22s" % TOOL_NAMES[t] for t in tools)
          + "".join(" %-12s" % ("%s/te" % TOOL_NAMES[t]) for t in tools if t != "topembed"))
    for (k, n), summ in rows:
        line = "%-6d H%-2d" % (n, k) + "".join(" %-22s" % fmt_cell(summ[t], short=True) for t in tools)
        te = summ.get("topembed")
        for t in tools:
            if t == "topembed":
                continue
            if te and te[0] == "ok" and summ[t][0] == "ok":
                line += " %-12s" % ("%.1fx" % (summ[t][1] / te[1]))
            else:
                line += " %-12s" % "-"
        print(line)
    print("(time: median wall seconds; memory: topembed the backend's peak RSS growth, in parentheses the "
          "engine's tracked peak; the baselines their max RSS; ratio: baseline time / topembed time)")


def write_tsv(path, rows, tools):
    """the measurements, one line per tool, degree and size."""
    with open(path, "w") as f:
        f.write("tool\tdim\tn\tstatus\tseconds\tpeak_mb\ttracked_mb\truns\n")
        for (k, n), summ in rows:
            for t in tools:
                status, sec, mb, tr, runs = summ[t]
                f.write("%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\n" % (
                    t, k, n, status, "" if sec is None else "%.4f" % sec, "" if mb is None else "%.1f" % mb,
                    "" if tr is None else "%.1f" % tr, runs))


# ---- the charts ----

def te_svg_tool():
    """build/tools/te_svg (TE_BUILD), built if missing; None if it cannot be."""
    build = os.environ.get("TE_BUILD", os.path.join(ROOT, "build"))
    if not os.path.isabs(build):
        build = os.path.join(ROOT, build)
    tool = os.path.join(build, "tools", "te_svg")
    if not os.path.exists(tool):
        subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + build, "unit"], stdout=subprocess.DEVNULL)
    return tool if os.path.exists(tool) else None


def plot(tsv, outdir):
    """scaling_time.svg and scaling_memory.svg from a scaling.tsv, by te_svg loglog."""
    tool = te_svg_tool()
    if tool is None:
        print("charts skipped: te_svg could not be built (make unit)")
        return []
    lines = [ln.rstrip("\n").split("\t") for ln in open(tsv)][1:]
    lines.sort(key=lambda row: (TOOLS.index(row[0]), int(row[1]), int(row[2])))   # the legend: by tool, then H
    written = []
    for what, col, ylabel in (("time", 4, "wall time (s)"), ("memory", 5, "peak memory (MB)")):
        table = os.path.join(outdir, "scaling_%s.table" % what)
        with open(table, "w") as f:
            f.write("# label\tx\ty\tcolour\tdash: %s against n\n" % what)
            for row in lines:
                tool_name, k, n, status, val = row[0], int(row[1]), int(row[2]), row[3], row[col]
                if status == "ok" and val and float(val) > 0:
                    f.write("%s H%d\t%d\t%s\t%d\t%d\n" % (TOOL_NAMES[tool_name], k, n, val,
                                                        TOOLS.index(tool_name) + 1, k + 1))
        svg = os.path.join(outdir, "scaling_%s.svg" % what)
        title = "Persistence %s against n, cosine, 512-d synthetic points" % what
        p = subprocess.run([tool, "loglog", "-t", title, "-x", "points n", "-y", ylabel, svg, table],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("chart %s failed: %s" % (what, p.stderr.strip()))
            continue
        written.append(svg)
    print("charts: %s" % ", ".join(written))
    return written


# ---- main ----

RIPSER_DIM0 = [True]


def probe_ripser_dim0(tmp):
    """whether ripser --dim 0 finishes (1.2.1 asserts after printing part of H0)."""
    path = os.path.join(tmp, "probe.lower")
    with open(path, "w") as f:
        f.write("1\n1,1\n2,1,1\n")
    p = subprocess.run(["ripser", "--format", "lower-distance", "--dim", "0", path], capture_output=True)
    RIPSER_DIM0[0] = p.returncode == 0


def threads_setting(conn):
    """whether topembed.persistence_threads exists (after the library is loaded), and its value."""
    with conn.cursor() as cur:
        cur.execute("SELECT cardinality(topembed.persistence(e, 0)) FROM (VALUES ('{1,0}'::real[])) v(e)")
        cur.execute("SELECT current_setting('topembed.persistence_threads', true)")
        v = cur.fetchone()[0]
    return v is not None, v


def header(conn, args, threads_guc, threads_default):
    """what the run is: commit, machine, settings."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('topembed.persistence_memory_limit')")
        limit = cur.fetchone()[0]
    print("persistence scaling, cosine metric, first n of %s; commit %s; %s; load average %s"
          % (args.points, commit or "?", "%d cores" % os.cpu_count(), open("/proc/loadavg").read().split()[0]))
    print("ladders: %s; %d runs (1 when the first takes > %.0f s); timeout %.0f s; baseline RSS ceiling %.0f MB"
          % ("; ".join("H%d %s" % (k, ",".join(map(str, v))) for k, v in args.ladders.items() if v),
             args.runs, args.long, args.timeout, args.ceiling))
    print("topembed.persistence_memory_limit = %s%s" % (args.memory_limit or limit,
                                                       " (raised by --memory-limit)" if args.memory_limit
                                                       else " (the default)"))
    if not threads_guc:
        print("topembed.persistence_threads: not on this build (the engine runs one thread)")
    elif args.threads == "default":
        print("topembed.persistence_threads = %s (its default)" % threads_default)
    else:
        print("topembed.persistence_threads = %s (set by --threads; default %s)" % (args.threads, threads_default))


def main(argv):
    """measure the ladders, print the table, write the TSV and the charts; 1 on a bar mismatch."""
    if argv[:1] == ["--gudhi-child"]:
        gudhi_child(argv[1], int(argv[2]), float(argv[3]))
        return 0
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.plot_only:
        plot(args.plot_only, args.out)
        return 0
    conn = connect()
    threads_guc, threads_default = threads_setting(conn)
    header(conn, args, threads_guc, threads_default)
    sizes = sorted({n for v in args.ladders.values() for n in v})
    if not sizes:
        print("nothing to do: every ladder is empty")
        return 0
    X, rows = load_points(conn, args.points, sizes[-1])
    make_table(conn, rows)
    del rows
    state, results, mismatches = {}, [], 0
    with tempfile.TemporaryDirectory(prefix="te_scaling_") as tmp:
        if "ripser" in args.tools:
            probe_ripser_dim0(tmp)
        for n in sizes:
            degrees = [k for k in (0, 1, 2) if n in args.ladders[k]]
            files = None
            for k in degrees:
                baselines = [t for t in args.tools if t != "topembed" and not skip_reason(args, t, k, n, state)]
                if baselines and files is None:
                    lower, npy, radius = write_matrix_files(tmp, X, n)
                    files = {"lower": lower, "npy": npy, "radius": radius}
                print("H%d n=%d ..." % (k, n), flush=True)
                runs = measure_size(args, k, n, files, tmp, state, threads_guc)
                summ = {t: summarise(runs[t]) for t in args.tools}
                for t in args.tools:
                    print("  %-8s %s%s" % (TOOL_NAMES[t], fmt_cell(summ[t]),
                                           "".join("; " + x["phases"] for x in runs[t][:1] if x.get("phases"))),
                          flush=True)
                te_ok = [x for x in runs.get("topembed", []) if x["status"] == "ok"]
                for t in args.tools:
                    other = [x for x in runs[t] if x["status"] == "ok"]
                    if t != "topembed" and te_ok and other:
                        mismatches += check_bars(te_ok[0]["bars"], other[0]["bars"], t, k, n) is not None
                results.append(((k, n), summ))
            for f in (files or {}).values():
                if isinstance(f, str):
                    os.unlink(f)
    results.sort()
    print_table(results, args.tools)
    tsv = os.path.join(args.out, "scaling.tsv")
    write_tsv(tsv, results, args.tools)
    print("measurements: %s" % tsv)
    plot(tsv, args.out)
    if mismatches:
        print("FAILED: %d comparisons of bars disagree" % mismatches)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
