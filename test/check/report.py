"""The pictures end to end: every SVG that the SQL functions draw is
well-formed XML (xmllint), escapes its text, and renders in headless Debian
Chromium to a non-blank PNG; the demo's report.html holds the gap, the
spectra, the diagrams of every model and the distances between them."""
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from telib import DATA, ROOT, chromium_screenshot, connect, done, fresh_db, load_csv, need_data, ok, png_stats

PSQL = os.path.join(os.environ.get("TE_PGBIN", "/usr/lib/postgresql/%s/bin" % os.environ.get("TE_PGVER", "15")), "psql")


def xmllint_ok(path):
    r = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def segment_hits_box(x0, y0, x1, y1, b):
    """Does the segment meet box b = (x0, y0, x1, y1)? (Liang-Barsky)"""
    t0, t1 = 0.0, 1.0
    for p, q in ((x0 - x1, x0 - b[0]), (x1 - x0, b[2] - x0), (y0 - y1, y0 - b[1]), (y1 - y0, b[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            if r > t1:
                return False
            t0 = max(t0, r)
        else:
            if r < t0:
                return False
            t1 = min(t1, r)
    return True


def label_overlaps(svg):
    """The dims_99 labels of a spectrum plot that cover a drawn line or one
    another, measured on the document (digits about 0.64 em wide)."""
    boxes = []
    for g in re.findall(r'<g class="mark-label">(.*?)</g>\n', svg, re.S):
        m = re.search(r'<text x="([0-9.]+)" y="([0-9.]+)"[^>]*font-size="([0-9.]+)"[^>]*>([^<]*)</text>', g)
        if m is None:
            m = re.search(r'<text x="([0-9.]+)" y="([0-9.]+)"[^>]*>([^<]*)</text>', g)
            x, y, size, text = float(m.group(1)), float(m.group(2)), 10.5, m.group(3)
        else:
            x, y, size, text = float(m.group(1)), float(m.group(2)), float(m.group(3)), m.group(4)
        w = 0.64 * size * len(text)
        boxes.append((text, (x - w / 2, y - 0.75 * size, x + w / 2, y + 0.15 * size)))
    lines = []
    for d in re.findall(r'<g class="series"><path[^>]* d="([^"]*)"', svg):
        nums = [float(v) for v in re.findall(r"-?[0-9.]+", d)]
        lines.append(list(zip(nums[0::2], nums[1::2])))
    bad = []
    for i, (text, b) in enumerate(boxes):
        for pts in lines:
            if any(segment_hits_box(a[0], a[1], c[0], c[1], b) for a, c in zip(pts, pts[1:])):
                bad.append("label %s crosses a line" % text)
                break
        for text2, b2 in boxes[i + 1:]:
            if b[0] < b2[2] and b2[0] < b[2] and b[1] < b2[3] and b2[1] < b[3]:
                bad.append("labels %s and %s overlap" % (text, text2))
    return bad


def main():
    if not need_data("the demo's report.html and the pictures of real diagrams", "mscoco100_clip_vs_cloob.csv"):
        done()
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
    ok("Alignment (Wang" in html, "report.html explains the alignment")
    ok(html.count("<tr>") >= 1 + 3 + 1 + 6 + 1 + 6, "report.html has the tables' rows")
    # the distances between many models read as matrices: one per distance
    # and modality, a row and a column per model, the diagonal marked
    matrices = re.findall(r'<table class="matrix">.*?</table>', html, re.S)
    ok(len(matrices) == 4, "report.html has 4 distance matrices, bottleneck and W2 per modality (%d)" % len(matrices))
    shapes = [(m.count("<tr>"), m.count('<td class="diag">'), len(re.findall(r"<td>[0-9.]+ · [0-9.]+</td>", m)))
              for m in matrices]
    ok(all(sh == (4, 3, 6) for sh in shapes), "each matrix is 3 x 3 models with a header row, the "
       "diagonal marked and 6 off-diagonal cells 'H0 · H1'", shapes)
    def diagonal_ok(m):
        rows = re.findall(r"<tr>(.*?)</tr>", m, re.S)
        head = re.findall(r"<th>(.*?)</th>", rows[0])
        for i, r in enumerate(rows[1:]):
            cells = re.findall(r"<td[^>]*>", r)
            if re.findall(r"<th>(.*?)</th>", r) != [head[i + 1]] or cells[i] != '<td class="diag">':
                return False
        return True
    ok(all(diagonal_ok(m) for m in matrices), "rows and columns of each matrix name the same models in order")
    # side-by-side panels share one scale: the same axis ticks in every
    # diagram, the same eigenvalue ticks in both spectrum plots
    def ticks(svg):
        return re.findall(r'<text x="[0-9.]+" y="[0-9.]+" text-anchor="(?:middle|end)">([^<]*(?:<tspan[^>]*>[^<]*</tspan>)?)</text>', svg)
    dticks = [ticks(x) for x in svgs[2:]]
    ok(len(set(map(tuple, dticks))) == 1 and len(dticks[0]) > 4,
       "the 6 diagrams share one scale (the same ticks)", dticks)
    ok(all(">birth (cosine distance)</text>" in x and ">death (cosine distance)</text>" in x for x in svgs[2:]),
       "the diagrams' axes name the metric")
    sticks = [re.findall(r'text-anchor="end">10<tspan[^>]*>([^<]*)</tspan>', x) for x in svgs[:2]]
    sy = [re.findall(r'<text x="[0-9.]+" y="([0-9.]+)" text-anchor="end">10<tspan', x) for x in svgs[:2]]
    ok(sticks[0] == sticks[1] and sy[0] == sy[1] and sticks[0],
       "the image and text spectra share one eigenvalue scale", sticks)
    ok("10⁻¹²" not in html and ">floor<" not in html and "zero up to rounding" in html,
       "the spectra's subtitles are in plain words")
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
        if name == "spectra":
            bad = label_overlaps(svg)
            ok(not bad and svg.count('class="mark-label"') >= 3,
               "five-model spectra: the dims_99 labels (%d) cover no line and no other label"
               % svg.count('class="mark-label"'), bad)
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
