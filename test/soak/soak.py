"""make soak: a mixed workload on a throwaway cluster for SOAK_MINUTES
(default 10), from long-lived sessions, one kind of work each:

  snapshot   snapshots of three sources (paired, modality-column, single)
  adhoc      ad-hoc aggregates over random subsets: gap, spectra, moments,
             persistence of a sample, PCA projections, diagram distances
  cancel     long persistence runs cancelled after a random delay, by
             pg_cancel_backend or by statement_timeout
  fuzz       hostile statements from test/check/fuzz.py's generators
  merge      daily sketches and gap states stored, merged over windows,
             read back through their text form

It reports the statements run and the errors by SQLSTATE of each kind, the
backend deaths, the cancel latencies, and the memory of every long-lived
backend over time (RssAnon, its private memory, from /proc, and the total of
its memory contexts), then checks the history.  Exit status 1 on a backend
death, an internal error (SQLSTATE class XX), an error class a kind does not
expect, or a broken history.

Run by scripts/soak.sh, which builds, installs and starts the cluster.
"""
import ast
import collections
import os
import random
import sys
import threading
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(os.path.dirname(HERE), "check")
sys.path.insert(0, CHECK)

import psycopg2  # noqa: E402

import historylib  # noqa: E402
from telib import DATA, backend_crashes, connect, fresh_db, load_csv  # noqa: E402

DB = "te_soak"
MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
SEED = int(os.environ.get("SOAK_SEED", "20261202"))
SAMPLE_EVERY = 5.0   # seconds between memory samples
# the error classes each kind may meet (anything else fails the soak)
EXPECTED = {"snapshot": set(), "adhoc": set(), "merge": set(), "cancel": {"57014"}, "fuzz": None}


