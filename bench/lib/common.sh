# Helpers shared by bench/run.sh: output, process bookkeeping, readiness.
# Sourced, not run. Every process started here is stopped by stop_all.

say() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$*" "$SECONDS"; }
note() { printf '   %s\n' "$*"; }
fail() {
	printf '\033[31mbench: %s\033[0m\n' "$*" >&2
	exit 1
}

# Processes this run started (name:pid), stopped in reverse order.
STARTED=()

# start NAME CMD...: runs CMD in the background, output to $RUN/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$RUN/$name.log" 2>&1 &
	STARTED+=("$name:$!")
	eval "PID_${name//-/_}=$!"
}

# pid_of NAME: the pid start recorded.
pid_of() {
	local var="PID_${1//-/_}"
	echo "${!var}"
}

stop_all() {
	local i entry pid
	for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
		entry=${STARTED[$i]}
		pid=${entry#*:}
		kill "$pid" 2>/dev/null || true
	done
	for entry in "${STARTED[@]}"; do
		wait "${entry#*:}" 2>/dev/null || true
	done
	STARTED=()
}

# port_free PORT: nothing accepts connections there (bash's /dev/tcp).
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_ready NAME URL: polls URL until it answers 2xx, for at most 90 s,
# while the process NAME is alive.
wait_ready() {
	local name=$1 url=$2 pid
	pid=$(pid_of "$name")
	for _ in $(seq 450); do
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 30 "$RUN/$name.log" >&2 || true
	fail "$name did not become ready at $url (log: $RUN/$name.log)"
}

# machine_facts prints what the figures were measured on.
machine_facts() {
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu:     $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "memory:  $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "kernel:  $(uname -sr)"
	echo "go:      $(go version | cut -d' ' -f3-)"
	echo "kratos:  $(bin/kratos version 2>/dev/null | grep -m1 -i version | tr -s ' \t' ' ' || echo unknown)"
	echo "caddy:   $(bin/caddy version 2>/dev/null | cut -d' ' -f1)"
	echo "postgres: $("$PG_BIN/postgres" --version 2>/dev/null | cut -d' ' -f3)"
	echo "load before the run (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
}
