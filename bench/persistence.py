"""Benchmark: topembed.persistence in SQL against Debian's ripser on the
command line, on the same points, side by side (medians of BENCH_RUNS runs,
alternating), with the peak memory of each: ripser's peak RSS, and the peak
anonymous (private) memory of the PostgreSQL backend during the query.

Targets (issue 4): at most 0.5x ripser's time on 1000 CLIP vectors H0-H1 and
on 500 CLIP image vectors H0-H2 (Euclidean), no slower than ripser on
sphere_3_192 at dim 2, peak memory no higher than ripser's.  Also H0 at
n = 10,000 and 20,000 (512-d): time and peak memory (ripser is not run on
those unless BENCH_RIPSER_H0=1: it needs 67 s and then aborts at 10,000)."""
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from benchlib import DATA, connect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test", "check"))
from telib import load_csv, read_pairs  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def backend_peak(conn, sql, args=None):
    """Run sql; return (seconds, peak anonymous RSS of the backend in kB)."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.005)

    th = threading.Thread(target=sample)
    th.start()
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(sql, args)
        cur.fetchall()
    dt = time.perf_counter() - t0
    stop.set()
    th.join()
    return dt, peak[0]


def ripser(args, path):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "ripser"] + args + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        return dt, None, p.stderr.strip().splitlines()[-2:] if p.stderr else []
    return dt, int(p.stderr.strip().splitlines()[-1]), None


def compare(title, sql, args, ripser_args, path):
    te_t, te_m, rp_t, rp_m = [], [], [], []
    for _ in range(RUNS):
        conn = connect()                      # a fresh backend each time
        t, m = backend_peak(conn, sql, args)
        conn.close()
        te_t.append(t)
        te_m.append(m)
        t, m, err = ripser(ripser_args, path)
        if err:
            print("ripser failed: %s" % err)
        rp_t.append(t)
        rp_m.append(m or 0)
    mt, mr = statistics.median(te_t), statistics.median(rp_t)
    print("\n%s" % title)
    print("%-32s %10s %10s %10s %14s" % ("candidate", "median s", "min s", "max s", "peak memory MB"))
    print("%-32s %10.3f %10.3f %10.3f %14.1f" % ("topembed.persistence (SQL)", mt, min(te_t), max(te_t),
                                                 max(te_m) / 1024.0))
    print("%-32s %10.3f %10.3f %10.3f %14.1f" % ("ripser (command line)", mr, min(rp_t), max(rp_t),
                                                 max(rp_m) / 1024.0))
    print("time ratio topembed/ripser = %.2f; memory ratio = %.2f (%d runs each)"
          % (mt / mr, max(te_m) / max(max(rp_m), 1), RUNS))


def main():
    conn = connect()
    cur = conn.cursor()
    tmp = tempfile.mkdtemp(prefix="te_bench_")
    path = os.path.join(DATA, "mscoco_clip_vitb16.csv")
    sphere = os.path.join(DATA, "ripser", "sphere_3_192.lower_distance_matrix")
    if not (os.path.exists(path) and os.path.exists(sphere)):
        print("skipped: the CLIP and sphere_3_192 cases (%s absent; the shared data sits in ../shared/data "
              "beside the checkout, TE_DATA names another place)" % DATA)
    else:
        load_csv(conn, "bench_clip", path)
        rows = sorted(read_pairs(path), key=lambda r: (r["modality"], r["pair_id"]))
        X_all = np.array([r["vec"] for r in rows])
        X_img = np.array([r["vec"] for r in rows if r["modality"] == "image"])
        for name, X in [("all", X_all), ("image", X_img)]:
            np.savetxt(os.path.join(tmp, name + ".txt"), X.astype(np.float32), fmt="%.9g", delimiter=",")

        compare("1000 CLIP ViT-B/16 vectors (image and text), H0-H1, Euclidean",
                "SELECT topembed.persistence(embedding, 1, 'euclidean') FROM bench_clip", None,
                ["--format", "point-cloud", "--dim", "1"], os.path.join(tmp, "all.txt"))
        compare("500 CLIP ViT-B/16 image vectors, H0-H2, Euclidean",
                "SELECT topembed.persistence(embedding, 2, 'euclidean') FROM bench_clip WHERE modality = 'image'", None,
                ["--format", "point-cloud", "--dim", "2"], os.path.join(tmp, "image.txt"))

        values = np.array([float(v) for v in open(sphere).read().replace(",", " ").split()])
        cur.execute("DROP TABLE IF EXISTS bench_sphere")
        cur.execute("CREATE TABLE bench_sphere AS SELECT %s::float8[] AS d", (list(values),))
        compare("Ripser's sphere_3_192, dim 2 (lower-distance matrix)",
                "SELECT topembed.persistence_from_distances(d, 2) FROM bench_sphere", None,
                ["--format", "lower-distance", "--dim", "2"], sphere)

    # H0 of large clouds: bounded memory
    cur.execute("DROP TABLE IF EXISTS bench_h0")
    cur.execute("CREATE TABLE bench_h0 AS SELECT pair_id, image FROM topembed.synthetic_pairs(20000, 512, 0.8, 7)")
    print("\nH0 of synthetic 512-d clouds (topembed.persistence(image, 0, 'euclidean'))")
    print("%-10s %10s %14s" % ("n", "median s", "peak memory MB"))
    for n in (10000, 20000):
        ts, ms = [], []
        for _ in range(max(1, RUNS // 2)):
            c = connect()
            t, m = backend_peak(c, "SELECT topembed.persistence(image, 0, 'euclidean') FROM bench_h0 "
                                   "WHERE pair_id < %s", (n,))
            c.close()
            ts.append(t)
            ms.append(m)
        print("%-10d %10.2f %14.1f" % (n, statistics.median(ts), max(ms) / 1024.0))
        if os.environ.get("BENCH_RIPSER_H0") == "1":
            cur.execute("SELECT image FROM bench_h0 WHERE pair_id < %s ORDER BY pair_id", (n,))
            np.savetxt(os.path.join(tmp, "h0.txt"), np.array([r[0] for r in cur.fetchall()], dtype=np.float32),
                       fmt="%.9g", delimiter=",")
            t, m, err = ripser(["--format", "point-cloud", "--dim", "0"], os.path.join(tmp, "h0.txt"))
            print("%-10s %10.2f %14s %s" % ("ripser", t, "%.1f" % (m / 1024.0) if m else "-",
                                            "failed: %s" % err if err else ""))


main()
