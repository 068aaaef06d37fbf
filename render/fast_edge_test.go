package render

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

func TestFastPathSubset(t *testing.T) {
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
		tpl, err := Compile("t", code, Options{})
		if err != nil {
			t.Errorf("%s: %v", code, err)
			continue
		}
		if tpl.fastPath() != want {
			t.Errorf("%s: fast path %v, want %v", code, tpl.fastPath(), want)
		}
	}
}

// Small ctxs that probe the manifestation and the fallbacks, each evaluated with
// every template below (the results of both paths compared).
func TestFastPathEdgeCases(t *testing.T) {
	deep := func(n int, open, close, leaf string) string {
		return `{"a": ` + strings.Repeat(open, n) + leaf + strings.Repeat(close, n) + `}`
	}
	ctxs := []string{
		`{}`,
		`{"a": "x"}`,
		`{"a": {}, "b": [], "c": [{}, [], [[]], {"x": {}}]}`,
		`{"a": "é ü 日本 😀 \u00e9 \ud83d\ude00 \u2028\u2029 \u007f \u0080 \u009f \u00a0 <&>"}`,
		`{"a": "\"\\\/\b\f\n\r\t \u0000\u0001\u001f"}`,
		`{"a": "\ud800", "b": "\udc00x", "c": "\ud83d\u0041"}`,
		"{\"a\": \"a\xffb\xe2\x82\"}",
		`{"a": 0, "b": -0, "c": 1e21, "d": 1e-7, "e": 12345678901234567890, "f": -2.5e-3, "g": 0.1, "h": 1.7976931348623157e308, "i": 5e-324, "j": 1E+2, "k": 100.0}`,
		`{"a": 1e400}`,
		`{"a": -1e400}`,
		`{"a": 1e-400}`,
		`{"b": 1, "a": 2, "B": 3, "_": 4, "aa": 5, "a b": 6, "é": 7, "z": 8, "0": 9, "": 10}`,
		`{"a": 1, "a": 2}`,
		`{"a": {"x": 1}, "a": "y"}`,
		`{"a": true, "b": false, "c": null}`,
		`{"a": "prefix-x-suffix", "b": "prefix", "c": "suffix"}`,
		`{"a": ["x", 1, null, true, {"k": [1, 2]}]}`,
		deep(90, "[", "]", ""),
		deep(150, "[", "]", ""),
		deep(150, `{"a":`, "}", "1"),
		deep(600, "[", "]", ""),
		`{"a": "` + strings.Repeat("x", 300) + `"}`,
		`[]`, `{"a": }`, `{"a": 1} x`, `null`, ``,
	}
	templates := []string{
		wholeCtx,
		`function(ctx) ctx.a`,
		`function(ctx) { a: ctx.a, b: std.get(ctx, "b", "dflt"), c: std.get(ctx, "c", {}) }`,
		`function(ctx) ctx.a[0]`,
		`function(ctx) ctx.a.x`,
		`function(ctx) if std.startsWith(ctx.a, "prefix") then { s: ctx.a } else error "cancel"`,
		`function(ctx) if std.endsWith(ctx.a, ctx.c) then error "cancel" else [ctx.a]`,
		`function(ctx) { eq: ctx.a == "x", ne: ctx.a != 0, n: ctx.a == null, t: ctx.a == true, o: ctx.a == {} }`,
		`function(ctx) { eq: ctx.a == ctx.b }`,
		`function(ctx) if ctx.a then "yes" else "no"`,
		`function(ctx) ctx.a + ctx.a`,
		`function(ctx) "<" + ctx.a + ">"`,
		`function(ctx) { has: std.objectHas(ctx, "a"), inb: "b" in ctx, deep: std.objectHas(ctx.a, "x") }`,
		`function(ctx) { a: ctx.a, lit: { s: "\u0085\t", n: -0, m: 0.30000000000000004 } }`,
		"function(ctx) { bad: \"a\xffb\" + ctx.a, k: ctx.a }",
	}
	fastOnes, total := 0, 0
	for _, code := range templates {
		fast, slow := fastAndSlow(t, code)
		if !fast.fastPath() {
			t.Fatalf("%s: not in the subset", code)
		}
		for _, ctx := range ctxs {
			total++
			if checkFastMatchesSlow(t, fast, slow, []byte(ctx)) {
				fastOnes++
			}
		}
	}
	t.Logf("%d evaluations, %d on the fast path", total, fastOnes)
	// Spot checks that the fast path really covers the cases it should.
	for _, tc := range []struct {
		code, ctx string
		fast      bool
	}{
		{wholeCtx, ctxs[3], true},
		{wholeCtx, ctxs[6], true},
		{wholeCtx, ctxs[7], true},
		{wholeCtx, ctxs[8], false}, // overflow: go-jsonnet's error
		{wholeCtx, ctxs[12], true}, // duplicate keys: the last one, as the slow path
		{wholeCtx, deep(90, "[", "]", ""), true},
		{wholeCtx, deep(150, "[", "]", ""), false}, // deeper than the fast path goes
		{wholeCtx, `[]`, false},
		{templates[1], `{}`, false}, // missing field: go-jsonnet's error
		{templates[5], ctxs[15], true},
		{templates[5], `{"a": "x"}`, false}, // cancel: go-jsonnet's
		{templates[7], `{"a": {}}`, false},  // == between objects: go-jsonnet's
		{templates[7], `{"a": "x"}`, true},
		{templates[10], `{"a": 1}`, false}, // number + number: go-jsonnet's
	} {
		fast, slow := fastAndSlow(t, tc.code)
		if got := checkFastMatchesSlow(t, fast, slow, []byte(tc.ctx)); got != tc.fast {
			t.Errorf("%s on %.40s: fast path taken=%v, want %v", tc.code, tc.ctx, got, tc.fast)
		}
	}
}

