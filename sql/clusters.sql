-- Single-linkage clusters: the cut of the minimum spanning tree at a scale
-- (clusters) or at a number of clusters (clusters_k); labels by size, then
-- smallest id; every refusal with its SQLSTATE
SET search_path = public, topembed;

-- five points on a line: 0, 1, 2 | 4 | 10 (tree edges 1, 1, 2, 6)
CREATE TABLE line (id bigint, e real[]);
INSERT INTO line VALUES (50, '{0,0}'), (40, '{1,0}'), (30, '{2,0}'), (20, '{4,0}'), (10, '{10,0}');

-- edges of length <= scale join: 1.5 joins the first three only, 2 joins 4 too
SELECT (m).* FROM (SELECT unnest(clusters(id, e, 'euclidean', 1.5)) m FROM line) s;
SELECT (m).* FROM (SELECT unnest(clusters(id, e, 'euclidean', 2)) m FROM line) s;
SELECT (m).* FROM (SELECT unnest(clusters(id, e, 'euclidean', 'Infinity')) m FROM line) s;
-- a scale below every edge: singletons, equal sizes numbered by smallest id
SELECT (m).* FROM (SELECT unnest(clusters(id, e, 'euclidean', 0.5)) m FROM line) s;

-- k: the smallest cut with at most k clusters; the tie at 1 leaves 3 for k = 4
SELECT k, array_agg(m.cluster ORDER BY m.id) AS labels, max(m.cluster) AS n_clusters
FROM generate_series(1, 5) k,
     LATERAL (SELECT clusters_k(id, e, 'euclidean', k) c FROM line) q,
     LATERAL unnest(q.c) m
GROUP BY k ORDER BY k;

-- the row order does not change the labels
SELECT clusters(id, e, 'euclidean', 1.5) = (SELECT clusters(id, e, 'euclidean', 1.5) FROM (SELECT * FROM line ORDER BY id DESC) q) AS same_labels
FROM (SELECT * FROM line ORDER BY id) q;

-- one cluster per H0 bar dying after the scale (the essential bar included)
SELECT (SELECT count(*) FROM unnest(persistence(e, 0, 'euclidean')) p WHERE p.death > 1.5) AS bars_after,
       (SELECT max(m.cluster) FROM unnest(clusters(id, e, 'euclidean', 1.5)) m) AS n_clusters
FROM line;

-- double precision[] and the cosine metric; equal points share a cluster
SELECT (m).* FROM (SELECT unnest(clusters(id, e, 'cosine', 0.01)) m
                   FROM (VALUES (1::bigint, '{1,0}'::float8[]), (2, '{2,0}'), (3, '{0,1}'), (4, '{0,1}')) v(id, e)) s;
SELECT (m).* FROM (SELECT unnest(clusters_k(id, e, 'cosine', 4)) m
                   FROM (VALUES (1::bigint, '{1,0}'::float8[]), (2, '{2,0}'), (3, '{0,1}'), (4, '{0,3}')) v(id, e)) s;

-- no rows: NULL; one row: one cluster
SELECT clusters(id, e, 'euclidean', 1) IS NULL AS empty_is_null FROM line WHERE false;
SELECT clusters_k(id, e, 'euclidean', 1) FROM line WHERE id = 10;

-- refusals
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (NULL::bigint, '{1,2}'::real[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{1,2}'::real[]), (1, '{3,4}')) v(id, e)$$);
SELECT te_test.err($$SELECT clusters_k(id, e, 'euclidean', 1) FROM (VALUES (7::bigint, '{1,2}'::real[]), (8, '{3,4}'), (7, '{5,6}')) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, NULL::real[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{1,NaN}'::real[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{1,Infinity}'::float8[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{}'::real[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{1,2}'::real[]), (2, '{1,2,3}')) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 1) FROM (VALUES (1::bigint, '{{1,2},{3,4}}'::real[])) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'cosine', 1) FROM (VALUES (1::bigint, '{1,2}'::real[]), (2, '{0,0}')) v(id, e)$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 0) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', -1) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', 'NaN') FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', NULL) FROM line$$);
SELECT te_test.err($$SELECT clusters_k(id, e, 'euclidean', 0) FROM line$$);
SELECT te_test.err($$SELECT clusters_k(id, e, 'euclidean', 6) FROM line$$);
SELECT te_test.err($$SELECT clusters_k(id, e, 'euclidean', NULL) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'manhattan', 1) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'chebyshev', 1) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, NULL, 1) FROM line$$);
SELECT te_test.err($$SELECT clusters(id, e, 'euclidean', CASE WHEN id = 10 THEN 2 ELSE 1 END) FROM line$$);

-- the memory limit of persistence bounds the clusters too
SET topembed.persistence_memory_limit = '1MB';
SELECT te_test.err($$SELECT clusters(g, array_fill(g::real, ARRAY[64]), 'euclidean', 1) FROM generate_series(1, 3000) g$$);
SELECT te_test.err($$SELECT clusters_k(g, array_fill(g::real, ARRAY[64]), 'euclidean', 2) FROM generate_series(1, 100) g$$);
RESET topembed.persistence_memory_limit;
DROP TABLE line;
