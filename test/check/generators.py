"""topembed.persistence(id, embedding, max_dim, metric, threshold): every
bar's birth and death simplices and H1 loop, in the rows' ids.

On the shared real data (CLIP ViT-B/16 images of "Mind the Gap"; the CLIP
RN50 and CLOOB RN50 embeddings of the 100 MSCOCO pairs), with ids scrambled
so that rows and ids disagree:
- the bars are exactly those of topembed.persistence(embedding, ...);
- each bar has dim + 1 birth ids and dim + 2 death ids (H0: one and two;
  none for an essential class), all distinct ids of the table;
- the longest edge of the birth simplex is the birth, the longest of the
  death simplex the death (from numpy's distances of the stored vectors,
  to float32 rounding);
- GUDHI's flag_persistence_generators on the same distances names the same
  critical edges, for every bar whose birth and death lengths are not tied
  with another edge's to within rounding;
- H0 births follow the elder rule on the components' lowest rows, from an
  independent union-find over the death edges;
- every H1 loop is a closed walk of distinct ids through its birth edge,
  whose other edges are no longer than the birth; so it is a cycle with the
  birth edge once, and over Z/2 it is not a sum of boundaries of triangles
  of the complex just before the birth (checked by elimination on a small
  set: the loop is outside the span of those triangles' boundaries);
- a forced parallel plan gives the serial result;
- bad input gets its SQLSTATE.

  /usr/bin/python3 test/check/generators.py   (inside a started cluster)
"""
import os
import re
import sys

import numpy as np
import gudhi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from telib import DATA, done, fresh_db, need_data, ok, read_pairs, sqlstate_of  # noqa: E402

ULPS = 4.0 * 2.0 ** -23     # relative tolerance: a few float32 ulps


def distances(X, metric):
    """numpy's distance matrix of the rows, rounded to float32 as the engine keeps them."""
    if metric == "cosine":
        U = X / np.linalg.norm(X, axis=1)[:, None]
        D = 1.0 - U @ U.T
    else:
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, 0.0)
    return D.astype(np.float32).astype(np.float64)


def load(conn, table, X, seed):
    """A table (id bigint, embedding real[]) with scrambled ids; the ids by row."""
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.permutation(len(X) * 5)[: len(X)] * 3 - 700]
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE %s (id bigint, embedding real[])" % table)
        cur.executemany("INSERT INTO " + table + " VALUES (%s, %s)",
                        [(i, [float(v) for v in x]) for i, x in zip(ids, X)])
        cur.execute("ANALYZE " + table)
    return ids


def fetch(conn, table, max_dim, metric, threshold=None):
    """The generators and the plain diagram of a table."""
    with conn.cursor() as cur:
        cur.execute("SELECT (g).hdim, (g).birth, (g).death, (g).birth_ids, (g).death_ids, (g).cycle, (g).cocycle "
                    "FROM (SELECT unnest(topembed.persistence(id, embedding, %s, %s, %s)) g FROM " + table +
                    ") x", (max_dim, metric, threshold))
        gens = cur.fetchall()
        cur.execute("SELECT (p).hdim, (p).birth, (p).death FROM (SELECT unnest(topembed.persistence("
                    "embedding, %s, %s, %s)) p FROM " + table + ") x", (max_dim, metric, threshold))
        plain = cur.fetchall()
    return gens, plain


def longest(D, rows):
    """The longest edge of a simplex (its two rows, sorted) and its length."""
    best, edge = -1.0, None
    for a in range(len(rows)):
        for b in range(a):
            if D[rows[a], rows[b]] > best:
                best, edge = D[rows[a], rows[b]], tuple(sorted((rows[a], rows[b])))
    return edge, best


def unique_length(sorted_lengths, v):
    """Whether exactly one edge has a length within rounding of v."""
    lo = np.searchsorted(sorted_lengths, v * (1 - ULPS) - 1e-300, "left")
    hi = np.searchsorted(sorted_lengths, v * (1 + ULPS) + 1e-300, "right")
    return hi - lo == 1


