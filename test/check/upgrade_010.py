"""Values stored by topembed 0.1.0 stay readable, and 0.1.0's forms load.

At test time, 0.1.0 (telib.OLD_RELEASE, commit 5c280a8) is built from
`git archive` into a private copy of the PostgreSQL installation
(TE_PGBIN's, copied to a temp folder), and a cluster of that copy stores sketches, gap states (paired and
unpaired) and two snapshots' history (run_spectra, run_gap), and also
forged values that 0.1.0's input accepted.  It dumps them as COPY text and
COPY BINARY.  Then:

(history_upgrade.py runs 0.1.0's SQL on the new library; this suite has
the values written by 0.1.0's own library.)

- pageinspect shows that 0.1.0 wrote 0 in the on-disk field that is now the
  layout version of topembed.moments and topembed.gap_state;
- the same data directory, started with the new build (still at extension
  version 0.1.0, then after ALTER EXTENSION ... UPDATE), reads every legit
  value as 0.1.0 did: the same text forms, spectra and gap statistics, and a
  new snapshot continues the history; the forged ones are refused (22P03)
  by accessors, merges and output alike; new values carry layout 1 (moments)
  and 2 (gap_state, which appends the pair distances behind l2i); an old
  gap state reads with l2i NULL and its rmg from the stored moments;
- 0.1.0's COPY text and COPY BINARY dumps load into a new 0.2.0 database
  with the same values, and the forged rows are refused.

Skips (ok ... # SKIP) when git or the 0.1.0 commit is not available."""
import io
import os
import random
import shutil
import struct
import subprocess
import tempfile
import time

import psycopg2

from forge import blob_of, gap_text, moments_text, parse_gap, parse_moments, sqlstate
from telib import OLD_RELEASE, ROOT, connect, done, ok

OLD = OLD_RELEASE
PGBIN = os.environ.get("TE_PGBIN", "/usr/lib/postgresql/%s/bin" % os.environ.get("TE_PGVER", "15"))
DEFAULT_VERSION = open(os.path.join(ROOT, "topembed.control")).read().split("default_version = '")[1].split("'")[0]
AS_ROOT = os.geteuid() == 0


def run(cmd, owner=False, **kw):
    """run a command (as the cluster owner when asked and we are root); raise on failure"""
    if owner and AS_ROOT:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s%s" % (" ".join(cmd), r.stdout[-2000:], r.stderr[-2000:]))
    return r.stdout


def pg_config(bindir, what):
    return run([os.path.join(bindir, "pg_config"), "--" + what]).strip()


def private_pg(tmp):
    """a copy of TE_PGBIN's installation under tmp, same relative layout; its bindir"""
    bindir = os.path.realpath(PGBIN)
    libroot = os.path.dirname(bindir)
    share = os.path.realpath(pg_config(bindir, "sharedir"))
    inc = pg_config(bindir, "includedir-server")
    base = os.path.join(tmp, "pg")
    for src in (libroot, share):
        dst = base + src
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copytree(src, dst, symlinks=True)
    os.makedirs(os.path.dirname(base + inc), exist_ok=True)
    os.symlink(os.path.realpath(inc), base + inc)
    return base + bindir


