"""History integrity: no missing, duplicate, orphaned or half-written runs.

A library of the fault, upgrade and soak tests (scripts/test.sh does not run
files named *lib.py as suites).  integrity_problems(cur) returns a list of
readable problems, empty when the history of the connected database is
whole; check(cur, what) reports it as TAP lines.  As a command,
"python3 historylib.py [dbname]" prints the TAP lines and exits non-zero on a
problem.

What "whole" means follows the snapshot function's contract:
- every detail row (gap, spectra, diagrams, drift) belongs to a run, and every
  drift row's previous run exists;
- a run has the detail rows its shape demands: a gap row (with its state)
  for the two-modality shapes and none for 'single'; spectra 'image', 'text'
  (each when that modality has rows) and 'joint', or 'all' alone for
  'single'; a diagram for every modality with a spectrum except 'joint',
  whose diagram is optional (0.2.0 records it, 0.1.0 did not); a run that
  prune_history pruned (runs.detail_pruned_at) keeps its rows without their
  states, sketches and diagrams;
- the counts agree: runs.n_image/n_text with the gap row and the spectra,
  joint = image + text, at most sample_size points per diagram, every
  spectrum of the run's dimension;
- the run was finished: its timings were written (total_ms > 0 and
  finished_at >= started_at) and it names the extension version;
- the drift chain: a run's drift rows all point at topembed.previous_run(run),
  and they are exactly the rows topembed.compare_runs(previous, run) gives
  (same modality/metric set; for runs of the installed version also the same
  values), so a run whose label has a previous run never lacks its drift;
- the run id sequence is ahead of every stored run id (a crash must not let it
  go back), and no run was recorded twice (same label, source and start).
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# the modalities each shape records, given the non-empty modalities
SHAPES = ("paired", "modality", "single")


def _rows(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchall()


def _same(a, b):
    """Equal floats (NULL-safe; relative 1e-9, NaN equal to NaN)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def integrity_problems(cur, values=True, limit=20):
    """Problems of the history in the current database (at most limit per kind)."""
    problems = []

    def add(kind, items):
        items = list(items)
        for it in items[:limit]:
            problems.append("%s: %s" % (kind, it))
        if len(items) > limit:
            problems.append("%s: ... and %d more" % (kind, len(items) - limit))

    # orphans
    for table in ("run_gap", "run_spectra", "run_diagrams", "run_drift"):
        add("orphaned %s rows" % table,
            ("run %s" % r[0] for r in _rows(cur, """
                SELECT DISTINCT d.run_id FROM topembed.%s d
                WHERE NOT EXISTS (SELECT 1 FROM topembed.runs r WHERE r.run_id = d.run_id)
                ORDER BY 1""" % table)))
    add("drift rows pointing at a missing previous run",
        ("run %s -> %s" % r for r in _rows(cur, """
            SELECT DISTINCT d.run_id, d.previous_run_id FROM topembed.run_drift d
            WHERE NOT EXISTS (SELECT 1 FROM topembed.runs r WHERE r.run_id = d.previous_run_id)
            ORDER BY 1""")))

    # 0.2.0's prune_history keeps a run's rows but drops their detail
    # (states, sketches, diagrams) and marks the run
    pruned_col = _rows(cur, """SELECT count(*) FROM pg_attribute WHERE attrelid = 'topembed.runs'::regclass
                               AND attname = 'detail_pruned_at' AND NOT attisdropped""")[0][0] > 0
    pruned = set(r[0] for r in _rows(cur, "SELECT run_id FROM topembed.runs WHERE detail_pruned_at IS NOT NULL")) \
        if pruned_col else set()
    runs = _rows(cur, """
        SELECT r.run_id, r.source_shape, r.n_rows, r.n_image, r.n_text, r.dim, r.sample_size,
               r.total_ms, r.finished_at >= r.started_at, coalesce(r.extension_version, ''),
               (SELECT count(*) FROM topembed.run_gap g WHERE g.run_id = r.run_id),
               (SELECT count(*) FROM topembed.run_gap g WHERE g.run_id = r.run_id AND g.state IS NOT NULL),
               (SELECT array_agg(g.n_image) || array_agg(g.n_text) FROM topembed.run_gap g WHERE g.run_id = r.run_id),
               coalesce((SELECT jsonb_object_agg(s.modality, jsonb_build_array(s.n, s.dim))
                         FROM topembed.run_spectra s WHERE s.run_id = r.run_id), '{}'),
               coalesce((SELECT jsonb_object_agg(d.modality, d.n_points)
                         FROM topembed.run_diagrams d WHERE d.run_id = r.run_id), '{}')
        FROM topembed.runs r ORDER BY r.run_id""")
    bad = {k: [] for k in ("shape", "gap", "spectra", "diagrams", "counts", "unfinished")}
    for (run, shape, n_rows, n_image, n_text, dim, sample, total_ms, ordered, version,
         n_gap, n_gap_state, gap_counts, spectra, diagrams) in runs:
        if shape not in SHAPES:
            bad["shape"].append("run %s has shape %r" % (run, shape))
            continue
        if not (total_ms is not None and total_ms > 0 and ordered and version):
            bad["unfinished"].append("run %s (total_ms %s, finished after start %s, version %r)"
                                     % (run, total_ms, ordered, version))
        # a joint diagram of both modalities: 0.2.0 records one, 0.1.0 did not
        if shape == "single":
            want_gap, want_spectra, want_diagrams, may_diagrams = 0, {"all"}, {"all"}, set()
        else:
            want_gap = 1
            nonempty = {m for m, n in (("image", n_image), ("text", n_text)) if n}
            want_spectra = nonempty | {"joint"}
            want_diagrams, may_diagrams = nonempty, {"joint"}
        if n_gap != want_gap or (n_gap_state != want_gap and run not in pruned):
            bad["gap"].append("run %s (%s) has %d gap rows (%d with a state), expected %d"
                              % (run, shape, n_gap, n_gap_state, want_gap))
        if set(spectra) != want_spectra:
            bad["spectra"].append("run %s (%s) has spectra %s, expected %s"
                                  % (run, shape, sorted(spectra), sorted(want_spectra)))
        if not (want_diagrams <= set(diagrams) <= want_diagrams | may_diagrams):
            bad["diagrams"].append("run %s (%s) has diagrams %s, expected %s"
                                   % (run, shape, sorted(diagrams), sorted(want_diagrams)
                                      + ["(%s)" % m for m in sorted(may_diagrams)]))
        counts = []
        if shape != "single":
            # a pair with a NULL side counts in one sketch but not in the gap
            if gap_counts is not None and (
                    list(gap_counts) != [n_image, n_text] if shape == "modality"
                    else not (gap_counts[0] <= n_image and gap_counts[1] <= n_text)):
                counts.append("gap counts %s, run counts %s" % (list(gap_counts), [n_image, n_text]))
            for m, n in (("image", n_image), ("text", n_text)):
                if m in spectra and spectra[m][0] != n:
                    counts.append("%s spectrum of %s vectors, run says %s" % (m, spectra[m][0], n))
            if "joint" in spectra and spectra["joint"][0] != (n_image or 0) + (n_text or 0):
                counts.append("joint spectrum of %s vectors, not %s + %s" % (spectra["joint"][0], n_image, n_text))
        elif "all" in spectra and not (0 < spectra["all"][0] <= n_rows):
            counts.append("spectrum of %s vectors from %s rows" % (spectra["all"][0], n_rows))
        for m, (n, d) in spectra.items():
            if d != dim:
                counts.append("%s spectrum of dimension %s, run dimension %s" % (m, d, dim))
        for m, p in diagrams.items():
            n = spectra.get(m, [None])[0]
            if not (0 < p <= sample and (n is None or p <= n)):
                counts.append("%s diagram of %s points (sample %s, %s vectors)" % (m, p, sample, n))
        if counts:
            bad["counts"].append("run %s: %s" % (run, "; ".join(counts)))
    add("runs with an unknown shape", bad["shape"])
    add("runs missing or with extra gap rows", bad["gap"])
    add("runs missing or with extra spectra", bad["spectra"])
    add("runs missing or with extra diagrams", bad["diagrams"])
    add("runs whose counts disagree", bad["counts"])
    add("half-written runs", bad["unfinished"])

    # the drift chain, against the extension's own definitions
    version = _rows(cur, "SELECT extversion FROM pg_extension WHERE extname = 'topembed'")[0][0]
    prev = dict(_rows(cur, "SELECT run_id, topembed.previous_run(run_id) FROM topembed.runs"))
    run_version = dict(_rows(cur, "SELECT run_id, extension_version FROM topembed.runs"))
    stored = {}
    for run, p, mod, metric, pv, v, ch in _rows(cur, """
            SELECT run_id, previous_run_id, modality, metric, previous_value, value, change
            FROM topembed.run_drift"""):
        stored[(run, mod, metric)] = (p, pv, v, ch)
    expected = {}
    for run, p, mod, metric, pv, v, ch in _rows(cur, """
            SELECT r.run_id, r.prev, c.modality, c.metric, c.previous_value, c.value, c.change
            FROM (SELECT run_id, topembed.previous_run(run_id) AS prev FROM topembed.runs) r,
                 LATERAL topembed.compare_runs(r.prev, r.run_id) c
            WHERE r.prev IS NOT NULL"""):
        expected[(run, mod, metric)] = (p, pv, v, ch)
    wrong_prev = sorted({"run %s -> %s, previous_run says %s" % (k[0], s[0], prev.get(k[0]))
                         for k, s in stored.items() if k[0] in prev and s[0] != prev[k[0]]})
    add("drift rows against another run than previous_run()", wrong_prev)
    missing = sorted({k[0] for k in expected if k not in stored})
    add("runs lacking drift rows that compare_runs(previous_run(run), run) gives",
        ("run %s (previous %s)" % (r, prev[r]) for r in missing))
    extra = sorted({k[0] for k in stored if k not in expected and k[0] in prev})
    add("runs with drift rows that compare_runs does not give", ("run %s" % r for r in extra))
    if values:
        differ = []
        for k, s in sorted(stored.items()):
            e = expected.get(k)
            if e is None or s[0] != e[0]:
                continue
            if run_version.get(k[0]) != version or run_version.get(s[0]) != version:
                continue   # another version's compare_runs may have defined it differently
            if k[0] in pruned or s[0] in pruned:
                continue   # computed when the detail was there
            if not all(_same(a, b) for a, b in zip(s[1:], e[1:])):
                differ.append("run %s %s/%s stored %s, recomputed %s" % (k[0], k[1], k[2], s[1:], e[1:]))
        add("drift rows whose values differ from compare_runs", differ)

    # the sequence and duplicates
    seq = _rows(cur, """SELECT s.last_value, (SELECT max(run_id) FROM topembed.runs)
                        FROM topembed.runs_run_id_seq s""")[0]
    if seq[1] is not None and seq[0] < seq[1]:
        problems.append("the run id sequence (%s) is behind the largest run id (%s)" % seq)
    add("runs recorded twice", ("%s at %s: runs %s" % r for r in _rows(cur, """
        SELECT label, started_at, array_agg(run_id ORDER BY run_id) FROM topembed.runs
        GROUP BY label, source, started_at HAVING count(*) > 1 ORDER BY 1, 2""")))
    return problems


def summary(cur):
    """A one-line count of the history: runs, labels and detail rows."""
    cur.execute("""SELECT (SELECT count(*) FROM topembed.runs), (SELECT count(DISTINCT label) FROM topembed.runs),
                          (SELECT count(*) FROM topembed.run_spectra), (SELECT count(*) FROM topembed.run_diagrams),
                          (SELECT count(*) FROM topembed.run_drift)""")
    return "%d runs of %d labels, %d spectra, %d diagrams, %d drift rows" % cur.fetchone()


def check(cur, what, values=True):
    """TAP line(s): the history is whole after what; True when it is."""
    from telib import ok
    problems = integrity_problems(cur, values=values)
    return ok(not problems, "history intact after %s (%s)" % (what, summary(cur)), "\n".join(problems))


def main():
    from telib import connect, done
    conn = connect(sys.argv[1] if len(sys.argv) > 1 else None)
    check(conn.cursor(), sys.argv[2] if len(sys.argv) > 2 else "the run")
    done()


if __name__ == "__main__":
    main()
