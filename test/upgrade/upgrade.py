"""The driver of test/cluster/upgrade.sh: a database of an earlier release
(TE_UP_FROM: 0.1.0 or 0.2.0; "0.1.0" below) with real history, updated to the
current version.  Two phases, run by the harness around the
replacement of the shared library:

  upgrade.py fill STATE    with release 0.1.0's library and SQL: history of
                           the shared CLIP data, sketches in a user table;
                           what 0.1.0 reads from them goes to STATE (JSON)
  upgrade.py check STATE   with the new library: every 0.1.0 function still
                           works, ALTER EXTENSION UPDATE (while a scheduled
                           snapshot loop runs), nothing stored changed, old
                           and new names agree, new snapshots drift against
                           old runs, and the catalogue equals a fresh install

Prints TAP lines.  Uses the libpq environment of the harness's cluster, and
TE_UP_LIBFILE (the installed topembed.so), TE_PGBIN.
"""
import collections
import difflib
import io
import json
import math
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "check"))

import psycopg2  # noqa: E402

import historylib  # noqa: E402
from telib import DATA, connect, done, load_csv, ok  # noqa: E402

DB = "te_upgrade"
FRESH = "te_upgrade_fresh"
PGBIN = os.environ.get("TE_PGBIN", "/usr/lib/postgresql/15/bin")

# the snapshots that make the 0.1.0 history: (label, source, arguments);
# "do" statements change the sources between them, so that drift has values
HISTORY = [
    ("snap", "paired", "app.pairs", "image_column => 'image', text_column => 'text', sample => 200"),
    ("snap", "modality", "app.clip", "embedding_column => 'embedding', modality_column => 'modality', sample => 200"),
    ("snap", "single", "app.images", "embedding_column => 'embedding', sample => 200"),
    ("snap", "models", "app.cloob", "embedding_column => 'embedding', modality_column => 'modality', sample => 100"),
    ("do", "INSERT INTO app.pairs SELECT i.pair_id, i.embedding, t.embedding FROM app.clip i JOIN app.clip t "
     "USING (pair_id) WHERE i.modality = 'image' AND t.modality = 'text' AND i.pair_id >= 400"),
    ("snap", "paired", "app.pairs", "image_column => 'image', text_column => 'text', sample => 200"),
    ("snap", "modality", "app.clip", "embedding_column => 'embedding', modality_column => 'modality', sample => 200"),
    ("snap", "models", "app.clipm", "embedding_column => 'embedding', modality_column => 'modality', sample => 100"),
    ("do", "DELETE FROM app.images WHERE pair_id >= 250"),
    ("snap", "single", "app.images", "embedding_column => 'embedding', sample => 200"),
    ("snap", "paired", "app.pairs", "image_column => 'image', text_column => 'text', sample => 200"),
]

# reads of stored values: by the 0.1.0 library when stored, by the new one
# before and after the update
STORED_READS = [
    ("sketches of app.rollup: n, dim, mean, spectrum",
     "SELECT part, topembed.n(mi), topembed.dim(mi), topembed.mean(mi), topembed.spectrum(mi), topembed.spectrum(mt) "
     "FROM app.rollup ORDER BY part"),
    ("sketches of app.rollup merged", "SELECT topembed.spectrum(topembed.moments(mi)) FROM app.rollup"),
    ("gap states of app.rollup", "SELECT part, topembed.modality_gap(g) FROM app.rollup GROUP BY part ORDER BY part"),
    ("gap states of app.rollup merged", "SELECT topembed.modality_gap(g) FROM app.rollup"),
    ("gap from the normalised sketches of app.rollup",
     "SELECT part, topembed.modality_gap(ni, nt) FROM app.rollup ORDER BY part"),
    ("diagrams of app.rollup",
     "SELECT a.part, a.d, topembed.betti_numbers(a.d, 0.3), topembed.total_persistence(a.d, 1), "
     "topembed.bottleneck_distance(a.d, b.d, 1) FROM app.rollup a JOIN app.rollup b ON b.part = (a.part + 1) % 4 "
     "ORDER BY 1"),
    ("composites stored in app.rollup", "SELECT part, s, gs FROM app.rollup ORDER BY part"),
    ("a user's view of the bars of the history (p.dim in 0.1.0, p.hdim after)",
     "SELECT * FROM app.bars WHERE run_id <= (SELECT last_run FROM app.filled) ORDER BY 1, 2, 3, 4, 5"),
    ("a user's view of topembed.diagram_history (its column dim in 0.1.0, hdim after)",
     "SELECT * FROM app.h1_history WHERE run_id <= (SELECT last_run FROM app.filled) ORDER BY 1, 2"),
    ("sketches in topembed.run_spectra",
     "SELECT run_id, modality, topembed.spectrum(sketch) FROM topembed.run_spectra "
     "WHERE run_id <= (SELECT last_run FROM app.filled) ORDER BY 1, 2"),
    ("gap states in topembed.run_gap",
     "SELECT run_id, topembed.modality_gap(state) FROM topembed.run_gap "
     "WHERE run_id <= (SELECT last_run FROM app.filled) GROUP BY run_id ORDER BY 1"),
    ("diagrams in topembed.run_diagrams",
     "SELECT run_id, modality, topembed.total_persistence(diagram, 0), topembed.persistence_entropy(diagram, 1), "
     "topembed.betti_numbers(diagram, 0.25) FROM topembed.run_diagrams "
     "WHERE run_id <= (SELECT last_run FROM app.filled) ORDER BY 1, 2"),
]

