package render

import (
	"strconv"
	"strings"
)

// genTemplate turns arbitrary bytes into a Jsonnet template, one byte per choice,
// for FuzzFastPathTemplates. The templates cover the fast path's subset (see
// package fastpath: object and array literals, ctx field accesses, std.get with and
// without default, conditions on ctx strings, string concatenation, ==, &&, !,
// locals, error "cancel") and its edges: constructs just outside it (hidden and +:
// fields, self and $, computed names and indexes, other std functions, arithmetic,
// comprehensions, named arguments, function calls, rebinding std or ctx), other
// top-level shapes, and static errors. Field names are fuzzJSON's keys, so the
// generated ctx documents have the fields the templates read. When the bytes run
// out every choice is 0, which always picks a leaf: generation ends.
func genTemplate(in []byte) string {
	g := tmplGen{in: in}
	g.top()
	return g.sb.String()
}

type tmplGen struct {
	in     []byte
	sb     strings.Builder
	vars   []string // variables in scope, innermost last ("ctx" included)
	locals int      // locals made so far: l0, l1, …
}

// maxGenDepth bounds the expression nesting, so that every template stays small.
const maxGenDepth = 6

var (
	// genStrings are string literals: Jsonnet's quoting styles, escapes, non-ASCII,
	// and the prefixes and cancels templates test for.
	genStrings = []string{`""`, `"x"`, `"a"`, `"cancel"`, `"cancelled"`, `"é"`, `'x'`, `"pre"`, `"\u0000\n\t"`,
		`"a\"b"`, `"日本😀"`, `@"x\y"`, `"\u0085\u2028"`, `"\ud83d\ude00"`, `"@example.org"`, `"<"`}
	genNumbers = []string{"0", "1", "-1", "1.5", "0.1", "-0", "1e21", "12345678901234567890", "2.5e-3", "1e400", "-2.25", "100"}
	// genOutside wrap one expression (%[1]s) or a target (%[2]s) in a construct just
	// outside the subset.
	genOutside = []string{
		"std.length(%[1]s)", "std.toString(%[1]s)", "%[1]s * 2", "-%[1]s", "%[1]s + 1", "1 + %[1]s", "%[1]s %% 2",
		`std.join(",", [%[1]s])`, "[x for x in %[2]s]", "{ a:: %[1]s }", "{ a+: %[1]s }", "{ a: %[1]s, b: self.a }",
		"{ a: { b: $.z }, z: 1, c: %[1]s }", "%[2]s[%[1]s]", "{ [%[1]s]: 1 }", `std.get(%[2]s, "a", default=%[1]s)`,
		`std.get(%[2]s, "a", %[1]s, false)`, "(function(x) x)(%[1]s)", "std.type(%[1]s)", `std.format("%%s", [%[1]s])`,
		"std.objectFields(%[2]s)", "%[1]s in %[2]s", "std.prune(%[1]s)", "{ local o = 1, a: %[1]s }",
		"{ assert %[1]s, a: 1 }", "%[2]s + { z: 1 }", "std.startsWith(%[1]s)", "std.get(%[2]s, %[1]s)",
		"%[1]s.a", "super.a", "std.isString(%[1]s)", "%[1]s == [1]", "%[2]s == %[2]s",
	}
)

// identKeys are the fuzzJSON keys that are Jsonnet identifiers (x.key works).
var identKeys = map[string]bool{"a": true, "b": true, "c": true, "d": true, "id": true, "identity": true,
	"traits": true, "email": true, "A": true}

func (g *tmplGen) next() int {
	if len(g.in) == 0 {
		return 0
	}
	b := g.in[0]
	g.in = g.in[1:]
	return int(b)
}

func (g *tmplGen) pick(list []string) string { return list[g.next()%len(list)] }

func (g *tmplGen) w(s ...string) {
	for _, x := range s {
		g.sb.WriteString(x)
	}
}

func (g *tmplGen) inScope(name string) bool {
	for _, v := range g.vars {
		if v == name {
			return true
		}
	}
	return false
}

