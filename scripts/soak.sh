#!/usr/bin/env bash
# make soak: install what is missing, build, install, start a throwaway
# cluster and run the mixed workload of test/soak/soak.py for SOAK_MINUTES
# (default 10).  Exit status non-zero on a backend death, an unexpected error
# class or a broken history.
set -u
source "$(dirname "$0")/lib.sh"
cd "$TE_ROOT"
export SOAK_MINUTES=${SOAK_MINUTES:-10}

te_deps $TE_PKGS_TEST
te_build
te_cluster_start "max_connections = 50"
trap te_cluster_stop EXIT
"$TE_PY" "$TE_ROOT/test/soak/soak.py"
rc=$?
if grep -q "terminated by signal\|PANIC:" "$TE_PGDIR/server.log"; then
	echo "the server log reports a backend killed by a signal:"
	grep -B3 "terminated by signal\|PANIC:" "$TE_PGDIR/server.log" | head -n 20
	rc=1
fi
exit $rc