# the sessions run with a serial plan, so that sums do not depend on how
# many parallel workers were free
SESSION = "SET max_parallel_workers_per_gather = 0"


# ---------------------------------------------------------------- helpers

def as_rows(cur, sql):
    """The rows of the last statement of sql as lists of JSON values (nested
    composites as dicts keyed by attribute name)."""
    parts = [p.strip() for p in sql.split(";") if p.strip()]
    for p in parts[:-1]:
        cur.execute(p)
    cur.execute("SELECT json_agg(row_to_json(q))::text FROM (%s) q" % parts[-1])
    text = cur.fetchone()[0]
    rows = json.loads(text, object_pairs_hook=Pairs) if text else []
    return [[plain(v) for _, v in r] for r in rows]


class Pairs(list):
    """A JSON object as its (key, value) pairs: the columns of a row may share
    a name (two calls of one function)."""


def plain(v):
    """Nested JSON with composites as dicts."""
    if isinstance(v, Pairs):
        return {k: plain(x) for k, x in v}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def reset(cur):
    cur.execute("RESET ALL")
    cur.execute(SESSION)


def field_map():
    """Attribute renames: old name -> new name."""
    return {old.split(".")[-1]: new for kind, old, new in RENAMES if kind == "attribute"}


def differences(a, b, tol=0.0, path="", out=None, fields=None):
    """Where b does not give what a gave: b may have extra fields, fields of a
    renamed attribute, and (with tol) floats within a relative tol."""
    out = [] if out is None else out
    fields = field_map() if fields is None else fields
    if len(out) > 20:
        return out
    if isinstance(a, dict):
        if not isinstance(b, dict):
            out.append("%s: %r became %r" % (path, a, b))
            return out
        for k, v in a.items():
            k2 = k if k in b else fields.get(k)
            if k2 not in b:
                out.append("%s.%s: the field is gone" % (path, k))
            else:
                differences(v, b[k2], tol, "%s.%s" % (path, k), out, fields)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            out.append("%s: %s became %s" % (path, short(a), short(b)))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                differences(x, y, tol, "%s[%d]" % (path, i), out, fields)
    elif isinstance(a, float) and isinstance(b, (int, float)) and tol > 0:
        if not (a == b or abs(a - b) <= tol * max(1.0, abs(a), abs(b))):
            out.append("%s: %r became %r" % (path, a, b))
    elif a != b:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b):
            return out
        out.append("%s: %s became %s" % (path, short(a), short(b)))
    return out


def short(v):
    s = json.dumps(v)
    return s if len(s) < 120 else s[:117] + "..."


def read_list(name):
    """Non-comment lines of a file beside this one."""
    with open(os.path.join(HERE, name)) as f:
        return [line.rstrip("\n") for line in f if line.strip() and not line.lstrip().startswith("#")]


# the release the test updates from (test/cluster/upgrade.sh sets it), and the
# releases after it: a release's renames are in renames-<version>.txt (0.2.0's
# in renames.txt), the sample calls of the functions it added in
# calls-<version>.txt (0.1.0's in calls.txt)
FROM = os.environ.get("TE_UP_FROM", "0.1.0")
RELEASES = ["0.1.0", "0.2.0", "0.3.0"]
if FROM not in RELEASES[:-1]:
    raise SystemExit("TE_UP_FROM=%s is not a release this test knows (%s)" % (FROM, ", ".join(RELEASES[:-1])))
CALL_FILES = ["calls.txt" if v == "0.1.0" else "calls-%s.txt" % v for v in RELEASES[:RELEASES.index(FROM) + 1]]
RENAME_FILES = [n for n in ("renames.txt" if v == "0.2.0" else "renames-%s.txt" % v
                            for v in RELEASES[RELEASES.index(FROM) + 1:])
                if os.path.exists(os.path.join(HERE, n))]
RENAMES = [tuple(line.split()) for name in RENAME_FILES for line in read_list(name)]


def calls():
    """signature -> SQL of the calls files of FROM and the releases before it."""
    out = {}
    for name in CALL_FILES:
        for line in read_list(name):
            sig, _, sql = line.partition(" | ")
            if sig.strip() in out:
                raise SystemExit("%s names %s twice" % (" and ".join(CALL_FILES), sig.strip()))
            out[sig.strip()] = sql.strip()
    return out


