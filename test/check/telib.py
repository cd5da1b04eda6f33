"""Shared helpers of the cross-check suites (run with /usr/bin/python3).

Each suite prints TAP-style lines, "ok - name" or "not ok - name", and exits
non-zero when any check failed.  Connections use the libpq environment
(PGHOST, PGPORT, PGUSER, PGDATABASE) that scripts/test.sh exports.
"""
import csv
import io
import os
import sys

import numpy as np
import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("TE_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
BUILD = os.environ.get("TE_BUILD", os.path.join(ROOT, "build"))

_failed = 0
_count = 0


def ok(cond, name, detail=None):
    """Report one check; detail is printed on failure."""
    global _failed, _count
    _count += 1
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    if not cond:
        _failed += 1
        if detail is not None:
            print("#   " + str(detail).replace("\n", "\n#   "), flush=True)
    return cond


def close(a, b, tol, name, rel=False):
    """ok() on |a - b| <= tol (relative to |b| when rel)."""
    if a is None or b is None:
        return ok(a is None and b is None, name, "got %r, expected %r" % (a, b))
    scale = max(1.0, abs(b)) if rel else 1.0
    err = abs(a - b)
    return ok(err <= tol * scale, name, "got %.15g, expected %.15g, error %.3g > %.3g" % (a, b, err, tol * scale))


def need_data(what, *names):
    """True when every named file of the shared data is there; otherwise a
    SKIP line saying what is not checked and why, and False.  A user's own
    clone has no ../shared: the suites say so and never fail for it."""
    missing = [os.path.join(DATA, n) for n in names if not os.path.exists(os.path.join(DATA, n))]
    if missing:
        ok(True, "# SKIP %s: %s absent (the shared data sits in ../shared/data beside the checkout; "
           "TE_DATA names another place)" % (what, ", ".join(missing)))
        return False
    return True


def done():
    """Exit with the suite's status."""
    if _count == 0:
        print("not ok - no checks ran")
        sys.exit(1)
    sys.exit(1 if _failed else 0)


def connect(dbname=None):
    """A connection in autocommit mode to the test cluster."""
    kw = {}
    if dbname:
        kw["dbname"] = dbname
    conn = psycopg2.connect(**kw)
    conn.autocommit = True
    return conn


def fresh_db(name):
    """Drop and create database name with topembed installed; connect to it."""
    admin = connect()
    with admin.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS "%s"' % name)
        cur.execute('CREATE DATABASE "%s"' % name)
    admin.close()
    conn = connect(name)
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION topembed")
    return conn


def parse_vec(text):
    """A PostgreSQL array literal '{a,b,...}' as float64 (values as stored, float32)."""
    return np.array(np.array(text.strip("{}").split(","), dtype=np.float32), dtype=np.float64)


def read_pairs(path):
    """Rows of a data CSV as dicts with 'vec' parsed; keeps an optional model column."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            r["pair_id"] = int(r["pair_id"])
            r["vec"] = parse_vec(r["embedding"])
            rows.append(r)
    return rows


def load_csv(conn, table, path):
    """Load a data CSV into table (model?, pair_id, modality, embedding real[])."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    has_model = header[0] == "model"
    cols = "model text, " if has_model else ""
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS %s" % table)
        cur.execute("CREATE TABLE %s (%spair_id int, modality text, embedding real[])" % (table, cols))
        cur.execute("ALTER TABLE %s ALTER COLUMN embedding SET STORAGE EXTERNAL" % table)
        with open(path) as f:
            cur.copy_expert("COPY %s(%s) FROM STDIN CSV HEADER" % (table, ",".join(header)), f)
        cur.execute("ANALYZE %s" % table)
    return has_model


def png_stats(path):
    """(width, height, distinct colours, fraction of non-white pixels) of an
    8-bit RGB or RGBA PNG, decoded with the standard library only."""
    import struct
    import zlib
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unexpected PNG format")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    colours, ink = set(), 0
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if px != b"\xff\xff\xff":
                ink += 1
        prev = line
    return w, h, len(colours), ink / float(w * h)


def chromium_screenshot(target, png, width, height):
    """Render a file in headless Debian Chromium; True when a PNG was written."""
    import shutil
    import subprocess
    import tempfile
    exe = shutil.which("chromium")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--hide-scrollbars", "--user-data-dir=" + profile, "--screenshot=" + png,
                        "--window-size=%d,%d" % (width, height), "file://" + os.path.abspath(target)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return os.path.exists(png) and os.path.getsize(png) > 0


def backend_crashes():
    """Backends of the test cluster killed by a signal so far, from its log.

    (pg_postmaster_start_time() does not change when the postmaster
    reinitialises after a crash, so the log is the witness.)"""
    path = os.path.join(os.environ.get("TE_PGDIR", ""), "server.log")
    if not os.path.exists(path):
        return 0
    with open(path, errors="replace") as f:
        return sum(1 for line in f if "terminated by signal" in line or "PANIC:" in line)


def server_config(conn, name):
    """A value of the server's own pg_config (BINDIR, SHAREDIR, ...): the
    installation the test cluster runs, which may be a private copy."""
    with conn.cursor() as cur:
        cur.execute("SELECT setting FROM pg_config WHERE name = %s", (name,))
        return cur.fetchone()[0]


def sqlstate_of(conn, sql, args=None):
    """Run sql and return (SQLSTATE, message) of its error, or (None, None)."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql, args)
            return None, None
        except psycopg2.Error as e:
            if not conn.autocommit:
                conn.rollback()
            return e.pgcode, (e.diag.message_primary or str(e))


OLD_RELEASE = "5c280a8"   # the commit of release 0.1.0
RELEASES = {"0.1.0": "5c280a8", "0.2.0": "18bee4e"}   # release -> its commit (tags v0.1.0, v0.2.0)


class ReleaseScripts:
    """with ReleaseScripts(conn, "0.2.0", ["sql/topembed--0.2.0.sql", ...]) as ok:
    those files of a release, from the git history, sit in the server's
    extension folder (ok is False without the history); the copies it put
    there are removed afterwards (a file already there is left alone)."""

    def __init__(self, conn, release, paths):
        self.conn, self.release, self.paths, self.made = conn, release, paths, []

    def __enter__(self):
        import subprocess
        ext = os.path.join(server_config(self.conn, "SHAREDIR"), "extension")
        texts = []
        for path in self.paths:
            r = subprocess.run(["git", "-C", ROOT, "show", "%s:%s" % (RELEASES[self.release], path)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                return False
            texts.append((os.path.join(ext, os.path.basename(path)), r.stdout))
        for target, text in texts:
            if not os.path.exists(target):
                with open(target, "w") as f:
                    f.write(text)
                self.made.append(target)
        return True

    def __exit__(self, *exc):
        for target in self.made:
            os.remove(target)
        return False


def pgvector_available(conn):
    """Make pgvector available to the server, building it from
    ../shared/vendor/pgvector (TE_VENDOR names another vendor folder) into the
    server's installation when it lacks it: None, or why it is not."""
    import glob
    import shutil
    import subprocess
    import tempfile
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    if cur.fetchone()[0]:
        return None
    vendor = os.environ.get("TE_VENDOR", os.path.join(os.path.dirname(DATA), "vendor"))
    tars = sorted(glob.glob(os.path.join(vendor, "pgvector", "pgvector-*.tar.gz")))
    if not tars:
        return "pgvector is not installed and %s/pgvector has no source to build it from" % vendor
    pgc = "PG_CONFIG=" + os.path.join(server_config(conn, "BINDIR"), "pg_config")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    work = tempfile.mkdtemp(prefix="te_pgvector_")
    try:
        subprocess.run(["tar", "-C", work, "-xzf", tars[-1]], check=True, capture_output=True)
        src = glob.glob(os.path.join(work, "pgvector-*"))[0]
        for target in ("all", "install"):
            r = subprocess.run(["make", "-C", src, pgc, target], capture_output=True, text=True, env=env)
            if r.returncode != 0:
                return "building pgvector from %s failed at make %s: %s" % (tars[-1], target, r.stderr.strip()[-200:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    return None if cur.fetchone()[0] else "pgvector was built but the server does not see it"


class OldRelease(ReleaseScripts):
    """with OldRelease(conn) as ok: topembed--0.1.0.sql from the git history
    sits in the server's extension folder (ok is False without the history);
    a copy it put there is removed afterwards."""

    def __init__(self, conn):
        super().__init__(conn, "0.1.0", ["sql/topembed--0.1.0.sql"])
