"""The extension installs only into a schema nobody else controls.

The attack of issue 15: a role with CREATE on the database makes schema
topembed before a superuser runs CREATE EXTENSION, then plants an overload
topembed.snapshot(text, text, ...) that a quoted source name resolves to,
which promotes the role to superuser.  CREATE EXTENSION must refuse a schema
that another role owns, that holds objects, or where another role may create
objects; after a proper install nobody but the owner can add objects; and
ALTER EXTENSION UPDATE refuses a schema that someone was allowed into later."""
import psycopg2

from telib import OLD_RELEASE, OldRelease, connect, done, ok, sqlstate_of

DB = "te_schema_trust"
MALLORY = "te_mallory"

PLANT = """
CREATE FUNCTION topembed.snapshot(label text, source text, image_column name DEFAULT NULL,
    text_column name DEFAULT NULL, embedding_column name DEFAULT NULL, modality_column name DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I SUPERUSER', 'te_mallory');
    RETURN 0;
END
$$"""
CALL = ("SELECT topembed.snapshot('nightly', 'public.pairs', image_column => 'image', "
        "text_column => 'text', sample => 50)")


def fresh(admin):
    """An empty database where mallory may create schemas."""
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("CREATE DATABASE %s" % DB)
    cur.execute("GRANT CREATE ON DATABASE %s TO %s" % (DB, MALLORY))
    su = connect(DB)
    su.cursor().execute("CREATE TABLE public.pairs AS SELECT 1 AS n")
    return su


def as_mallory():
    c = psycopg2.connect(dbname=DB, user=MALLORY)
    c.autocommit = True
    return c


def is_superuser(admin):
    cur = admin.cursor()
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (MALLORY,))
    return cur.fetchone()[0]


