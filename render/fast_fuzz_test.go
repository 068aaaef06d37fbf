package render

import (
	"testing"
)

// fuzzTemplates are in the fast path's subset and together use all of it.
var fuzzTemplates = []string{
	wholeCtx,
	`function(ctx) { user_id: std.get(ctx, "id"), traits: { email: std.get(std.get(ctx, "identity", {}), "email", "none") }, a: std.get(ctx, "a", [1, "x", null, {}]) }`,
	`function(ctx) { a: ctx.a, b: std.get(ctx, "b", { d: [1, "x", null] }), c: std.get(std.get(ctx, "c", {}), "d") }`,
	`function(ctx) local s = std.get(ctx, "a", ""); if std.startsWith(s, "x") || std.endsWith(s, "é") then error "cancel" else { a: s, b: "<" + s + ">" }`,
	`function(ctx) local i = std.get(ctx, "identity", {}); [i, std.get(ctx, "id") == "x", std.get(ctx, "a") != 1, !std.objectHas(ctx, "id"), "traits" in i, std.get(ctx, "a") == std.get(ctx, "b")]`,
	`function(ctx) if "a" in ctx && "b" in ctx then { s: ctx.a + "-" + ctx.b, first: ctx.a[0] } else ctx`,
	`function(ctx) if std.get(ctx, "a", true) then std.get(ctx, "b") else ctx.c`,
}

// FuzzFastPathMatchesJsonnet feeds arbitrary ctx documents to fixed templates: when
// the fast path renders, go-jsonnet (the slow path) must give the very same bytes;
// when it does not, Evaluate's result must still be go-jsonnet's.
//
//	go test -fuzz=FuzzFastPathMatchesJsonnet -fuzztime=120s ./render
func FuzzFastPathMatchesJsonnet(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"a": "xyz", "b": "é", "c": {"d": [1, 2.5e-3, -0, 1e21]}}`,
		`{"identity": {"id": "x", "traits": {"email": "a@b.c", "name": {"first": "Ä"}}}, "a": true, "b": [], "c": {}}`,
		`{"a": [{"b": "\u0000\u001f\u007f\u0085\ud83d\ude00"}, {"b": null}], "b": "\"\\/"}`,
		`{"a": {"b": {"c": 12345678901234567890}}, "b": 0.1}`,
		`{"a": false, "b": 1, "c": 2, "a": true}`,
		"{\"a\": \"\xff\", \"b\": \"\\ud800\"}",
	} {
		for i := range fuzzTemplates {
			f.Add([]byte(seed), uint8(i))
		}
	}
	fast := make([]*Template, len(fuzzTemplates))
	slow := make([]*Template, len(fuzzTemplates))
	for i, code := range fuzzTemplates {
		fast[i], slow[i] = fastAndSlow(f, code)
		if !fast[i].fastPath() {
			f.Fatalf("%s: not in the subset", code)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		i := int(which) % len(fuzzTemplates)
		// The input as the ctx (mostly not JSON: the parser and its fallbacks), and
		// a JSON document built from it (the templates).
		for _, ctx := range [][]byte{raw, fuzzJSON(raw)} {
			out, ok := fast[i].evaluateFast(ctx)
			want, wantErr := slow[i].evaluate(string(ctx))
			if ok && (wantErr != nil || string(out) != string(want)) {
				t.Fatalf("%s on %q:\nfast path: %q\ngo-jsonnet: (%q, %v)", fuzzTemplates[i], ctx, out, want, wantErr)
			}
			got, gotErr := fast[i].Evaluate(t.Context(), ctx)
			if string(got) != string(want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Fatalf("%s on %q: Evaluate (%q, %v), go-jsonnet (%q, %v)", fuzzTemplates[i], ctx, got, gotErr, want, wantErr)
			}
		}
	})
}
