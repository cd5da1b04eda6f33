"""Concurrent writers: 8 sessions snapshot for a bounded time (TE_WRITERS_SECONDS,
default 25): four share one label and one source, two snapshot one source
under two labels, two snapshot a source that a ninth session keeps dropping
and recreating (or renaming away and recreating) with other rows.  Then:

- no session lost its connection, the stable sources gave no error at all,
  and the swapped source only "relation does not exist" (42P01);
- the history is whole (historylib): in particular each run's drift rows
  point at topembed.previous_run(run) and none is missing, however the
  concurrent runs of one label interleaved;
- every run of the swapped source read one table from start to end: its row
  count, gap and H0 persistence are those of one generation of the table;
- every run of the stable sources recorded the same figures.

Run by test/cluster/writers.sh on its own cluster.
"""
import collections
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "check"))

import psycopg2  # noqa: E402

import historylib  # noqa: E402
from telib import connect, done, fresh_db, ok  # noqa: E402

DB = "te_writers"
SECONDS = float(os.environ.get("TE_WRITERS_SECONDS", "25"))
SAMPLE = 200
# worker -> (label, source)
WORKERS = [("shared", "src_a")] * 4 + [("own_1", "src_b"), ("own_2", "src_b")] + [("swap", "src_swap")] * 2


def generation(g):
    """(rows, seed) of the g-th table called src_swap."""
    return (600 if g % 2 == 0 else 800), 100 + g


