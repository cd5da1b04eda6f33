"""topembed.progress: long persistence and clusters runs report their step and
its fraction, as NOTICE to the client or as LOG to the server log, at most
once per topembed.progress_interval, and end with a "finished" line; off
(the default) and runs shorter than the interval say nothing; the reports
leave the results alone; any role may turn them on."""
import collections
import re

import psycopg2

from telib import connect, done, fresh_db, ok, sqlstate_of

DB = "te_progress"
ROLE = "te_progress_user"
# the steps of a run, in the engine's order
STEPS = ["distances", "H0 nearest neighbours", "H0 spanning tree", "enclosing radius", "graph",
         "sorting edges", "edge collapse", "H0", "H1 cohomology", "H2 cohomology", "H3 cohomology"]
LINE = re.compile(r"^(NOTICE|LOG):  (topembed\.[a-z_]+): (.*) after (\d+\.\d) s\n$")
STEP = re.compile(r"^(.*?)(?: (\d+\.\d)% \((\d+) of (\d+) ([a-z]+)\)| \((\d+) ([a-z]+) done\))?$")
PERSISTENCE = ("SELECT topembed.persistence(image, 1, 'cosine')::text "
               "FROM topembed.synthetic_pairs(3000, 512, 0.8, 7)")
# the steps of a sparse run, in its order
SPARSE_STEPS = ["greedy permutation", "sparse graph", "sorting edges", "H0", "H1 cohomology"]
# 20,000 points of a helix in R^3: a few seconds, the permutation a good part of them
SPARSE = ("SELECT topembed.sparse_persistence(ARRAY[cos(i / 300.0), sin(i / 300.0), i / 20000.0]::real[], "
          "0.5, 1, 'euclidean')::text FROM generate_series(1, 20000) i")
CLUSTERS = ("SELECT topembed.clusters(pair_id, image, 'cosine', 0.5)::text "
            "FROM topembed.synthetic_pairs(20000, 64, 0.8, 7)")


def run(conn, sql):
    """The result of sql and the progress lines it sent, parsed."""
    conn.notices = collections.deque()
    with conn.cursor() as cur:
        cur.execute(sql)
        result = cur.fetchone()[0]
    return result, list(conn.notices)


