-- Downstream tasks: cross-modal retrieval (paired and grouped), zero-shot
-- classification and the gap-shift experiment; ties, bad input, parallel
-- plans
SET search_path = public, topembed;

-- a hand-made set with known ranks: image 1 is nearest its own text, image 2
-- ties with text 1 (a duplicate of its own text), image 3 is nearest text 1
CREATE TABLE tiny (pair_id int, image real[], text real[]);
INSERT INTO tiny VALUES
    (1, '{1,0,0}', '{1,0,0}'),
    (2, '{1,0,0}', '{1,0,0}'),
    (3, '{0.9,0.1,0}', '{0,0,1}');
-- image 1: text 2 ties its own text 1 and counts against it: rank 2;
-- image 2 likewise rank 2; image 3: texts 1 and 2 beat text 3: rank 3
SELECT (r).n_image, (r).ks, (r).image_to_text_recall, (r).text_to_image_recall,
       (r).image_to_text_median_rank, (r).text_to_image_median_rank,
       round((r).image_to_text_mrr::numeric, 12) AS i2t_mrr,
       round((r).text_to_image_mrr::numeric, 12) AS t2i_mrr
FROM (SELECT retrieval(image, text, '{1,2,3}') r FROM tiny) q;
-- the order of the rows does not matter
SELECT (SELECT retrieval(image, text) FROM (SELECT * FROM tiny ORDER BY pair_id) a)::text =
       (SELECT retrieval(image, text) FROM (SELECT * FROM tiny ORDER BY pair_id DESC) b)::text AS order_free;

-- grouped form: texts 1 and 2 both belong to item 1, so image 1 (and 2)
-- find a correct answer at rank 1; item 3's text is no one's duplicate
CREATE TABLE tiny_items AS
SELECT CASE WHEN pair_id <= 2 THEN 1 ELSE pair_id END::bigint AS item_id, image AS e, true AS is_image FROM tiny
UNION ALL
SELECT CASE WHEN pair_id <= 2 THEN 1 ELSE pair_id END, text, false FROM tiny;
SELECT (r).n_image, (r).n_text, (r).image_to_text_recall, (r).text_to_image_recall,
       (r).image_to_text_median_rank, (r).text_to_image_median_rank
FROM (SELECT retrieval(item_id, e, is_image, '{1,2}') r FROM tiny_items) q;
-- an item with no text is not an image query; its image is still a candidate
SELECT (r).n_image, (r).n_text
FROM (SELECT retrieval(item_id, e, is_image) r FROM tiny_items WHERE NOT (item_id = 3 AND NOT is_image)) q;

-- the paired form equals the grouped form with one item per pair
CREATE TABLE syn AS SELECT * FROM synthetic_pairs(300, 16, 0.6, 5);
SELECT (SELECT retrieval(image, text) FROM syn)::text =
       (SELECT retrieval(pair_id::bigint, e, im) FROM syn, LATERAL (VALUES (image, true), (text, false)) v(e, im))::text
       AS paired_is_grouped;
-- real[] and double precision[] give the same counts
SELECT (SELECT retrieval(image, text) FROM syn)::text =
       (SELECT retrieval(image::float8[], text::float8[]) FROM syn)::text AS float8_same;
-- a cut-off at or above the number of candidates (5 here) gives recall 1
SELECT (r).image_to_text_recall, (r).text_to_image_recall
FROM (SELECT retrieval(image, text, '{1,5,300}') r FROM syn WHERE pair_id <= 5) q;
-- no rows: NULL, as aggregates do; NULL rows are skipped
SELECT retrieval(image, text) IS NULL AS empty_is_null FROM syn WHERE false;
SELECT (SELECT retrieval(image, text) FROM syn)::text =
       (SELECT retrieval(image, text) FROM (SELECT image, text FROM syn UNION ALL SELECT NULL, NULL) q)::text
       AS null_rows_skipped;

-- gap_shift: at lambda 0 the gap equals modality_gap and recall@1 equals
-- retrieval's, exactly; at lambda 1 the gap before renormalisation is gone
CREATE TABLE shift AS
SELECT unnest(gap_shift(image, text, '{0, 1, -0.5}')) AS p FROM syn;
SELECT (p).lambda,
       (p).gap = (SELECT (modality_gap(image, text)).gap FROM syn) AS gap_is_modality_gap,
       (p).paired_cosine_mean = (SELECT (modality_gap(image, text)).paired_cosine_mean FROM syn) AS cosine_equal,
       (p).image_to_text_recall_at_1 = (SELECT (retrieval(image, text)).image_to_text_recall[1] FROM syn) AS i2t_equal,
       (p).text_to_image_recall_at_1 = (SELECT (retrieval(image, text)).text_to_image_recall[1] FROM syn) AS t2i_equal
