#!/usr/bin/env bash
# Concurrent writers for a bounded time, while a source is dropped and
# recreated, then a check of the whole history: see test/fault/writers.py.
# Its own cluster.  Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"

te_cluster_start "max_connections = 40"
trap te_cluster_stop EXIT
"$TE_PY" "$TE_ROOT/test/fault/writers.py" || TE_FAILED=1
if grep -q "terminated by signal\|PANIC:" "$TE_PGDIR/server.log"; then
	te_notok "a backend was killed by a signal during the concurrent snapshots"
	grep -B3 "terminated by signal\|PANIC:" "$TE_PGDIR/server.log" | head -n 20 | sed 's/^/#   /'
else
	te_ok "no backend was killed by a signal during the concurrent snapshots"
fi
exit $TE_FAILED
