"""Crashes in the middle of topembed.snapshot: kill -9 of the snapshotting
backend at several points of its work (the postmaster then restarts every
backend and recovers), and an immediate-mode server stop in the middle of one
(then a restart and recovery).  After each: the killed snapshot left nothing
behind, every committed run is still there, the history is whole
(historylib), the run id sequence did not go back, and the next snapshot of
the label drifts against the last committed run.

Run by test/cluster/crash.sh on its own cluster (synchronous_commit = on, so
that a committed run must survive); needs TE_PGBIN and TE_PGDIR.
"""
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "check"))

import psycopg2  # noqa: E402

import historylib  # noqa: E402
from telib import connect, done, fresh_db, ok  # noqa: E402

DB = "te_crash"
PGBIN = os.environ["TE_PGBIN"]
PGDIR = os.environ["TE_PGDIR"]
SNAPSHOT = ("SELECT topembed.snapshot('nightly', 'wide', image_column => 'image', text_column => 'text', "
            "sample => 600, max_dim => 2)")


def as_owner(cmd):
    return (["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []) + cmd


READY = "database system is ready to accept connections"


def wait_ready(timeout=120, ready_before=None):
    """Until the server accepts connections again after a crash.  With
    ready_before (the server log's count of READY before the crash), first
    until the log shows the restart: a connection taken before the
    postmaster has reacted to the killed backend would succeed, and the
    reinitialisation would then close the next one."""
    deadline = time.time() + timeout
    while ready_before is not None and log_count(READY) <= ready_before and time.time() < deadline:
        time.sleep(0.1)
    while time.time() < deadline:
        try:
            c = connect(DB)
            c.cursor().execute("SELECT 1")
            c.close()
            return True
        except psycopg2.Error:
            time.sleep(0.3)
    return False


def log_count(text):
    with open(os.path.join(PGDIR, "server.log"), errors="replace") as f:
        return f.read().count(text)


def committed_runs():
    c = connect(DB)
    k = c.cursor()
    k.execute("SELECT run_id FROM topembed.runs ORDER BY 1")
    runs = [r[0] for r in k.fetchall()]
    c.close()
    return runs


def phase(cur, pid):
    """Where the snapshotting backend is: which history tables it has written."""
    cur.execute("""SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '')
                   FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                   WHERE l.pid = %s AND l.mode = 'RowExclusiveLock'
                     AND c.relnamespace = 'topembed'::regnamespace AND c.relkind = 'r'""", (pid,))
    tables = cur.fetchone()[0]
    return "before writing its run" if not tables else "after writing " + tables


def attempt(how, delay=None, until_written=False):
    """Start a snapshot, crash it (kill -9 of its backend or an immediate
    stop) after delay seconds or once it has written history rows; return
    (where it was, whether it finished first)."""
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    outcome = {}

    def work():
        try:
            cur.execute(SNAPSHOT)
            outcome["run"] = cur.fetchone()[0]
        except psycopg2.Error as e:
            outcome["error"] = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)

    t = threading.Thread(target=work)
    watch = connect(DB)
    wcur = watch.cursor()
    t.start()
    where = None
    start = time.time()
    while t.is_alive() and time.time() - start < 120:
        where = phase(wcur, pid)
        if (until_written and where != "before writing its run") or \
                (not until_written and time.time() - start >= delay):
            break
        time.sleep(0.02)
    finished_first = not t.is_alive()
    watch.close()
    if not finished_first:
        if how == "kill":
            os.kill(pid, signal.SIGKILL)
        else:
            subprocess.run(as_owner([os.path.join(PGBIN, "pg_ctl"), "-D", os.path.join(PGDIR, "data"),
                                     "-m", "immediate", "-w", "stop"]), capture_output=True)
            subprocess.run(as_owner([os.path.join(PGBIN, "pg_ctl"), "-D", os.path.join(PGDIR, "data"),
                                     "-l", os.path.join(PGDIR, "server.log"), "-w", "-t", "120", "start"]),
                           capture_output=True)
    t.join(60)
    try:
        conn.close()
    except psycopg2.Error:
        pass
    return where, finished_first, outcome


def after(what, before_runs, outcome, finished_first, ready_before):
    """The checks after one crash."""
    ok(wait_ready(ready_before=None if finished_first else ready_before),
       "%s: the server accepts connections again" % what)
    runs = committed_runs()
    expect = before_runs + ([outcome["run"]] if "run" in outcome else [])
    ok(set(before_runs) <= set(runs), "%s: every run committed before the crash is still there (%d)"
       % (what, len(before_runs)), "lost: %s" % sorted(set(before_runs) - set(runs)))
    ok(sorted(runs) == sorted(expect), "%s: the crashed snapshot left no run behind%s"
       % (what, " (it had finished first)" if finished_first else ""),
       "runs %s, expected %s" % (runs, expect))
    conn = connect(DB)
    cur = conn.cursor()
    historylib.check(cur, what)
    cur.execute(SNAPSHOT.replace("max_dim => 2", "max_dim => 1"))
    run = cur.fetchone()[0]
    cur.execute("SELECT DISTINCT previous_run_id FROM topembed.run_drift WHERE run_id = %s", (run,))
    prevs = [r[0] for r in cur.fetchall()]
    ok(prevs == [max(runs)], "%s: the next snapshot (run %d) drifts against the last committed run %d"
       % (what, run, max(runs)), "drift against %s" % prevs)
    conn.close()


def main():
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("CREATE TABLE wide AS SELECT * FROM topembed.synthetic_pairs(40000, 128, 0.7, 7)")
    cur.execute(SNAPSHOT)
    t0 = time.time()
    cur.execute(SNAPSHOT)
    duration = time.time() - t0
    cur.execute("SELECT scan_ms, spectrum_ms, persistence_ms FROM topembed.runs ORDER BY run_id DESC LIMIT 1")
    print("# one snapshot takes %.1f s (scan %.0f ms, spectra %.0f ms, persistence %.0f ms)"
          % ((duration,) + cur.fetchone()))
    conn.close()
    kills_before = log_count("terminated by signal 9")

    cases = [("kill -9 early in the snapshot", "kill", 0.1 * duration, False),
             ("kill -9 once the snapshot has written history rows", "kill", None, True),
             ("kill -9 late in the snapshot", "kill", 0.85 * duration, False),
             ("an immediate server stop in the middle of the snapshot", "stop", None, True)]
    kills = 0
    for what, how, delay, until_written in cases:
        before_runs = committed_runs()
        ready_before = log_count(READY)
        where, finished_first, outcome = attempt(how, delay, until_written)
        print("# %s: crashed %s; the client saw: %s" % (what, where, outcome))
        kills += how == "kill" and not finished_first
        after(what, before_runs, outcome, finished_first, ready_before)
    ok(log_count("terminated by signal 9") - kills_before == kills and kills >= 2,
       "the server log shows the %d killed backends and the recoveries" % kills)
    ok(log_count("database system was interrupted") + log_count("database system was not properly shut down") >= 1,
       "the server log shows the recovery after the immediate stop")
    done()


main()
