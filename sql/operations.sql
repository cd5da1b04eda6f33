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
-- the previous run is stored with the run, and every drift row points to it
SELECT run_id, label, previous_run_id, previous_run(run_id) AS previous_run FROM runs ORDER BY run_id;
SELECT count(*) AS drift_rows_elsewhere FROM run_drift d WHERE d.previous_run_id IS DISTINCT FROM previous_run(d.run_id);
SELECT label, last_run_id FROM labels ORDER BY label;
-- the signed change: a rise is positive, a fall negative, a distance has none
SELECT metric, sign(signed_change) = sign(value - previous_value) AS sign_follows_values,
       abs(signed_change) = change AS same_size
FROM drift WHERE run_id = 5 AND modality = 'pair' ORDER BY metric;
SELECT count(*) AS distances_with_a_sign FROM drift
WHERE metric IN ('spectrum_tv', 'bottleneck_h0', 'bottleneck_h1') AND signed_change IS NOT NULL;
SELECT count(*) FILTER (WHERE signed_change > 0) > 0 AS some_rise, count(*) FILTER (WHERE signed_change < 0) > 0 AS some_fall
FROM drift WHERE run_id = 5;

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
-- image-text sources have a joint diagram; latest_metrics' h1 figures are its
SELECT l.label, l.h1_classes = d.h1_classes AS joint_h1, l.h1_total_persistence = d.h1_total_persistence AS joint_total,
       d.n_points
FROM latest_metrics l JOIN run_diagrams d ON d.run_id = l.run_id AND d.modality = 'joint' ORDER BY l.label;
SELECT label, h1_classes IS NOT NULL AS has_h1 FROM latest_metrics ORDER BY label;
-- run_detail: the spectrum and the diagram of each run and modality
SELECT modality, (spectrum).n, (spectrum).dim, cardinality(diagram) > 0 AS has_diagram,
       (spectrum).effective_rank = s.effective_rank AS same_rank
