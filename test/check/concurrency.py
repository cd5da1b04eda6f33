"""Two snapshots at once do not interfere: concurrent snapshots of the same
and of different labels all succeed, get distinct run ids, record the same
figures as when run alone, and compute drift against a complete run."""
import threading

from telib import connect, done, fresh_db, ok


def main():
    conn = fresh_db("te_concurrency")
    cur = conn.cursor()
    cur.execute("CREATE TABLE cc AS SELECT * FROM topembed.synthetic_pairs(1500, 48, 0.6, 4)")
    cur.execute("SELECT topembed.snapshot('alone', 'cc', image_column => 'image', text_column => 'text', sample => 400)")
    alone = cur.fetchone()[0]

    results, errors = {}, []

    def worker(name, label):
        try:
            c = connect("te_concurrency")
            k = c.cursor()
            k.execute("SELECT topembed.snapshot(%s, 'cc', image_column => 'image', text_column => 'text', sample => 400)",
                      (label,))
            results[name] = k.fetchone()[0]
            c.close()
        except Exception as e:  # reported below
            errors.append("%s: %s" % (name, e))

    threads = [threading.Thread(target=worker, args=(n, l)) for n, l in
               [("a", "shared"), ("b", "shared"), ("c", "other"), ("d", "other")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok(not errors, "four concurrent snapshots all succeed", "; ".join(errors))
    ok(len(set(results.values())) == 4, "they get four distinct run ids: %s" % sorted(results.values()))

    cur.execute("""SELECT count(DISTINCT (g.gap, s.effective_rank, d.h1_classes)) FROM topembed.runs r
                   JOIN topembed.run_gap g USING (run_id)
                   JOIN topembed.run_spectra s ON s.run_id = r.run_id AND s.modality = 'image'
                   JOIN topembed.run_diagrams d ON d.run_id = r.run_id AND d.modality = 'image'""")
    ok(cur.fetchone()[0] == 1, "every run recorded the same figures as the run taken alone (run %d)" % alone)
    # a run taken afterwards compares with the latest complete run of its label
    cur.execute("SELECT topembed.snapshot('shared', 'cc', image_column => 'image', text_column => 'text', sample => 400)")
    after = cur.fetchone()[0]
    cur.execute("SELECT DISTINCT previous_run_id FROM topembed.run_drift WHERE run_id = %s", (after,))
    prevs = [r[0] for r in cur.fetchall()]
    ok(len(prevs) == 1 and prevs[0] in (results["a"], results["b"]),
       "a later run of label shared drifts against one of the concurrent runs (%s)" % prevs)
    cur.execute("""SELECT count(*) FROM topembed.run_drift d
                   WHERE NOT EXISTS (SELECT 1 FROM topembed.runs r WHERE r.run_id = d.previous_run_id)""")
    ok(cur.fetchone()[0] == 0, "no drift row points at a missing run")
    cur.execute("SELECT count(*) FROM topembed.runs")
    ok(cur.fetchone()[0] == 6, "exactly six runs recorded")
    done()


main()
