-- The synthetic pair generator: deterministic, unit vectors, calibrated gap
SET search_path = public, topembed;
SET extra_float_digits = 0;

SELECT count(*), min(cardinality(image)), max(cardinality(text))
FROM synthetic_pairs(100, 32);

-- unit vectors
SELECT max(abs(sqrt((SELECT sum(x * x) FROM unnest(image) x)) - 1)) < 1e-6 AS unit_image,
       max(abs(sqrt((SELECT sum(x * x) FROM unnest(text) x)) - 1)) < 1e-6 AS unit_text
FROM synthetic_pairs(50, 64);

-- deterministic: same seed, same rows; another seed, other rows; rows do not
-- depend on n
SELECT (SELECT array_agg(image ORDER BY pair_id)::text FROM synthetic_pairs(20, 16, 0.8, 1))
     = (SELECT array_agg(image ORDER BY pair_id)::text FROM synthetic_pairs(20, 16, 0.8, 1)) AS same_seed,
       (SELECT array_agg(image ORDER BY pair_id)::text FROM synthetic_pairs(20, 16, 0.8, 1))
     <> (SELECT array_agg(image ORDER BY pair_id)::text FROM synthetic_pairs(20, 16, 0.8, 2)) AS other_seed,
       (SELECT image FROM synthetic_pairs(20, 16, 0.8, 1) WHERE pair_id = 7)::text
     = (SELECT image FROM synthetic_pairs(500, 16, 0.8, 1) WHERE pair_id = 7)::text AS prefix_stable;

-- the gap is calibrated on the first pilot pairs (2048 at 512 dimensions)
SELECT g.target, round((modality_gap(image, text)).gap::numeric, 3) AS measured
FROM (VALUES (0.2), (0.8), (1.2)) g(target),
     LATERAL synthetic_pairs(2048, 512, g.target) s
GROUP BY g.target ORDER BY g.target;

-- a bigger gap gives a bigger gap; anisotropy 0 gives a rounder cone
SELECT (SELECT (modality_gap(image, text)).gap FROM synthetic_pairs(300, 64, 0.3))
     < (SELECT (modality_gap(image, text)).gap FROM synthetic_pairs(300, 64, 0.9)) AS gap_grows;

-- bad parameters
SELECT te_test.err($$SELECT * FROM synthetic_pairs(-1)$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 1)$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 16001)$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 8, 2.0)$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 8, 'NaN')$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 8, 0.5, 0, -1)$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 8, 0.5, 0, 1, 'Infinity')$$);
SELECT te_test.err($$SELECT * FROM synthetic_pairs(10, 8, NULL)$$);
SELECT count(*) FROM synthetic_pairs(0);
