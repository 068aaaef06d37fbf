package fastpath

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/google/go-jsonnet/ast"
)

// panicExpr stands for a bug in an evaluator.
type panicExpr struct{}

func (panicExpr) eval(*evalState) (fval, bool) { panic("fastpath test: forced panic") }

// badParser breaks Parser's contract (a field name that is not a string), which
// the manifestation's type assertions do not survive.
type badParser struct{}

func (badParser) Parse([]byte) (*ast.DesugaredObject, error) {
	return &ast.DesugaredObject{Fields: []ast.DesugaredObjectField{
		{Name: &ast.LiteralNumber{OriginalString: "1"}, Body: &ast.LiteralNull{}},
		{Name: &ast.LiteralNumber{OriginalString: "2"}, Body: &ast.LiteralNull{}},
	}}, nil
}

// A panic is recovered, reported with its value and stack, and its evaluation
// state is dropped: the next evaluation starts from a fresh one.
func TestEvalRecoversPanic(t *testing.T) {
	var states atomic.Int64
	p := Compile(parseTemplate(t, wholeCtx), func() Parser {
		states.Add(1)
		return jsonParser{}
	})
	p.body = panicExpr{}
	const n = 20
	for range n {
		out, ok, panicked := p.Eval([]byte(`{"a": 1}`), 1<<20)
		if ok || out != nil || panicked == nil {
			t.Fatalf("got (%q, %v, %v)", out, ok, panicked)
		}
		if panicked.Value != "fastpath test: forced panic" || !bytes.Contains(panicked.Stack, []byte("panicExpr")) {
			t.Fatalf("panic reported as %v\n%s", panicked.Value, panicked.Stack)
		}
	}
	if got := states.Load(); got != n {
		t.Errorf("%d evaluation states made for %d panicking evaluations: one was pooled again", got, n)
	}

	bad := Compile(parseTemplate(t, wholeCtx), func() Parser { return badParser{} })
	if _, ok, panicked := bad.Eval([]byte(`{}`), 1<<20); ok || panicked == nil {
		t.Fatalf("a broken ctx AST: ok=%v, panic %v", ok, panicked)
	}
}

// One Program serves concurrent evaluations from its pool of states (run with
// -race), each with its own ctx.
func TestEvalConcurrent(t *testing.T) {
	p := Compile(parseTemplate(t, `function(ctx) { a: ctx.a, b: std.get(ctx, "b", [ctx.a]) }`), newJSONParser)
	ctxs := [][]byte{[]byte(`{"a": 1}`), []byte(`{"a": "x", "b": {"c": [1, 2]}}`), []byte(`{"a": [], "b": null}`)}
	want := make([]string, len(ctxs))
	for i, c := range ctxs {
		out, ok, _ := p.Eval(c, 1<<20)
		if !ok {
			t.Fatalf("%s: not rendered", c)
		}
		want[i] = string(out)
	}
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				k := (g + i) % len(ctxs)
				if out, ok, _ := p.Eval(ctxs[k], 1<<20); !ok || string(out) != want[k] {
					t.Errorf("%s: got (%q, %v)", ctxs[k], out, ok)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}
