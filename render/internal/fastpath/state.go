package fastpath

import (
	"bytes"

	"github.com/google/go-jsonnet/ast"
)

// evalState is the state of one evaluation, pooled per Program.
type evalState struct {
	parser       Parser
	root         *ast.DesugaredObject // the ctx
	out          []byte
	limit        int // output bytes allowed before the final newline
	concatBudget int
	sorted       []*ast.DesugaredObjectField // see writeCtxObject
}

// maxPooledOutput is the largest output buffer kept in the pool.
const maxPooledOutput = 64 << 10

func (p *Program) newState() any { return &evalState{parser: p.newParser()} }

func (e *evalState) run(body fexpr, ctxJSON []byte, maxOutput int) ([]byte, bool) {
	root, err := e.parser.Parse(ctxJSON)
	if err != nil || root == nil {
		return nil, false
	}
	e.root = root
	e.out = e.out[:0]
	e.limit = maxOutput - 1
	e.concatBudget = maxOutput
	v, ok := body.eval(e)
	if !ok || !e.write(v, 0) || len(e.out) > e.limit {
		return nil, false
	}
	e.out = append(e.out, '\n')
	return bytes.Clone(e.out), true
}

// release drops the references to this evaluation's ctx before pooling.
func (e *evalState) release() {
	e.root = nil
	clear(e.sorted)
	e.sorted = e.sorted[:0]
	if cap(e.out) > maxPooledOutput {
		e.out = nil
	}
}
