"""Benchmark: topembed.modality_gap on pgvector's vector columns, read
natively through topembed_pgvector, against the cast embedding::real[] and
the scan floor of the vector columns (issue 13: at most 1.3x the floor,
against 2.0x through the cast), 50,000 pairs x 512, one process.  Needs
pgvector in the server (tests build it from ../shared/vendor/pgvector);
without it the benchmark says so and stops."""
import os
import statistics

from benchlib import connect, query, race, report

N = int(os.environ.get("BENCH_PGVECTOR_N", "50000"))
DIM = int(os.environ.get("BENCH_PGVECTOR_DIM", "512"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup(conn):
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cur.execute("CREATE EXTENSION IF NOT EXISTS topembed_pgvector")
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'bench_vectors'")
        if cur.fetchone()[0]:
            cur.execute("SELECT count(*), max(vector_dims(iv)) FROM bench_vectors")
            if cur.fetchone() == (N, DIM):
                return
            cur.execute("DROP TABLE bench_vectors")
        cur.execute("CREATE TABLE bench_vectors (pair_id int, iv vector(%s), tv vector(%s))" % (DIM, DIM))
        cur.execute("INSERT INTO bench_vectors SELECT pair_id, image::vector, text::vector "
                    "FROM topembed.synthetic_pairs(%s, %s, 0.8, 1)", (N, DIM))
        cur.execute("VACUUM ANALYZE bench_vectors")


def main():
    conn = connect()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
        if not cur.fetchone()[0]:
            print("pgvector benchmark skipped: pgvector is not installed in this server "
                  "(build it from ../shared/vendor/pgvector, see its README)")
            return
    setup(conn)
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('bench_vectors'))")
        size = cur.fetchone()[0]
    floor = "scan floor (sum of vector_dims)"
    candidates = [
        (floor, query(conn, "SELECT sum(vector_dims(iv) + vector_dims(tv)) FROM bench_vectors")),
        ("modality_gap(iv, tv), native", query(conn, "SELECT (topembed.modality_gap(iv, tv)).gap FROM bench_vectors")),
        ("modality_gap(iv::real[], tv::real[]), cast",
         query(conn, "SELECT (topembed.modality_gap(iv::real[], tv::real[])).gap FROM bench_vectors")),
    ]
    times = race(candidates, RUNS)
    report("modality_gap, %d pairs x %d-d vector (%s), one process" % (N, DIM, size), times, floor)
    m = {k: statistics.median(v) for k, v in times.items()}
    print("cast / native = %.2fx" % (m[candidates[2][0]] / m[candidates[1][0]]))
    g1 = query(conn, "SELECT (topembed.modality_gap(iv, tv)).gap FROM bench_vectors")()[0][0]
    g2 = query(conn, "SELECT (topembed.modality_gap(iv::real[], tv::real[])).gap FROM bench_vectors")()[0][0]
    print("gap: native %.15f, cast %.15f (%s)" % (g1, g2, "equal" if g1 == g2 else "DIFFERENT"))


if __name__ == "__main__":
    main()
