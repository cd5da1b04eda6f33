#!/usr/bin/env bash
# bench/rips_core.sh - the Rips engine's CLI (te_rips) against Debian's ripser
#
#   bash bench/rips_core.sh [runs]        (default 5 runs per tool and case)
#
# Environment: TE_BUILD (default build; relative to the project root),
# TE_DATA (default <root>/../shared/data), TE_BENCH_H0=0 to skip the large
# H0 timings.
#
# For each case both tools read the same text file; the runs alternate
# (ripser, te_rips, ripser, ...) so that load on a shared machine hits both
# alike.  Reported: the median wall time and the median peak resident set
# (max RSS) of each tool, from /usr/bin/time -f %e,%M, and the time ratio
# te_rips / ripser.  te_rips runs OpenBLAS with one thread, as a PostgreSQL
# backend does.  Point clouds are extracted from the CSV into a temporary
# directory, never into the project.
set -euo pipefail

RUNS=${1:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TE_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DATA=${TE_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
PY=/usr/bin/python3
TE="$BUILD/tools/te_rips"

command -v ripser >/dev/null || { echo "ripser is not installed (apt-get install ripser)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
if [ ! -x "$TE" ]; then
	make -C "$ROOT" -s unit BUILD="$BUILD" >/dev/null
fi

if [ ! -r "$DATA/mscoco_clip_vitb16.csv" ] || [ ! -d "$DATA/ripser" ]; then
	echo "skipped: te_rips against ripser runs on the shared data, and $DATA is absent"
	echo "(the shared data sits in ../shared/data beside the checkout; TE_DATA names another place)"
	exit 0
fi

TMP=$(mktemp -d /tmp/te_rips_bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

"$PY" - "$DATA/mscoco_clip_vitb16.csv" "$TMP" <<'EOF'
import sys
src, out = sys.argv[1], sys.argv[2]
rows = []
with open(src) as f:
    f.readline()
    for line in f:
        pid, mod, emb = line.rstrip("\n").split(",", 2)
        rows.append((mod, emb.strip('"{}').split(",")))
with open(out + "/clip1000.txt", "w") as f:
    for mod, v in rows:
        f.write(" ".join(v) + "\n")
with open(out + "/clip500img.txt", "w") as f:
    for mod, v in rows:
        if mod == "image":
            f.write(" ".join(v) + "\n")
EOF

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# run_case NAME FORMAT DIM FILE [extra args...]
run_case() {
	local name=$1 fmt=$2 dim=$3 file=$4
	shift 4
	local i rt rm tt tm
	: >"$TMP/r.times"
	: >"$TMP/t.times"
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -f %e,%M -o "$TMP/one" ripser --format "$fmt" --dim "$dim" "$@" "$file" >"$TMP/r.out"
		cat "$TMP/one" >>"$TMP/r.times"
		/usr/bin/time -f %e,%M -o "$TMP/one" "$TE" --format "$fmt" --dim "$dim" "$@" "$file" >"$TMP/t.out"
		cat "$TMP/one" >>"$TMP/t.times"
	done
	rt=$(cut -d, -f1 "$TMP/r.times" | median)
	rm=$(cut -d, -f2 "$TMP/r.times" | median)
	tt=$(cut -d, -f1 "$TMP/t.times" | median)
	tm=$(cut -d, -f2 "$TMP/t.times" | median)
	printf "%-34s %9.2f %9.2f %7.2f %11.1f %11.1f\n" "$name" "$rt" "$tt" \
		"$(awk -v a="$tt" -v b="$rt" 'BEGIN {print (b > 0) ? a / b : 0}')" \
		"$(awk -v k="$rm" 'BEGIN {print k / 1024}')" "$(awk -v k="$tm" 'BEGIN {print k / 1024}')"
	# the bar counts must agree (the full comparison is test/check/rips_core.py)
	local rc tc
	rc=$(grep -c '^ \[' "$TMP/r.out" || true)
	tc=$(wc -l <"$TMP/t.out")
	[ "$rc" = "$tc" ] || echo "  WARNING: ripser printed $rc bars, te_rips $tc"
}

echo "te_rips vs ripser $(dpkg-query -W -f='${Version}' ripser 2>/dev/null), $RUNS runs each, medians"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf "%-34s %9s %9s %7s %11s %11s\n" "case" "ripser s" "te_rips s" "ratio" "ripser MB" "te_rips MB"
run_case "1000 CLIP vectors, H0-H1, euclid" point-cloud 1 "$TMP/clip1000.txt"
run_case "500 CLIP images, H0-H2, euclid" point-cloud 2 "$TMP/clip500img.txt"
run_case "sphere_3_192, H0-H2" lower-distance 2 "$DATA/ripser/sphere_3_192.lower_distance_matrix"
run_case "o3_1024, H0-H3, threshold 1.8" point-cloud 3 "$DATA/ripser/o3_1024.txt" --threshold 1.8

if [ "${TE_BENCH_H0:-1}" != 0 ]; then
	echo
	echo "H0 alone (te_rips --dim 0, spanning tree, O(n dim) memory) on CLIP-like points:"
	echo "each of n points is a CLIP vector of the file plus N(0, 0.02^2) noise per coordinate,"
	echo "renormalised (512 dimensions).  Engine time excludes reading the text file."
	"$PY" - "$TMP" <<'EOF'
import sys
import numpy as np
out = sys.argv[1]
X = np.loadtxt(out + "/clip1000.txt")
rng = np.random.default_rng(5)
for n in (10000, 20000):
    Y = X[rng.integers(0, X.shape[0], n)] + rng.standard_normal((n, X.shape[1])) * 0.02
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    np.savetxt("%s/syn%d.txt" % (out, n), Y.astype(np.float32), fmt="%.8g")
EOF
	printf "%-24s %12s %12s %12s\n" "case" "engine s" "wall s" "max RSS MB"
	for n in 10000 20000; do
		for metric in euclidean cosine; do
			: >"$TMP/h.times"
			: >"$TMP/h.eng"
			for ((i = 0; i < 3; i++)); do
				/usr/bin/time -f %e,%M -o "$TMP/one" "$TE" --format point-cloud --dim 0 \
					--metric "$metric" --stats "$TMP/syn$n.txt" 2>"$TMP/h.err" >"$TMP/h.out"
				cat "$TMP/one" >>"$TMP/h.times"
				grep 'engine time' "$TMP/h.err" | awk '{print $3}' >>"$TMP/h.eng"
			done
			printf "%-24s %12s %12s %12.1f\n" "n=$n $metric" "$(median <"$TMP/h.eng")" \
				"$(cut -d, -f1 "$TMP/h.times" | median)" \
				"$(cut -d, -f2 "$TMP/h.times" | median | awk '{print $1 / 1024}')"
		done
	done
	echo "(ripser 1.2.1 on the 10000 points at --dim 0 builds the full distance matrix: measured"
	echo " once here at 25 s and 1.27 GB max RSS before it aborts on an assertion; not run here)"
fi
