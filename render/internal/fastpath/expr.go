package fastpath

import (
	"strconv"

	"github.com/google/go-jsonnet/ast"
)

// Run-time half of the fast path: the compiled expressions and their values. Every
// eval returns ok=false ("bail") where go-jsonnet would raise an error, or might:
// a missing field, a type the operation does not take, an error expression, a
// number out of range, deep equality of containers. The caller then runs go-jsonnet,
// which gives the exact result. So an eval only has to be right when it succeeds.

// fkind is the type of a value. The ctx kinds point into the ctx AST the Parser
// built (the one go-jsonnet would evaluate); the template kinds are literals of
// the template, whose fields are evaluated when they are manifested.
type fkind uint8

const (
	fNull fkind = iota
	fBool
	fNumber
	fString
	fCtxObject
	fCtxArray
	fObject
	fArray
)

// fval is one value. It is passed by value: evaluation allocates nothing but
// concatenated strings.
type fval struct {
	kind   fkind
	b      bool
	num    float64
	str    string
	ctxObj *ast.DesugaredObject
	ctxArr *ast.Array
	obj    *objectExpr
	arr    *arrayExpr
}

func (v fval) isObject() bool { return v.kind == fCtxObject || v.kind == fObject }

// jsonnetType is the value's Jsonnet type: ctx and template containers are alike.
func (v fval) jsonnetType() fkind {
	switch v.kind {
	case fCtxObject:
		return fObject
	case fCtxArray:
		return fArray
	}
	return v.kind
}

// fexpr is a compiled expression.
type fexpr interface {
	eval(e *evalState) (fval, bool)
}

// ctxValue turns a node of the ctx AST into a value. Numbers are parsed as
// go-jsonnet parses a LiteralNumber (which fails on overflow).
func ctxValue(n ast.Node) (fval, bool) {
	switch n := n.(type) {
	case *ast.LiteralString:
		return fval{kind: fString, str: n.Value}, true
	case *ast.LiteralNumber:
		v, err := strconv.ParseFloat(n.OriginalString, 64)
		return fval{kind: fNumber, num: v}, err == nil
	case *ast.LiteralBoolean:
		return fval{kind: fBool, b: n.Value}, true
	case *ast.LiteralNull:
		return fval{kind: fNull}, true
	case *ast.DesugaredObject:
		return fval{kind: fCtxObject, ctxObj: n}, true
	case *ast.Array:
		return fval{kind: fCtxArray, ctxArr: n}, true
	}
	return fval{}, false
}

// field looks a field up in an object value; found=false when it has none.
func (e *evalState) field(o fval, name string) (v fval, found, ok bool) {
	if o.kind == fObject {
		for i := range o.obj.fields {
			if f := &o.obj.fields[i]; f.name == name {
				v, ok = f.body.eval(e)
				return v, true, ok
			}
		}
		return fval{}, false, true
	}
	// A ctx object holds each key once (see Parser).
	for i := range o.ctxObj.Fields {
		if f := &o.ctxObj.Fields[i]; f.Name.(*ast.LiteralString).Value == name {
			v, ok = ctxValue(f.Body)
			return v, true, ok
		}
	}
	return fval{}, false, true
}

type constExpr struct{ v fval }

func (c constExpr) eval(*evalState) (fval, bool) { return c.v, true }

// ctxExpr is the top-level argument.
type ctxExpr struct{}

func (ctxExpr) eval(e *evalState) (fval, bool) { return fval{kind: fCtxObject, ctxObj: e.root}, true }

// objectExpr is an object literal, fields sorted by name.
type objectExpr struct{ fields []objectField }

type objectField struct {
	name   string
	quoted []byte // the name as manifested
	body   fexpr
}

func (o *objectExpr) eval(*evalState) (fval, bool) { return fval{kind: fObject, obj: o}, true }

type arrayExpr struct{ elems []fexpr }

func (a *arrayExpr) eval(*evalState) (fval, bool) { return fval{kind: fArray, arr: a}, true }

