package render_test

// Jsonnet evaluation of the seed's example templates on the ~6 KB
// registration ctx of bench/benchdata, the gateway's way (impl=gateway:
// render.Template, compiled once, on its fast path; impl=gateway-jsonnet: the
// same forced onto go-jsonnet) against Kratos's (impl=kratos: a fresh VM
// per call, the ctx bound as code with TLACode, the template re-parsed by
// EvaluateAnonymousSnippet; Kratos v1.3.1 additionally runs this in a worker
// process, which this in-process figure leaves out, so it flatters Kratos).
// `make bench` compares the two with benchstat.

import (
	"context"
	"slices"
	"testing"
	"time"

	jsonnet "github.com/google/go-jsonnet"

	"github.com/caddy-ory-actions/caddy-ory-actions/bench/benchdata"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

func BenchmarkSeedTemplate(b *testing.B) {
	reg, err := benchdata.LoadRegistration()
	if err != nil {
		b.Fatal(err)
	}
	ctx := reg.Ctx()
	for _, name := range benchdata.SeedTemplates {
		code, err := benchdata.SeedTemplate(name)
		if err != nil {
			b.Fatal(err)
		}
		// impl=gateway is render as configured (the fast path, for these templates);
		// impl=gateway-jsonnet forces go-jsonnet, as before the fast path existed.
		b.Run("tmpl="+name+"/impl=gateway", func(b *testing.B) {
			benchmarkGateway(b, name, code, true, ctx)
		})
		b.Run("tmpl="+name+"/impl=gateway-jsonnet", func(b *testing.B) {
			benchmarkGateway(b, name, code, false, ctx)
		})
		b.Run("tmpl="+name+"/impl=kratos", func(b *testing.B) {
			s := string(ctx)
			b.ReportAllocs()
			for b.Loop() {
				vm := jsonnet.MakeVM()
				vm.TLACode("ctx", s)
				if _, err := vm.EvaluateAnonymousSnippet(name, code); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchmarkGateway measures render.Template.Evaluate, with the fast path (which the
// template must then take) or forced onto go-jsonnet.
func benchmarkGateway(b *testing.B, name, code string, fast bool, ctx []byte) {
	tpl, err := render.Compile(name, code, render.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if !fast {
		render.DisableFastPath(tpl)
	}
	background := context.Background()
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := tpl.Evaluate(background, ctx); err != nil {
			b.Fatal(err)
		}
		if len(durations) < cap(durations) {
			durations = append(durations, time.Since(start))
		}
	}
	reportP50(b, durations)
	if hits := render.FastPathHits(tpl); fast && hits == 0 {
		b.Fatal("the fast path rendered nothing")
	}
}

// reportP50 adds the median latency, which the targets are stated in.
func reportP50(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
}
