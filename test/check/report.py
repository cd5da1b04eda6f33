"""The pictures end to end: every SVG that the SQL functions draw is
well-formed XML (xmllint), escapes its text, and renders in headless Debian
Chromium to a non-blank PNG; the demo's report.html holds the gap, the
spectra, the diagrams of every model and the distances between them."""
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from telib import DATA, ROOT, chromium_screenshot, connect, done, fresh_db, load_csv, ok, png_stats

PSQL = "/usr/lib/postgresql/%s/bin/psql" % os.environ.get("TE_PGVER", "15")


def xmllint_ok(path):
    r = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def main():
    conn = fresh_db("te_report")
    cur = conn.cursor()
    # the demo's table layout, with a hostile model name among the real ones
    load_csv(conn, "raw", os.path.join(DATA, "mscoco100_clip_vs_cloob.csv"))
    cur.execute("CREATE TABLE embeddings AS SELECT model, pair_id, modality, embedding FROM raw "
                "WHERE model IN ('CLIP', 'CLOOB')")
    cur.execute("INSERT INTO embeddings SELECT '<b>x & \"y\"</b>', pair_id, modality, embedding "
                "FROM raw WHERE model = 'CyCLIP'")

    work = tempfile.mkdtemp(prefix="te_report_")
    report = os.path.join(work, "report.html")
    env = dict(os.environ, PGDATABASE="te_report")
    r = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f",
                        os.path.join(ROOT, "scripts", "demo_html.sql"), "-o", report],
                       env=env, capture_output=True, text=True)
    ok(r.returncode == 0, "the demo's report SQL runs", r.stderr)
    html = open(report).read()
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    ok(len(svgs) == 2 + 6, "report.html holds 2 spectrum plots and 6 diagrams (%d SVGs)" % len(svgs))
    for section in ["Modality gap", "Spectral collapse", "Persistent homology", "Distances between diagrams"]:
        ok(section in html, "report.html has the section '%s'" % section)
    ok(html.count("<tr>") >= 1 + 3 + 1 + 6 + 1 + 6 + 1 + 9, "report.html has the tables' rows")
    ok("<b>x" not in html and "&lt;b&gt;x" in html, "a hostile model name is escaped in the page and the plots")
    bad = []
    for i, s in enumerate(svgs):
        try:
            ET.fromstring(s)
        except ET.ParseError as e:
            bad.append("%d: %s" % (i, e))
    ok(not bad, "every SVG in report.html is well-formed XML", "; ".join(bad))

    # each plot function on real diagrams and spectra: xmllint and chromium
    cur.execute("""
        WITH d AS (SELECT topembed.persistence(embedding, 2, 'cosine') d FROM raw
                   WHERE model = 'CLIP' AND modality = 'image'),
             s AS (SELECT model, topembed.spectral_collapse(embedding) s FROM raw
                   WHERE modality = 'image' GROUP BY model)
        SELECT 'diagram', topembed.diagram_svg(d, 'CLIP image <H0–H2>') FROM d
        UNION ALL SELECT 'barcode', topembed.barcode_svg(d, 'CLIP image & co') FROM d
        UNION ALL SELECT 'betti', topembed.betti_curve_svg(d, NULL, 'Betti curves') FROM d
        UNION ALL SELECT 'spectrum', topembed.spectrum_svg((SELECT s FROM s WHERE model = 'CLIP'), 'CLIP')
        UNION ALL SELECT 'spectra', topembed.spectrum_svg(array_agg(s ORDER BY model), array_agg(model ORDER BY model),
                                                          'five models') FROM s
        UNION ALL SELECT 'empty', topembed.diagram_svg('{}', NULL)""")
    for name, svg in cur.fetchall():
        path = os.path.join(work, name + ".svg")
        open(path, "w").write(svg)
        good, err = xmllint_ok(path)
        ok(good, "%s_svg output is well-formed XML (xmllint)" % name, err)
        m = re.search(r'width="(\d+)" height="(\d+)"', svg)
        w, h = int(m.group(1)), int(m.group(2))
        png = os.path.join(work, name + ".png")
        shot = chromium_screenshot(path, png, w, h)
        if shot is None:
            ok(True, "%s_svg: # SKIP chromium is not installed" % name)
            continue
        ok(shot, "%s_svg renders in headless chromium" % name)
        if shot:
            pw, ph, colours, ink = png_stats(png)
            ok(pw == w and ph == h and colours >= 8 and ink > 0.005,
               "%s_svg: the %dx%d PNG has content (%d colours, %.1f%% ink)" % (name, pw, ph, colours, 100 * ink))

    png = os.path.join(work, "report.png")
    shot = chromium_screenshot(report, png, 1400, 2400)
    if shot is not None:
        ok(shot, "report.html renders in headless chromium")
        if shot:
            pw, ph, colours, ink = png_stats(png)
            ok(colours >= 16 and ink > 0.02, "the report's screenshot has content (%d colours, %.1f%% ink)"
               % (colours, 100 * ink))
    print("# pictures in " + work)
    done()


main()
