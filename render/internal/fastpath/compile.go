package fastpath

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/go-jsonnet/ast"
)

// Compile-time half of the fast path (see doc.go for the subset and why): turns a
// desugared template AST into a tree of fexpr, or refuses. Refusing is always safe
// (the template then simply runs on go-jsonnet), so every construct whose exact
// semantics is not reproduced below is refused.

// Bounds on the compiled tree, counted with every use of a local expanded (locals
// are inlined). They keep the fast path's work small and bounded, and keep it far
// from go-jsonnet's 500-frame stack limit, which nested std.get calls reach at a
// depth of ≈167 (the template then fails on go-jsonnet, and must fail here too).
const (
	maxSize  = 4096
	maxDepth = 32
)

// ctxParam is the template's parameter: the top-level argument Kratos binds
// (request/builder.go: vm.TLACode("ctx", …)).
const ctxParam = "ctx"

// scope is one variable in scope during compilation: the top-level parameter
// ctx (bind == nil) or a local binding.
type scope struct {
	name   ast.Identifier
	bind   *binding
	parent *scope
}

// binding is a local, compiled on its first use (unused locals are never
// evaluated by Jsonnet either) and then shared by every use.
type binding struct {
	body  ast.Node
	scope *scope // the scope its body sees (its own Local's variables included)
	state int    // 0 not compiled, 1 compiling (a use now is a cycle), 2 done
	expr  fexpr
	cost  exprCost
	ok    bool
}

// exprCost is the expanded size and the depth of a compiled expression.
type exprCost struct{ size, depth int }

func (c exprCost) plus(children ...exprCost) exprCost {
	out := exprCost{size: 1, depth: 1}
	for _, ch := range children {
		out.size += ch.size
		out.depth = max(out.depth, ch.depth+1)
	}
	return out
}

func (c exprCost) tooBig() bool { return c.size > maxSize || c.depth > maxDepth }

// compileTemplate compiles `function(ctx) body`, possibly under top-level locals;
// ok=false when the template is outside the subset.
func compileTemplate(root ast.Node) (body fexpr, ok bool) {
	var sc *scope
	node := root
	for {
		local, ok := node.(*ast.Local)
		if !ok {
			break
		}
		sc = pushBinds(local.Binds, sc)
		node = local.Body
	}
	fn, ok := node.(*ast.Function)
	if !ok || len(fn.Parameters) != 1 || fn.Parameters[0].Name != ctxParam || fn.Parameters[0].DefaultArg != nil {
		return nil, false
	}
	body, c, ok := compileExpr(fn.Body, &scope{name: ctxParam, parent: sc})
	return body, ok && !c.tooBig()
}

// pushBinds puts a Local's variables in scope. Jsonnet locals are mutually
// recursive: each body sees all of them.
func pushBinds(binds ast.LocalBinds, sc *scope) *scope {
	for _, b := range binds {
		sc = &scope{name: b.Variable, bind: &binding{body: b.Body}, parent: sc}
	}
	for s, i := sc, 0; i < len(binds); s, i = s.parent, i+1 {
		s.bind.scope = sc
	}
	return sc
}

func compileExpr(n ast.Node, sc *scope) (fexpr, exprCost, bool) {
	switch n := n.(type) {
	case *ast.LiteralNull:
		return constExpr{fval{kind: fNull}}, exprCost{1, 1}, true
	case *ast.LiteralBoolean:
		return constExpr{fval{kind: fBool, b: n.Value}}, exprCost{1, 1}, true
	case *ast.LiteralString:
		// go-jsonnet compares strings rune by rune; Go strings compare the same only
		// when both are valid UTF-8 (ctx strings always are: see Parser).
		if !utf8.ValidString(n.Value) {
			return nil, exprCost{}, false
		}
		return constExpr{fval{kind: fString, str: n.Value}}, exprCost{1, 1}, true
	case *ast.LiteralNumber:
		v, ok := literalNumber(n)
		return constExpr{fval{kind: fNumber, num: v}}, exprCost{1, 1}, ok
	case *ast.Unary:
		return compileUnary(n, sc)
	case *ast.Var:
		return compileVar(n, sc)
	case *ast.Local:
		return compileExpr(n.Body, pushBinds(n.Binds, sc))
	case *ast.DesugaredObject:
		return compileObject(n, sc)
	case *ast.Array:
		arr := &arrayExpr{elems: make([]fexpr, len(n.Elements))}
		costs := make([]exprCost, len(n.Elements))
		for i, el := range n.Elements {
			var ok bool
			if arr.elems[i], costs[i], ok = compileExpr(el.Expr, sc); !ok {
				return nil, exprCost{}, false
			}
		}
		c := exprCost{}.plus(costs...)
		return arr, c, !c.tooBig()
	case *ast.Index:
		return compileIndex(n, sc)
	case *ast.Apply:
		return compileStdCall(n, sc)
	case *ast.Conditional:
		return compileN(sc, func(e []fexpr) fexpr { return condExpr{e[0], e[1], e[2]} }, n.Cond, n.BranchTrue, n.BranchFalse)
	case *ast.Error:
		// Always handed to go-jsonnet, which builds the message (cancel included).
		return errorExpr{}, exprCost{1, 1}, true
	case *ast.Binary:
		return compileBinary(n, sc)
	}
	return nil, exprCost{}, false
}

