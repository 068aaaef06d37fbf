package render

import (
	"bytes"

	"github.com/google/go-jsonnet/ast"
)

// The fast path. go-jsonnet rebuilds its standard library object on every
// evaluation (≈60 % of the allocations and a third of the CPU of a simple template),
// so even a template that copies two fields costs ≈100 µs. Most webhook templates
// are just that: an object literal of ctx fields. Compile recognises such templates
// (fastcompile.go, faststd.go) and Evaluate then renders them without go-jsonnet: it
// builds the ctx AST as the slow path does (same decoding of strings and numbers,
// same pruning), evaluates a small compiled tree over it (fasteval.go) and writes
// go-jsonnet's manifestation itself (fastmanifest.go).
//
// The subset, for a template `function(ctx) body` (possibly under top-level locals):
//   - literals: null, true, false, strings, numbers, -number;
//   - object literals with constant, distinct, visible field names (a: / "a": /
//     ["a"]: / a:::), no +:, no asserts, no object locals; array literals;
//   - ctx, locals (inlined at every use), x.name, x["name"], x[integer];
//   - std.get(x, "name"[, default]), std.objectHas / std.objectHasAll(x, "name"),
//     "name" in x, std.startsWith(a, b), std.endsWith(a, b);
//   - if-then-else, error (any: it is go-jsonnet's to raise), ==, !=, &&, ||, !,
//     and + of two strings.
//
// Everything else is refused at Compile (self, super, $, functions, imports, other
// std functions, comprehensions, …) and the template always runs on go-jsonnet.
// Within the subset, the fast path gives up (returns ok=false) whenever go-jsonnet
// would, or might, raise an error, and Evaluate then runs go-jsonnet, so outputs and
// errors, cancels included, are always go-jsonnet's. That includes a missing field,
// an operand of another type, an `error` reached (so a cancel runs on go-jsonnet:
// rare by nature), invalid ctx JSON, a number that overflows, == between
// containers, nesting deeper than maxFastManifestDepth and output beyond
// Options.MaxOutput.
//
// Sandbox: the fast path's work is bounded by the ctx size, the compiled tree
// (maxFastSize, maxFastDepth) and Options.MaxOutput, so it runs on the caller's
// goroutine, without a Limiter slot and without the deadline (it cannot run away).

// fastProgram is a template compiled for the fast path.
type fastProgram struct {
	body fexpr
}

// fastEval is the state of one fast evaluation, pooled per template.
type fastEval struct {
	builder      *ctxBuilder
	root         *ast.DesugaredObject // the ctx
	out          []byte
	limit        int // output bytes allowed before the final newline
	concatBudget int
	sorted       []*ast.DesugaredObjectField // see writeCtxObject
}

// maxPooledOutput is the largest output buffer kept in the pool.
const maxPooledOutput = 64 << 10

func newFastEval() any {
	b := newCtxBuilder()
	b.reuse = true
	return &fastEval{builder: b}
}

// fastPath reports whether the template is in the fast path's subset.
func (t *Template) fastPath() bool { return t.fast != nil }

// evaluateFast renders ctxJSON on the fast path; ok=false means: use go-jsonnet.
func (t *Template) evaluateFast(ctxJSON []byte) (out []byte, ok bool) {
	e := t.fastStates.Get().(*fastEval)
	defer func() {
		// A panic here would be a bug in the fast path; go-jsonnet still gives the
		// right answer, so fall back to it.
		if recover() != nil {
			out, ok = nil, false
		}
		e.release()
		t.fastStates.Put(e)
	}()
	return e.run(t.fast, ctxJSON, t.need, t.maxOutput)
}

func (e *fastEval) run(p *fastProgram, ctxJSON []byte, need *ctxPaths, maxOutput int) ([]byte, bool) {
	// The builder needs a string; the copy is private to this call, which ends
	// with the evaluation (nothing here outlives Evaluate).
	node, err := e.builder.build(string(ctxJSON), need)
	if err != nil {
		return nil, false
	}
	e.root = node.(*ast.DesugaredObject)
	e.out = e.out[:0]
	e.limit = maxOutput - 1
	e.concatBudget = maxOutput
	v, ok := p.body.eval(e)
	if !ok || !e.write(v, 0) || len(e.out) > e.limit {
		return nil, false
	}
	e.out = append(e.out, '\n')
	return bytes.Clone(e.out), true
}

// release drops the references to this evaluation's ctx before pooling.
func (e *fastEval) release() {
	e.root = nil
	clear(e.sorted)
	e.sorted = e.sorted[:0]
	if cap(e.out) > maxPooledOutput {
		e.out = nil
	}
}
