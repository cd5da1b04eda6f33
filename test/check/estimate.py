"""topembed.persistence_estimate against what topembed.persistence does.

With topembed.persistence_memory_limit set low (8MB), so that small inputs
cross it, for several (n, dim, max_dim) on topembed.synthetic_pairs images:
- fits is false exactly when persistence refuses up front with 54000, and
  true when it runs; the boundary n (the largest n that fits) is found from
  the estimate and persistence is run at it and one point above it;
- the memory figure equals the one in the refusal's message ("needs about
  N MB", to the MB it prints);
- when persistence runs, its DEBUG1 line (peak tracked memory of the engine,
  edges within the threshold, estimated bytes) agrees: the estimate is the
  same figure, it covers the measured peak plus the points (n * dim * 8
  bytes) whenever it claims to be a bound, and the edges within the
  threshold are at most the edges the model assumes;
- a finite threshold says 'estimating' (and still decides the up-front
  refusal); topembed.max_points refuses and says so;
- memory and time are monotone in n and in max_dim;
- bad input is refused with its SQLSTATE.
topembed.sparse_persistence_estimate against sparse_persistence, at the
same limit on the 512-d images: one point past its boundary is refused up
front with its figure; at the boundary the run starts, and, the 512-d graph
keeping more edges than max_edges, stops while running; where every pair
fits (all_pairs_bytes), the run completes within max_edges; n = 0, growth
in n, the 2,000,000-point limit and bad input."""
import re

from telib import done, fresh_db, ok, sqlstate_of

LIMIT = "8MB"
DEBUG_RE = re.compile(r"persistence of (\d+) points up to H(\d): peak tracked memory (\d+) bytes, "
                      r"(\d+) edges within the threshold; estimated (\d+) bytes with the points")
REFUSAL_RE = re.compile(r"persistence of (?:at least )?(\d+) points up to H(\d) needs (?:about|at least) (\d+) MB")


def estimate(cur, n, dim, max_dim, threshold=None):
    cur.execute("SELECT (e).* FROM (SELECT topembed.persistence_estimate(%s, %s, %s, 'cosine', %s) e) q",
                (n, dim, max_dim, threshold))
    cols = [d[0] for d in cur.description]
    return dict(zip(cols, cur.fetchone()))


def boundary(cur, dim, max_dim, hi):
    """The largest n <= hi whose estimate fits (0 if none does)."""
    lo = 0
    if estimate(cur, hi, dim, max_dim)["fits"]:
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if estimate(cur, mid, dim, max_dim)["fits"]:
            lo = mid
        else:
            hi = mid
    return lo


def run(conn, table, n, max_dim, threshold=None):
    """(SQLSTATE or None, message, DEBUG1 line's match or None) of persistence on n rows."""
    del conn.notices[:]
    state, msg = sqlstate_of(conn, "SELECT topembed.persistence(image, %s, 'cosine', %s) FROM " + table
                             + " WHERE pair_id < %s", (max_dim, threshold, n))
    dbg = None
    for line in conn.notices:
        m = DEBUG_RE.search(line)
        if m:
            dbg = m
    return state, msg, dbg