FROM run_detail d JOIN run_spectra s USING (run_id, modality) WHERE run_id = 1 ORDER BY modality;
SELECT length(topembed.diagram_svg(diagram, 'run 1')) > 1000 AS svg FROM run_detail WHERE run_id = 1 AND modality = 'joint';
SELECT count(*) = 3 * 16 AS spectrum_rows, min(k), max(k) FROM spectrum_history WHERE run_id = 1;
SELECT modality, value = (SELECT explained_variance_ratio[1] FROM run_spectra s WHERE s.run_id = 1 AND s.modality = h.modality) AS share
FROM metric_history h WHERE run_id = 1 AND metric = 'top_eigenvalue_share' ORDER BY modality;
SELECT modality, hdim, count(*) > 0 AS bars, count(*) FILTER (WHERE essential) AS essential,
       count(*) = (SELECT CASE hdim WHEN 0 THEN n_points ELSE h1_classes END FROM run_diagrams d
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
-- a modality value that matches no row lists the values there are
SELECT te_test.err($$SELECT snapshot('x', 'items_t', embedding_column => 'embedding', modality_column => 'modality', image_value => 'img')$$);
SELECT te_test.err($$SELECT snapshot('x', 'items_t', embedding_column => 'embedding', modality_column => 'modality', text_value => 'caption')$$);
-- any column that converts to text is a modality column: here an integer
SELECT snapshot('integer modality', 'items_t', embedding_column => 'embedding', modality_column => 'pair_id',
                image_value => '1', text_value => '2', sample => 4) > 0 AS integer_modality;
SELECT n_rows, n_image, n_text FROM runs WHERE label = 'integer modality';
SELECT te_test.err($$SELECT snapshot('x', 'items_t', embedding_column => 'embedding', modality_column => 'embedding')$$);
SELECT te_test.err($$SELECT snapshot('x', 'items_t', embedding_column => 'embedding', modality_column => 'modality', text_value => 'image')$$);
SELECT te_test.err($$SELECT snapshot('x', 'items_t', embedding_column => 'embedding', modality_column => 'modality', image_value => NULL)$$);
-- a modality that is there only with NULL embeddings, and a paired column that is NULL everywhere
CREATE TABLE nulls_t AS SELECT pair_id, image, NULL::real[] AS text, CASE WHEN pair_id % 2 = 0 THEN 'image' ELSE 'text' END AS modality,
                               CASE WHEN pair_id % 2 = 0 THEN image END AS embedding
FROM synthetic_pairs(40, 8, 0.8, 3);
SELECT te_test.err($$SELECT snapshot('x', 'nulls_t', image_column => 'image', text_column => 'text')$$);
SELECT te_test.err($$SELECT snapshot('x', 'nulls_t', embedding_column => 'embedding', modality_column => 'modality')$$);
SELECT count(*) AS runs_of_x FROM runs WHERE label = 'x';

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
                topembed.diagram_history, topembed.drift, topembed.drift_alerts, topembed.run_detail TO regress_te_reader;
GRANT SELECT ON pairs_t TO regress_te_reader;
GRANT USAGE ON SCHEMA te_test TO regress_te_reader;
SET ROLE regress_te_reader;
SELECT count(*) > 0 AS reads_latest FROM topembed.latest_metrics;
SELECT count(*) > 0 AS reads_history FROM topembed.metric_history;
SELECT count(*) > 0 AS reads_pictures FROM topembed.run_detail WHERE diagram IS NOT NULL;
SELECT te_test.err($$SELECT topembed.snapshot('reader', 'pairs_t', image_column => 'image', text_column => 'text')$$);
SELECT te_test.err($$DELETE FROM topembed.runs$$);
SELECT te_test.err($$UPDATE topembed.drift_thresholds SET threshold = 1$$);
SELECT te_test.err($$SELECT * FROM topembed.runs$$);
SELECT te_test.err($$SELECT * FROM topembed.run_diagrams$$);
SELECT te_test.err($$SELECT topembed.prune_history(interval '1 day')$$);
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

-- the source is locked (ACCESS SHARE, until commit) before it is read: a
-- view's underlying table too; a materialized view, which LOCK refuses, by a
-- query that reads nothing
CREATE VIEW pairs_v AS SELECT * FROM pairs_t;
CREATE MATERIALIZED VIEW pairs_m AS SELECT * FROM pairs_t;
BEGIN;
SELECT snapshot('locked view', 'pairs_v', image_column => 'image', text_column => 'text', sample => 50) > 0 AS view_source;
SELECT relation::regclass AS locked, mode FROM pg_locks
WHERE locktype = 'relation' AND pid = pg_backend_pid() AND relation IN ('pairs_v'::regclass, 'pairs_t'::regclass)
ORDER BY relation::regclass::text;
COMMIT;
BEGIN;
SELECT snapshot('locked matview', 'pairs_m', image_column => 'image', text_column => 'text', sample => 50) > 0 AS matview_source;
SELECT relation::regclass AS locked, mode FROM pg_locks
WHERE locktype = 'relation' AND pid = pg_backend_pid() AND relation = 'pairs_m'::regclass;
COMMIT;
DROP VIEW pairs_v;
DROP MATERIALIZED VIEW pairs_m;

-- identifiers and values with spaces, quotes and SQL in them are quoted, never pasted
CREATE SCHEMA "odd ""schema"" x";
CREATE TABLE "odd ""schema"" x"."t; DROP TABLE runs; --" AS
SELECT pair_id AS "id", image AS "image emb", text AS "text'); DROP TABLE pairs_t; --",
       CASE WHEN pair_id % 2 = 0 THEN 'it''s an "image"' ELSE 'text;--' END AS "mo""dality"
FROM synthetic_pairs(60, 8, 0.7, 5);
SELECT snapshot($$label'); DELETE FROM topembed.runs; --$$, '"odd ""schema"" x"."t; DROP TABLE runs; --"',
                image_column => 'image emb', text_column => $$text'); DROP TABLE pairs_t; --$$, sample => 30) > 0 AS quoted_paired;
SELECT snapshot('odd modality', '"odd ""schema"" x"."t; DROP TABLE runs; --"', embedding_column => 'image emb',
                modality_column => 'mo"dality', image_value => 'it''s an "image"', text_value => 'text;--', sample => 30) > 0 AS quoted_modality;
SELECT label, source, source_columns, n_image, n_text FROM runs WHERE label IN ($$label'); DELETE FROM topembed.runs; --$$, 'odd modality') ORDER BY label;
SELECT count(*) AS runs_kept FROM runs;
SELECT to_regclass('pairs_t') IS NOT NULL AS pairs_t_kept;

-- retention: prune_history drops the detail of old runs, keeps every scalar
SELECT snapshot('paired', 'pairs_t', image_column => 'image', text_column => 'text', sample => 200) AS run_latest;
UPDATE runs SET started_at = started_at - interval '100 days' WHERE label = 'paired' AND run_id < 9;
CREATE TEMP VIEW figures AS
SELECT 'history' AS view, run_id, modality, metric, value FROM metric_history
UNION ALL SELECT 'drift', run_id, modality, metric, change FROM drift
UNION ALL SELECT 'signed', run_id, modality, metric, signed_change FROM drift
UNION ALL SELECT 'latest', run_id, 'latest', 'h1_classes', h1_classes FROM latest_metrics;
CREATE TEMP TABLE before_prune AS SELECT * FROM figures;
SELECT view, count(*) AS figures, count(value) AS with_values FROM before_prune GROUP BY 1 ORDER BY 1;
SELECT prune_history(interval '30 days') AS pruned;
SELECT run_id, label, detail_pruned_at IS NOT NULL AS pruned FROM runs ORDER BY run_id;
SELECT s.run_id, count(*) FILTER (WHERE s.sketch IS NULL AND s.eigenvalues IS NULL AND s.explained_variance_ratio IS NULL) AS spectra_pruned,
       count(*) AS spectra
FROM run_spectra s JOIN runs r USING (run_id) WHERE r.label = 'paired' GROUP BY 1 ORDER BY 1;
SELECT d.run_id, count(*) FILTER (WHERE d.diagram IS NULL) AS diagrams_pruned, count(*) AS diagrams
FROM run_diagrams d JOIN runs r USING (run_id) WHERE r.label = 'paired' GROUP BY 1 ORDER BY 1;
SELECT run_id, state IS NULL AS state_pruned, gap_vector IS NULL AS vector_pruned, gap IS NOT NULL AS gap_kept
FROM run_gap JOIN runs USING (run_id) WHERE label = 'paired' ORDER BY run_id;
-- the views show the same scalars as before, for old and new runs alike
SELECT count(*) AS figures_before,
       count(*) FILTER (WHERE (b.value IS NULL AND a.value IS NULL) OR b.value = a.value) AS figures_unchanged
FROM before_prune b
LEFT JOIN figures a USING (view, run_id, modality, metric);
SELECT label, run_id FROM latest_metrics WHERE label = 'paired';
SELECT count(*) AS pruned_runs_in_spectrum_history FROM spectrum_history h JOIN runs r USING (run_id) WHERE r.detail_pruned_at IS NOT NULL;
SELECT count(*) AS pruned_runs_in_diagram_history FROM diagram_history h JOIN runs r USING (run_id) WHERE r.detail_pruned_at IS NOT NULL;
SELECT count(*) AS pruned_pictures FROM run_detail d JOIN runs r USING (run_id)
WHERE r.detail_pruned_at IS NOT NULL AND (d.spectrum IS NOT NULL OR d.diagram IS NOT NULL);
-- again: nothing more to do; a new run still compares fully with the kept latest one
SELECT prune_history(interval '30 days') AS pruned_again;
SELECT snapshot('paired', 'pairs_t', image_column => 'image', text_column => 'text', sample => 200) AS run_after_prune;
SELECT previous_run(run_after_prune) AS compared_with, count(*) AS drift_rows, count(d.change) AS with_values
FROM (SELECT max(run_id) AS run_after_prune FROM runs) x JOIN run_drift d ON d.run_id = x.run_after_prune GROUP BY 1;
SELECT te_test.err($$SELECT prune_history(interval '-1 day')$$);
SELECT te_test.err($$SELECT prune_history(NULL)$$);
-- interval '0' keeps only each label's latest run whole
SELECT prune_history(interval '0') > 0 AS pruned_all_but_latest;
SELECT label, count(*) FILTER (WHERE detail_pruned_at IS NULL) AS whole_runs FROM runs GROUP BY label ORDER BY label;

-- deleting runs deletes their rows everywhere (a trigger, not foreign keys,
-- so that pg_restore -j can load the detail tables in any order)
DELETE FROM runs WHERE run_id = 1;
SELECT (SELECT count(*) FROM run_gap WHERE run_id = 1) + (SELECT count(*) FROM run_spectra WHERE run_id = 1)
     + (SELECT count(*) FROM run_diagrams WHERE run_id = 1) + (SELECT count(*) FROM run_drift WHERE run_id = 1) AS leftovers;
CREATE TEMP TABLE doomed AS SELECT DISTINCT run_id FROM run_drift ORDER BY run_id LIMIT 2;
SELECT count(*) AS doomed_runs_with_drift FROM doomed;
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM doomed);
SELECT (SELECT count(*) FROM run_gap JOIN doomed USING (run_id)) + (SELECT count(*) FROM run_spectra JOIN doomed USING (run_id))
     + (SELECT count(*) FROM run_diagrams JOIN doomed USING (run_id)) + (SELECT count(*) FROM run_drift JOIN doomed USING (run_id))
     AS leftovers_of_two;
DROP TABLE doomed;
SELECT count(*) > 0 AS other_runs_kept FROM run_spectra;
-- the detail tables have no foreign key to runs
SELECT count(*) AS foreign_keys FROM pg_constraint WHERE contype = 'f' AND connamespace = 'topembed'::regnamespace;
-- truncating runs truncates the detail
TRUNCATE runs;
SELECT (SELECT count(*) FROM run_gap) + (SELECT count(*) FROM run_spectra) + (SELECT count(*) FROM run_diagrams)
     + (SELECT count(*) FROM run_drift) AS detail_after_truncate;

DELETE FROM drift_thresholds;
DROP TABLE pairs_t, items_t, single_t, empty_t, nulls_t;
DROP SCHEMA "odd ""schema"" x" CASCADE;
TRUNCATE labels;
