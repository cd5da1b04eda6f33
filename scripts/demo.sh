#!/usr/bin/env bash
# make demo [DATA=pairs.csv]: install what is missing, build and install
# topembed, start a throwaway PostgreSQL, load embeddings and print a health
# report.  Without DATA the embeddings come from topembed.synthetic_pairs.
# A CSV has columns pair_id, modality ('image' or 'text'), embedding (an
# array literal) and optionally a first column model, as in ../shared/data.
#
#   TE_KEEP=1     (make demo KEEP=1) leave the cluster running and print how
#                 to connect to it and how to stop it
#   TE_REPORT=... where report.html goes (default: the checkout)
set -eu
source "$(dirname "$0")/lib.sh"
cd "$TE_ROOT"
DATA=${1:-}
if [ -n "$DATA" ]; then
	[ -r "$DATA" ] || te_die "cannot read DATA=$DATA"
	DATA=$(cd "$(dirname "$DATA")" && pwd)/$(basename "$DATA")
fi

REPORT=${TE_REPORT:-$TE_ROOT/report.html}
KEEP=${TE_KEEP:-}
case $KEEP in 0 | no | false) KEEP= ;; esac

te_deps $TE_PKGS_BUILD
te_build
te_cluster_start
if [ -n "$KEEP" ]; then
	# stop it only when the demo itself fails
	trap 'rc=$?; [ $rc -eq 0 ] || te_cluster_stop; exit $rc' EXIT
else
	trap te_cluster_stop EXIT
fi

te_psql -c "CREATE EXTENSION topembed" \
	-c "CREATE TABLE embeddings (model text, pair_id int, modality text, embedding real[])" \
	-c "ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE EXTERNAL"

if [ -z "$DATA" ]; then
	te_log "loading 1000 synthetic CLIP-like pairs (512-d, gap 0.8, seed 42)"
	te_psql -c "INSERT INTO embeddings
		SELECT 'synthetic', pair_id, m.modality, CASE m.modality WHEN 'image' THEN image ELSE text END
		FROM topembed.synthetic_pairs(1000, 512, 0.8, 42) CROSS JOIN (VALUES ('image'), ('text')) m(modality)"
else
	header=$(head -n 1 "$DATA" | tr -d '\r')
	case "$header" in
		model,pair_id,modality,embedding) cols="model, pair_id, modality, embedding" ;;
		pair_id,modality,embedding) cols="pair_id, modality, embedding" ;;
		*) te_die "$DATA: expected the header 'pair_id,modality,embedding' or 'model,pair_id,modality,embedding', not '$header'" ;;
	esac
	te_log "loading $DATA"
	te_psql -c "\\copy embeddings($cols) FROM pstdin CSV HEADER" <"$DATA"
	te_psql -c "UPDATE embeddings SET model = $(printf "'%s'" "$(basename "$DATA" .csv | sed "s/'/''/g")") WHERE model IS NULL"
	bad=$(te_psql -At -c "SELECT count(*) FROM embeddings WHERE modality NOT IN ('image', 'text')")
	[ "$bad" -eq 0 ] || te_die "$bad rows have a modality other than 'image' or 'text'"
fi
te_psql -c "VACUUM ANALYZE embeddings" >/dev/null

te_psql -f scripts/demo_report.sql
te_log "writing report.html"
te_psql -At -f scripts/demo_html.sql -o "$REPORT.tmp" || te_die "writing report.html failed"
mv "$REPORT.tmp" "$REPORT"
te_log "wrote $REPORT: gaps, spectra, persistence diagrams and their distances; open it in a browser"

if [ -n "$KEEP" ]; then
	echo
	echo "The demo's PostgreSQL keeps running (table embeddings, extension topembed). Connect with:"
	echo "  $TE_PGBIN/psql -h $PGHOST -p $PGPORT -U $PGUSER $PGDATABASE"
	echo "Stop it and remove its files with:"
	echo "  $(te_stop_command)"
fi