// compileN compiles children and combines them with build.
func compileN(sc *scope, build func([]fexpr) fexpr, children ...ast.Node) (fexpr, exprCost, bool) {
	exprs := make([]fexpr, len(children))
	costs := make([]exprCost, len(children))
	for i, ch := range children {
		var ok bool
		if exprs[i], costs[i], ok = compileExpr(ch, sc); !ok {
			return nil, exprCost{}, false
		}
	}
	c := exprCost{}.plus(costs...)
	return build(exprs), c, !c.tooBig()
}

// literalNumber parses a number literal as go-jsonnet does; one that overflows
// fails there at run time, so it is refused here.
func literalNumber(n *ast.LiteralNumber) (float64, bool) {
	v, err := strconv.ParseFloat(n.OriginalString, 64)
	return v, err == nil
}

func compileUnary(n *ast.Unary, sc *scope) (fexpr, exprCost, bool) {
	switch n.Op {
	case ast.UopMinus:
		// Only a negative literal: -x of a number is exact, anything else is refused.
		if lit, ok := n.Expr.(*ast.LiteralNumber); ok {
			v, ok := literalNumber(lit)
			return constExpr{fval{kind: fNumber, num: -v}}, exprCost{2, 2}, ok
		}
	case ast.UopNot:
		return compileN(sc, func(e []fexpr) fexpr { return notExpr{e[0]} }, n.Expr)
	}
	return nil, exprCost{}, false
}

func compileVar(n *ast.Var, sc *scope) (fexpr, exprCost, bool) {
	for s := sc; s != nil; s = s.parent {
		if s.name != n.Id {
			continue
		}
		if s.bind == nil {
			return ctxExpr{}, exprCost{1, 1}, true
		}
		b := s.bind
		switch b.state {
		case 1:
			return nil, exprCost{}, false // a local defined in terms of itself
		case 0:
			b.state = 1
			b.expr, b.cost, b.ok = compileExpr(b.body, b.scope)
			b.state = 2
		}
		return b.expr, b.cost, b.ok && !b.cost.tooBig()
	}
	// std alone, $ (self) and anything else unbound here: not in the subset.
	return nil, exprCost{}, false
}

// compileObject accepts plain object literals: constant, distinct, visible field
// names without +:, no asserts and no locals but the `$` go-jsonnet's desugarer adds
// to every outermost object (its uses, Var "$", are refused by compileVar).
func compileObject(n *ast.DesugaredObject, sc *scope) (fexpr, exprCost, bool) {
	if len(n.Asserts) > 0 {
		return nil, exprCost{}, false
	}
	for _, l := range n.Locals {
		if _, isSelf := l.Body.(*ast.Self); l.Variable != "$" || !isSelf {
			return nil, exprCost{}, false
		}
	}
	obj := &objectExpr{fields: make([]objectField, len(n.Fields))}
	costs := make([]exprCost, len(n.Fields))
	for i, f := range n.Fields {
		name, ok := f.Name.(*ast.LiteralString)
		if !ok || f.Hide == ast.ObjectFieldHidden || f.PlusSuper || !utf8.ValidString(name.Value) {
			return nil, exprCost{}, false
		}
		body, c, ok := compileExpr(f.Body, sc)
		if !ok {
			return nil, exprCost{}, false
		}
		obj.fields[i] = objectField{name: name.Value, quoted: appendJSONString(nil, name.Value), body: body}
		costs[i] = c
	}
	// Sorted once here as the manifestation sorts them (Go string order).
	slices.SortFunc(obj.fields, func(a, b objectField) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(obj.fields); i++ {
		if obj.fields[i].name == obj.fields[i-1].name {
			return nil, exprCost{}, false // go-jsonnet fails: duplicate field name
		}
	}
	c := exprCost{}.plus(costs...)
	return obj, c, !c.tooBig()
}

// compileIndex accepts x.name, x["name"] and x[i] with i a non-negative integer
// literal.
func compileIndex(n *ast.Index, sc *scope) (fexpr, exprCost, bool) {
	target, c, ok := compileExpr(n.Target, sc)
	if !ok {
		return nil, exprCost{}, false
	}
	c = exprCost{}.plus(c)
	switch idx := n.Index.(type) {
	case *ast.LiteralString:
		return indexExpr{target: target, name: idx.Value}, c, utf8.ValidString(idx.Value) && !c.tooBig()
	case *ast.LiteralNumber:
		v, ok := literalNumber(idx)
		if !ok || v != math.Floor(v) || v < 0 || v > math.MaxInt32 {
			return nil, exprCost{}, false
		}
		return elemExpr{target: target, index: int(v)}, c, !c.tooBig()
	}
	return nil, exprCost{}, false
}

func compileBinary(n *ast.Binary, sc *scope) (fexpr, exprCost, bool) {
	var build func([]fexpr) fexpr
	switch n.Op {
	case ast.BopManifestEqual:
		build = func(e []fexpr) fexpr { return equalExpr{e[0], e[1], false} }
	case ast.BopManifestUnequal:
		build = func(e []fexpr) fexpr { return equalExpr{e[0], e[1], true} }
	case ast.BopAnd:
		build = func(e []fexpr) fexpr { return logicExpr{e[0], e[1], false} }
	case ast.BopOr:
		build = func(e []fexpr) fexpr { return logicExpr{e[0], e[1], true} }
	case ast.BopPlus:
		build = func(e []fexpr) fexpr { return concatExpr{e[0], e[1]} }
	default:
		return nil, exprCost{}, false
	}
	return compileN(sc, build, n.Left, n.Right)
}
