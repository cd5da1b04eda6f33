-- Diagram summaries, distances and pictures on hand-checked diagrams
SET search_path = public, topembed;
SET extra_float_digits = 0;

CREATE TABLE dg (name text, d persistence_pair[]);
INSERT INTO dg VALUES
  ('a', ARRAY[(0,0,1), (0,0,2), (0,0,'Infinity'), (1,1,3), (1,2,2.5)]::persistence_pair[]),
  ('b', ARRAY[(0,0,1.5), (0,0,2), (0,0,'Infinity'), (1,1.5,3)]::persistence_pair[]),
  ('two_essential', ARRAY[(0,0,'Infinity'), (0,0,'Infinity')]::persistence_pair[]),
  ('empty', ARRAY[]::persistence_pair[]);

-- Betti numbers: bars alive on [birth, death)
SELECT r, betti_numbers(d, r) FROM dg, unnest('{0, 0.5, 1, 2, 2.4, 2.5, 3, 100}'::float8[]) r
WHERE name = 'a' ORDER BY r;
SELECT betti_numbers(d, 1) FROM dg WHERE name = 'empty';
SELECT betti_curve(d, 1, '{0.5, 1, 2, 2.5, 3}') FROM dg WHERE name = 'a';
SELECT betti_curve(d, 2, '{1, 2}') AS no_bars, betti_curve(d, 0, '{}') AS empty_grid FROM dg WHERE name = 'a';

-- entropy and total persistence over finite bars
-- H1 of a: lengths 2 and 0.5: p = 0.8, 0.2
SELECT round(persistence_entropy(d, 1)::numeric, 12) AS entropy,
       round((-(0.8 * ln(0.8) + 0.2 * ln(0.2)))::numeric, 12) AS expected
FROM dg WHERE name = 'a';
SELECT total_persistence(d, 0) AS h0_total, total_persistence(d, 1, 2) AS h1_squares FROM dg WHERE name = 'a';
-- the homology dimension is the argument hdim, and the attribute hdim of a pair
SELECT total_persistence(d, hdim => 1, p => 2) AS h1_squares_by_name,
       (SELECT count(*) FROM unnest(d) b WHERE b.hdim = 1) AS h1_bars FROM dg WHERE name = 'a';
SELECT persistence_entropy(d, 0) IS NULL AS only_essential_is_null,
       total_persistence(d, 0) AS zero
FROM dg WHERE name = 'two_essential';
SELECT persistence_entropy(d, 1) IS NULL AS empty_is_null, total_persistence(d, 1) FROM dg WHERE name = 'empty';

-- landscapes (Bubenik 2015): tents max(0, min(t - b, d - t))
SELECT persistence_landscape(d, 1, 2, '{1, 1.5, 2, 2.25, 2.5, 3}') FROM dg WHERE name = 'a';
SELECT persistence_landscape(d, 0, 1, '{0.5}') AS essential_tent FROM dg WHERE name = 'two_essential';

-- persistence images (Adams et al. 2017) in (birth, persistence), sampled as gudhi's
-- PersistenceImage: rows are persistences, columns births; essential bars left out.
-- H1 of a: (1, 3) at (birth 1, persistence 2) and (2, 2.5) at (2, 0.5)
SELECT round(v::numeric, 12) AS v, round(e::numeric, 12) AS expected
FROM dg, unnest(persistence_image(d, 1, '{2,1}', 1, 'linear', '{1,2,2,2}')) WITH ORDINALITY u(v, i),
     LATERAL (SELECT (2 * exp(-((1 - (1 + i - 1)) ^ 2) / 2)
                      + 0.5 * exp(-((2 - (1 + i - 1)) ^ 2 + 1.5 ^ 2) / 2)) / (2 * pi()) AS e) x
WHERE name = 'a' ORDER BY i;
SELECT array_dims(persistence_image(d, 1, '{3,2}')) AS dims,
       array_dims(persistence_image(d, 1)) AS default_dims FROM dg WHERE name = 'a';
-- fitted bounds {1,2,0.5,2}: the corners hold the bars (constant weight, sigma 0.1)
SELECT round(v::numeric, 6) FROM dg, unnest(persistence_image(d, 1, '{2,2}', 0.1, 'constant')) v WHERE name = 'a';
SELECT persistence_image(d, 0, '{2,2}', 1) AS only_essential FROM dg WHERE name = 'two_essential';
SELECT persistence_image(d, 1, '{1,2}') AS empty FROM dg WHERE name = 'empty';
SELECT persistence_image(NULL, 1) IS NULL AS null_diagram, persistence_image('{}', NULL) IS NULL AS null_hdim,
       persistence_image('{}', 1, weight => NULL) IS NULL AS null_weight;

-- silhouettes (Chazal et al. 2014): tents weighted by (d - b)^p, over finite bars
-- H1 of a: weights 2^p and 0.5^p; p = 0 is the mean tent
SELECT persistence_silhouette(d, 1, '{1, 1.5, 2, 2.25, 2.5, 3}', 0) AS p0,
       persistence_silhouette(d, 1, '{1, 1.5, 2, 2.25, 2.5, 3}') AS p1,
       round((persistence_silhouette(d, 1, '{2.25}', 2))[1]::numeric, 12) AS p2_at_225,
       round((4 * 0.75 + 0.25 * 0.25) / 4.25, 12) AS expected