// errorExpr is `error …`: always go-jsonnet's to raise.
type errorExpr struct{}

func (errorExpr) eval(*evalState) (fval, bool) { return fval{}, false }

// indexExpr is x.name: a field that must exist.
type indexExpr struct {
	target fexpr
	name   string
}

func (x indexExpr) eval(e *evalState) (fval, bool) {
	o, ok := x.target.eval(e)
	if !ok || !o.isObject() {
		return fval{}, false
	}
	v, found, ok := e.field(o, x.name)
	return v, found && ok
}

// elemExpr is x[i]: an element that must exist.
type elemExpr struct {
	target fexpr
	index  int
}

func (x elemExpr) eval(e *evalState) (fval, bool) {
	a, ok := x.target.eval(e)
	switch {
	case !ok:
	case a.kind == fCtxArray && x.index < len(a.ctxArr.Elements):
		return ctxValue(a.ctxArr.Elements[x.index].Expr)
	case a.kind == fArray && x.index < len(a.arr.elems):
		return a.arr.elems[x.index].eval(e)
	}
	return fval{}, false
}

// condExpr is if-then-else; the condition must be a boolean.
type condExpr struct{ cond, yes, no fexpr }

func (x condExpr) eval(e *evalState) (fval, bool) {
	c, ok := x.cond.eval(e)
	if !ok || c.kind != fBool {
		return fval{}, false
	}
	if c.b {
		return x.yes.eval(e)
	}
	return x.no.eval(e)
}

type notExpr struct{ x fexpr }

func (x notExpr) eval(e *evalState) (fval, bool) {
	v, ok := x.x.eval(e)
	if !ok || v.kind != fBool {
		return fval{}, false
	}
	return fval{kind: fBool, b: !v.b}, true
}

// logicExpr is && or ||, short-circuiting as go-jsonnet does; both operands that
// are evaluated must be booleans.
type logicExpr struct {
	left, right fexpr
	or          bool
}

func (x logicExpr) eval(e *evalState) (fval, bool) {
	l, ok := x.left.eval(e)
	if !ok || l.kind != fBool {
		return fval{}, false
	}
	if l.b == x.or {
		return l, true
	}
	r, ok := x.right.eval(e)
	return r, ok && r.kind == fBool
}

// equalExpr is == (or != with negate), as go-jsonnet's rawEquals: values of
// different types are unequal; containers would be compared deeply, which is left
// to go-jsonnet.
type equalExpr struct {
	left, right fexpr
	negate      bool
}

func (x equalExpr) eval(e *evalState) (fval, bool) {
	l, ok := x.left.eval(e)
	if !ok {
		return fval{}, false
	}
	r, ok := x.right.eval(e)
	if !ok {
		return fval{}, false
	}
	var eq bool
	switch lt := l.jsonnetType(); {
	case lt != r.jsonnetType():
		eq = false
	case lt == fObject || lt == fArray:
		return fval{}, false
	case lt == fNull:
		eq = true
	case lt == fBool:
		eq = l.b == r.b
	case lt == fNumber:
		eq = l.num == r.num
	default:
		eq = l.str == r.str
	}
	return fval{kind: fBool, b: eq != x.negate}, true
}

// concatExpr is a + b for two strings; any other operands are go-jsonnet's. The
// bytes concatenated per evaluation are bounded by the output limit (beyond it,
// go-jsonnet takes over), so a template cannot make the fast path build huge
// strings outside the limiter and the deadline.
type concatExpr struct{ left, right fexpr }

func (x concatExpr) eval(e *evalState) (fval, bool) {
	l, ok := x.left.eval(e)
	if !ok || l.kind != fString {
		return fval{}, false
	}
	r, ok := x.right.eval(e)
	if !ok || r.kind != fString {
		return fval{}, false
	}
	if e.concatBudget -= len(l.str) + len(r.str); e.concatBudget < 0 {
		return fval{}, false
	}
	return fval{kind: fString, str: l.str + r.str}, true
}
