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
// use of it is followed up through constant field accesses: ctx.a.b, ctx["a"], and,
// unless the template rebinds `std`, std.get(x, "a", …) and the field tests
// std.objectHas*(x, "a") and "a" in x; where the chain stops, the whole value at that
// path is needed. A value reached only through constant field accesses can never be
// observed except through them, so an object along such a path may hold just the
// accessed fields without any visible difference (a missing field still fails with
// the same "Field does not exist", std.get still falls back to its default).
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
	stdCalls := !bindsAnywhere(root, "std")
	var ancestors []ast.Node
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if bindsName(n, tlaName) {
			return false
		}
		if v, ok := n.(*ast.Var); ok && v.Id == tlaName {
			paths.add(accessChain(v, ancestors, stdCalls))
		}
		ancestors = append(ancestors, n)
		defer func() { ancestors = ancestors[:len(ancestors)-1] }()
		for _, child := range children(n) {
			if !walk(child) {
				return false
			}
		}
		return true
	}
	ancestors = append(ancestors, fn)
	for _, child := range children(fn) { // body and default arguments
		if !walk(child) {
			return allOfCtx
		}
	}
	return paths
}

// accessChain returns the constant field names accessed off v, reading its ancestors
// (innermost last) upwards. With stdCalls, std.get and the std.objectHas family count
// as accesses (a field test ends the chain: its result is a boolean).
func accessChain(v ast.Node, ancestors []ast.Node, stdCalls bool) []string {
	var path []string
	cur := v
	for i := len(ancestors) - 1; i >= 0; i-- {
		if idx, ok := ancestors[i].(*ast.Index); ok && idx.Target == cur {
			name, ok := idx.Index.(*ast.LiteralString)
			if !ok {
				break
			}
			path = append(path, name.Value)
			cur = idx
			continue
		}
		if !stdCalls {
			break
		}
		fn, name, ok := stdFieldCall(ancestors[i], cur)
		if !ok {
			break
		}
		path = append(path, name)
		if fn != "get" {
			break
		}
		cur = ancestors[i]
	}
	return path
}

// stdFieldCalls are the std functions that read one field of their first argument,
// named by their second: get returns it (or a default), the others test for it.
var stdFieldCalls = map[string]bool{"get": true, "objectHas": true, "objectHasAll": true, "objectHasEx": true}

// stdFieldCall recognises std.<fn>(arg, "name", …) with arg the node cur.
func stdFieldCall(n, arg ast.Node) (fn, name string, ok bool) {
	call, isCall := n.(*ast.Apply)
	if !isCall || len(call.Arguments.Named) > 0 || len(call.Arguments.Positional) < 2 ||
		call.Arguments.Positional[0].Expr != arg {
		return "", "", false
	}
	target, isIndex := call.Target.(*ast.Index)
	if !isIndex {
		return "", "", false
	}
	std, isVar := target.Target.(*ast.Var)
	method, isMethod := target.Index.(*ast.LiteralString)
	field, isField := call.Arguments.Positional[1].Expr.(*ast.LiteralString)
	// "$std" is the desugarer's own reference (the `in` operator), "std" the user's.
	if !isVar || (std.Id != "std" && std.Id != "$std") || !isMethod || !stdFieldCalls[method.Value] || !isField {
		return "", "", false
	}
	return method.Value, field.Value, true
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

// bindsAnywhere reports whether any node under root binds name.
func bindsAnywhere(root ast.Node, name ast.Identifier) bool {
	if bindsName(root, name) {
		return true
	}
	for _, child := range children(root) {
		if bindsAnywhere(child, name) {
			return true
		}
	}
	return false
}

// children lists a node's subexpressions: toolutils.Children's, plus the asserts of
// a desugared object, which it leaves out (go-jsonnet v0.22.0
// internal/parser/context.go, inDesugaredObjectSpecialChildren), though they are
// evaluated when the object is manifested and can read the ctx.
func children(n ast.Node) []ast.Node {
	c := toolutils.Children(n)
	if obj, ok := n.(*ast.DesugaredObject); ok {
		c = append(c, obj.Asserts...)
	}
	return c
}
