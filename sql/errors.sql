-- Errors that lead somewhere: each refusal names the problem and its hint
-- works as written; metric names are forgiving; a threshold that limits
-- nothing is pointed out
SET search_path = public, topembed;
-- the memory figures below are those of one engine thread, whatever the machine's cores
SET topembed.persistence_threads = 1;

-- mixed lengths: the hint's check_embedding call, with the length, finds the rows
CREATE TABLE mixed (id int, e real[]);
INSERT INTO mixed SELECT i, array_fill(0.5::real, ARRAY[CASE WHEN i IN (7, 9) THEN 3 ELSE 4 END])
FROM generate_series(1, 10) i;
SELECT te_test.err($$SELECT spectral_collapse(e) FROM (SELECT e FROM mixed ORDER BY id) q$$);
SELECT te_test.err($$SELECT modality_gap(e, id % 2 = 0) FROM (SELECT * FROM mixed ORDER BY id) q$$);
SELECT te_test.err($$SELECT persistence(e) FROM (SELECT e FROM mixed ORDER BY id) q$$);
-- ... and the call as the hint writes it lists exactly the two short rows
SELECT id, check_embedding(e, 4) FROM mixed WHERE check_embedding(e, 4) IS NOT NULL ORDER BY id;
-- without the length it cannot know (every row is a valid embedding on its own)
SELECT count(*) AS flagged_without_dim FROM mixed WHERE check_embedding(e) IS NOT NULL;
-- other problems keep the plain call
SELECT te_test.err($$SELECT spectral_collapse(e) FROM (VALUES ('{1,NaN}'::real[])) v(e)$$);