FROM dg WHERE name = 'a';
SELECT persistence_silhouette(d, 0, '{0.5, 1}') AS only_essential FROM dg WHERE name = 'two_essential';
SELECT persistence_silhouette(d, 1, '{}') AS empty_grid, persistence_silhouette(d, 1, '{1}') AS empty FROM dg WHERE name = 'empty';

-- distances with the L-infinity ground metric
SELECT bottleneck_distance(a.d, b.d, 0) AS h0, bottleneck_distance(a.d, b.d, 1) AS h1,
       wasserstein_distance(a.d, b.d, 1, 1) AS w1, wasserstein_distance(a.d, b.d, 1, 2) AS w2
FROM dg a, dg b WHERE a.name = 'a' AND b.name = 'b';
-- a diagram is at distance 0 from itself; empty against a point: half its length
SELECT bottleneck_distance(d, d, 1) AS self, wasserstein_distance(d, d, 0, 2) AS self_w FROM dg WHERE name = 'a';
SELECT bottleneck_distance(e.d, a.d, 1) AS to_diagonal, wasserstein_distance(e.d, a.d, 1, 1) AS w1_to_diagonal
FROM dg e, dg a WHERE e.name = 'empty' AND a.name = 'a';
-- essential classes match only each other: a different count is Infinity
SELECT bottleneck_distance(a.d, t.d, 0), wasserstein_distance(a.d, t.d, 0, 1)
FROM dg a, dg t WHERE a.name = 'a' AND t.name = 'two_essential';
SELECT bottleneck_distance(e.d, e.d, 0) AS empty_empty FROM dg e WHERE name = 'empty';
-- Wasserstein with p = Infinity is the bottleneck distance
SELECT wasserstein_distance(a.d, b.d, 1, 'Infinity') = bottleneck_distance(a.d, b.d, 1) AS w_inf
FROM dg a, dg b WHERE a.name = 'a' AND b.name = 'b';

-- the matchings behind the distances: a row per bar of hdim, 1-based positions,
-- NULL for the diagonal, ordered by index_a then index_b
SELECT m.* FROM dg a, dg b, bottleneck_matching(a.d, b.d, 0) m WHERE a.name = 'a' AND b.name = 'b';
SELECT m.* FROM dg a, dg b, bottleneck_matching(a.d, b.d, 1) m WHERE a.name = 'a' AND b.name = 'b';
SELECT m.* FROM dg a, dg b, wasserstein_matching(a.d, b.d, 1, 2) m WHERE a.name = 'a' AND b.name = 'b';
SELECT m.* FROM dg a, dg b, wasserstein_matching(b.d, a.d, 0) m WHERE a.name = 'a' AND b.name = 'b';
-- the totals are the distances
SELECT (SELECT max(cost) FROM bottleneck_matching(a.d, b.d, 1)) = bottleneck_distance(a.d, b.d, 1) AS b_total,
       (SELECT sqrt(sum(cost ^ 2)) FROM wasserstein_matching(a.d, b.d, 1, 2)) = wasserstein_distance(a.d, b.d, 1, 2) AS w_total
FROM dg a, dg b WHERE a.name = 'a' AND b.name = 'b';
-- unequal essential counts: the surplus goes to the diagonal at Infinity
SELECT m.* FROM dg a, dg t, wasserstein_matching(t.d, a.d, 0, 1) m WHERE a.name = 'a' AND t.name = 'two_essential';
SELECT m.* FROM dg e, dg a, wasserstein_matching(e.d, a.d, 1, 'Infinity') m WHERE e.name = 'empty' AND a.name = 'a';
SELECT count(*) AS empty_rows FROM dg e, bottleneck_matching(e.d, e.d, 0) m WHERE e.name = 'empty';

