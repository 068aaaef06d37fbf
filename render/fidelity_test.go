package render

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

// Kratos v1.3.1 links go-jsonnet v0.20.0, we link v0.22.0. The code that shapes the
// output is the same in both (serializeJSON, unparseNumber, unparseString and the
// manifestation path were compared line by line); these tests pin the result.

const wholeCtx = `function(ctx) ctx`

func TestRenderSmallCtxLiteral(t *testing.T) {
	got := render(t, wholeCtx, `{"b": [], "a": {"z": 1, "y": [true, null, {}]}, "c": "x"}`)
	want := "{\n" +
		"   \"a\": {\n" +
		"      \"y\": [\n" +
		"         true,\n" +
		"         null,\n" +
		"         { }\n" +
		"      ],\n" +
		"      \"z\": 1\n" +
		"   },\n" +
		"   \"b\": [ ],\n" +
		"   \"c\": \"x\"\n" +
		"}\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

// Every recorded body rendered by `function(ctx) ctx`: our output for the recorded ctx
// must have exactly the byte length Kratos sent (Content-Length), be byte-identical to
// Kratos's own code path, and parse back to the recorded body.
func TestRenderWholeCtxMatchesKratosFixtures(t *testing.T) {
	calls := ctxWebhookCalls(t)
	if len(calls) < 50 {
		t.Fatalf("found only %d recorded ctx bodies; the fixture scan is broken", len(calls))
	}
	for _, c := range calls {
		t.Run(c.fixture+"#"+strconv.Itoa(c.index), func(t *testing.T) {
			got := render(t, wholeCtx, string(c.body))
			if want := c.contentLength; strconv.Itoa(len(got)) != want {
				t.Errorf("rendered %d bytes, Kratos sent Content-Length %s", len(got), want)
			}
			ref, err := kratosRender("file://ctx.jsonnet", wholeCtx, string(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if got != ref {
				t.Errorf("output differs from Kratos's TLACode path")
			}
			if !jsonEqual(t, []byte(got), c.body) {
				t.Errorf("output does not parse back to the recorded body")
			}
		})
	}
}

// The spec's named fixtures, pinned individually.
func TestRenderNamedFixturesContentLength(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		length  int
	}{
		{"wh_parse_400_registration_api.json", 5226},
		{"wh_parse_200_identity_patch_settings_password_browser_json.json", 8974},
		{"wh_async_ignore_login_after_browser_form.json", 7425},
	} {
		c := fixtureWebhookCall(t, tc.fixture, 0)
		if got := len(render(t, wholeCtx, string(c.body))); got != tc.length {
			t.Errorf("%s: rendered %d bytes, want %d", tc.fixture, got, tc.length)
		}
	}
}

// cancel_if.jsonnet of the capture: the hook's recorded body and Content-Length pin a
// template other than the whole ctx.
const cancelIfTemplate = `function(ctx)
  if std.endsWith(ctx.identity.traits.email, "@skip.example") then error "cancel"
  else { email: ctx.identity.traits.email, flow_id: ctx.flow.id }
`

func TestRenderCancelIfTemplateMatchesFixture(t *testing.T) {
	c := fixtureWebhookCall(t, "wh_jsonnet_no_cancel_registration_api.json", 0)
	var rec struct {
		Email  string `json:"email"`
		FlowID string `json:"flow_id"`
	}
	if err := json.Unmarshal(c.body, &rec); err != nil {
		t.Fatal(err)
	}
	ctx := `{"identity": {"traits": {"email": "` + rec.Email + `"}}, "flow": {"id": "` + rec.FlowID + `"}}`
	got := render(t, cancelIfTemplate, ctx)
	if strconv.Itoa(len(got)) != c.contentLength {
		t.Fatalf("rendered %d bytes, Kratos sent Content-Length %s:\n%s", len(got), c.contentLength, got)
	}
	if !jsonEqual(t, []byte(got), c.body) {
		t.Fatalf("got %s, recorded %s", got, c.body)
	}
}

// Numbers must come out as Kratos's path prints them.
func TestRenderNumbersMatchKratos(t *testing.T) {
	for _, n := range []string{
		"0", "-0", "1", "-1", "1.5", "-2.25", "0.1", "1e21", "1E+2", "1e-7", "2.5e-3",
		"123456789", "9007199254740993", "12345678901234567890", "1.7976931348623157e308",
		"5e-324", "4.35", "100.0", "1.0e3", "0.30000000000000004", "3.141592653589793",
	} {
		ctx := `{"n": ` + n + `, "a": [` + n + `]}`
		got := render(t, wholeCtx, ctx)
		want, err := kratosRender("t", wholeCtx, ctx)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if got != want {
			t.Errorf("%s: got %q, Kratos %q", n, got, want)
		}
	}
	// And a few literally, so a change in both paths would still be caught.
	for n, want := range map[string]string{"1": "1", "1.5": "1.5", "1e21": "1000000000000000000000",
		"12345678901234567890": "12345678901234567168", "0.1": "0.10000000000000001", "-0": "-0"} {
		if got := render(t, `function(ctx) ctx.n`, `{"n": `+n+`}`); got != want+"\n" {
			t.Errorf("%s: got %q, want %q", n, got, want+"\n")
		}
	}
}

// Strings: escapes, non-ASCII, and what Kratos's encoding/json ctx would carry.
func TestRenderStringsMatchKratos(t *testing.T) {
	for _, s := range []string{
		`"plain"`, `""`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u0000\u001f"`, `"é ü 日本"`, `"\u00e9"`,
		`"\ud83d\ude00"`, `"😀"`, `"<&>"`, `"\u003c\u0026\u003e"`, `"\u2028\u2029"`, `"tab\there"`,
	} {
		ctx := `{"s": ` + s + `, ` + s + `: 1}`
		got := render(t, wholeCtx, ctx)
		want, err := kratosRender("t", wholeCtx, ctx)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got != want {
			t.Errorf("%s: got %q, Kratos %q", s, got, want)
		}
	}
}

// Strings Kratos's path can never see raw (its ctx is encoding/json output): lone
// surrogates and invalid UTF-8 must decode as encoding/json decodes them, since that
// is what Kratos's Go structs would have held.
func TestRenderStringsDecodeLikeEncodingJSON(t *testing.T) {
	for _, s := range []string{`"\ud800"`, `"\udc00x"`, `"\ud83dx"`, "\"a\xffb\"", "\"\xe2\x82\"", `"\ud83d\u0041"`} {
		var want string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		wantJSON, err := kratosRender("t", `function(ctx) ctx.s`, `{"s": `+strconv.Quote(want)+`}`)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(t, `function(ctx) ctx.s`, `{"s": `+s+`}`); got != wantJSON {
			t.Errorf("%q: got %q, want %q", s, got, wantJSON)
		}
	}
}

// Templates that read, transform and fail must behave as on Kratos's path, errors
// (message and stack trace) included.
func TestTemplatesMatchKratos(t *testing.T) {
	ctx := string(fixtureWebhookCall(t, "wh_parse_400_registration_api.json", 0).body)
	for _, code := range []string{
		`function(ctx) { id: ctx.identity.id, email: ctx.identity.traits.email, n: std.length(ctx.flow.ui.nodes) }`,
		`function(ctx) std.objectFields(ctx)`,
		`function(ctx) [n.attributes.name for n in ctx.flow.ui.nodes]`,
		`function(ctx) ctx + { extra: std.manifestJsonEx(ctx.request_headers, "  ") }`,
		`function(ctx) std.thisFile`,
		`local f(x) = x.missing; function(ctx) f(ctx)`,
		`function(ctx) ctx.identity.traits.email + 1`,
		`function(ctx) std.length(ctx.identity.metadata_public)`,
		`function(ctx) error "boom"`,
		`function(ctx) error { reason: ctx.identity.traits.email }`,
		`function(ctx) assert ctx.flow.type == "browser" : "not a browser flow"; ctx.flow.id`,
		`function(ctx) import "x.libsonnet"`,
		`function(ctx) std.extVar("x")`,
		`function(other) other`,
		`function(ctx, extra) ctx`,
		`{ constant: true }`,
		`local f(n) = f(n + 1); function(ctx) f(0)`,
		`function(ctx) function(x) x`,
		`function(ctx) { f: function(x) x }`,
	} {
		assertMatchesKratos(t, code, ctx)
	}
}

func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