-- a zero vector: the hint says how to leave such rows out, and that filter works
SELECT te_test.err($$SELECT modality_gap(image, text) FROM (VALUES ('{0,0,0}'::real[], '{0,1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT modality_gap(e, true) FROM (VALUES ('{0,-0}'::float8[])) v(e)$$);
SELECT te_test.err($$SELECT persistence(e, 1, 'angular') FROM (VALUES ('{1,0}'::real[]), ('{0,0}'), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT l2_normalize('{0,0}'::real[])$$);
SELECT cardinality(persistence(e, 0, 'cosine')) AS bars_without_zero_rows
FROM (VALUES ('{1,0}'::real[]), ('{0,0}'), ('{0,-0}'), ('{0,1}')) v(e)
WHERE NOT e <@ '{0}';

-- metric names: any case, pgvector's names as aliases, the same diagrams
CREATE TABLE pts AS SELECT image AS e FROM synthetic_pairs(30, 5, 0.5, 3);
SELECT m, (SELECT persistence(e, 1, m) FROM pts)::text = (SELECT persistence(e, 1, 'euclidean') FROM pts)::text AS same
FROM unnest(ARRAY['Euclidean', 'EUCLIDEAN', 'l2', 'L2', 'l2_distance']) m;
SELECT m, (SELECT persistence(e, 1, m) FROM pts)::text = (SELECT persistence(e, 1, 'cosine') FROM pts)::text AS same
FROM unnest(ARRAY['Cosine', 'COSINE', 'cosine_distance']) m;
SELECT (SELECT persistence(e, 1, 'Angular') FROM pts)::text = (SELECT persistence(e, 1, 'angular') FROM pts)::text AS same_angular;
-- pgvector's other distances are refused by name, with the reason
SELECT te_test.err($$SELECT persistence(e, 1, 'inner_product') FROM pts$$);
SELECT te_test.err($$SELECT persistence(e, 1, 'L1') FROM pts$$);
SELECT te_test.err($$SELECT persistence(e, 1, 'hamming') FROM pts$$);
SELECT te_test.err($$SELECT persistence(e, 1, 'cosin') FROM pts$$);
-- the same names for the axes of the pictures
SELECT diagram_svg(d, 't', 'L2') LIKE '%>birth (Euclidean distance)</text>%' AS euclidean_axes,
       diagram_svg(d, 't', 'COSINE') LIKE '%>death (cosine distance)</text>%' AS cosine_axes,
       barcode_svg(d, 't', 'angular') LIKE '%>angular distance, radians</text>%' AS angular_axis,
       betti_curve_svg(d, NULL, 't', 'cosine_distance') LIKE '%>scale (cosine distance)</text>%' AS betti_axis
FROM (SELECT persistence(e) d FROM pts) q;
SELECT te_test.err($$SELECT diagram_svg('{}', NULL, 'manhattan')$$);

-- a threshold above every distance of the metric limits nothing: a NOTICE
-- that names the sample argument the caller most likely meant
SELECT cardinality(persistence(e, 1, 'cosine', 1000)) > 0 AS runs FROM pts;
SELECT cardinality(persistence(e, 1, 'angular', 3.5)) > 0 AS runs FROM pts;
SELECT cardinality(persistence(e, 1, 'cosine', 2.5, 20)) > 0 AS runs FROM pts;
-- none at the bound itself, below it, for NULL, or for euclidean
SELECT cardinality(persistence(e, 1, 'cosine', 2)) > 0 AS runs FROM pts;
SELECT cardinality(persistence(e, 1, 'angular', NULL)) > 0 AS runs FROM pts;
SELECT cardinality(persistence(e, 1, 'euclidean', 1000)) > 0 AS runs FROM pts;

-- the memory refusal while reading says "at least", and after reading the
-- exact number of rows
SET topembed.persistence_memory_limit = '1MB';
CREATE TABLE many AS SELECT image AS e FROM synthetic_pairs(3000, 4, 0.5, 5);
SELECT te_test.err($$SELECT persistence(e, 1) FROM many$$);
CREATE TABLE few AS SELECT e FROM many LIMIT 700;
SELECT te_test.err($$SELECT persistence(e, 1) FROM few$$);
RESET topembed.persistence_memory_limit;

-- landmark persistence: the number of landmarks is checked on the first row
-- (22023, 22004) and against the points at the end (22023); the memory
-- refusal counts the points held and the landmarks' persistence
SELECT te_test.err($$SELECT landmark_persistence(e, 0) FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, NULL::int, 1) FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 701, 1, 'euclidean') FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 5, 4) FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 5, 1, 'inner_product') FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 5, 1, 'cosine', -1) FROM few$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 5 + (e[1] > 0)::int) FROM many$$);
SELECT te_test.err($$SELECT landmark_persistence(e, 2) FROM (VALUES ('{1,0}'::real[]), ('{Infinity,1}')) v(e)$$);
SELECT (r).landmarks, (r).points, (r).covering_radius = 0 AS covers
FROM (SELECT landmark_persistence(e, 700, 0, 'euclidean') r FROM few) q;
SET topembed.persistence_memory_limit = '1MB';
SELECT te_test.err($$SELECT landmark_persistence(e, 700, 1, 'euclidean') FROM few$$);
-- under 16MB persistence of 3000 points is refused, 100 landmarks of them run
SET topembed.persistence_memory_limit = '16MB';
SELECT te_test.err($$SELECT persistence(e, 1, 'euclidean') FROM many$$) LIKE '54000:%' AS full_refused;
SELECT (r).landmarks, (r).points FROM (SELECT landmark_persistence(e, 100, 1, 'euclidean') r FROM many) q;
RESET topembed.persistence_memory_limit;

-- a plot of no rows is a picture that says so, never an empty text
SELECT s LIKE '<svg%' AND s LIKE '%no data: the diagram is NULL (no rows?)%' AS explicit_empty,
       length(s) > 1000 AS real_document
