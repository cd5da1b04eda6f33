#!/usr/bin/env bash
# pg_dump of a database with history, sketches and diagrams, restored with
# pg_restore into a new cluster: see test/fault/restore.py.  Two clusters of
# their own.  Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"

te_cluster_start
SRC_DIR=$TE_PGDIR SRC_PGHOST=$PGHOST SRC_PGPORT=$PGPORT
te_cluster_start
DST_DIR=$TE_PGDIR DST_PGHOST=$PGHOST DST_PGPORT=$PGPORT
stop_both() {
	TE_PGDIR=$DST_DIR te_cluster_stop
	TE_PGDIR=$SRC_DIR te_cluster_stop
}
trap stop_both EXIT
export SRC_PGHOST SRC_PGPORT DST_PGHOST DST_PGPORT TE_PGBIN
"$TE_PY" "$TE_ROOT/test/fault/restore.py" || TE_FAILED=1
if grep -q "terminated by signal\|PANIC:" "$SRC_DIR/server.log" "$DST_DIR/server.log"; then
	te_notok "a backend was killed by a signal during the dump and restore"
else
	te_ok "no backend was killed by a signal in either cluster"
fi
exit $TE_FAILED
