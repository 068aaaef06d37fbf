package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// flatten lists the needed paths, "" for the whole ctx, "-" for nothing.
func (p *ctxPaths) flatten(prefix string) []string {
	if p.whole {
		return []string{prefix}
	}
	var out []string
	for name, child := range p.children {
		out = append(out, child.flatten(prefix+"."+name)...)
	}
	sort.Strings(out)
	return out
}

func TestAnalyzeCtxUse(t *testing.T) {
	for _, tc := range []struct {
		code string
		want []string // "": the whole ctx; nil: nothing
	}{
		{`function(ctx) ctx`, []string{""}},
		{`function(ctx) ctx.identity.id`, []string{".identity.id"}},
		{`function(ctx) { a: ctx.identity.id, b: ctx["flow"].id, c: ctx.identity.traits }`,
			[]string{".flow.id", ".identity.id", ".identity.traits"}},
		{`function(ctx) ctx.identity.traits.email + ctx.identity`, []string{".identity"}},
		{`function(ctx) ctx.flow.ui.nodes[0].attributes`, []string{".flow.ui.nodes"}},
		{`function(ctx) ctx.flow[std.toString("id")]`, []string{".flow"}},
		{`function(ctx) std.objectFields(ctx.identity)`, []string{".identity"}},
		{`function(ctx) "traits" in ctx.identity`, []string{".identity.traits"}},
		{`function(ctx) std.objectHas(ctx.identity, "traits") && std.objectHasAll(ctx.a, "b")`, []string{".a.b", ".identity.traits"}},
		{`function(ctx) std.get(std.get(ctx.flow, "transient_payload", {}), "invite_code", null)`, []string{".flow.transient_payload.invite_code"}},
		{`function(ctx) std.get(ctx.flow, "transient_payload").x.y`, []string{".flow.transient_payload.x.y"}},
		{`function(ctx) std.get(ctx.flow, std.toString("id"))`, []string{".flow"}},                 // field not constant
		{`function(ctx) std.get(o=ctx.flow, f="id")`, []string{".flow"}},                           // named arguments
		{`function(ctx) std.get({}, "a", ctx.flow.id)`, []string{".flow.id"}},                      // ctx only in the default
		{`local std2 = std; function(ctx) std2.get(ctx.flow, "id")`, []string{".flow"}},            // not std itself
		{`local std = { get(o, f): o }; function(ctx) std.get(ctx.flow, "id")`, []string{".flow"}}, // std rebound
		{`function(ctx) std.length(ctx.flow, "id")`, []string{".flow"}},                            // not a field access
		{`function(ctx) [x.id for x in ctx.list]`, []string{".list"}},
		{`local lib = { f(x): x }; function(ctx) lib.f(ctx.identity.id)`, []string{".identity.id"}},
		{`local ctx = 1; function(ctx) ctx.a`, []string{".a"}},     // the outer ctx is not the argument
		{`function(ctx, x=ctx.d) ctx.a + x`, []string{".a", ".d"}}, // default arguments count
		{`function(ctx) 42`, nil},                                              // never read: nothing needed
		{`function(ctx) local f(c) = c.a; f(ctx)`, []string{""}},               // passed on whole
		{`function(ctx) local ctx2 = ctx; ctx2.a`, []string{""}},               // aliased
		{`function(ctx) local ctx = { a: 1 }; ctx.a`, []string{""}},            // shadowed: give up
		{`function(ctx) (function(ctx) ctx.b)(ctx.a)`, []string{""}},           // shadowed by a parameter
		{`function(ctx) [ctx.x for ctx in [1]]`, []string{""}},                 // shadowed by a comprehension
		{`function(ctx) { local ctx = self, a: 1, b: ctx.a }.b`, []string{""}}, // shadowed by an object local
		{`function(ctx) { assert ctx.ok, a: ctx.b }`, []string{".b", ".ok"}},   // object asserts read it too
		{`function(ctx) { assert (local ctx = {}; true), a: ctx.b }`, []string{""}},
		{`{ a: 1 }`, []string{""}},                         // not a function
		{`function(c) c.a`, []string{""}},                  // no ctx parameter
		{`local f = function(ctx) ctx.a; f`, []string{""}}, // function not at the top
	} {
		node, err := jsonnet.SnippetToAST("t", tc.code)
		if err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if got := analyzeCtxUse(node).flatten(""); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: needs %q, want %q", tc.code, got, tc.want)
		}
	}
}

