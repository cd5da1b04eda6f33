"""Executable documentation: every ```sql block of README.md and docs/*.md
runs, as written, through psql against the tables the docs describe.

- The fixture is the block of docs/README.md marked <!-- docs-test: fixture -->
  (tables items and coco_pairs from ../shared/data); it is run once into a
  template database, and each page gets a fresh copy of it, with topembed
  installed unless the page itself says CREATE EXTENSION topembed.
- A page's blocks run in order, each in its own psql session, in a working
  directory beside which ../shared/data resolves (for \\copy), so that
  files written with \\o or \\g land there; such a file must be a real
  document, never an empty or one-byte file.
- A page that uses pg_cron runs in a cluster of its own with pg_cron
  preloaded and cron.database_name set to its database; a page that uses
  pgvector's vector type gets pgvector, built from ../shared/vendor/pgvector
  if it is not installed (or is skipped, saying why).
- A block of function signatures (a synopsis) is not run: every signature
  in it must name an existing function of the extension with exactly those
  argument types (and return type, where it says one).
- A block that runs only in a prepared state says so on the line before it,
  <!-- docs-test: run only after SQL (...) -->: the SQL runs first, then the
  block.
- A block that genuinely cannot run is marked <!-- docs-test: not run: WHY -->
  on the line before it; their number may not grow past NOT_RUN_BUDGET.

Any error or warning fails the block, naming the file and line.  Without
../shared/data, only the synopses are checked and the rest says why not.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile

from telib import DATA, ROOT, connect, done, fresh_db, ok, pgvector_available

PGBIN = os.environ.get("TE_PGBIN", "/usr/lib/postgresql/%s/bin" % os.environ.get("TE_PGVER", "15"))
PSQL = os.path.join(PGBIN, "psql")
VENDOR = os.environ.get("TE_VENDOR", os.path.join(os.path.dirname(DATA), "vendor"))

# blocks marked "not run" may not silently grow: raise this only with a reason
NOT_RUN_BUDGET = 0

MARKER = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->\s*$")
STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|GRANT|REVOKE|SET|RESET|"
                       r"COPY|VACUUM|ANALYZE|BEGIN|COMMIT|DO|EXPLAIN|TABLE|VALUES|\\)", re.I)


def pages():
    return [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))


def rel(path):
    return os.path.relpath(path, ROOT)


def blocks(path):
    """The ```sql blocks of a page: dicts with line (of the fence), text, marker."""
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^```(\S*)", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if m.group(1).lower() == "sql":
            k = i - 1
            while k >= 0 and lines[k].strip() == "":
                k -= 1
            mk = MARKER.match(lines[k]) if k >= 0 else None
            out.append({"path": path, "line": i + 1, "text": "\n".join(lines[i + 1:j]) + "\n",
                        "marker": mk.group(1) if mk else None})
        i = j + 1
    return out


def run_after(marker):
    """The SQL of a "run only after SQL (why)" marker, or None."""
    m = re.match(r"run only after\s+(.*?)\s*(\([^()]*\))?\s*$", marker or "")
    return m.group(1) if m else None


def strip_comments(text):
    return "\n".join(re.sub(r"--.*$", "", l) for l in text.split("\n"))


def is_synopsis(text):
    """Only signature lines: topembed.name(...) [RETURNS ...], no statement."""
    body = strip_comments(text)
    lines = [l for l in body.split("\n") if l.strip()]
    if not lines or not re.match(r"^\s*topembed\.\w+\(", lines[0]):
        return False
    return not any(STATEMENT.match(l) for l in lines)


