-- report.html of make demo: one page with the gap, the spectra, the
-- persistence diagrams of every model and modality, and the distances
-- between the diagrams.  Run with psql -At; the output is the page.
-- Panels side by side share one scale: the spectra one eigenvalue range,
-- the diagrams one distance range.
\set ON_ERROR_STOP 1
CREATE TEMP TABLE report_diagrams AS
SELECT model, modality, topembed.persistence(embedding, 1, 'cosine', NULL, 1000) AS d
FROM embeddings GROUP BY model, modality;
CREATE TEMP TABLE report_spectra AS
SELECT model, modality, topembed.spectral_collapse(embedding) AS s
FROM embeddings GROUP BY model, modality;
CREATE TEMP TABLE report_gap AS
SELECT i.model, topembed.modality_gap(i.embedding, t.embedding) AS g
FROM embeddings i JOIN embeddings t
  ON t.model = i.model AND t.pair_id = i.pair_id AND i.modality = 'image' AND t.modality = 'text'
GROUP BY i.model;
-- the distances between every two diagrams of one modality, and between
-- the image and text diagrams of one model
CREATE TEMP TABLE report_distances AS
SELECT a.modality AS a_modality, a.model AS a_model, b.modality AS b_modality, b.model AS b_model,
       topembed.bottleneck_distance(a.d, b.d, 0) AS b0, topembed.bottleneck_distance(a.d, b.d, 1) AS b1,
       topembed.wasserstein_distance(a.d, b.d, 0, 2) AS w0, topembed.wasserstein_distance(a.d, b.d, 1, 2) AS w1
FROM report_diagrams a JOIN report_diagrams b
  ON (a.modality = b.modality AND a.model < b.model) OR (a.model = b.model AND a.modality < b.modality);
-- the shared scales
CREATE TEMP TABLE report_scale AS
SELECT (SELECT max(p.death) FROM report_diagrams, unnest(d) p WHERE p.death < 'Infinity') AS max_death,
       (SELECT max((s).eigenvalues[1]) FROM report_spectra) AS max_eigenvalue;
ALTER TABLE report_scale ADD COLUMN min_eigenvalue float8;
UPDATE report_scale SET min_eigenvalue =
    (SELECT min(e) FROM report_spectra, unnest((s).eigenvalues) e WHERE e > 0 AND e >= 1e-12 * max_eigenvalue);

CREATE FUNCTION pg_temp.h(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;
CREATE FUNCTION pg_temp.num(x float8, digits int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x IS NULL THEN '–' WHEN x = 'Infinity' THEN '∞' ELSE round(x::numeric, digits)::text END
$$;
-- a matrix of the models of one modality: cell(a, b) is "H0 · H1" of a distance
CREATE FUNCTION pg_temp.matrix(which text, mod text, caption text) RETURNS text LANGUAGE sql AS $$
    WITH models AS (SELECT DISTINCT model FROM report_diagrams WHERE modality = mod),
         cells AS (
            SELECT r.model AS row_model, c.model AS col_model,
                   CASE WHEN r.model = c.model THEN '<td class="diag">·</td>'
                        ELSE (SELECT format('<td>%s · %s</td>',
                                            pg_temp.num(CASE which WHEN 'bottleneck' THEN x.b0 ELSE x.w0 END, 3),
                                            pg_temp.num(CASE which WHEN 'bottleneck' THEN x.b1 ELSE x.w1 END, 3))
                              FROM report_distances x
                              WHERE x.a_modality = mod AND x.b_modality = mod
                                AND least(r.model, c.model) = x.a_model AND greatest(r.model, c.model) = x.b_model)
                   END AS cell
            FROM models r CROSS JOIN models c)
    SELECT concat_ws(E'\n',
        '<table class="matrix"><caption>' || pg_temp.h(caption) || '</caption>',
        '<tr><th></th>' || (SELECT string_agg('<th>' || pg_temp.h(model) || '</th>', '' ORDER BY model) FROM models) || '</tr>',
        (SELECT string_agg('<tr><th>' || pg_temp.h(row_model) || '</th>' || cells_of_row || '</tr>', E'\n' ORDER BY row_model)
         FROM (SELECT row_model, string_agg(cell, '' ORDER BY col_model) AS cells_of_row FROM cells GROUP BY row_model) q),
        '</table>')
$$;

SELECT concat_ws(E'\n',
'<!DOCTYPE html>',
'<html lang="en"><head><meta charset="utf-8"><title>topembed report</title>',
'<style>',
'body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}',
'h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}',
'table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:right}',
'th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}',
'table.matrix th{text-align:center}table.matrix tr th:first-child{text-align:left}',
'table.matrix td{text-align:center;font-variant-numeric:tabular-nums}td.diag{color:#bbb}',
'caption{text-align:left;font-weight:bold;padding:.3em 0}',
'.grid{display:flex;flex-wrap:wrap;gap:1em}.grid figure{margin:0}',
'figcaption{color:#555;font-size:.9em;text-align:center}',
'</style></head><body>',
'<h1>topembed health report</h1>',
'<p class="sub">generated ' || pg_temp.h(now()::text) || ' by topembed '
    || pg_temp.h((SELECT extversion FROM pg_extension WHERE extname = 'topembed')) || '</p>',

'<h2>Modality gap</h2>',
'<p>Over L2-normalised embeddings (Liang et al. 2022). Gap: distance between the image and the text centroid',
'(0 = none, 2 = opposite). Cone: mean cosine between two embeddings of one modality (0 = spread out).',
'Paired cosine: cosine of each image with its own caption. Alignment (Wang &amp; Isola 2020): mean squared',
'distance between an image and its caption, 2 − 2 × paired cosine (0 = every pair coincides).</p>',
'<table><tr><th>model</th><th>pairs</th><th>gap</th><th>image cone</th><th>text cone</th><th>paired cosine</th><th>alignment</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s ± %s</td><td>%s</td></tr>',
        pg_temp.h(model), (g).n_pairs, pg_temp.num((g).gap, 4), pg_temp.num((g).image_cone, 3),
        pg_temp.num((g).text_cone, 3), pg_temp.num((g).paired_cosine_mean, 3),
        pg_temp.num((g).paired_cosine_std, 3), pg_temp.num((g).alignment, 3)), E'\n' ORDER BY model)
 FROM report_gap),
