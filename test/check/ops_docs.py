"""The operations documentation is true: every SQL block of
docs/operations.md, docs/cron.md and docs/bi.md runs as written against the
fixture tables items and coco_pairs; each documented role, created with
exactly the grants of docs/operations.md, does its job end to end (the
writer snapshots, the dashboard reads every view and draws the pictures of
docs/bi.md, the maintenance role prunes) and nothing more; and the
"Keeping the history" recipe survives DROP EXTENSION with every view
reading the same afterwards.  Blocks that need pg_cron are left to
test/cluster/cron.sh."""
import os
import re

import psycopg2

from telib import DATA, ROOT, connect, done, fresh_db, load_csv, ok

DB = "te_ops_docs"
ROLES = ("dashboard", "snapshotter", "history_keeper")
PREFIX = "te_docs_"
RESTORE_MARK = "docs-test: run only after DROP EXTENSION topembed"
# the views whose contents must survive the history round trip
VIEWS = ["runs", "run_gap", "run_spectra", "run_diagrams", "run_drift", "drift_thresholds", "labels",
         "latest_metrics", "metric_history", "drift", "spectrum_history", "diagram_history", "run_detail"]


def sql_blocks(page):
    """(line, marker line before the fence, text) of every ```sql block."""
    lines = open(os.path.join(ROOT, "docs", page)).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```sql":
            start, body = i + 1, []
            i += 1
            while lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            before = next((lines[j] for j in range(start - 2, -1, -1) if lines[j].strip()), "")
            out.append((start, before, "\n".join(body)))
        i += 1
    return out


def rename_roles(text):
    return re.sub(r"\b(%s)\b" % "|".join(ROLES), lambda m: PREFIX + m.group(1), text)


def run(conn, page, line, text, what=""):
    """Run one block; ok() on success, the error otherwise."""
    try:
        with conn.cursor() as cur:
            cur.execute(text)
        ok(True, "docs/%s:%d runs%s" % (page, line, what))
        return True
    except psycopg2.Error as e:
        ok(False, "docs/%s:%d runs%s" % (page, line, what), "%s: %s" % (e.pgcode, e))
        return False


def build_fixture(cur):
    """items(model, modality, pair_id, created_at, embedding) and
    coco_pairs(pair_id, image_emb, text_emb), from the shared data when it
    is there, else synthetic pairs of the same shape."""
    five = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    clip = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    if os.path.exists(five) and os.path.exists(clip):
        load_csv(cur.connection, "items_raw", five)
        load_csv(cur.connection, "clip_raw", clip)
        print("# fixture from %s and %s" % (five, clip))
    else:
        print("# fixture: synthetic pairs (../shared/data is absent)")
        cur.execute("""CREATE TABLE items_raw AS
                       SELECT m.model, p.pair_id, v.modality, CASE v.modality WHEN 'image' THEN p.image ELSE p.text END AS embedding
                       FROM (VALUES ('CLIP', 0.8, 1), ('CLOOB', 0.3, 2)) m(model, gap, seed)
                       CROSS JOIN LATERAL topembed.synthetic_pairs(100, 64, m.gap, m.seed) p
                       CROSS JOIN (VALUES ('image'), ('text')) v(modality)""")
        cur.execute("""CREATE TABLE clip_raw AS
                       SELECT p.pair_id, v.modality, CASE v.modality WHEN 'image' THEN p.image ELSE p.text END AS embedding
                       FROM topembed.synthetic_pairs(300, 64, 0.8, 3) p CROSS JOIN (VALUES ('image'), ('text')) v(modality)""")
    cur.execute("""CREATE TABLE items AS
                   SELECT model, modality, pair_id, now() - (pair_id % 5) * interval '1 day' AS created_at, embedding
                   FROM items_raw""")
    cur.execute("""CREATE TABLE coco_pairs AS
                   SELECT i.pair_id, i.embedding AS image_emb, t.embedding AS text_emb
                   FROM clip_raw i JOIN clip_raw t ON t.pair_id = i.pair_id AND t.modality = 'text'
                   WHERE i.modality = 'image'""")
    cur.execute("DROP TABLE items_raw, clip_raw")
    cur.execute("ANALYZE items")
    cur.execute("ANALYZE coco_pairs")


def login(role):
    c = psycopg2.connect(dbname=DB, user=PREFIX + role)
    c.autocommit = True
    return c


def fails(conn, sql, code="42501"):
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
        return False
    except psycopg2.Error as e:
        return e.pgcode == code


def view_contents(cur):
    out = {}
    for v in VIEWS:
        cur.execute("SELECT coalesce(array_agg(t::text ORDER BY t::text), '{}') FROM topembed.%s t" % v)
        out[v] = cur.fetchone()[0]
    return out


def drop_roles(admin):
    cur = admin.cursor()
    for role in ROLES:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PREFIX + role,))
        if cur.fetchone():
            cur.execute("DROP OWNED BY %s" % (PREFIX + role))
            cur.execute("DROP ROLE %s" % (PREFIX + role))


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    drop_roles(conn)
    build_fixture(cur)

    ops = sql_blocks("operations.md")
    role_blocks = [(line, text) for line, _, text in ops if "CREATE ROLE" in text]
    ok(sorted(re.search(r"CREATE ROLE (\w+)", t).group(1) for _, t in role_blocks) == sorted(ROLES),
       "docs/operations.md documents the roles %s" % ", ".join(ROLES))
    restore = [(line, text) for line, before, text in ops if RESTORE_MARK in before]
    ok(len(restore) == 1, "docs/operations.md has one restore block, marked for this test")

    # 1. every block, in order, as the superuser (the roles' blocks with their names prefixed)
    for line, before, text in ops:
        if RESTORE_MARK in before or "cron." in text:
            continue
        run(conn, "operations.md", line, rename_roles(text))
    for line, _, text in sql_blocks("cron.md"):
        if "cron" not in text:
            run(conn, "cron.md", line, rename_roles(text))
    # cron.md sets the job's role's settings (ALTER ROLE CURRENT_USER SET ...):
    # take them back, so that the suites after this one run with the defaults
    with conn.cursor() as reset:
        for setting in ("statement_timeout", "topembed.progress", "topembed.progress_interval"):
            reset.execute("ALTER ROLE CURRENT_USER RESET " + setting)

    # 2. the writer, with exactly the documented grants, snapshots end to end
    w = login("snapshotter")
    call = ("SELECT topembed.snapshot('coco-writer', 'coco_pairs', image_column => 'image_emb', "
            "text_column => 'text_emb', sample => 200)")
    first = run(w, "operations.md", role_blocks[1][0], call, " (the writer's first snapshot)")
    second = run(w, "operations.md", role_blocks[1][0], call, " (the writer's second snapshot)")
    if first and second:
        cur.execute("""SELECT count(*), count(DISTINCT d.previous_run_id) FROM topembed.run_drift d
                       JOIN topembed.runs r USING (run_id) WHERE r.label = 'coco-writer'""")
        n, prevs = cur.fetchone()
        ok(n > 0 and prevs == 1, "the writer's second run has drift rows against its first (%d rows)" % n)
    ok(fails(w, "DELETE FROM topembed.runs"), "the writer cannot delete runs")
    ok(fails(w, "UPDATE topembed.run_gap SET gap = 0"), "the writer cannot change recorded figures")
    ok(fails(w, "SELECT topembed.snapshot('x', 'items', embedding_column => 'embedding', modality_column => 'modality')"),
       "the writer cannot snapshot a source it was not granted")
    w.close()

    # 3. the dashboard reads every view and draws the pictures of docs/bi.md, and nothing more
    d = login("dashboard")
    for line, _, text in sql_blocks("bi.md"):
        run(d, "bi.md", line, text, " as the dashboard role")
    with d.cursor() as dc:
        dc.execute("""SELECT topembed.diagram_svg(diagram, label || ' image, run ' || run_id)
                      FROM topembed.run_detail WHERE label = 'coco' AND modality = 'image' AND diagram IS NOT NULL
                      ORDER BY run_id DESC LIMIT 1""")
        row = dc.fetchone()
        ok(row is not None and row[0].startswith("<svg") and len(row[0]) > 1000,
           "the dashboard draws the latest 'coco' diagram from topembed.run_detail")
        for v in ["metric_history", "latest_metrics", "spectrum_history", "diagram_history", "drift", "drift_alerts",
                  "run_detail"]:
            dc.execute("SELECT count(*) FROM topembed.%s" % v)
            ok(dc.fetchone()[0] >= 0, "the dashboard reads topembed.%s" % v)
    ok(fails(d, "SELECT * FROM topembed.runs"), "the dashboard cannot read the history tables")
    ok(fails(d, "SELECT * FROM topembed.run_diagrams"), "the dashboard cannot read run_diagrams directly")
    ok(fails(d, "UPDATE topembed.drift_thresholds SET threshold = 1"), "the dashboard cannot change thresholds")
    ok(fails(d, call), "the dashboard cannot snapshot")
    d.close()

    # 4. the maintenance role prunes, and can change nothing else
    cur.execute("""UPDATE topembed.runs SET started_at = started_at - interval '200 days'
                   WHERE run_id < (SELECT max(run_id) FROM topembed.runs r2 WHERE r2.label = runs.label)""")
    cur.execute("SELECT count(*) FROM topembed.runs r WHERE r.run_id < (SELECT max(run_id) FROM topembed.runs x WHERE x.label = r.label)")
    old_runs = cur.fetchone()[0]
    k = login("history_keeper")
    with k.cursor() as kc:
        kc.execute("SELECT topembed.prune_history(interval '90 days')")
        pruned = kc.fetchone()[0]
    ok(old_runs > 0 and pruned == old_runs, "the maintenance role prunes every old run (%d of %d)" % (pruned, old_runs))
    ok(fails(k, "UPDATE topembed.run_gap SET gap = 0"), "the maintenance role cannot change a scalar figure")
    ok(fails(k, "DELETE FROM topembed.runs"), "the maintenance role cannot delete runs")
    ok(fails(k, call), "the maintenance role cannot snapshot")
    k.close()

    # 5. keeping the history: export, DROP EXTENSION, CREATE EXTENSION, restore
    before = view_contents(cur)
    cur.execute("DROP SCHEMA IF EXISTS topembed_archive CASCADE")
    export = [(line, text) for line, _, text in ops if "topembed_archive.runs AS" in text]
    ok(len(export) == 1 and run(conn, "operations.md", export[0][0], export[0][1], " (the export, again)"),
       "the export block runs")
    cur.execute("DROP EXTENSION topembed")
    cur.execute("SELECT count(*) FROM topembed_archive.runs")
    ok(cur.fetchone()[0] > 0, "the archived runs survive DROP EXTENSION topembed")
    cur.execute("CREATE EXTENSION topembed")
    run(conn, "operations.md", restore[0][0], restore[0][1], " (the restore, after DROP and CREATE EXTENSION)")
    after = view_contents(cur)
    for v in VIEWS:
        ok(before[v] == after[v], "topembed.%s reads the same after the round trip (%d rows)" % (v, len(before[v])))
    cur.execute("SELECT max(run_id) FROM topembed.runs WHERE label = 'coco'")
    latest = cur.fetchone()[0]
    cur.execute("SELECT topembed.snapshot('coco', 'coco_pairs', image_column => 'image_emb', text_column => 'text_emb', "
                "sample => 200)")
    new = cur.fetchone()[0]
    cur.execute("SELECT topembed.previous_run(%s), (SELECT count(*) FROM topembed.run_drift WHERE run_id = %s)",
                (new, new))
    prev, drift_rows = cur.fetchone()
    ok(new > latest and prev == latest and drift_rows > 0,
       "a snapshot after the restore continues the run ids and drifts against the restored latest run")

    conn.close()
    admin = connect()
    admin.cursor().execute("DROP DATABASE %s" % DB)
    for role in ROLES:
        admin.cursor().execute("DROP ROLE IF EXISTS %s" % (PREFIX + role))
    done()


main()
