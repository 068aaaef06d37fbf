package render

import (
	"strconv"
	"strings"
	"testing"
)

// Differential edge cases of the fast path inside render: the fast path fed by
// render's own ctx builder, against the same template forced onto go-jsonnet.

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
