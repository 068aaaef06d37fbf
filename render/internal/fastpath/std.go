package fastpath

import (
	"strings"
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

func compileStdCall(n *ast.Apply, sc *scope) (fexpr, exprCost, bool) {
	method, ok := stdMethod(n.Target, sc)
	args := n.Arguments.Positional
	if !ok || len(n.Arguments.Named) > 0 {
		return nil, exprCost{}, false
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
	return nil, exprCost{}, false
}

// stdMethod recognises std.<method> with std the standard library: "std" not
// rebound by the template, or "$std", the desugarer's own reference (`in`).
func stdMethod(target ast.Node, sc *scope) (string, bool) {
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

// getExpr is std.get(o, name, def): o must be an object.
type getExpr struct {
	target fexpr
	name   string
	def    fexpr
}

func (x getExpr) eval(e *evalState) (fval, bool) {
	o, ok := x.target.eval(e)
	if !ok || !o.isObject() {
		return fval{}, false
	}
	v, found, ok := e.field(o, x.name)
	if !found {
		return x.def.eval(e)
	}
	return v, ok
}

// hasExpr is std.objectHas(o, name): o must be an object.
type hasExpr struct {
	target fexpr
	name   string
}

func (x hasExpr) eval(e *evalState) (fval, bool) {
	o, ok := x.target.eval(e)
	if !ok || !o.isObject() {
		return fval{}, false
	}
	found := false
	if o.kind == fObject {
		for i := range o.obj.fields {
			found = found || o.obj.fields[i].name == x.name
		}
	} else {
		for i := range o.ctxObj.Fields {
			found = found || o.ctxObj.Fields[i].Name.(*ast.LiteralString).Value == x.name
		}
	}
	return fval{kind: fBool, b: found}, true
}

// affixExpr is std.startsWith(a, b) (std.endsWith with suffix); both must be
// strings. On valid UTF-8 (all strings here) go-jsonnet's rune-wise comparison is a
// byte-wise one.
type affixExpr struct {
	str, affix fexpr
	suffix     bool
}

func (x affixExpr) eval(e *evalState) (fval, bool) {
	a, ok := x.str.eval(e)
	if !ok || a.kind != fString {
		return fval{}, false
	}
	b, ok := x.affix.eval(e)
	if !ok || b.kind != fString {
		return fval{}, false
	}
	if x.suffix {
		return fval{kind: fBool, b: strings.HasSuffix(a.str, b.str)}, true
	}
	return fval{kind: fBool, b: strings.HasPrefix(a.str, b.str)}, true
}
