package fastpath

import (
	"strings"
	"testing"
)

const wholeCtx = `function(ctx) ctx`

// Compile accepts exactly the subset: each template below is in it or not.
func TestCompileSubset(t *testing.T) {
	for code, want := range map[string]bool{
		wholeCtx: true,
		`function(ctx) { a: ctx.x, b: { c: "s" } }`:                     true,
		`function(ctx) { a::: ctx.x }`:                                  true,
		`local s = std; function(ctx) s.get(ctx, "a")`:                  false, // std reached through a local
		`function(ctx) local std = { get(o, k): 1 }; std.get(ctx, "a")`: false,
		`function(ctx) { a:: ctx.x }`:                                   false, // hidden
		`function(ctx) { a+: ctx.x }`:                                   false,
		`function(ctx) { [ctx.k]: 1 }`:                                  false, // computed name
		`function(ctx) { local l = 1, a: l }`:                           false, // object local
		`function(ctx) { assert ctx.ok, a: 1 }`:                         false,
		`function(ctx) { a: 1, b: self.a }`:                             false,
		`function(ctx) { a: 1, b: { c: $.a } }`:                         false,
		`function(ctx) { a: 1 } + { a+: 2 }`:                            false,
		`function(ctx) std.length(ctx.x)`:                               false,
		`function(ctx) [x for x in ctx.a]`:                              false,
		`function(ctx) ctx.a % 2`:                                       false,
		`function(ctx) ctx.n + 1`:                                       true, // + is in, numbers bail at run time
		`function(ctx) -ctx.n`:                                          false,
		`function(ctx) -1.5`:                                            true,
		`function(ctx) 1e400`:                                           false, // overflows in go-jsonnet
		`function(ctx) ctx.a[1.5]`:                                      false,
		`function(ctx) ctx.a[0]`:                                        true,
		`function(ctx) ctx[ctx.k]`:                                      false,
		`function(ctx, b) ctx`:                                          false,
		`function(x) x`:                                                 false,
		`function(ctx={}) ctx`:                                          false,
		`{ a: 1 }`:                                                      false,
		`function(ctx) import "x.libsonnet"`:                            false,
		`function(ctx) std.get(ctx, "a", default=1)`:                    false,
		`function(ctx) std.get(ctx, "a", 1, false)`:                     false,
		`function(ctx) std.get(ctx, ctx.k)`:                             false,
		`function(ctx) local a = b, b = a; a`:                           false, // cycle
		`function(ctx) local a = b, b = ctx.x; a`:                       true,
		`function(ctx) local f(x) = x; f(ctx)`:                          false,
		`function(ctx) local unused(x) = x; ctx.a`:                      true,
		`function(ctx) if "a" in ctx then 1 else error "cancel"`:        true,
		"function(ctx) \"\xff\" + ctx.a":                                true, // the lexer already makes invalid UTF-8 U+FFFD
		"function(ctx) " + strings.Repeat("std.get(", 40) + "ctx" + strings.Repeat(", 'a', {})", 40): false, // too deep
	} {
		if got := Compile(parseTemplate(t, code), newJSONParser) != nil; got != want {
			t.Errorf("%s: in the subset %v, want %v", code, got, want)
		}
	}
}
