package render

import (
	"unicode/utf8"

	"github.com/google/go-jsonnet/ast"
)

// The std functions the fast path reproduces: the ones webhook templates use to read
// optional fields and to decide on a cancel. Each is refused unless called with
// positional arguments only, in the shapes below.
//
//	std.get(o, "name")  std.get(o, "name", default)    (no inc_hidden argument)
//	std.objectHas(o, "name")  std.objectHasAll(o, "name")  "name" in o
//	std.startsWith(a, b)  std.endsWith(a, b)

func compileStdCall(n *ast.Apply, sc *fastScope) (fexpr, fastCost, bool) {
	method, ok := stdMethod(n.Target, sc)
	args := n.Arguments.Positional
	if !ok || len(n.Arguments.Named) > 0 {
		return nil, fastCost{}, false
	}
	switch method {
	case "get":
		if len(args) != 2 && len(args) != 3 {
			break
		}
		name, ok := constFieldName(args[1].Expr)
		if !ok {
			break
		}
		if len(args) == 2 {
			return compileN(sc, func(e []fexpr) fexpr { return getExpr{e[0], name, constExpr{fval{kind: fNull}}} }, args[0].Expr)
		}
		return compileN(sc, func(e []fexpr) fexpr { return getExpr{e[0], name, e[1]} }, args[0].Expr, args[2].Expr)
	case "objectHas", "objectHasAll":
		// The two differ on hidden fields only, which no object here has.
		if len(args) != 2 {
			break
		}
		if name, ok := constFieldName(args[1].Expr); ok {
			return compileN(sc, func(e []fexpr) fexpr { return hasExpr{e[0], name} }, args[0].Expr)
		}
	case "startsWith", "endsWith":
		if len(args) == 2 {
			suffix := method == "endsWith"
			return compileN(sc, func(e []fexpr) fexpr { return affixExpr{e[0], e[1], suffix} }, args[0].Expr, args[1].Expr)
		}
	}
	return nil, fastCost{}, false
}

// stdMethod recognises std.<method> with std the standard library: "std" not
// rebound by the template, or "$std", the desugarer's own reference (`in`).
func stdMethod(target ast.Node, sc *fastScope) (string, bool) {
	idx, ok := target.(*ast.Index)
	if !ok {
		return "", false
	}
	v, isVar := idx.Target.(*ast.Var)
	method, isName := idx.Index.(*ast.LiteralString)
	if !isVar || !isName || (v.Id != "std" && v.Id != "$std") {
		return "", false
	}
	for s := sc; s != nil; s = s.parent {
		if s.name == v.Id {
			return "", false
		}
	}
	return method.Value, true
}

// constFieldName accepts a field name given as a string literal.
func constFieldName(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.LiteralString)
	if !ok || !utf8.ValidString(lit.Value) {
		return "", false
	}
	return lit.Value, true
}
