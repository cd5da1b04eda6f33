-- The covariance spectrum, the collapse measures, PCA and the gap of sketches
SET search_path = public, topembed;
SET extra_float_digits = 0;

-- a diagonal example: variances 4, 1, 0 along the axes
CREATE TABLE diag (e float8[]);
INSERT INTO diag VALUES ('{2,1,5}'), ('{-2,1,5}'), ('{2,-1,5}'), ('{-2,-1,5}');
SELECT n, dim, eigenvalues, explained_variance_ratio, total_variance,
       round(effective_rank::numeric, 12) AS effective_rank,
       round(participation_ratio::numeric, 12) AS participation_ratio,
       dims_99, numerical_rank
FROM (SELECT (spectrum(moments(e))).* FROM diag) s;
-- effective rank = exp(-(0.8 ln 0.8 + 0.2 ln 0.2)); participation = 25/17
SELECT round(exp(-(0.8 * ln(0.8) + 0.2 * ln(0.2)))::numeric, 12) AS effective_rank_expected,
       round((25.0 / 17)::numeric, 12) AS participation_expected;
-- RankMe uses the singular values of the uncentred rows (2,1,5) etc.
SELECT round((spectrum(moments(e))).rankme::numeric, 9) FROM diag;

-- spectral_collapse is spectrum(moments(...)) in one step
SELECT (SELECT spectral_collapse(e)::text FROM diag) = (SELECT spectrum(moments(e))::text FROM diag) AS same;

-- degenerate: one row, or identical rows, have no variance
SELECT n, eigenvalues, explained_variance_ratio IS NULL AS no_ratio, effective_rank IS NULL AS no_rank,
       dims_99 IS NULL AS no_dims99, numerical_rank, round(rankme::numeric, 6) AS rankme
FROM (SELECT (spectral_collapse(e)).* FROM (VALUES ('{1,2}'::real[]), ('{1,2}'::real[])) v(e)) s;
SELECT spectral_collapse(e) IS NULL AS empty FROM diag WHERE false;

-- a collapsed cloud: 64-d rows that live in 3 dimensions
CREATE TABLE flat AS
SELECT i, ARRAY(SELECT CASE WHEN k <= 3 THEN sin(i * k) ELSE 0 END FROM generate_series(1, 64) k)::real[] AS e
FROM generate_series(1, 500) i;
SELECT numerical_rank, dims_99 <= 3 AS dims_99_le_3, effective_rank < 3.01 AS effective_rank_below_3
FROM (SELECT (spectral_collapse(e)).* FROM flat) s;

-- pca_project: centred projection onto the top-k eigenvectors; the sign
-- rule makes each eigenvector's largest component positive
SELECT pca_components(m, 2) AS components
FROM (SELECT moments(e) m FROM diag) s;
SELECT e, pca_project(e, (SELECT moments(e) FROM diag), 2) AS projected FROM diag;
SELECT pca_project('{2,1,5}'::real[], (SELECT moments(e) FROM diag), 1);
-- k dimensions carry all the variance of a k-dimensional cloud
SELECT round(sum(x * x)::numeric / 500, 6) AS variance_kept,
       round((SELECT total_variance FROM (SELECT (spectral_collapse(e)).* FROM flat) s)::numeric, 6) AS total
FROM flat, LATERAL unnest(pca_project(e, (SELECT moments(e) FROM flat), 3)) x;
-- and every analysis runs on the projection, the gap included
SELECT round((modality_gap(pca_project(image, b.m, 8), pca_project(text, b.m, 8))).gap::numeric, 6) > 0 AS gap_in_8d
FROM synthetic_pairs(200, 32, 0.8, 5),
     (SELECT moments(e) m FROM (SELECT image e FROM synthetic_pairs(200, 32, 0.8, 5)
                               UNION ALL SELECT text FROM synthetic_pairs(200, 32, 0.8, 5)) u) b;
SELECT te_test.err($$SELECT pca_project('{1,2,3}'::real[], (SELECT moments(e) FROM diag), 4)$$);
SELECT te_test.err($$SELECT pca_project('{1,2}'::real[], (SELECT moments(e) FROM diag), 1)$$);
SELECT te_test.err($$SELECT pca_project('{1,NaN,3}'::real[], (SELECT moments(e) FROM diag), 1)$$);
SELECT te_test.err($$SELECT pca_components((SELECT moments(e) FROM diag), 0)$$);

-- the modality gap from two sketches of normalised embeddings equals the
-- aggregate's gap fields (normalised in float64 here, as the aggregate does)
CREATE TABLE p AS SELECT * FROM synthetic_pairs(500, 16, 0.6, 2);
SELECT abs(s.gap - a.gap) < 1e-12 AS gap, abs(s.image_cone - a.image_cone) < 1e-12 AS image_cone,
       abs(s.text_cone - a.text_cone) < 1e-12 AS text_cone,
       abs(s.image_centroid_norm - a.image_centroid_norm) < 1e-12 AS centroid,
       s.n_pairs IS NULL AS no_pairs, s.paired_cosine_mean IS NULL AS no_paired_fields
FROM (SELECT (modality_gap(moments(l2_normalize(image::float8[])), moments(l2_normalize(text::float8[])))).* FROM p) s,
     (SELECT (modality_gap(image, text)).* FROM p) a;
-- real[] unit vectors carry float4 rounding: equal to about 1e-7
SELECT abs((modality_gap(moments(l2_normalize(image)), moments(l2_normalize(text)))).gap
           - (SELECT (modality_gap(image, text)).gap FROM p)) < 1e-6 AS float4_close
FROM p;
-- sketches of raw (not unit) vectors are refused
SELECT te_test.err($$SELECT modality_gap(moments(e), moments(e)) FROM diag$$);
SELECT te_test.err($$SELECT modality_gap(moments(l2_normalize(image)), moments(l2_normalize(image[1:8]))) FROM p$$);
SELECT l2_normalize('{3,4}'::real[]), l2_normalize('{0,-2}'::float8[]);
SELECT te_test.err($$SELECT l2_normalize('{0,0}'::real[])$$);

DROP TABLE diag, flat, p;
