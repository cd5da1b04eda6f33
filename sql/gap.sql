-- The modality gap aggregates: every field, every form, on hand-checked data
SET search_path = public, topembed;
SET extra_float_digits = 0;

CREATE TABLE hand (pair_id int, image real[], text real[]);
-- image vectors are scaled on purpose: the aggregate normalises them
INSERT INTO hand VALUES
    (1, '{3,0}', '{-1,0}'),
    (2, '{0,5}', '{0,-2}');

-- mean(x^) = (0.5, 0.5), mean(y^) = (-0.5, -0.5): gap = sqrt(2)
-- cones: cos((1,0),(0,1)) = 0; paired cosines are -1: alignment = 4
SELECT n_image, n_text, n_pairs, dim, gap, gap_vector,
       image_centroid_norm, text_centroid_norm, image_cone, text_cone,
       paired_cosine_mean, paired_cosine_std, alignment
FROM (SELECT (modality_gap(image, text)).* FROM hand) s;

-- the same embeddings, unpaired: the paired fields are NULL
SELECT n_image, n_text, n_pairs, dim, gap, image_cone, text_cone,
       paired_cosine_mean IS NULL AS no_mean, paired_cosine_std IS NULL AS no_std,
       alignment IS NULL AS no_alignment
FROM (SELECT (modality_gap(e, is_image)).*
      FROM (SELECT image AS e, true AS is_image FROM hand
            UNION ALL SELECT text, false FROM hand) u) s;

-- a richer example: three pairs in 3-d, checked against closed forms
CREATE TABLE three (image float8[], text float8[]);
INSERT INTO three VALUES
    ('{1,1,0}', '{1,0,0}'),
    ('{0,1,1}', '{0,1,0}'),
    ('{1,0,1}', '{0,0,1}');
-- image pairwise cosines are 1/2, text 0; paired cosines all 1/sqrt(2)
SELECT round(gap::numeric, 12) AS gap,
       round(image_cone::numeric, 12) AS image_cone,
       round(text_cone::numeric, 12) AS text_cone,
       round(paired_cosine_mean::numeric, 12) AS paired_mean,
       round(paired_cosine_std::numeric, 12) AS paired_std,
       round(alignment::numeric, 12) AS alignment,
       round((2 - sqrt(2))::numeric, 12) AS alignment_expected
FROM (SELECT (modality_gap(image, text)).* FROM three) s;

-- real[] and double precision[] give the same answer
SELECT (SELECT (modality_gap(image::real[], text::real[])).gap FROM three)
     = (SELECT (modality_gap(image, text)).gap FROM three) AS same_gap;

-- NULL rows are skipped; a pair with a NULL side is skipped as a whole
INSERT INTO hand VALUES (3, NULL, '{1,1}'), (4, '{1,1}', NULL), (5, NULL, NULL);
SELECT (modality_gap(image, text)).n_pairs FROM hand;
SELECT (modality_gap(e, flag)).n_image
FROM (VALUES ('{1,0}'::real[], true), (NULL, true), ('{0,1}', NULL)) v(e, flag);

-- no rows, or only NULL rows: NULL
SELECT modality_gap(image, text) IS NULL AS empty_is_null FROM hand WHERE false;
SELECT modality_gap(image, text) IS NULL AS nulls_are_null FROM hand WHERE pair_id = 5;

-- one modality only: centroid and cone of that side, no gap
SELECT n_image, n_text, gap IS NULL AS no_gap, image_cone, text_cone IS NULL AS no_text_cone,
       text_centroid_norm IS NULL AS no_text_centroid
FROM (SELECT (modality_gap(image, true)).* FROM hand WHERE pair_id <= 2) s;
-- a single embedding has no pairwise cone
SELECT (modality_gap(image, true)).image_cone IS NULL AS no_cone FROM hand WHERE pair_id = 1;

-- per-group use
SELECT pair_id % 2 AS grp, (modality_gap(image, text)).n_pairs
FROM hand GROUP BY 1 ORDER BY 1;

-- gap states: storable, text and binary round-trips are exact, merging
-- states of any split equals the whole
CREATE TABLE states (part int, st gap_state);
INSERT INTO states
SELECT pair_id % 3, gap_state(image, text)
FROM synthetic_pairs(300, 16, 0.6, 7) GROUP BY 1;
SELECT count(*) AS parts, (modality_gap(st)).n_pairs AS pairs FROM states;
SELECT abs((SELECT (modality_gap(st)).gap FROM states)
         - (SELECT (modality_gap(image, text)).gap FROM synthetic_pairs(300, 16, 0.6, 7))) < 1e-12
       AS merged_gap_equal;
SELECT abs((SELECT (modality_gap(st)).paired_cosine_std FROM states)
         - (SELECT (modality_gap(image, text)).paired_cosine_std FROM synthetic_pairs(300, 16, 0.6, 7))) < 1e-12
       AS merged_std_equal;
SELECT bool_and(st::text::gap_state::text = st::text) AS text_roundtrip FROM states;
SELECT bool_and(gap_state_recv_ok) AS binary_roundtrip
FROM (SELECT gap_state_send(st) = gap_state_send(st::text::gap_state) AS gap_state_recv_ok FROM states) s;
SELECT left(st::text, 13) AS text_prefix FROM states WHERE part = 0;

-- unpaired and paired states do not merge
SELECT te_test.err($$SELECT modality_gap(s) FROM (
    SELECT gap_state(image, text) s FROM hand WHERE pair_id <= 2
    UNION ALL SELECT gap_state(image, true) FROM hand WHERE pair_id <= 2) u$$);
-- nor do states of different dimensions
SELECT te_test.err($$SELECT modality_gap(s) FROM (
    SELECT gap_state(image, text) s FROM synthetic_pairs(5, 4)
    UNION ALL SELECT gap_state(image, text) FROM synthetic_pairs(5, 8)) u$$);

-- corrupt or truncated states are refused with a clear error
SELECT te_test.err($$SELECT 'gap_state/v1:AAAA'::gap_state$$);
SELECT te_test.err($$SELECT 'moments/v1:AAAA'::gap_state$$);
SELECT te_test.err($$SELECT 'gap_state/v1:@@@@'::gap_state$$);
SELECT te_test.err(format('SELECT %L::gap_state', left(st::text, length(st::text) - 8))) FROM states WHERE part = 0;
SELECT te_test.err(format('SELECT %L::gap_state', overlay(st::text placing 'Q' from 60 for 1))) FROM states WHERE part = 0;

-- as a window function (running gap over pairs)
SELECT pair_id, round((modality_gap(image, text) OVER (ORDER BY pair_id)).gap::numeric, 9) AS running_gap
FROM synthetic_pairs(4, 8, 0.5, 3) ORDER BY pair_id;

DROP TABLE hand, three, states;
