#!/usr/bin/env bash
# make test: install what is missing, build, install, start a throwaway
# cluster, run every suite, print "N passed, N failed", exit non-zero on any
# failure.  Suites print TAP-style lines ("ok - name" / "not ok - name").
set -u
source "$(dirname "$0")/lib.sh"
cd "$TE_ROOT"

LOG_DIR=$TE_ROOT/build/test-logs
RESULTS=$LOG_DIR/results.tap
export TE_BUILD=$TE_ROOT/build

record() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# run_suite NAME CMD...: run a suite, keep its TAP lines, and count a crash
# or a non-zero exit without any "not ok" line as a failure of its own
run_suite() {
	local name=$1; shift
	local out=$LOG_DIR/$name.log rc
	te_log "suite: $name"
	"$@" >"$out" 2>&1
	rc=$?
	grep -E "^(not )?ok( [0-9]+)? - " "$out" | sed -E "s/^(not ok|ok)( [0-9]+)? - /\1 - [$name] /" | tee -a "$RESULTS"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
		record "not ok - [$name] exited with status $rc (see build/test-logs/$name.log)"
	fi
	if [ $rc -ne 0 ]; then
		echo "---- last lines of $name.log ----"; tail -n 30 "$out"; echo "----"
	fi
}

te_deps $TE_PKGS_TEST

# the build must be free of warnings under -Wall -Wextra
te_log "building topembed (checking for warnings)"
make -s clean >/dev/null 2>&1
mkdir -p "$LOG_DIR" "$TE_ROOT/build/regress"
: >"$RESULTS"
if make PG_CONFIG="$TE_PGBIN/pg_config" all >"$LOG_DIR/build.log" 2>&1; then
	if grep -q 'warning:' "$LOG_DIR/build.log"; then
		record "not ok - [build] compiler warnings (see build/test-logs/build.log)"
		grep 'warning:' "$LOG_DIR/build.log" | head
	else
		record "ok - [build] extension builds without warnings under -Wall -Wextra"
	fi
else
	record "not ok - [build] the extension does not build"
	tail -n 40 "$LOG_DIR/build.log"
	echo "0 passed, 1 failed"; exit 1
fi
make -s PG_CONFIG="$TE_PGBIN/pg_config" install >/dev/null || te_die "install failed"
if make -s PG_CONFIG="$TE_PGBIN/pg_config" unit >"$LOG_DIR/unit-build.log" 2>&1 && ! grep -q 'warning:' "$LOG_DIR/unit-build.log"; then
	record "ok - [build] core unit tests and tools build without warnings (linked with the extension's own core objects)"
else
	record "not ok - [build] core unit tests and tools (see build/test-logs/unit-build.log)"
fi

# core unit tests: no server needed
for t in build/unit/test_*; do
	[ -x "$t" ] && run_suite "unit:$(basename "$t")" "$t"
done
# and again under valgrind's memcheck (make unit-valgrind): an invalid
# access or a lost block fails the suite.  Every suite runs, in the
# reduced-size mode (TE_UNIT_REDUCED=1, test/unit/unit.h): the big tests
# take smaller inputs, still above the core's blocks (DIST_BLOCK,
# COL_BLOCK, the eigen-solver's panels), so each suite takes at most about
# two minutes under valgrind; interrupt-latency bounds are scaled for
# valgrind's slowdown (TE_UNIT_SLOW=50).
for t in build/unit/test_*; do
	[ -x "$t" ] && run_suite "valgrind:$(basename "$t")" \
		env TE_UNIT_SLOW=50 TE_UNIT_REDUCED=1 make -s --no-print-directory PG_CONFIG="$TE_PGBIN/pg_config" unit-valgrind TE_UNIT_VALGRIND="$t"
done

te_cluster_start
trap te_cluster_stop EXIT

# pg_regress
run_suite regress bash scripts/regress.sh

# cross-checks and cluster-level tests; each file is one suite
for t in test/check/*.py; do
	case $t in *lib.py) continue ;; esac
	[ -f "$t" ] && run_suite "check:$(basename "$t" .py)" "$TE_PY" "$t"
done
for t in test/check/*.sh test/cluster/*.sh; do
	[ -f "$t" ] && run_suite "$(basename "$(dirname "$t")"):$(basename "$t" .sh)" bash "$t"
done

# the whole run, witnessed by the server log: no backend died of a signal
if grep -q "terminated by signal\|PANIC:" "$TE_PGDIR/server.log"; then
	record "not ok - [server] a backend was killed by a signal during the tests (see the server log)"
	grep -B3 "terminated by signal" "$TE_PGDIR/server.log" | head -n 20
else
	record "ok - [server] no backend was killed by a signal during the tests"
fi

passed=$(grep -c '^ok' "$RESULTS")
failed=$(grep -c '^not ok' "$RESULTS")
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