// top writes the template: mostly `function(ctx) …`, the shape Kratos's templates
// have, possibly under top-level locals; sometimes another shape.
func (g *tmplGen) top() {
	switch g.next() % 10 {
	case 7: // top-level locals cannot see ctx
		g.local(0, func() { g.top() })
	case 8:
		g.w("function(ctx, extra=1) ")
		g.vars = append(g.vars, "ctx", "extra")
		g.expr(0)
	case 9: // no function: Kratos's TLA is ignored
		g.expr(0)
	default:
		g.w("function(ctx) ")
		g.vars = append(g.vars, "ctx")
		g.expr(0)
	}
}

// local writes `local name = …; body`. The name is usually fresh, but may rebind
// ctx or std. The bound expression never mentions the name: Jsonnet locals are
// recursive, and a value that contains itself (local x = [x]) makes go-jsonnet's
// == recurse without bound until the Go stack overflows, a fatal error that is no
// finding about the fast path (compileVar refuses self-reference anyway).
func (g *tmplGen) local(depth int, body func()) {
	name := "l" + strconv.Itoa(g.locals)
	switch g.next() % 8 {
	case 6:
		name = "ctx"
	case 7:
		name = "std"
	default:
		g.locals++
	}
	g.w("local ", name, " = ")
	if name == "ctx" || name == "std" {
		g.literalObject()
	} else {
		g.expr(depth + 1)
	}
	g.w("; ")
	g.vars = append(g.vars, name)
	body()
	g.vars = g.vars[:len(g.vars)-1]
}

// literalObject writes an object of literals (for rebinding ctx or std without
// mentioning them).
func (g *tmplGen) literalObject() {
	g.w("{")
	for i := 0; g.more(i, 2); i++ {
		if i > 0 {
			g.w(",")
		}
		g.w(" ")
		g.fieldName()
		g.w(": ")
		g.literal()
	}
	g.w(" }")
}

func (g *tmplGen) key() string { return g.pick(fuzzKeys) }

// fieldName writes an object field's name in one of the forms the subset takes.
func (g *tmplGen) fieldName() {
	k := g.key()
	switch g.next() % 3 {
	case 0:
		if identKeys[k] {
			g.w(k)
			return
		}
		fallthrough
	case 1:
		g.w(`"`, k, `"`)
	default:
		g.w(`["`, k, `"]`)
	}
}

// target writes an expression that is usually an object of the ctx: what field
// accesses, std.get and the field tests are applied to.
func (g *tmplGen) target(depth int) {
	c := g.next() % 6
	if depth >= maxGenDepth {
		c = 0
	}
	switch c {
	case 0:
		g.variable()
	case 1, 2:
		g.target(depth + 1)
		g.access()
	case 3:
		g.w(`std.get(`)
		g.target(depth + 1)
		g.w(`, "`, g.key(), `", {})`)
	default:
		g.expr(depth + 1)
	}
}

// variable writes a variable in scope (ctx, most often), or ctx regardless.
func (g *tmplGen) variable() {
	if len(g.vars) == 0 {
		g.w("{}")
		return
	}
	if c := g.next() % 4; c > 0 && len(g.vars) > 1 {
		g.w(g.vars[len(g.vars)-1-(c-1)%len(g.vars)])
		return
	}
	if g.inScope("ctx") {
		g.w("ctx")
		return
	}
	g.w(g.vars[0])
}

// access writes .key, ["key"] or [index] after a target.
func (g *tmplGen) access() {
	k := g.key()
	switch g.next() % 4 {
	case 0:
		if identKeys[k] {
			g.w(".", k)
			return
		}
		fallthrough
	case 1:
		g.w(`["`, k, `"]`)
	case 2:
		g.w("[", strconv.Itoa(g.next()%3), "]")
	default:
		g.w(".", "a")
	}
}

