"""topembed on a real Citus cluster: a coordinator and two workers on this
machine, from the Citus of ../shared/vendor/citus, extracted into the
private PostgreSQL copy the tests run or, when they run on the system's
PostgreSQL (as CI does), into a relocated copy of it that this test makes
and removes: never into the system's files.

Paired and unpaired tables of the CLIP data are distributed by pair_id.
For every streaming aggregate the plan is worker-partial
(worker_partial_agg in EXPLAIN VERBOSE) and the result equals the local
one; GROUP BY the distribution column (pushed down whole) and another
column (worker-partial); the rollup of stored states; and topembed.snapshot
of a distributed table.  The persistence aggregates, whose state is
internal, are row-gathered and still equal the local diagram.  The sizes of
the partial states are printed (as # lines).

Skips, saying why, without Citus (no ../shared/vendor/citus), with a
server older than 15.20, or without the shared data."""
import glob
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

import psycopg2

from telib import DATA, connect, done, need_data, ok, server_config

DATAFILE = "mscoco_clip_vitb16.csv"
VENDOR = os.path.join(os.path.dirname(DATA), "vendor", "citus")
LIBDIR_TAIL = "/usr/lib/postgresql/15/lib"
TOL = 1e-12


def as_owner(cmd):
    """cmd as the postgres user when we are root (initdb refuses root)."""
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.getuid() == 0 else cmd


def private_copy(root):
    """A relocated copy of the system's PostgreSQL 15 (with topembed as installed) under
    root: its binaries find their lib and share directories relative to themselves, so
    Citus goes into the copy and never into the system's files."""
    prefix = os.path.join(root, "pg")
    for part in ("usr/lib/postgresql/15", "usr/share/postgresql/15"):
        shutil.copytree("/" + part, os.path.join(prefix, part), symlinks=True)
    return prefix


def citus_available(admin, root):
    """Make Citus loadable: (None, bindir of the servers to start), or (why not, None)."""
    cur = admin.cursor()
    cur.execute("SHOW server_version_num")
    if int(cur.fetchone()[0]) < 150020:
        return "Citus 13.2.2 needs PostgreSQL 15.20 or later", None
    pkglib = server_config(admin, "PKGLIBDIR")
    bindir = server_config(admin, "BINDIR")
    if os.path.exists(os.path.join(pkglib, "citus.so")):
        return None, bindir
    tars = sorted(glob.glob(os.path.join(VENDOR, "citus-*-pg15-*.tar.gz")))
    if not tars:
        return "Citus is not installed and %s is absent" % VENDOR, None
    if not pkglib.endswith(LIBDIR_TAIL):
        return "Citus is not installed and %s is not a Debian layout to copy" % pkglib, None
    if pkglib == LIBDIR_TAIL:
        # the system's PostgreSQL: the three servers run from a private copy of it
        prefix = private_copy(root)
        bindir = prefix + os.path.dirname(LIBDIR_TAIL) + "/bin"
    else:
        prefix = pkglib[:-len(LIBDIR_TAIL)]
    r = subprocess.run(["tar", "-C", prefix, "-xzf", tars[-1]], capture_output=True, text=True)
    if r.returncode != 0:
        return "extracting %s into %s failed: %s" % (tars[-1], prefix, r.stderr[-300:]), None
    return None, bindir


