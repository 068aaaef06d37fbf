package conformance

import (
	"encoding/base64"
	"maps"
	"net/http"
	"time"
)

// Jsonnet templates, as base64:// URIs so that Kratos and the gateway load
// the very same source without files.
var (
	tmplCtx    = b64(`function(ctx) ctx`)
	tmplCancel = b64(`function(ctx) error "cancel"`)
	tmplBoom   = b64(`function(ctx) error "boom"`)
	// tmplForm renders string fields only, as form-encoded hooks require.
	tmplForm = b64(`function(ctx) { flow_id: ctx.flow.id, flow_type: ctx.flow.type, method: ctx.request_method }`)
)

func b64(src string) string {
	return "base64://" + base64.StdEncoding.EncodeToString([]byte(src))
}

// webhook is a web_hook config posting the whole ctx to a receiver path;
// options change it.
func webhook(path string, opts ...func(map[string]any)) map[string]any {
	cfg := map[string]any{"url": path, "method": "POST", "body": tmplCtx}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func parse(cfg map[string]any)  { cfg["response"] = map[string]any{"parse": true} }
func ignore(cfg map[string]any) { cfg["response"] = map[string]any{"ignore": true} }

func body(tmpl string) func(map[string]any) {
	return func(cfg map[string]any) { cfg["body"] = tmpl }
}

func httpMethod(m string) func(map[string]any) {
	return func(cfg map[string]any) { cfg["method"] = m }
}

func headers(h map[string]string) func(map[string]any) {
	return func(cfg map[string]any) {
		m := map[string]any{}
		for k, v := range h {
			m[k] = v
		}
		cfg["headers"] = m
	}
}

// formEncoded sends tmplForm's fields URL-encoded, with a static header.
func formEncoded(cfg map[string]any) {
	cfg["body"] = tmplForm
	headers(map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Static-Header": "static-value"})(cfg)
}

func basicAuth(user, password string) func(map[string]any) {
	return func(cfg map[string]any) {
		cfg["auth"] = map[string]any{"type": "basic_auth", "config": map[string]any{"user": user, "password": password}}
	}
}

func apiKey(name, value, in string) func(map[string]any) {
	return func(cfg map[string]any) {
		cfg["auth"] = map[string]any{"type": "api_key", "config": map[string]any{"name": name, "value": value, "in": in}}
	}
}

// before is a <flow> before hook.
func before(cfg map[string]any, answers ...answer) hookDef {
	return hookDef{when: "before", config: maps.Clone(cfg), answers: answers}
}

// after is a <flow> after hook for one method ("" for the flow-wide list,
// as recovery and verification have).
func after(method string, cfg map[string]any, answers ...answer) hookDef {
	return hookDef{when: "after", method: method, config: maps.Clone(cfg), answers: answers}
}

// withTimeout sets the gateway's per-hook timeout (Kratos: fixed 30 s).
func withTimeout(h hookDef, d time.Duration) hookDef {
	h.timeout = d
	return h
}

func unreachable(h hookDef) hookDef {
	h.unreachable = true
	return h
}

// Receiver answers.
func reply200(body string) answer { return answer{status: http.StatusOK, body: body} }

func status(code int, body string) answer { return answer{status: code, body: body} }

func text(code int, body string) answer {
	return answer{status: code, body: body, contentType: "text/plain; charset=utf-8"}
}

var timesOut = answer{status: http.StatusOK, body: "{}", timesOut: true}

// Web hook answers used by several families.
const (
	emailMessages = `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":123,"text":"This e-mail domain is not allowed","type":"validation","context":{"domain":"blocked.example"}}]}]}`
	rootMessages  = `{"messages":[{"instance_ptr":"#/","messages":[{"id":4711,"text":"Not now","type":"error"}]}]}`
	// multiPointerMessages is the fixture's mix of node, nested, unknown,
	// password, root and empty pointers with several message types.
	multiPointerMessages = `{"messages":[` +
		`{"instance_ptr":"#/traits/email","messages":[{"id":1,"text":"first message, type error","type":"error","context":{"k":"v"}},{"id":2,"text":"second message, type info","type":"info"}]},` +
		`{"instance_ptr":"#/traits/name/first","messages":[{"id":3,"text":"nested trait pointer","type":"error"}]},` +
		`{"instance_ptr":"#/traits/does_not_exist","messages":[{"id":4,"text":"pointer with no matching node","type":"error"}]},` +
		`{"instance_ptr":"#/password","messages":[{"id":5,"text":"pointer #/password","type":"error"}]},` +
		`{"instance_ptr":"#/","messages":[{"id":6,"text":"root pointer #/","type":"error"}]},` +
		`{"instance_ptr":"","messages":[{"id":7,"text":"empty pointer","type":"something-else"}]}]}`
	passwordMessages = `{"messages":[{"instance_ptr":"#/password","messages":[{"id":4000099,"text":"Password rejected by policy hook","type":"error"}]}]}`
	withoutMessages  = `{"error":"nope"}`
)

// family builds one scenario per client kind from a definition.
type family struct {
	name   string
	flow   string
	kinds  []clientKind
	script func(c *client)
	// hooks builds the hooks; email is the scenario's client address, for
	// answers that must mention it (identity patches).
	hooks func(email string) []hookDef
	// variant is the Kratos configuration of its scenarios ("" = base).
	variant string
}

func (f family) expand() []scenario {
	out := make([]scenario, 0, len(f.kinds))
	for _, k := range f.kinds {
		sc := scenario{name: f.name + "_" + string(k), flow: f.flow, client: k, script: f.script, variant: f.variant}
		sc.hooks = f.hooks(emailFor(sc))
		out = append(out, sc)
	}
	return out
}

// fixed is a hooks builder that ignores the e-mail.
func fixed(hs ...hookDef) func(string) []hookDef {
	return func(string) []hookDef { return hs }
}

var (
	onlyAPI      = []clientKind{apiClient}
	onlyJSON     = []clientKind{browserJSONClient}
	onlyForm     = []clientKind{browserFormClient}
	apiAndForm   = []clientKind{apiClient, browserFormClient}
	apiAndJSON   = []clientKind{apiClient, browserJSONClient}
	browserKinds = []clientKind{browserJSONClient, browserFormClient}
)

// allScenarios is every scenario of every flow.
func allScenarios() []scenario {
	var out []scenario
	for _, fams := range [][]family{registrationFamilies(), loginFamilies(), settingsFamilies(), recoveryFamilies(), verificationFamilies(), passwordlessFamilies(), oidcFamilies(), secondFactorFamilies(), linkFamilies(), passkeyFamilies()} {
		for _, f := range fams {
			out = append(out, f.expand()...)
		}
	}
	return out
}
