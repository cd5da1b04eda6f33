#!/usr/bin/env bash
# demo.sh - make demo tells the whole story: on the synthetic default and on
# the five-model CSV of ../shared/data it prints every section (gap, cone,
# alignment explained, spectrum, topology, distances), writes report.html,
# stops its cluster, and with KEEP=1 leaves the cluster running with a psql
# line that connects as printed.  README's demo excerpt must be what the
# demo prints.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$TE_ROOT"
WORK=$(mktemp -d /tmp/te_demo_check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# has FILE TEXT NAME: TEXT occurs in FILE
has() {
	if grep -qF -- "$2" "$1"; then te_ok "$3"; else te_notok "$3 (no '$2' in the output)"; fi
}

# the sections every demo prints
sections() {
	local out=$1 what=$2 s
	for s in "## Data" "## Modality gap" "   gap: distance between" "   cone: mean cosine" \
		"   alignment: mean squared distance" "## Spectrum" "effective_rank" "rankme" "dims_99" \
		"## Topology" "h0_bars" "h1_bars" "longest_h0" "longest_h1" "h1_entropy" \
		"## Distances between the diagrams" "image against text"; do
		has "$out" "$s" "demo ($what) prints '${s# *}'"
	done
}

# the synthetic default, with KEEP=1
out=$WORK/synthetic.out
if TE_KEEP=1 TE_REPORT="$WORK/synthetic.html" bash scripts/demo.sh >"$out" 2>&1; then
	te_ok "make demo KEEP=1 runs on the synthetic default"
else
	te_notok "make demo KEEP=1 runs on the synthetic default (see below)"
	tail -n 30 "$out"
fi
sections "$out" synthetic
has "$out" " synthetic | image    |    1000 |" "the synthetic demo's topology counts 1000 H0 bars of 1000 points"
grep -q '<svg' "$WORK/synthetic.html" 2>/dev/null && te_ok "the synthetic demo writes report.html with pictures" \
	|| te_notok "the synthetic demo writes report.html with pictures"
connect=$(grep -E '^  .*/psql -h ' "$out" | sed 's/^  //')
stop=$(grep -E '^  .*pg_ctl -D ' "$out" | sed 's/^  //')
if [ -n "$connect" ] && [ -n "$stop" ]; then
	te_ok "KEEP=1 prints how to connect and how to stop"
	n=$(eval "$connect -X -At -c 'SELECT count(*) FROM embeddings'" 2>&1)
	[ "$n" = 2000 ] && te_ok "the printed psql line connects to the kept cluster (2000 embeddings)" \
		|| te_notok "the printed psql line connects to the kept cluster: $n"
	dir=$(echo "$stop" | sed -E 's/.*rm -rf ([^ ]+).*/\1/')
	if eval "$stop" >/dev/null 2>&1 && [ ! -e "$dir" ]; then
		te_ok "the printed stop command stops the cluster and removes its files"
	else
		te_notok "the printed stop command stops the cluster and removes its files"
		[ -d "$dir/data" ] && te_as_owner "$TE_PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
	fi
else
	te_notok "KEEP=1 prints how to connect and how to stop"
fi

# the five models of the shared data, without KEEP
csv=$TE_DATA/mscoco100_clip_vs_cloob.csv
if [ ! -r "$csv" ]; then
	te_ok "# SKIP the five-model demo: $csv is absent (the shared data sits beside the checkout)"
	exit $TE_FAILED
fi
out=$WORK/five.out
if TE_REPORT="$WORK/five.html" bash scripts/demo.sh "$csv" >"$out" 2>&1; then
	te_ok "make demo DATA=mscoco100_clip_vs_cloob.csv runs"
else
	te_notok "make demo DATA=mscoco100_clip_vs_cloob.csv runs (see below)"
	tail -n 30 "$out"
fi
sections "$out" "five models"
for m in "between models, image diagrams" "between models, text diagrams"; do
	has "$out" "$m" "the five-model demo prints the matrix '$m'"
done
header=$(grep -E '^ +image +\| +CLIP +\| +CLOOB +\| +CLOOB_LAION400M +\| +CyCLIP +\| +ImageBind *$' "$out")
[ -n "$header" ] && te_ok "the image matrix has a column per model" || te_notok "the image matrix has a column per model"
rows=$(grep -cE '^ (CLIP|CLOOB|CLOOB_LAION400M|CyCLIP|ImageBind) +\| ([0-9.]+ / [0-9.]+|·) +\|' "$out")
[ "$rows" -eq 10 ] && te_ok "the two matrices have a row per model (10 rows, cells 'H0 / H1')" \
	|| te_notok "the two matrices have a row per model: $rows rows"
dir=$(sed -n -E 's/.*PostgreSQL [0-9]+ is running in ([^ ]+) .*/\1/p' "$out" | head -1)
[ -n "$dir" ] && [ ! -e "$dir" ] && te_ok "without KEEP the demo stops and removes its cluster" \
	|| te_notok "without KEEP the demo stops and removes its cluster ($dir)"

# README's excerpt of the demo's output: every line of it is a line the demo prints
"$TE_PY" - "$TE_ROOT/README.md" "$out" <<'EOF'
import re, sys
readme = open(sys.argv[1]).read()
out = [l.rstrip() for l in open(sys.argv[2])]
m = re.search(r"<!-- demo output: make demo DATA=\S+ -->\n```\n(.*?)```", readme, re.S)
if m is None:
    print("not ok - README has the demo excerpt (marked <!-- demo output: ... -->)")
    sys.exit(1)
lines = [l.rstrip() for l in m.group(1).splitlines() if l.strip() and l.strip() != "…"]
missing = [l for l in lines if l not in out]
if missing or not lines:
    print("not ok - README's demo excerpt (%d lines) is what make demo prints" % len(lines))
    for l in missing:
        print("#   not printed: " + l)
    sys.exit(1)
print("ok - README's demo excerpt (%d lines) is what make demo prints" % len(lines))
EOF
[ $? -eq 0 ] || TE_FAILED=1
exit $TE_FAILED
