-- Modality geometry: l2i and rmg, uniformity, gap_drivers,
-- intrinsic_dimension on hand-checked data, and every refusal
SET search_path = public, topembed;
SET extra_float_digits = 0;

-- two pairs in 2-d (scaled on purpose: everything is normalised)
CREATE TABLE geo_hand (pair_id int, image real[], text real[]);
INSERT INTO geo_hand VALUES
    (1, '{3,0}', '{0,-1}'),
    (2, '{0,5}', '{1,0}');
-- paired cosines 0: l2i = sqrt(2), m = 1/2; cones 0 and 0: a = 1/2 each,
-- rmg = 1/2 / (1/2 + 1/2) = 1/2
SELECT round(l2i::numeric, 12) AS l2i, round(sqrt(2)::numeric, 12) AS sqrt2,
       round(rmg::numeric, 12) AS rmg
FROM (SELECT (modality_gap(image, text)).* FROM geo_hand) s;
-- unpaired: no l2i, no rmg
SELECT l2i IS NULL AS no_l2i, rmg IS NULL AS no_rmg
FROM (SELECT (modality_gap(e, im)).*
      FROM (SELECT image AS e, true AS im FROM geo_hand UNION ALL SELECT text, false FROM geo_hand) u) s;
-- a state with pair distances round-trips through text as format version 2
SELECT left(st::text, 13) AS prefix,
       (SELECT (modality_gap(v.s::text::gap_state)).l2i FROM (VALUES (st)) v(s))
         = (SELECT (modality_gap(image, text)).l2i FROM geo_hand) AS same_l2i
FROM (SELECT gap_state(image, text) AS st FROM geo_hand) q;
-- a state without them (unpaired) is still written as 0.1.0's version 1
SELECT left(gap_state(e, im)::text, 13) AS prefix
FROM (SELECT image AS e, true AS im FROM geo_hand UNION ALL SELECT text, false FROM geo_hand) u;

-- uniformity of two orthogonal unit vectors: ||x - y||^2 = 2, so log exp(-2 t)
SELECT round(uniformity(image)::numeric, 12) AS u_t2,
       round(uniformity(image, 0.5)::numeric, 12) AS u_t05,
       round(uniformity(image, 2, 10)::numeric, 12) AS u_sampled
FROM geo_hand;
-- three points of an equilateral triangle on the circle: ||x - y||^2 = 3
SELECT round(uniformity(e)::numeric, 12) AS u, round((-6)::numeric, 12) AS expected
FROM (VALUES ('{1,0}'::float8[]), (ARRAY[-0.5, sqrt(3) / 2]), (ARRAY[-0.5, -sqrt(3) / 2])) v(e);
-- a huge t does not underflow to -Infinity: the log-sum-exp keeps it exact
SELECT round(uniformity(e, 1e6)::numeric, 3) AS u_huge_t
FROM (VALUES ('{1,0}'::float8[]), ('{0.6,0.8}')) v(e);

-- gap_drivers: images along (1,0,0), texts along (0,1,0), with a little
-- spread in the third coordinate: the gap lies in coordinates 1 and 2
CREATE TABLE geo_pairs (image float8[], text float8[]);
INSERT INTO geo_pairs VALUES
    ('{1,0,0.1}', '{0,1,0.1}'),
    ('{1,0,-0.1}', '{0,1,-0.1}'),
    ('{1,0.1,0}', '{0.1,1,0}'),
    ('{1,-0.1,0}', '{-0.1,1,0}');
SELECT n_pairs, dim, k, top_coordinates, round(top_share::numeric, 12) AS top_share,
       round(pc_share::numeric, 6) AS pc_share, midpoint_accuracy, lda_accuracy
FROM (SELECT (gap_drivers(image, text, 2)).* FROM geo_pairs) s;
SELECT top_coordinates, array_length(coordinate_shares, 1) AS shares, array_length(pc_shares, 1) AS pcs
FROM (SELECT (gap_drivers(image, text, 1)).* FROM geo_pairs) s;

-- intrinsic dimension of points on a line and in a plane
-- (random positions from a fixed seed; equally spaced points would leave
-- TwoNN nothing to fit, as every ratio r2 / r1 would be 1)
SELECT setseed(0.25);
CREATE TABLE geo_line AS
SELECT ARRAY[x, 2 * x, 0] AS e FROM (SELECT random() AS x FROM generate_series(1, 40)) s;
CREATE TABLE geo_plane AS
SELECT ARRAY[x, y, x + y] AS e FROM (SELECT random() AS x, random() AS y FROM generate_series(1, 400)) s;
-- equally spaced points: the MLE is defined, TwoNN is not
CREATE TABLE geo_even AS
SELECT ARRAY[i::float8, 2 * i, 0] AS e FROM generate_series(1, 40) i;
SELECT intrinsic_dimension(e, 'mle', 5) BETWEEN 0.8 AND 1.2 AS line_mle_near_1,
       intrinsic_dimension(e, 'TwoNN', NULL) BETWEEN 0.8 AND 1.2 AS line_twonn_near_1
