package gateway

// Benchmarks of the gateway itself (no Caddy server, no real Kratos):
//   - BenchmarkPassThrough: what ServeHTTP adds to a request no hook
//     concerns; the target is 0 allocs/op.
//   - BenchmarkHookMachinery: ctx + Jsonnet + rewrite on the ~6 KB
//     registration ctx, network excluded; the target is p50 <= 100 µs.
//   - BenchmarkRegistrationSubmit: a whole hooked registration submit
//     through ServeHTTP, with a fake Kratos and receiver on loopback.
// `make bench` (bench/run.sh) runs them; see BENCHMARKS.md.

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/sjson"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-ory-actions/caddy-ory-actions/bench/benchdata"
	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// benchWriter is a ResponseWriter that keeps nothing, so the benchmarks
// count the handler's allocations only.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(s int)           { w.status = s }
func (w *benchWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func (w *benchWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// benchGateway builds a gateway with a production-like logger (JSON at
// INFO, to nowhere) and the given hooks.
func benchGateway(b *testing.B, kratosURL string, specs ...HookSpec) *Gateway {
	b.Helper()
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
	key, err := DeriveKey("bench-secret-bench-secret-bench-secret")
	if err != nil {
		b.Fatal(err)
	}
	gw, err := New(context.Background(), Config{
		KratosPublicURL: kratosURL, KratosAdminURL: kratosURL, Key: key, Hooks: specs, Logger: logger,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gw.Close() })
	return gw
}

// benchHook is a hook spec with Kratos's default policy.
func benchHook(flow kratos.Flow, method, url string, resp hooks.Response, body string) HookSpec {
	return HookSpec{ID: string(flow) + "_after", Flow: flow, When: After, Method: method, Policy: hooks.DefaultPolicy(),
		Config: hooks.Config{URL: url, Method: "POST", Response: resp, Body: body}}
}

// BenchmarkPassThrough runs requests that no hook concerns through a
// handler with hooks on registration and login. next does nothing.
func BenchmarkPassThrough(b *testing.B) {
	h := benchGateway(b, "http://127.0.0.1:1",
		benchHook(kratos.Registration, "password", "http://127.0.0.1:1/hook", hooks.Response{Parse: true}, ""),
		benchHook(kratos.Login, "", "http://127.0.0.1:1/hook", hooks.Response{Ignore: true}, ""))
	next := UpstreamFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	for _, tc := range []struct{ name, method, target string }{
		{"path=static", http.MethodGet, "/static/app.js"},
		{"path=self-service-unhooked-fetch", http.MethodGet, "/self-service/verification/flows?id=0b6c3ab4-3d63-4cc6-9e42-37d1c0f5a0b1"},
		{"path=self-service-unhooked-submit", http.MethodPost, "/self-service/verification?flow=0b6c3ab4-3d63-4cc6-9e42-37d1c0f5a0b1"},
		{"path=self-service-hooked-flow-fetch", http.MethodGet, "/self-service/registration/flows?id=0b6c3ab4-3d63-4cc6-9e42-37d1c0f5a0b1"},
		{"path=self-service-api-init", http.MethodGet, "/self-service/login/api"},
		{"path=self-service-browser-init", http.MethodGet, "/self-service/login/browser"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Header.Set("Cookie", "csrf_token_abc=xyz; _ga=GA1.1.1.1")
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				if err := h.ServeHTTP(w, r, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHookMachinery is the gateway's own work on a hooked submit with
// the network left out: ctx assembly, the seed's invite_code template, and
// what the answer makes the gateway do to Kratos's answer or the flow.
func BenchmarkHookMachinery(b *testing.B) {
	reg, err := benchdata.LoadRegistration()
	if err != nil {
		b.Fatal(err)
	}
	code, err := benchdata.SeedTemplate("invite_code")
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := render.Compile("invite_code", code, render.Options{})
	if err != nil {
		b.Fatal(err)
	}
	schema, err := kratos.CompileSchema("default", reg.Schema)
	if err != nil {
		b.Fatal(err)
	}
	req := reg.Request()
	in := kratos.CtxInput{Flow: reg.Flow, TransientPayload: reg.TransientPayload, Request: req, HeaderAllowList: kratos.DefaultHeaderAllowList, Identity: reg.Identity}
	sub, err := kratos.ParseSubmitWithSchema("application/json", reg.SubmitBody, schema)
	if err != nil {
		b.Fatal(err)
	}
	mapOpt := kratos.MapOptions{ResetMessages: true, Refill: kratos.TraitValues(sub.Traits), Order: kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder())}
	patch := []byte(`{"metadata_public":{"tier":"vip","crm_id":"cus_8f2c1d"}}`)

	rewrites := []struct {
		name string
		do   func(w *benchWriter) error
	}{
		// 200 {}: Kratos's answer goes out as buffered.
		{"outcome=continue", func(w *benchWriter) error {
			writeBuffered(w, answer{http.StatusOK, reg.KratosAnswer})
			return nil
		}},
		// 200 with an identity patch: the working identity and Kratos's
		// answer are rewritten (the admin PATCH is network, left out).
		{"outcome=patch", func(w *benchWriter) error {
			identity, fields := applyPatch(reg.Identity, nil, patch)
			out := reg.KratosAnswer
			for _, f := range fields {
				out, _ = sjson.SetRawBytes(out, "identity."+f.name, f.value)
				out, _ = sjson.SetRawBytes(out, "session.identity."+f.name, f.value)
			}
			_ = identity
			writeBuffered(w, answer{http.StatusOK, out})
			return nil
		}},
		// 400 with messages: mapped onto the flow, answered as Kratos.
		{"outcome=interrupt", func(w *benchWriter) error {
			mapped, err := kratos.ApplyMessages(reg.Flow, reg.Messages, mapOpt)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusBadRequest, contentTypeFlow, mapped)
			return nil
		}},
	}
	background := context.Background()
	for _, rw := range rewrites {
		b.Run(rw.name, func(b *testing.B) {
			w := &benchWriter{h: http.Header{}}
			buf := make([]byte, 0, 8<<10)
			durations := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				buf = kratos.BuildCtx(buf[:0], in)
				if _, err := tpl.Evaluate(background, buf); err != nil {
					b.Fatal(err)
				}
				w.reset()
				if err := rw.do(w); err != nil {
					b.Fatal(err)
				}
				if len(durations) < cap(durations) {
					durations = append(durations, time.Since(start))
				}
			}
			benchReportP50(b, durations)
		})
	}
}

// BenchmarkRegistrationSubmit sends a browser-JSON registration submit
// through ServeHTTP with one registration after hook (the seed's
// invite_code template). The flow fetch, the schema fetch and the hook call
// go to httptest servers on loopback; next stands in for Kratos's answer.
// The receiver counts calls, so a run that skipped the hook fails.
func BenchmarkRegistrationSubmit(b *testing.B) {
	reg, err := benchdata.LoadRegistration()
	if err != nil {
		b.Fatal(err)
	}
	code, err := benchdata.SeedTemplate("invite_code")
	if err != nil {
		b.Fatal(err)
	}
	flow, err := sjson.SetBytes(reg.Flow, "expires_at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano))
	if err != nil {
		b.Fatal(err)
	}
	fakeKratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch {
		case strings.HasPrefix(r.URL.Path, "/schemas/"):
			_, _ = w.Write(reg.Schema)
		case r.URL.Path == "/self-service/registration/flows":
			_, _ = w.Write(flow)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(fakeKratos.Close)
	var calls atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	b.Cleanup(receiver.Close)
	next := UpstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(reg.KratosAnswer)
		return err
	})

	for _, mode := range []struct {
		name string
		resp hooks.Response
	}{
		{"response=parse", hooks.Response{Parse: true}},
		{"response=ignore", hooks.Response{Ignore: true}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			h := benchGateway(b, fakeKratos.URL, benchHook(kratos.Registration, "password", receiver.URL+"/hook", mode.resp,
				"base64://"+base64.StdEncoding.EncodeToString([]byte(code))))
			calls.Store(0)
			w := &benchWriter{h: http.Header{}}
			durations := make([]time.Duration, 0, 1<<16)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				r := reg.Request()
				w.reset()
				start := time.Now()
				if err := h.ServeHTTP(w, r, next); err != nil {
					b.Fatal(err)
				}
				if len(durations) < cap(durations) {
					durations = append(durations, time.Since(start))
				}
				if w.status != http.StatusOK {
					b.Fatalf("status %d, want 200", w.status)
				}
				n++
			}
			b.StopTimer()
			benchReportP50(b, durations)
			if err := h.Close(); err != nil { // drains async hooks
				b.Fatal(err)
			}
			if got := calls.Load(); got != int64(n) {
				b.Fatalf("the receiver got %d calls for %d submits: the hook did not run every time", got, n)
			}
		})
	}
}

// benchReportP50 adds the median latency, which the targets are stated in.
func benchReportP50(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
}
