#!/usr/bin/env bash
# `make bench`: the benchmarks of BENCHMARKS.md in one invocation, on
# loopback only, in about 6 minutes on a 2-core machine.
#
#   1. Go micro-benchmarks (-benchmem, -count 6, benchstat) and CPU profiles
#   2. pass-through: plain reverse_proxy (i) vs the same with ory_actions (ii)
#   3. hooked registration, parse then ignore: Kratos's native hook (a),
#      gateway + hookless Kratos (b), Kratos without hook (c), alternated
#      request by request, on PostgreSQL (installed from Debian when missing)
#   3b. async delivery in memory (m) vs durable on JetStream (d), alternated
#   4. memory: 60 s of 32-way hooked registrations through the gateway, RSS
#      and heap sampled, a CPU and a heap profile of Caddy taken meanwhile
#   5. the summary with the ratios against the targets
#
# Needs bin/kratos and bin/caddy (the Makefile's `bench` target builds them).
# Results land in .cache/bench/run-<time>/ (summary.md, *.json, micro.txt,
# benchstat.txt, pprof-*.txt, *.pprof, logs) and .cache/bench/latest.
# BENCH_QUICK=1 runs every step briefly, to check the harness;
# BENCH_SKIP_MICRO=1 leaves out step 1; BENCH_UPDATE_DOC=1 writes the
# run's figures into BENCHMARKS.md (between its "results" markers), headed
# by BENCH_NOTE when set (say there whether the machine was shared).
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/lib/common.sh
source bench/lib/postgres.sh
source bench/lib/services.sh
source bench/lib/micro.sh

if [[ ${BENCH_QUICK:-} == 1 ]]; then
	MICRO_COUNT=1 MICRO_BENCHTIME=50ms PROFILE_BENCHTIME=300ms
	PT_CONC=1,8 PT_SLICE=200ms PT_ROUNDS=2
	REG_DURATION=4s REG_WARMUP=1s SOAK_DURATION=12s PROFILE_SECONDS=4
else
	MICRO_COUNT=6 MICRO_BENCHTIME=300ms PROFILE_BENCHTIME=3s
	PT_CONC=1,8,32 PT_SLICE=1s PT_ROUNDS=5
	REG_DURATION=25s REG_WARMUP=2s SOAK_DURATION=60s PROFILE_SECONDS=20
fi
# Pass-through paths: a static asset, and a /self-service/ request no hook
# concerns (a verification flow fetch; hooks sit on registration and login).
PT_PATHS="/static/app.js,/self-service/verification/flows?id=0b6c3ab4-3d63-4cc6-9e42-37d1c0f5a0b1"

for bin in bin/kratos bin/caddy; do
	[[ -x $bin ]] || fail "$bin is missing: run 'make bench', which builds it"
done
bin/caddy list-modules | grep -qx http.handlers.ory_actions || fail "bin/caddy lacks the ory_actions module: run 'make bench'"
command -v curl >/dev/null || fail "curl is needed"