def agree(conn, cur, table, n, dim, max_dim, threshold=None):
    """Run persistence on n points and hold the estimate against what happened."""
    e = estimate(cur, n, dim, max_dim, threshold)
    state, msg, dbg = run(conn, table, n, max_dim, threshold)
    what = "n %d, dim %d, H%d%s" % (n, dim, max_dim, "" if threshold is None else ", threshold %g" % threshold)
    if e["fits"]:
        ok(state is None, "%s: fits (%s bytes), and persistence runs" % (what, e["memory_bytes"]), (state, msg))
        if state is None and n > 0:
            if not ok(dbg is not None, "%s: persistence reports its peak at DEBUG1" % what, conn.notices):
                return e
            peak, edges, said = int(dbg.group(3)), int(dbg.group(4)), int(dbg.group(5))
            ok(said == e["memory_bytes"], "%s: the engine's estimate is the function's (%d)" % (what, said),
               (said, e["memory_bytes"]))
            if e["memory_basis"] == "bound":
                ok(peak + n * dim * 8 <= e["memory_bytes"],
                   "%s: the bound %d covers the peak %d plus the points %d"
                   % (what, e["memory_bytes"], peak, n * dim * 8))
            ok(edges <= e["edges"], "%s: %d edges within the threshold, at most the model's %d"
               % (what, edges, e["edges"]))
    else:
        m = REFUSAL_RE.search(msg or "")
        ok(state == "54000" and m is not None,
           "%s: does not fit (%s, %s bytes), and persistence refuses up front with 54000"
           % (what, e["refused_by"], e["memory_bytes"]), (state, msg))
        if m and e["memory_bytes"] is not None:
            mb = "%.0f" % (e["memory_bytes"] / 1048576.0)
            ok(m.group(3) == mb, "%s: the refusal needs %s MB, the estimate says %s MB" % (what, m.group(3), mb),
               msg)
    return e


def sparse_estimate(cur, n, dim, eps=0.5, max_dim=1):
    cur.execute("SELECT (e).* FROM (SELECT topembed.sparse_persistence_estimate(%s, %s, %s, %s, 'cosine') e) q",
                (n, dim, eps, max_dim))
    cols = [d[0] for d in cur.description]
    return dict(zip(cols, cur.fetchone()))


def sparse_boundary(cur, dim, hi, field):
    """The largest n <= hi whose sparse estimate satisfies field (0 if none)"""
    test = {"fits": lambda e: e["fits"],
            "all pairs fit": lambda e: e["all_pairs_bytes"] <= e["memory_limit_bytes"]}[field]
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if test(sparse_estimate(cur, mid, dim)):
            lo = mid
        else:
            hi = mid - 1
    return lo


def sparse_run(conn, n):
    """(sqlstate, message) of sparse_persistence on the first n images of img_512 (None: it ran)"""
    del conn.notices[:]
    return sqlstate_of(conn, "SELECT topembed.sparse_persistence(image, 0.5) FROM img_512 WHERE pair_id < %d" % n)


SPARSE_REFUSAL_RE = re.compile(r"sparse persistence of (?:at least )?(\d+) points needs at least (\d+) MB")
SPARSE_DEBUG_RE = re.compile(r"sparse persistence of (\d+) points up to H1 at epsilon [0-9.e-]+ \(mu [0-9.e-]+\): "
                             r"(\d+) edges of")


