package render

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// Differential tests of the fast path: every evaluation is done twice, by the
// template as compiled (fast path when it applies) and by a twin forced onto
// go-jsonnet; outputs, or error texts, must be byte-identical.

// fastAndSlow compiles code as Compile does and a twin that never takes the fast path.
func fastAndSlow(t testing.TB, code string) (fast, slow *Template) {
	t.Helper()
	opts := Options{Timeout: time.Minute}
	fast, slow = compile(t, code, opts), compile(t, code, opts)
	slow.fast = nil
	return fast, slow
}

// checkFastMatchesSlow evaluates ctx both ways, requires the same result and reports
// whether the fast path rendered it.
func checkFastMatchesSlow(t testing.TB, fast, slow *Template, ctx []byte) (tookFast bool) {
	t.Helper()
	before := fast.fastHits.Load()
	got, gotErr := fast.Evaluate(t.Context(), ctx)
	tookFast = fast.fastHits.Load() != before
	want, wantErr := slow.Evaluate(t.Context(), ctx)
	switch {
	case gotErr == nil && wantErr == nil:
		if string(got) != string(want) {
			t.Errorf("output differs (fast=%v):\n%s\ngo-jsonnet:\n%s", tookFast, got, want)
		}
	case gotErr != nil && wantErr != nil:
		if gotErr.Error() != wantErr.Error() || errors.Is(gotErr, ErrCancel) != errors.Is(wantErr, ErrCancel) {
			t.Errorf("error differs:\n%v\ngo-jsonnet:\n%v", gotErr, wantErr)
		}
	default:
		t.Errorf("got (%.80q, %v), go-jsonnet (%.80q, %v)", got, gotErr, want, wantErr)
	}
	if tookFast && gotErr != nil {
		t.Errorf("fast path counted for a failed evaluation")
	}
	return tookFast
}

// fixtureTemplates are in the fast path's subset. Over the recorded bodies, each
// renders on the fast path exactly when go-jsonnet succeeds.
var fixtureTemplates = []string{
	wholeCtx,
	`function(ctx) { user_id: ctx.identity.id }`,
	`function(ctx) { userId: ctx.identity.id, traits: { email: ctx.identity.traits.email } }`,
	`function(ctx) { email: ctx.identity.traits.email, invite_code: std.get(std.get(ctx.flow, 'transient_payload', {}), 'invite_code', null) }`,
	`function(ctx) { traits: ctx.identity.traits }`,
	cancelIfTemplate,
	`function(ctx) if std.startsWith(ctx.request_url, "http://") then { url: ctx.request_url, method: ctx.request_method } else error "cancel"`,
	`function(ctx) { id: ctx["flow"]["id"], browser: ctx.flow.type == "browser", api: ctx.flow.type != "browser" }`,
	`function(ctx) local i = ctx.identity; { id: i.id, traits: i.traits, state: i.state, addresses: i.verifiable_addresses }`,
	`local version = "v1"; function(ctx) { version: version, flow: ctx.flow.id, "quoted key": true, ["computed-literal"]: 1 }`,
	`function(ctx) { s: "é\u0000\n\"\\ 日本 😀 \u007f \u0085 \u2028", n: [0, -0, 1.5, -2.25, 1e21, 1e-7, 12345678901234567890, 0.1, -1, 1e300],
	   b: [true, false, null], e: {}, a: [], nested: { x: { y: {}, z: [[]] } }, id: ctx.flow.id }`,
	`function(ctx) { tp: std.get(ctx.flow, "transient_payload", {}), missing: std.get(ctx, "nope"), deflt: std.get(ctx, "nope", [1, { a: ctx.flow.id }]) }`,
	`function(ctx) { has_identity: std.objectHas(ctx, "identity"), has_session: "session" in ctx, has_tp: std.objectHasAll(ctx.flow, "transient_payload") }`,
	`function(ctx) { first_node: ctx.flow.ui.nodes[0], method: ctx.flow.ui.method }`,
	`function(ctx) { greeting: "Hello " + ctx.identity.traits.email + "!", line: ctx.request_method + " " + ctx.request_url }`,
	`function(ctx) { headers: ctx.request_headers, cookies: ctx.request_cookies }`,
	`function(ctx) if (ctx.flow.type == "api" || ctx.flow.type == "browser") && !std.objectHas(ctx.flow, "nope") then { ok: true, id: ctx.flow.id } else { ok: false }`,
	`function(ctx) if ctx.identity.traits.email == "nobody@example.org" then error "cancel" else ctx.identity`,
	`function(ctx) { x: ctx.does_not_exist }`,
	`function(ctx) ctx.identity.traits.email`,
	`function(ctx) [ctx.flow.id, ctx.identity.id, { k: ctx.flow.ui.method }, ctx.flow.expires_at == null]`,
	`function(ctx) { expires: ctx.flow.expires_at, issued: ctx.flow.issued_at, state: ctx.flow.state, active: std.get(ctx.flow, "active", "none") }`,
}

// webhookBodies returns every recorded web hook body that is a JSON object: the
// whole ctxs and the bodies other templates rendered.
func webhookBodies(t testing.TB) []webhookCall {
	return recordedCalls(t, func(gjson.Result) bool { return true })
}

