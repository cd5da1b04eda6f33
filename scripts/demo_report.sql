-- The health report of make demo, over table embeddings(model, pair_id,
-- modality, embedding).  Also a worked example of topembed's SQL.
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

\echo '## Modality gap (Liang et al. 2022), over L2-normalised embeddings'
\echo '   gap: distance between the image and text centroids (0 = none, 2 = opposite)'
\echo '   cone: mean cosine between two embeddings of one modality (0 = spread out)'
\echo '   paired cosine: cosine of each image with its own caption'
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