FROM shift WHERE (p).lambda = 0;
SELECT (p).lambda, (p).gap_before_renormalization < 1e-12 AS closed_before_renorm,
       (p).gap < 0.1 * (SELECT (modality_gap(image, text)).gap FROM syn) AS small_after_renorm
FROM shift WHERE (p).lambda = 1;
-- before renormalisation the gap is |1 - lambda| times the original
SELECT (p).lambda, abs((p).gap_before_renormalization - 1.5 * (SELECT (modality_gap(image, text)).gap FROM syn)) < 1e-12 AS linear
FROM shift WHERE (p).lambda = -0.5;
-- the default grid: -1, -0.75, ..., 1
SELECT array_agg((p).lambda) AS grid FROM (SELECT unnest(gap_shift(image, text)) p FROM syn) q;
-- the double precision[] form at lambda 0 equals modality_gap(double precision[])
SELECT (gap_shift(image::float8[], text::float8[], '{0}'))[1].gap =
       (modality_gap(image::float8[], text::float8[])).gap AS float8_gap_equal FROM syn;

-- zero_shot: prompts are the first 20 texts; image i of those 20 pairs has
-- class i; top-1 then equals image-to-text recall@1 on those 20 pairs
CREATE TABLE prompts AS SELECT array_agg(text::float8[] ORDER BY pair_id) AS p FROM syn WHERE pair_id < 20;
SELECT (z).n, (z).n_classes,
       (z).top1_accuracy = (SELECT (retrieval(image, text)).image_to_text_recall[1] FROM syn WHERE pair_id < 20) AS top1_is_recall1,
       (z).top5_accuracy = (SELECT (retrieval(image, text, '{5}')).image_to_text_recall[1] FROM syn WHERE pair_id < 20) AS top5_is_recall5,
       cardinality((z).per_class_accuracy) AS classes, (z).per_class_n[1:3]
FROM (SELECT zero_shot(image, pair_id + 1, (SELECT p FROM prompts)) z FROM syn WHERE pair_id < 20) q;
-- a class without rows has a NULL accuracy
SELECT (z).n, (z).per_class_accuracy[20] IS NULL AS empty_class_null, (z).per_class_n[20]
FROM (SELECT zero_shot(image, pair_id + 1, (SELECT p FROM prompts)) z FROM syn WHERE pair_id < 19) q;
-- ties count against the true class: two equal prompts, neither wins
SELECT (z).top1_accuracy, (z).top5_accuracy
FROM (SELECT zero_shot(e, 1, '{{1,0},{1,0},{0,1}}') z FROM (VALUES ('{1,0}'::real[])) v(e)) q;