def member_functions(cur):
    """signature -> (is a support function of an aggregate or a type, or a
    trigger function) of every function of the extension."""
    cur.execute("SET search_path = pg_catalog")
    cur.execute("""
        SELECT p.oid::regprocedure::text,
               EXISTS (SELECT 1 FROM pg_aggregate a
                       WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn))
               OR EXISTS (SELECT 1 FROM pg_type t
                          WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend))
               OR p.prorettype = 'trigger'::regtype
        FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
        WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
          AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed')
        ORDER BY 1""")
    out = dict(cur.fetchall())
    cur.execute("RESET search_path")
    return out


def run_call(cur, sql, name=None, types=False):
    """Rows of one sample call; name replaces @F@, types applies type renames."""
    if name is not None:
        sql = sql.replace("@F@", name)
    if types:
        for kind, old, new in RENAMES:
            if kind == "type":
                sql = re.sub(r"\b%s\b" % re.escape(old), new, sql)
    try:
        if sql.startswith("copy-binary:"):
            out_sql, _, read_sql = sql[len("copy-binary:"):].partition("||")
            cur.execute("DROP TABLE IF EXISTS pg_temp.upgrade_copy")
            cur.execute("CREATE TEMP TABLE upgrade_copy AS %s WITH NO DATA" % out_sql.strip())
            buf = io.BytesIO()
            cur.copy_expert("COPY (%s) TO STDOUT (FORMAT binary)" % out_sql.strip(), buf)
            buf.seek(0)
            cur.copy_expert("COPY upgrade_copy FROM STDIN (FORMAT binary)", buf)
            return as_rows(cur, read_sql.strip().replace("@T@", "pg_temp.upgrade_copy"))
        if sql.startswith("via:"):
            sql = sql[len("via:"):].strip()
        return as_rows(cur, sql)
    finally:
        reset(cur)


def history_tables(cur):
    """(table, primary key columns, columns of the extension's base types) of
    every table registered for pg_dump."""
    cur.execute("""
        SELECT c.oid::regclass::text,
               (SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_index i,
                       unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid AND i.indisprimary),
               (SELECT coalesce(array_agg(a.attname), '{}') FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND t.typtype = 'b' AND t.typnamespace = 'topembed'::regnamespace)
        FROM pg_extension e, unnest(e.extconfig) x(oid) JOIN pg_class c ON c.oid = x.oid
        WHERE e.extname = 'topembed' AND c.relkind = 'r'
        ORDER BY 1""")
    return cur.fetchall()


def history_rows(cur, tables):
    """table -> {primary key text: row as dict}."""
    out = {}
    for table, key, _ in tables:
        cur.execute("SELECT json_agg(row_to_json(t))::text FROM %s t" % table)
        text = cur.fetchone()[0]
        rows = json.loads(text) if text else []
        out[table] = {json.dumps([r[k] for k in key]): r for r in rows}
    return out


def compare_history(before, after, skip_columns=None, tol=0.0):
    """Problems: rows of before missing or changed in after."""
    problems = []
    for table, rows in before.items():
        now = after.get(table)
        if now is None:
            problems.append("table %s is gone" % table)
            continue
        skip = (skip_columns or {}).get(table, [])
        for key, row in rows.items():
            if key not in now:
                problems.append("%s row %s is gone" % (table, key))
                continue
            old = {k: v for k, v in row.items() if k not in skip}
            problems += ["%s row %s: %s" % (table, key, d) for d in differences(old, now[key], tol)]
    return problems


def detail(items, n=15):
    items = list(items)
    return "\n".join(items[:n] + (["... and %d more" % (len(items) - n)] if len(items) > n else []))


# ---------------------------------------------------------------- phase 1

