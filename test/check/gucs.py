"""Administrator limits are PGC_SUSET (the progress reports and the
persistence engine's threads, preferences, are not): a plain role cannot raise any
topembed.* setting, by SET, SET LOCAL, set_config(), ALTER ROLE, a
placeholder set before the library loads, or PGOPTIONS; a superuser can,
per session and per role, and can hand one setting to a role with GRANT SET."""
import os

import psycopg2

from telib import connect, done, fresh_db, ok, sqlstate_of

DB = "te_gucs"
ROLE = "te_gucs_user"
# each setting, and a value above its default that a user might want
RAISED = {
    "topembed.blas_threads": ("4", "1"),
    "topembed.moments_max_dim": ("8192", "4096"),
    "topembed.max_points": ("100000", "50000"),
    "topembed.persistence_memory_limit": ("2GB", "1GB"),
}
# settings any role may change
PREFERENCES = ["topembed.persistence_threads", "topembed.progress", "topembed.progress_interval"]
LOAD = "SELECT topembed.check_embedding('{1}'::real[])"


def user_conn(options=None):
    """A new session of the plain role, with the library not yet loaded."""
    kw = {"dbname": DB, "user": ROLE}
    if options:
        kw["options"] = options
    c = psycopg2.connect(**kw)
    c.autocommit = True
    return c


def show(conn, name):
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting(%s)", (name,))
        return cur.fetchone()[0]


def main():
    admin = fresh_db(DB)
    cur = admin.cursor()
    cur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    cur.execute("CREATE ROLE %s LOGIN" % ROLE)
    cur.execute("GRANT USAGE ON SCHEMA topembed TO %s" % ROLE)
    cur.execute(LOAD)
    cur.execute("SELECT name, context FROM pg_settings WHERE name LIKE 'topembed.%' ORDER BY name")
    contexts = dict(cur.fetchall())
    # the progress reports and the engine's threads are preferences, not limits
    # (progress.py and threads.py test them)
    prefs = {n: contexts.pop(n, None) for n in PREFERENCES}
    ok(sorted(contexts) == sorted(RAISED), "the four limits exist: %s" % sorted(contexts))
    ok(all(c == "user" for c in prefs.values()), "the preferences are PGC_USERSET: %s" % prefs)

    for name, (high, default) in RAISED.items():
        ok(contexts.get(name) == "superuser", "%s is PGC_SUSET (context %s)" % (name, contexts.get(name)))

        # after the library is loaded: SET, SET LOCAL, set_config() all refused
        u = user_conn()
        u.cursor().execute(LOAD)
        for how, sql in [("SET", "SET %s = '%s'" % (name, high)),
                         ("SET LOCAL", "BEGIN; SET LOCAL %s = '%s'; COMMIT" % (name, high)),
                         ("set_config()", "SELECT set_config('%s', '%s', false)" % (name, high))]:
            u.cursor().execute("ROLLBACK")
            code, msg = sqlstate_of(u, sql)
            ok(code == "42501" and msg == 'permission denied to set parameter "%s"' % name,
               "a plain role's %s of %s fails with 42501: %s" % (how, name, msg))
        u.cursor().execute("ROLLBACK")
        ok(show(u, name) == default, "%s stays %s for the plain role" % (name, default))
        code, msg = sqlstate_of(u, "ALTER ROLE %s SET %s = '%s'" % (ROLE, name, high))
        ok(code == "42501", "a plain role's ALTER ROLE (itself) SET %s fails with 42501: %s" % (name, msg))
        u.close()

        # before the library is loaded: the placeholder's value is dropped on load
        u = user_conn()
        u.cursor().execute("SET %s = '%s'" % (name, high))
        del u.notices[:]
        u.cursor().execute(LOAD)
        warned = any('permission denied to set parameter "%s"' % name in n for n in u.notices)
        ok(warned and show(u, name) == default,
           "a placeholder %s set before the library loads is dropped with a warning (now %s)" % (name, show(u, name)),
           u.notices)
        u.close()

        # at connection start (PGOPTIONS / options)
        u = user_conn("-c %s=%s" % (name, high))
        u.cursor().execute(LOAD)
        ok(show(u, name) == default, "-c %s=%s in the connection options is dropped for a plain role" % (name, high))
        u.close()

        # a superuser: in a session, and per role
        cur.execute("SET %s = '%s'" % (name, high))
        ok(show(admin, name) == high, "a superuser may SET %s = %s" % (name, high))
        cur.execute("RESET %s" % name)
        cur.execute("ALTER ROLE %s SET %s = '%s'" % (ROLE, name, high))
        u = user_conn()
        u.cursor().execute(LOAD)
        ok(show(u, name) == high, "a superuser's ALTER ROLE ... SET %s reaches the role's sessions" % name)
        u.close()
        cur.execute("ALTER ROLE %s RESET %s" % (ROLE, name))

        # GRANT SET ON PARAMETER hands one setting to the role (PostgreSQL 15+)
        cur.execute("SHOW server_version_num")
        if int(cur.fetchone()[0]) >= 150000:
            cur.execute("GRANT SET ON PARAMETER %s TO %s" % (name, ROLE))
            u = user_conn()
            u.cursor().execute(LOAD)
            code, _ = sqlstate_of(u, "SET %s = '%s'" % (name, high))
            ok(code is None and show(u, name) == high, "GRANT SET ON PARAMETER %s lets the role set it" % name)
            u.close()
            cur.execute("REVOKE SET ON PARAMETER %s FROM %s" % (name, ROLE))

    # the limit holds: the plain role's persistence is refused at the default bound
    cur.execute("ALTER ROLE %s SET topembed.max_points = 10" % ROLE)
    u = user_conn()
    code, msg = sqlstate_of(u, "SELECT topembed.persistence(image) FROM topembed.synthetic_pairs(20, 4)")
    ok(code == "54000", "a per-role max_points of 10 set by the superuser refuses 20 points: %s %s" % (code, msg))
    u.close()
    cur.execute("ALTER ROLE %s RESET ALL" % ROLE)
    cur.execute("REVOKE ALL ON SCHEMA topembed FROM %s" % ROLE)
    admin.close()
    a = connect()
    a.cursor().execute("DROP DATABASE %s" % DB)
    a.cursor().execute("DROP ROLE %s" % ROLE)
    done()


main()