def signatures(text):
    """(name, [arg text], returns text or None) of each signature of a synopsis."""
    body = strip_comments(text)
    out, pos = [], 0
    while True:
        m = re.compile(r"topembed\.(\w+)\(").search(body, pos)
        if not m:
            return out
        depth, i = 1, m.end()
        while depth and i < len(body):
            depth += {"(": 1, ")": -1}.get(body[i], 0)
            i += 1
        inner = body[m.end():i - 1]
        args, depth, cur, quoted = [], 0, "", False
        for ch in inner:
            # a comma inside a quoted default ('{20,20}') separates nothing
            if ch == "'":
                quoted = not quoted
            if ch == "," and depth == 0 and not quoted:
                args.append(cur)
                cur = ""
                continue
            if not quoted:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            cur += ch
        if cur.strip():
            args.append(cur)
        rest = body[i:]
        r = re.match(r"\s*RETURNS\s+(.+?)\s*(?=\ntopembed\.|$)", rest, re.S | re.I)
        ret = " ".join(r.group(1).split()) if r else None
        out.append((m.group(1), [" ".join(a.split()) for a in args], ret))
        pos = i


def check_synopses(all_blocks):
    conn = fresh_db("te_docs_synopsis")
    cur = conn.cursor()
    cur.execute("SET search_path = topembed, public")
    cur.execute("""CREATE FUNCTION pg_temp.te_type(t text) RETURNS oid LANGUAGE plpgsql AS $$
                   BEGIN RETURN t::regtype::oid; EXCEPTION WHEN OTHERS THEN RETURN NULL; END $$""")

    def type_of(arg):
        arg = re.split(r"\s+DEFAULT\s+", arg, flags=re.I)[0].strip()
        for cand in (arg, arg.split(" ", 1)[1] if " " in arg else None):
            if cand:
                cur.execute("SELECT pg_temp.te_type(%s)", (cand,))
                t = cur.fetchone()[0]
                if t is not None:
                    return t
        return None

    n = 0
    for b in all_blocks:
        if b["marker"] is not None or not is_synopsis(b["text"]):
            continue
        where = "%s:%d" % (rel(b["path"]), b["line"])
        for name, args, ret in signatures(b["text"]):
            n += 1
            types = [type_of(a) for a in args]
            if None in types:
                ok(False, "%s: synopsis of topembed.%s: every argument type is a type" % (where, name),
                   "unknown type in: %s" % ", ".join(a for a, t in zip(args, types) if t is None))
                continue
            cur.execute("""SELECT p.prorettype FROM pg_proc p
                           WHERE p.pronamespace = 'topembed'::regnamespace AND p.proname = %s
                             AND p.proargtypes = %s::oidvector""", (name, " ".join(str(t) for t in types)))
            row = cur.fetchone()
            if not ok(row is not None, "%s: topembed.%s(%s) exists" % (where, name, ", ".join(args))):
                continue
            if ret and not re.match(r"(TABLE|SETOF)\b", ret, re.I):
                want = type_of(ret)
                ok(want == row[0], "%s: topembed.%s returns %s" % (where, name, ret),
                   "the function returns type oid %s, the docs say %s" % (row[0], ret))
    ok(n >= 20, "the synopses name %d signatures, all checked against the catalogue" % n)
    conn.close()


def run_psql(sql_path, db, env, cwd):
    return subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", sql_path],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def problems(res):
    """The errors and warnings of a psql run, one string, or None."""
    bad = [l for l in res.stderr.split("\n") if re.search(r"\b(ERROR|WARNING|FATAL|PANIC):", l)]
    if res.returncode != 0 and not bad:
        bad = ["psql exited with status %d: %s" % (res.returncode, res.stderr.strip()[-300:])]
    return "\n".join(bad) if bad else None


def error_line(res, b):
    """The page line of a psql error (psql:FILE:LINE: ERROR:), or the fence line."""
    m = re.search(r"psql:[^:]*:(\d+): (ERROR|WARNING)", res.stderr)
    return b["line"] + int(m.group(1)) if m else b["line"]


def written_files(text):
    """Files a block writes with \\o FILE or \\g [(options)] FILE."""
    files = re.findall(r"\\o\s+(\S+)", text)
    files += re.findall(r"\\g\s+(?:\([^)]*\)\s*)?([^\s(|][^\s]*)", text)
    return files