RUN=$PWD/.cache/bench/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RUN"
[[ -n ${BENCH_NOTE:-} ]] && printf '%s\n' "$BENCH_NOTE" >"$RUN/note.txt"
ln -sfn "$RUN" .cache/bench/latest
cleanup() {
	stop_all
	stop_postgres
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Building the load generator and benchstat"
LOAD=$RUN/load
go build -o "$LOAD" ./bench/load || fail "building bench/load failed"
install_benchstat
ensure_postgres
machine_facts | tee "$RUN/machine.txt"

if [[ ${BENCH_SKIP_MICRO:-} != 1 ]]; then
	say "Go micro-benchmarks (count $MICRO_COUNT)"
	run_micro
	profile_micro
	grep -E '^Benchmark' "$RUN/micro.txt" | sed 's/^/   /' | head -n 60
fi

say "Starting PostgreSQL, three Kratos, Caddy and the receiver (loopback)"
start_postgres
kratos_databases kratos_native_parse kratos_native_ignore kratos_hookless
start_services
note "logs in $RUN"

say "Pass-through: (i) reverse_proxy vs (ii) ory_actions + reverse_proxy"
"$LOAD" passthrough -targets i=http://127.0.0.1:18082,ii=http://127.0.0.1:18083 \
	-paths "$PT_PATHS" -conc "$PT_CONC" -slice "$PT_SLICE" -rounds "$PT_ROUNDS" -out "$RUN/passthrough.json"

say "One flow fetch from Kratos (the extra round trip of a hooked submit), conc 1"
flow_id=$(curl -fsS -H 'Accept: application/json' http://127.0.0.1:18453/self-service/registration/api | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
[[ -n $flow_id ]] || fail "could not create a registration flow on the hookless Kratos"
"$LOAD" passthrough -targets kratos=http://127.0.0.1:18453 -paths "/self-service/registration/flows?id=$flow_id" \
	-conc 1 -slice "$PT_SLICE" -rounds "$PT_ROUNDS" -out "$RUN/flowfetch.json"

for mode in parse ignore; do
	native=18433
	[[ $mode == ignore ]] && native=18443
	gateway=18084
	[[ $mode == ignore ]] && gateway=18085
	say "Hooked registration, response $mode: (a) native, (b) gateway, (c) no hook; alternated"
	"$LOAD" register -mode "$mode" \
		-setups "a=http://127.0.0.1:$native,b=http://127.0.0.1:$gateway,c=http://127.0.0.1:18453" \
		-conc 1,8 -duration "$REG_DURATION" -warmup "$REG_WARMUP" \
		-receiver "$RECEIVER" -hook-paths "a=/native-$mode,b=/gateway-$mode" -out "$RUN/register-$mode.json"
done

say "Async delivery: (m) in memory vs (d) durable (JetStream, stored before the answer); alternated"
"$LOAD" register -mode ignore \
	-setups "m=http://127.0.0.1:18085,d=http://127.0.0.1:18086" \
	-conc 1,8 -duration "$REG_DURATION" -warmup "$REG_WARMUP" \
	-receiver "$RECEIVER" -hook-paths "m=/gateway-ignore,d=/gateway-durable" -out "$RUN/register-durable.json"

# Keep-alive check: a caller that does not reuse connections leaves a
# TIME_WAIT socket per request towards the receiver or the hookless Kratos.
{
	echo "TIME_WAIT sockets after the registration runs, by destination port:"
	ss -Htan state time-wait 2>/dev/null | awk '{split($4, a, ":"); print a[length(a)]}' | sort | uniq -c | sort -rn | head -n 10
} | tee "$RUN/time-wait.txt" | sed 's/^/   /'

say "Memory: 32-way hooked registrations through the gateway for $SOAK_DURATION"
(
	sleep $((${SOAK_DURATION%s} / 4))
	curl -fsS --max-time $((PROFILE_SECONDS + 30)) -o "$RUN/cpu-caddy-gateway.pprof" \
		"http://127.0.0.1:18019/debug/pprof/profile?seconds=$PROFILE_SECONDS"
) &
PROFILER=$!
"$LOAD" soak -url http://127.0.0.1:18084 -conc 32 -duration "$SOAK_DURATION" -pid "$(pid_of caddy)" \
	-admin http://127.0.0.1:18019 -receiver "$RECEIVER" -hook-path /gateway-parse -out "$RUN/soak.json"
wait "$PROFILER" || note "the CPU profile of Caddy could not be taken"
curl -fsS --max-time 30 -o "$RUN/heap-caddy.pprof" http://127.0.0.1:18019/debug/pprof/heap || note "no heap profile"
if [[ -s $RUN/cpu-caddy-gateway.pprof ]]; then
	go tool pprof -top -nodecount=40 "$RUN/cpu-caddy-gateway.pprof" >"$RUN/pprof-caddy-gateway.txt" 2>/dev/null || true
	go tool pprof -top -cum -nodecount=45 -focus 'caddy-ory-actions' "$RUN/cpu-caddy-gateway.pprof" >"$RUN/pprof-caddy-gateway-focus.txt" 2>/dev/null || true
fi
if [[ -s $RUN/heap-caddy.pprof ]]; then
	go tool pprof -top -nodecount=25 -sample_index=inuse_space "$RUN/heap-caddy.pprof" >"$RUN/pprof-caddy-heap.txt" 2>/dev/null || true
fi

stop_all
stop_postgres

echo "load after the run (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN/machine.txt"

say "Summary (also in $RUN/summary.md)"
doc=()
[[ ${BENCH_UPDATE_DOC:-} == 1 ]] && doc=(-doc BENCHMARKS.md)
"$LOAD" report -dir "$RUN" "${doc[@]}"
note "machine: $RUN/machine.txt; profiles: $RUN/pprof-*.txt; benchstat: $RUN/benchstat.txt"
echo "bench: done in ${SECONDS}s"