class Cluster:
    """a throwaway server of the given binaries on a data directory"""

    def __init__(self, bindir, data, sock):
        self.bindir, self.data, self.sock = bindir, data, sock
        self.port = 40000 + random.randrange(20000)

    def start(self):
        run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.sock, "server.log"),
             "-w", "-t", "60", "-o", "-k %s -p %d -c listen_addresses=''" % (self.sock, self.port), "start"],
            owner=True)

    def stop(self):
        subprocess.run((["runuser", "-u", "postgres", "--"] if AS_ROOT else []) +
                       [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"],
                       capture_output=True)

    def connect(self, db="postgres"):
        c = psycopg2.connect(host=self.sock, port=self.port, user="postgres", dbname=db)
        c.autocommit = True
        return c


def layouts(cur, table, offset):
    """the layout field (at offset in the struct, whose first 4 bytes are the
    varlena header: 20 in TeMoments, 12 in TeGapAcc) of the value in the
    first column of each row of table"""
    cur.execute("SELECT t_data FROM heap_page_items(get_raw_page(%s, 0)) WHERE t_data IS NOT NULL", (table,))
    vals = []
    for (data,) in cur.fetchall():
        data = bytes(data)
        vals.append(struct.unpack("=i", data[offset:offset + 4])[0])
    return vals


LEGIT = [
    ("sketch", "SELECT part, m::text FROM sk ORDER BY part"),
    ("gap state", "SELECT part, g::text, gu::text FROM sk ORDER BY part"),
    ("spectrum", "SELECT part, topembed.spectrum(m)::text FROM sk ORDER BY part"),
    ("mean and n", "SELECT part, topembed.mean(m), topembed.n(m), topembed.dim(m) FROM sk ORDER BY part"),
    ("merged sketch", "SELECT topembed.moments(m)::text FROM sk"),
    # 0.1.0's 13 fields of gap_stats (0.2.0 appends l2i and rmg)
    ("gap statistics", "SELECT " + ", ".join("(%s).%s" % (s, f) for s in ("a", "b") for f in (
        "n_image", "n_text", "n_pairs", "dim", "gap", "gap_vector", "image_centroid_norm", "text_centroid_norm",
        "image_cone", "text_cone", "paired_cosine_mean", "paired_cosine_std", "alignment")) +
     " FROM (SELECT topembed.modality_gap(g) a, topembed.modality_gap(gu) b FROM sk) q"),
    ("history sketches", "SELECT run_id, modality, sketch::text FROM topembed.run_spectra ORDER BY 1, 2"),
    ("history gap states", "SELECT run_id, state::text FROM topembed.run_gap ORDER BY 1"),
]


def main():
    if shutil.which("git") is None or subprocess.run(["git", "-C", ROOT, "cat-file", "-e", OLD + "^{commit}"],
                                                     capture_output=True).returncode != 0:
        print("ok - values of 0.1.0 stay readable # SKIP git or commit %s is not available" % OLD)
        return
    tmp = tempfile.mkdtemp(prefix="te_upgrade_010_")
    os.chmod(tmp, 0o755)
    cluster = None
    try:
        t0 = time.time()
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        archive = subprocess.run(["git", "-C", ROOT, "archive", OLD], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
        oldbin = private_pg(tmp)
        pgc = os.path.join(oldbin, "pg_config")
        env = dict(os.environ)
        for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
            env.pop(k, None)
        run(["make", "-C", src, "-s", "-j2", "PG_CONFIG=" + pgc, "all"], env=env)
        run(["make", "-C", src, "-s", "PG_CONFIG=" + pgc, "install"], env=env)
        run(["chmod", "-R", "a+rX", tmp])
        print("# built 0.1.0 into a private PostgreSQL copy in %.0f s" % (time.time() - t0))

        data = os.path.join(tmp, "data")
        sock = os.path.join(tmp, "sock")
        os.makedirs(sock)
        if AS_ROOT:
            shutil.chown(sock, "postgres")
            os.makedirs(data)
            shutil.chown(data, "postgres")
        run([os.path.join(oldbin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"], owner=True)
        cluster = Cluster(oldbin, data, sock)
        cluster.start()
        conn = cluster.connect()
        cur = conn.cursor()
        cur.execute("CREATE EXTENSION topembed")
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
        ok(cur.fetchone()[0] == "0.1.0", "the old cluster runs topembed 0.1.0")
        cur.execute("""CREATE TABLE sk AS
                       SELECT pair_id % 3 AS part, topembed.moments(image) AS m,
                              topembed.gap_state(image, text) AS g,
                              topembed.gap_state(CASE WHEN pair_id % 2 = 0 THEN image ELSE text END,
                                                 pair_id % 2 = 0) AS gu
                       FROM topembed.synthetic_pairs(300, 8, 0.7, 3) GROUP BY 1""")
        cur.execute("CREATE TABLE pairs AS SELECT * FROM topembed.synthetic_pairs(200, 16, 0.6, 5)")
        for _ in range(2):
            cur.execute("SELECT topembed.snapshot('old', 'pairs', image_column => 'image', text_column => 'text', "
                        "sample => 60)")
        before = {}
        for name, sql in LEGIT:
            cur.execute(sql)
            before[name] = cur.fetchall()
        # forged values that 0.1.0's input let in
        cur.execute("SELECT m::text, g::text FROM sk WHERE part = 0")
        mtext, gtext = cur.fetchone()
        fm = parse_moments(blob_of(mtext))
        one_row = dict(fm, n=1)
        fg = parse_gap(blob_of(gtext))
        long_sums = dict(fg, sums=[x * 1000 for x in fg["sums"]])
        odd_counts = dict(fg, n_text=fg["n_text"] + 5)
        cur.execute("CREATE TABLE forged (id int, m topembed.moments, g topembed.gap_state)")
        cur.execute("INSERT INTO forged VALUES (1, %s, NULL), (2, NULL, %s), (3, NULL, %s)",
                    (moments_text(one_row), gap_text(long_sums), gap_text(odd_counts)))
        cur.execute("SELECT count(m) + count(g) FROM forged")
        ok(cur.fetchone()[0] == 3, "0.1.0 accepted three forged values (one row with a scatter, gap sums 1000 "
                                   "times too long, paired counts that differ)")
        # what 0.1.0 wrote in the field that is now the layout
        have_pi = sqlstate(cur, "CREATE EXTENSION pageinspect") is None
        if have_pi:
            cur.execute("CREATE TABLE raw_m AS SELECT m FROM sk")
            cur.execute("CREATE TABLE raw_g AS SELECT g FROM sk")
            lm, lg = layouts(cur, "raw_m", 20), layouts(cur, "raw_g", 12)
            ok(len(lm) == 3 and lm == [0, 0, 0] and lg == [0, 0, 0],
               "0.1.0 wrote 0 in the field now holding the layout (moments %s, gap_state %s)" % (lm, lg))
        else:
            print("ok - the layout field written by 0.1.0 # SKIP pageinspect is not installed")
        dumps = {}
        for table in ("sk", "forged"):
            for fmt in ("text", "binary"):
                buf = io.BytesIO()
                cur.copy_expert("COPY %s TO STDOUT (FORMAT %s)" % (table, fmt), buf)
                dumps[(table, fmt)] = buf.getvalue()
        conn.close()
        cluster.stop()

        # the same data directory under the new build
        cluster = Cluster(PGBIN, data, sock)
        cluster.start()
        conn = cluster.connect()
        cur = conn.cursor()
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
        ok(cur.fetchone()[0] == "0.1.0", "the new library serves the 0.1.0 catalog")
        for stage in ("under 0.1.0's SQL", "after ALTER EXTENSION UPDATE"):
            if stage.startswith("after"):
                cur.execute("ALTER EXTENSION topembed UPDATE")
                cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
                ok(cur.fetchone()[0] == DEFAULT_VERSION, "ALTER EXTENSION topembed UPDATE goes to the default version %s" % DEFAULT_VERSION)
            for name, sql in LEGIT:
                cur.execute(sql)
                got = cur.fetchall()
                ok(got == before[name], "new library %s: 0.1.0's stored %s read as 0.1.0 read it" % (stage, name),
                   "%r\nvs\n%r" % (got[:2], before[name][:2]))
            for label, sql in [
                ("the output function", "SELECT m::text FROM forged WHERE id = 1"),
                ("spectrum()", "SELECT topembed.spectrum(m) FROM forged WHERE id = 1"),
                ("a merge", "SELECT topembed.moments(m) FROM forged WHERE id = 1"),
                ("gap_state output (long sums)", "SELECT g::text FROM forged WHERE id = 2"),
                ("modality_gap() (long sums)", "SELECT topembed.modality_gap(g) FROM forged WHERE id = 2"),
                ("modality_gap() (paired counts that differ)", "SELECT topembed.modality_gap(g) FROM forged WHERE id = 3")]:
                st = sqlstate(cur, sql)
                ok(st == "22P03", "new library %s: a forged value 0.1.0 stored is refused by %s (22P03)"
                   % (stage, label), st)
        cur.execute("SELECT topembed.snapshot('old', 'pairs', image_column => 'image', text_column => 'text', "
                    "sample => 60)")
        run_id = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM topembed.run_drift WHERE run_id = %s", (run_id,))
        ok(run_id == 3 and cur.fetchone()[0] > 0, "a new snapshot continues 0.1.0's history, with drift rows")
        if have_pi:
            cur.execute("CREATE TABLE raw_new AS SELECT topembed.moments(m) AS m FROM sk")
            cur.execute("CREATE TABLE raw_new_g AS SELECT topembed.gap_state(image, text) AS g FROM pairs")
            got = (layouts(cur, "raw_new", 20), layouts(cur, "raw_new_g", 12), layouts(cur, "raw_m", 20))
            ok(got == ([1], [2], [0, 0, 0]), "values written by the new library carry layout 1 (moments) and 2 "
               "(gap_state, with the pair distances); 0.1.0's stay 0 on disk", got)
        # a paired state 0.1.0 stored: no pair distances (l2i NULL), rmg from its cosines and cones
        cur.execute("SELECT (s).l2i, (s).rmg, (s).paired_cosine_mean, (s).image_cone, (s).text_cone "
                    "FROM (SELECT topembed.modality_gap(g) s FROM sk) q")
        l2i, rmg, c, ci, ct = cur.fetchone()
        m = (1 - c) / 2
        ok(l2i is None and rmg is not None and abs(rmg - m / (m + ((1 - ci) / 2 + (1 - ct) / 2) / 2)) < 1e-12,
           "a gap state 0.1.0 stored reads with l2i NULL and Schrodi et al.'s rmg from its moments", (l2i, rmg))
        cur.execute("SELECT (topembed.modality_gap(s)).l2i IS NULL FROM (SELECT g AS s FROM sk UNION ALL "
                    "SELECT topembed.gap_state(image, text) FROM topembed.synthetic_pairs(50, 8, 0.7, 9)) q")
        ok(cur.fetchone()[0], "merged with a new state, an old state leaves l2i unknown (NULL), not wrong")
        conn.close()
        cluster.stop()
        cluster = None

        # 0.1.0's dumps into a new database of the test cluster
        admin = connect()
        admin.cursor().execute("DROP DATABASE IF EXISTS te_upgrade_010")
        admin.cursor().execute("CREATE DATABASE te_upgrade_010")
        admin.close()
        new = connect("te_upgrade_010")
        ncur = new.cursor()
        ncur.execute("CREATE EXTENSION topembed")
        for fmt in ("text", "binary"):
            ncur.execute("DROP TABLE IF EXISTS sk, forged")
            ncur.execute("CREATE TABLE sk (part int, m topembed.moments, g topembed.gap_state, gu topembed.gap_state)")
            ncur.execute("CREATE TABLE forged (id int, m topembed.moments, g topembed.gap_state)")
            ncur.copy_expert("COPY sk FROM STDIN (FORMAT %s)" % fmt, io.BytesIO(dumps[("sk", fmt)]))
            same = True
            for name, sql in LEGIT[:6]:
                ncur.execute(sql)
                same = same and ncur.fetchall() == before[name]
            ok(same, "0.1.0's COPY %s dump loads into 0.2.0 with the same sketches, gap states and results" % fmt)
            try:
                ncur.copy_expert("COPY forged FROM STDIN (FORMAT %s)" % fmt, io.BytesIO(dumps[("forged", fmt)]))
                st = None
            except psycopg2.Error as e:
                st = e.pgcode
            ok(st == "22P03", "0.1.0's COPY %s dump of forged values is refused (22P03)" % fmt, st)
        new.close()
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


main()