'</table>',

'<h2>Spectral collapse</h2>',
'<p>Eigenvalues of the covariance. Effective rank: how many equally strong directions the spectrum is worth;',
'dims 99%: components that hold 99% of the variance. The two plots share one eigenvalue scale.</p>',
'<table><tr><th>model</th><th>modality</th><th>n</th><th>dim</th><th>effective rank</th><th>RankMe</th><th>participation ratio</th><th>dims 99%</th><th>top share</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
        pg_temp.h(model), pg_temp.h(modality), (s).n, (s).dim, pg_temp.num((s).effective_rank, 1),
        pg_temp.num((s).rankme, 1), pg_temp.num((s).participation_ratio, 1), coalesce((s).dims_99::text, '–'),
        pg_temp.num((s).explained_variance_ratio[1], 3)), E'\n' ORDER BY model, modality)
 FROM report_spectra),
'</table>',
'<div class="grid">',
(SELECT string_agg(format('<figure>%s</figure>', svg), E'\n' ORDER BY modality)
 FROM (SELECT modality, topembed.spectrum_svg(array_agg(s ORDER BY model), array_agg(model ORDER BY model),
                                            modality || ' spectra',
                                            (SELECT min_eigenvalue FROM report_scale),
                                            (SELECT max_eigenvalue FROM report_scale)) AS svg
       FROM report_spectra GROUP BY modality) q),
'</div>',

'<h2>Persistent homology</h2>',
'<p>Vietoris–Rips diagrams, H0 (clusters) and H1 (loops), cosine metric, on a reproducible sample of at most',
'1000 points per model and modality. A bar is born at the distance where a feature appears and dies where it',
'fills in; long bars are structure, short ones noise. All diagrams share one distance scale.</p>',
'<table><tr><th>model</th><th>modality</th><th>points</th><th>H1 classes</th><th>longest H0 bar</th><th>longest H1 bar</th><th>H0 total persistence</th><th>H1 total persistence</th><th>H1 entropy</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
        pg_temp.h(model), pg_temp.h(modality),
        (SELECT count(*) FROM unnest(d) p WHERE p.hdim = 0),
        (SELECT count(*) FROM unnest(d) p WHERE p.hdim = 1),
        pg_temp.num((SELECT max(p.death - p.birth) FROM unnest(d) p WHERE p.hdim = 0 AND p.death < 'Infinity'), 3),
        pg_temp.num((SELECT max(p.death - p.birth) FROM unnest(d) p WHERE p.hdim = 1 AND p.death < 'Infinity'), 3),
        pg_temp.num(topembed.total_persistence(d, 0), 3), pg_temp.num(topembed.total_persistence(d, 1), 3),
        pg_temp.num(topembed.persistence_entropy(d, 1), 3)), E'\n' ORDER BY model, modality)
 FROM report_diagrams),
'</table>',
'<div class="grid">',
(SELECT string_agg(format('<figure>%s</figure>',
                          topembed.diagram_svg(d, model || ' · ' || modality, 'cosine',
                                               (SELECT max_death FROM report_scale))), E'\n'
                   ORDER BY model, modality)
 FROM report_diagrams),
'</div>',

'<h2>Distances between diagrams</h2>',
'<p>Exact bottleneck distance (the largest move a matching of the bars needs) and 2-Wasserstein distance',
'(all moves together), L∞ ground metric, between the diagrams above; each cell reads H0 · H1.</p>',
'<div class="grid">',
(SELECT string_agg(pg_temp.matrix(w, m, w || ' distance, ' || m || ' diagrams (H0 · H1)'), E'\n' ORDER BY wo, m)
 FROM (SELECT DISTINCT modality FROM report_diagrams) mods(m),
      (VALUES (1, 'bottleneck'), (2, 'Wasserstein-2')) ws(wo, w)
 WHERE (SELECT count(DISTINCT model) FROM report_diagrams) > 1),
'</div>',
'<table><caption>image against text diagrams of each model</caption>',
'<tr><th>model</th><th>bottleneck H0</th><th>bottleneck H1</th><th>W2 H0</th><th>W2 H1</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
        pg_temp.h(a_model), pg_temp.num(b0, 4), pg_temp.num(b1, 4), pg_temp.num(w0, 4), pg_temp.num(w1, 4)),
        E'\n' ORDER BY a_model)
 FROM report_distances WHERE a_model = b_model),
'</table>',
'</body></html>');
