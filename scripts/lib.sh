# scripts/lib.sh - shared shell helpers of make test, make demo and bench.
# Source it; it defines functions only (and a few variables).

TE_ROOT=${TE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TE_PGVER=${TE_PGVER:-15}
TE_PGBIN=${TE_PGBIN:-/usr/lib/postgresql/$TE_PGVER/bin}
TE_DATA=${TE_DATA:-$(cd "$TE_ROOT/.." && pwd)/shared/data}
TE_PY=${TE_PY:-/usr/bin/python3}
export TE_ROOT TE_DATA TE_PY
# variables given to an outer make (DATA=... for the demo) must not leak
# into the builds these scripts run
unset MAKEFLAGS MFLAGS MAKELEVEL

# packages each profile needs (Debian 12)
TE_PKGS_BUILD="make gcc pkg-config postgresql-$TE_PGVER postgresql-server-dev-$TE_PGVER libopenblas-dev liblapacke-dev"
# building the Debian package (debian/, test/cluster/package.sh)
TE_PKGS_PACKAGE="$TE_PKGS_BUILD dpkg-dev debhelper fakeroot postgresql-server-dev-all"
# (test/check/deps.py checks that these lists install everything the files use)
TE_PKGS_TEST="$TE_PKGS_PACKAGE postgresql-$TE_PGVER-cron postgresql-$TE_PGVER-pgtap libipc-run-perl sqlsmith ripser
 python3 python3-numpy python3-scipy python3-gudhi python3-sklearn python3-pot python3-psycopg2 libxml2-utils valgrind chromium
 file"
TE_PKGS_BENCH="$TE_PKGS_BUILD ripser python3 python3-numpy python3-scipy python3-gudhi python3-pot python3-psycopg2 time"

te_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
te_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# te_deps PKG... : install the Debian packages that are missing, saying which
te_deps() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		te_log "all ${#@} required packages are installed"
		return 0
	fi
	te_log "installing missing packages: ${missing[*]}"
	local SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q >/dev/null || te_die "apt-get update failed"
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
		|| te_die "apt-get install failed for: ${missing[*]}"
}

# te_build : build and install the extension (install needs root or sudo)
te_build() {
	local SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	te_log "building topembed"
	make -C "$TE_ROOT" -s PG_CONFIG="$TE_PGBIN/pg_config" all >/dev/null || te_die "build failed"
	te_log "installing topembed into PostgreSQL $TE_PGVER"
	$SUDO make -C "$TE_ROOT" -s PG_CONFIG="$TE_PGBIN/pg_config" install >/dev/null || te_die "install failed"
}

# run a command as the cluster owner: postgres when we are root, else ourselves
te_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# te_cluster_start [postgresql.conf line...] : a throwaway cluster in a temp
# folder, reachable through a Unix socket there; exports PGHOST PGPORT PGUSER
te_cluster_start() {
	local dir port
	dir=$(mktemp -d /tmp/topembed-pg.XXXXXX) || te_die "mktemp failed"
	chmod 755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	port=$(( 20000 + RANDOM % 20000 ))
	te_as_owner "$TE_PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
		|| { cat "$dir/initdb.log" >&2; te_die "initdb failed"; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "port = $port"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "shared_buffers = 512MB"
		echo "max_worker_processes = 16"
		echo "max_parallel_workers = 8"
		echo "log_min_messages = warning"
		local line
		for line in "$@"; do echo "$line"; done
	} | te_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
	te_as_owner "$TE_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
		|| { cat "$dir/server.log" >&2; te_die "the PostgreSQL server did not start"; }
	export TE_PGDIR=$dir PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	te_log "PostgreSQL $TE_PGVER is running in $dir (port $port)"
}

# te_cluster_stop : stop and remove the cluster started by te_cluster_start
te_cluster_stop() {
	[ -n "${TE_PGDIR:-}" ] && [ -d "$TE_PGDIR/data" ] || return 0
	te_as_owner "$TE_PGBIN/pg_ctl" -D "$TE_PGDIR/data" -m fast -w stop >/dev/null 2>&1
	rm -rf "$TE_PGDIR"
	unset TE_PGDIR
}

# te_stop_command : a shell command that stops and removes the current cluster
te_stop_command() {
	local stop="$TE_PGBIN/pg_ctl -D $TE_PGDIR/data -m fast -w stop"
	[ "$(id -u)" -eq 0 ] && stop="runuser -u postgres -- $stop"
	echo "$stop && rm -rf $TE_PGDIR"
}

# te_psql ... : psql on the current cluster, stopping at the first error
te_psql() { "$TE_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# TAP lines for the shell test suites; te_notok remembers the failure in
# TE_FAILED, which a suite returns as its exit status
TE_FAILED=0
te_ok() { echo "ok - $*"; }
te_notok() { echo "not ok - $*"; TE_FAILED=1; }
te_q() { "$TE_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
