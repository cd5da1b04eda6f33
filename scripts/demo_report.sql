-- The health report of make demo, over table embeddings(model, pair_id,
-- modality, embedding).  Also a worked example of topembed's SQL.
\set ON_ERROR_STOP 1
\pset footer off
\pset null '-'
\echo
\echo '================ topembed health report ================'
\echo

\echo '## Data'
SELECT model, count(*) FILTER (WHERE modality = 'image') AS images,
       count(*) FILTER (WHERE modality = 'text') AS texts,
       min(cardinality(embedding)) AS dim
FROM embeddings GROUP BY model ORDER BY model;
SELECT count(DISTINCT model) > 1 AS several_models FROM embeddings \gset

\echo '## Modality gap (Liang et al. 2022), over L2-normalised embeddings'
\echo '   gap: distance between the image and the text centroid (0 = none, 2 = opposite)'
\echo '   cone: mean cosine between two embeddings of one modality (0 = spread out)'
\echo '   paired cosine: cosine of each image with its own caption (mean ± sd)'
\echo '   alignment: mean squared distance from an image to its caption, 2 - 2 x paired cosine (0 = pairs coincide)'
CREATE TEMP TABLE gap AS
SELECT i.model, topembed.modality_gap(i.embedding, t.embedding) AS g
FROM embeddings i JOIN embeddings t
  ON t.model = i.model AND t.pair_id = i.pair_id AND i.modality = 'image' AND t.modality = 'text'
GROUP BY i.model;
SELECT model, (g).n_pairs AS pairs, round((g).gap::numeric, 4) AS gap,
       round((g).image_cone::numeric, 3) AS image_cone,
       round((g).text_cone::numeric, 3) AS text_cone,
       round((g).paired_cosine_mean::numeric, 3) || ' ± ' || round((g).paired_cosine_std::numeric, 3)
           AS paired_cosine,
       round((g).alignment::numeric, 3) AS alignment
FROM gap ORDER BY model;

\echo '## Reading'
SELECT model,
       CASE WHEN (g).gap >= 0.6 THEN 'strong modality gap: images and texts sit in separate regions'
            WHEN (g).gap >= 0.3 THEN 'moderate modality gap'
            ELSE 'small modality gap: the modalities share one region' END AS gap,
       CASE WHEN least((g).image_cone, (g).text_cone) >= 0.4 THEN 'narrow cones (strong cone effect)'
            WHEN least((g).image_cone, (g).text_cone) >= 0.15 THEN 'moderate cones'
            ELSE 'wide cones' END AS cone
FROM gap ORDER BY model;

\echo '## Spectrum: how many directions the embeddings use (of dim)'
\echo '   effective rank: equally strong directions the spectrum is worth (Roy & Vetterli 2007)'
\echo '   RankMe: the same on the uncentred embeddings (Garrido et al. 2023)'
\echo '   dims_99: components that hold 99% of the variance; top share: the share of the strongest one'
CREATE TEMP TABLE spectra AS
SELECT model, modality, topembed.spectral_collapse(embedding) AS s
FROM embeddings GROUP BY model, modality;
SELECT model, modality, (s).n AS n, (s).dim AS dim,
       round((s).effective_rank::numeric, 1) AS effective_rank,
       round((s).rankme::numeric, 1) AS rankme,
       (s).dims_99 AS dims_99,
       round((s).explained_variance_ratio[1]::numeric, 3) AS top_share
FROM spectra ORDER BY model, modality;

\echo '## Topology: Vietoris-Rips persistence, cosine metric, a reproducible sample of at most 1000 points'
\echo '   H0 bars: clusters merging as the scale grows; H1 bars: loops; longest: the longest finite bar'
\echo '   H1 entropy: how evenly the H1 persistence spreads over the loops (natural log)'
CREATE TEMP TABLE diagrams AS
SELECT model, modality, topembed.persistence(embedding, 1, 'cosine', NULL, 1000) AS d
FROM embeddings GROUP BY model, modality;
SELECT model, modality,
       (SELECT count(*) FROM unnest(d) p WHERE p.hdim = 0) AS h0_bars,
       (SELECT count(*) FROM unnest(d) p WHERE p.hdim = 1) AS h1_bars,
       round((SELECT max(p.death - p.birth) FROM unnest(d) p WHERE p.hdim = 0 AND p.death < 'Infinity')::numeric, 3)
           AS longest_h0,
       round((SELECT max(p.death - p.birth) FROM unnest(d) p WHERE p.hdim = 1 AND p.death < 'Infinity')::numeric, 3)
           AS longest_h1,
       round(topembed.persistence_entropy(d, 1)::numeric, 3) AS h1_entropy
FROM diagrams ORDER BY model, modality;

\echo '## Distances between the diagrams: bottleneck, H0 / H1 (0 = the same shape)'
\echo '   image against text, per model'
SELECT i.model,
       round(topembed.bottleneck_distance(i.d, t.d, 0)::numeric, 3) AS bottleneck_h0,
       round(topembed.bottleneck_distance(i.d, t.d, 1)::numeric, 3) AS bottleneck_h1
FROM diagrams i JOIN diagrams t ON t.model = i.model AND i.modality = 'image' AND t.modality = 'text'
ORDER BY i.model;
\if :several_models
CREATE TEMP TABLE distances AS
SELECT a.modality, a.model AS a, b.model AS b,
       CASE WHEN a.model = b.model THEN '·'
            ELSE round(topembed.bottleneck_distance(a.d, b.d, 0)::numeric, 3) || ' / '
                 || round(topembed.bottleneck_distance(a.d, b.d, 1)::numeric, 3) END AS cell
FROM diagrams a JOIN diagrams b ON a.modality = b.modality;
\echo '   between models, image diagrams'
SELECT a AS image, b, cell FROM distances WHERE modality = 'image' ORDER BY a, b \crosstabview image b cell
\echo '   between models, text diagrams'
SELECT a AS text, b, cell FROM distances WHERE modality = 'text' ORDER BY a, b \crosstabview text b cell
\endif
