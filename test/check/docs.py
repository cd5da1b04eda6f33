"""Documentation moves with the code: every SQL object of the extension has a
COMMENT and is named in docs/, every GUC is documented, and every page that
docs/README.md should list is linked."""
import glob
import os
import re

from telib import ROOT, done, fresh_db, ok


def main():
    conn = fresh_db("te_docs")
    cur = conn.cursor()
    cur.execute("""
        SELECT CASE d.classid
                 WHEN 'pg_proc'::regclass THEN (SELECT proname FROM pg_proc WHERE oid = d.objid)
                 WHEN 'pg_type'::regclass THEN (SELECT typname FROM pg_type WHERE oid = d.objid)
                 WHEN 'pg_class'::regclass THEN (SELECT relname FROM pg_class WHERE oid = d.objid)
               END AS name,
               pg_describe_object(d.classid, d.objid, d.objsubid) AS what,
               obj_description(d.objid, d.classid::regclass::text) AS comment
        FROM pg_depend d
        WHERE d.refclassid = 'pg_extension'::regclass
          AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'topembed')
          AND d.deptype = 'e'""")
    objects = cur.fetchall()
    ok(len(objects) > 0, "the extension has members")
    docs = ""
    for path in glob.glob(os.path.join(ROOT, "docs", "*.md")):
        docs += open(path).read()
    for name, what, comment in sorted(set(objects)):
        if name is None:
            continue
        ok(comment is not None and comment.strip() != "", "COMMENT on %s" % what)
        ok(re.search(r"\b%s\b" % re.escape(name), docs) is not None, "docs/ mention %s" % what)

    cur.execute("SELECT topembed.check_embedding('{1}'::real[])")  # load the library
    cur.execute("SELECT name FROM pg_settings WHERE name LIKE 'topembed.%'")
    for (guc,) in cur.fetchall():
        ok(guc in open(os.path.join(ROOT, "docs", "configuration.md")).read(),
           "docs/configuration.md documents %s" % guc)

    index = open(os.path.join(ROOT, "docs", "README.md")).read()
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        page = os.path.basename(path)
        if page != "README.md":
            ok("(%s)" % page in index, "docs/README.md links %s" % page)
    for link in re.findall(r"\]\(([a-z0-9_-]+\.md)\)", docs + index):
        ok(os.path.exists(os.path.join(ROOT, "docs", link)), "docs link %s resolves" % link)
    done()


main()