def check_cocycles(label, D, gens, row_of):
    """Each finite bar above H0 has a cocycle: simplices of its dimension, the birth simplex among them,
    whose coboundary (Z/2) vanishes on every simplex below the death; checked on the cofacets of its
    simplices (where a coboundary lives) for the 40 longest such bars."""
    n = len(D)
    bars = [g for g in gens if g[0] >= 1 and g[2] != float("inf")]
    shape, vanish, checked = [], [], 0
    for dim, birth, death, bids, dids, cyc, coc in bars:
        if (coc is None or any(len(sx) != dim + 1 or len(set(sx)) != dim + 1 or any(i not in row_of for i in sx)
                               for sx in coc) or sorted(bids) not in [sorted(sx) for sx in coc]):
            shape.append((dim, birth, death, bids, (coc or [])[:3]))
    for dim, birth, death, bids, dids, cyc, coc in sorted(bars, key=lambda g: g[1] - g[2])[:40]:
        if coc is None:
            continue
        S = {frozenset(row_of[i] for i in sx) for sx in coc}
        for sx in S:
            diam = max((D[a, b] for a in sx for b in sx if a < b), default=0.0)
            for w in range(n):
                if w in sx or max(diam, max(D[w, a] for a in sx)) >= death * (1 - ULPS):
                    continue
                t = sx | {w}
                if sum(1 for x in t if (t - {x}) in S) % 2:
                    vanish.append((dim, birth, death, sorted(t)))
        checked += 1
    ok(bars == [] or not shape, "%s: the %d finite bars above H0 have cocycles of simplices of their dimension, "
       "distinct ids of the table, holding the birth simplex" % (label, len(bars)), shape[:2])
    ok(bars == [] or (checked > 0 and not vanish),
       "%s: the cocycles of the %d longest are cocycles before their death: the coboundary vanishes below it (Z/2)"
       % (label, checked), vanish[:3])


def gudhi_edges(D, max_dim, threshold):
    """GUDHI's critical edges: {(dim, birth edge): death edge or None}; H0 by death edge."""
    rc = gudhi.RipsComplex(distance_matrix=D, max_edge_length=threshold if threshold else float("inf"))
    st = rc.create_simplex_tree(max_dimension=max_dim + 1)
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    reg0, regk, ess0, essk = st.flag_persistence_generators()
    out = {"h0": {}, "pairs": {}}
    for v, a, b in reg0:
        out["h0"][tuple(sorted((int(a), int(b))))] = int(v)
    for k, arr in enumerate(regk, start=1):
        for b1, b2, d1, d2 in arr:
            out["pairs"][(k, tuple(sorted((int(b1), int(b2)))))] = tuple(sorted((int(d1), int(d2))))
    for k, arr in enumerate(essk, start=1):
        for b1, b2 in arr:
            out["pairs"][(k, tuple(sorted((int(b1), int(b2)))))] = None
    return out