FROM (SELECT diagram_svg(persistence(e), 'none') s FROM pts WHERE false) q;
SELECT barcode_svg(NULL) LIKE '%no data: the diagram is NULL%' AS barcode,
       betti_curve_svg(NULL) LIKE '%no data: the diagram is NULL%' AS betti,
       spectrum_svg(NULL::spectrum_stats) LIKE '%no data: the spectrum is NULL%' AS spectrum,
       spectrum_svg(NULL::spectrum_stats[], NULL) LIKE '%no data: the spectra are NULL%' AS spectra;
SELECT spectrum_svg(s, 'one') LIKE '<svg%' AS spectrum_of_rows
FROM (SELECT spectral_collapse(e) s FROM pts) q;
-- bad scales are refused
SELECT te_test.err($$SELECT diagram_svg('{}', NULL, NULL, -1)$$);
SELECT te_test.err($$SELECT barcode_svg('{}', NULL, NULL, 'NaN')$$);
SELECT te_test.err($$SELECT spectrum_svg(NULL::spectrum_stats, NULL, 2, 1)$$);
SELECT te_test.err($$SELECT spectrum_svg(NULL::spectrum_stats, NULL, 'Infinity', NULL)$$);

-- the gap from two sketches takes float32 exports of unit vectors (norms
-- within 1e-3 of 1) and refuses others, saying the tolerance
CREATE TABLE unitish AS
SELECT CASE WHEN i % 2 = 0 THEN 'image' ELSE 'text' END AS modality,
       ARRAY[cos(i * 0.3) * (1 + 5e-4 * sin(i)), sin(i * 0.3) * (1 + 5e-4 * sin(i)), 0]::real[] AS e
FROM generate_series(1, 40) i;
SELECT round((modality_gap(i.m, t.m)).gap::numeric, 3) AS gap_from_sketches,
       round((SELECT (modality_gap(e, modality = 'image')).gap FROM unitish)::numeric, 3) AS gap_of_rows
FROM (SELECT moments(e) m FROM unitish WHERE modality = 'image') i,
     (SELECT moments(e) m FROM unitish WHERE modality = 'text') t;
SELECT te_test.err($$SELECT modality_gap(i.m, t.m)
    FROM (SELECT moments(ARRAY[1.002, 0]::real[]) m) i, (SELECT moments(ARRAY[0, 1]::real[]) m) t$$);

-- topembed.limits(): the limits the C code enforces, each one checked at its edge
SELECT name, value FROM limits() ORDER BY name, value;
CREATE TABLE lim AS SELECT name, value FROM limits();
SELECT te_test.err(format($$SELECT persistence(e, %s) FROM (VALUES ('{1,0}'::real[]), ('{0,1}')) v(e)$$,
                          (SELECT value::int + 1 FROM lim WHERE name = 'max_hdim')));
SELECT array_length(persistence(e, (SELECT value::int FROM lim WHERE name = 'max_hdim')), 1) AS at_max_hdim
FROM (VALUES ('{1,0}'::real[]), ('{0,1}')) v(e);
SELECT check_embedding(array_fill(0.5::real, ARRAY[(SELECT value::int FROM lim WHERE name = 'max_embedding_dim')])) AS at_max_dim,
       check_embedding(array_fill(0.5::real, ARRAY[(SELECT value::int + 1 FROM lim WHERE name = 'max_embedding_dim')])) AS above;
SELECT betti_numbers(ARRAY[ROW((SELECT value::int FROM lim WHERE name = 'max_pair_hdim'), 0, 1)]::persistence_pair[], 2)
       = array_fill(0, ARRAY[(SELECT value::int + 1 FROM lim WHERE name = 'max_pair_hdim')]) AS at_max_pair_hdim;
SELECT te_test.err(format($$SELECT betti_numbers(ARRAY[(%s,0,1)]::persistence_pair[], 0.5)$$,
                          (SELECT value::int + 1 FROM lim WHERE name = 'max_pair_hdim')));
SELECT te_test.err(format($$SELECT persistence_from_distances('{1}', modulus => %s)$$,
                          (SELECT value::int + 2 FROM lim WHERE name = 'max_modulus')));