def load_fuzz():
    """test/check/fuzz.py as a module, without running its main(): its
    generator query(r) -> SQL is the interface used here."""
    path = os.path.join(CHECK, "fuzz.py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    tree.body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call))]
    mod = types.ModuleType("fuzz")
    mod.__file__ = path
    exec(compile(tree, path, "exec"), mod.__dict__)
    if not callable(getattr(mod, "query", None)):
        raise SystemExit("test/check/fuzz.py has no query(r) generator")
    return mod


class Stats:
    """Counts shared by the workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.run = collections.Counter()
        self.errors = collections.defaultdict(collections.Counter)
        self.examples = {}
        self.deaths = []
        self.cancel_latency = []
        self.memory = collections.defaultdict(list)    # (kind, pid) -> [(t, rss_anon_kb, contexts_bytes)]

    def error(self, kind, e, sql):
        with self.lock:
            self.errors[kind][e.pgcode] += 1
            key = (kind, e.pgcode)
            if key not in self.examples:
                self.examples[key] = "%s -- %s" % ((e.pgerror or str(e)).strip().splitlines()[0], sql[:200])


def rss_anon(pid):
    """Private memory of a process in kB (RssAnon of /proc/pid/status)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Worker(threading.Thread):
    """One long-lived session doing one kind of work until the deadline."""

    def __init__(self, kind, index, stats, deadline, setup):
        super().__init__(daemon=True)
        self.kind, self.index, self.stats, self.deadline, self.setup = kind, index, stats, deadline, setup
        self.rng = random.Random(SEED * 100 + index)
        self.conn = self.pid = None
        self.last_context_probe = 0

    def open(self):
        self.conn = connect(DB)
        cur = self.conn.cursor()
        for s in self.setup:
            cur.execute(s)
        cur.execute("SELECT pg_backend_pid()")
        self.pid = cur.fetchone()[0]
        return cur

    def statement(self, cur, sql, args=None):
        """Run one statement; False when the backend died."""
        try:
            cur.execute(sql, args)
            if cur.description is not None:
                cur.fetchall()
            with self.stats.lock:
                self.stats.run[self.kind] += 1
            return True
        except psycopg2.Error as e:
            if self.conn.closed or e.pgcode is None:
                with self.stats.lock:
                    self.stats.run[self.kind] += 1
                    self.stats.deaths.append("%s session (pid %s): %s -- %s" % (self.kind, self.pid, e, sql[:200]))
                return False
            with self.stats.lock:
                self.stats.run[self.kind] += 1
            self.stats.error(self.kind, e, sql)
            return True

    def probe_memory(self, cur):
        """Every SAMPLE_EVERY seconds: this backend's RssAnon and memory contexts."""
        now = time.time()
        if now - self.last_context_probe < SAMPLE_EVERY:
            return
        self.last_context_probe = now
        try:
            cur.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            ctx = int(cur.fetchone()[0])
        except psycopg2.Error:
            return
        self.stats.memory[(self.kind, self.index, self.pid)].append((now, rss_anon(self.pid), ctx))

    def run(self):
        cur = self.open()
        while time.time() < self.deadline:
            alive = self.step(cur)
            if not alive:
                cur = self.open()
                continue
            self.probe_memory(cur)
        try:
            self.conn.close()
        except psycopg2.Error:
            pass


class Snapshot(Worker):
    """Snapshots of 64-dimensional sources (the history of a long soak stays
    small), at most a few per second, each session with labels of its own."""
    SOURCES = [("soak_pairs", "snap_pairs", "image_column => 'image', text_column => 'text'"),
               ("soak_items", "snap_items", "embedding_column => 'embedding', modality_column => 'modality'"),
               ("soak_images", "snap_items", "embedding_column => 'embedding'")]

    def step(self, cur):
        label, source, args = self.SOURCES[self.rng.randrange(len(self.SOURCES))]
        time.sleep(self.rng.uniform(0, 0.5))
        return self.statement(cur, "SELECT topembed.snapshot(%%s, %%s, %s, sample => %%s)" % args,
                              ("%s_%d" % (label, self.index), source, self.rng.choice([100, 200, 300])))


class Adhoc(Worker):
    def step(self, cur):
        r = self.rng
        lo = r.randrange(0, 400)
        hi = lo + r.randrange(20, 200)
        t = r.choice(["real[]", "float8[]"])
        queries = [
            "SELECT topembed.modality_gap(image::%s, text::%s) FROM pairs WHERE pair_id BETWEEN %d AND %d" % (t, t, lo, hi),
            "SELECT topembed.modality_gap(embedding, modality = 'image') FROM items WHERE pair_id BETWEEN %d AND %d"
            % (lo, hi),
            "SELECT topembed.spectral_collapse(embedding::%s) FROM items WHERE pair_id BETWEEN %d AND %d" % (t, lo, hi),
            "SELECT topembed.spectrum(topembed.moments(image)) FROM pairs WHERE random() < 0.5",
            "SELECT topembed.persistence(embedding, %d, '%s', NULL, %d) FROM items WHERE modality = 'text'"
            % (r.choice([0, 1]), r.choice(["cosine", "angular", "euclidean"]), r.choice([50, 100, 200])),
            "SELECT topembed.pca_project(p.image, m.s, 3) FROM pairs p, (SELECT topembed.moments(text) s FROM pairs) m "
            "WHERE p.pair_id BETWEEN %d AND %d" % (lo, lo + 20),
            "SELECT topembed.bottleneck_distance(a.d, b.d, 1), topembed.wasserstein_distance(a.d, b.d, 1, 2), "
            "topembed.betti_curve(a.d, 1, '{0.1,0.2,0.3,0.4}'), topembed.persistence_landscape(a.d, 1, 2, "
            "'{0.1,0.2,0.3,0.4}') FROM (SELECT topembed.persistence(image, 1, 'cosine', NULL, 120) d FROM pairs "
            "WHERE pair_id < %d) a, (SELECT topembed.persistence(text, 1, 'cosine', NULL, 120) d FROM pairs) b" % hi,
            "SELECT length(topembed.diagram_svg(topembed.persistence(image, 1, 'cosine', NULL, 80))) FROM pairs",
        ]
        return self.statement(cur, r.choice(queries))


class Cancel(Worker):
    """A persistence run far longer than the delay, cancelled."""
    LONG = "SELECT topembed.persistence(embedding, 1, 'cosine', NULL, 5000) FROM big"

    def __init__(self, *a):
        super().__init__(*a)
        self.control = connect(DB)

    def step(self, cur):
        delay = self.rng.uniform(0.2, 1.5)
        if self.rng.random() < 0.5:
            cur.execute("SET statement_timeout = %s", (int(delay * 1000),))
            t0 = time.time()
            alive = self.statement(cur, self.LONG)
            latency = time.time() - t0 - delay
            if alive:
                cur.execute("RESET statement_timeout")
        else:
            timer = threading.Timer(delay, lambda: self.control.cursor().execute("SELECT pg_cancel_backend(%s)",
                                                                                 (self.pid,)))
            t0 = time.time()
            timer.start()
            alive = self.statement(cur, self.LONG)
            latency = time.time() - t0 - delay
            timer.join()
        with self.stats.lock:
            self.stats.cancel_latency.append(latency)
        return alive


class Fuzz(Worker):
    fuzz = None

    def step(self, cur):
        return self.statement(cur, Fuzz.fuzz.query(self.rng))


class Merge(Worker):
    def step(self, cur):
        r = self.rng
        day = r.randrange(0, 60)
        if r.random() < 0.5:
            # one sketch per day: the day's rollup is replaced
            return self.statement(cur, """
                WITH gone AS (DELETE FROM rollup WHERE day = %s)
                INSERT INTO rollup SELECT %s, topembed.moments(image), topembed.moments(text),
                                          topembed.gap_state(image, text)
                FROM pairs WHERE random() < 0.3""", (day, day))
        lo = r.randrange(0, 50)
        return self.statement(cur, """
            SELECT topembed.spectrum(topembed.moments(mi)), topembed.n(topembed.moments(mt)),
                   topembed.modality_gap(g), topembed.spectrum(topembed.moments(mi)::text::topembed.moments)
            FROM rollup WHERE day BETWEEN %s AND %s""", (lo, lo + r.randrange(1, 15)))


def prepare():
    conn = fresh_db(DB)
    cur = conn.cursor()
    path = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    if os.path.exists(path):
        load_csv(conn, "items", path)
        source = "the shared CLIP data"
    else:
        cur.execute("""CREATE TABLE items AS SELECT pair_id, m.modality,
                              CASE m.modality WHEN 'image' THEN image ELSE text END AS embedding
                       FROM topembed.synthetic_pairs(500, 128, 0.7, 3), (VALUES ('image'), ('text')) m(modality)""")
        source = "synthetic pairs"
    cur.execute("""CREATE TABLE pairs AS SELECT i.pair_id, i.embedding AS image, t.embedding AS text
                   FROM items i JOIN items t USING (pair_id) WHERE i.modality = 'image' AND t.modality = 'text'""")
    cur.execute("CREATE TABLE images AS SELECT pair_id, embedding FROM items WHERE modality = 'image'")
    cur.execute("CREATE TABLE snap_pairs AS SELECT * FROM topembed.synthetic_pairs(800, 64, 0.7, 4)")
    cur.execute("""CREATE TABLE snap_items AS SELECT pair_id, m.modality,
                          CASE m.modality WHEN 'image' THEN image ELSE text END AS embedding
                   FROM topembed.synthetic_pairs(600, 64, 0.6, 5), (VALUES ('image'), ('text')) m(modality)""")
    cur.execute("CREATE TABLE big AS SELECT pair_id, image AS embedding FROM topembed.synthetic_pairs(20000, 64, 0.7, 2)")
    cur.execute("CREATE TABLE rollup (day int, mi topembed.moments, mt topembed.moments, g topembed.gap_state)")
    cur.execute("ANALYZE")
    conn.close()
    return source


def report_memory(stats):
    """Lines on the memory of each long-lived backend, and the largest growth."""
    lines, worst = [], (0, None)
    for (kind, index, pid), series in sorted(stats.memory.items()):
        series = [s for s in series if s[1] is not None]
        if len(series) < 3:
            continue
        t0 = series[0][0]
        warm = [s for s in series if s[0] - t0 >= min(60, 0.2 * MINUTES * 60)] or series
        first, last = warm[0], series[-1]
        minutes = max((last[0] - first[0]) / 60, 1e-9)
        grow = (last[1] - first[1]) / 1024
        peak = max(s[1] for s in series) / 1024
        cgrow = (last[2] - first[2]) / 1048576
        lines.append("%-8s #%d pid %-7d RssAnon %6.1f -> %6.1f MB (peak %6.1f), after warm-up %+6.1f MB "
                     "(%+.2f MB/min); memory contexts %5.1f -> %5.1f MB (%+.1f)"
                     % (kind, index, pid, series[0][1] / 1024, last[1] / 1024, peak, grow, grow / minutes,
                        series[0][2] / 1048576, last[2] / 1048576, cgrow))
        if grow > worst[0]:
            worst = (grow, "%s #%d" % (kind, index))
    return lines, worst


def main():
    source = prepare()
    Fuzz.fuzz = load_fuzz()
    stats = Stats()
    crashes_before = backend_crashes()
    start = time.time()
    deadline = start + MINUTES * 60
    plan = [(Snapshot, "snapshot", ["SET max_parallel_workers_per_gather = 0"]),
            (Snapshot, "snapshot", []),
            (Adhoc, "adhoc", []), (Adhoc, "adhoc", ["SET max_parallel_workers_per_gather = 0"]),
            (Cancel, "cancel", []),
            (Fuzz, "fuzz", ["SET statement_timeout = '5s'"]),
            (Merge, "merge", [])]
    workers = [cls(kind, i, stats, deadline, setup) for i, (cls, kind, setup) in enumerate(plan)]
    print("soak: %.1f minutes, %d sessions (%s) on %s, seed %d" % (MINUTES, len(workers),
          ", ".join(w.kind for w in workers), source, SEED), flush=True)
    for w in workers:
        w.start()
    while any(w.is_alive() for w in workers):
        time.sleep(15)
        with stats.lock:
            print("  %4.0f s: %d statements, %d errors, %d deaths" % (
                time.time() - start, sum(stats.run.values()),
                sum(sum(c.values()) for c in stats.errors.values()), len(stats.deaths)), flush=True)
    elapsed = time.time() - start

    failures = []
    print("\nstatements run in %.1f minutes:" % (elapsed / 60))
    for kind in EXPECTED:
        errs = stats.errors.get(kind, {})
        print("  %-8s %7d statements, errors by SQLSTATE: %s" % (
            kind, stats.run[kind], ", ".join("%s %d" % kv for kv in sorted(errs.items())) or "none"))
        for code in sorted(errs):
            unexpected = code.startswith("XX") or (EXPECTED[kind] is not None and code not in EXPECTED[kind])
            if unexpected:
                failures.append("%s: unexpected %s (%d): %s" % (kind, code, errs[code], stats.examples[(kind, code)]))
    print("  total    %7d statements" % sum(stats.run.values()))
    lat = sorted(stats.cancel_latency)
    if lat:
        print("cancel latency after the cancel or timeout: median %.3f s, max %.3f s over %d cancels"
              % (lat[len(lat) // 2], lat[-1], len(lat)))
    deaths = len(stats.deaths) + (backend_crashes() - crashes_before)
    print("backend deaths: %d" % deaths)
    for d in stats.deaths[:10]:
        print("  " + d)
    if deaths:
        failures.append("%d backend deaths" % deaths)
    lines, worst = report_memory(stats)
    print("memory of the long-lived backends (sampled every %.0f s):" % SAMPLE_EVERY)
    for line in lines:
        print("  " + line)
    if worst[1]:
        print("largest growth after warm-up: %+.1f MB (%s)" % worst)
    conn = connect(DB)
    problems = historylib.integrity_problems(conn.cursor())
    print("history: %s; %s" % (historylib.summary(conn.cursor()), "intact" if not problems else "BROKEN"))
    for p in problems[:20]:
        print("  " + p)
    if problems:
        failures.append("the history is broken (%d problems)" % len(problems))
    conn.close()
    print()
    if failures:
        print("SOAK FAILED:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("soak passed: no backend death, no unexpected error class, history intact")


main()