// The output limit: at the limit the fast path renders, beyond it go-jsonnet reports.
func TestFastPathOutputLimit(t *testing.T) {
	ctx := []byte(`{"a": "xxxx"}`)
	const size = len("{\n   \"a\": \"xxxx\"\n}\n")
	at := compile(t, wholeCtx, Options{MaxOutput: size})
	if out, err := at.Evaluate(t.Context(), ctx); err != nil || len(out) != size || at.fastHits.Load() != 1 {
		t.Fatalf("at the limit: (%q, %v), fast hits %d", out, err, at.fastHits.Load())
	}
	over := compile(t, wholeCtx, Options{MaxOutput: size - 1})
	if _, err := over.Evaluate(t.Context(), ctx); err == nil || !strings.Contains(err.Error(), strconv.Itoa(size)+" bytes, limit "+strconv.Itoa(size-1)) {
		t.Fatalf("over the limit: %v", err)
	}
	if over.fastHits.Load() != 0 {
		t.Fatal("the fast path rendered an output over the limit")
	}
}

// Strings and numbers as go-jsonnet itself manifests them, handed over as AST nodes
// (no JSON decoding in between): every rune class, invalid UTF-8, random floats.
func TestFastManifestScalarsMatchGoJsonnet(t *testing.T) {
	vm := jsonnet.MakeVM()
	fn, err := jsonnet.SnippetToAST("t", wholeCtx)
	if err != nil {
		t.Fatal(err)
	}
	manifest := func(n ast.Node) string {
		vm.TLANode("ctx", n)
		out, err := vm.Evaluate(fn)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var sb strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		sb.WriteRune(r)
	}
	strs := []string{sb.String(), "\xff", "a\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", "😀\U0010FFFF", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		want := manifest(&ast.LiteralString{Value: s})
		if got := string(appendJSONString(nil, s)) + "\n"; got != want {
			t.Errorf("%q (valid UTF-8 %v): got %q, go-jsonnet %q", s, utf8.ValidString(s), got, want)
		}
	}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e21, 1e22, 1e-7, 123456789012345678, math.MaxFloat64, math.SmallestNonzeroFloat64, 1.0 / 3}
	for range 2000 {
		nums = append(nums, math.Float64frombits(rng.Uint64()), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), float64(rng.IntN(1<<20)))
	}
	for _, v := range nums {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want := manifest(&ast.LiteralNumber{OriginalString: strconv.FormatFloat(v, 'g', -1, 64)})
		if got := string(appendJSONNumber(nil, v)) + "\n"; got != want {
			t.Errorf("%v: got %q, go-jsonnet %q", v, got, want)
		}
	}
}