def snapshot_sql(label, source):
    return ("SELECT topembed.snapshot('%s', '%s', image_column => 'image', text_column => 'text', sample => %d)"
            % (label, source, SAMPLE))


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("CREATE TABLE src_a AS SELECT * FROM topembed.synthetic_pairs(1500, 64, 0.7, 1)")
    cur.execute("CREATE TABLE src_b AS SELECT * FROM topembed.synthetic_pairs(1500, 64, 0.5, 2)")
    rows, seed = generation(0)
    cur.execute("CREATE TABLE src_swap AS SELECT * FROM topembed.synthetic_pairs(%s, 64, 0.7, %s)", (rows, seed))
    cur.execute("ALTER DATABASE %s SET statement_timeout = '120s'" % DB)

    stop = threading.Event()
    outcomes = collections.defaultdict(collections.Counter)
    errors = collections.defaultdict(list)
    generations = [0]

    def worker(i, label, source):
        c = connect(DB)
        k = c.cursor()
        while not stop.is_set():
            try:
                k.execute(snapshot_sql(label, source))
                k.fetchone()
                outcomes[source]["ok"] += 1
            except psycopg2.Error as e:
                if c.closed:
                    outcomes[source]["lost"] += 1
                    errors[source].append("lost: %s" % e)
                    return
                outcomes[source][e.pgcode] += 1
                errors[source].append("%s %s" % (e.pgcode, (e.pgerror or "").strip().splitlines()[0]))
        c.close()

    def swapper():
        c = connect(DB)
        k = c.cursor()
        g = 0
        while not stop.is_set():
            time.sleep(0.4)
            g += 1
            rows, seed = generation(g)
            try:
                k.execute("BEGIN")
                if g % 3 == 0:
                    # rename the table away and create another under its name
                    k.execute("ALTER TABLE src_swap RENAME TO src_swap_old")
                    k.execute("CREATE TABLE src_swap AS SELECT * FROM topembed.synthetic_pairs(%s, 64, 0.7, %s)",
                              (rows, seed))
                    k.execute("DROP TABLE src_swap_old")
                else:
                    k.execute("DROP TABLE src_swap")
                    k.execute("CREATE TABLE src_swap AS SELECT * FROM topembed.synthetic_pairs(%s, 64, 0.7, %s)",
                              (rows, seed))
                k.execute("COMMIT")
                generations.append(g)
            except psycopg2.Error as e:
                k.execute("ROLLBACK")
                outcomes["swapper"][e.pgcode] += 1
        c.close()

    threads = [threading.Thread(target=worker, args=(i, l, s)) for i, (l, s) in enumerate(WORKERS)]
    threads.append(threading.Thread(target=swapper))
    t0 = time.time()
    for t in threads:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join()
    print("# %.0f s, 8 writers and a swapper: %s; the source was recreated %d times"
          % (time.time() - t0, {k: dict(v) for k, v in outcomes.items()}, len(generations) - 1))

    lost = sum(v["lost"] for v in outcomes.values())
    ok(lost == 0, "no session lost its connection", "\n".join(e for v in errors.values() for e in v if "lost" in e))
    stable_errors = errors["src_a"] + errors["src_b"]
    ok(not stable_errors, "the snapshots of the stable sources all succeeded (%d)"
       % (outcomes["src_a"]["ok"] + outcomes["src_b"]["ok"]), "\n".join(stable_errors[:10]))
    swap_bad = [e for e in errors["src_swap"] if not e.startswith("42P01")]
    ok(not swap_bad, "snapshots of the dropped and recreated source succeed or fail with 42P01 only "
       "(%d succeeded, %d refused)" % (outcomes["src_swap"]["ok"], len(errors["src_swap"])),
       "\n".join(sorted(set(swap_bad))[:10]))
    ok(outcomes["src_a"]["ok"] >= 8 and outcomes["src_swap"]["ok"] >= 2 and len(generations) > 5,
       "the sessions did real concurrent work (%d runs of the shared label, %d of the swapped source)"
       % (outcomes["src_a"]["ok"], outcomes["src_swap"]["ok"]))

    cur.execute("SELECT count(*), count(DISTINCT run_id) FROM topembed.runs")
    n, nd = cur.fetchone()
    ok(n == nd == sum(v["ok"] for k, v in outcomes.items() if k != "swapper"),
       "every successful snapshot recorded exactly one run (%d)" % n)
    historylib.check(cur, "8 concurrent writers and a dropped and recreated source")

    # each run of the swapped source saw one table from start to end
    want = {}
    for g in generations:
        rows, seed = generation(g)
        cur.execute("""SELECT (topembed.modality_gap(image, text)).gap,
                              topembed.total_persistence(topembed.persistence(image, 1, 'cosine', NULL, %s), 0)
                       FROM topembed.synthetic_pairs(%s, 64, 0.7, %s)""", (SAMPLE, rows, seed))
        want[g] = (rows,) + cur.fetchone()
    cur.execute("""SELECT r.run_id, r.n_rows, r.n_image, r.n_text, g.gap, s.n, d.n_points, d.h0_total_persistence
                   FROM topembed.runs r JOIN topembed.run_gap g USING (run_id)
                   JOIN topembed.run_spectra s ON s.run_id = r.run_id AND s.modality = 'image'
                   JOIN topembed.run_diagrams d ON d.run_id = r.run_id AND d.modality = 'image'
                   WHERE r.label = 'swap' ORDER BY 1""")
    mixed = []
    for run, n_rows, n_image, n_text, gap, n_spec, n_points, h0 in cur.fetchall():
        match = [g for g, (rows, wgap, wh0) in want.items()
                 if rows == n_rows == n_image == n_text == n_spec and n_points == min(SAMPLE, rows)
                 and abs(gap - wgap) < 1e-12 and abs(h0 - wh0) < 1e-9]
        if not match:
            mixed.append("run %d: %s rows, %s/%s vectors, spectrum of %s, %s sample points, gap %.6f, H0 %.6f"
                         % (run, n_rows, n_image, n_text, n_spec, n_points, gap, h0))
    ok(not mixed, "every run of the swapped source read one generation of the table throughout",
       "\n".join(mixed[:10]))
    cur.execute("""SELECT r.label, count(DISTINCT (g.gap, s.effective_rank, d.h1_classes)), count(*)
                   FROM topembed.runs r JOIN topembed.run_gap g USING (run_id)
                   JOIN topembed.run_spectra s ON s.run_id = r.run_id AND s.modality = 'image'
                   JOIN topembed.run_diagrams d ON d.run_id = r.run_id AND d.modality = 'image'
                   WHERE r.source IN ('src_a', 'src_b') GROUP BY 1 ORDER BY 1""")
    figures = cur.fetchall()
    ok(all(r[1] == 1 for r in figures), "the concurrent runs of a stable source all recorded the same figures",
       figures)
    done()


main()
