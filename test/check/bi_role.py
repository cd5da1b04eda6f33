"""The dashboard role of the docs, end to end: a role made with exactly the
statements that docs/operations.md and docs/bi.md give for it reads the drift
and latest views (and every other view granted to it) with the same rows a
superuser sees, on a history with drift and flagged rows; it can read nothing
else and change nothing; and the history stays whole."""
import os
import re

import psycopg2

import historylib
from telib import ROOT, connect, done, fresh_db, ok

DB = "te_bi_role"
ROLE = "te_bi_dashboard"   # roles are cluster-wide: not the docs' "dashboard"


def doc_statements():
    """The statements of the docs' SQL blocks that create or grant the
    dashboard role, with the role renamed and no password."""
    out = []
    for name in ("operations.md", "bi.md"):
        text = open(os.path.join(ROOT, "docs", name)).read()
        for block in re.findall(r"```sql\n(.*?)```", text, re.S):
            for stmt in block.split(";"):
                s = " ".join(line for line in stmt.strip().splitlines() if not line.strip().startswith("--"))
                if re.search(r"\bdashboard\b", s) and re.match(r"(?i)(CREATE|ALTER) ROLE|GRANT|REVOKE", s):
                    s = re.sub(r"\bdashboard\b", ROLE, s)
                    s = re.sub(r"(?i)\s+PASSWORD\s+'[^']*'", "", s)
                    out.append(s)
    return out


def sorted_rows(cur, view):
    cur.execute("SELECT v::text FROM topembed.%s v" % view)
    return sorted(r[0] for r in cur.fetchall())


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    cur.execute("CREATE TABLE pairs AS SELECT * FROM topembed.synthetic_pairs(400, 32, 0.7, 5)")
    cur.execute("""CREATE TABLE items AS SELECT pair_id, m.modality,
                          CASE m.modality WHEN 'image' THEN image ELSE text END AS embedding
                   FROM pairs, (VALUES ('image'), ('text')) m(modality)""")
    cur.execute("INSERT INTO topembed.drift_thresholds VALUES ('pairs', 'gap', 0.0001), ('*', 'rankme', 0.0001)")
    for rnd in range(3):
        cur.execute("SELECT topembed.snapshot('pairs', 'pairs', image_column => 'image', text_column => 'text', "
                    "sample => 100)")
        cur.execute("SELECT topembed.snapshot('items', 'items', embedding_column => 'embedding', "
                    "modality_column => 'modality', sample => 100)")
        cur.execute("SELECT topembed.snapshot('images', 'items', embedding_column => 'embedding', sample => 100)")
        cur.execute("DELETE FROM pairs WHERE pair_id %% 7 = %s", (rnd,))
        cur.execute("DELETE FROM items WHERE pair_id %% 5 = %s", (rnd,))

    statements = doc_statements()
    ok(any(s.upper().startswith("CREATE ROLE") for s in statements) and
       any(s.upper().startswith("GRANT SELECT") for s in statements),
       "the docs give the dashboard role's CREATE ROLE and GRANT statements (%d)" % len(statements),
       "\n".join(statements))
    for s in statements:
        cur.execute(s)
    cur.execute("""SELECT c.relname, c.relkind FROM pg_class c
                   WHERE c.relnamespace = 'topembed'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S')
                     AND has_table_privilege(%s, c.oid, 'SELECT') ORDER BY 1""", (ROLE,))
    readable = cur.fetchall()
    views = [r[0] for r in readable if r[1] in ("v", "m")]
    ok(readable and all(r[1] in ("v", "m") for r in readable),
       "the role can read views only: %s" % ", ".join(views), readable)
    ok({"drift", "drift_alerts", "latest_metrics"} <= set(views), "the drift and latest views are among them")
    cur.execute("""SELECT c.relname, p FROM pg_class c, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
                   WHERE c.relnamespace = 'topembed'::regnamespace AND c.relkind IN ('r', 'v')
                     AND has_table_privilege(%s, c.oid, p)""", (ROLE,))
    writes = cur.fetchall()
    ok(not writes, "the role can change nothing in schema topembed", writes)
    cur.execute("SELECT has_schema_privilege(%s, 'topembed', 'CREATE')", (ROLE,))
    ok(not cur.fetchone()[0], "the role cannot create objects in schema topembed")

    as_admin = {v: sorted_rows(cur, v) for v in views}
    cur.execute("SELECT count(*) FROM topembed.drift WHERE flagged")
    flagged = cur.fetchone()[0]
    role_conn = psycopg2.connect(dbname=DB, user=ROLE)
    role_conn.autocommit = True
    rcur = role_conn.cursor()
    for v in views:
        try:
            got = sorted_rows(rcur, v)
            ok(got == as_admin[v] and (got or v == "drift_alerts"),
               "as the dashboard role, topembed.%s gives the superuser's %d rows" % (v, len(as_admin[v])),
               "%d rows as the role" % len(got))
        except psycopg2.Error as e:
            ok(False, "as the dashboard role, topembed.%s can be read" % v, "%s %s" % (e.pgcode, e.pgerror))
    ok(flagged > 0 and len(as_admin.get("drift_alerts", [])) == flagged,
       "the drift views show the %d flagged changes" % flagged)
    rcur.execute("SELECT label, gap, drift_flags FROM topembed.latest_metrics ORDER BY label")
    latest = rcur.fetchall()
    ok([r[0] for r in latest] == ["images", "items", "pairs"] and latest[2][1] is not None,
       "latest_metrics shows one row per label to the role", latest)

    refused = []
    for what, sql in [("read topembed.runs", "SELECT count(*) FROM topembed.runs"),
                      ("read topembed.run_spectra", "SELECT count(*) FROM topembed.run_spectra"),
                      ("change a threshold", "INSERT INTO topembed.drift_thresholds VALUES ('x', 'gap', 1)"),
                      ("delete history", "DELETE FROM topembed.run_drift"),
                      ("take a snapshot", "SELECT topembed.snapshot('x', 'pairs', image_column => 'image', "
                                          "text_column => 'text')")]:
        try:
            rcur.execute(sql)
            refused.append("%s: allowed" % what)
        except psycopg2.Error as e:
            if e.pgcode != "42501":
                refused.append("%s: %s %s" % (what, e.pgcode, e.pgerror.strip().splitlines()[0]))
    ok(not refused, "the role cannot read the history tables, change thresholds or history, or snapshot (42501)",
       "\n".join(refused))
    role_conn.close()
    historylib.check(cur, "the dashboard role's reads")
    conn.close()
    admin = connect()
    admin.cursor().execute("DROP DATABASE %s" % DB)
    admin.cursor().execute("DROP ROLE %s" % ROLE)
    done()


main()
