-- A forced parallel plan splits the aggregates across workers (Partial
-- Aggregate, combine function) and gives the serial result to 1e-9.
SET search_path = public, topembed;
CREATE TABLE par AS SELECT * FROM synthetic_pairs(20000, 32, 0.7, 11);
CREATE TABLE par_one AS
    SELECT pair_id, image AS e, true AS is_image FROM par
    UNION ALL SELECT pair_id, text, false FROM par;
ANALYZE par, par_one;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS
SELECT (SELECT modality_gap(image, text) FROM par) AS paired,
       (SELECT modality_gap(e, is_image) FROM par_one) AS unpaired,
       (SELECT moments(e) FROM par_one) AS sketch,
       (SELECT spectral_collapse(e) FROM par_one) AS spectrum,
       (SELECT persistence(image, 0, 'euclidean') FROM par) AS h0,
       (SELECT persistence(e, 1, 'cosine', NULL, 300) FROM par_one) AS sampled;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;

EXPLAIN (COSTS OFF) SELECT modality_gap(image, text) FROM par;
EXPLAIN (COSTS OFF) SELECT modality_gap(e, is_image) FROM par_one;
EXPLAIN (COSTS OFF) SELECT modality_gap(s) FROM (SELECT gap_state(image, text) s FROM par GROUP BY pair_id % 10) q;
EXPLAIN (COSTS OFF) SELECT moments(e) FROM par_one;
EXPLAIN (COSTS OFF) SELECT spectral_collapse(e) FROM par_one;
EXPLAIN (COSTS OFF) SELECT persistence(e, 1, 'cosine', NULL, 300) FROM par_one;

CREATE TABLE parallel AS
SELECT (SELECT modality_gap(image, text) FROM par) AS paired,
       (SELECT modality_gap(e, is_image) FROM par_one) AS unpaired,
       (SELECT moments(e) FROM par_one) AS sketch,
       (SELECT spectral_collapse(e) FROM par_one) AS spectrum,
       (SELECT persistence(image, 0, 'euclidean') FROM par) AS h0,
       (SELECT persistence(e, 1, 'cosine', NULL, 300) FROM par_one) AS sampled;

-- every field agrees to 1e-9
SELECT (p.paired).n_pairs = (s.paired).n_pairs AS n_pairs,
       abs((p.paired).gap - (s.paired).gap) < 1e-9 AS gap,
       abs((p.paired).image_cone - (s.paired).image_cone) < 1e-9 AS image_cone,
       abs((p.paired).text_cone - (s.paired).text_cone) < 1e-9 AS text_cone,
       abs((p.paired).paired_cosine_mean - (s.paired).paired_cosine_mean) < 1e-9 AS cos_mean,
       abs((p.paired).paired_cosine_std - (s.paired).paired_cosine_std) < 1e-9 AS cos_std,
       abs((p.paired).alignment - (s.paired).alignment) < 1e-9 AS alignment,
       (SELECT max(abs(a - b)) < 1e-9 FROM unnest((p.paired).gap_vector, (s.paired).gap_vector) u(a, b)) AS gap_vector,
       (p.unpaired).n_image = (s.unpaired).n_image AS n_image,
       abs((p.unpaired).gap - (s.unpaired).gap) < 1e-9 AS unpaired_gap
FROM parallel p, serial s;

-- the sketch and the spectrum agree too
SELECT n(p.sketch) = n(s.sketch) AS n,
       (SELECT max(abs(a - b)) < 1e-12 FROM unnest(mean(p.sketch), mean(s.sketch)) u(a, b)) AS mean,
       (SELECT max(abs(a - b)) < 1e-12 FROM unnest(covariance(p.sketch), covariance(s.sketch)) u(a, b)) AS covariance,
       (SELECT max(abs(a - b)) < 1e-12 FROM unnest((p.spectrum).eigenvalues, (s.spectrum).eigenvalues) u(a, b)) AS eigenvalues,
       abs((p.spectrum).effective_rank - (s.spectrum).effective_rank) < 1e-9 AS effective_rank,
       abs((p.spectrum).rankme - (s.spectrum).rankme) < 1e-9 AS rankme,
       (p.spectrum).dims_99 = (s.spectrum).dims_99 AS dims_99
FROM parallel p, serial s;

-- persistence: workers gather the points (or their samples) for the leader;
-- the diagram of a point set does not depend on the order of its points
SELECT p.h0::text = s.h0::text AS h0_equal, cardinality(p.h0) AS h0_bars,
       p.sampled::text = s.sampled::text AS sample_equal
FROM parallel p, serial s;

RESET ALL;
DROP TABLE par, par_one, serial, parallel;
