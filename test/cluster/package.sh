#!/usr/bin/env bash
# The Debian package, end to end: dpkg-buildpackage -us -uc of a copy of the
# tree (pg_buildext builds it and runs the regression suites against the
# packaged files), its control fields and contents, then installation into
# the system's PostgreSQL, CREATE EXTENSION on a new cluster that can only
# find the packaged files, and a purge that leaves no file behind.
#
# A copy that "make install" put into the system directories (make test does
# so when TE_PGBIN is the system's PostgreSQL) is moved aside first, so that
# it cannot satisfy CREATE EXTENSION, and moved back at the end, whatever
# happens.  Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"

PKG=postgresql-$TE_PGVER-topembed
SYSBIN=/usr/lib/postgresql/$TE_PGVER/bin
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if sudo -n true 2>/dev/null; then SUDO=sudo; else
		echo "ok - # SKIP installing a package needs root or password-less sudo"
		exit 0
	fi
fi
for tool in dpkg-buildpackage dh pg_buildext "$SYSBIN/pg_config"; do
	command -v "$tool" >/dev/null || { te_notok "$tool is missing (TE_PKGS_PACKAGE of scripts/lib.sh installs it)"; exit 1; }
done
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	te_notok "$PKG is already installed; this test installs and purges it, remove it first"
	exit 1
fi

VERSION=$(sed -n 's/^EXTVERSION *= *//p' "$TE_ROOT/Makefile")
ARCH=$(dpkg --print-architecture)
SYSLIB=$("$SYSBIN/pg_config" --pkglibdir)
SYSEXT=$("$SYSBIN/pg_config" --sharedir)/extension
WORK=$(mktemp -d /tmp/topembed-package.XXXXXX)
chmod 755 "$WORK"
SRC=$WORK/src/topembed-$VERSION
ASIDE=$WORK/aside
MOVED=()

# dpkg may be busy with another apt run for a while: retry on its lock
te_dpkg() {
	local i out
	for i in $(seq 1 30); do
		out=$($SUDO env DEBIAN_FRONTEND=noninteractive dpkg "$@" 2>&1) && { echo "$out"; return 0; }
		echo "$out" | grep -q "lock" || { echo "$out"; return 1; }
		sleep 10
	done
	echo "$out"
	return 1
}

restore() {
	if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
		te_dpkg --purge "$PKG" >/dev/null
	fi
	# put back exactly what was moved aside (the package is gone by now)
	local f
	for f in "${MOVED[@]}"; do
		[ -e "$ASIDE$f" ] || continue
		[ -e "$f" ] && $SUDO rm -rf -- "$f"
		$SUDO mv -- "$ASIDE$f" "$f"
	done
	te_cluster_stop
	rm -rf "$WORK"
}
trap restore EXIT

