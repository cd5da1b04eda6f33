"""A 0.1.0 history keeps its meaning through ALTER EXTENSION UPDATE: the
stored previous run of each run is the one its drift rows were computed
against (even where 0.1.0's read-time previous_run raced), else 0.1.0's
definition; topembed.labels holds each label's latest run; the top
eigenvalue's share is filled in; no old column changes; a new snapshot
drifts against the latest old run; retention works on old runs."""
from telib import OLD_RELEASE, OldRelease, connect, done, fresh_db, ok

DB = "te_history_upgrade"
OLD_COLUMNS = ("run_id, label, started_at, finished_at, source, source_shape, source_columns, n_rows, n_image, "
               "n_text, dim, sample_size, max_dim, metric, scan_ms, spectrum_ms, persistence_ms, total_ms, "
               "extension_version, parameters")


def main():
    admin = connect()
    with OldRelease(admin) as have_old:
        if not have_old:
            print("ok - a 0.1.0 history survives the update # SKIP no git history (commit %s)" % OLD_RELEASE)
            done()
            return
        a = connect()
        a.cursor().execute("DROP DATABASE IF EXISTS %s" % DB)
        a.cursor().execute("CREATE DATABASE %s" % DB)
        conn = connect(DB)
        cur = conn.cursor()
        cur.execute("CREATE EXTENSION topembed VERSION '0.1.0'")
        cur.execute("CREATE TABLE p AS SELECT * FROM topembed.synthetic_pairs(200, 16, 0.8, 1)")
        for label, shape in [("a", "paired"), ("a", "paired"), ("b", "single"), ("a", "paired"), ("a", "paired")]:
            if shape == "paired":
                cur.execute("SELECT topembed.snapshot(%s, 'p', image_column => 'image', text_column => 'text', "
                            "sample => 60)", (label,))
            else:
                cur.execute("SELECT topembed.snapshot(%s, 'p', embedding_column => 'image', sample => 60)", (label,))
        # what 0.1.0's races left behind: run 4 drifted against run 1, run 2 has no drift rows
        cur.execute("UPDATE topembed.run_drift SET previous_run_id = 1 WHERE run_id = 4")
        cur.execute("DELETE FROM topembed.run_drift WHERE run_id = 2")
        cur.execute("SELECT run_id, topembed.previous_run(run_id) FROM topembed.runs ORDER BY run_id")
        old_prev = dict(cur.fetchall())
        cur.execute("SELECT array_agg(ROW(%s)::text ORDER BY run_id) FROM topembed.runs" % OLD_COLUMNS)
        old_rows = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM topembed.run_spectra")
        n_spectra = cur.fetchone()[0]

        cur.execute("ALTER EXTENSION topembed UPDATE TO '0.2.0'")
        cur.execute("SELECT run_id, previous_run_id, topembed.previous_run(run_id) FROM topembed.runs ORDER BY run_id")
        rows = cur.fetchall()
        ok(all(r[1] == r[2] for r in rows), "previous_run() returns the stored previous_run_id")
        prev = {r[0]: r[1] for r in rows}
        ok(prev[4] == 1, "a run keeps the previous run its drift rows were computed against (run 4: %s)" % prev[4])
        ok(prev[2] == old_prev[2] == 1, "a run without drift rows gets 0.1.0's previous run (run 2: %s)" % prev[2])
        ok(prev[1] is None and prev[3] is None and prev[5] == old_prev[5] == 4,
           "first runs have none, and the others keep theirs (%s)" % prev)
        cur.execute("SELECT label, last_run_id FROM topembed.labels ORDER BY label")
        ok(cur.fetchall() == [("a", 5), ("b", 3)], "topembed.labels holds each label's latest run")
        cur.execute("""SELECT count(*), count(*) FILTER (WHERE top_eigenvalue_share = explained_variance_ratio[1])
                       FROM topembed.run_spectra""")
        n, filled = cur.fetchone()
        ok(n == n_spectra and filled == n, "every spectrum row keeps, and gets its top eigenvalue's share (%d/%d)"
           % (filled, n))
        cur.execute("SELECT array_agg(ROW(%s)::text ORDER BY run_id) FROM topembed.runs" % OLD_COLUMNS)
        ok(cur.fetchone()[0] == old_rows, "no column that 0.1.0 wrote changed")
        cur.execute("""SELECT bool_and(abs((topembed.spectrum(s.sketch)).effective_rank - s.effective_rank) < 1e-9)
                       FROM topembed.run_spectra s""")
        ok(cur.fetchone()[0], "0.2.0 reads every sketch 0.1.0 stored (same effective ranks)")
        cur.execute("SELECT topembed.snapshot('a', 'p', image_column => 'image', text_column => 'text', sample => 60)")
        new = cur.fetchone()[0]
        cur.execute("SELECT topembed.previous_run(%s), count(*) FROM topembed.run_drift WHERE run_id = %s GROUP BY 1",
                    (new, new))
        got = cur.fetchone()
        # 0.1.0 had no joint diagram, so the joint bottleneck rows are the two missing of 20
        ok(got == (5, 18), "a new snapshot drifts against the latest 0.1.0 run, with every figure both have (%s)"
           % (got,))
        cur.execute("UPDATE topembed.runs SET started_at = started_at - interval '1 year' WHERE run_id < %s", (new,))
        cur.execute("SELECT topembed.prune_history(interval '30 days')")
        ok(cur.fetchone()[0] == 4, "prune_history prunes the old runs but each label's latest")
        conn.close()
        a.cursor().execute("DROP DATABASE %s" % DB)
    done()


main()
