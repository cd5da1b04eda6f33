-- Operations: snapshots into history tables, flat views, drift, roles
SET search_path = public, topembed;
SET extra_float_digits = 0;

-- the three table shapes
CREATE TABLE pairs_t AS SELECT pair_id, image, text FROM synthetic_pairs(400, 16, 0.8, 1);
CREATE TABLE items_t AS
SELECT pair_id, m.modality, CASE m.modality WHEN 'image' THEN image ELSE text END AS embedding
FROM synthetic_pairs(400, 16, 0.8, 1), (VALUES ('image'), ('text')) m(modality);
CREATE TABLE single_t AS SELECT pair_id, image::float8[] AS embedding FROM synthetic_pairs(300, 16, 0.5, 2);

SELECT snapshot('paired', 'pairs_t', image_column => 'image', text_column => 'text', sample => 200) AS run_paired;
SELECT snapshot('modality', 'items_t', embedding_column => 'embedding', modality_column => 'modality', sample => 200)
    AS run_modality;
SELECT snapshot('single', 'single_t', embedding_column => 'embedding', sample => 200, max_dim => 1, metric => 'angular')
    AS run_single;

SELECT run_id, label, source, source_shape, source_columns, n_rows, n_image, n_text, dim,
       sample_size, max_dim, metric, extension_version,
       finished_at >= started_at AS timed, total_ms >= scan_ms AS total_covers_phases
FROM runs ORDER BY run_id;

-- the paired and the one-per-row shapes see the same embeddings
SELECT a.gap = b.gap AS same_gap, a.image_cone = b.image_cone AS same_cone,
       a.n_pairs AS paired_pairs, b.n_pairs IS NULL AS modality_form_has_no_pairs
FROM run_gap a, run_gap b WHERE a.run_id = 1 AND b.run_id = 2;
SELECT abs(g.gap - (SELECT (modality_gap(image, text)).gap FROM pairs_t)) < 1e-12 AS gap_matches_aggregate
FROM run_gap g WHERE run_id = 1;
SELECT run_id, modality, n, dim, round(effective_rank::numeric, 6) AS effective_rank, dims_99
FROM run_spectra ORDER BY run_id, modality;
SELECT run_id, modality, n_points, h1_classes > 0 AS has_h1,
       h0_total_persistence > 0 AS has_h0_total
FROM run_diagrams ORDER BY run_id, modality;
-- the stored sketches roll up: two runs' image sketches merge
SELECT n(moments(sketch)) FROM run_spectra WHERE modality = 'image' AND run_id IN (1, 2);
-- and the stored gap states do too
SELECT (modality_gap(state)).n_pairs FROM run_gap WHERE n_pairs IS NOT NULL;

-- the same label again: drift against the previous run
SELECT snapshot('paired', 'pairs_t', image_column => 'image', text_column => 'text', sample => 200) AS run_again;
SELECT modality, metric, change, threshold, flagged FROM drift WHERE run_id = 4 ORDER BY modality, metric;
-- thresholds can be overridden per label or for all labels
INSERT INTO drift_thresholds (label, metric, threshold) VALUES ('*', 'gap', 0.5), ('paired', 'gap', 0.0);
UPDATE pairs_t SET image = s.image FROM synthetic_pairs(400, 16, 1.5, 9) s WHERE s.pair_id = pairs_t.pair_id;
SELECT snapshot('paired', 'pairs_t', image_column => 'image', text_column => 'text', sample => 200) AS run_shifted;
SELECT metric, round(change::numeric, 3) > 0 AS changed, threshold, flagged
FROM drift WHERE run_id = 5 AND modality = 'pair' ORDER BY metric;
SELECT count(*) > 0 AS alerts FROM drift_alerts WHERE run_id = 5;
SELECT modality, metric FROM compare_runs(1, 1) WHERE change <> 0;
SELECT previous_run(5), previous_run(1) IS NULL AS first_has_none;

-- the BI views: plain scalar columns only
SELECT c.table_name, count(*) AS columns,
       count(*) FILTER (WHERE c.data_type IN ('ARRAY', 'USER-DEFINED', 'record', 'jsonb', 'json')) AS non_scalar
FROM information_schema.columns c
WHERE c.table_schema = 'topembed'
  AND c.table_name IN ('metric_history', 'latest_metrics', 'spectrum_history', 'diagram_history', 'drift', 'drift_alerts')
GROUP BY c.table_name ORDER BY c.table_name;
SELECT label, run_id, n_rows, round(gap::numeric, 4) AS gap, image_effective_rank IS NOT NULL AS per_modality,
       effective_rank IS NOT NULL AS overall, drift_flags >= 0 AS flags
