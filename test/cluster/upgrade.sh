#!/usr/bin/env bash
# The upgrade from each earlier release (0.1.0, through 0.2.0's script, and
# 0.2.0), as a user lives it: a server running the release
# (its library and SQL built from the git history) records history; the new
# library and scripts replace it while the server runs; 0.1.0's SQL keeps
# working on the new library; ALTER EXTENSION UPDATE runs halfway through a
# schedule of snapshots; then everything stored must be unchanged and the
# catalogue must equal a fresh install's (test/upgrade/upgrade.py has the
# checks, test/upgrade/calls.txt and renames.txt the per-function tables).
#
# It works in a private copy of the PostgreSQL installation of TE_PGBIN (the
# files "make install" put there are the new version), so nothing of 0.1.0
# is ever installed where other suites look; the copy is removed at the end.
# Prints TAP lines.
set -u
source "$(dirname "$0")/../../scripts/lib.sh"

# the releases and their commits; without TE_UP_FROM the test runs once per
# release, each run in its own copy; TE_UPGRADE_FROM may name another commit
# holding the release of TE_UP_FROM
declare -A RELEASE_COMMIT=([0.1.0]=5c280a88f3acbe659415722d2d2ea7d065f9e033 [0.2.0]=18bee4e64464355b7f946e12a024376f66d0e839)
if [ -z "${TE_UP_FROM:-}" ]; then
	rc=0
	for v in 0.1.0 0.2.0; do
		echo "# upgrade from release $v"
		TE_UP_FROM=$v bash "$0" || rc=1
	done
	exit $rc
fi
FROM_VERSION=$TE_UP_FROM
export TE_UP_FROM
FROM=${TE_UPGRADE_FROM:-${RELEASE_COMMIT[$FROM_VERSION]:-}}
[ -n "$FROM" ] || { te_notok "no release $FROM_VERSION is known to the upgrade test"; exit 1; }

if ! git -C "$TE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	echo "ok - # SKIP not a git checkout: the upgrade test installs release $FROM_VERSION from the history (commit $FROM)"
	exit 0
fi
if ! git -C "$TE_ROOT" cat-file -e "$FROM^{commit}" 2>/dev/null; then
	te_notok "release $FROM_VERSION (commit $FROM) is not in this clone's history; fetch it (git fetch --unshallow) or set TE_UPGRADE_FROM"
	exit 1
fi
if ! git -C "$TE_ROOT" show "$FROM:topembed.control" | grep -q "^default_version = '$FROM_VERSION'" ||
	! git -C "$TE_ROOT" cat-file -e "$FROM:sql/topembed--$FROM_VERSION.sql" 2>/dev/null; then
	te_notok "commit $FROM is not release $FROM_VERSION (no default_version '$FROM_VERSION' or no sql/topembed--$FROM_VERSION.sql)"
	exit 1
fi
te_ok "release $FROM_VERSION found in the git history (commit ${FROM:0:12})"
if [ ! -f "$TE_DATA/mscoco_clip_vitb16.csv" ]; then
	echo "ok - # SKIP the shared CLIP data is not at $TE_DATA"
	exit 0
fi

PREFIX=$(cd "$TE_PGBIN/../../../.." && pwd)   # .../usr of .../usr/lib/postgresql/NN/bin
SHAREDIR=$("$TE_PGBIN/pg_config" --sharedir)
LIBDIR=$("$TE_PGBIN/pg_config" --pkglibdir)
if [ "$SHAREDIR" != "$PREFIX/share/postgresql/$TE_PGVER" ] || [ "$LIBDIR" != "$PREFIX/lib/postgresql/$TE_PGVER/lib" ]; then
	te_notok "the PostgreSQL of $TE_PGBIN does not have the Debian layout this test copies ($SHAREDIR, $LIBDIR)"
	exit 1
fi
if [ ! -f "$SHAREDIR/extension/topembed.control" ] || [ ! -f "$LIBDIR/topembed.so" ]; then
	te_notok "topembed is not installed in $TE_PGBIN's PostgreSQL (run make install first)"
	exit 1
fi

WORK=$(mktemp -d /tmp/topembed-upgrade.XXXXXX)
chmod 755 "$WORK"
cleanup() {
	te_cluster_stop
	rm -rf "$WORK"
}
trap cleanup EXIT