func TestFastPathMatchesJsonnetOnFixtures(t *testing.T) {
	bodies := webhookBodies(t)
	if len(bodies) < 80 {
		t.Fatalf("found only %d recorded bodies; the fixture scan is broken", len(bodies))
	}
	evaluations, fastOnes := 0, 0
	for _, code := range fixtureTemplates {
		fast, slow := fastAndSlow(t, code)
		if !fast.fastPath() {
			t.Errorf("%s: not in the fast path's subset", code)
			continue
		}
		hits := 0
		for n, c := range bodies {
			if n%8 == 0 { // and now and then against Kratos's own way, too (slow)
				checkMatchesKratos(t, fast, code, c.body)
			}
			_, slowErr := slow.Evaluate(t.Context(), c.body)
			tookFast := checkFastMatchesSlow(t, fast, slow, c.body)
			if tookFast != (slowErr == nil) {
				t.Errorf("%s on %s#%d: fast path taken=%v, go-jsonnet error=%v", code, c.fixture, c.index, tookFast, slowErr)
			}
			evaluations++
			if tookFast {
				hits++
				fastOnes++
			}
		}
		if hits == 0 && code != fixtureTemplates[18] {
			t.Errorf("%s: the fast path rendered no fixture", code)
		}
	}
	t.Logf("%d templates × %d bodies: %d evaluations, %d on the fast path", len(fixtureTemplates), len(bodies), evaluations, fastOnes)
}

// checkMatchesKratos compares tpl's result with Kratos's way of rendering code
// (kratosRender: a fresh VM, the ctx bound as code).
func checkMatchesKratos(t *testing.T, tpl *Template, code string, ctx []byte) {
	t.Helper()
	want, wantErr := kratosRender(tpl.Name(), code, string(ctx))
	got, gotErr := tpl.Evaluate(t.Context(), ctx)
	switch {
	case wantErr == nil && gotErr == nil:
		if string(got) != want {
			t.Errorf("%s: output differs from Kratos's:\n%s\nKratos:\n%s", code, got, want)
		}
	case wantErr != nil && gotErr != nil:
		if gotErr.Error() != kratosErrorPrefix+wantErr.Error() {
			t.Errorf("%s: error differs from Kratos's:\n%q\nKratos:\n%q", code, gotErr.Error(), kratosErrorPrefix+wantErr.Error())
		}
	default:
		t.Errorf("%s: got (%.60q, %v), Kratos (%.60q, %v)", code, got, gotErr, want, wantErr)
	}
}

// The example templates of examples/hooks that need no import are in the subset and
// render the recorded registration ctx on the fast path.
func TestFastPathTakesExampleTemplates(t *testing.T) {
	ctx := fixtureWebhookCall(t, "wh_async_ignore_registration_after_browser_json.json", 0).body
	dir := examplesDir(t)
	for _, name := range []string{"user_id", "segment_identify", "invite_code", "profile_traits"} {
		code, err := os.ReadFile(filepath.Join(dir, name+".jsonnet"))
		if err != nil {
			t.Fatal(err)
		}
		fast, slow := fastAndSlow(t, string(code))
		if !checkFastMatchesSlow(t, fast, slow, ctx) {
			t.Errorf("%s: not rendered on the fast path", name)
		}
	}
	// cancel_internal imports segment_identify: imports are go-jsonnet's.
	code, err := os.ReadFile(filepath.Join(dir, "cancel_internal.jsonnet"))
	if err != nil {
		t.Fatal(err)
	}
	if compile(t, string(code), Options{ImportDir: dir}).fastPath() {
		t.Error("a template with an import is on the fast path")
	}
}

func TestFastPathHitCountsOnlySuccess(t *testing.T) {
	fast, slow := fastAndSlow(t, cancelIfTemplate)
	for i, tc := range []struct {
		ctx      string
		fast     bool
		cancel   bool
		wantBody string
	}{
		{`{"identity": {"traits": {"email": "a@b.example"}}, "flow": {"id": "f"}}`, true, false,
			"{\n   \"email\": \"a@b.example\",\n   \"flow_id\": \"f\"\n}\n"},
		{`{"identity": {"traits": {"email": "a@skip.example"}}, "flow": {"id": "f"}}`, false, true, ""},
		{`{"identity": {"traits": {"email": 7}}, "flow": {"id": "f"}}`, false, false, ""},
		{`{"identity": {"traits": {"email": "a@b.example"}}}`, false, false, ""},
	} {
		if got := checkFastMatchesSlow(t, fast, slow, []byte(tc.ctx)); got != tc.fast {
			t.Errorf("#%d: fast path taken=%v, want %v", i, got, tc.fast)
		}
		out, err := fast.Evaluate(t.Context(), []byte(tc.ctx))
		if errors.Is(err, ErrCancel) != tc.cancel || (tc.wantBody != "" && string(out) != tc.wantBody) {
			t.Errorf("#%d: got (%q, %v)", i, out, err)
		}
	}
	if n := fast.fastHits.Load(); n != 2 {
		t.Errorf("fast hits %d, want 2 (the successful ctx, evaluated twice)", n)
	}
}

// examplesDir finds the repository's examples/hooks above the package directory.
func examplesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "examples", "hooks")
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("examples/hooks not found above the package directory")
		}
		dir = parent
	}
}
