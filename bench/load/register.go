package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RegisterRow is one hooked-registration run at one concurrency.
type RegisterRow struct {
	Mode string `json:"mode"`
	Conc int    `json:"conc"`
	// Submits are the timed registration submits per setup. Throughput is
	// conc / mean latency (Little's law for a closed loop): the submits per
	// second this setup sustains at this concurrency under the shared load.
	Submits map[string]Summary `json:"submits"`
	// Inits are the (untimed for the ratios) flow inits before each submit.
	Inits map[string]Summary `json:"inits"`
	// HookCalls is how many calls the receiver got per setup during the run.
	HookCalls map[string]int `json:"hook_calls"`
	// HookConns is how many new connections those calls came on: about
	// the concurrency when the caller keeps connections alive.
	HookConns map[string]int `json:"hook_conns"`
	// FirstError is one error message per failing setup, for diagnosis.
	FirstError map[string]string `json:"first_error,omitempty"`
	// WallRate is all setups' registrations per second of wall time.
	WallRate float64 `json:"wall_rate"`
}

// runRegister alternates the setups request by request (a, b, c, a, b, c,
// …, each worker starting at a different setup) at each concurrency.
func runRegister(args []string) error {
	fs := flag.NewFlagSet("register", flag.ExitOnError)
	setups := fs.String("setups", "", "name=URL,… (loopback)")
	mode := fs.String("mode", "parse", "label of this run")
	concs := fs.String("conc", "1,8", "concurrency levels")
	duration := fs.Duration("duration", 20*time.Second, "timed run per level")
	warmup := fs.Duration("warmup", 2*time.Second, "untimed run per level")
	recv := fs.String("receiver", "", "receiver base URL, to count hook calls")
	hookPaths := fs.String("hook-paths", "", "name=/path,… the receiver path each setup's hook calls")
	out := fs.String("out", "", "result JSON file")
	_ = fs.Parse(args)
	ts, err := parseTargets(*setups)
	if err != nil {
		return err
	}
	levels, err := parseInts(*concs)
	if err != nil {
		return err
	}
	if *duration <= 0 || *duration > 5*time.Minute || *warmup < 0 || *warmup > time.Minute {
		return fmt.Errorf("duration must be 0..5m and warmup 0..1m")
	}
	paths := map[string]string{}
	if *hookPaths != "" {
		for _, p := range splitPairs(*hookPaths) {
			paths[p[0]] = p[1]
		}
	}
	var rows []RegisterRow
	for _, conc := range levels {
		clients := make([]kratosAPI, len(ts))
		for i, t := range ts {
			clients[i] = kratosAPI{c: newClient(conc), base: t.URL}
		}
		registerLevel(ts, clients, conc, *warmup, nil)
		before := receiverCounts(*recv)
		row := RegisterRow{Mode: *mode, Conc: conc}
		registerLevel(ts, clients, conc, *duration, &row)
		after := receiverCounts(*recv)
		row.HookCalls, row.HookConns = map[string]int{}, map[string]int{}
		for name, path := range paths {
			row.HookCalls[name] = after.Calls[path] - before.Calls[path]
			row.HookConns[name] = after.Conns[path] - before.Conns[path]
		}
		rows = append(rows, row)
		printRegisterRow(ts, row)
	}
	if *out != "" {
		return writeJSON(*out, rows)
	}
	return nil
}

// registerLevel runs conc workers for d; with row nil nothing is recorded.
func registerLevel(ts []target, clients []kratosAPI, conc int, d time.Duration, row *RegisterRow) {
	run := randomID()
	// Unrelated to the e-mail: Kratos refuses passwords similar to the identifier.
	password := "Zq8#" + randomID() + randomID() + "-vW!"
	deadline := time.Now().Add(d)
	submits := make([][]*recorder, len(ts))
	inits := make([][]*recorder, len(ts))
	firstErr := make([]string, len(ts))
	var errMu sync.Mutex
	for i := range ts {
		submits[i] = make([]*recorder, conc)
		inits[i] = make([]*recorder, conc)
		for w := range conc {
			submits[i][w], inits[i][w] = &recorder{}, &recorder{}
		}
	}
	started := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			const maxRotations = 100000 // a bound far above what d allows
			for n := 0; n < maxRotations && time.Now().Before(deadline); n++ {
				for k := range ts {
					i := (k + w) % len(ts)
					email := fmt.Sprintf("bench-%s-%s-%d-%d@example.org", run, ts[i].Name, w, n)
					id, initTook, err := clients[i].initFlow()
					if err == nil {
						inits[i][w].add(initTook)
						var took time.Duration
						if took, err = clients[i].register(id, email, password); err == nil {
							submits[i][w].add(took)
							continue
						}
					}
					submits[i][w].errors++
					errMu.Lock()
					if firstErr[i] == "" {
						firstErr[i] = err.Error()
					}
					errMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if row == nil {
		return
	}
	wall := time.Since(started)
	row.Submits, row.Inits, row.FirstError = map[string]Summary{}, map[string]Summary{}, map[string]string{}
	total := 0
	for i, t := range ts {
		lat, errs := merge(submits[i])
		s := summarize(lat, errs)
		if s.MeanUS > 0 {
			s.Throughput = float64(conc) / (s.MeanUS / 1e6)
		}
		row.Submits[t.Name] = s
		total += s.N
		ilat, ierrs := merge(inits[i])
		row.Inits[t.Name] = summarize(ilat, ierrs)
		if firstErr[i] != "" {
			row.FirstError[t.Name] = firstErr[i]
		}
	}
	row.WallRate = float64(total) / wall.Seconds()
}

// receiverCounts reads the receiver's counters; zero when there is none.
func receiverCounts(base string) receiverStats {
	if base == "" {
		return receiverStats{}
	}
	st, err := fetchCounts(&http.Client{Timeout: 5 * time.Second}, base)
	if err != nil {
		return receiverStats{}
	}
	return st
}

func printRegisterRow(ts []target, row RegisterRow) {
	fmt.Printf("registration %-6s c=%d", row.Mode, row.Conc)
	for _, t := range ts {
		s := row.Submits[t.Name]
		fmt.Printf("  %s: p50 %6.0fµs p99 %6.0fµs %5.0f req/s n %d err %d hooks %d on %d conns", t.Name, s.P50US, s.P99US, s.Throughput, s.N, s.Errors, row.HookCalls[t.Name], row.HookConns[t.Name])
	}
	fmt.Println()
	for name, e := range row.FirstError {
		fmt.Printf("  first error of %s: %s\n", name, e)
	}
}

// randomID keeps e-mail addresses unique across runs on one database.
func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// splitPairs reads "a=x,b=y".
func splitPairs(s string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}