def check_reports(notices, level, what, interval, name, steps=STEPS):
    """The reports of one run: well-formed, in the order of steps, spaced, ending with 'finished'."""
    lines = [LINE.match(n) for n in notices]
    ok(len(lines) >= 3 and all(lines), "%s: %d well-formed progress lines" % (name, len(lines)),
       notices[:3])
    if not all(lines) or len(lines) < 3:
        return
    ok(all(m.group(1) == level and m.group(2) == what for m in lines),
       "%s: every line is a %s of %s" % (name, level, what))
    ok(lines[-1].group(3) == "finished" and all(m.group(3) != "finished" for m in lines[:-1]),
       "%s: the last line, and only it, says finished" % name, lines[-1].group(0))
    secs = [float(m.group(4)) for m in lines]
    gaps = [b - a for a, b in zip(secs[:-2], secs[1:-1])]
    # times are the server's, printed to 0.1 s: the reports are at least the interval apart
    ok(secs[0] >= interval - 0.1 and all(g >= interval - 0.1 for g in gaps),
       "%s: the first report after %.1f s, each next at least %.1f s later (%s)"
       % (name, secs[0], interval, ", ".join("%.1f" % g for g in gaps)))
    last_step, last_done, bad = -1, -1.0, []
    for m in lines[:-1]:
        s = STEP.match(m.group(3))
        step = s.group(1)
        if step not in steps:
            bad.append(m.group(3))
            continue
        k = steps.index(step)
        doneval = float(s.group(3) or s.group(6) or 0)
        if s.group(2) is not None:
            total = float(s.group(4))
            pct = float(s.group(2))
            if not (0 <= doneval <= total and abs(100.0 * doneval / total - pct) <= 0.051):
                bad.append(m.group(3))
        if k < last_step or (k == last_step and doneval < last_done):
            bad.append(m.group(3))
        last_step, last_done = k, doneval
    ok(not bad, "%s: each report names a step in the engine's order, its count in range and "
       "its percentage right, never going back" % name, bad[:3])


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("SELECT topembed.check_embedding('{1}'::real[])")
    cur.execute("SELECT name, context, boot_val, unit FROM pg_settings "
                "WHERE name IN ('topembed.progress', 'topembed.progress_interval') ORDER BY name")
    rows = cur.fetchall()
    ok(rows == [("topembed.progress", "user", "off", None),
                ("topembed.progress_interval", "user", "5000", "ms")],
       "topembed.progress (off) and topembed.progress_interval (5 s) are user settings", rows)
    # this session starts from the defaults whatever a role or database set
    cur.execute("SET topembed.progress = off")
    cur.execute("SET topembed.progress_interval = '5s'")

    plain, quiet = run(conn, PERSISTENCE)
    ok(quiet == [], "off: a run says nothing", quiet[:2])

    cur.execute("SET topembed.progress = on")
    cur.execute("SHOW topembed.progress")
    ok(cur.fetchone()[0] == "notice", "on means notice")
    code, msg = sqlstate_of(conn, "SET topembed.progress = 'loud'")
    ok(code == "22023" and "topembed.progress" in msg, "a value outside off, notice, log gives 22023: %s" % msg)
    code, msg = sqlstate_of(conn, "SET topembed.progress_interval = '10ms'")
    ok(code == "22023", "an interval below 100 ms gives 22023: %s" % msg)

    cur.execute("SET topembed.progress_interval = '1h'")
    result, short = run(conn, PERSISTENCE)
    ok(short == [] and result == plain, "a run shorter than the interval says nothing, not even finished",
       short[:2])

    cur.execute("SET topembed.progress_interval = '200ms'")
    result, notices = run(conn, PERSISTENCE)
    ok(result == plain, "the diagram is the same with progress reports")
    check_reports(notices, "NOTICE", "topembed.persistence", 0.2, "persistence, notice")
    steps = {STEP.match(LINE.match(n).group(3)).group(1) for n in notices if LINE.match(n)}
    ok("H1 cohomology" in steps, "the H1 step is reported", sorted(steps))

    # log: to the server log, not to a client at the default client_min_messages
    cur.execute("SET topembed.progress = log")
    result, notices = run(conn, PERSISTENCE)
    ok(notices == [] and result == plain, "log: nothing reaches the client at client_min_messages notice",
       notices[:2])
    cur.execute("SET client_min_messages = log")
    result, notices = run(conn, PERSISTENCE)
    check_reports(notices, "LOG", "topembed.persistence", 0.2, "persistence, log")
    cur.execute("RESET client_min_messages")

    cur.execute("SET topembed.progress = notice")
    cur.execute("SET topembed.progress_interval = '100ms'")
    cur.execute("SET topembed.progress = off")
    clus_plain, _ = run(conn, CLUSTERS)
    cur.execute("SET topembed.progress = notice")
    result, notices = run(conn, CLUSTERS)
    ok(result == clus_plain, "the clusters are the same with progress reports")
    check_reports(notices, "NOTICE", "topembed.clusters", 0.1, "clusters, notice")

    # sparse_persistence reports its own steps, the greedy permutation with its count
    cur.execute("SET topembed.progress = off")
    sparse_plain, _ = run(conn, SPARSE)
    cur.execute("SET topembed.progress = notice")
    cur.execute("SET topembed.progress_interval = '200ms'")
    result, notices = run(conn, SPARSE)
    ok(result == sparse_plain, "the sparse diagram is the same with progress reports")
    check_reports(notices, "NOTICE", "topembed.sparse_persistence", 0.2, "sparse_persistence, notice",
                  SPARSE_STEPS)
    counted = [STEP.match(LINE.match(n).group(3)) for n in notices if LINE.match(n)]
    perm = [int(s.group(3)) for s in counted if s.group(1) == "greedy permutation" and s.group(3)]
    ok(len(perm) >= 2 and all(0 < p < 20000 for p in perm),
       "the greedy permutation reports its count as it goes (%s of 20000 points)"
       % ", ".join(map(str, perm)), [n for n in notices[:4]])
    ok("H1 cohomology" in {s.group(1) for s in counted if s},
       "the sparse H1 step is reported", sorted({s.group(1) for s in counted if s}))

    # a statement_timeout still stops a reporting run, and the session goes on
    cur.execute("SET topembed.progress_interval = '200ms'")
    cur.execute("SET statement_timeout = '1s'")
    conn.notices = collections.deque()
    code, msg = sqlstate_of(conn, PERSISTENCE)
    cur.execute("RESET statement_timeout")
    lines = [n for n in conn.notices if LINE.match(n)]
    ok(code == "57014" and lines and not any(" finished after " in n for n in lines),
       "a statement_timeout stops a reporting run with 57014, with no finished line (%d reports): %s"
       % (len(lines), msg))
    result, _ = run(conn, PERSISTENCE)
    ok(result == plain, "the session runs the same diagram afterwards")

    # any role may turn them on
    cur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    cur.execute("CREATE ROLE %s LOGIN" % ROLE)
    cur.execute("GRANT USAGE ON SCHEMA topembed TO %s" % ROLE)
    u = psycopg2.connect(dbname=DB, user=ROLE)
    u.autocommit = True
    code, msg = sqlstate_of(u, "SET topembed.progress = notice; SET topembed.progress_interval = '200ms'")
    ok(code is None, "a plain role may set topembed.progress and its interval: %s" % msg)
    result, notices = run(u, PERSISTENCE)
    check_reports(notices, "NOTICE", "topembed.persistence", 0.2, "persistence of a plain role")
    u.close()
    cur.execute("REVOKE ALL ON SCHEMA topembed FROM %s" % ROLE)
    conn.close()
    a = connect()
    a.cursor().execute("DROP DATABASE %s" % DB)
    a.cursor().execute("DROP ROLE %s" % ROLE)
    done()


main()
