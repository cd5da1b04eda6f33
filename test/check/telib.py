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
