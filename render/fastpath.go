package render

import (
	"github.com/google/go-jsonnet/ast"

	"github.com/caddy-ory-actions/caddy-ory-actions/render/internal/fastpath"
)

// render's side of the fast path (package fastpath, which renders templates of a
// small subset without go-jsonnet): the ctx parser it is given, and the accounting
// of what it did.

// FastPathPanic describes a panic inside the fast path, which is a bug there: the
// evaluation it happened in was rendered by go-jsonnet instead, with the right
// result. It carries no ctx data, so it can be logged as is.
type FastPathPanic struct {
	Template string // the template's display name
	Value    any    // what the fast path panicked with
	Stack    []byte // the stack where it panicked
}

// FastPathPanics returns how many evaluations of t fell back to go-jsonnet after a
// panic in the fast path (see Options.OnFastPathPanic).
func (t *Template) FastPathPanics() uint64 { return t.fastPanics.Load() }

// fastParser hands the fast path the very ctx AST the go-jsonnet path binds (same
// decoding of strings and numbers, same pruning), which is what fastpath's promise
// of go-jsonnet's output is stated over.
type fastParser struct {
	builder *ctxBuilder
	need    *ctxPaths
}

func newFastParser(need *ctxPaths) fastpath.Parser {
	b := newCtxBuilder()
	b.reuse = true // a fast evaluation keeps no node once it returns
	return &fastParser{builder: b, need: need}
}

func (p *fastParser) Parse(ctxJSON []byte) (*ast.DesugaredObject, error) {
	// The builder needs a string; the copy is private to this call, which ends
	// with the evaluation (nothing here outlives Evaluate).
	node, err := p.builder.build(string(ctxJSON), p.need)
	if err != nil {
		return nil, err
	}
	obj, _ := node.(*ast.DesugaredObject) // build only returns objects; nil gives up
	return obj, nil
}

// evaluateFast renders ctxJSON on the fast path; ok=false means: use go-jsonnet.
func (t *Template) evaluateFast(ctxJSON []byte) (out []byte, ok bool) {
	out, ok, panicked := t.fast.Eval(ctxJSON, t.maxOutput)
	if panicked != nil {
		t.fastPanics.Add(1)
		if t.onFastPathPanic != nil {
			t.onFastPathPanic(FastPathPanic{Template: t.name, Value: panicked.Value, Stack: panicked.Stack})
		}
	}
	if ok {
		t.fastHits.Add(1)
	}
	return out, ok
}