def elder_births(D, h0):
    """The H0 birth rows by the elder rule on lowest rows, replaying the death edges in order."""
    parent = list(range(len(D)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    births = {}
    for death, edge in sorted(h0):
        ra, rb = find(edge[0]), find(edge[1])
        lo, hi = min(ra, rb), max(ra, rb)   # roots are the lowest rows here
        births[edge] = hi
        parent[hi] = lo
    return births


def gf2_is_boundary(cycle_edges, triangles):
    """Whether the edge set is a sum of the triangles' boundaries over Z/2 (elimination on bit masks)."""
    index = {}

    def mask(edges):
        m = 0
        for e in edges:
            if e not in index:
                index[e] = len(index)
            m |= 1 << index[e]
        return m
    basis = {}
    for t in triangles:
        a, b, c = t
        v = mask([tuple(sorted((a, b))), tuple(sorted((a, c))), tuple(sorted((b, c)))])
        while v:
            top = v.bit_length() - 1
            if top not in basis:
                basis[top] = v
                break
            v ^= basis[top]
    v = mask(cycle_edges)
    while v:
        top = v.bit_length() - 1
        if top not in basis:
            return False
        v ^= basis[top]
    return True


def check_set(conn, name, X, max_dim, metric, seed, threshold=None, gf2=False):
    table = "t_" + name.replace(" ", "_").replace("-", "_").lower()
    ids = load(conn, table, X, seed)
    row_of = {i: r for r, i in enumerate(ids)}
    D = distances(X, metric)
    gens, plain = fetch(conn, table, max_dim, metric, threshold)
    label = "%s, %s, H0..H%d" % (name, metric, max_dim)
    ok(len(gens) > 0 and [g[:3] for g in gens] == plain,
       "%s: the %d bars are exactly the plain diagram's" % (label, len(gens)))
    top = sum(1 for g in gens if g[0] == max_dim)
    ok(top > 0, "%s: %d bars in H%d" % (label, top, max_dim))

    lengths = np.sort(D[np.tril_indices(len(D), -1)])
    bad_shape, bad_value, h0, loops, bad_loop = [], [], [], 0, []
    mine = {"h0": {}, "pairs": {}}
    for dim, birth, death, bids, dids, cyc, _ in gens:
        essential = death == float("inf")
        nb, nd = (1, 2) if dim == 0 else (dim + 1, dim + 2)
        if (bids is None or len(bids) != nb or len(set(bids)) != nb or any(i not in row_of for i in bids)
                or (essential and dids is not None)
                or (not essential and (dids is None or len(dids) != nd or len(set(dids)) != nd
                                       or any(i not in row_of for i in dids)))
                or ((cyc is not None) != (dim == 1))):
            bad_shape.append((dim, birth, death, bids, dids))
            continue
        brows = [row_of[i] for i in bids]
        drows = [row_of[i] for i in dids] if dids else None
        bedge, blen = longest(D, brows) if dim > 0 else (None, 0.0)
        if dim > 0 and abs(blen - birth) > ULPS * birth:
            bad_value.append(("birth", dim, birth, blen))
        if drows:
            dedge, dlen = longest(D, drows)
            if abs(dlen - death) > ULPS * death:
                bad_value.append(("death", dim, death, dlen))
        if dim == 0:
            if drows:
                h0.append((death, dedge))
                mine["h0"][dedge] = brows[0]
        elif unique_length(lengths, birth) and (essential or unique_length(lengths, death)):
            mine["pairs"][(dim, bedge)] = None if essential else dedge
        if dim == 1:
            loops += 1
            rows = [row_of[i] for i in cyc]
            # three rows would bound a triangle present at the birth: a representative has four or more
            closed = len(rows) >= 4 and len(set(rows)) == len(rows) and {rows[0], rows[-1]} == set(brows)
            steps = [D[rows[j], rows[(j + 1) % len(rows)]] for j in range(len(rows))]
            if not closed or max(steps) > birth * (1 + ULPS):
                bad_loop.append((birth, cyc))
    ok(not bad_shape, "%s: dim + 1 birth and dim + 2 death ids per bar, distinct ids of the table, "
       "no death for essential classes, a loop exactly in H1" % label, bad_shape[:3])
    ok(not bad_value, "%s: the birth and death simplices' longest edges are the birth and the death" % label,
       bad_value[:3])
    ok(loops == 0 or not bad_loop, "%s: %d H1 loops are closed walks of distinct ids through the birth edge "
       "on edges no longer than the birth" % (label, loops), bad_loop[:2])

    check_cocycles(label, D, gens, row_of)

    g = gudhi_edges(D, max_dim, threshold)
    ok(set(mine["h0"]) == set(g["h0"]), "%s: the %d H0 death edges are GUDHI's" % (label, len(mine["h0"])),
       sorted(set(mine["h0"]) ^ set(g["h0"]))[:4])
    elder = elder_births(D, h0)
    ok(all(mine["h0"][e] == elder[e] for e in mine["h0"]),
       "%s: the H0 births follow the elder rule on the components' lowest rows" % label)
    same = [k for k in mine["pairs"] if g["pairs"].get(k, "missing") == mine["pairs"][k]]
    ok(len(same) == len(mine["pairs"]),
       "%s: GUDHI names the same birth and death edges for all %d untied bars above H0"
       % (label, len(mine["pairs"])),
       [(k, mine["pairs"][k], g["pairs"].get(k)) for k in mine["pairs"] if k not in same][:3])

    if gf2:
        n = len(D)
        checked = 0
        for dim, birth, death, bids, dids, cyc, _ in sorted(gens, key=lambda r: r[1] - r[2])[:400]:
            if dim != 1 or checked >= 6:
                continue
            rows = [row_of[i] for i in cyc]
            edges = [tuple(sorted((rows[j], rows[(j + 1) % len(rows)]))) for j in range(len(rows))]
            tri = [(a, b, c) for a in range(n) for b in range(a) for c in range(b)
                   if max(D[a, b], D[a, c], D[b, c]) < birth * (1 - ULPS)]
            ok(not gf2_is_boundary(edges, tri),
               "%s: the loop of the H1 bar [%.4f, %.4f) is not a sum of the %d triangles before its birth (Z/2)"
               % (label, birth, death, len(tri)))
            # control: the same elimination finds a triangle's own boundary a boundary
            if tri:
                a, b, c = tri[0]
                ok(gf2_is_boundary([tuple(sorted((a, b))), tuple(sorted((a, c))), tuple(sorted((b, c)))], tri),
                   "%s: control, a triangle's boundary is found a boundary" % label)
            checked += 1
        ok(checked > 0, "%s: %d loops checked over Z/2" % (label, checked))


def pca_picture(conn, X):
    """topembed.pca_svg draws the rows on numpy's first two principal axes with the loop's rows."""
    ids = load(conn, "t_pca", X, 11)
    row_of = {i: r for r, i in enumerate(ids)}
    with conn.cursor() as cur:
        cur.execute("SELECT (g).cycle FROM (SELECT unnest(topembed.persistence(id, embedding, 1, 'cosine')) g "
                    "FROM t_pca) x WHERE (g).hdim = 1 ORDER BY (g).death - (g).birth DESC LIMIT 1")
        cycle = cur.fetchone()[0]
        cur.execute("SELECT topembed.pca_svg(id, embedding, %s, 'the longest loop') FROM t_pca", (cycle,))
        svg = cur.fetchone()[0]
    pts = re.findall(r'<circle class="loop-point" cx="([-0-9.]+)" cy="([-0-9.]+)"', svg)
    ok(len(pts) == len(cycle) and all(">%d</text>" % i in svg for i in cycle),
       "pca_svg: the loop's %d rows are drawn and labelled with their ids" % len(cycle))
    C = X - X.mean(0)
    w, V = np.linalg.eigh(C.T @ C / len(X))
    order = np.argsort(w)[::-1]
    P = C @ V[:, order[:2]]
    pc = np.array([P[row_of[i]] for i in cycle])
    px = np.array([[float(a), float(b)] for a, b in pts])
    fits = []
    for axis in (0, 1):
        A = np.vstack([pc[:, axis], np.ones(len(pc))]).T
        coef, res, _, _ = np.linalg.lstsq(A, px[:, axis], rcond=None)
        fits.append((coef[0], np.abs(A @ coef - px[:, axis]).max()))
    ok(all(err <= 0.08 for _, err in fits) and abs(abs(fits[0][0]) - abs(fits[1][0])) <= 1e-3 * abs(fits[0][0]),
       "pca_svg: the loop's pixels are numpy's PC1 and PC2 at one scale on both axes (worst %.3f px)"
       % max(err for _, err in fits))
    share = w[order[:2]] / w.sum()
    ok("PC1 (%.3g%% of the variance)" % (100 * share[0]) in svg and
       "PC2 (%.3g%% of the variance)" % (100 * share[1]) in svg,
       "pca_svg: the axes name numpy's shares of the variance (%.3g%%, %.3g%%)" % tuple(100 * share))
    for what, sql, want in [
        ("an id of the loop not among the rows", "SELECT topembed.pca_svg(id, embedding, ARRAY[-1]::bigint[]) FROM t_pca",
         "22023"),
        ("a NULL in the loop", "SELECT topembed.pca_svg(id, embedding, ARRAY[NULL]::bigint[]) FROM t_pca", "22004"),
        ("a loop that changes between rows",
         "SELECT topembed.pca_svg(id, embedding, ARRAY[id]) FROM t_pca", "22023"),
        ("a duplicate id", "SELECT topembed.pca_svg(1, embedding, NULL) FROM t_pca", "23505")]:
        code, msg = sqlstate_of(conn, sql)
        ok(code == want, "pca_svg: %s gives %s: %s %s" % (what, want, code, msg))
    with conn.cursor() as cur:
        cur.execute("SELECT topembed.pca_svg(id, embedding, NULL) FROM t_pca")
        plain = cur.fetchone()[0]
    ok('class="loop' not in plain and plain.count("<circle") > 50, "pca_svg: a NULL loop draws the rows alone")


def parallel_equals_serial(conn):
    q = "SELECT topembed.persistence(id, embedding, 1, 'euclidean')::text FROM big"
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE big AS SELECT (g * 7 - 3000)::bigint AS id, ARRAY[sin(g), cos(g * 1.3), "
                    "sin(g * 0.7)]::real[] AS embedding FROM generate_series(1, 1200) g")
        cur.execute("ANALYZE big")
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute(q)
        serial = cur.fetchone()[0]
        for setting in ["parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                        "max_parallel_workers_per_gather = 3", "parallel_leader_participation = off"]:
            cur.execute("SET " + setting)
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + q)
        plan = "\n".join(r[0] for r in cur.fetchall())
        ok("Partial Aggregate" in plan and "Workers Launched: 0" not in plan,
           "persistence(id, ...) runs in launched parallel workers", plan)
        cur.execute(q)
        ok(cur.fetchone()[0] == serial, "the parallel plan keeps the ids: the serial result")
        cur.execute("RESET ALL")
    # a statement_timeout stops a run with ids, and the session goes on
    with conn.cursor() as cur:
        cur.execute("SET statement_timeout = '300ms'")
    code, msg = sqlstate_of(conn, "SELECT topembed.persistence(id, embedding, 2, 'euclidean') FROM big")
    with conn.cursor() as cur:
        cur.execute("RESET statement_timeout")
        cur.execute(q)
        after = cur.fetchone()[0]
    ok(code == "57014" and after == serial,
       "a statement_timeout stops persistence(id, ...) with 57014, and the session runs on: %s" % msg)


def errors(conn):
    cases = [
        ("a NULL id", "SELECT topembed.persistence(NULL::bigint, '{1,2}'::real[])", "22004"),
        ("a duplicate id", "SELECT topembed.persistence(1, e) FROM (VALUES ('{1,2}'::real[]), ('{2,3}')) v(e)",
         "23505"),
        ("a NULL embedding", "SELECT topembed.persistence(1, NULL::real[])", "22004"),
        ("a NaN", "SELECT topembed.persistence(1, '{1,NaN}'::real[])", "22000"),
        ("an infinity", "SELECT topembed.persistence(1, '{1,Infinity}'::real[])", "22000"),
        ("an empty embedding", "SELECT topembed.persistence(1, '{}'::real[])", "22000"),
        ("a NaN in pca_svg", "SELECT topembed.pca_svg(1, '{1,NaN}'::real[], NULL)", "22000"),
        ("ragged rows", "SELECT topembed.persistence(i, e) FROM (VALUES (1, '{1,2}'::real[]), (2, '{1,2,3}')) v(i, e)",
         "22000"),
        ("max_dim 4", "SELECT topembed.persistence(1::bigint, '{1,2}'::real[], 4)", "22023"),
        ("a negative threshold", "SELECT topembed.persistence(1::bigint, '{1,2}'::real[], 1, 'cosine', -1)", "22023"),
        ("an unknown metric", "SELECT topembed.persistence(1::bigint, '{1,2}'::real[], 1, 'chebyshev')", "22023"),
        ("a zero vector under cosine", "SELECT topembed.persistence(1::bigint, '{0,0}'::real[], 1, 'cosine')",
         "22000"),
        ("different metrics in two rows",
         "SELECT topembed.persistence(i, '{1,2}'::real[], 1, m) FROM (VALUES (1, 'cosine'), (2, 'euclidean')) v(i, m)",
         "22023"),
    ]
    for what, sql, want in cases:
        code, msg = sqlstate_of(conn, sql)
        ok(code == want, "%s gives %s: %s %s" % (what, want, code, msg))
    with conn.cursor() as cur:
        cur.execute("SET topembed.persistence_memory_limit = '1MB'")
    code, msg = sqlstate_of(conn, "SELECT topembed.persistence(g, ARRAY[g, g * g]::real[]) "
                                  "FROM generate_series(1, 5000) g")
    ok(code == "54000" and "memory_limit" in msg, "too many points for the memory limit give 54000: %s" % msg)
    with conn.cursor() as cur:
        cur.execute("RESET topembed.persistence_memory_limit")
        cur.execute("SELECT topembed.persistence(1::bigint, '{1,2}'::real[]) IS NULL, "
                    "(SELECT topembed.persistence(1::bigint, e) FROM (SELECT '{1}'::real[] e WHERE false) x) IS NULL")
        one, empty = cur.fetchone()
    ok(not one and empty, "one row gives its essential class; no rows give NULL")


def main():
    conn = fresh_db("te_generators")
    errors(conn)
    parallel_equals_serial(conn)
    if not need_data("generators against GUDHI on real data", "mscoco_clip_vitb16.csv", "mscoco100_clip_vs_cloob.csv"):
        done()
    liang = [r["vec"] for r in read_pairs(os.path.join(DATA, "mscoco_clip_vitb16.csv")) if r["modality"] == "image"]
    pairs = read_pairs(os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
    clip = [r["vec"] for r in pairs if r["model"] == "CLIP"]
    cloob = [r["vec"] for r in pairs if r["model"] == "CLOOB"]
    check_set(conn, "clip images", np.array(liang[:220]), 1, "cosine", 1)
    check_set(conn, "clip images euclid", np.array(liang[:220]), 1, "euclidean", 2)
    check_set(conn, "clip rn50", np.array(clip), 1, "cosine", 3)
    check_set(conn, "cloob", np.array(cloob), 1, "euclidean", 4)
    check_set(conn, "clip small", np.array(clip[:36]), 1, "cosine", 5, gf2=True)
    check_set(conn, "clip rn50 h2", np.array(clip[:80]), 2, "cosine", 6, threshold=0.6)
    pca_picture(conn, np.array(clip))
    done()


main()