def fill(state_path):
    admin = connect()
    admin.cursor().execute("DROP DATABASE IF EXISTS %s" % DB)
    admin.cursor().execute("CREATE DATABASE %s" % DB)
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION topembed VERSION '%s'" % FROM)
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
    ok(cur.fetchone()[0] == FROM, "CREATE EXTENSION topembed VERSION '%s' from release %s's script" % (FROM, FROM))
    cur.execute(SESSION)

    cur.execute("CREATE SCHEMA app")
    load_csv(conn, "app.clip", os.path.join(DATA, "mscoco_clip_vitb16.csv"))
    load_csv(conn, "app.models", os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
    pairs = ("SELECT i.pair_id, i.embedding AS image, t.embedding AS text FROM app.clip i JOIN app.clip t "
             "USING (pair_id) WHERE i.modality = 'image' AND t.modality = 'text'")
    cur.execute("CREATE TABLE app.pairs AS %s AND i.pair_id < 400" % pairs)
    cur.execute("CREATE TABLE app.small AS %s AND i.pair_id < 100" % pairs)
    cur.execute("CREATE TABLE app.images AS SELECT pair_id, embedding FROM app.clip WHERE modality = 'image' "
                "AND pair_id < 300")
    for table, model in (("app.cloob", "CLOOB"), ("app.clipm", "CLIP")):
        cur.execute("CREATE TABLE %s AS SELECT pair_id, modality, embedding FROM app.models WHERE model = %%s"
                    % table, (model,))
    cur.execute("INSERT INTO topembed.drift_thresholds VALUES ('paired', 'gap', 0.001), ('*', 'rankme', 0.0001)")

    runs = []
    for step in HISTORY:
        if step[0] == "do":
            cur.execute(step[1])
            continue
        _, label, source, args = step
        cur.execute("SELECT topembed.snapshot(%%s, %%s, %s)" % args, (label, source))
        runs.append(cur.fetchone()[0])
    ok(len(runs) == len([s for s in HISTORY if s[0] == "snap"]),
       "%d snapshots of the shared CLIP data in four labels (paired, modality-column and single shapes)" % len(runs))
    cur.execute("SELECT count(*), count(*) FILTER (WHERE flagged) FROM topembed.drift")
    nd, nf = cur.fetchone()
    ok(nd > 0 and nf > 0, "the %s history has drift rows (%d, %d flagged)" % (FROM, nd, nf))
    historylib.check(cur, "filling the %s history" % FROM)
    cur.execute("CREATE TABLE app.filled AS SELECT max(run_id) AS last_run FROM topembed.runs")

    cur.execute("""
        CREATE TABLE app.rollup AS
        SELECT pair_id % 4 AS part,
               topembed.moments(image) AS mi, topembed.moments(text) AS mt,
               topembed.moments(topembed.l2_normalize(image)) AS ni,
               topembed.moments(topembed.l2_normalize(text)) AS nt,
               topembed.gap_state(image, text) AS g,
               topembed.persistence(image, 1, 'cosine', NULL, 100) AS d
        FROM app.pairs GROUP BY 1""")
    # a user's views that read the homology dimension by its name of the
    # release (0.1.0's dim): 0.2.0's rename to hdim must leave them working
    hdim = "dim" if FROM == "0.1.0" else "hdim"
    cur.execute("CREATE VIEW app.bars AS SELECT r.run_id, r.modality, p.%s, p.birth, p.death "
                "FROM topembed.run_diagrams r, unnest(r.diagram) p" % hdim)
    cur.execute("CREATE VIEW app.h1_history AS SELECT run_id, modality, count(*) AS h1 "
                "FROM topembed.diagram_history WHERE %s = 1 GROUP BY 1, 2" % hdim)
    cur.execute("ALTER TABLE app.rollup ADD COLUMN s topembed.spectrum_stats, ADD COLUMN gs topembed.gap_stats")
    cur.execute("UPDATE app.rollup SET s = topembed.spectrum(mi), gs = topembed.gap_finalfn(g)")

    state = {"functions": member_functions(cur), "runs": runs}
    reads = {}
    for name, sql in STORED_READS:
        reads[name] = as_rows(cur, sql)
    state["reads"] = reads
    # the text and binary forms that 0.1.0 writes
    cur.execute("SELECT part, mi::text, g::text FROM app.rollup ORDER BY part")
    state["text_forms"] = cur.fetchall()
    buf = io.BytesIO()
    cur.copy_expert("COPY (SELECT part, mi, g FROM app.rollup ORDER BY part) TO STDOUT (FORMAT binary)", buf)
    state["binary_forms"] = buf.getvalue().hex()
    tables = history_tables(cur)
    state["tables"] = tables
    state["history"] = history_rows(cur, tables)
    with open(state_path, "w") as f:
        json.dump(state, f)
    conn.close()
    done()


# ---------------------------------------------------------------- phase 2

def library_loaded(cur):
    """(path, inode) of the topembed.so mapped by this backend."""
    cur.execute("SELECT topembed.l2_normalize('{3,4}'::real[])")
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5].endswith("/topembed.so"):
                return parts[5], int(parts[4])
    return None, None


def schedule(stop, outcomes):
    """A cron-like loop of snapshots until stop is set."""
    try:
        c = connect(DB)
    except psycopg2.Error as e:
        outcomes.append(("connect", str(e)))
        return
    k = c.cursor()
    while not stop.is_set():
        try:
            k.execute("SELECT topembed.snapshot('scheduled', 'app.small', image_column => 'image', "
                      "text_column => 'text', sample => 50)")
            k.execute("SELECT extension_version FROM topembed.runs WHERE run_id = %s", (k.fetchone()[0],))
            outcomes.append(("ok", k.fetchone()[0]))
        except psycopg2.Error as e:
            if c.closed:
                outcomes.append(("lost", str(e)))
                return
            outcomes.append((e.pgcode, e.pgerror.strip().splitlines()[0] if e.pgerror else str(e)))
        time.sleep(0.05)
    c.close()


