-- Bad inputs: each is an ERROR with a SQLSTATE and a message naming the
-- problem; none crashes the backend, and no data is touched.
SET search_path = public, topembed;

CREATE TABLE pairs (id int, image real[], text real[]);
INSERT INTO pairs VALUES (1, '{1,0,0}', '{0,1,0}'), (2, '{0,1,0}', '{0,0,1}');

-- NULL elements, NaN, +-Infinity
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,NULL,0}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,0,0}'::real[], '{0,NULL,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,NaN,0}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,0,0}'::real[], '{0,Infinity,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{-Infinity,0,0}'::float8[], '{0,1,0}'::float8[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(e, true) FROM (VALUES ('{1,NaN}'::float8[])) v(e)$$);

-- empty, multi-dimensional, too many dimensions
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{{1,0},{0,1}}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(e, false) FROM (SELECT array_fill(1::real, ARRAY[16001]) e) v$$);
SELECT (modality_gap(e, e)).dim FROM (SELECT array_fill(1::real, ARRAY[16000]) e) v;

-- different lengths inside one aggregate: within a pair and across rows
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,0,0}'::real[], '{0,1}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES (1, '{1,0,0}'::real[], '{0,1,0}'::real[]), (2, '{1,0}'::real[], '{0,1}'::real[])) v(i, image, text)$$);
SELECT te_test.err($$SELECT modality_gap(e, i % 2 = 0) FROM (SELECT i, array_fill(1::real, ARRAY[512 - (i / 3)]) e FROM generate_series(0, 3) i) v$$);

-- a zero vector has no direction
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{0,0,0}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{1,0,0}'::real[], '{0,0,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(e, false) FROM (VALUES ('{0,0}'::float8[])) v(e)$$);

-- tiny and huge but finite vectors still have a direction
SELECT round((modality_gap(image, text)).gap::numeric, 12)
FROM (VALUES ('{1e-300,0}'::float8[], '{0,1e300}'::float8[])) v(image, text);
SELECT round((modality_gap(image, text)).gap::numeric, 12)
FROM (VALUES ('{1e-40,0}'::real[], '{0,3e38}'::real[])) v(image, text);

-- the failed aggregates left the table alone
SELECT * FROM pairs ORDER BY id;

-- check_embedding names the problem, so users can find bad rows
SELECT v, check_embedding(v) FROM (VALUES
    ('{1,2,3}'::real[]), ('{}'), ('{1,NULL}'), ('{NaN,1}'), ('{1,Infinity}'),
    ('{-Infinity}'), ('{{1,2},{3,4}}'), (NULL)) t(v);
SELECT check_embedding('{1,2,3}'::real[], 3) IS NULL AS ok_3,
       check_embedding('{1,2,3}'::real[], 4) AS wrong_dim,
       check_embedding('{1,2}'::float8[]) IS NULL AS ok_float8,
       check_embedding(array_fill(0::real, ARRAY[16001])) AS too_long;

-- arrays with a non-default lower bound are plain vectors too
SELECT (modality_gap(image, text)).gap
FROM (VALUES ('[0:1]={1,0}'::real[], '{0,1}'::real[])) v(image, text);

-- every aggregate over NULL rows only is NULL (and the backend survives)
SELECT modality_gap(e, e) IS NULL AS gap_pairs, modality_gap(e, true) IS NULL AS gap_one,
       gap_state(e, e) IS NULL AS gap_state, moments(e) IS NULL AS moments,
       spectral_collapse(e) IS NULL AS spectral_collapse, persistence(e) IS NULL AS persistence,
       persistence(e, 1, 'cosine', NULL, 10) IS NULL AS persistence_sample
FROM (VALUES (NULL::real[]), (NULL)) v(e);
SELECT modality_gap(s) IS NULL AS merged_gap_states, moments(m) IS NULL AS merged_sketches
FROM (VALUES (NULL::gap_state, NULL::moments)) v(s, m);
-- and NULL rows around real ones are skipped by every aggregate
SELECT (modality_gap(e, e)).n_pairs, n(moments(e)), (spectral_collapse(e)).n,
       cardinality(persistence(e, 0, 'euclidean')) AS h0_bars
FROM (VALUES (NULL::real[]), ('{1,0}'), (NULL), ('{0,1}'), (NULL)) v(e);

DROP TABLE pairs;
