#!/usr/bin/env bash
# make bench [BENCH=name]: build, install, start a throwaway cluster and run
# the benchmarks (bench/<name>.py; all of them by default) side by side with
# their baselines.  Timings are wall-clock medians; the machine is shared and
# noisy, so read the ratios.
set -eu
source "$(dirname "$0")/../scripts/lib.sh"
cd "$TE_ROOT"
te_deps $TE_PKGS_BENCH
te_build
make -s -C "$TE_ROOT" unit >/dev/null || te_die "building the core tools failed"
export TE_BUILD=$TE_ROOT/build
te_cluster_start "shared_buffers = 2GB" "max_parallel_workers_per_gather = 2" "work_mem = 256MB"
trap te_cluster_stop EXIT
te_psql -c "CREATE EXTENSION topembed" >/dev/null
names=${*:-$(ls bench/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -v '^benchlib$')}
for b in $names; do
	te_log "benchmark: $b"
	"$TE_PY" "bench/$b.py"
done