def sparse_checks(conn, cur):
    """sparse_persistence_estimate against sparse_persistence at the 8MB limit"""
    # the up-front boundary: one point above it is refused with the estimate's figure, at it the run starts
    b = sparse_boundary(cur, 512, 1500, "fits")
    ok(0 < b < 1500, "sparse, dim 512: the %s limit falls at n = %d" % (LIMIT, b))
    above = sparse_estimate(cur, b + 1, 512)
    state, msg = sparse_run(conn, b + 1)
    m = SPARSE_REFUSAL_RE.search(msg or "")
    ok(not above["fits"] and above["refused_by"] == "topembed.persistence_memory_limit" and state == "54000"
       and m is not None and m.group(2) == "%.0f" % (above["memory_bytes"] / 1048576.0),
       "sparse, n = %d: refused up front with the estimate's figure (%s MB)" % (b + 1, m and m.group(2)),
       (above, state, msg))
    at = sparse_estimate(cur, b, 512)
    state, msg = sparse_run(conn, b)
    ok(at["fits"] and at["max_edges"] < at["all_pairs"] and state == "54000" and "while running" in (msg or ""),
       "sparse, n = %d: fits up front, room for %d of %d edges; the 512-d graph keeps more and stops while running"
       % (b, at["max_edges"] or 0, at["all_pairs"]), (at, state, msg))
    # where every pair fits, the run fits whatever the data
    w = sparse_boundary(cur, 512, 1500, "all pairs fit")
    e = sparse_estimate(cur, w, 512)
    state, msg = sparse_run(conn, w)
    dbg = next((SPARSE_DEBUG_RE.search(x) for x in conn.notices if SPARSE_DEBUG_RE.search(x)), None)
    ok(0 < w < b and state is None and e["max_edges"] == e["all_pairs"] and dbg is not None
       and int(dbg.group(2)) <= e["max_edges"],
       "sparse, n = %d: every pair fits (%d bytes), and the run keeps %s edges within the limit"
       % (w, e["all_pairs_bytes"], dbg and dbg.group(2)), (e, state, msg))
    # the figures: n = 0 needs nothing; memory and time grow with n; past 2,000,000 points refused
    z = sparse_estimate(cur, 0, 512)
    ok(z["memory_bytes"] == 0 and z["fits"] and z["max_edges"] == 0 and z["all_pairs"] == 0,
       "sparse, n = 0 needs nothing", z)
    cur.execute("RESET topembed.persistence_memory_limit")
    es = [sparse_estimate(cur, n, 3) for n in (1000, 10000, 100000, 1000000)]
    ok(all(a["memory_bytes"] < b_["memory_bytes"] and a["seconds"] < b_["seconds"] for a, b_ in zip(es, es[1:])),
       "sparse: memory and seconds grow with n", [(x["memory_bytes"], x["seconds"]) for x in es])
    ok(es[0]["bytes_per_edge"] == 80 and es[1]["max_edges"] < es[1]["all_pairs"]
       and es[3]["max_edges"] < 2 ** 31 and es[0]["max_edges"] == es[0]["all_pairs"],
       "sparse: 80 bytes an edge; room for every pair of 1000 points, not of 10000", es[:2])
    e = sparse_estimate(cur, 2000001, 3)
    ok(not e["fits"] and e["refused_by"] == "max_sparse_points" and e["max_edges"] is None,
       "sparse: 2,000,001 points are refused by the vertex numbers", e)
    cur.execute("SET topembed.persistence_memory_limit = %s", (LIMIT,))
    # the parameters are refused as sparse_persistence refuses them: same SQLSTATE, same message, same order
    alike = [("a NULL epsilon", "NULL::float8, 1, 'cosine'", "22004"),
             ("epsilon 0", "0, 1, 'cosine'", "22023"),
             ("an infinite epsilon", "'Infinity', 1, 'cosine'", "22023"),
             ("a NaN epsilon", "'NaN', 1, 'cosine'", "22023"),
             ("a negative epsilon before a NULL max_dim", "-1, NULL, 'cosine'", "22023"),
             ("a NULL max_dim", "0.5, NULL, 'cosine'", "22004"),
             ("max_dim -1", "0.5, -1, 'cosine'", "22023"),
             ("max_dim 4", "0.5, 4, 'cosine'", "22023"),
             ("max_dim 2", "0.5, 2, 'cosine'", "0A000"),
             ("an unknown metric before max_dim 2", "0.5, 2, 'manhatten'", "22023"),
             ("a NULL metric", "0.5, 1, NULL", "22004")]
    for what, args, want in alike:
        got = sqlstate_of(conn, "SELECT topembed.sparse_persistence_estimate(10, 3, %s)" % args)
        agg = sqlstate_of(conn, "SELECT topembed.sparse_persistence(e, %s) FROM (VALUES ('{1,2,3}'::real[])) v(e)"
                          % args)
        ok(got[0] == want and got == agg,
           "sparse_persistence_estimate: %s is refused with %s, as sparse_persistence refuses it" % (what, want),
           (got, agg))
    bad = [("n < 0", "(-1, 512, 0.5)", "22023", "n must be at least 0"),
           ("dim 0", "(10, 0, 0.5)", "22023", "dim must be between 1 and"),
           ("a NULL n", "(NULL, 512, 0.5)", "22004", "n must not be NULL")]
    for what, args, want, text in bad:
        state, msg = sqlstate_of(conn, "SELECT topembed.sparse_persistence_estimate%s" % args)
        ok(state == want and text in (msg or ""), "sparse_persistence_estimate: %s is refused with %s" % (what, want),
           (state, msg))


