-- Persistent homology: the aggregates, persistence_from_distances, and their
-- errors, on hand-checked point sets
SET search_path = public, topembed;
SET extra_float_digits = 0;
-- the memory figures below are those of one engine thread, whatever the machine's cores
SET topembed.persistence_threads = 1;

-- four corners of a unit square: H0 dies at 1 (three times), one H1 class
-- born at 1 dies at sqrt(2) (float32: 1.41421353816986)
CREATE TABLE square (id int, e real[]);
INSERT INTO square VALUES (1, '{0,0}'), (2, '{1,0}'), (3, '{1,1}'), (4, '{0,1}');
-- eight points on a circle, 45 degrees apart
CREATE TABLE circle AS
SELECT i, ARRAY[cos(2 * pi() * i / 8), sin(2 * pi() * i / 8)]::float8[] AS e FROM generate_series(0, 7) i;
SELECT * FROM unnest((SELECT persistence(e, 1, 'euclidean') FROM square));
-- zero-length pairs are left out; an essential class has death Infinity
SELECT hdim, count(*), count(*) FILTER (WHERE death = 'Infinity') AS essential
FROM unnest((SELECT persistence(e, 1, 'euclidean') FROM square)) GROUP BY hdim ORDER BY hdim;
-- double precision[] input, and every overload
SELECT (SELECT persistence(e::float8[], 1, 'euclidean') FROM square)::text
     = (SELECT persistence(e, 1, 'euclidean') FROM square)::text AS same_float8;
SELECT cardinality(persistence(e)) AS default_cosine FROM circle;
SELECT cardinality(persistence(e, 0)) AS h0_only FROM circle;
SELECT (persistence(e, 1, 'euclidean', NULL))::text = (persistence(e, 1, 'euclidean'))::text AS null_threshold_is_default
FROM square;
-- a threshold below the loop's death leaves it essential
SELECT * FROM unnest((SELECT persistence(e, 1, 'euclidean', 1.2) FROM square)) WHERE hdim = 1;
-- below 1, nothing connects: four essential H0 classes
SELECT count(*) FROM unnest((SELECT persistence(e, 1, 'euclidean', 0.5) FROM square)) WHERE death = 'Infinity';

-- the metrics: 'cosine' is 1 - cos, 'angular' the angle in radians
SELECT hdim, round(birth::numeric, 6) AS birth, round(death::numeric, 6) AS death
FROM unnest((SELECT persistence(e, 1, 'angular') FROM circle)) WHERE hdim = 1;
SELECT round((pi() / 4)::numeric, 6) AS angle_step, round((pi() / 2)::numeric, 6) AS two_steps;
SELECT hdim, round(birth::numeric, 6) AS birth, round(death::numeric, 6) AS death
FROM unnest((SELECT persistence(e, 1, 'cosine') FROM circle)) WHERE hdim = 1;
SELECT round((1 - cos(pi() / 4))::numeric, 6) AS cos_step, round((1 - cos(pi() / 2))::numeric, 6) AS cos_two_steps;

-- tidy rows: one per bar
SELECT p.hdim, p.birth, p.death
FROM (SELECT persistence(e, 1, 'euclidean') d FROM square) q, unnest(q.d) p
ORDER BY p.hdim, p.death;

-- invariants on a random cloud: n H0 bars, one essential H0 class at the
-- default threshold, birth <= death, no zero-length bars
CREATE TABLE cloud AS SELECT pair_id, image FROM synthetic_pairs(60, 6, 0.5, 9);
SELECT count(*) FILTER (WHERE hdim = 0) AS h0_bars,
       count(*) FILTER (WHERE hdim = 0 AND death = 'Infinity') AS essential_h0,
       bool_and(birth <= death) AS ordered, bool_and(birth < death) AS no_zero_length,
       count(*) FILTER (WHERE hdim > 0 AND death = 'Infinity') AS essential_higher
FROM unnest((SELECT persistence(image, 2, 'euclidean') FROM cloud));

-- the sampled form: reproducible, independent of row order, the same as
-- the plain form when the sample holds every row
SELECT (SELECT persistence(image, 1, 'euclidean', NULL, 25) FROM (SELECT * FROM cloud ORDER BY pair_id) a)::text
     = (SELECT persistence(image, 1, 'euclidean', NULL, 25) FROM (SELECT * FROM cloud ORDER BY pair_id DESC) b)::text
       AS order_independent;
SELECT count(*) FILTER (WHERE hdim = 0) AS h0_bars_of_sample
FROM unnest((SELECT persistence(image, 1, 'euclidean', NULL, 25) FROM cloud));
SELECT (SELECT persistence(image, 1, 'euclidean', NULL, 1000) FROM cloud)::text
     = (SELECT persistence(image, 1, 'euclidean') FROM cloud)::text AS full_sample_is_exact;

-- the extra arguments must be constant across rows
SELECT te_test.err($$SELECT persistence(image, pair_id % 2) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, CASE WHEN pair_id < 5 THEN 'cosine' ELSE 'angular' END) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, 'cosine', pair_id * 0.1) FROM cloud$$);