def start_cluster(*conf):
    """A throwaway cluster through scripts/lib.sh: (dir, port) or None."""
    script = ('source "%s/scripts/lib.sh"; te_cluster_start "$@" >/dev/null 2>&1 || exit 1; '
              'echo "$TE_PGDIR $PGPORT"' % ROOT)
    r = subprocess.run(["bash", "-c", script, "bash"] + list(conf), capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return None
    d, port = r.stdout.split()
    return d, port


def stop_cluster(d):
    subprocess.run(["bash", "-c", 'source "%s/scripts/lib.sh"; TE_PGDIR="$1"; te_cluster_stop' % ROOT, "bash", d],
                   capture_output=True)


def build_fixture(fixture, db, env, work, admin):
    """Create database db and run the fixture block in it; None or the problem."""
    cur = admin.cursor()
    cur.execute('DROP DATABASE IF EXISTS "%s"' % db)
    cur.execute('CREATE DATABASE "%s"' % db)
    path = os.path.join(work, "fixture.sql")
    open(path, "w").write(fixture["text"])
    return problems(run_psql(path, db, env, work))


def run_page(path, runnable, fixture, work, main_env, admin):
    """Run the blocks of one page in a fresh copy of the fixture."""
    text = "".join(b["text"] for b in runnable)
    needs_cron = re.search(r"\bcron\.", text) is not None
    needs_vector = re.search(r"\bvector\s*\(|::vector\b|CREATE EXTENSION (IF NOT EXISTS )?vector\b", text, re.I) is not None
    makes_topembed = re.search(r"CREATE EXTENSION (IF NOT EXISTS )?topembed\b", text, re.I) is not None
    name = rel(path)
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    cluster = None
    env = dict(main_env)
    roles_before = None

    if needs_vector:
        why = pgvector_available(admin)
        if why:
            ok(True, "%s: # SKIP %d blocks need pgvector: %s" % (name, len(runnable), why))
            return
    if needs_cron:
        db = "te_docs"
        cluster = start_cluster("shared_preload_libraries = 'pg_cron,topembed'", "cron.database_name = '%s'" % db)
        if not ok(cluster is not None, "%s: a cluster with pg_cron preloaded starts" % name):
            return
        env.update(PGHOST=cluster[0], PGPORT=cluster[1])
        page_admin = psycopg_connect(env)
        problem = build_fixture(fixture, db, env, work, page_admin)
        page_admin.close()
        if not ok(problem is None, "%s: the fixture loads in the pg_cron cluster" % name, problem):
            stop_cluster(cluster[0])
            return
    else:
        db = "te_docs_" + slug
        cur = admin.cursor()
        cur.execute("SELECT rolname FROM pg_roles")
        roles_before = {r[0] for r in cur.fetchall()}
        cur.execute('DROP DATABASE IF EXISTS "%s"' % db)
        cur.execute('CREATE DATABASE "%s" TEMPLATE te_docs_fixture' % db)
    if needs_cron and re.search(r"CREATE EXTENSION (IF NOT EXISTS )?pg_cron\b", text, re.I) is None:
        r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", "CREATE EXTENSION pg_cron"],
                           env=env, capture_output=True, text=True)
        ok(r.returncode == 0, "%s: pg_cron installs into the page's database" % name, r.stderr)
    if not makes_topembed:
        r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", "CREATE EXTENSION topembed"],
                           env=env, capture_output=True, text=True)
        ok(r.returncode == 0, "%s: topembed installs into the page's database" % name, r.stderr)

    for k, b in enumerate(runnable):
        sql = os.path.join(work, "%s_%d.sql" % (slug, b["line"]))
        open(sql, "w").write(b["text"])
        before = run_after(b["marker"])
        if before:
            r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", before],
                               env=env, capture_output=True, text=True)
            ok(r.returncode == 0, "%s:%d: what it runs after works (%s)" % (name, b["line"], before), r.stderr)
        files = written_files(b["text"])
        for f in files:
            if os.path.exists(os.path.join(work, f)):
                os.remove(os.path.join(work, f))
        res = run_psql(sql, db, env, work)
        bad = problems(res)
        first = b["text"].strip().split("\n")[0][:60]
        ok(bad is None, "%s:%d runs (%s)" % (name, error_line(res, b) if bad else b["line"], first), bad)
        for f in files:
            p = os.path.join(work, f)
            size = os.path.getsize(p) if os.path.exists(p) else -1
            good = size > 100
            if good and f.endswith(".svg"):
                doc = open(p).read()
                good = doc.lstrip().startswith("<svg") and doc.rstrip().endswith("</svg>")
            ok(good, "%s:%d writes %s as a real document (%d bytes)" % (name, b["line"], f, size))

    if cluster:
        stop_cluster(cluster[0])
    else:
        cur = admin.cursor()
        cur.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        cur.execute("SELECT rolname FROM pg_roles")
        for role in sorted({r[0] for r in cur.fetchall()} - roles_before):
            cur.execute('DROP ROLE "%s"' % role.replace('"', '""'))