def update(cur):
    """ALTER EXTENSION topembed UPDATE while scheduled snapshots run."""
    stop, outcomes = threading.Event(), []
    t = threading.Thread(target=schedule, args=(stop, outcomes))
    t.start()
    deadline = time.time() + 120
    while not any(o[0] == "ok" for o in outcomes) and t.is_alive() and time.time() < deadline:
        time.sleep(0.1)
    err = None
    for attempt in range(5):
        try:
            cur.execute("ALTER EXTENSION topembed UPDATE")
            err = None
            break
        except psycopg2.errors.DeadlockDetected as e:
            err = e   # the scheduled snapshot won the lock race; retry as a user would
            time.sleep(0.5)
        except psycopg2.Error as e:
            err = e
            break
    # a snapshot that began before the update may finish after it, still
    # recording 0.1.0: wait for one that the updated extension recorded
    while (not any(o[0] == "ok" and o[1] != FROM for o in outcomes)
           and t.is_alive() and time.time() < deadline):
        time.sleep(0.1)
    stop.set()
    t.join()
    return err, outcomes


def catalog_facts(dbname):
    """What pg_dump of a detached copy cannot show: the extension's row, its
    members, the tables registered for pg_dump, the initial privileges."""
    conn = connect(dbname)
    cur = conn.cursor()
    cur.execute("SET search_path = pg_catalog")
    facts = {}
    cur.execute("""SELECT extname, extowner::regrole::text, extnamespace::regnamespace::text, extrelocatable,
                          extversion FROM pg_extension WHERE extname = 'topembed'""")
    facts["extension"] = [list(r) for r in cur.fetchall()]
    members = """SELECT classid, objid FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
                 AND deptype = 'e' AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed')"""
    cur.execute("SELECT pg_describe_object(classid, objid, 0) FROM (%s) m ORDER BY 1" % members)
    facts["members"] = [r[0] for r in cur.fetchall()]
    cur.execute("""SELECT c::regclass::text, coalesce(w, '') FROM pg_extension e,
                          unnest(e.extconfig, e.extcondition) u(c, w)
                   WHERE e.extname = 'topembed' ORDER BY 1""")
    facts["config_dump"] = [list(r) for r in cur.fetchall()]
    cur.execute("""SELECT pg_describe_object(p.classoid, p.objoid, p.objsubid), p.privtype::text, p.initprivs::text
                   FROM pg_init_privs p WHERE (p.classoid, p.objoid) IN (%s) ORDER BY 1, 2""" % members)
    facts["init_privs"] = [list(r) for r in cur.fetchall()]
    conn.close()
    return facts


def clone(src, dst):
    """CREATE DATABASE dst TEMPLATE src (retrying while autovacuum is on src)."""
    admin = connect()
    cur = admin.cursor()
    cur.execute('DROP DATABASE IF EXISTS "%s"' % dst)
    for attempt in range(30):
        try:
            cur.execute('CREATE DATABASE "%s" TEMPLATE "%s"' % (dst, src))
            break
        except psycopg2.errors.ObjectInUse:
            time.sleep(1)
    else:
        raise RuntimeError("database %s stays in use" % src)
    admin.close()


def detach(dbname):
    """Turn the extension's members into ordinary objects (a scratch copy only)."""
    conn = connect(dbname)
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("SELECT oid FROM pg_extension WHERE extname = 'topembed'")
    ext = cur.fetchone()[0]
    cur.execute("""DELETE FROM pg_init_privs p USING pg_depend d
                   WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = %s AND d.deptype = 'e'
                     AND p.classoid = d.classid AND p.objoid = d.objid""", (ext,))
    cur.execute("DELETE FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND refobjid = %s", (ext,))
    cur.execute("DELETE FROM pg_depend WHERE classid = 'pg_extension'::regclass AND objid = %s", (ext,))
    cur.execute("DELETE FROM pg_extension WHERE oid = %s", (ext,))
    conn.commit()
    conn.close()


