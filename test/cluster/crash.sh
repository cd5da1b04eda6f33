#!/usr/bin/env bash
# Crashes in the middle of a snapshot (kill -9 of its backend, an immediate
# server stop), each followed by a check of the whole history: see
# test/fault/crash.py.  Its own cluster, with commits that must be durable,
# so that the deliberate kills stay out of the main cluster's log.
# Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"

te_cluster_start "synchronous_commit = on" "fsync = on" "restart_after_crash = on"
trap te_cluster_stop EXIT
export TE_PGBIN
"$TE_PY" "$TE_ROOT/test/fault/crash.py" || TE_FAILED=1
# the crashes were ours; any other signal or a PANIC is not
others=$(grep "terminated by signal\|PANIC:" "$TE_PGDIR/server.log" | grep -v "terminated by signal 9: Killed")
[ -z "$others" ] && te_ok "no backend died of anything but the deliberate kills" ||
	{ te_notok "unexpected deaths in the server log"; echo "$others" | head -n 10 | sed 's/^/#   /'; }
exit $TE_FAILED
