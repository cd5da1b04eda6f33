#!/usr/bin/env bash
# Random SQL from sqlsmith against a database with topembed installed and
# embedding tables to draw on, as an unprivileged role with a statement
# timeout: whatever it generates, the server must not crash.  Prints TAP.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"
QUERIES=${TE_SQLSMITH_QUERIES:-3000}

if ! command -v sqlsmith >/dev/null; then
	echo "ok - # SKIP sqlsmith is not installed"
	exit 0
fi
te_cluster_start
trap te_cluster_stop EXIT

te_q -c "CREATE ROLE fuzzer LOGIN" -c "CREATE DATABASE fuzz OWNER fuzzer" >/dev/null
te_q -d fuzz -c "CREATE EXTENSION topembed" \
	-c "CREATE TABLE pairs AS SELECT * FROM topembed.synthetic_pairs(50, 8, 0.7, 1)" \
	-c "CREATE TABLE items AS SELECT pair_id, 'image'::text AS modality, image AS embedding, image::float8[] AS e8 FROM pairs" \
	-c "CREATE TABLE sketches AS SELECT topembed.moments(image) AS m, topembed.gap_state(image, text) AS g FROM pairs" \
	-c "CREATE TABLE diagrams AS SELECT topembed.persistence(image, 1, 'cosine') AS d FROM pairs" \
	-c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO fuzzer" \
	-c "GRANT USAGE ON SCHEMA topembed TO fuzzer" \
	-c "ALTER ROLE fuzzer SET statement_timeout = '2s'" >/dev/null \
	|| { te_notok "set-up of the fuzzing database"; exit 1; }

timeout 900 sqlsmith --target="host=$PGHOST port=$PGPORT dbname=fuzz user=fuzzer" \
	--seed=42 --max-queries="$QUERIES" --verbose >"$TE_PGDIR/sqlsmith.log" 2>&1
echo "# sqlsmith: $(grep -a 'error rate' "$TE_PGDIR/sqlsmith.log" | tail -n 1)"
if grep -q "terminated by signal\|PANIC:" "$TE_PGDIR/server.log"; then
	te_notok "a backend was killed by a signal during $QUERIES sqlsmith queries"
	grep -B2 "terminated by signal" "$TE_PGDIR/server.log" | head -n 10 | sed 's/^/#   /'
else
	te_ok "$QUERIES random sqlsmith queries over topembed's catalog and tables: no backend was killed by a signal"
fi
te_q -c "SELECT 1" >/dev/null && te_ok "the server answers after the run" || te_notok "the server does not answer"
exit $TE_FAILED