// Pruned builds must be invisible: outputs and errors equal Kratos's path for
// templates that read parts of a real ctx, including missing fields and misuse.
func TestPrunedCtxMatchesKratos(t *testing.T) {
	ctx := fixtureWebhookCall(t, "wh_parse_200_identity_patch_settings_password_browser_json.json", 0).body
	// The same ctx with a transient payload, as a submit carrying one has.
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(ctx))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	doc["flow"].(map[string]any)["transient_payload"] = map[string]any{"invite_code": "ABC123", "other": []any{1, 2}}
	withPayload, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ctxs := []string{string(ctx), string(withPayload)}
	for _, code := range []string{
		`function(ctx) ctx.identity.id`,
		`function(ctx) { id: ctx.identity.id, traits: ctx.identity.traits, flow: ctx.flow.id, m: ctx.request_method }`,
		`function(ctx) ctx.identity.traits.email`,
		`function(ctx) ctx.identity.nope`,
		`function(ctx) ctx.identity.traits.nope.deeper`,
		`function(ctx) ctx.identity.id.x`,
		`function(ctx) ctx.flow.ui.nodes[1].attributes.name`,
		`function(ctx) ctx.flow.ui.nodes.length`,
		`function(ctx) std.objectFields(ctx.identity)`,
		`function(ctx) "traits" in ctx.identity`,
		`function(ctx) std.objectHas(ctx.identity.traits, "email")`,
		`function(ctx) [std.objectHas(ctx.identity.traits, "nope"), std.objectHasAll(ctx.flow, "ui"), std.objectHasEx(ctx.flow, "x", false)]`,
		`function(ctx) ["id" in ctx.flow, "nope" in ctx.flow, "x" in ctx.identity.traits.email]`,
		`function(ctx) { email: ctx.identity.traits.email, invite: std.get(std.get(ctx.flow, 'transient_payload', {}), 'invite_code', null) }`,
		`function(ctx) [std.get(ctx.flow, "id"), std.get(ctx.flow, "nope"), std.get(ctx.flow, "nope", "dflt"), std.get(ctx.flow.ui, "nodes")[0]]`,
		`function(ctx) std.get(ctx.identity.id, "x")`,
		`function(ctx) std.get(ctx.flow, "ui").action`,
		`local s = std; local std = { get(o, f, d=null): s.objectFields(o) }; function(ctx) std.get(ctx.flow, "id")`,
		`function(ctx) ctx.identity + { extra: ctx.flow.id }`,
		`function(ctx) error std.toString(ctx.identity.traits)`,
		`function(ctx) ctx.request_headers["User-Agent"]`,
		`function(ctx) ctx.request_cookies`,
		`function(ctx) if ctx.flow.type == "browser" then ctx.flow.ui.action else error "cancel"`,
		`function(ctx, x=ctx.flow.id) [x, ctx.identity.state]`,
		`local f(c) = c.identity.id; function(ctx) f(ctx)`,
		`function(ctx) std.length(ctx.flow)`,
		`function(ctx) ctx.flow.transient_payload`,
		`function(ctx) { assert ctx.identity.state == "active", id: ctx.identity.id }`,
		`function(ctx) { assert ctx.identity.id == "x" : "not x", id: ctx.identity.id }`,
	} {
		for _, ctx := range ctxs {
			assertMatchesKratos(t, code, ctx)
		}
	}
}

// Skipped parts are still validated: an invalid ctx fails whatever the template reads.
func TestPrunedCtxStillValidated(t *testing.T) {
	tpl := compile(t, `function(ctx) ctx.a`, Options{})
	for _, ctx := range []string{`{"a": 1, "b": [1, }`, `{"a": 1, "b": "\x"}`, `{"b": 01, "a": 1}`, `{"a": 1, "b": {"c" 1}}`} {
		if out, err := tpl.Evaluate(t.Context(), []byte(ctx)); err == nil || !strings.Contains(err.Error(), "invalid ctx JSON") {
			t.Errorf("%s: got (%q, %v), want an invalid-ctx error", ctx, out, err)
		}
	}
}

func TestReadsCtxField(t *testing.T) {
	for _, tc := range []struct {
		code string
		want bool
	}{
		{`function(ctx) { p: ctx.transient_payload.custom_data }`, true},
		{`function(ctx) std.get(ctx, "transient_payload", {})`, true},
		{`function(ctx) { p: ctx.flow.transient_payload }`, false},
		{`function(ctx) ctx`, false},
		{`function(ctx) local c = ctx; c.transient_payload`, false},
	} {
		tmpl, err := Compile("t", tc.code, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tmpl.ReadsCtxField("transient_payload"); got != tc.want {
			t.Errorf("%s: ReadsCtxField = %v, want %v", tc.code, got, tc.want)
		}
	}
}
