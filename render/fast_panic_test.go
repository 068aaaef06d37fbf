package render

import (
	"sync"
	"testing"

	"github.com/google/go-jsonnet/ast"

	"github.com/caddy-ory-actions/caddy-ory-actions/render/internal/fastpath"
)

// brokenCtxParser hands the fast path a ctx AST that breaks fastpath.Parser's
// contract (field names that are not strings): the fast path's evaluator panics on
// it, standing for a bug there.
type brokenCtxParser struct{}

func (brokenCtxParser) Parse([]byte) (*ast.DesugaredObject, error) {
	return &ast.DesugaredObject{Fields: []ast.DesugaredObjectField{
		{Name: &ast.LiteralNumber{OriginalString: "1"}, Body: nullNode},
		{Name: &ast.LiteralNumber{OriginalString: "2"}, Body: nullNode},
	}}, nil
}

// forceFastPathPanic makes every fast evaluation of t panic.
func forceFastPathPanic(t *Template) {
	t.fast = fastpath.Compile(t.node, func() fastpath.Parser { return brokenCtxParser{} })
}

// A panic in the fast path falls back to go-jsonnet for that evaluation, counts in
// FastPathPanics and reaches Options.OnFastPathPanic.
func TestFastPathPanicFallsBack(t *testing.T) {
	var mu sync.Mutex
	var reports []FastPathPanic
	opts := Options{OnFastPathPanic: func(p FastPathPanic) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, p)
	}}
	tpl, err := Compile("file://t.jsonnet", wholeCtx, opts)
	if err != nil {
		t.Fatal(err)
	}
	forceFastPathPanic(tpl)
	ctx := []byte(`{"a": "x"}`)
	for range 3 {
		out, err := tpl.Evaluate(t.Context(), ctx)
		if err != nil || string(out) != "{\n   \"a\": \"x\"\n}\n" {
			t.Fatalf("got (%q, %v), want go-jsonnet's output", out, err)
		}
	}
	if n := tpl.FastPathPanics(); n != 3 {
		t.Errorf("FastPathPanics() = %d, want 3", n)
	}
	if n := tpl.fastHits.Load(); n != 0 {
		t.Errorf("%d evaluations counted as rendered by the panicking fast path", n)
	}
	if len(reports) != 3 {
		t.Fatalf("%d reports, want 3", len(reports))
	}
	if r := reports[0]; r.Template != "file://t.jsonnet" || r.Value == nil || len(r.Stack) == 0 {
		t.Errorf("report %+v", r)
	}

	// Without a callback the panic is still counted, and nothing else changes.
	quiet := compile(t, wholeCtx, Options{})
	forceFastPathPanic(quiet)
	if out, err := quiet.Evaluate(t.Context(), ctx); err != nil || len(out) == 0 || quiet.FastPathPanics() != 1 {
		t.Fatalf("got (%q, %v), panics %d", out, err, quiet.FastPathPanics())
	}
	// An ordinary give-up (a missing field) is not a panic.
	plain := compile(t, `function(ctx) ctx.missing`, opts)
	if _, err := plain.Evaluate(t.Context(), ctx); err == nil || plain.FastPathPanics() != 0 {
		t.Fatalf("got %v, panics %d", err, plain.FastPathPanics())
	}
}
