"""Stored values survive COPY BINARY and pg_dump/pg_restore bit for bit:
moments sketches and gap states (and, once they exist, the history tables)."""
import io
import os
import subprocess
import tempfile

from telib import connect, done, fresh_db, ok

PGBIN = "/usr/lib/postgresql/%s/bin" % os.environ.get("TE_PGVER", "15")


def main():
    conn = fresh_db("te_dump_src")
    cur = conn.cursor()
    cur.execute("""
        CREATE TABLE sketches AS
        SELECT pair_id % 4 AS part,
               topembed.moments(image) AS m,
               topembed.gap_state(image, text) AS g
        FROM topembed.synthetic_pairs(800, 48, 0.7, 3) GROUP BY 1""")
    cur.execute("SELECT part, m::text, g::text FROM sketches ORDER BY part")
    before = cur.fetchall()
    # history: two snapshots and a threshold override
    cur.execute("CREATE TABLE hist_pairs AS SELECT * FROM topembed.synthetic_pairs(300, 24, 0.6, 5)")
    for _ in range(2):
        cur.execute("SELECT topembed.snapshot('dumped', 'hist_pairs', image_column => 'image', "
                    "text_column => 'text', sample => 100)")
    cur.execute("INSERT INTO topembed.drift_thresholds VALUES ('dumped', 'gap', 0.01)")
    history_sql = ("SELECT (SELECT array_agg(r::text ORDER BY run_id) FROM topembed.runs r), "
                   "(SELECT array_agg(g::text ORDER BY run_id) FROM topembed.run_gap g), "
                   "(SELECT array_agg(s::text ORDER BY run_id, modality) FROM topembed.run_spectra s), "
                   "(SELECT array_agg(d::text ORDER BY run_id, modality) FROM topembed.run_diagrams d), "
                   "(SELECT array_agg(x::text ORDER BY run_id, modality, metric) FROM topembed.run_drift x), "
                   "(SELECT array_agg(t::text ORDER BY label, metric) FROM topembed.drift_thresholds t), "
                   "(SELECT array_agg(l::text ORDER BY label) FROM topembed.latest_metrics l)")
    cur.execute(history_sql)
    history = cur.fetchone()
    ok(all(h is not None for h in history), "two snapshots recorded before the dump")
    ok(len(before) == 4, "four stored sketches")

    # COPY BINARY out and back in goes through send/recv
    buf = io.BytesIO()
    cur.copy_expert("COPY sketches TO STDOUT (FORMAT binary)", buf)
    cur.execute("CREATE TABLE sketches_copy (LIKE sketches)")
    buf.seek(0)
    cur.copy_expert("COPY sketches_copy FROM STDIN (FORMAT binary)", buf)
    cur.execute("SELECT part, m::text, g::text FROM sketches_copy ORDER BY part")
    ok(cur.fetchall() == before, "COPY BINARY out and in keeps every sketch and gap state bit for bit")
    cur.execute("""SELECT bool_and(topembed.moments_send(a.m) = topembed.moments_send(b.m)
                                    AND topembed.gap_state_send(a.g) = topembed.gap_state_send(b.g))
                   FROM sketches a JOIN sketches_copy b USING (part)""")
    ok(cur.fetchone()[0], "the binary forms are identical after COPY BINARY")

    # a corrupted binary value is refused by COPY
    data = bytearray(buf.getvalue())
    data[len(data) // 2] ^= 0x55
    cur.execute("CREATE TABLE sketches_bad (LIKE sketches)")
    try:
        cur.copy_expert("COPY sketches_bad FROM STDIN (FORMAT binary)", io.BytesIO(bytes(data)))
        ok(False, "COPY BINARY refuses a corrupted sketch")
    except Exception as e:
        ok("invalid" in str(e) or "insufficient" in str(e) or "incorrect" in str(e),
           "COPY BINARY refuses a corrupted sketch with a clear error", str(e))

    # pg_dump -Fc and pg_restore into a fresh database
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "src.dump")
        r = subprocess.run([PGBIN + "/pg_dump", "-Fc", "-f", dump, "te_dump_src"], capture_output=True, text=True)
        ok(r.returncode == 0, "pg_dump succeeds", r.stderr)
        admin = connect()
        admin.cursor().execute("DROP DATABASE IF EXISTS te_dump_dst")
        admin.cursor().execute("CREATE DATABASE te_dump_dst")
        r = subprocess.run([PGBIN + "/pg_restore", "-d", "te_dump_dst", dump], capture_output=True, text=True)
        ok(r.returncode == 0, "pg_restore succeeds", r.stderr)
    dst = connect("te_dump_dst")
    dcur = dst.cursor()
    dcur.execute("SELECT part, m::text, g::text FROM sketches ORDER BY part")
    ok(dcur.fetchall() == before, "pg_dump and pg_restore keep every sketch and gap state bit for bit")
    dcur.execute(history_sql)
    restored = dcur.fetchone()
    names = ["runs", "run_gap", "run_spectra", "run_diagrams", "run_drift", "drift_thresholds", "latest_metrics"]
    for name, a, b in zip(names, history, restored):
        ok(a == b, "pg_dump and pg_restore bring back topembed.%s" % name)
    dcur.execute("SELECT topembed.snapshot('dumped', 'hist_pairs', image_column => 'image', "
                 "text_column => 'text', sample => 100)")
    ok(dcur.fetchone()[0] == 3, "the run id sequence continues after the restore")
    dcur.execute("SELECT (topembed.spectrum(topembed.moments(m))).effective_rank FROM sketches")
    er_dst = dcur.fetchone()[0]
    cur.execute("SELECT (topembed.spectrum(topembed.moments(m))).effective_rank FROM sketches")
    ok(er_dst == cur.fetchone()[0], "a restored sketch gives the same spectrum")
    dst.close()
    done()


main()
