-- report.html of make demo: one page with the gap, the spectra, the
-- persistence diagrams of every model and modality, and the distances
-- between the diagrams.  Run with psql -At; the output is the page.
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

CREATE FUNCTION pg_temp.h(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;
CREATE FUNCTION pg_temp.num(x float8, digits int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x IS NULL THEN '–' WHEN x = 'Infinity' THEN '∞' ELSE round(x::numeric, digits)::text END
$$;

SELECT concat_ws(E'\n',
'<!DOCTYPE html>',
'<html lang="en"><head><meta charset="utf-8"><title>topembed report</title>',
'<style>',
'body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}',
'h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}',
'table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:right}',
'th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}',
'.grid{display:flex;flex-wrap:wrap;gap:1em}.grid figure{margin:0}',
'figcaption{color:#555;font-size:.9em;text-align:center}',
'</style></head><body>',
'<h1>topembed health report</h1>',
'<p class="sub">generated ' || pg_temp.h(now()::text) || ' by topembed '
    || pg_temp.h((SELECT extversion FROM pg_extension WHERE extname = 'topembed')) || '</p>',

'<h2>Modality gap</h2>',
'<p>Over L2-normalised embeddings (Liang et al. 2022). Cone: mean cosine between two embeddings of one modality.</p>',
'<table><tr><th>model</th><th>pairs</th><th>gap</th><th>image cone</th><th>text cone</th><th>paired cosine</th><th>alignment</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s ± %s</td><td>%s</td></tr>',
        pg_temp.h(model), (g).n_pairs, pg_temp.num((g).gap, 4), pg_temp.num((g).image_cone, 3),
        pg_temp.num((g).text_cone, 3), pg_temp.num((g).paired_cosine_mean, 3),
        pg_temp.num((g).paired_cosine_std, 3), pg_temp.num((g).alignment, 3)), E'\n' ORDER BY model)
 FROM report_gap),
'</table>',

'<h2>Spectral collapse</h2>',
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
                                            modality || ' spectra') AS svg
       FROM report_spectra GROUP BY modality) q),
'</div>',

'<h2>Persistent homology</h2>',
'<p>Vietoris–Rips diagrams, H0 and H1, cosine metric, on a reproducible sample of at most 1000 points per model and modality.</p>',
'<table><tr><th>model</th><th>modality</th><th>points</th><th>H1 classes</th><th>H0 total persistence</th><th>H1 total persistence</th><th>H1 entropy</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
        pg_temp.h(model), pg_temp.h(modality),
        (SELECT count(*) FROM unnest(d) p WHERE p.dim = 0),
        (SELECT count(*) FROM unnest(d) p WHERE p.dim = 1),
        pg_temp.num(topembed.total_persistence(d, 0), 3), pg_temp.num(topembed.total_persistence(d, 1), 3),
        pg_temp.num(topembed.persistence_entropy(d, 1), 3)), E'\n' ORDER BY model, modality)
 FROM report_diagrams),
'</table>',
'<div class="grid">',
(SELECT string_agg(format('<figure>%s</figure>', topembed.diagram_svg(d, model || ' · ' || modality)), E'\n'
                   ORDER BY model, modality)
 FROM report_diagrams),
'</div>',

'<h2>Distances between diagrams</h2>',
'<p>Exact bottleneck and 2-Wasserstein distances (L∞ ground metric) between the diagrams above.</p>',
'<table><tr><th>from</th><th>to</th><th>bottleneck H0</th><th>bottleneck H1</th><th>W2 H0</th><th>W2 H1</th></tr>',
(SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
        pg_temp.h(a.model || ' ' || a.modality), pg_temp.h(b.model || ' ' || b.modality),
        pg_temp.num(topembed.bottleneck_distance(a.d, b.d, 0), 4), pg_temp.num(topembed.bottleneck_distance(a.d, b.d, 1), 4),
        pg_temp.num(topembed.wasserstein_distance(a.d, b.d, 0, 2), 4), pg_temp.num(topembed.wasserstein_distance(a.d, b.d, 1, 2), 4)),
        E'\n' ORDER BY a.model, a.modality, b.model, b.modality)
 FROM report_diagrams a JOIN report_diagrams b
   ON (a.model, a.modality) < (b.model, b.modality) AND (a.modality = b.modality OR a.model = b.model)),
'</table>',
'</body></html>');