-- bad arguments
SELECT te_test.err($$SELECT persistence(image, 4) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, -1) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, NULL) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, 'manhattan') FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, 'cosine', -1) FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, 'cosine', 'NaN') FROM cloud$$);
SELECT te_test.err($$SELECT persistence(image, 1, 'cosine', NULL, 0) FROM cloud$$);
-- bad embeddings
SELECT te_test.err($$SELECT persistence(e) FROM (VALUES ('{1,NaN}'::real[]), ('{1,2}')) v(e)$$);
SELECT te_test.err($$SELECT persistence(e) FROM (VALUES ('{1,2}'::real[]), ('{1,2,3}')) v(e)$$);
SELECT te_test.err($$SELECT persistence(e) FROM (VALUES ('{1,2}'::real[]), ('{0,0}')) v(e)$$);
SELECT te_test.err($$SELECT persistence(e, 1, 'angular') FROM (VALUES ('{1,2}'::real[]), ('{0,0}')) v(e)$$);
SELECT cardinality(persistence(e, 1, 'euclidean')) FROM (VALUES ('{1,2}'::real[]), ('{0,0}')) v(e);
-- NULL rows are skipped; no rows give NULL
SELECT cardinality(persistence(e, 1, 'euclidean')) FROM (VALUES ('{0,0}'::real[]), (NULL), ('{3,4}')) v(e);
SELECT persistence(e) IS NULL AS empty FROM square WHERE false;
-- a single point: one essential H0 class
SELECT * FROM unnest((SELECT persistence(e, 2, 'euclidean') FROM square WHERE id = 1));

-- too many rows for topembed.max_points: ERROR with a hint naming the sample
SET topembed.max_points = 50;
SELECT te_test.err($$SELECT persistence(image) FROM cloud$$);
SELECT cardinality(persistence(image, 1, 'cosine', NULL, 50)) > 0 AS sampled_ok FROM cloud;
RESET topembed.max_points;
-- too much memory for topembed.persistence_memory_limit: ERROR with a hint
-- (9300kB: above what every threshold needs, 9 MB, below the run's peak with nearly every edge)
SET topembed.persistence_memory_limit = '9300kB';
SELECT te_test.err($$SELECT persistence(image, 2) FROM synthetic_pairs(1000, 8)$$);
SELECT cardinality(persistence(image, 0)) FROM synthetic_pairs(1000, 8);
-- a threshold is a remedy: the edges within it are counted while running
SELECT cardinality(persistence(image, 2, 'cosine', 0.1)) > 1000 AS thresholded_runs FROM synthetic_pairs(1000, 8);
SELECT te_test.err($$SELECT persistence(image, 2, 'cosine', 1.9) FROM synthetic_pairs(1000, 8)$$) LIKE
       '54000: persistence exceeded topembed.persistence_memory_limit (9 MB) while running%' AS limit_while_running;
-- known before: persistence_estimate gives the refusal's figure (109 MB) and says it does not fit
SELECT fits, refused_by, memory_basis, round(memory_bytes / 1048576.0) AS mb, memory_limit_bytes, edges, time_class
FROM persistence_estimate(1000, 8, 2);
SELECT fits, refused_by, memory_basis FROM persistence_estimate(1000, 8, 0);
SELECT fits, memory_basis FROM persistence_estimate(1000, 8, 2, 'cosine', 0.1);
RESET topembed.persistence_memory_limit;
SELECT memory_bytes, memory_limit_bytes, fits, edges, round(seconds::numeric, 2) AS seconds, time_class
FROM persistence_estimate(1000, 512);
SELECT n, max_dim, memory_bytes, fits, refused_by, time_class
FROM (VALUES (0, 1), (20000, 0), (8000, 2), (70000, 1)) v(n, max_dim), persistence_estimate(n, 512, max_dim);
SELECT te_test.err($$SELECT persistence_estimate(-1, 512)$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 0)$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 16001)$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 512, 4)$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 512, 1, 'manhattan')$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 512, 1, 'cosine', 'NaN')$$);
SELECT te_test.err($$SELECT persistence_estimate(10, 512, 1, 'cosine', -1)$$);
SELECT te_test.err($$SELECT persistence_estimate(10, NULL)$$);

-- persistence_from_distances: a lower triangle in Ripser's order ...
SELECT * FROM unnest(persistence_from_distances('{1, 1.4142, 1, 1, 1.4142, 1}'::float8[]));
-- ... or a full symmetric matrix with a zero diagonal
SELECT persistence_from_distances('{{0,1,1.4142,1},{1,0,1,1.4142},{1.4142,1,0,1},{1,1.4142,1,0}}'::float8[])::text
     = persistence_from_distances('{1, 1.4142, 1, 1, 1.4142, 1}'::float8[])::text AS full_equals_lower;
SELECT cardinality(persistence_from_distances('{1, 1.4142, 1, 1, 1.4142, 1}'::float8[], 0)) AS h0_only,
       cardinality(persistence_from_distances('{1, 1.4142, 1, 1, 1.4142, 1}'::float8[], 1, 1.2)) AS thresholded;
SELECT persistence_from_distances('{}'::float8[]) IS NULL AS empty;
SELECT te_test.err($$SELECT persistence_from_distances('{1,2,3,4}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{{0,1},{2,0}}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{{1,1},{1,0}}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{{0,1,2},{1,0,3}}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{1,-1,1}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{1,NaN,1}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{1,NULL,1}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{{{0}}}'::float8[])$$);
SELECT te_test.err($$SELECT persistence_from_distances('{1,1,1}'::float8[], 5)$$);
SELECT te_test.err($$SELECT persistence_from_distances('{1,1,1}'::float8[], 1, 1, 4)$$);

-- the same cloud through the aggregate and through its distance matrix
SELECT (SELECT persistence(e, 1, 'euclidean') FROM circle)::text
     = persistence_from_distances(
         (SELECT array_agg(sqrt((a.e[1] - b.e[1]) ^ 2 + (a.e[2] - b.e[2]) ^ 2) ORDER BY a.i, b.i)
          FROM circle a JOIN circle b ON b.i < a.i))::text AS aggregate_equals_matrix;

DROP TABLE square, circle, cloud;