def psycopg_connect(env):
    import psycopg2
    conn = psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env.get("PGUSER", "postgres"),
                            dbname="postgres")
    conn.autocommit = True
    return conn


def main():
    all_blocks = [b for p in pages() for b in blocks(p)]
    markers = [b for b in all_blocks if b["marker"] is not None]
    fixture = [b for b in markers if b["marker"] == "fixture"]
    not_run = [b for b in markers if re.match(r"not run:\s*\S", b["marker"])]
    prepared = [b for b in markers if run_after(b["marker"])]
    unknown = [b for b in markers if b not in fixture and b not in not_run and b not in prepared]
    ok(len(fixture) == 1, "docs/ has exactly one fixture block (%d)" % len(fixture))
    ok(not unknown, "every docs-test marker is 'fixture', 'run only after <SQL>' or 'not run: <reason>'",
       ["%s:%d %s" % (rel(b["path"]), b["line"], b["marker"]) for b in unknown])
    ok(len(not_run) <= NOT_RUN_BUDGET, "%d blocks are marked not run, at most %d" % (len(not_run), NOT_RUN_BUDGET),
       ["%s:%d %s" % (rel(b["path"]), b["line"], b["marker"]) for b in not_run])
    synopses = [b for b in all_blocks if b["marker"] is None and is_synopsis(b["text"])]
    check_synopses(all_blocks)

    runnable = [b for b in all_blocks if (b["marker"] is None and b not in synopses) or b in prepared]
    print("# %d sql blocks: %d to run, %d synopses, 1 fixture, %d marked not run"
          % (len(all_blocks), len(runnable), len(synopses), len(not_run)))
    if not os.path.isdir(DATA):
        ok(True, "# SKIP running the %d examples: the shared data %s is absent (the fixture is built from it)"
           % (len(runnable), DATA))
        done()
    if not fixture:
        done()

    top = tempfile.mkdtemp(prefix="te_docs_")
    work = os.path.join(top, "run")
    os.makedirs(os.path.join(top, "shared"))
    os.makedirs(work)
    os.symlink(os.path.abspath(DATA), os.path.join(top, "shared", "data"))
    main_env = dict(os.environ)
    main_env.setdefault("PGUSER", "postgres")
    admin = connect()
    problem = build_fixture(fixture[0], "te_docs_fixture", main_env, work, admin)
    if not ok(problem is None, "the fixture of docs/README.md loads", problem):
        done()
    try:
        for path in pages():
            page_blocks = [b for b in runnable if b["path"] == path]
            if page_blocks:
                run_page(path, page_blocks, fixture[0], work, main_env, admin)
    finally:
        admin.cursor().execute("DROP DATABASE IF EXISTS te_docs_fixture")
        shutil.rmtree(top, ignore_errors=True)
    done()


main()