func (g *tmplGen) expr(depth int) {
	c := g.next() % 24
	if depth >= maxGenDepth {
		c %= 3 // leaves only
	}
	switch c {
	case 0, 1:
		g.target(maxGenDepth) // a variable
		if c == 1 {
			g.access()
		}
	case 2:
		g.literal()
	case 3, 4:
		g.target(depth + 1)
		g.access()
	case 5, 6:
		g.w(`std.get(`)
		g.target(depth + 1)
		g.w(`, "`, g.key(), `"`)
		if g.next()%3 > 0 {
			g.w(", ")
			g.expr(depth + 1)
		}
		g.w(")")
	case 7, 8:
		g.object(depth)
	case 9:
		g.w("[")
		for i := 0; g.more(i, 3); i++ {
			if i > 0 {
				g.w(", ")
			}
			g.expr(depth + 1)
		}
		g.w("]")
	case 10, 11:
		g.w("if ")
		g.cond(depth + 1)
		g.w(" then ")
		g.expr(depth + 1)
		g.w(" else ")
		g.expr(depth + 1)
	case 12:
		g.binary(depth, " + ")
	case 13:
		g.binary(depth, []string{" == ", " != "}[g.next()%2])
	case 14:
		g.cond(depth)
	case 15:
		g.w(`error `, g.pick([]string{`"cancel"`, `"cancel"`, `"boom"`, `"cancelled"`, `("can" + "cel")`}))
	case 16, 17:
		g.local(depth, func() { g.expr(depth + 1) })
	case 18:
		g.w("(")
		g.expr(depth + 1)
		g.w(")")
	case 19:
		g.stringOp(depth)
	default:
		g.outside(depth)
	}
}

// cond writes a boolean expression of the kinds hook templates branch on.
func (g *tmplGen) cond(depth int) {
	c := g.next() % 8
	if depth >= maxGenDepth {
		c = 0
	}
	switch c {
	case 0:
		g.w(`"`, g.key(), `" in `)
		g.target(depth + 1)
	case 1:
		g.w(g.pick([]string{"std.objectHas(", "std.objectHasAll("}))
		g.target(depth + 1)
		g.w(`, "`, g.key(), `")`)
	case 2:
		g.stringOp(depth)
	case 3:
		g.binary(depth, []string{" == ", " != "}[g.next()%2])
	case 4:
		g.w("(")
		g.cond(depth + 1)
		g.w([]string{" && ", " || "}[g.next()%2])
		g.cond(depth + 1)
		g.w(")")
	case 5:
		g.w("!")
		g.cond(depth + 1)
	case 6:
		g.w(g.pick([]string{"true", "false"}))
	default:
		g.expr(depth + 1)
	}
}

func (g *tmplGen) stringOp(depth int) {
	g.w(g.pick([]string{"std.startsWith(", "std.endsWith("}))
	g.expr(depth + 1)
	g.w(", ")
	if g.next()%2 == 0 {
		g.w(g.pick(genStrings))
	} else {
		g.expr(depth + 1)
	}
	g.w(")")
}

func (g *tmplGen) binary(depth int, op string) {
	g.w("(")
	g.expr(depth + 1)
	g.w(op)
	g.expr(depth + 1)
	g.w(")")
}

// more decides whether a literal gets another element (at most max); running out
// of bytes ends it, rather than repeating the zero choice (a duplicate field).
func (g *tmplGen) more(i, max int) bool { return i < max && g.next()%4 != 0 }

func (g *tmplGen) object(depth int) {
	g.w("{")
	for i := 0; g.more(i, 4); i++ {
		if i > 0 {
			g.w(",")
		}
		g.w(" ")
		g.fieldName()
		g.w(g.pick([]string{": ", ": ", ": ", "::: "}))
		g.expr(depth + 1)
	}
	g.w(" }")
}

func (g *tmplGen) literal() {
	switch g.next() % 4 {
	case 0:
		g.w(g.pick(genStrings))
	case 1:
		g.w(g.pick(genNumbers))
	case 2:
		g.w(g.pick([]string{"true", "false"}))
	default:
		g.w("null")
	}
}

// outside writes a construct just outside the subset around a generated
// expression and target.
func (g *tmplGen) outside(depth int) {
	form := g.pick(genOutside)
	var e, t tmplGen
	e.in, e.vars, e.locals = g.in, g.vars, g.locals
	e.expr(depth + 1)
	t.in, t.vars, t.locals = e.in, g.vars, e.locals
	t.target(depth + 1)
	g.in, g.locals = t.in, t.locals
	g.w(strings.NewReplacer("%[1]s", e.sb.String(), "%[2]s", t.sb.String(), "%%", "%").Replace(form))
}
