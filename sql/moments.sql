-- The moments sketch: aggregates, accessors, merging, storage and I/O
SET search_path = public, topembed;
SET extra_float_digits = 0;

-- hand-checked: rows (1,0), (3,0), (2,3): mean (2,1), scatter [[2,0],[0,6]]
CREATE TABLE hand (id int, e real[]);
INSERT INTO hand VALUES (1, '{1,0}'), (2, '{3,0}'), (3, '{2,3}');
SELECT moments_count(m), moments_dim(m), moments_mean(m), moments_covariance(m)
FROM (SELECT moments(e) m FROM hand) s;
-- the 0.1.0 names are deprecated aliases that read the same values
SELECT n(m) = moments_count(m) AS n, dim(m) = moments_dim(m) AS dim,
       mean(m) = moments_mean(m) AS mean, covariance(m) = moments_covariance(m) AS covariance,
       n(m) AS old_n, dim(m) AS old_dim, mean(m) AS old_mean, covariance(m) AS old_covariance
FROM (SELECT moments(e) m FROM hand) s;
SELECT o.old, obj_description(to_regprocedure('topembed.' || o.old || '(topembed.moments)'), 'pg_proc')
       LIKE 'deprecated: use topembed.' || o.new || ' %' AS says_deprecated
FROM (VALUES ('n', 'moments_count'), ('dim', 'moments_dim'), ('mean', 'moments_mean'),
             ('covariance', 'moments_covariance')) o(old, new);
-- double precision[] input gives the same sketch
SELECT (SELECT moments(e::float8[])::text FROM hand) = (SELECT moments(e)::text FROM hand) AS same;

-- NULL rows are skipped; no rows give NULL
INSERT INTO hand VALUES (4, NULL);
SELECT n(moments(e)) FROM hand;
SELECT moments(e) IS NULL AS empty FROM hand WHERE false;

-- a single row: zero covariance
SELECT covariance(moments(e)) FROM hand WHERE id = 1;

-- merging: sketches of parts merge into the sketch of the whole
CREATE TABLE big AS SELECT pair_id, image FROM synthetic_pairs(3000, 24, 0.8, 3);
CREATE TABLE parts AS SELECT pair_id % 5 AS part, moments(image) m FROM big GROUP BY 1;
SELECT n(moments(m)) AS merged_n FROM parts;
SELECT max(abs(a - b)) < 1e-12 AS mean_equal
FROM unnest((SELECT mean(moments(m)) FROM parts), (SELECT mean(moments(image)) FROM big)) u(a, b);
SELECT max(abs(a - b)) < 1e-12 AS covariance_equal
FROM unnest((SELECT covariance(moments(m)) FROM parts), (SELECT covariance(moments(image)) FROM big)) u(a, b);
-- merging NULLs and a single sketch
SELECT n(moments(m)) FROM (SELECT NULL::moments m UNION ALL SELECT m FROM parts WHERE part = 0) s;

-- stored sketches: the text form carries a format version; text and binary
-- forms round-trip bit for bit
SELECT left(m::text, 11) AS prefix FROM parts WHERE part = 0;
SELECT bool_and(m::text::moments::text = m::text) AS text_roundtrip FROM parts;
SELECT bool_and(moments_send(m) = moments_send(m::text::moments)) AS binary_roundtrip FROM parts;

-- corrupt and truncated sketches are refused
SELECT te_test.err($$SELECT 'moments/v1:AAAA'::moments$$);
SELECT te_test.err($$SELECT 'gap_state/v1:AAAA'::moments$$);
SELECT te_test.err($$SELECT 'moments/v1:****'::moments$$);
SELECT te_test.err(format('SELECT %L::moments', left(m::text, length(m::text) - 40))) FROM parts WHERE part = 1;
SELECT te_test.err(format('SELECT %L::moments', overlay(m::text placing 'A' from 100 for 1))) FROM parts WHERE part = 1;
SELECT te_test.err(format('SELECT %L::moments', replace(m::text, 'moments/v1:', 'moments/v1'))) FROM parts WHERE part = 1;

-- bad inputs: the foundation's rules apply
SELECT te_test.err($$SELECT moments(e) FROM (VALUES ('{1,NaN}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT moments(e) FROM (VALUES ('{1,NULL}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT moments(e) FROM (VALUES ('{}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT moments(e) FROM (VALUES ('{{1,2}}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT moments(e) FROM (VALUES (1, '{1,2,3}'::real[]), (2, '{1,2}'::real[])) v(i, e)$$);
SELECT te_test.err($$SELECT moments(m) FROM (SELECT moments(image) m FROM synthetic_pairs(3, 4)
                                             UNION ALL SELECT moments(image) FROM synthetic_pairs(3, 5)) s$$);
-- zero vectors are fine for a sketch
SELECT n(moments(e)) FROM (VALUES ('{0,0}'::real[]), ('{0,0}'::real[])) v(e);

-- too many dimensions for the configured limit: ERROR with a hint
SET topembed.moments_max_dim = 100;
SELECT te_test.err($$SELECT moments(e) FROM (SELECT array_fill(1::real, ARRAY[101]) e) v$$);
SELECT dim(moments(e)) FROM (SELECT array_fill(1::real, ARRAY[100]) e) v;
RESET topembed.moments_max_dim;
SELECT te_test.err($$SET topembed.moments_max_dim = 9000$$);

DROP TABLE hand, big, parts;