-- bad input: each an ERROR with a SQLSTATE and a message naming the problem
SELECT te_test.err($$SELECT retrieval(image, text) FROM syn WHERE pair_id = 1$$);
SELECT te_test.err($$SELECT retrieval(image, text) FROM (VALUES ('{1,0}'::real[], '{1,0,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT retrieval(image, text) FROM (VALUES ('{1,NaN}'::real[], '{1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT retrieval(image, text) FROM (VALUES ('{0,0}'::real[], '{1,0}'::real[])) v(image, text)$$);
SELECT te_test.err($$SELECT retrieval(image, text, '{}') FROM syn$$);
SELECT te_test.err($$SELECT retrieval(image, text, '{1,0}') FROM syn$$);
SELECT te_test.err($$SELECT retrieval(image, text, '{1,NULL}') FROM syn$$);
SELECT te_test.err($$SELECT retrieval(image, text, '{{1},{5}}') FROM syn$$);
SELECT te_test.err($$SELECT retrieval(image, text, NULL) FROM syn$$);
SELECT te_test.err($$SELECT retrieval(image, text, ARRAY[pair_id + 1]) FROM syn$$);
SELECT te_test.err($$SELECT retrieval(1, e, true) FROM (VALUES ('{1,0}'::real[]), ('{0,1}')) v(e)$$);
SELECT te_test.err($$SELECT retrieval(i, e, im) FROM (VALUES (1::bigint, '{1,0}'::real[], true), (1, '{NaN,1}', false)) v(i, e, im)$$);
SET topembed.max_points = 100;
SELECT te_test.err($$SELECT retrieval(image, text) FROM syn$$);
RESET topembed.max_points;
SELECT te_test.err($$SELECT gap_shift(image, text, '{}') FROM syn$$);
SELECT te_test.err($$SELECT gap_shift(image, text, '{0,NaN}') FROM syn$$);
SELECT te_test.err($$SELECT gap_shift(image, text) FROM syn WHERE pair_id = 1$$);
SELECT te_test.err($$SELECT gap_shift(image, text) FROM (VALUES ('{1,0}'::real[], '{0,1}'::real[]), ('{NaN,1}', '{1,0}')) v(image, text)$$);
SELECT te_test.err($$SELECT gap_shift(image, text, NULL) FROM syn$$);
SELECT te_test.err($$SELECT gap_shift(image, text, '{0,NULL}') FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(image, 1, '{1,2}') FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(image, 21, (SELECT p FROM prompts)) FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(image, 0, (SELECT p FROM prompts)) FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(image, 1, NULL) FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(image, 1, '{}') FROM syn$$);
SELECT te_test.err($$SELECT zero_shot(e, 1, '{{1,0},{0,1}}') FROM (VALUES ('{NaN,0}'::real[])) v(e)$$);
-- each group keeps its own prompts: a row of group 1 that passes group 2's prompts is refused,
-- whichever group began last (a hashed aggregate sees the groups interleaved)
SET enable_sort = off;
SELECT te_test.err($$SELECT g, zero_shot(e, 1, p) FROM (VALUES (1, '{1,0}'::real[], '{{1,0},{0,1}}'::float8[]),
    (2, '{1,0}', '{{0,1},{1,0}}'), (1, '{1,0}', '{{0,1},{1,0}}')) v(g, e, p) GROUP BY g$$);
SELECT g, (zero_shot(e, 1, p)).n FROM (VALUES (1, '{1,0}'::real[], '{{1,0},{0,1}}'::float8[]),
    (2, '{1,0}', '{{0,1},{1,0}}'), (1, '{0,1}', '{{1,0},{0,1}}')) v(g, e, p) GROUP BY g ORDER BY g;
RESET enable_sort;
SELECT te_test.err($$SELECT zero_shot(e, 1, '{{1,0},{0,0}}') FROM (VALUES ('{1,0}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT zero_shot(e, 1, '{{1,0},{NaN,1}}') FROM (VALUES ('{1,0}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT zero_shot(e, 1, '{{1,0,0},{0,1,0}}') FROM (VALUES ('{1,0}'::real[])) v(e)$$);
SELECT te_test.err($$SELECT zero_shot(e, 1, CASE WHEN e[1] = 1 THEN '{{1,0},{0,1}}'::float8[] ELSE '{{0,1},{1,0}}' END) FROM (VALUES ('{1,0}'::real[]), ('{0,1}')) v(e)$$);

-- a forced parallel plan gives the serial results
CREATE TABLE par AS SELECT * FROM synthetic_pairs(6000, 24, 0.7, 9);
CREATE TABLE par_items AS
SELECT (pair_id / 3)::bigint AS item_id, e, im FROM par, LATERAL (VALUES (image, true), (text, false)) v(e, im);
CREATE TABLE par_prompts AS SELECT array_agg(text::float8[] ORDER BY pair_id) AS p FROM par WHERE pair_id <= 40;
ANALYZE par, par_items;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS
SELECT (SELECT retrieval(image, text) FROM par) AS paired,
       (SELECT retrieval(item_id, e, im) FROM par_items) AS grouped,
       (SELECT gap_shift(image, text, '{0,0.5,1}') FROM par) AS shift,
       (SELECT zero_shot(image, pair_id % 40 + 1, (SELECT p FROM par_prompts)) FROM par) AS zs;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT retrieval(image, text) FROM par;
EXPLAIN (COSTS OFF) SELECT zero_shot(image, pair_id % 40 + 1, '{{1}}') FROM par;
CREATE TABLE parallel AS
SELECT (SELECT retrieval(image, text) FROM par) AS paired,
       (SELECT retrieval(item_id, e, im) FROM par_items) AS grouped,
       (SELECT gap_shift(image, text, '{0,0.5,1}') FROM par) AS shift,
       (SELECT zero_shot(image, pair_id % 40 + 1, (SELECT p FROM par_prompts)) FROM par) AS zs;
SELECT p.paired::text = s.paired::text AS paired_equal,
       p.grouped::text = s.grouped::text AS grouped_equal,
       p.zs::text = s.zs::text AS zero_shot_equal,
       (SELECT bool_and(abs((p.shift[i]).gap - (s.shift[i]).gap) < 1e-9
                        AND abs((p.shift[i]).paired_cosine_mean - (s.shift[i]).paired_cosine_mean) < 1e-9
                        AND (p.shift[i]).image_to_text_recall_at_1 = (s.shift[i]).image_to_text_recall_at_1
                        AND (p.shift[i]).text_to_image_recall_at_1 = (s.shift[i]).text_to_image_recall_at_1)
        FROM generate_subscripts(p.shift, 1) i) AS shift_equal,
       (p.paired).n_image AS n
FROM parallel p, serial s;
RESET ALL;

-- cancellation: a statement timeout stops the blocked products
CREATE TABLE big AS SELECT * FROM topembed.synthetic_pairs(30000, 64, 0.7, 2);
SET statement_timeout = '500ms';
SELECT topembed.retrieval(image, text) FROM big;
SELECT topembed.gap_shift(image, text) FROM big;
RESET statement_timeout;
DROP TABLE big;
DROP TABLE tiny, tiny_items, syn, shift, prompts, par, par_items, par_prompts, serial, parallel;