FROM latest_metrics ORDER BY label;
SELECT modality, metric FROM metric_history WHERE run_id = 1 ORDER BY modality, metric;
SELECT count(*) = 3 * 16 AS spectrum_rows, min(k), max(k) FROM spectrum_history WHERE run_id = 1;
SELECT modality, dim, count(*) > 0 AS bars, count(*) FILTER (WHERE essential) AS essential,
       count(*) = (SELECT CASE dim WHEN 0 THEN n_points ELSE h1_classes END FROM run_diagrams d
                   WHERE d.run_id = 1 AND d.modality = h.modality) AS counts_match
FROM diagram_history h WHERE run_id = 1 GROUP BY 1, 2 ORDER BY 1, 2;

-- bad sources and arguments: clear errors
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t')$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'image')$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'image', text_column => 'nope')$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'pair_id', text_column => 'text')$$);
SELECT te_test.err($$SELECT snapshot('x', 'no_such_table', embedding_column => 'e')$$);
SELECT te_test.err($$SELECT snapshot('', 'pairs_t', image_column => 'image', text_column => 'text')$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'image', text_column => 'text', sample => 1)$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'image', text_column => 'text', metric => 'l1')$$);
SELECT te_test.err($$SELECT snapshot('x', 'pairs_t', image_column => 'image', text_column => 'text', max_dim => 5)$$);
CREATE TABLE empty_t (e real[]);
SELECT te_test.err($$SELECT snapshot('x', 'empty_t', embedding_column => 'e')$$);

-- a failed snapshot leaves no half-written run
SELECT count(*) AS runs_before FROM runs;
INSERT INTO pairs_t VALUES (999, '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}', (SELECT text FROM pairs_t LIMIT 1));
SELECT te_test.err($$SELECT snapshot('broken', 'pairs_t', image_column => 'image', text_column => 'text')$$);
SELECT count(*) AS runs_after, count(*) FILTER (WHERE label = 'broken') AS broken_runs FROM runs;
SELECT (SELECT count(*) FROM run_gap) = (SELECT count(*) FROM runs WHERE source_shape <> 'single') AS no_orphans;
DELETE FROM pairs_t WHERE pair_id = 999;

-- a read-only role reads the views but cannot snapshot or change history
CREATE ROLE regress_te_reader;
GRANT USAGE ON SCHEMA topembed TO regress_te_reader;
GRANT SELECT ON topembed.metric_history, topembed.latest_metrics, topembed.spectrum_history,
                topembed.diagram_history, topembed.drift, topembed.drift_alerts TO regress_te_reader;
GRANT SELECT ON pairs_t TO regress_te_reader;
GRANT USAGE ON SCHEMA te_test TO regress_te_reader;
SET ROLE regress_te_reader;
SELECT count(*) > 0 AS reads_latest FROM topembed.latest_metrics;
SELECT count(*) > 0 AS reads_history FROM topembed.metric_history;
SELECT te_test.err($$SELECT topembed.snapshot('reader', 'pairs_t', image_column => 'image', text_column => 'text')$$);
SELECT te_test.err($$DELETE FROM topembed.runs$$);
SELECT te_test.err($$UPDATE topembed.drift_thresholds SET threshold = 1$$);
SELECT te_test.err($$SELECT * FROM topembed.runs$$);
RESET ROLE;
REVOKE ALL ON ALL TABLES IN SCHEMA topembed FROM regress_te_reader;
REVOKE ALL ON SCHEMA topembed FROM regress_te_reader;
REVOKE ALL ON pairs_t FROM regress_te_reader;
REVOKE ALL ON SCHEMA te_test FROM regress_te_reader;
DROP ROLE regress_te_reader;

-- nothing runs as SECURITY DEFINER, and every SQL or PL/pgSQL function pins its search_path
SELECT count(*) AS security_definer FROM pg_proc WHERE pronamespace = 'topembed'::regnamespace AND prosecdef;
SELECT p.proname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'topembed'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
  AND NOT coalesce(p.proconfig::text LIKE '%search_path%', false);

-- deleting a run deletes its rows everywhere
DELETE FROM runs WHERE run_id = 1;
SELECT (SELECT count(*) FROM run_gap WHERE run_id = 1) + (SELECT count(*) FROM run_spectra WHERE run_id = 1)
     + (SELECT count(*) FROM run_diagrams WHERE run_id = 1) AS leftovers;

TRUNCATE runs CASCADE;
DELETE FROM drift_thresholds;
DROP TABLE pairs_t, items_t, single_t, empty_t;
