# PostgreSQL for the hooked-registration scenarios (Kratos on SQLite reports
# "table is locked" from concurrency 2). Debian's server, installed when
# missing, runs as a throw-away cluster on loopback only, with durability
# off (fsync, synchronous_commit): every setup shares it, and the bench
# measures the hooks, not the disk. Sourced by bench/run.sh.

PG_PORT=${PG_PORT:-15432}

pg_bin_dir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[[ -n $d && -x $d/initdb ]] && echo "$d"
}

ensure_postgres() {
	PG_BIN=$(pg_bin_dir || true)
	if [[ -z $PG_BIN ]]; then
		say "Installing PostgreSQL from Debian's packages"
		[[ $EUID -eq 0 ]] || fail "PostgreSQL is missing and installing it needs root: apt-get install postgresql"
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
		PG_BIN=$(pg_bin_dir) || fail "PostgreSQL did not install"
	fi
}

# as_pg runs a server command as the postgres user: initdb and postgres
# refuse to run as root.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_postgres() {
	port_free "$PG_PORT" || fail "port $PG_PORT is taken (set PG_PORT to another)"
	PG_DIR=$(mktemp -d /tmp/ory-bench-pg.XXXXXX)
	[[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_DIR"
	as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$RUN/postgres-initdb.log" 2>&1 ||
		{ tail -n 20 "$RUN/postgres-initdb.log" >&2; fail "initdb failed"; }
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o \
		"-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
		start >"$RUN/postgres-start.log" 2>&1 ||
		{ tail -n 20 "$PG_DIR/server.log" >&2; fail "PostgreSQL did not start"; }
	PG_STARTED=1
}

stop_postgres() {
	if [[ ${PG_STARTED:-} == 1 ]]; then
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
		PG_STARTED=
	fi
	if [[ -n ${PG_DIR:-} && -d $PG_DIR ]]; then
		cp "$PG_DIR/server.log" "$RUN/postgres.log" 2>/dev/null || true
		rm -rf "$PG_DIR"
	fi
}

psql_admin() {
	"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"
}

pg_dsn() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1?sslmode=disable&max_conns=32&max_idle_conns=16"; }

# kratos_databases NAME...: migrates one template database once, then
# copies it for each Kratos (CREATE DATABASE … TEMPLATE takes milliseconds).
kratos_databases() {
	psql_admin "CREATE DATABASE kratos_template" || fail "could not create the template database"
	env -i PATH="$PATH" HOME="${HOME:-/tmp}" DSN="$(pg_dsn kratos_template)" \
		bin/kratos migrate sql -e --yes >"$RUN/kratos-migrate.log" 2>&1 ||
		{ tail -n 20 "$RUN/kratos-migrate.log" >&2; fail "Kratos migrations failed"; }
	local db
	for db in "$@"; do
		psql_admin "CREATE DATABASE $db TEMPLATE kratos_template" || fail "could not create $db"
	done
}
