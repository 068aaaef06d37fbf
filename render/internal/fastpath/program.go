package fastpath

import (
	"runtime/debug"
	"sync"

	"github.com/google/go-jsonnet/ast"
)

// Parser builds the ctx AST for one evaluation: the AST go-jsonnet evaluates for
// the ctx document. The fast path reads it as go-jsonnet would and relies on its
// shape, which is that of a JSON document turned into Jsonnet:
//   - every object is an *ast.DesugaredObject whose fields have *ast.LiteralString
//     names, each name once (of duplicate JSON keys the last one wins, as with
//     encoding/json);
//   - values are *ast.LiteralString (valid UTF-8), *ast.LiteralNumber (the JSON
//     text in OriginalString), *ast.LiteralBoolean, *ast.LiteralNull,
//     *ast.DesugaredObject or *ast.Array.
//
// Fields may be left out where the template cannot observe them: Eval matches
// go-jsonnet on whatever AST it is given. A node that breaks the shape makes Eval
// give up (or panic, which is recovered and reported).
//
// A Parser serves one evaluation at a time. Eval keeps no node once it returns, so
// a Parser may reuse the previous document's memory on the next Parse.
type Parser interface {
	Parse(ctxJSON []byte) (*ast.DesugaredObject, error)
}

// Program is a template compiled for the fast path. It is safe for concurrent use.
type Program struct {
	body      fexpr
	newParser func() Parser
	// states pools the evaluation state (with its Parser, whose node memory is
	// reused), so a steady stream of evaluations allocates only its output.
	states sync.Pool // *evalState
}

// Panic describes a panic recovered inside Eval: a bug in the fast path. It
// carries no ctx data.
type Panic struct {
	Value any    // what the fast path panicked with
	Stack []byte // the stack where it panicked (runtime/debug.Stack)
}

// Compile returns the fast program for a template, or nil when the template is
// outside the subset (see the package documentation). root is the desugared AST
// the caller evaluates with go-jsonnet; newParser makes the Parser of each pooled
// evaluation state.
func Compile(root ast.Node, newParser func() Parser) *Program {
	body, ok := compileTemplate(root)
	if !ok {
		return nil
	}
	p := &Program{body: body, newParser: newParser}
	p.states.New = p.newState
	return p
}

// Eval renders ctxJSON: out is the template's manifestation with a final newline,
// at most maxOutput bytes. ok=false means: run go-jsonnet instead (see the package
// documentation for when); panicked is then non-nil if the reason is a recovered
// panic. Eval does not keep ctxJSON or out.
func (p *Program) Eval(ctxJSON []byte, maxOutput int) (out []byte, ok bool, panicked *Panic) {
	e := p.states.Get().(*evalState)
	defer func() {
		if r := recover(); r != nil {
			// go-jsonnet still gives the right answer, so the caller falls back to
			// it. The state may be half-updated: drop it rather than pool it.
			out, ok, panicked = nil, false, &Panic{Value: r, Stack: debug.Stack()}
			return
		}
		e.release()
		p.states.Put(e)
	}()
	out, ok = e.run(p.body, ctxJSON, maxOutput)
	return out, ok, nil
}
