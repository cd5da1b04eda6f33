#!/bin/bash
# svg_core.sh - render every SVG plot type of the core for normal and
# degenerate inputs, check each document with xmllint, render it in headless
# chromium and check that the PNG is a real picture.
#
#   TE_BUILD=build-svg bash test/check/svg_core.sh
#
# Prints TAP lines ("ok - ..." / "not ok - ..."); exits 1 if any check
# failed.  The command-line tool is $TE_BUILD/tools/te_svg (TE_BUILD defaults
# to "build", relative to the project root); it is built with
# "make unit BUILD=$TE_BUILD" when missing.  Rendering is skipped, with
# "ok - # SKIP" lines, when chromium is not installed.  TE_SVG_KEEP=DIR keeps
# the SVG and PNG files there instead of in a temporary directory.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TE_BUILD=${TE_BUILD:-build}
case $TE_BUILD in /*) BUILD_DIR=$TE_BUILD ;; *) BUILD_DIR=$ROOT/$TE_BUILD ;; esac
TOOL=$BUILD_DIR/tools/te_svg
PY=${TE_PY:-/usr/bin/python3}
CHROMIUM=${TE_CHROMIUM:-/usr/bin/chromium}

failed=0
count=0
ok() { count=$((count + 1)); echo "ok - $*"; }
notok() { count=$((count + 1)); failed=$((failed + 1)); echo "not ok - $*"; }
skip() { count=$((count + 1)); echo "ok - # SKIP $*"; }

if [ ! -x "$TOOL" ]; then
	make -C "$ROOT" -s unit BUILD="$TE_BUILD" >/dev/null 2>&1
fi
if [ ! -x "$TOOL" ]; then
	notok "te_svg is not at $TOOL and 'make unit BUILD=$TE_BUILD' did not build it"
	exit 1
fi

if [ -n "${TE_SVG_KEEP:-}" ]; then
	WORK=$TE_SVG_KEEP
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/te_svg_check.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
fi
IN=$WORK/in
mkdir -p "$IN"

have_xmllint=1
command -v xmllint >/dev/null 2>&1 || have_xmllint=0
have_chromium=1
[ -x "$CHROMIUM" ] || have_chromium=0
have_py=1
[ -x "$PY" ] || have_py=0

# ---- inputs ----

# a Rips-like diagram: H0 at birth 0 (one essential), H1 near the diagonal, H2 later
awk 'BEGIN { srand(7);
	print "0 0 inf";
	for (i = 1; i < 200; i++) printf "0 0 %.6f\n", 0.05 + 0.5 * rand();
	for (i = 0; i < 60; i++) { b = 0.3 + rand(); printf "1 %.6f %.6f\n", b, b + 0.3 * rand() * rand() }
	printf "1 0.45 1.9\n";
	for (i = 0; i < 12; i++) { b = 1.0 + 0.5 * rand(); printf "2 %.6f %.6f\n", b, b + 0.1 * rand() }
	print "3 1.2 1.27" }' > "$IN/normal.dgm"
if command -v ripser >/dev/null 2>&1; then
	# a noisy torus through the reference implementation
	awk 'BEGIN { srand(3); pi = 3.14159265358979;
		for (i = 0; i < 250; i++) { u = 2 * pi * rand(); v = 2 * pi * rand();
			printf "%.6f %.6f %.6f\n", (2 + 0.8 * cos(v)) * cos(u) + 0.03 * rand(),
				(2 + 0.8 * cos(v)) * sin(u) + 0.03 * rand(), 0.8 * sin(v) + 0.03 * rand() } }' > "$IN/torus.txt"
	ripser --format point-cloud --dim 2 "$IN/torus.txt" > "$IN/torus.dgm" 2>/dev/null
fi
: > "$IN/empty.dgm"
echo "1 0.5 1.2" > "$IN/single.dgm"
awk 'BEGIN { for (i = 0; i < 500; i++) print "1 0.2 0.5" }' > "$IN/identical.dgm"
printf '0 0 inf\n0 0.3 inf\n1 0.5 inf\n' > "$IN/infonly.dgm"
printf '0 0 1e-300\n0 0 3e-300\n1 2e-300 5e-300\n1 1e-300 inf\n' > "$IN/tiny.dgm"
printf '0 0 1e300\n1 2e300 5e300\n1 -1e300 inf\n2 1.7e308 1.79e308\n' > "$IN/huge.dgm"
printf '0 0.3 0.3\n' > "$IN/zero_length.dgm"
awk 'BEGIN { srand(11);
	print "0 0 inf";
	for (i = 1; i < 60000; i++) printf "0 0 %.5f\n", 0.4 * rand() * rand() + 0.01;
	for (i = 0; i < 35000; i++) { b = 0.1 + 1.4 * rand(); printf "1 %.5f %.5f\n", b, b - 0.05 * log(1 - rand() * 0.999) }
	for (i = 0; i < 5000; i++) { b = 0.8 + 0.8 * rand(); printf "2 %.5f %.5f\n", b, b + 0.05 * rand() * rand() } }' > "$IN/big.dgm"

# spectra: power law, exponential with a rank cut, and degenerate ones
awk 'BEGIN { for (i = 1; i <= 512; i++) printf "%.10g\n", i ^ -1.1 }' > "$IN/power.txt"
awk 'BEGIN { for (i = 1; i <= 512; i++) printf "%.10g\n", (i <= 400 ? exp(-i / 40) : (i < 450 ? 0 : -1e-17)) }' > "$IN/cut.txt"
awk 'BEGIN { for (i = 1; i <= 512; i++) printf "%.10g\n", 0.5 * exp(-i / 90) }' > "$IN/slow.txt"
awk 'BEGIN { for (i = 1; i <= 512; i++) printf "%.10g\n", 0.8 * i ^ -1.4 }' > "$IN/steep.txt"
awk 'BEGIN { for (i = 0; i < 10; i++) print 0 }' > "$IN/zeros.txt"
echo 3.5 > "$IN/one.txt"
awk 'BEGIN { for (i = 0; i < 16000; i++) printf "%.10g\n", exp(-i / 2000) }' > "$IN/n16000.txt"
printf '1e-300\n5e-301\n1e-305\n0\n' > "$IN/tiny.txt"
printf '1e300\n5e299\n1e290\n' > "$IN/huge.txt"
printf -- '-1\n-2\n' > "$IN/negative.txt"

# Betti-like step curves
awk 'BEGIN { for (i = 0; i <= 300; i++) printf "%.4f %d\n", i * 0.01, int(300 * exp(-i / 25)) + 1 }' > "$IN/b0.txt"
awk 'BEGIN { for (i = 0; i <= 300; i++) printf "%.4f %d\n", i * 0.01, int(40 * exp(-((i - 120) / 35) ^ 2)) }' > "$IN/b1.txt"
echo "0.5 3" > "$IN/point.txt"

# a log-log table: time against n for three tools and two degrees
awk 'BEGIN { OFS = "\t"; split("500 1000 2000 4000 8000", n, " ");
	for (i = 1; i <= 5; i++) {
		print "tool A H0", n[i], 0.0001 * n[i] ^ 1.1, 1, 1; print "tool A H1", n[i], 1e-6 * n[i] ^ 2, 1, 2;
		if (i <= 4) { print "tool <B> H1", n[i], 1e-7 * n[i] ^ 2.5, 2, 2 }
		if (i <= 2) { print "tool C H1", n[i], 1e-4 * n[i] ^ 2, 3, 2 } } }' > "$IN/scaling.table"
printf 'a\t10\t0\n' > "$IN/zero.table"

# ---- rendering and checks ----

# png_check PNG W H: "ok COLOURS FRACTION" if a W x H picture with real content
# (decoded by telib.png_stats, with the standard library only)
png_check() {
	"$PY" - "$1" "$2" "$3" "$ROOT/test/check" <<'EOF'
import sys
sys.path.insert(0, sys.argv[4])
from telib import png_stats
try:
    w, h, colours, frac = png_stats(sys.argv[1])
except ValueError as e:
    print(e); sys.exit(0)
if (w, h) != (int(sys.argv[2]), int(sys.argv[3])):
    print('size %dx%d, not %sx%s' % (w, h, sys.argv[2], sys.argv[3]))
elif colours < 8 or frac < 0.005:
    print('looks blank: %d colours, %.4f of pixels not white' % (colours, frac))
else:
    print('ok %d %.4f' % (colours, frac))
EOF
}

# render NAME KIND ARGS...: write $WORK/NAME.svg with te_svg KIND and check it
render() {
	local name=$1 kind=$2
	shift 2
	local svg=$WORK/$name.svg png=$WORK/$name.png err w h
	if ! err=$("$TOOL" "$kind" "$@" 2>&1); then
		notok "$name: te_svg $kind failed: $err"
		return
	fi
	if [ "$(head -c 4 "$svg")" = "<svg" ]; then
		ok "$name: te_svg $kind wrote an SVG document ($(stat -c %s "$svg") bytes)"
	else
		notok "$name: output does not start with <svg"
		return
	fi
	if [ $have_xmllint = 1 ]; then
		if err=$(xmllint --noout "$svg" 2>&1); then
			ok "$name: xmllint finds it well-formed"
		else
			notok "$name: xmllint: $(echo "$err" | head -3)"
		fi
	else
		skip "$name: xmllint is not installed"
	fi
	if [ $have_chromium = 0 ]; then
		skip "$name: chromium is not installed, not rendered"
		return
	fi
	w=$(grep -o -m1 'width="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
	h=$(grep -o -m1 'height="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
	local ud
	ud=$(mktemp -d "${TMPDIR:-/tmp}/te_svg_chromium.XXXXXX")
	rm -f "$png"
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$ud" --screenshot="$png" --window-size="$w,$h" \
		"file://$svg" >/dev/null 2>&1
	rm -rf "$ud"
	if [ ! -s "$png" ] || [ "$(stat -c %s "$png")" -lt 2000 ]; then
		notok "$name: chromium gave no usable PNG"
		return
	fi
	if file "$png" | grep -q "PNG image data, $w x $h,"; then
		ok "$name: chromium rendered a $w x $h PNG ($(stat -c %s "$png") bytes)"
	else
		notok "$name: PNG is not $w x $h: $(file -b "$png")"
		return
	fi
	if [ $have_py = 1 ]; then
		local res
		res=$(png_check "$png" "$w" "$h" 2>&1)
		case $res in
			ok*) ok "$name: the picture has content (colours, ink fraction: ${res#ok })" ;;
			*) notok "$name: $res" ;;
		esac
	else
		skip "$name: no $PY to read the PNG"
	fi
}

# contains NAME TEXT: the SVG holds TEXT
contains() {
	if grep -qF -- "$2" "$WORK/$1.svg"; then
		ok "$1: contains $2"
	else
		notok "$1: does not contain $2"
	fi
}

# diagrams and barcodes
for d in normal torus empty single identical infonly tiny huge zero_length big; do
	[ -f "$IN/$d.dgm" ] || { skip "diagram_$d: ripser is not installed"; continue; }
	render "diagram_$d" diagram -t "Diagram: $d" "$WORK/diagram_$d.svg" "$IN/$d.dgm"
	render "barcode_$d" barcode -t "Barcode: $d" "$WORK/barcode_$d.svg" "$IN/$d.dgm"
done
contains diagram_normal "H1 (61)"
contains diagram_empty "no pairs"
contains barcode_big "showing the longest bars"
size=$(stat -c %s "$WORK/diagram_big.svg" 2>/dev/null || echo 0)
if [ "$size" -gt 0 ] && [ "$size" -lt 2500000 ]; then
	ok "diagram_big: 100000 pairs in $size bytes"
else
	notok "diagram_big: 100000 pairs gave $size bytes"
fi

# hostile and broken titles
render title_hostile diagram -t "<script>alert('x')</script> & \"quotes\"" "$WORK/title_hostile.svg" "$IN/normal.dgm"
contains title_hostile "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"
render title_utf8 barcode -t "$(printf 'bad \xff\xfe bytes \xc3 \xe2\x88\x9e ok')" "$WORK/title_utf8.svg" "$IN/normal.dgm"
render title_none diagram -t "" "$WORK/title_none.svg" "$IN/single.dgm"

# spectra
render spectrum_normal spectrum -t "CLIP vs CLOOB (synthetic)" "$WORK/spectrum_normal.svg" \
	"$IN/power.txt=CLIP image" "$IN/steep.txt=CLIP text" "$IN/cut.txt=CLOOB image" "$IN/slow.txt=CLOOB text"
contains spectrum_normal ">≈0</text>"
render spectrum_zeros spectrum "$WORK/spectrum_zeros.svg" "$IN/zeros.txt=zeros"
contains spectrum_zeros "no positive eigenvalues"
render spectrum_one spectrum "$WORK/spectrum_one.svg" "$IN/one.txt=one"
render spectrum_16000 spectrum "$WORK/spectrum_16000.svg" "$IN/n16000.txt=16000 eigenvalues"
render spectrum_extremes spectrum "$WORK/spectrum_extremes.svg" "$IN/tiny.txt=1e-300" "$IN/huge.txt=1e300"
render spectrum_negative spectrum "$WORK/spectrum_negative.svg" "$IN/negative.txt=negative"
render spectrum_none spectrum "$WORK/spectrum_none.svg"

# Betti curves
render betti_curves curves -t "Betti curves" -x "radius" "$WORK/betti_curves.svg" "$IN/b0.txt=β0" "$IN/b1.txt=β1"
if [ -f "$IN/torus.dgm" ]; then
	render betti_torus betti -t "Betti curves of a noisy torus" "$WORK/betti_torus.svg" "$IN/torus.dgm"
else
	render betti_diagram betti "$WORK/betti_diagram.svg" "$IN/normal.dgm"
fi
render betti_point curves "$WORK/betti_point.svg" "$IN/point.txt=one point"
render betti_none curves "$WORK/betti_none.svg"

# log-log charts
render loglog_scaling loglog -t "time against n" -x "points n" -y "seconds" "$WORK/loglog_scaling.svg" \
	"$IN/scaling.table"
contains loglog_scaling ">10000</text>"
contains loglog_scaling "tool &lt;B&gt; H1"
if "$TOOL" loglog "$WORK/zero.svg" "$IN/zero.table" 2>/dev/null; then
	notok "a zero on a log-log chart was accepted"
else
	ok "a zero on a log-log chart is refused"
fi

# bad input is refused, not drawn
printf '1 nan 0.5\n' > "$IN/nan.dgm"
if "$TOOL" diagram "$WORK/nan.svg" "$IN/nan.dgm" 2>/dev/null; then
	notok "a NaN birth was accepted"
else
	ok "a NaN birth is refused"
fi

# the unit tests once more under a locale whose decimal point is a comma
UNIT=$BUILD_DIR/unit/test_svg
if [ -x "$UNIT" ] && command -v localedef >/dev/null 2>&1; then
	loc=$(mktemp -d "${TMPDIR:-/tmp}/te_svg_locale.XXXXXX")
	if localedef -i de_DE -f UTF-8 "$loc/de_DE.UTF-8" >/dev/null 2>&1; then
		out=$(LOCPATH=$loc TE_TEST_LOCALE=de_DE.UTF-8 "$UNIT" 2>&1)
		if [ $? -eq 0 ] && echo "$out" | grep -q "^ok - documents under LC_NUMERIC=de_DE.UTF-8"; then
			ok "unit tests pass with LC_NUMERIC=de_DE.UTF-8 and the documents do not change"
		else
			notok "unit tests under de_DE.UTF-8: $(echo "$out" | grep -v '^ok' | head -3)"
		fi
	else
		skip "localedef could not build de_DE.UTF-8"
	fi
	rm -rf "$loc"
else
	skip "no $UNIT or no localedef for the locale test"
fi

echo "# $count checks, $failed failed; files in $WORK${TE_SVG_KEEP:+ (kept)}"
[ $failed -eq 0 ]