def main():
    admin = connect()
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("DROP ROLE IF EXISTS %s" % MALLORY)
    cur.execute("CREATE ROLE %s LOGIN" % MALLORY)

    # 1. mallory makes the schema first, and plants the overload in it
    su = fresh(admin)
    m = as_mallory()
    m.cursor().execute("CREATE SCHEMA topembed")
    code, msg = sqlstate_of(su, "CREATE EXTENSION topembed")
    ok(code == "42501" and 'schema "topembed" is owned by role "te_mallory"' in (msg or ""),
       "CREATE EXTENSION refuses a schema topembed that another role made: %s" % msg)
    m.cursor().execute(PLANT)
    code, msg = sqlstate_of(su, "CREATE EXTENSION topembed")
    ok(code == "42501", "... also once the role has planted topembed.snapshot(text, text, ...) there: %s" % msg)
    c2 = su.cursor()
    c2.execute("SELECT count(*) FROM pg_extension WHERE extname = 'topembed'")
    ok(c2.fetchone()[0] == 0, "the extension is not installed")
    ok(not is_superuser(admin), "mallory did not become superuser")
    m.close()
    su.close()

    # 2. a schema the superuser owns, but that holds an object, or lets others create
    su = fresh(admin)
    c2 = su.cursor()
    c2.execute("CREATE SCHEMA topembed")
    c2.execute("CREATE FUNCTION topembed.snapshot(text, text) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'")
    code, msg = sqlstate_of(su, "CREATE EXTENSION topembed")
    ok(code == "42501" and "holds objects" in (msg or ""),
       "CREATE EXTENSION refuses a schema that already holds objects: %s" % msg)
    with su.cursor() as c3:
        try:
            c3.execute("CREATE EXTENSION topembed")
        except psycopg2.Error as e:
            ok("function topembed.snapshot(pg_catalog.text,pg_catalog.text)" in (e.diag.message_detail or ""),
               "the error names the foreign object: %s" % e.diag.message_detail)
    c2.execute("DROP FUNCTION topembed.snapshot(text, text)")
    for grantee in ("PUBLIC", MALLORY):
        c2.execute("GRANT CREATE ON SCHEMA topembed TO %s" % grantee)
        code, msg = sqlstate_of(su, "CREATE EXTENSION topembed")
        ok(code == "42501" and "may create objects" in (msg or ""),
           "CREATE EXTENSION refuses a schema where %s may create objects: %s" % (grantee, msg))
        c2.execute("REVOKE CREATE ON SCHEMA topembed FROM %s" % grantee)
    code, msg = sqlstate_of(su, "CREATE EXTENSION topembed")
    ok(code is None, "an empty schema of the superuser's is accepted: %s" % msg)
    su.close()

    # 3. a proper install: nobody but the owner can add objects to the schema
    su = fresh(admin)
    c2 = su.cursor()
    c2.execute("CREATE EXTENSION topembed")
    c2.execute("GRANT USAGE ON SCHEMA topembed TO %s" % MALLORY)
    c2.execute("""SELECT coalesce(string_agg(a.grantee::regrole::text, ', '), 'nobody')
                  FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                  WHERE n.nspname = 'topembed' AND a.privilege_type = 'CREATE' AND a.grantee <> n.nspowner""")
    creators = c2.fetchone()[0]
    ok(creators == "nobody", "nobody but the owner (not PUBLIC) has CREATE on schema topembed: %s" % creators)
    m = as_mallory()
    code, msg = sqlstate_of(m, PLANT)
    ok(code == "42501", "a role with USAGE cannot plant a function in schema topembed: %s" % msg)
    code, msg = sqlstate_of(m, "CREATE TABLE topembed.runs2 (x int)")
    ok(code == "42501", "nor a table: %s" % msg)
    m.close()
    ok(not is_superuser(admin), "mallory is still not superuser")
    su.close()

    # 4. the update: someone got CREATE on the schema after 0.1.0 was installed
    with OldRelease(admin) as have_old:
        if not have_old:
            print("ok - ALTER EXTENSION UPDATE refuses a schema others were let into # SKIP no git history "
                  "(commit %s) to install 0.1.0 from" % OLD_RELEASE)
        else:
            su = fresh(admin)
            c2 = su.cursor()
            c2.execute("CREATE EXTENSION topembed VERSION '0.1.0'")
            c2.execute("GRANT USAGE, CREATE ON SCHEMA topembed TO %s" % MALLORY)
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.2.0'")
            ok(code == "42501" and "may create objects" in (msg or ""),
               "ALTER EXTENSION UPDATE refuses while another role may create objects in the schema: %s" % msg)
            m = as_mallory()
            m.cursor().execute(PLANT)
            m.close()
            c2.execute("REVOKE CREATE ON SCHEMA topembed FROM %s" % MALLORY)
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.2.0'")
            ok(code == "42501" and "holds objects that are not part of the extension" in (msg or ""),
               "... and while the schema holds an object planted there: %s" % msg)
            c2.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
            ok(c2.fetchone()[0] == "0.1.0", "the refused update changed nothing")
            c2.execute("DROP FUNCTION topembed.snapshot(text, text, name, name, name, name)")
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.2.0'")
            ok(code is None, "once the object is gone and the grant revoked, the update runs: %s" % msg)
            # and the next update script (0.2.0 -> 0.3.0) has the same guard
            c2.execute("GRANT USAGE, CREATE ON SCHEMA topembed TO %s" % MALLORY)
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.3.0'")
            ok(code == "42501" and "may create objects" in (msg or ""),
               "the update from 0.2.0 to 0.3.0 refuses while another role may create objects in the schema: %s" % msg)
            m = as_mallory()
            m.cursor().execute(PLANT)
            m.close()
            c2.execute("REVOKE CREATE ON SCHEMA topembed FROM %s" % MALLORY)
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.3.0'")
            ok(code == "42501" and "holds objects that are not part of the extension" in (msg or ""),
               "... and while the schema holds an object planted there: %s" % msg)
            c2.execute("SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
            ok(c2.fetchone()[0] == "0.2.0", "the refused update left the extension at 0.2.0")
            c2.execute("DROP FUNCTION topembed.snapshot(text, text, name, name, name, name)")
            code, msg = sqlstate_of(su, "ALTER EXTENSION topembed UPDATE TO '0.3.0'")
            ok(code is None, "once it is clean, the update to 0.3.0 runs: %s" % msg)
            ok(not is_superuser(admin), "mallory is still not superuser")
            su.close()

    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("DROP ROLE %s" % MALLORY)
    done()


main()
