#!/usr/bin/env bash
# Scheduled snapshots under real pg_cron: a cluster with pg_cron (and
# topembed) preloaded schedules a snapshot every minute and waits, at most
# 90 s, for cron.job_run_details to report success; then the run must be in
# the history and the views.  Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"


# wait_job JOB: wait at most 90 s for a finished run of a cron job; sets
# status (succeeded, failed or empty) and waited (seconds)
wait_job() {
	status=
	for waited in $(seq 1 90); do
		status=$(te_q -c "SELECT status FROM cron.job_run_details WHERE jobid = $1 AND status IN ('succeeded', 'failed') ORDER BY start_time DESC LIMIT 1")
		[ -n "$status" ] && break
		sleep 1
	done
}

te_cluster_start "shared_preload_libraries = 'pg_cron,topembed'" \
	"cron.database_name = 'postgres'" "cron.use_background_workers = on" "max_worker_processes = 32"
trap te_cluster_stop EXIT

te_q -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION topembed" \
	-c "CREATE TABLE cron_pairs AS SELECT * FROM topembed.synthetic_pairs(500, 32, 0.7, 3)" \
	&& te_ok "pg_cron and topembed preloaded together; extensions created" \
	|| { te_notok "set-up of the pg_cron cluster"; exit 1; }

# topembed preloaded in the postmaster: a backend forked afterwards still
# runs BLAS work (the eigen-solve and the distance blocks)
v=$(te_q -c "SELECT round((topembed.spectral_collapse(image)).effective_rank::numeric, 3) FROM cron_pairs")
[ -n "$v" ] && te_ok "BLAS work in a backend forked from a postmaster that preloaded topembed (effective rank $v)" \
	|| te_notok "BLAS work after preloading"

job=$(te_q -c "SELECT cron.schedule('topembed-snapshot', '* * * * *',
	\$\$SELECT topembed.snapshot('cron', 'public.cron_pairs', image_column => 'image', text_column => 'text', sample => 200)\$\$)")
[ -n "$job" ] && te_ok "cron.schedule accepted the snapshot job ($job)" || te_notok "cron.schedule"

wait_job "$job"
if [ "$status" = succeeded ]; then
	te_ok "cron.job_run_details reports the snapshot succeeded within $waited s"
else
	te_notok "the cron job did not succeed within 90 s (status '${status:-none}')"
	te_q -c "SELECT status, return_message FROM cron.job_run_details WHERE jobid = $job" | sed 's/^/#   /'
fi
te_q -c "SELECT cron.unschedule($job)" >/dev/null

n=$(te_q -c "SELECT count(*) FROM topembed.runs WHERE label = 'cron'")
[ "${n:-0}" -ge 1 ] && te_ok "the scheduled run is in topembed.runs" || te_notok "no cron run in topembed.runs"
v=$(te_q -c "SELECT round(gap::numeric, 4) FROM topembed.latest_metrics WHERE label = 'cron'")
[ -n "$v" ] && te_ok "topembed.latest_metrics shows the scheduled run (gap $v)" || te_notok "latest_metrics lacks the cron run"
m=$(te_q -c "SELECT count(*) FROM topembed.metric_history WHERE label = 'cron'")
[ "${m:-0}" -gt 20 ] && te_ok "topembed.metric_history has the run's $m figures" || te_notok "metric_history lacks the cron run"
d=$(te_q -c "SELECT count(*) FROM topembed.diagram_history WHERE label = 'cron' AND hdim = 1")
[ "${d:-0}" -gt 0 ] && te_ok "topembed.diagram_history has its H1 bars ($d)" || te_notok "diagram_history lacks the cron run"

# retention as docs/cron.md schedules it: prune_history in a cron job drops
# the detail of every run but the label's latest
te_q -c "SELECT topembed.snapshot('cron', 'public.cron_pairs', image_column => 'image', text_column => 'text', sample => 200)" >/dev/null
job=$(te_q -c "SELECT cron.schedule('topembed-prune', '* * * * *', \$\$SELECT topembed.prune_history(interval '0')\$\$)")
wait_job "$job"
te_q -c "SELECT cron.unschedule($job)" >/dev/null
[ "$status" = succeeded ] && te_ok "the scheduled prune_history job succeeded within $waited s" \
	|| te_notok "the prune_history job did not succeed within 90 s (status '${status:-none}')"
r=$(te_q -c "SELECT count(*) FILTER (WHERE detail_pruned_at IS NOT NULL) || ' ' || count(*) || ' ' ||
	(SELECT detail_pruned_at IS NULL FROM topembed.runs WHERE label = 'cron' ORDER BY run_id DESC LIMIT 1)
	FROM topembed.runs WHERE label = 'cron'")
set -- $r
[ "$1" -ge 1 ] && [ "$1" -eq $(($2 - 1)) ] && [ "$3" = true ] \
	&& te_ok "prune_history pruned $1 of the $2 cron runs, all but the latest" \
	|| te_notok "prune_history under cron: pruned/runs/latest kept = $r"
exit $TE_FAILED