# ---- build from a copy of the tree
mkdir -p "$SRC"
if git -C "$TE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	before=$(git -C "$TE_ROOT" status --porcelain --untracked-files=all)
	(cd "$TE_ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$SRC"
else
	before=
	(cd "$TE_ROOT" && tar --exclude=./build --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - .) | tar -xf - -C "$SRC"
fi
rm -rf "$SRC/build"
cv=$(cd "$SRC" && dpkg-parsechangelog -S Version)
[ "$cv" = "$VERSION" ] && te_ok "debian/changelog is at version $VERSION, as the Makefile" ||
	te_notok "debian/changelog says $cv, the Makefile $VERSION"
if ! (cd "$SRC" && dpkg-checkbuilddeps) >"$WORK/builddeps.log" 2>&1; then
	te_notok "build dependencies of debian/control are missing: $(cat "$WORK/builddeps.log")"
	exit 1
fi
if (cd "$SRC" && dpkg-buildpackage -us -uc) >"$WORK/build.log" 2>&1; then
	te_ok "dpkg-buildpackage -us -uc builds the source and binary packages"
else
	te_notok "dpkg-buildpackage -us -uc fails"
	tail -n 30 "$WORK/build.log" | sed 's/^/#   /'
	exit 1
fi
if [ -n "$before" ] || git -C "$TE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	[ "$(git -C "$TE_ROOT" status --porcelain --untracked-files=all)" = "$before" ] &&
		te_ok "the checkout is untouched by the package build" || te_notok "the package build changed the checkout"
fi
grep -q "All [0-9]* tests passed" "$WORK/build.log" &&
	te_ok "the build ran the regression suites against the packaged files ($(grep -o 'All [0-9]* tests passed' "$WORK/build.log"))" ||
	te_notok "the build did not run or pass the regression suites (dh_pgxs_test)"
grep -q "warning:" "$WORK/build.log" && te_notok "the package build has compiler warnings" ||
	te_ok "the package build has no compiler warnings"

DEB=$WORK/src/${PKG}_${VERSION}_${ARCH}.deb
[ -f "$DEB" ] || { te_notok "no $(basename "$DEB") was built"; ls "$WORK/src" | sed 's/^/#   /'; exit 1; }
[ -f "$WORK/src/topembed_${VERSION}.dsc" ] && te_ok "the source package topembed_${VERSION}.dsc was built" ||
	te_notok "no source package"

# ---- what the package says and holds
depends=$(dpkg-deb -f "$DEB" Depends)
echo "# Depends: $depends"
for dep in "postgresql-$TE_PGVER" libopenblas0 liblapacke libc6; do
	echo ", $depends," | grep -Eq "[ ,|]$dep( \([^)]*\))?[ ,|]" && te_ok "the package depends on $dep" ||
		te_notok "the package does not depend on $dep"
done
[ "$(dpkg-deb -f "$DEB" Package)" = "$PKG" ] && [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] &&
	te_ok "the binary package is $PKG $VERSION" || te_notok "the binary package is $(dpkg-deb -f "$DEB" Package) $(dpkg-deb -f "$DEB" Version)"
dpkg-deb -c "$DEB" | awk '{print substr($6, 2)}' >"$WORK/contents"
grep -v '/$' "$WORK/contents" >"$WORK/files"
missing=
for f in "$SYSLIB/topembed.so" "$SYSEXT/topembed.control" "$SYSEXT/topembed--$VERSION.sql" \
	$(cd "$TE_ROOT/sql" && ls topembed--*--*.sql | sed "s|^|$SYSEXT/|") "/usr/share/doc/$PKG/copyright"; do
	grep -qx "$f" "$WORK/files" || missing="$missing $f"
done
[ -z "$missing" ] && te_ok "the package holds the library, the control file, the install and upgrade scripts, the copyright" ||
	te_notok "the package lacks:$missing"
stray=$(grep -v -E "^(/usr/lib/postgresql/$TE_PGVER/lib/|/usr/share/postgresql/$TE_PGVER/extension/|/usr/share/doc/$PKG/)" "$WORK/files")
[ -z "$stray" ] && te_ok "the package installs nothing outside PostgreSQL's directories and its doc directory" ||
	te_notok "the package installs elsewhere: $stray"
sqlfiles=$(grep -c '\.sql$' "$WORK/files")
# the version's install scripts and every upgrade script (0.1.0's users
# update through 0.2.0 to this one)
[ "$sqlfiles" -eq "$(ls "$TE_ROOT"/sql/topembed--"$VERSION".sql "$TE_ROOT"/sql/topembed--*--*.sql \
	"$TE_ROOT"/pgvector/topembed_pgvector--"$VERSION".sql "$TE_ROOT"/pgvector/topembed_pgvector--*--*.sql 2>/dev/null | wc -l)" ] &&
	te_ok "it ships exactly the version's install scripts and every upgrade script ($sqlfiles)" || te_notok "it ships $sqlfiles SQL scripts"

# ---- install it where nothing else can answer for it
mkdir -p "$ASIDE"
for f in "$SYSLIB/topembed.so" "$SYSLIB/bitcode/topembed" "$SYSLIB/bitcode/topembed.index.bc" "$SYSEXT"/topembed*; do
	[ -e "$f" ] || continue
	mkdir -p "$ASIDE$(dirname "$f")"
	$SUDO mv -- "$f" "$ASIDE$f" && MOVED+=("$f")
done
n_aside=$(find "$ASIDE" -type f | wc -l)
[ "$n_aside" -gt 0 ] && echo "# moved $n_aside make-installed files aside until the end"
if ls "$SYSEXT"/topembed* "$SYSLIB"/topembed* >/dev/null 2>&1; then
	te_notok "topembed files remain in the system directories before the package is installed"
	exit 1
fi
if out=$(te_dpkg -i "$DEB"); then
	te_ok "dpkg -i installs $(basename "$DEB") (its dependencies are met)"
else
	te_notok "dpkg -i fails"; echo "$out" | sed 's/^/#   /'; exit 1
fi
[ -z "$($SUDO dpkg --verify "$PKG")" ] && te_ok "dpkg --verify: the installed files are the package's" ||
	te_notok "dpkg --verify reports changed files"

TE_PGBIN=$SYSBIN
export TE_PGBIN
te_cluster_start
te_q -c "CREATE EXTENSION topembed" && te_ok "CREATE EXTENSION topembed on a new cluster of the system's PostgreSQL" ||
	{ te_notok "CREATE EXTENSION topembed fails with the package installed"; exit 1; }
v=$(te_q -c "SELECT extversion FROM pg_extension WHERE extname = 'topembed'")
[ "$v" = "$VERSION" ] && te_ok "the installed extension is version $VERSION" || te_notok "the installed extension is version $v"
so=$(te_q -c "SELECT topembed.l2_normalize('{3,4}'::real[]) IS NOT NULL" \
	-c "SELECT m[1] || ' ' || m[2] FROM regexp_match(pg_read_file('/proc/self/maps'), '([0-9]+) +(/[^ ]*/topembed[.]so)\n') m" | tail -n 1)
owner=$(dpkg -S "${so#* }" 2>/dev/null | cut -d: -f1)
[ "${so#* }" = "$SYSLIB/topembed.so" ] && [ "${so%% *}" = "$(stat -c %i "$SYSLIB/topembed.so")" ] && [ "$owner" = "$PKG" ] &&
	te_ok "the backend runs the packaged library ($SYSLIB/topembed.so, owned by $owner)" ||
	te_notok "the backend maps '${so:-no topembed.so}', owned by '${owner:-nobody}'"
r=$(te_q -c "CREATE TABLE p AS SELECT * FROM topembed.synthetic_pairs(300, 32, 0.7, 1)" \
	-c "SELECT (topembed.modality_gap(image, text)).gap BETWEEN 0.6 AND 0.8, round((topembed.spectral_collapse(image)).effective_rank::numeric, 1) > 1, cardinality(topembed.persistence(image, 1)) > 300 FROM p" \
	-c "SELECT topembed.snapshot('pkg', 'p', image_column => 'image', text_column => 'text', sample => 100) > 0" \
	-c "SELECT count(*) FROM topembed.latest_metrics WHERE label = 'pkg'" | tr '\n' ' ')
[ "$r" = "t|t|t t 1 " ] && te_ok "the packaged extension computes a gap, a spectrum, a diagram and a snapshot" ||
	te_notok "the packaged extension answers '$r'"
te_q -c "DROP EXTENSION topembed" && te_ok "DROP EXTENSION topembed" || te_notok "DROP EXTENSION topembed"
te_cluster_stop

# ---- purge: nothing left
if te_dpkg --purge "$PKG" >/dev/null; then te_ok "dpkg --purge $PKG"; else te_notok "dpkg --purge $PKG fails"; fi
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "installed" && te_notok "$PKG is still known to dpkg" ||
	te_ok "dpkg no longer lists $PKG"
left=
while read -r f; do [ -e "$f" ] && left="$left $f"; done <"$WORK/files"
[ -d "/usr/share/doc/$PKG" ] && left="$left /usr/share/doc/$PKG/"
[ -d "$SYSLIB/bitcode/topembed" ] && left="$left $SYSLIB/bitcode/topembed/"
[ -z "$left" ] && te_ok "no file of the package is left after the purge ($(wc -l <"$WORK/files") files)" ||
	te_notok "files left after the purge:$left"
exit $TE_FAILED