SELECT left(betti_curve_svg(ARRAY[ROW((SELECT value::int FROM lim WHERE name = 'max_plot_hdim'), 0, 1)]::persistence_pair[]), 4) AS at_max_plot_hdim;
SELECT te_test.err(format($$SELECT betti_curve_svg(ARRAY[(%s,0,1)]::persistence_pair[])$$,
                          (SELECT value::int + 1 FROM lim WHERE name = 'max_plot_hdim')));
SELECT array_length(persistence_landscape(ARRAY[(1,0,1)]::persistence_pair[], 1,
                                          (SELECT value::int FROM lim WHERE name = 'max_landscape_k'), '{0.5}'), 1) AS at_max_landscape_k;
SELECT te_test.err(format($$SELECT persistence_landscape(ARRAY[(1,0,1)]::persistence_pair[], 1, %s, '{0.5}')$$,
                          (SELECT value::int + 1 FROM lim WHERE name = 'max_landscape_k')));
-- one grid value more than max_landscape_values allows at max_landscape_k functions
SELECT te_test.err(format($$SELECT persistence_landscape(ARRAY[(1,0,1)]::persistence_pair[], 1, %s,
                                                         (SELECT array_agg(g::float8) FROM generate_series(1, %s) g))$$,
                          (SELECT value::int FROM lim WHERE name = 'max_landscape_k'),
                          (SELECT value::bigint / (SELECT value::bigint FROM lim WHERE name = 'max_landscape_k') + 1
                           FROM lim WHERE name = 'max_landscape_values')));
-- persistence_image: max_image_values pixels and one row more
SELECT te_test.err(format($$SELECT persistence_image(ARRAY[(1,0,1)]::persistence_pair[], 1, '{%s,%s}')$$,
                          (SELECT value::int / 1000 FROM lim WHERE name = 'max_image_values'), 1001));
SELECT array_dims(persistence_image(ARRAY[(1,0,1)]::persistence_pair[], 1,
                                    ARRAY[(SELECT value::int FROM lim WHERE name = 'max_image_values') / 1000, 1],
                                    1, 'constant')) AS below_max_image_values;
-- every metric of the list is accepted by persistence, and snapshot refuses what is not in it
SELECT l.value AS metric, array_length(persistence(e, 0, l.value), 1) AS bars
FROM lim l, (VALUES ('{1,0}'::real[]), ('{0,1}')) v(e) WHERE l.name = 'metric' GROUP BY l.value ORDER BY 1;
SELECT te_test.err($$SELECT snapshot('lim', 'lim', max_dim => 4)$$);
SELECT te_test.err($$SELECT snapshot('lim', 'lim', metric => 'l2')$$);
DROP TABLE lim;

-- projection_quality: each refusal names the argument and its bound
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2, 6], 5, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[0], 5, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, '{}', 5, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2, NULL], 5, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 15, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 0, 1, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 5, 2, 'cosine') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 5, 1, 'L1') FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 5, 1, 'cosine', 1.5) FROM pts$$);
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 5, 1, 'cosine') FROM (SELECT e FROM mixed ORDER BY id) q$$);
SET topembed.persistence_memory_limit = '1MB';
SELECT te_test.err($$SELECT projection_quality(e, ARRAY[2], 5, 1, 'cosine') FROM pts$$);
RESET topembed.persistence_memory_limit;
-- the full dimension keeps every neighbour; a row per element of dims, in order
SELECT (q).dims, (q).trustworthiness = 1 AS trust_1, (q).continuity = 1 AS continuity_1,
       (q).bottleneck_h0 < 1e-6 AS same_h0, (q).clusters >= 1 AS has_clusters
FROM (SELECT unnest(projection_quality(e, ARRAY[cardinality(e), 2], 5, 1, 'euclidean')) q
      FROM pts GROUP BY cardinality(e)) s;

DROP TABLE mixed, pts, many, few, unitish;
