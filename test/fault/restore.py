"""pg_dump of a database with history, stored sketches, gap states and
diagrams, restored with pg_restore (custom format) into a NEW cluster: the history tables, every view, the stored values and what they
read are the same; the restored history is whole; the run id sequence goes
on and a new snapshot drifts against the last restored run; and the
restored database dumps its history again (the tables stay registered).

Run by test/cluster/restore.sh with two clusters: SRC_PGHOST/SRC_PGPORT and
DST_PGHOST/DST_PGPORT.  Uses the shared CLIP data when TE_DATA has it, else
synthetic pairs.

Each dump is restored twice, serially and with pg_restore -j 4
(TE_RESTORE_JOBS="1,4" to choose): parallel restore loads the history tables
in any order, which their former foreign keys refused.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "check"))

import psycopg2  # noqa: E402

import historylib  # noqa: E402
from telib import DATA, done, load_csv, ok  # noqa: E402

DB = "te_dump"
PGBIN = os.environ["TE_PGBIN"]
JOBS = [int(j) for j in os.environ.get("TE_RESTORE_JOBS", "1,4").split(",")]
SRC = {"host": os.environ["SRC_PGHOST"], "port": os.environ["SRC_PGPORT"], "user": "postgres"}
DST = {"host": os.environ["DST_PGHOST"], "port": os.environ["DST_PGPORT"], "user": "postgres"}

# what must come back: the history tables, the views, the user's stored values
# and what the extension reads from them
COMPARE = [
    ("topembed.runs", "SELECT r::text FROM topembed.runs r ORDER BY run_id"),
    ("topembed.run_gap", "SELECT g::text FROM topembed.run_gap g ORDER BY run_id"),
    ("topembed.run_spectra", "SELECT s::text FROM topembed.run_spectra s ORDER BY run_id, modality"),
    ("topembed.run_diagrams", "SELECT d::text FROM topembed.run_diagrams d ORDER BY run_id, modality"),
    ("topembed.run_drift", "SELECT d::text FROM topembed.run_drift d ORDER BY run_id, modality, metric"),
    ("topembed.drift_thresholds", "SELECT t::text FROM topembed.drift_thresholds t ORDER BY label, metric"),
    ("view latest_metrics", "SELECT v::text FROM topembed.latest_metrics v ORDER BY label"),
    ("view metric_history", "SELECT v::text FROM topembed.metric_history v ORDER BY run_id, modality, metric"),
    ("view drift", "SELECT v::text FROM topembed.drift v ORDER BY run_id, modality, metric"),
    ("view drift_alerts", "SELECT v::text FROM topembed.drift_alerts v ORDER BY run_id, modality, metric"),
    ("view spectrum_history", "SELECT v::text FROM topembed.spectrum_history v ORDER BY run_id, modality, k"),
    ("view diagram_history", "SELECT v::text FROM topembed.diagram_history v ORDER BY v::text"),
    ("stored sketches, states, diagrams and composites", "SELECT s::text FROM app.stored s ORDER BY part"),
    ("what the stored values read",
     "SELECT part, topembed.spectrum(m)::text, topembed.n(m), (SELECT topembed.modality_gap(x) FROM (VALUES (g)) v(x))::text, "
     "topembed.betti_numbers(d, 0.3), topembed.total_persistence(d, 1) FROM app.stored ORDER BY part"),
    ("merged stored values",
     "SELECT topembed.spectrum(topembed.moments(m))::text, topembed.modality_gap(g)::text FROM app.stored"),
    ("sketches of the history, read", "SELECT run_id, modality, topembed.spectrum(sketch)::text "
     "FROM topembed.run_spectra ORDER BY 1, 2"),
    ("distances between stored diagrams",
     "SELECT a.part, b.part, topembed.bottleneck_distance(a.d, b.d, 1), topembed.wasserstein_distance(a.d, b.d, 1, 2) "
     "FROM app.stored a JOIN app.stored b ON a.part < b.part ORDER BY 1, 2"),
]


def connect(where, db=DB):
    c = psycopg2.connect(dbname=db, **where)
    c.autocommit = True
    return c


def rows(where, sql):
    c = connect(where)
    k = c.cursor()
    k.execute("SET max_parallel_workers_per_gather = 0")
    k.execute(sql)
    out = k.fetchall()
    c.close()
    return out


def fill():
    admin = connect(SRC, "postgres")
    admin.cursor().execute("CREATE DATABASE %s" % DB)
    admin.close()
    conn = connect(SRC)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION topembed")
    cur.execute("CREATE SCHEMA app")
    path = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    if os.path.exists(path):
        load_csv(conn, "app.items", path)
        what = "the shared CLIP data"
    else:
        cur.execute("""CREATE TABLE app.items AS
                       SELECT pair_id, m.modality, CASE m.modality WHEN 'image' THEN image ELSE text END AS embedding
                       FROM topembed.synthetic_pairs(500, 64, 0.7, 9), (VALUES ('image'), ('text')) m(modality)""")
        what = "synthetic pairs (no shared data at %s)" % DATA
    cur.execute("""CREATE TABLE app.pairs AS SELECT i.pair_id, i.embedding AS image, t.embedding AS text
                   FROM app.items i JOIN app.items t USING (pair_id)
                   WHERE i.modality = 'image' AND t.modality = 'text' AND i.pair_id < 300""")
    cur.execute("CREATE TABLE app.images AS SELECT pair_id, embedding FROM app.items WHERE modality = 'image'")
    cur.execute("INSERT INTO topembed.drift_thresholds VALUES ('pairs', 'gap', 0.0001), ('*', 'rankme', 0.0001)")
    snaps = [("pairs", "app.pairs", "image_column => 'image', text_column => 'text'"),
             ("items", "app.items", "embedding_column => 'embedding', modality_column => 'modality'"),
             ("images", "app.images", "embedding_column => 'embedding'")]
    for rnd in range(2):
        for label, source, args in snaps:
            cur.execute("SELECT topembed.snapshot(%%s, %%s, %s, sample => 150)" % args, (label, source))
        cur.execute("""INSERT INTO app.pairs SELECT i.pair_id, i.embedding, t.embedding FROM app.items i
                       JOIN app.items t USING (pair_id) WHERE i.modality = 'image' AND t.modality = 'text'
                       AND i.pair_id >= 300 + 50 * %s AND i.pair_id < 350 + 50 * %s""", (rnd, rnd))
    cur.execute("""CREATE TABLE app.stored AS
                   SELECT pair_id % 3 AS part, topembed.moments(image) AS m, topembed.gap_state(image, text) AS g,
                          topembed.persistence(image, 1, 'cosine', NULL, 80) AS d,
                          topembed.spectral_collapse(text) AS s
                   FROM app.pairs GROUP BY 1""")
    cur.execute("SELECT count(*) FILTER (WHERE flagged), count(*) FROM topembed.drift")
    flagged, drift = cur.fetchone()
    ok(drift > 0 and flagged > 0, "a database with history of %s: 6 runs, %d drift rows (%d flagged), "
       "stored sketches, states and diagrams" % (what, drift, flagged))
    historylib.check(cur, "filling the database to dump")
    conn.close()


def restore(dump, jobs, before, data):
    """Restore the dump into the new cluster with pg_restore -j JOBS and check it."""
    admin = connect(DST, "postgres")
    admin.cursor().execute("DROP DATABASE IF EXISTS %s" % DB)
    admin.close()
    env = dict(os.environ, PGHOST=DST["host"], PGPORT=DST["port"], PGUSER="postgres")
    r = subprocess.run([os.path.join(PGBIN, "pg_restore"), "-C", "-j", str(jobs), "--exit-on-error", "-d",
                        "postgres", dump], capture_output=True, text=True, env=env)
    ok(r.returncode == 0 and not r.stderr.strip(),
       "pg_restore -C -j %d into a new cluster succeeds without an error or warning" % jobs, r.stderr)
    if r.returncode != 0:
        return
    after = {name: rows(DST, sql) for name, sql in COMPARE}
    for name, _ in COMPARE:
        ok(before[name] == after[name] and (before[name] or name == "view drift_alerts"),
           "-j %d: the new cluster gives the same %s (%d rows)" % (jobs, name, len(before[name])),
           "source %d rows, restored %d rows; first difference: %s" % (
               len(before[name]), len(after[name]),
               next(((a, b) for a, b in zip(before[name], after[name]) if a != b), None)))

    conn = connect(DST)
    cur = conn.cursor()
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
    version = cur.fetchone()[0]
    src_version = rows(SRC, "SELECT extversion FROM pg_extension WHERE extname = 'topembed'")[0][0]
    ok(version == src_version, "-j %d: the restored extension is at version %s" % (jobs, version))
    historylib.check(cur, "pg_restore -j %d into a new cluster" % jobs)
    last = rows(SRC, "SELECT max(run_id) FROM topembed.runs WHERE label = 'pairs'")[0][0]
    top = rows(SRC, "SELECT max(run_id) FROM topembed.runs")[0][0]
    cur.execute("SELECT topembed.snapshot('pairs', 'app.pairs', image_column => 'image', text_column => 'text', "
                "sample => 150)")
    run = cur.fetchone()[0]
    cur.execute("SELECT DISTINCT previous_run_id FROM topembed.run_drift WHERE run_id = %s", (run,))
    prevs = [r[0] for r in cur.fetchall()]
    ok(run > top and prevs == [last], "-j %d: the run id sequence goes on (run %d) and drifts against the last "
       "restored run of its label (%s)" % (jobs, run, prevs))
    historylib.check(cur, "a snapshot in the database restored with -j %d" % jobs)
    conn.close()
    # the restored database keeps its tables registered: a second dump has the rows too
    with tempfile.TemporaryDirectory() as tmp:
        again_dump = os.path.join(tmp, "again.dump")
        r = subprocess.run([os.path.join(PGBIN, "pg_dump"), "-Fc", "-f", again_dump, DB], capture_output=True,
                           text=True, env=env)
        listing = subprocess.run([os.path.join(PGBIN, "pg_restore"), "-l", again_dump], capture_output=True,
                                 text=True).stdout
        again = [line for line in listing.splitlines() if "TABLE DATA topembed " in line]
        ok(r.returncode == 0 and len(again) == len(data),
           "-j %d: the restored database dumps its history again (%d TABLE DATA entries)" % (jobs, len(again)),
           r.stderr)


def main():
    fill()
    before = {name: rows(SRC, sql) for name, sql in COMPARE}
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "te_dump.dump")
        env = dict(os.environ, PGHOST=SRC["host"], PGPORT=SRC["port"], PGUSER="postgres")
        r = subprocess.run([os.path.join(PGBIN, "pg_dump"), "-Fc", "-f", dump, DB], capture_output=True, text=True,
                           env=env)
        ok(r.returncode == 0 and not r.stderr.strip(), "pg_dump -Fc of the database succeeds without a warning",
           r.stderr)
        r = subprocess.run([os.path.join(PGBIN, "pg_restore"), "-l", dump], capture_output=True, text=True)
        data = [line for line in r.stdout.splitlines() if "TABLE DATA topembed " in line]
        ok(len(data) >= 6, "the dump holds the rows of the history tables (%d TABLE DATA entries of schema topembed)"
           % len(data), r.stdout[-2000:])
        for jobs in JOBS:
            restore(dump, jobs, before, data)
    done()


main()
