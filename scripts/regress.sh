#!/usr/bin/env bash
# run the pg_regress suite and print one TAP line per test
set -u
source "$(dirname "$0")/lib.sh"
cd "$TE_ROOT"
mkdir -p build/regress
make -s PG_CONFIG="$TE_PGBIN/pg_config" installcheck >build/regress/installcheck.log 2>&1
rc=$?
# PostgreSQL 15 prints "test name ... ok"; 16+ prints TAP "ok 1 - name"
sed -n -E 's/^(test| ) *([a-z_0-9]+) +\.\.\. +(ok|FAILED|failed).*/\3 \2/p; s/^(not ok|ok) [0-9]+ +[-+] +([a-z_0-9]+).*/\1 \2/p' build/regress/installcheck.log |
while read -r status name; do
	case $status in
		ok) echo "ok - $name" ;;
		*) echo "not ok - $name" ;;
	esac
done
if [ $rc -ne 0 ]; then
	[ -f build/regress/regression.diffs ] && head -n 80 build/regress/regression.diffs
	tail -n 20 build/regress/installcheck.log
fi
exit $rc