-- bad input
SELECT te_test.err($$SELECT total_persistence(ARRAY[(1,'NaN',2)]::persistence_pair[], 1)$$);
SELECT te_test.err($$SELECT total_persistence(ARRAY[(1,3,2)]::persistence_pair[], 1)$$);
SELECT te_test.err($$SELECT total_persistence(ARRAY[(1,1,NULL)]::persistence_pair[], 1)$$);
SELECT te_test.err($$SELECT total_persistence(ARRAY[NULL]::persistence_pair[], 1)$$);
SELECT te_test.err($$SELECT total_persistence(ARRAY[(0,0,1)]::persistence_pair[], 1, 0)$$);
SELECT te_test.err($$SELECT total_persistence(ARRAY[(0,0,1)]::persistence_pair[], -1)$$);
SELECT te_test.err($$SELECT wasserstein_distance(d, d, 1, 0.5) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT betti_numbers(d, 'NaN') FROM dg WHERE name = 'a'$$);
-- a huge homology dimension is refused before anything is sized by it
SELECT te_test.err($$SELECT betti_numbers(ARRAY[(2147483647,0,1)]::persistence_pair[], 0.5)$$);
SELECT te_test.err($$SELECT betti_numbers(ARRAY[(0,0,1), (100000000,0,1)]::persistence_pair[], 0.5)$$);
SELECT te_test.err($$SELECT betti_curve(d, 1, '{1,NULL}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_landscape(d, 1, 0, '{1}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{20}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{20,NULL}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{0,20}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{20,20}', 0) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{20,20}', 'NaN') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{20,20}', 'Infinity') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, weight => 'quadratic') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, -1) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, bounds => '{0,1,0}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, bounds => '{0,1,0,NaN}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, bounds => '{0,1,0,NULL}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, bounds => '{1,0,0,1}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(d, 1, '{100000,100000}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_image(ARRAY[(1,-1e308,1e308)]::persistence_pair[], 1)$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1, '{1,NaN}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1, '{1,NULL}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1, '{1}', -1) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1, '{1}', 'NaN') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1, '{1}', 'Infinity') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT persistence_silhouette(d, 1001, '{1}') FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT bottleneck_distance(ARRAY[(0,'Infinity','Infinity')]::persistence_pair[], '{}', 0)$$);
SELECT te_test.err($$SELECT * FROM bottleneck_matching(ARRAY[(0,'NaN',1)]::persistence_pair[], '{}', 0)$$);
SELECT te_test.err($$SELECT m.* FROM dg d, bottleneck_matching(d.d, d.d, -1) m WHERE d.name = 'a'$$);
SELECT te_test.err($$SELECT m.* FROM dg d, wasserstein_matching(d.d, d.d, 1, 0.5) m WHERE d.name = 'a'$$);
SELECT te_test.err($$SELECT m.* FROM dg d, wasserstein_matching(d.d, d.d, 1, 'NaN') m WHERE d.name = 'a'$$);
SELECT te_test.err($$SELECT * FROM wasserstein_matching(ARRAY[NULL]::persistence_pair[], '{}', 1)$$);

-- pictures: standalone SVG documents, text escaped
SELECT left(diagram_svg(d), 4) AS svg, diagram_svg(d) LIKE '%</svg>%' AS closed,
       position('<script>' IN diagram_svg(d, '<script>&"''')) = 0 AS title_escaped
FROM dg WHERE name = 'a';
SELECT left(barcode_svg(d, 'bars'), 4), left(betti_curve_svg(d), 4), left(betti_curve_svg(d, '{0,1,2,3}', 'curves'), 4)
FROM dg WHERE name = 'a';
SELECT left(diagram_svg(d), 4) AS empty_diagram_svg, left(barcode_svg(d), 4) AS empty_barcode_svg FROM dg WHERE name = 'empty';
SELECT diagram_svg(NULL) LIKE '<svg%no data: the diagram is NULL%' AS null_draws_a_picture_that_says_so;
-- one pair highlighted, numbered as the array's elements: ringed on the
-- diagram, outlined on the barcode, both captioned; NULL marks none
SELECT diagram_svg(d, 't', NULL, NULL, 4) LIKE '%<g class="highlight"%>pair 4: H1</text>%>born 1, dies 3</text>%' AS ringed,
       barcode_svg(d, 't', NULL, NULL, 3) LIKE '%<rect class="highlight"%>outlined: pair 3: H0, born 0, never dies</text>%' AS outlined,
       diagram_svg(d, 't', NULL, NULL, NULL) = diagram_svg(d, 't', NULL, NULL) AS null_marks_none,
       diagram_svg(d, 't', NULL, NULL) NOT LIKE '%highlight%' AS plain_has_none
FROM dg WHERE name = 'a';
SELECT te_test.err($$SELECT diagram_svg(d, NULL, NULL, NULL, 6) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT barcode_svg(d, NULL, NULL, NULL, 0) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT barcode_svg(d, NULL, NULL, NULL, 9223372036854775807) FROM dg WHERE name = 'a'$$);
SELECT te_test.err($$SELECT barcode_svg(d, NULL, NULL, NULL, -2) FROM dg WHERE name = 'empty'$$);
SELECT te_test.err($$SELECT diagram_svg(d, NULL, NULL, NULL, 1) FROM dg WHERE name = 'empty'$$);
SELECT diagram_svg(NULL, NULL, NULL, NULL, 5) LIKE '<svg%no data: the diagram is NULL%' AS null_diagram_ignores_it;
SELECT left(spectrum_svg(spectral_collapse(image)), 4) AS one_spectrum,
       left(spectrum_svg(ARRAY[spectral_collapse(image), spectral_collapse(text)], '{image,text}', 'two'), 4) AS two
FROM synthetic_pairs(100, 16);
SELECT te_test.err($$SELECT spectrum_svg(ARRAY[spectral_collapse(image)], '{a,b}') FROM synthetic_pairs(10, 4)$$);
SELECT te_test.err($$SELECT betti_curve_svg(d, '{2,1}') FROM dg WHERE name = 'a'$$);

DROP TABLE dg;
