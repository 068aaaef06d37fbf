package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lat = append(lat, time.Duration(i)*time.Microsecond)
	}
	s := summarize(lat, 3)
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50US, 50}, {"p90", s.P90US, 90}, {"p99", s.P99US, 99}, {"max", s.MaxUS, 100}, {"mean", s.MeanUS, 50.5},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if s.N != 100 || s.Errors != 3 {
		t.Errorf("n, errors = %d, %d; want 100, 3", s.N, s.Errors)
	}
	if empty := summarize(nil, 1); empty.N != 0 || empty.P50US != 0 || empty.Errors != 1 {
		t.Errorf("empty summary = %+v", empty)
	}
}

func TestTargetsMustBeLoopback(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"i=http://127.0.0.1:8080", true},
		{"i=http://127.1.2.3:80/x,ii=http://localhost:81", true},
		{"i=http://[::1]:8080", true},
		{"i=http://10.0.0.1:8080", false},
		{"i=http://example.com", false},
		{"i=http://192.168.1.1:80", false},
		{"nameless", false},
	} {
		_, err := parseTargets(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseTargets(%q): err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestParseMicroTakesMedians(t *testing.T) {
	out := `goos: linux
pkg: example
BenchmarkHookMachinery/outcome=continue-2   1000   90000 ns/op   61000 p50-ns   100 B/op   3 allocs/op
BenchmarkHookMachinery/outcome=continue-2   1000   70000 ns/op   59000 p50-ns   100 B/op   3 allocs/op
BenchmarkHookMachinery/outcome=continue-2   1000   80000 ns/op   60000 p50-ns   100 B/op   3 allocs/op
BenchmarkPassThrough/path=static-2   9999999   9.1 ns/op   0 B/op   0 allocs/op
PASS
`
	path := filepath.Join(t.TempDir(), "micro.txt")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := parseMicro(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Name != "BenchmarkHookMachinery/outcome=continue" || rs[1].Name != "BenchmarkPassThrough/path=static" {
		t.Fatalf("results = %+v", rs)
	}
	if got := rs[0].Metrics["ns/op"]; got != 80000 {
		t.Errorf("median ns/op = %v, want 80000", got)
	}
	if got := rs[0].Metrics["p50-ns"]; got != 60000 {
		t.Errorf("median p50-ns = %v, want 60000", got)
	}
	if got := rs[1].Metrics["allocs/op"]; got != 0 {
		t.Errorf("allocs/op = %v, want 0", got)
	}
}

func TestReceiverAnswersAndCounts(t *testing.T) {
	srv := httptest.NewServer(newReceiver())
	defer srv.Close()
	for range 3 {
		resp, err := http.Post(srv.URL+"/native", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || len(body) != 0 {
			t.Errorf("answer = %d %v (%v), want 200 {}", resp.StatusCode, body, err)
		}
		resp.Body.Close()
	}
	st, err := fetchCounts(http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls["/native"] != 3 {
		t.Errorf("calls = %v, want /native: 3", st.Calls)
	}
	// http.Post on the default client reuses its keep-alive connection.
	if st.Conns["/native"] != 1 {
		t.Errorf("conns = %v, want /native: 1", st.Conns)
	}
}

// fakeKratos answers registration inits and submits as Kratos does for an
// API client, counting submits.
func fakeKratos(submits *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/self-service/registration/api":
			fmt.Fprint(w, `{"id":"5d1a1c3e-7d0a-4b5e-9c51-4f7e2f0b9a11","type":"api"}`)
		case r.Method == http.MethodPost && r.URL.Path == "/self-service/registration" && r.URL.Query().Get("flow") != "":
			submits.Add(1)
			fmt.Fprint(w, `{"session_token":"t","identity":{"id":"x"}}`)
		default:
			http.Error(w, `{"error":{}}`, http.StatusNotFound)
		}
	}))
}

// Request-by-request alternation gives every setup the same number of
// submits: each worker finishes its rotation before it looks at the clock.
func TestRegisterAlternatesSetupsEvenly(t *testing.T) {
	var na, nb atomic.Int64
	a, b := fakeKratos(&na), fakeKratos(&nb)
	defer a.Close()
	defer b.Close()
	ts := []target{{"a", a.URL}, {"b", b.URL}}
	clients := []kratosAPI{{c: newClient(3), base: a.URL}, {c: newClient(3), base: b.URL}}
	row := RegisterRow{}
	registerLevel(ts, clients, 3, 100*time.Millisecond, &row)
	sa, sb := row.Submits["a"], row.Submits["b"]
	if sa.N == 0 || sa.N != sb.N {
		t.Errorf("submits a=%d b=%d, want equal and > 0", sa.N, sb.N)
	}
	if sa.Errors+sb.Errors != 0 {
		t.Errorf("errors: %v", row.FirstError)
	}
	if int64(sa.N) != na.Load() || int64(sb.N) != nb.Load() {
		t.Errorf("recorded %d/%d submits, servers saw %d/%d", sa.N, sb.N, na.Load(), nb.Load())
	}
	if sa.Throughput <= 0 || sa.P50US <= 0 {
		t.Errorf("summary a = %+v, want a throughput and a p50", sa)
	}
}

func TestPassThroughCountsPerTarget(t *testing.T) {
	var hits [2]atomic.Int64
	var srvs [2]*httptest.Server
	for i := range srvs {
		srvs[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			fmt.Fprint(w, "ok")
		}))
		defer srvs[i].Close()
	}
	ts := []target{{"i", srvs[0].URL}, {"ii", srvs[1].URL}}
	row := passThroughLevel(ts, "/x", 2, 40*time.Millisecond, 2)
	for i, name := range []string{"i", "ii"} {
		s := row.Setups[name]
		if s.N == 0 || s.Errors != 0 || s.Throughput <= 0 {
			t.Errorf("%s: %+v, want requests, no errors and a throughput", name, s)
		}
		if int64(s.N) > hits[i].Load() {
			t.Errorf("%s: recorded %d requests, server saw %d", name, s.N, hits[i].Load())
		}
	}
}

func TestUpdateDocReplacesOnlyTheResults(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "BENCHMARKS.md")
	before := "# Benchmarks\n\nMethod.\n\n## Results\n\n" + docBegin + "\nold figures\n" + docEnd + "\n\n## Reproduce\n"
	if err := os.WriteFile(doc, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "machine.txt"), []byte("cpu: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := updateDoc(doc, dir, "## Targets\n\n| t | m | v |\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(doc)
	for _, want := range []string{"Method.", "## Reproduce", "### Targets", "cpu: 2", docBegin, docEnd} {
		if !strings.Contains(string(got), want) {
			t.Errorf("document lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "old figures") || strings.Contains(string(got), "\n## Targets") {
		t.Errorf("old figures kept or heading not demoted:\n%s", got)
	}
	if err := updateDoc(filepath.Join(dir, "machine.txt"), dir, "x"); err == nil {
		t.Error("a document without markers must be refused")
	}
}
