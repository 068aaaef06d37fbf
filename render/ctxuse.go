package render

import (
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"
)

// Most templates read a handful of fields (ctx.identity.id, ctx.flow.id, …), yet the
// ctx holds the whole flow with its UI nodes. Compile finds which parts of the ctx a
// template can observe, and the ctx builder then skips (only validates) the rest.
//
// The analysis is deliberately conservative. It applies only when the template is
// `function(ctx) …` (possibly under top-level locals) and nothing inside that function
// binds another `ctx`, so every `ctx` variable there is the top-level argument. Each
// use of it is followed up through constant field indexes (ctx.a.b, ctx["a"]); where
// the chain stops, the whole value at that path is needed. A value reached only as the
// target of a constant index can never be observed except through that index, so an
// object along such a path may hold just the indexed fields without any visible
// difference (a missing field still fails with the same "Field does not exist").
// Anything else (another template shape, a shadowing binding) keeps the whole ctx.

// ctxPaths is a trie of the ctx parts a template needs.
type ctxPaths struct {
	whole    bool                 // the whole value at this path is needed
	children map[string]*ctxPaths // otherwise: only these fields, to this depth
}

// allOfCtx is the answer when the analysis does not apply.
var allOfCtx = &ctxPaths{whole: true}

// tlaName is the top-level argument Kratos binds.
const tlaName = "ctx"

func analyzeCtxUse(root ast.Node) *ctxPaths {
	node := root
	for {
		local, ok := node.(*ast.Local)
		if !ok {
			break
		}
		node = local.Body // top-level locals cannot see the function's parameter
	}
	fn, ok := node.(*ast.Function)
	if !ok || !hasParam(fn, tlaName) {
		return allOfCtx
	}
	paths := &ctxPaths{}
	var ancestors []ast.Node
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if bindsName(n, tlaName) {
			return false
		}
		if v, ok := n.(*ast.Var); ok && v.Id == tlaName {
			paths.add(indexChain(v, ancestors))
		}
		ancestors = append(ancestors, n)
		defer func() { ancestors = ancestors[:len(ancestors)-1] }()
		for _, child := range toolutils.Children(n) {
			if !walk(child) {
				return false
			}
		}
		return true
	}
	ancestors = append(ancestors, fn)
	for _, child := range toolutils.Children(fn) { // body and default arguments
		if !walk(child) {
			return allOfCtx
		}
	}
	return paths
}

// indexChain returns the constant field names indexed off v, reading its ancestors
// (innermost last) upwards.
func indexChain(v ast.Node, ancestors []ast.Node) []string {
	var path []string
	cur := v
	for i := len(ancestors) - 1; i >= 0; i-- {
		idx, ok := ancestors[i].(*ast.Index)
		if !ok || idx.Target != cur {
			break
		}
		name, ok := idx.Index.(*ast.LiteralString)
		if !ok {
			break
		}
		path = append(path, name.Value)
		cur = idx
	}
	return path
}

func (p *ctxPaths) add(path []string) {
	for _, name := range path {
		if p.whole {
			return
		}
		if p.children == nil {
			p.children = make(map[string]*ctxPaths)
		}
		child, ok := p.children[name]
		if !ok {
			child = &ctxPaths{}
			p.children[name] = child
		}
		p = child
	}
	p.whole, p.children = true, nil
}

// child returns the needs for field name of an object at p; nil means not needed.
func (p *ctxPaths) child(name string) *ctxPaths {
	if p.whole {
		return p
	}
	return p.children[name]
}

func hasParam(fn *ast.Function, name ast.Identifier) bool {
	for _, p := range fn.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// bindsName reports whether n introduces a variable called name. After desugaring,
// comprehensions are functions, so locals, function parameters and object locals are
// all the binding forms there are.
func bindsName(n ast.Node, name ast.Identifier) bool {
	switch n := n.(type) {
	case *ast.Local:
		for _, b := range n.Binds {
			if b.Variable == name {
				return true
			}
		}
	case *ast.Function:
		return hasParam(n, name)
	case *ast.DesugaredObject:
		for _, b := range n.Locals {
			if b.Variable == name {
				return true
			}
		}
	}
	return false
}