def dump(dbname):
    """pg_dump --schema-only of everything but the user's schema app, as a
    sorted list of its TOC entries."""
    r = subprocess.run([os.path.join(PGBIN, "pg_dump"), "--schema-only", "--exclude-schema=app", "-d", dbname],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("pg_dump %s: %s" % (dbname, r.stderr))
    # (pg_dump 15.14 and later fence the script with \restrict KEY, a random key)
    text = "\n".join(line for line in r.stdout.splitlines()
                     if not line.startswith(("-- Dumped ", "\\restrict ", "\\unrestrict ")))
    blocks = re.split(r"\n(?=--\n-- (?:Name|Data for Name): )", text)
    return sorted(b.strip() + "\n" for b in blocks if b.strip())


def dump_diff(a, b, fa, fb):
    return list(difflib.unified_diff("".join(a).splitlines(), "".join(b).splitlines(), fa, fb, lineterm="", n=2))


def detached_dump(src):
    scratch = src + "_detached"
    clone(src, scratch)
    detach(scratch)
    return scratch, dump(scratch)


def negative_control(scratch, base):
    """The comparison sees changes of every kind of object: mutate a detached
    fresh copy and find each change among the dump's changed entries."""
    conn = connect(scratch)
    cur = conn.cursor()
    cur.execute("SET search_path = pg_catalog")
    picks = [
        ("a function's search_path",
         "SELECT p.oid::regprocedure::text, proname FROM pg_proc p WHERE pronamespace = 'topembed'::regnamespace "
         "AND prokind = 'f' AND proconfig IS NOT NULL ORDER BY 1 LIMIT 1", "ALTER FUNCTION {0} RESET ALL"),
        ("a function's volatility",
         "SELECT p.oid::regprocedure::text, proname FROM pg_proc p WHERE pronamespace = 'topembed'::regnamespace "
         "AND prokind = 'f' AND provolatile = 'i' AND proconfig IS NULL ORDER BY 1 LIMIT 1",
         "ALTER FUNCTION {0} STABLE"),
        ("a function's parallel safety",
         "SELECT p.oid::regprocedure::text, proname FROM pg_proc p WHERE pronamespace = 'topembed'::regnamespace "
         "AND prokind = 'f' AND proparallel = 's' ORDER BY 1 DESC LIMIT 1",
         "ALTER FUNCTION {0} PARALLEL RESTRICTED"),
        ("a function's strictness",
         "SELECT p.oid::regprocedure::text, proname FROM pg_proc p WHERE pronamespace = 'topembed'::regnamespace "
         "AND prokind = 'f' AND proisstrict AND prorettype <> 'cstring'::regtype ORDER BY 1 LIMIT 1 OFFSET 1",
         "ALTER FUNCTION {0} CALLED ON NULL INPUT"),
        ("an aggregate's comment",
         "SELECT p.oid::regprocedure::text, proname FROM pg_proc p WHERE pronamespace = 'topembed'::regnamespace "
         "AND prokind = 'a' ORDER BY 1 LIMIT 1", "COMMENT ON AGGREGATE {0} IS 'changed'"),
        ("a view's grants",
         "SELECT c.oid::regclass::text, relname FROM pg_class c WHERE relnamespace = 'topembed'::regnamespace "
         "AND relkind = 'v' ORDER BY 2 LIMIT 1", "GRANT SELECT ON {0} TO PUBLIC"),
        ("a table's indexes",
         "SELECT format('%s (%I)', c.oid::regclass, a.attname), 'upgrade_probe_idx' FROM pg_class c "
         "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
         "JOIN pg_opclass o ON o.opcintype = a.atttypid AND o.opcdefault "
         "AND o.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree') "
         "WHERE c.relnamespace = 'topembed'::regnamespace AND c.relkind = 'r' ORDER BY c.relname, a.attnum LIMIT 1",
         "CREATE INDEX upgrade_probe_idx ON {0}"),
        ("a composite type's attributes",
         "SELECT t.oid::regtype::text, typname FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid "
         "WHERE typnamespace = 'topembed'::regnamespace AND c.relkind = 'c' ORDER BY 2 LIMIT 1",
         "ALTER TYPE {0} ADD ATTRIBUTE upgrade_probe integer"),
        ("an object in one script only", "SELECT NULL, 'upgrade_probe_fn'",
         "CREATE FUNCTION topembed.upgrade_probe_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
    ]
    todo = []
    for what, find, change in picks:
        cur.execute(find)
        row = cur.fetchone()
        if row is None:
            continue
        cur.execute(change.format(row[0]))
        todo.append((what, row[1]))
    conn.close()
    changed = set(base) ^ set(dump(scratch))
    heads = [b.splitlines()[1] if b.startswith("--\n") else b.splitlines()[0] for b in changed]
    missed = [what for what, name in todo if not any(re.search(r"\b%s\b" % re.escape(name), h) for h in heads)]
    ok(not missed and len(todo) == len(picks),
       "the catalogue comparison notices a change of each of: %s" % ", ".join(w for w, _ in todo),
       "not noticed: %s" % missed)


def check(state_path):
    with open(state_path) as f:
        state = json.load(f)
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute(SESSION)

    # ---- the new library, 0.1.0's SQL
    path, inode = library_loaded(cur)
    want = os.environ.get("TE_UP_LIBFILE")
    ok(path is not None and want is not None and inode == os.stat(want).st_ino,
       "the backend runs the new shared library (%s) under %s's SQL" % (path, FROM),
       "mapped %s inode %s; installed %s" % (path, inode, want and os.stat(want).st_ino))
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
    ok(cur.fetchone()[0] == FROM, "the database is still at %s" % FROM)

    functions = state["functions"]
    table = calls()
    missing = sorted(set(functions) - set(table))
    stale = sorted(set(table) - set(functions))
    ok(not missing, "test/upgrade/%s hold a sample call of each of the %d functions of %s "
       "(from the catalogue)" % (" and ".join(CALL_FILES), len(functions), FROM), "no line for:\n" + "\n".join(missing))
    ok(not stale, "every line of %s names a function of %s" % (" and ".join(CALL_FILES), FROM),
       "not in %s:\n" % FROM + "\n".join(stale))
    misuse = sorted(s for s, sql in table.items() if s in functions and "@F@" not in sql and not functions[s])
    ok(not misuse, "only support functions of aggregates and types are called indirectly (via:)",
       "call these directly with @F@:\n" + "\n".join(misuse))

    pre, failed = {}, []
    for sig in sorted(set(functions) & set(table)):
        try:
            pre[sig] = run_call(cur, table[sig], sig.split("(")[0])
        except psycopg2.Error as e:
            failed.append("%s: %s %s" % (sig, e.pgcode, (e.pgerror or str(e)).strip().splitlines()[0]))
            reset(cur)
    ok(not failed, "all %d functions of %s answer through the new library before the update" % (len(pre), FROM),
       detail(failed))

    # ---- what 0.1.0 stored, read by the new library
    pre_reads = {name: as_rows(cur, sql) for name, sql in STORED_READS}
    for name, _ in STORED_READS:
        d = differences(state["reads"][name], pre_reads[name], tol=1e-9)
        ok(not d, "the new library reads the %s as %s did" % (name, FROM), detail(d))
    bad = []
    for part, mtext, gtext in state["text_forms"]:
        cur.execute("SELECT row_to_json(x)::text FROM (SELECT topembed.spectrum(%s::topembed.moments) s, "
                    "topembed.modality_gap(%s::topembed.gap_state) g) x", (mtext, gtext))
        got = json.loads(cur.fetchone()[0])
        want_s = state["reads"]["sketches of app.rollup: n, dim, mean, spectrum"][part][4]
        want_g = state["reads"]["gap states of app.rollup"][part][1]
        bad += differences([want_s, want_g], [got["s"], got["g"]], tol=1e-9, path="part %d" % part)
    ok(not bad, "%s's text forms of sketches and gap states are accepted and read the same" % FROM, detail(bad))
    cur.execute("CREATE TEMP TABLE old_binary (part int, mi topembed.moments, g topembed.gap_state)")
    try:
        cur.copy_expert("COPY old_binary FROM STDIN (FORMAT binary)", io.BytesIO(bytes.fromhex(state["binary_forms"])))
        got = as_rows(cur, "SELECT part, topembed.spectrum(mi) FROM old_binary ORDER BY part")
        want_b = [[r[0], r[4]] for r in state["reads"]["sketches of app.rollup: n, dim, mean, spectrum"]]
        d = differences(want_b, got, tol=1e-9)
        ok(not d, "%s's binary forms (COPY BINARY) are accepted and read the same" % FROM, detail(d))
    except psycopg2.Error as e:
        ok(False, "%s's binary forms (COPY BINARY) are accepted" % FROM, str(e))

    tables = [tuple(t) for t in state["tables"]]
    skip = {t: cols for t, _, cols in tables}
    before = history_rows(cur, tables)
    d = compare_history(state["history"], before, skip)
    ok(not d, "the history rows %s wrote read the same through the new library" % FROM, detail(d))
    conn.close()

    # ---- the update, halfway through a schedule
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute(SESSION)
    cur.execute("SELECT max(run_id) FROM topembed.runs")
    last_before = cur.fetchone()[0]
    err, outcomes = update(cur)
    ok(err is None, "ALTER EXTENSION topembed UPDATE succeeds while scheduled snapshots run", str(err))
    cur.execute("""SELECT e.extversion, a.default_version FROM pg_extension e
                   JOIN pg_available_extensions a ON a.name = e.extname WHERE e.extname = 'topembed'""")
    version, default = cur.fetchone()
    ok(version == default, "the database is at the default version %s after the update" % default,
       "extversion %s" % version)
    counts = collections.Counter(o[0] for o in outcomes)
    versions = collections.Counter(o[1] for o in outcomes if o[0] == "ok")
    print("# scheduled snapshots around the update: %s; recorded versions %s"
          % (dict(counts), dict(versions)))
    for o in outcomes:
        if o[0] != "ok":
            print("#   %s %s" % o)
    ok(not counts.get("lost"), "no scheduled snapshot lost its connection during the update")
    ok(versions.get(FROM, 0) >= 1 and versions.get(default, 0) >= 1,
       "scheduled snapshots were recorded before (%s) and after (%s) the update" % (FROM, default))
    conn.close()

    # ---- after the update
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute(SESSION)
    after = history_rows(cur, tables)
    d = compare_history(before, after)
    ok(not d, "every run and history row of before the update is still there, unchanged (%d runs)"
       % len(before.get("topembed.runs", {})), detail(d))
    historylib.check(cur, "the update")

    renamed = {old: new for kind, old, new in RENAMES if kind == "function"}
    unknown = sorted(set(renamed) - set(functions))
    ok(not unknown, "every function rename since %s (%s) names a %s function" % (FROM, " and ".join(RENAME_FILES) or "none", FROM), detail(unknown))
    failed, differ = [], []
    for sig, want in sorted(pre.items()):
        sql = table[sig]
        names = [sig.split("(")[0]] + ([renamed[sig]] if sig in renamed and "@F@" in sql else [])
        for name in names:
            try:
                got = run_call(cur, sql, name, types=True)
            except psycopg2.Error as e:
                failed.append("%s as %s: %s %s" % (sig, name, e.pgcode,
                                                  (e.pgerror or str(e)).strip().splitlines()[0]))
                reset(cur)
                continue
            d = differences(want, got)
            if d:
                differ.append("%s as %s: %s" % (sig, name, "; ".join(d[:3])))
    ok(not failed, "every %s function answers after the update, through its old and its new name (%d renames)"
       % (FROM, len(renamed)), detail(failed))
    ok(not differ, "and gives the same results as before the update", detail(differ))
    now = {name: as_rows(cur, sql) for name, sql in STORED_READS}
    d = ["%s: %s" % (name, x) for name, _ in STORED_READS for x in differences(pre_reads[name], now[name])]
    ok(not d, "stored sketches, states and diagrams read the same after the update", detail(d))

    # new snapshots, drifting against the runs of before the update
    cur.execute("""SELECT DISTINCT ON (label) label, run_id FROM topembed.runs
                   WHERE run_id <= %s AND label IN ('paired', 'modality', 'single', 'models')
                   ORDER BY label, run_id DESC""", (last_before,))
    last = dict(cur.fetchall())
    args = {}
    for step in HISTORY:
        if step[0] == "snap":
            args[step[1]] = (step[2], step[3])
    problems = []
    for label, prev in sorted(last.items()):
        source, a = args[label]
        try:
            cur.execute("SELECT topembed.snapshot(%%s, %%s, %s)" % a, (label, source))
        except psycopg2.Error as e:
            problems.append("%s: %s" % (label, e))
            continue
        run = cur.fetchone()[0]
        cur.execute("""SELECT count(*), count(*) FILTER (WHERE previous_run_id = %s),
                              count(*) FILTER (WHERE flagged), max(abs(change)) FILTER (WHERE metric = 'gap')
                       FROM topembed.drift WHERE run_id = %s""", (prev, run))
        n, n_prev, n_flag, gap_change = cur.fetchone()
        if not (n > 0 and n_prev == n):
            problems.append("%s: run %d has %d drift rows, %d against the pre-update run %d" % (label, run, n, n_prev, prev))
        if label != "models" and (n_flag or (gap_change or 0) > 1e-6):
            problems.append("%s: the same data drifts against the pre-update run %d: %d flagged, gap change %s"
                            % (label, prev, n_flag, gap_change))
    ok(not problems, "new snapshots of every label drift against the last run of before the update "
       "(unchanged data: no flag)", detail(problems))
    historylib.check(cur, "new snapshots")
    conn.close()

    # ---- the catalogue equals a fresh install
    admin = connect()
    admin.cursor().execute("DROP DATABASE IF EXISTS %s" % FRESH)
    admin.cursor().execute("CREATE DATABASE %s" % FRESH)
    fconn = connect(FRESH)
    fconn.cursor().execute("CREATE EXTENSION topembed")
    fconn.close()
    fa, fb = catalog_facts(DB), catalog_facts(FRESH)
    for key in ("extension", "members", "config_dump", "init_privs"):
        d = list(difflib.unified_diff([json.dumps(x) for x in fb[key]], [json.dumps(x) for x in fa[key]],
                                      "fresh", "updated", lineterm="", n=1))
        ok(not d, "the updated extension has the %s of a fresh CREATE EXTENSION (%d)" % (key.replace("_", " "),
                                                                                     len(fb[key])), "\n".join(d))
    sa, da = detached_dump(DB)
    sb, db = detached_dump(FRESH)
    diff = dump_diff(db, da, "fresh CREATE EXTENSION topembed", "%s + ALTER EXTENSION UPDATE" % FROM)
    ok(not diff and len(db) > 50,
       "pg_dump --schema-only of the updated extension's objects equals that of a fresh install "
       "(%d entries: functions, aggregates, types, tables, indexes, views, grants, comments)" % len(db),
       "\n".join(diff[:300]) + ("\n... %d more lines" % (len(diff) - 300) if len(diff) > 300 else ""))
    negative_control(sb, db)
    for name in (sa, sb, FRESH):
        admin.cursor().execute('DROP DATABASE IF EXISTS "%s"' % name)
    admin.close()
    done()


def main():
    phase, state = sys.argv[1], sys.argv[2]
    if phase == "fill":
        fill(state)
    else:
        check(state)


main()
