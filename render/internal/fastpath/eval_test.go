package fastpath

import (
	"strings"
	"testing"
)

// evalCtxs probe the manifestation and the give-ups; every template of
// evalTemplates is evaluated on each.
var evalCtxs = []string{
	`{}`,
	`{"a": "x"}`,
	`{"a": {}, "b": [], "c": [{}, [], [[]], {"x": {}}]}`,
	`{"a": "é ü 日本 😀 \u00e9 \ud83d\ude00 \u2028\u2029 \u007f \u0080 \u009f \u00a0 <&>"}`,
	`{"a": "\"\\\/\b\f\n\r\t \u0000\u0001\u001f"}`,
	"{\"a\": \"a\xffb\xe2\x82\"}",
	`{"a": 0, "b": -0, "c": 1e21, "d": 1e-7, "e": 12345678901234567890, "f": -2.5e-3, "g": 0.1, "h": 1.7976931348623157e308, "i": 5e-324, "j": 1E+2, "k": 100.0}`,
	`{"a": 1e400}`,
	`{"a": 1e-400}`,
	`{"b": 1, "a": 2, "B": 3, "_": 4, "aa": 5, "a b": 6, "é": 7, "z": 8, "0": 9, "": 10}`,
	`{"a": 1, "a": 2}`,
	`{"a": true, "b": false, "c": null}`,
	`{"a": "prefix-x-suffix", "b": "prefix", "c": "suffix"}`,
	`{"a": ["x", 1, null, true, {"k": [1, 2]}]}`,
	`{"a": ` + strings.Repeat("[", 90) + strings.Repeat("]", 90) + `}`,
	`{"a": ` + strings.Repeat("[", 150) + strings.Repeat("]", 150) + `}`,
	`{"a": "` + strings.Repeat("x", 300) + `"}`,
	`[]`, `{"a": }`, `null`, ``,
}

var evalTemplates = []string{
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
	`local v = "v1"; function(ctx) local a = std.get(ctx, "a", v); { v: v, a: a, both: [a, ctx], "k k": { ["x"]: a } }`,
	`function(ctx) !std.objectHasAll(ctx, "a") || (ctx.a == "x" && ctx.b != ctx.c)`,
}

// Eval matches go-jsonnet on the same ctx AST whenever it succeeds, and gives up
// whenever go-jsonnet fails.
func TestEvalMatchesGoJsonnet(t *testing.T) {
	succeeded, total := 0, 0
	for _, code := range evalTemplates {
		node := parseTemplate(t, code)
		p := Compile(node, newJSONParser)
		if p == nil {
			t.Fatalf("%s: not in the subset", code)
		}
		for _, ctx := range evalCtxs {
			total++
			out, ok, panicked := p.Eval([]byte(ctx), 1<<20)
			if panicked != nil {
				t.Fatalf("%s on %.40q: panic %v\n%s", code, ctx, panicked.Value, panicked.Stack)
			}
			want, wantErr := goJsonnet(node, []byte(ctx))
			switch {
			case ok && wantErr != nil:
				t.Errorf("%s on %.40q: rendered %q, go-jsonnet fails: %v", code, ctx, out, wantErr)
			case ok && string(out) != want:
				t.Errorf("%s on %.40q:\n%s\ngo-jsonnet:\n%s", code, ctx, out, want)
			case ok:
				succeeded++
			}
		}
	}
	t.Logf("%d evaluations, %d on the fast path", total, succeeded)
	// The fast path must really cover what it should, not just give up.
	for _, tc := range []struct {
		code, ctx string
		ok        bool
	}{
		{wholeCtx, evalCtxs[3], true},
		{wholeCtx, evalCtxs[5], true},
		{wholeCtx, evalCtxs[6], true},
		{wholeCtx, evalCtxs[7], false}, // overflow: go-jsonnet's error
		{wholeCtx, evalCtxs[10], true}, // duplicate keys: the last one
		{wholeCtx, evalCtxs[14], true},
		{wholeCtx, evalCtxs[15], false}, // deeper than maxManifestDepth
		{wholeCtx, `[]`, false},
		{evalTemplates[1], `{}`, false}, // missing field: go-jsonnet's error
		{evalTemplates[5], evalCtxs[12], true},
		{evalTemplates[5], `{"a": "x"}`, false}, // cancel: go-jsonnet's
		{evalTemplates[7], `{"a": {}}`, false},  // == between objects: go-jsonnet's
		{evalTemplates[7], `{"a": "x"}`, true},
		{evalTemplates[10], `{"a": 1}`, false}, // number + number: go-jsonnet's
		{evalTemplates[14], `{}`, true},
	} {
		p := Compile(parseTemplate(t, tc.code), newJSONParser)
		if _, ok, _ := p.Eval([]byte(tc.ctx), 1<<20); ok != tc.ok {
			t.Errorf("%s on %.40q: ok=%v, want %v", tc.code, tc.ctx, ok, tc.ok)
		}
	}
}

// maxOutput counts the final newline: an output of exactly maxOutput bytes is
// rendered, a longer one is go-jsonnet's to refuse.
func TestEvalOutputLimit(t *testing.T) {
	p := Compile(parseTemplate(t, wholeCtx), newJSONParser)
	ctx := []byte(`{"a": "xxxx"}`)
	const want = "{\n   \"a\": \"xxxx\"\n}\n"
	if out, ok, _ := p.Eval(ctx, len(want)); !ok || string(out) != want {
		t.Fatalf("at the limit: (%q, %v)", out, ok)
	}
	if out, ok, _ := p.Eval(ctx, len(want)-1); ok || out != nil {
		t.Fatalf("over the limit: (%q, %v)", out, ok)
	}
	// String concatenation is bounded by the same limit.
	p = Compile(parseTemplate(t, `function(ctx) { a: ctx.a + ctx.a + ctx.a }`), newJSONParser)
	if _, ok, _ := p.Eval(ctx, 11); ok {
		t.Fatal("concatenated 12 bytes within a limit of 11")
	}
}

func TestEvalGivesUpOnParserError(t *testing.T) {
	p := Compile(parseTemplate(t, wholeCtx), newJSONParser)
	for _, ctx := range []string{``, `{`, `[]`, `{"a": 1} 2`} {
		if out, ok, panicked := p.Eval([]byte(ctx), 1<<20); ok || out != nil || panicked != nil {
			t.Errorf("%q: (%q, %v, %v)", ctx, out, ok, panicked)
		}
	}
}
