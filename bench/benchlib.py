"""Shared helpers of the benchmarks (run with /usr/bin/python3 by bench/run.sh)."""
import os
import statistics
import subprocess
import time

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("TE_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))


def connect():
    conn = psycopg2.connect()
    conn.autocommit = True
    return conn


def timed(fn, runs):
    """Wall-clock seconds of fn() over runs calls."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def race(candidates, runs=5):
    """Run the candidates in turn, runs rounds, so that noise hits all alike.

    candidates: list of (name, fn).  Returns {name: [seconds...]}.
    """
    times = {name: [] for name, _ in candidates}
    for _ in range(runs):
        for name, fn in candidates:
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def report(title, times, base, extra=None):
    """Print medians and the ratio of each candidate to base."""
    print("\n%s" % title)
    print("%-44s %10s %10s %10s %8s" % ("candidate", "median s", "min s", "max s", "ratio"))
    mb = statistics.median(times[base])
    for name, ts in times.items():
        m = statistics.median(ts)
        print("%-44s %10.3f %10.3f %10.3f %8.2f" % (name, m, min(ts), max(ts), m / mb))
    print("(ratio = median / median of '%s'; %d runs each)" % (base, len(times[base])))
    if extra:
        for line in extra:
            print(line)


def query(conn, sql, args=None):
    """A function that runs sql and fetches all rows."""
    def run():
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    return run


def server_pid(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def rss_peak_kb(pid):
    """VmHWM of a process (peak resident set), in kB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def run_cmd(cmd):
    """Run a command; returns (seconds, peak RSS kB) via /usr/bin/time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr[-500:]))
    return dt, int(p.stderr.strip().splitlines()[-1])
