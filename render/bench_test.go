package render

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// Benchmarks of the ways to hand the ctx to go-jsonnet: (a) Kratos's TLACode, (b) a
// string decoded by std.parseJson, (c) this package: the ctx built straight into an
// AST (TLANode), pruned to what the template reads, on pooled VMs, (d) a native
// function returning the decoded ctx. Run:
//
//	go test -run XXX -bench Evaluate -benchmem ./render

// benchTemplates: a typical hook body reading a few fields, and the whole ctx.
var benchTemplates = []struct{ name, code string }{
	{"fields", `function(ctx) { user_id: ctx.identity.id, email: ctx.identity.traits.email, flow_id: ctx.flow.id, method: ctx.request_method }`},
	{"whole", wholeCtx},
}

// benchCtx is the compact ctx of a recorded login-after hook (flow, identity,
// session, headers): what Kratos passes to TLACode.
func benchCtx(b testing.TB) []byte {
	b.Helper()
	raw := fixtureWebhookCall(b, "wh_async_ignore_login_after_api.json", 0).body
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// (a) Kratos: a fresh VM per call, the ctx bound as code with TLACode, the template
// parsed by EvaluateAnonymousSnippet.
func BenchmarkEvaluateKratosTLACode(b *testing.B) {
	ctx := string(benchCtx(b))
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				vm := jsonnet.MakeVM()
				vm.Importer(noImporter{})
				vm.TLACode("ctx", ctx)
				if _, err := vm.EvaluateAnonymousSnippet("t", tc.code); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// (b) The ctx as a string (ExtVar) decoded by std.parseJson in a pre-parsed TLA node;
// template parsed once; one reused VM.
func BenchmarkEvaluateParseJSONExtVar(b *testing.B) {
	ctx := string(benchCtx(b))
	arg, err := jsonnet.SnippetToAST("<top-level-arg:ctx>", `std.parseJson(std.extVar("ctx"))`)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			node, err := jsonnet.SnippetToAST("t", tc.code)
			if err != nil {
				b.Fatal(err)
			}
			vm := jsonnet.MakeVM()
			vm.TLANode("ctx", arg)
			b.ReportAllocs()
			for b.Loop() {
				vm.ExtVar("ctx", ctx)
				if _, err := vm.Evaluate(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// (d) A native function returning the ctx decoded by encoding/json (go-jsonnet then
// converts the whole tree to values); template parsed once; one reused VM.
func BenchmarkEvaluateNativeFunction(b *testing.B) {
	ctx := benchCtx(b)
	arg, err := jsonnet.SnippetToAST("<top-level-arg:ctx>", `std.native("ctx")()`)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			node, err := jsonnet.SnippetToAST("t", tc.code)
			if err != nil {
				b.Fatal(err)
			}
			vm := jsonnet.MakeVM()
			vm.NativeFunction(&jsonnet.NativeFunction{Name: "ctx", Params: ast.Identifiers{}, Func: func([]any) (any, error) {
				var v any
				err := json.Unmarshal(ctx, &v)
				return v, err
			}})
			vm.TLANode("ctx", arg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vm.Evaluate(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// (c) This package: Template.Evaluate end to end: on the fast path (path=fast; both
// templates are in its subset), or forced onto go-jsonnet (path=jsonnet: limiter,
// deadline, worker goroutine, pooled VM, ctx built straight into a pruned AST).
// Reports the median as p50-ns.
func BenchmarkEvaluateTemplate(b *testing.B) {
	ctx := benchCtx(b)
	for _, tc := range benchTemplates {
		for _, path := range []string{"fast", "jsonnet"} {
			b.Run(tc.name+"/path="+path, func(b *testing.B) {
				benchmarkEvaluate(b, tc.code, path == "fast", ctx)
			})
		}
	}
}

func benchmarkEvaluate(b *testing.B, code string, fast bool, ctx []byte) {
	tpl, err := Compile("t", code, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if !fast {
		tpl.fast = nil
	}
	background := context.Background()
	var durations []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := tpl.Evaluate(background, ctx); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds()), "p50-ns")
	if fast && tpl.fastHits.Load() == 0 {
		b.Fatal("the fast path rendered nothing")
	}
}

// (c) without pruning: the whole ctx built into the AST whatever the template reads.
func BenchmarkEvaluateTemplateUnpruned(b *testing.B) {
	ctx := benchCtx(b)
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			tpl, err := Compile("t", tc.code, Options{})
			if err != nil {
				b.Fatal(err)
			}
			tpl.need = allOfCtx
			tpl.fast = nil // a go-jsonnet measurement
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tpl.Evaluate(context.Background(), ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The fixed cost go-jsonnet adds to every evaluation (it rebuilds the std library
// object per Evaluate call): a template that ignores its ctx.
func BenchmarkEvaluateFloor(b *testing.B) {
	tpl, err := Compile("t", `function(ctx) {}`, Options{})
	if err != nil {
		b.Fatal(err)
	}
	tpl.fast = nil // a go-jsonnet measurement
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Evaluate(context.Background(), []byte(`{}`)); err != nil {
			b.Fatal(err)
		}
	}
}

// Building the ctx AST alone.
func BenchmarkCtxBuild(b *testing.B) {
	ctx := string(benchCtx(b))
	builder := newCtxBuilder()
	b.SetBytes(int64(len(ctx)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := builder.build(ctx, allOfCtx); err != nil {
			b.Fatal(err)
		}
	}
}