class Node:
    """One PostgreSQL server with Citus preloaded, on 127.0.0.1."""

    def __init__(self, bindir, root, name, port):
        self.bindir, self.port = bindir, port
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        r = subprocess.run(as_owner([os.path.join(bindir, "initdb"), "-D", self.dir + "/data", "-A", "trust",
                                     "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("initdb: " + r.stderr)
        with open(self.dir + "/data/postgresql.conf", "a") as f:
            f.write("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"
                    "shared_preload_libraries = 'citus'\nfsync = off\nsynchronous_commit = off\n"
                    "full_page_writes = off\nshared_buffers = 64MB\nmax_connections = 60\n"
                    "log_min_messages = warning\ncitus.enable_statistics_collection = off\n"
                    "max_worker_processes = 12\n" % (port, self.dir))
        r = subprocess.run(as_owner([os.path.join(bindir, "pg_ctl"), "-D", self.dir + "/data", "-l",
                                     self.dir + "/server.log", "-w", "-t", "90", "start"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start: " + r.stderr + open(self.dir + "/server.log").read()[-2000:])

    def connect(self, db="postgres"):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db)
        conn.autocommit = True
        return conn

    def stop(self):
        subprocess.run(as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.dir + "/data", "-m", "fast",
                                 "-w", "stop"]), capture_output=True)

    def crashed(self):
        log = open(self.dir + "/server.log", errors="replace").read()
        return "terminated by signal" in log or "PANIC:" in log


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def plan_of(cur, sql):
    cur.execute("EXPLAIN VERBOSE " + sql)
    return "\n".join(r[0] for r in cur.fetchall())


def close_values(a, b, tol=TOL):
    """Deep comparison of JSON values: numbers to tol relative to max(1, |b|)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= tol * max(1.0, abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close_values(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close_values(a[k], b[k], tol) for k in a)
    return a == b


def as_json(v):
    return json.loads(v) if isinstance(v, str) else v


def diagram(cur, sql):
    """A diagram query's pairs as sorted (dim, birth, death) triples."""
    cur.execute("SELECT (p).hdim, (p).birth, (p).death FROM (SELECT unnest((%s)) AS p) s" % sql)
    return sorted(cur.fetchall())


def main():
    admin = connect()
    if not need_data("topembed on Citus", DATAFILE):
        done()
        return
    root = tempfile.mkdtemp(prefix="te_citus_")
    os.chmod(root, 0o755)
    why, bindir = citus_available(admin, root)
    if why:
        shutil.rmtree(root, ignore_errors=True)
        ok(True, "topembed on Citus # SKIP %s" % why)
        done()
        return
    base = 41000 + random.randrange(0, 8000)
    nodes = []
    try:
        for k, name in enumerate(("coordinator", "worker1", "worker2")):
            nodes.append(Node(bindir, root, name, base + k))
        run(nodes)
    finally:
        for n in nodes:
            ok(not n.crashed(), "no backend of the %s died of a signal" % os.path.basename(n.dir))
            n.stop()
        shutil.rmtree(root, ignore_errors=True)
    done()


def run(nodes):
    coord = nodes[0].connect()
    cur = coord.cursor()
    cur.execute("CREATE EXTENSION citus")
    for w in nodes[1:]:
        wc = w.connect()
        wc.cursor().execute("CREATE EXTENSION citus")
        wc.close()
    cur.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", (nodes[0].port,))
    for w in nodes[1:]:
        cur.execute("SELECT citus_add_node('127.0.0.1', %s)", (w.port,))
    ok(one(cur, "SELECT count(*) FROM citus_get_active_worker_nodes()") == 2,
       "a coordinator and two workers form a Citus %s cluster" % one(cur, "SELECT extversion FROM pg_extension WHERE extname = 'citus'"))
    cur.execute("CREATE EXTENSION topembed")
    ok(all(w.connect().cursor().execute("SELECT 1") is None for w in nodes[1:]) and
       all(one(w.connect().cursor(), "SELECT count(*) FROM pg_extension WHERE extname = 'topembed'") == 1
           for w in nodes[1:]),
       "CREATE EXTENSION topembed on the coordinator reaches both workers")

    # local tables, then the same rows in distributed tables (8 shards)
    cur.execute("CREATE TABLE items_local (pair_id int, modality text, embedding real[], grp int)")
    with open(os.path.join(DATA, DATAFILE)) as f:
        header = f.readline().strip().split(",")
        f.seek(0)
        cur.copy_expert("COPY items_local(%s) FROM STDIN CSV HEADER" % ",".join(header), f)
    cur.execute("UPDATE items_local SET grp = pair_id % 4")
    cur.execute("""CREATE TABLE pairs_local AS
                   SELECT i.pair_id, i.grp, i.embedding AS image, t.embedding AS text
                   FROM items_local i JOIN items_local t USING (pair_id)
                   WHERE i.modality = 'image' AND t.modality = 'text'""")
    cur.execute("SET citus.shard_count = 8")
    for t in ("items", "pairs"):
        cur.execute("CREATE TABLE %s (LIKE %s_local)" % (t, t))
        cur.execute("SELECT create_distributed_table('%s', 'pair_id')" % t)
        cur.execute("INSERT INTO %s SELECT * FROM %s_local" % (t, t))
    ok(one(cur, "SELECT count(*) FROM items") == 1000 and one(cur, "SELECT count(*) FROM pairs") == 500 and
       one(cur, "SELECT count(DISTINCT nodename || nodeport) FROM citus_shards WHERE table_name = 'pairs'::regclass") == 2,
       "the 1000 items and 500 pairs are distributed by pair_id over 8 shards on both workers")

    # every streaming aggregate: worker-partial, equal to local
    # (name, the aggregate as planned, the figures compared, table)
    streaming = [
        ("modality_gap(image, text)", "topembed.modality_gap(image, text)",
         "to_jsonb(topembed.modality_gap(image, text))", "pairs"),
        ("gap_state(image, text)", "topembed.gap_state(image, text)",
         "to_jsonb(topembed.modality_gap(s)) FROM (SELECT topembed.gap_state(image, text) AS s FROM {t}) q", "pairs"),
        ("modality_gap(embedding, is_image)", "topembed.modality_gap(embedding, modality = 'image')",
         "to_jsonb(topembed.modality_gap(embedding, modality = 'image'))", "items"),
        ("gap_state(embedding, is_image)", "topembed.gap_state(embedding, modality = 'image')",
         "to_jsonb(topembed.modality_gap(s)) FROM (SELECT topembed.gap_state(embedding, modality = 'image') AS s "
         "FROM {t}) q", "items"),
        ("moments(embedding)", "topembed.moments(embedding)",
         "to_jsonb(topembed.spectrum(topembed.moments(embedding)))", "items"),
        ("spectral_collapse(embedding)", "topembed.spectral_collapse(embedding)",
         "to_jsonb(topembed.spectral_collapse(embedding))", "items"),
    ]
    for name, agg, expr, table in streaming:
        plan = plan_of(cur, "SELECT %s FROM %s" % (agg, table))
        if "{t}" not in expr:
            expr += " FROM {t}"
        dist = as_json(one(cur, "SELECT " + expr.format(t=table)))
        local = as_json(one(cur, "SELECT " + expr.format(t=table + "_local")))
        ok("worker_partial_agg" in plan and "coord_combine_agg" in plan and close_values(dist, local, 1e-10),
           "%s runs worker-partial on Citus, combined on the coordinator, and equals the local result" % name,
           "plan:\n%s\ndistributed %s\nlocal %s" % (plan, str(dist)[:400], str(local)[:400]))

    # persistence: an internal state, so the points are row-gathered; same diagram
    for args in ("", ", 1, 'cosine', NULL, 100"):
        sql = "SELECT topembed.persistence(embedding%s) FROM %%s WHERE modality = 'image' AND pair_id < 150" % args \
            if not args else "SELECT topembed.persistence(embedding%s) FROM %%s WHERE modality = 'image'" % args
        plan = plan_of(cur, sql % "items")
        d, l = diagram(cur, sql % "items"), diagram(cur, sql % "items_local")
        ok("worker_partial_agg" not in plan and len(d) > 0 and d == l,
           "persistence(embedding%s) is row-gathered on Citus and gives the local diagram (%d bars)" % (args, len(d)),
           "%s\nlocal %d bars, distributed %d; first differences: %s" % (
               plan, len(l), len(d), [(a, b) for a, b in zip(d, l) if a != b][:5]))

    # the sample that travels: point_sample runs worker-partial, each shard ships at most k points
    k = 25  # fewer than each shard's 62 or so images, so that each ships a sample, not its rows
    sql = "SELECT topembed.point_sample(embedding, %d) AS s FROM %%s WHERE modality = 'image'" % k
    plan = plan_of(cur, sql % "items")
    dist = one(cur, "SELECT topembed.persistence(s, 1, 'cosine')::text FROM (%s) x" % (sql % "items"))
    local = one(cur, "SELECT topembed.persistence(embedding, 1, 'cosine', NULL, %d)::text FROM items_local "
                     "WHERE modality = 'image'" % k)
    ok("worker_partial_agg" in plan and "coord_combine_agg" in plan and dist == local,
       "point_sample(embedding, %d) runs worker-partial on Citus and its diagram is the local sampled one" % k, plan)
    ok(one(cur, "SELECT (%s)::text = (SELECT topembed.point_sample(embedding, %d)::text FROM items_local "
                "WHERE modality = 'image')" % (sql % "items", k)),
       "the distributed sample equals the local one, bit for bit")
    cur.execute("""SELECT sum(octet_length(s::text)), count(*), sum(b) FROM (
                     SELECT topembed.point_sample(embedding, %d) s, sum(pg_column_size(embedding)) b
                     FROM items_local WHERE modality = 'image'
                     GROUP BY get_shard_id_for_distribution_column('items', pair_id)) x""" % k)
    shipped, states, vecs = cur.fetchone()
    print("# point_sample(embedding, %d): %d shard samples ship %d text bytes for %d bytes of image vectors"
          % (k, states, shipped, vecs))
    ok(states == 8 and shipped < vecs and shipped <= states * (k * 512 * 4 * 4 // 3 + 100),
       "the 8 shard samples ship %d bytes, at most %d points each" % (shipped, k))

    # GROUP BY the distribution column: each group whole on one worker
    q = ("SELECT pair_id, to_jsonb(topembed.modality_gap(embedding, modality = 'image')), "
         "to_jsonb(topembed.mean(topembed.moments(embedding))) FROM %s GROUP BY pair_id ORDER BY pair_id")
    plan = plan_of(cur, "SELECT pair_id, topembed.moments(embedding) FROM items GROUP BY pair_id")
    cur.execute(q % "items")
    dist = cur.fetchall()
    cur.execute(q % "items_local")
    local = cur.fetchall()
    ok(len(dist) == 500 and "worker_partial_agg" not in plan and "GROUP BY pair_id" in plan and
       all(a[0] == b[0] and close_values(as_json(a[1]), as_json(b[1])) and close_values(as_json(a[2]), as_json(b[2]), 1e-9)
           for a, b in zip(dist, local)),
       "GROUP BY the distribution column is pushed down whole and equals local in all %d groups" % len(dist), plan)

    # GROUP BY another column: worker-partial per group
    for table, key, expr in (("pairs", "grp", "to_jsonb(topembed.modality_gap(image, text))"),
                             ("items", "modality", "to_jsonb(topembed.spectral_collapse(embedding))"),
                             ("items", "grp", "to_jsonb(topembed.spectrum(topembed.moments(embedding)))")):
        q = "SELECT %s, %s FROM %%s GROUP BY 1 ORDER BY 1" % (key, expr)
        plan = plan_of(cur, q % table)
        cur.execute(q % table)
        dist = cur.fetchall()
        cur.execute(q % (table + "_local"))
        local = cur.fetchall()
        ok("worker_partial_agg" in plan and len(dist) == len(local) > 1 and
           all(a[0] == b[0] and close_values(as_json(a[1]), as_json(b[1]), 1e-10) for a, b in zip(dist, local)),
           "GROUP BY %s (not the distribution column) runs worker-partial and equals local in %d groups"
           % (key, len(dist)), plan)

    # the rollup: states stored in a distributed table, merged later
    cur.execute("CREATE TABLE rollup (grp int, modality text, m topembed.moments, g topembed.gap_state)")
    cur.execute("SELECT create_distributed_table('rollup', 'grp')")
    cur.execute("""INSERT INTO rollup SELECT grp, modality, topembed.moments(embedding),
                          topembed.gap_state(embedding, modality = 'image') FROM items GROUP BY grp, modality""")
    ok(one(cur, "SELECT count(*) FROM rollup") == 8, "8 rollup rows (4 groups x 2 modalities) are stored")
    plan = plan_of(cur, "SELECT topembed.moments(m) FROM rollup WHERE modality = 'image'")
    ok("worker_partial_agg" in plan and close_values(
        as_json(one(cur, "SELECT to_jsonb(topembed.spectrum(topembed.moments(m))) FROM rollup WHERE modality = 'image'")),
        as_json(one(cur, "SELECT to_jsonb(topembed.spectral_collapse(embedding)) FROM items_local WHERE modality = 'image'")),
        1e-10), "moments(moments) of the stored rollup runs worker-partial and equals the local spectrum", plan)
    plan = plan_of(cur, "SELECT topembed.modality_gap(g) FROM rollup")
    ok("worker_partial_agg" in plan and close_values(
        as_json(one(cur, "SELECT to_jsonb(topembed.modality_gap(g)) FROM rollup")),
        as_json(one(cur, "SELECT to_jsonb(topembed.modality_gap(embedding, modality = 'image')) FROM items_local"))),
        "modality_gap(gap_state) of the stored rollup runs worker-partial and equals the local gap", plan)

    # pgvector columns, read natively by topembed_pgvector on the workers
    if one(cur, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") == 0:
        ok(True, "topembed_pgvector on Citus # SKIP pgvector is not installed in this server "
           "(test/check/pgvector_native.py builds it from ../shared/vendor/pgvector)")
    else:
        cur.execute("CREATE EXTENSION vector")
        cur.execute("CREATE EXTENSION topembed_pgvector")
        cur.execute("CREATE TABLE vpairs (pair_id int, grp int, iv vector(512), tv vector(512))")
        cur.execute("SELECT create_distributed_table('vpairs', 'pair_id')")
        cur.execute("INSERT INTO vpairs SELECT pair_id, grp, image::vector, text::vector FROM pairs_local")
        plan = plan_of(cur, "SELECT topembed.modality_gap(iv, tv) FROM vpairs")
        ok("worker_partial_agg" in plan and close_values(
            as_json(one(cur, "SELECT to_jsonb(topembed.modality_gap(iv, tv)) FROM vpairs")),
            as_json(one(cur, "SELECT to_jsonb(topembed.modality_gap(image, text)) FROM pairs_local"))),
            "modality_gap(vector, vector) runs worker-partial on Citus and equals the local real[] result", plan)
        q = "SELECT grp, to_jsonb(topembed.spectral_collapse(%s)) FROM %s GROUP BY 1 ORDER BY 1"
        cur.execute(q % ("iv", "vpairs"))
        dist = cur.fetchall()
        cur.execute(q % ("image", "pairs_local"))
        local = cur.fetchall()
        ok(len(dist) == 4 and all(a[0] == b[0] and close_values(as_json(a[1]), as_json(b[1]), 1e-10)
                                  for a, b in zip(dist, local)),
           "spectral_collapse(vector) GROUP BY grp on Citus equals the local real[] result")

    # the sizes of the states that travel (their text form, as Citus ships them)
    sizes = {}
    for name, typ, sql in (
            ("moments of 125 rows x 512", "moments",
             "SELECT topembed.moments(embedding) FROM items_local WHERE grp = 0 AND modality = 'image'"),
            ("moments of 2 rows x 512", "moments", "SELECT topembed.moments(embedding) FROM items_local WHERE pair_id = 1"),
            ("moments of 1000 rows x 512", "moments", "SELECT topembed.moments(embedding) FROM items_local"),
            ("gap_state of 500 pairs x 512", "gap_state", "SELECT topembed.gap_state(image, text) FROM pairs_local")):
        sizes[name] = (one(cur, "SELECT octet_length((%s)::text)" % sql),
                       one(cur, "SELECT octet_length(topembed.%s_send((%s)))" % (typ, sql)),
                       one(cur, "SELECT pg_column_size((%s))" % sql))
        print("# state size: %s: text %d bytes, binary %d bytes, in memory or a table %d bytes" % ((name,) + sizes[name]))
    vec_bytes = one(cur, "SELECT sum(pg_column_size(embedding)) FROM items_local WHERE grp = 0 AND modality = 'image'")
    print("# the 125 vectors of that group: %d bytes" % vec_bytes)
    ok(all(s[0] > 0 for s in sizes.values()), "state sizes measured (printed above)")
    compact = sizes["moments of 1000 rows x 512"][0]
    ok(sizes["moments of 2 rows x 512"][0] * 100 < compact and sizes["moments of 125 rows x 512"][0] * 3 < compact,
       "a small group's moments state keeps its rows: %d text bytes for 2 rows and %d for 125, against %d for "
       "the compact form of 512 dimensions" % (sizes["moments of 2 rows x 512"][0],
                                              sizes["moments of 125 rows x 512"][0], compact))
    # what moments GROUP BY grp ships: one partial state per shard and group, as text
    cur.execute("""
        SELECT sum(octet_length(m::text)), count(*), sum(b) FROM (
          SELECT topembed.moments(embedding) m, sum(pg_column_size(embedding)) b FROM items_local
          GROUP BY get_shard_id_for_distribution_column('items', pair_id), grp) s""")
    shipped, states, vecs = cur.fetchone()
    print("# moments GROUP BY grp: %d partial states, %d text bytes shipped for %d bytes of vectors "
          "(%d bytes if every state were compact)" % (states, shipped, vecs, states * compact))
    ok(states == 32 and shipped * 5 < states * compact,
       "moments GROUP BY grp ships %d bytes in %d partial states, against %d in the compact form"
       % (shipped, states, states * compact), (states, shipped))

    # snapshot of a distributed table equals the snapshot of the local one
    runs = {}
    for t in ("items", "items_local"):
        runs[t] = one(cur, "SELECT topembed.snapshot(%s, %s, embedding_column => 'embedding', "
                           "modality_column => 'modality', sample => 200)", ("citus-" + t, t))
    cur.execute("""SELECT g.n_pairs, g.gap, s.effective_rank, d.diagram::text
                   FROM topembed.run_gap g JOIN topembed.run_spectra s USING (run_id)
                   JOIN topembed.run_diagrams d USING (run_id)
                   WHERE g.run_id = ANY(%s) AND s.modality = 'image' AND d.modality = 'image' ORDER BY g.run_id""",
                ([runs["items"], runs["items_local"]],))
    a, b = cur.fetchall()
    ok(a[0] == b[0] and close_values(a[1], b[1]) and close_values(a[2], b[2], 1e-10),
       "topembed.snapshot of the distributed table gives the local gap and spectrum (gap %.6f)" % a[1])
    ok(a[3] == b[3], "and the same diagram of its sample")
    coord.close()


main()