def main():
    conn = fresh_db("te_estimate")
    cur = conn.cursor()
    rows = {512: 1500, 64: 3000}
    for dim in (512, 64):
        cur.execute("CREATE TABLE img_%d AS SELECT pair_id, image FROM topembed.synthetic_pairs(%d, %d, 0.8, 7)"
                    % (dim, rows[dim], dim))
    cur.execute("SET topembed.persistence_memory_limit = %s", (LIMIT,))
    cur.execute("SET client_min_messages = debug1")
    cur.execute("SET max_parallel_workers_per_gather = 0")

    e = estimate(cur, 10, 512, 1)
    ok(e["memory_limit_bytes"] == 8 * 1048576, "memory_limit_bytes is topembed.persistence_memory_limit (%s)"
       % e["memory_limit_bytes"])

    for dim in (512, 64):
        table = "img_%d" % dim
        for max_dim in (0, 1, 2):
            b = boundary(cur, dim, max_dim, rows[dim])
            ok(0 < b < rows[dim], "dim %d, H%d: the %s limit falls at n = %d" % (dim, max_dim, LIMIT, b))
            for n in sorted({1, b // 3, b, b + 1}):
                if 0 < n <= rows[dim]:
                    agree(conn, cur, table, n, dim, max_dim)

    # far beyond the limit, the figures differ from the limit's: still the same MB
    for n, dim, max_dim in ((1000, 512, 2), (1000, 64, 1), (700, 512, 3)):
        e = agree(conn, cur, "img_%d" % dim, n, dim, max_dim)
        ok(not e["fits"] and e["memory_bytes"] > 2 * 8 * 1048576, "n %d, dim %d, H%d is well beyond %s (%d MB)"
           % (n, dim, max_dim, LIMIT, e["memory_bytes"] // 1048576))

    # a finite threshold: the per-edge part is left out, and the estimate says so
    e = agree(conn, cur, "img_512", 300, 512, 1, 0.1)
    ok(e["memory_basis"] == "estimating", "a finite threshold makes the figure 'estimating'", e)
    ok(estimate(cur, 300, 512, 0, 0.1)["memory_basis"] == "bound", "H0 with a threshold is still a bound")
    ok(estimate(cur, 300, 512, 1, float("inf"))["memory_basis"] == "bound", "an infinite threshold is a bound")
    b = boundary(cur, 512, 1, 1500)
    big = estimate(cur, b + 1, 512, 1, 0.1)
    if big["fits"]:
        agree(conn, cur, "img_512", b + 1, 512, 1, 0.1)
    ok(estimate(cur, 300, 512, 1, 0.1)["memory_bytes"] < estimate(cur, 300, 512, 1)["memory_bytes"],
       "the estimating figure is below the bound of the default threshold")

    # topembed.max_points refuses up front too
    cur.execute("SET topembed.max_points = 100")
    e = estimate(cur, 101, 512, 1)
    state, msg, _ = run(conn, "img_512", 101, 1)
    ok(not e["fits"] and e["refused_by"] == "topembed.max_points" and state == "54000",
       "above topembed.max_points: does not fit, refused_by says so, persistence refuses with 54000",
       (e, state, msg))
    ok(estimate(cur, 100, 512, 1)["fits"] and run(conn, "img_512", 100, 1)[0] is None,
       "at topembed.max_points: fits and runs")
    cur.execute("RESET topembed.max_points")

    # more points than the engine represents above H0
    e = estimate(cur, 70000, 8, 1)
    ok(not e["fits"] and e["memory_bytes"] is None and e["refused_by"] == "max_points_above_h0",
       "70000 points above H0: no figure, refused by max_points_above_h0", e)

    # monotone in n and in max_dim
    for dim in (8, 512):
        for max_dim in (0, 1, 2, 3):
            prev = None
            mono = True
            for n in list(range(0, 200, 7)) + [500, 1000, 5000, 20000, 65535]:
                e = estimate(cur, n, dim, max_dim)
                if prev and (e["memory_bytes"] < prev["memory_bytes"] or e["seconds"] < prev["seconds"]
                             or e["edges"] < prev["edges"]):
                    mono = False
                prev = e
            ok(mono, "dim %d, H%d: memory, edges and seconds grow with n" % (dim, max_dim))
    # (H0 has a path of its own, whose kernel blocks outweigh H1's fixed part for a handful of points)
    mono = all(estimate(cur, n, 512, k)["seconds"] <= estimate(cur, n, 512, k + 1)["seconds"]
               and (k == 0 and n < 1000
                    or estimate(cur, n, 512, k)["memory_bytes"] <= estimate(cur, n, 512, k + 1)["memory_bytes"])
               for n in (10, 1000, 20000) for k in (0, 1, 2))
    ok(mono, "seconds grow with max_dim, and so does memory from H1 on (from H0 on for 1000 points and more)")
    classes = [estimate(cur, n, 512, 2)["time_class"] for n in (10, 600, 4000, 16000, 60000)]
    ok(classes == ["under a second", "seconds", "minutes", "hours", "days"],
       "the time classes run from 'under a second' to 'days' as n grows (H2: %s)" % classes)

    # bad input
    cur.execute("SELECT value::int FROM topembed.limits() WHERE name = 'max_embedding_dim'")
    max_emb = cur.fetchone()[0]
    cur.execute("SELECT value::int FROM topembed.limits() WHERE name = 'max_hdim'")
    max_hdim = cur.fetchone()[0]
    bad = [("n < 0", "(-1, 512)", "22023", "n must be at least 0"),
           ("dim 0", "(10, 0)", "22023", "dim must be between 1 and %d, not 0" % max_emb),
           ("dim above the limit", "(10, %d)" % (max_emb + 1), "22023", "dim must be between 1 and %d" % max_emb),
           ("max_dim -1", "(10, 512, -1)", "22023", "max_dim must be between 0 and %d" % max_hdim),
           ("max_dim above the limit", "(10, 512, %d)" % (max_hdim + 1), "22023",
            "max_dim must be between 0 and %d" % max_hdim),
           ("an unknown metric", "(10, 512, 1, 'manhatten')", "22023", 'unknown metric "manhatten"'),
           ("a refused metric", "(10, 512, 1, 'inner_product')", "22023", 'metric "inner_product" is not supported'),
           ("a NaN threshold", "(10, 512, 1, 'cosine', 'NaN')", "22023", "threshold must be a non-negative"),
           ("a negative threshold", "(10, 512, 1, 'cosine', -0.5)", "22023", "threshold must be a non-negative"),
           ("a NULL n", "(NULL, 512)", "22004", "n must not be NULL"),
           ("a NULL dim", "(10, NULL)", "22004", "dim must not be NULL"),
           ("a NULL max_dim", "(10, 512, NULL)", "22004", "max_dim must not be NULL"),
           ("a NULL metric", "(10, 512, 1, NULL)", "22004", "metric must not be NULL")]
    for what, args, want, text in bad:
        state, msg = sqlstate_of(conn, "SELECT topembed.persistence_estimate%s" % args)
        ok(state == want and text in (msg or ""), "%s is refused with %s" % (what, want), (state, msg))
    e = estimate(cur, 10, 512, 1, None)
    ok(e["fits"], "a NULL threshold is the default (the enclosing radius)")
    sparse_checks(conn, cur)
    conn.close()
    done()


if __name__ == "__main__":
    main()
