# The Go micro-benchmarks (-benchmem, -count >= 6, benchstat) and the CPU
# profiles of the hooked path. Sourced by bench/run.sh; runs before the
# services start, on an otherwise idle machine.

BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

# One regexp per package: only the benchmarks the targets speak of.
MICRO_BENCHES=(
	"./internal/gateway|^Benchmark(PassThrough|HookMachinery|RegistrationSubmit)$"
	"./kratos|^Benchmark(CtxAssembly|MessageMapping|CarryToken)$"
	"./render|^BenchmarkSeedTemplate$"
)

install_benchstat() {
	BENCHSTAT=$PWD/.cache/bench/bin/benchstat
	if [[ ! -x $BENCHSTAT ]]; then
		mkdir -p "$(dirname "$BENCHSTAT")"
		GOBIN=$(dirname "$BENCHSTAT") go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION" >"$RUN/benchstat-install.log" 2>&1 ||
			{ tail -n 20 "$RUN/benchstat-install.log" >&2; fail "installing benchstat failed"; }
	fi
}

run_micro() {
	local entry pkg re
	: >"$RUN/micro.txt"
	for entry in "${MICRO_BENCHES[@]}"; do
		pkg=${entry%%|*}
		re=${entry#*|}
		note "go test $pkg -bench '$re' -count $MICRO_COUNT -benchtime $MICRO_BENCHTIME"
		go test "$pkg" -run '^$' -bench "$re" -benchmem -count "$MICRO_COUNT" -benchtime "$MICRO_BENCHTIME" >>"$RUN/micro.txt" 2>&1 ||
			{ tail -n 30 "$RUN/micro.txt" >&2; fail "micro-benchmarks of $pkg failed"; }
	done
	{
		echo "# The gateway (base column) against Kratos's way of doing the same work (impl=kratos)"
		"$BENCHSTAT" -filter '/impl:(gateway OR kratos)' -col /impl "$RUN/micro.txt"
		echo
		echo "# all micro-benchmarks"
		"$BENCHSTAT" "$RUN/micro.txt"
	} >"$RUN/benchstat.txt" 2>&1 || fail "benchstat failed (see $RUN/benchstat.txt)"
}

# profile_micro: CPU profiles of the hook machinery and of a whole hooked
# submit through ServeHTTP, with pprof's top functions.
profile_micro() {
	go test -c -o "$RUN/gateway.test" ./internal/gateway >"$RUN/gateway-test-build.log" 2>&1 ||
		{ tail -n 20 "$RUN/gateway-test-build.log" >&2; fail "building the gateway package's test binary failed"; }
	local what
	for what in "HookMachinery/outcome=continue" "RegistrationSubmit/response=parse"; do
		local file=${what%%/*}
		"$RUN/gateway.test" -test.run '^$' -test.bench "^Benchmark$what\$" -test.benchtime "$PROFILE_BENCHTIME" \
			-test.cpuprofile "$RUN/cpu-$file.pprof" >"$RUN/cpu-$file.bench.txt" 2>&1 ||
			{ tail -n 20 "$RUN/cpu-$file.bench.txt" >&2; fail "profiling $what failed"; }
		go tool pprof -top -nodecount=40 "$RUN/gateway.test" "$RUN/cpu-$file.pprof" >"$RUN/pprof-$file.txt" 2>/dev/null ||
			fail "pprof on $RUN/cpu-$file.pprof failed"
		# Cumulative, the project's functions and the libraries they call.
		go tool pprof -top -cum -nodecount=45 -show 'caddy-ory-actions|go-jsonnet|jsonschema|gjson|sjson|net/http' \
			"$RUN/gateway.test" "$RUN/cpu-$file.pprof" >"$RUN/pprof-$file-cum.txt" 2>/dev/null || true
	done
	rm -f "$RUN/gateway.test"
}