# a private copy of the installation, with the new version's files set aside
mkdir -p "$WORK/usr/lib/postgresql" "$WORK/usr/share/postgresql" "$WORK/usr/include" "$WORK/new/bitcode"
cp -a "$PREFIX/lib/postgresql/$TE_PGVER" "$WORK/usr/lib/postgresql/"
cp -a "$PREFIX/share/postgresql/$TE_PGVER" "$WORK/usr/share/postgresql/"
ln -s "$("$TE_PGBIN/pg_config" --pkgincludedir)" "$WORK/usr/include/postgresql"
chmod -R a+rX "$WORK/usr"
PRIV=$WORK/usr/lib/postgresql/$TE_PGVER/bin
EXT=$("$PRIV/pg_config" --sharedir)/extension
LIB=$("$PRIV/pg_config" --pkglibdir)
[ "$EXT" = "$WORK/usr/share/postgresql/$TE_PGVER/extension" ] ||
	{ te_notok "the copy of PostgreSQL is not relocatable (sharedir $EXT)"; exit 1; }
mv "$EXT"/topembed* "$LIB/topembed.so" "$WORK/new/"
[ -d "$LIB/bitcode/topembed" ] && mv "$LIB/bitcode/topembed" "$LIB/bitcode/topembed.index.bc" "$WORK/new/bitcode/"

# release 0.1.0, built from the history
mkdir -p "$WORK/src"
git -C "$TE_ROOT" archive "$FROM" | tar -x -C "$WORK/src"
if make -C "$WORK/src" -s -j2 PG_CONFIG="$PRIV/pg_config" all install >"$WORK/build-$FROM_VERSION.log" 2>&1; then
	te_ok "release $FROM_VERSION builds from the history and installs into a private copy of PostgreSQL"
else
	te_notok "release $FROM_VERSION does not build"
	tail -n 20 "$WORK/build-$FROM_VERSION.log" | sed 's/^/#   /'
	exit 1
fi
if git -C "$TE_ROOT" show "$FROM:sql/topembed--$FROM_VERSION.sql" | cmp -s - "$EXT/topembed--$FROM_VERSION.sql"; then
	te_ok "the installed topembed--$FROM_VERSION.sql is git show ${FROM:0:12}:sql/topembed--$FROM_VERSION.sql"
else
	te_notok "the installed topembed--$FROM_VERSION.sql differs from the release's"
fi

TE_PGBIN=$PRIV
export TE_PGBIN
te_cluster_start
"$TE_PY" "$TE_ROOT/test/upgrade/upgrade.py" fill "$WORK/state.json" || TE_FAILED=1
[ -s "$WORK/state.json" ] || { te_notok "the $FROM_VERSION history was not recorded"; exit 1; }

# the new version arrives as a package upgrade would bring it: the library
# replaced by a rename while the server runs, the new scripts beside the
# old one (topembed--$FROM_VERSION.sql stays)
rm -f "$EXT/topembed.control"
cp -a "$WORK/new"/topembed*.sql "$WORK/new/topembed.control" "$EXT/"
cp -a "$WORK/new/topembed.so" "$LIB/topembed.so.new" && mv -f "$LIB/topembed.so.new" "$LIB/topembed.so"
if [ -d "$WORK/new/bitcode/topembed" ]; then
	rm -rf "$LIB/bitcode/topembed" "$LIB/bitcode/topembed.index.bc"
	cp -a "$WORK/new/bitcode"/* "$LIB/bitcode/"
fi
chmod -R a+rX "$WORK/usr"
# an update path from the release to the default version, one script per
# release after it (0.1.0 -> 0.2.0 -> 0.3.0)
path_ok=1 v=$FROM_VERSION
for next in 0.2.0 0.3.0; do
	[ "$(printf '%s\n' "$v" "$next" | sort -V | head -n1)" = "$v" ] && [ "$v" != "$next" ] || continue
	[ -f "$EXT/topembed--$v--$next.sql" ] || path_ok=0
	v=$next
done
[ -f "$EXT/topembed--$FROM_VERSION.sql" ] && [ $path_ok = 1 ] &&
	[ "$v" = "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXT/topembed.control")" ] &&
	te_ok "the new version is installed beside release $FROM_VERSION's script, with the update scripts from it" ||
	te_notok "the update scripts from $FROM_VERSION to the default version are not all installed"

TE_UP_LIBFILE=$LIB/topembed.so "$TE_PY" "$TE_ROOT/test/upgrade/upgrade.py" check "$WORK/state.json" || TE_FAILED=1

if grep -q "terminated by signal\|PANIC:" "$TE_PGDIR/server.log"; then
	te_notok "a backend was killed by a signal during the upgrade test"
	grep -B3 "terminated by signal\|PANIC:" "$TE_PGDIR/server.log" | head -n 20 | sed 's/^/#   /'
else
	te_ok "no backend was killed by a signal during the upgrade test"
fi
exit $TE_FAILED
