"""snapshot reads pgvector's columns: vector and halfvec through pgvector's
casts to real[], sparsevec through vector, all recognised as types of the
extension named vector (installed here in a schema whose name needs
quoting), with the same figures as the real[] columns they were made from.
A look-alike type named vector that is not pgvector's gets no such pass: its
cast is someone else's code and is refused.  pgvector comes from an
installed copy, else it is built from ../shared/vendor/pgvector; without
either the suite skips."""

from telib import connect, done, fresh_db, ok, pgvector_available, sqlstate_of

DB = "te_pgvector"
VEC = '"vec tors"'


def figures(cur, run):
    cur.execute("""SELECT g.n_pairs, g.gap, g.image_cone, s.effective_rank, s.dims_99, d.h1_classes, d.diagram::text
                   FROM topembed.run_gap g JOIN topembed.run_spectra s USING (run_id)
                   JOIN topembed.run_diagrams d USING (run_id)
                   WHERE g.run_id = %s AND s.modality = 'image' AND d.modality = 'image'""", (run,))
    return cur.fetchone()


def main():
    admin = connect()
    why = pgvector_available(admin)
    if why:
        print("ok - snapshot of pgvector columns # SKIP %s" % why)
        done()
        return
    conn = fresh_db(DB)
    cur = conn.cursor()
    cur.execute("CREATE SCHEMA %s" % VEC)
    cur.execute("CREATE EXTENSION vector SCHEMA %s" % VEC)
    cur.execute("""CREATE TABLE pv AS
                   SELECT pair_id, image, text,
                          image::{v}.vector AS vi, text::{v}.vector AS vt,
                          image::{v}.halfvec AS hi, text::{v}.halfvec AS ht,
                          image::{v}.sparsevec AS si, text::{v}.sparsevec AS st
                   FROM topembed.synthetic_pairs(300, 24, 0.7, 7)""".format(v=VEC))
    runs = {}
    for kind, (a, b) in {"real[]": ("image", "text"), "vector": ("vi", "vt"), "halfvec": ("hi", "ht"),
                         "sparsevec": ("si", "st")}.items():
        code, msg = sqlstate_of(conn, "SELECT topembed.snapshot(%s, 'pv', image_column => %s, text_column => %s, "
                                "sample => 100)", ("pv-" + kind, a, b))
        ok(code is None, "snapshot of a paired %s source: %s" % (kind, msg or "recorded"))
        cur.execute("SELECT max(run_id) FROM topembed.runs WHERE label = %s", ("pv-" + kind,))
        runs[kind] = cur.fetchone()[0]
    base = figures(cur, runs["real[]"])
    for kind in ("vector", "sparsevec"):
        if runs[kind]:
            ok(figures(cur, runs[kind]) == base,
               "%s columns give exactly the figures and diagram of the real[] columns" % kind)
    if runs["halfvec"]:
        h = figures(cur, runs["halfvec"])
        ok(h[0] == base[0] and abs(h[1] - base[1]) < 2e-3 and abs(h[3] - base[3]) < 2e-2,
           "halfvec columns give the figures of the real[] columns to half precision "
           "(gap %.5f against %.5f)" % (h[1], base[1]))
    cur.execute("""CREATE TABLE pv_items AS
                   SELECT CASE WHEN m = 'image' THEN vi ELSE vt END AS emb, m AS modality
                   FROM pv, (VALUES ('image'), ('text')) x(m)""")
    code, msg = sqlstate_of(conn, "SELECT topembed.snapshot('pv-items', 'pv_items', embedding_column => 'emb', "
                            "modality_column => 'modality', sample => 100)")
    ok(code is None, "snapshot of a vector column with a modality column: %s" % (msg or "recorded"))
    cur.execute("SELECT gap FROM topembed.run_gap JOIN topembed.runs USING (run_id) WHERE label = 'pv-items'")
    row = cur.fetchone()
    ok(row is not None and abs(row[0] - base[1]) < 1e-12, "it gives the paired gap")

    # a look-alike: another role's type named vector, with its own cast to real[]
    cur.execute("DROP ROLE IF EXISTS te_pv_alice")
    cur.execute("CREATE ROLE te_pv_alice")
    cur.execute("CREATE SCHEMA fake AUTHORIZATION te_pv_alice")
    cur.execute("GRANT USAGE ON SCHEMA topembed TO te_pv_alice")
    cur.execute("SET ROLE te_pv_alice")
    cur.execute("CREATE TYPE fake.vector AS (v real[])")
    cur.execute("""CREATE FUNCTION fake.to_real(x fake.vector) RETURNS real[] LANGUAGE sql AS 'SELECT x.v'""")
    cur.execute("CREATE CAST (fake.vector AS real[]) WITH FUNCTION fake.to_real(fake.vector)")
    cur.execute("CREATE TABLE fake.items AS SELECT ROW(image)::fake.vector AS emb FROM topembed.synthetic_pairs(50, 8)")
    cur.execute("RESET ROLE")
    code, msg = sqlstate_of(conn, "SELECT topembed.snapshot('fake', 'fake.items', embedding_column => 'emb')")
    ok(code == "42501" and "fake.to_real" in (msg or ""),
       "a type named vector that is not pgvector's is not trusted: %s" % msg)
    cur.execute("DROP SCHEMA fake CASCADE")
    cur.execute("REVOKE USAGE ON SCHEMA topembed FROM te_pv_alice")
    cur.execute("DROP ROLE te_pv_alice")
    conn.close()
    admin.cursor().execute("DROP DATABASE %s" % DB)
    done()


main()