FROM geo_line;
SELECT intrinsic_dimension(e, 'mle', 10) BETWEEN 1.7 AND 2.3 AS plane_mle_near_2,
       intrinsic_dimension(e, 'twonn', NULL) BETWEEN 1.7 AND 2.3 AS plane_twonn_near_2
FROM geo_plane;
SELECT round(intrinsic_dimension(e, 'mle', 2)::numeric, 6) AS even_mle_k2 FROM geo_even;
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'twonn', NULL) FROM geo_even$$);

-- no rows: NULL; NULL rows are skipped
SELECT uniformity(image) IS NULL AS u_null, intrinsic_dimension(image, 'mle', 3) IS NULL AS id_null,
       gap_drivers(image, text, 1) IS NULL AS d_null
FROM geo_pairs WHERE false;
SELECT round(uniformity(e)::numeric, 12) AS u
FROM (VALUES ('{1,0}'::float8[]), (NULL), ('{0,1}')) v(e);

-- refusals, each with its SQLSTATE
SELECT te_test.err($$SELECT uniformity(e) FROM (VALUES ('{1,0}'::float8[])) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e) FROM (VALUES ('{1,0}'::float8[]), ('{1,0,0}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e) FROM (VALUES ('{1,0}'::float8[]), ('{NaN,0}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e) FROM (VALUES ('{1,0}'::float8[]), ('{0,0}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e, 0) FROM (VALUES ('{1,0}'::float8[]), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e, 'NaN') FROM (VALUES ('{1,0}'::float8[]), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e, NULL) FROM (VALUES ('{1,0}'::float8[]), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e, 2, 1) FROM (VALUES ('{1,0}'::float8[]), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT uniformity(e, t) FROM (VALUES ('{1,0}'::float8[], 1.0), ('{0,1}', 2.0)) v(e, t)$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'pca', 3) FROM geo_line$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, NULL, 3) FROM geo_line$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'mle', NULL) FROM geo_line$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'mle', 1) FROM geo_line$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'mle', 40) FROM geo_line$$);
-- k above the limit that topembed.limits() reports is refused before any row is kept
SELECT te_test.err(format($$SELECT intrinsic_dimension(e, 'mle', %s) FROM geo_line$$,
                          (SELECT value::int + 1 FROM topembed.limits() WHERE name = 'max_intrinsic_k')));
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'twonn', NULL) FROM geo_even WHERE e[1] < 3$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'twonn', NULL) FROM (SELECT e FROM geo_even UNION ALL SELECT e FROM geo_even WHERE e[1] = 7) s$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'twonn', NULL) FROM (VALUES ('{1,0}'::float8[]), ('{1,Infinity}'), ('{2,2}')) v(e)$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'mle', 2) FROM (VALUES ('{1,0}'::float8[]), ('{NaN,1}'), ('{2,2}'), ('{3,1}')) v(e)$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, 1) FROM geo_pairs WHERE image[3] = 0.1$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, 4) FROM geo_pairs$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, 0) FROM geo_pairs$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, NULL) FROM geo_pairs$$);
SELECT te_test.err($$SELECT gap_drivers(image, text[1:2], 1) FROM geo_pairs$$);
SELECT te_test.err($$SELECT gap_drivers(image, image, 1) FROM geo_pairs$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, 1) FROM (VALUES ('{1,0}'::float8[], '{0,1}'::float8[]), ('{NaN,0}', '{0,1}')) v(image, text)$$);
SELECT te_test.err($$SELECT gap_drivers(image, text, 1) FROM (VALUES ('{1,0}'::float8[], '{0,1}'::float8[]), ('{0,0}', '{0,1}')) v(image, text)$$);
-- gap_drivers keeps two moments sketches: topembed.moments_max_dim bounds it
SET topembed.moments_max_dim = 2;
SELECT te_test.err($$SELECT gap_drivers(image, text, 1) FROM geo_pairs$$);
RESET topembed.moments_max_dim;

-- more rows than topembed.max_points: refused while the rows are read
SET topembed.max_points = 10;
SELECT te_test.err($$SELECT uniformity(e) FROM geo_line$$);
SELECT te_test.err($$SELECT intrinsic_dimension(e, 'twonn', NULL) FROM geo_line$$);
-- the sampled form keeps 5 rows, so the limit does not apply to it
SELECT uniformity(e, 2, 5) IS NOT NULL AS sampled_form_is_not_limited FROM geo_line;
-- but a sample larger than the limit keeps every row of a table this big: refused
SELECT te_test.err($$SELECT uniformity(e, 2, 11) FROM geo_line$$);
RESET topembed.max_points;

-- a long computation answers a cancel (statement_timeout)
SET statement_timeout = '200ms';
SELECT intrinsic_dimension(e, 'mle', 10) FROM (SELECT ARRAY[random(), random(), random()] AS e FROM generate_series(1, 40000)) s;
RESET statement_timeout;
