"""Benchmark: topembed.snapshot computes each thing once (issue 9, item 4).

0.1.0's snapshot read the spectrum's fields as (s).n, (s).dim, ... from a
LATERAL subquery that the planner pulls up, so it ran the eigen-solver once
per field.  This races the current snapshot against 0.1.0's function (taken
from the git history, installed as bench_old.snapshot; skipped without the
history) on the same table, and shows the same trap in a user's query:
(topembed.spectrum(m)).* against the OFFSET 0 form."""
import os
import statistics
import subprocess

from benchlib import DATA, ROOT, connect, query, race, report

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
OLD_COMMIT = "5c280a8"
CLIP = os.path.join(DATA, "mscoco_clip_vitb16.csv")
CALL = ("SELECT {fn}('{label}', 'bench_snap', image_column => 'image', text_column => 'text', "
        "sample => 1000)")


def load_pairs(cur):
    """bench_snap(pair_id, image, text): the 500 MSCOCO CLIP pairs of the
    shared data, else 1000 synthetic 512-d pairs; returns a description."""
    cur.execute("DROP TABLE IF EXISTS bench_snap, bench_raw")
    if os.path.exists(CLIP):
        cur.execute("CREATE TABLE bench_raw (pair_id int, modality text, embedding real[])")
        with open(CLIP) as f:
            cur.copy_expert("COPY bench_raw FROM STDIN CSV HEADER", f)
        cur.execute("""CREATE TABLE bench_snap AS
                       SELECT i.pair_id, i.embedding AS image, t.embedding AS text
                       FROM bench_raw i JOIN bench_raw t ON t.pair_id = i.pair_id AND t.modality = 'text'
                       WHERE i.modality = 'image'""")
        cur.execute("DROP TABLE bench_raw")
        what = "the 500 MSCOCO CLIP ViT-B/16 pairs (512-d)"
    else:
        cur.execute("CREATE TABLE bench_snap AS SELECT * FROM topembed.synthetic_pairs(1000, 512, 0.8, 1)")
        what = "1000 synthetic 512-d pairs (../shared/data is absent)"
    cur.execute("ANALYZE bench_snap")
    return what


def old_snapshot(conn):
    """0.1.0's topembed.snapshot as bench_old.snapshot, or None."""
    r = subprocess.run(["git", "-C", ROOT, "show", "%s:sql/topembed--0.1.0.sql" % OLD_COMMIT],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    src = r.stdout
    a = src.index("CREATE FUNCTION topembed.snapshot(")
    b = src.index("$fn$;", src.index("AS $fn$", a)) + len("$fn$;")
    body = src[a:b].replace("CREATE FUNCTION topembed.snapshot(", "CREATE FUNCTION bench_old.snapshot(", 1)
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS bench_old CASCADE")
        cur.execute("CREATE SCHEMA bench_old")
        cur.execute(body)
    return "bench_old.snapshot"


def phases(conn, label):
    """Median scan, spectrum and persistence milliseconds of a label's runs."""
    with conn.cursor() as cur:
        cur.execute("SELECT scan_ms, spectrum_ms, persistence_ms, total_ms FROM topembed.runs WHERE label = %s",
                    (label,))
        rows = cur.fetchall()
    return [statistics.median(r[i] for r in rows) for i in range(4)]


def main():
    conn = connect()
    with conn.cursor() as cur:
        what = load_pairs(cur)
        cur.execute("DELETE FROM topembed.runs WHERE label LIKE 'bench-%'")
    old = old_snapshot(conn)
    candidates = [("topembed.snapshot (0.2.0)", query(conn, CALL.format(fn="topembed.snapshot", label="bench-new")))]
    if old:
        candidates.append(("snapshot of 0.1.0", query(conn, CALL.format(fn=old, label="bench-old"))))
    times = race(candidates, RUNS)
    extra = []
    for name, label in [("0.2.0", "bench-new"), ("0.1.0", "bench-old")]:
        if label == "bench-old" and not old:
            extra.append("(0.1.0 skipped: no git history with commit %s)" % OLD_COMMIT)
            continue
        scan, spec, pers, total = phases(conn, label)
        extra.append("%s phases, medians: scan %.0f ms, spectrum %.0f ms, persistence %.0f ms, total %.0f ms"
                     % (name, scan, spec, pers, total))
    extra.append("(0.2.0 also computes a joint diagram of both modalities, which 0.1.0 did not)")
    report("snapshot of %s, sample 1000" % what, times,
           candidates[-1][0], extra)

    # the same trap in a user's query: three stored 512-d sketches
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_sketches")
        cur.execute("""CREATE TABLE bench_sketches AS
                       SELECT topembed.moments(image) AS m FROM bench_snap GROUP BY pair_id % 3""")
    star = "SELECT (topembed.spectrum(m)).* FROM bench_sketches"
    once = "SELECT (s).* FROM (SELECT topembed.spectrum(m) AS s FROM bench_sketches OFFSET 0) t"
    times = race([("(topembed.spectrum(m)).*", query(conn, star)),
                  ("(s).* FROM (... OFFSET 0)", query(conn, once))], RUNS)
    report("spectrum of three 512-d sketches, all fields", times, "(s).* FROM (... OFFSET 0)")
    with conn.cursor() as cur:
        cur.execute("DELETE FROM topembed.runs WHERE label LIKE 'bench-%'")
        cur.execute("DELETE FROM topembed.labels WHERE label LIKE 'bench-%'")
        cur.execute("DROP TABLE bench_snap, bench_sketches")
        cur.execute("DROP SCHEMA IF EXISTS bench_old CASCADE")


main()
