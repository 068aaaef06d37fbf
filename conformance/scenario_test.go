package conformance

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
)

// clientKind is how the scripted client talks to Kratos (Kratos's x.IsJSONRequest decides).
type clientKind string

const (
	apiClient         clientKind = "api"          // native app: /api flows, JSON, session token
	browserJSONClient clientKind = "browser_json" // SPA: /browser flows, JSON, cookies + CSRF
	browserFormClient clientKind = "browser_form" // server-rendered UI: HTML init, form posts, redirects
)

// allKinds is every client kind, in the order scenario names use.
var allKinds = []clientKind{apiClient, browserJSONClient, browserFormClient}

// scenario is defined once and run against both sides.
type scenario struct {
	name   string
	flow   string // the flow the scenario is about (registration, login, …)
	client clientKind
	hooks  []hookDef
	script func(c *client)
	// variant names the Kratos configuration both sides run ("" = base;
	// variants_test.go).
	variant string
}

// hookDef is one web hook: where it runs, Kratos's web_hook config and what
// its receiver answers.
type hookDef struct {
	flow   string // default: the scenario's flow
	when   string // before | after
	method string // after hooks: password, profile, …; "" = the flow's global list
	// config is Kratos's web_hook config verbatim, except that url is a
	// path on the scenario's receiver ("/h1"), completed per side.
	config map[string]any
	// answers script the receiver for this hook's path: the n-th call gets
	// answers[n-1], the last one repeats. Empty: 200 {}.
	answers []answer
	// timeout is the gateway's per-hook timeout; Kratos's is a fixed 30 s.
	timeout time.Duration
	// unreachable points the hook at a port nobody listens on.
	unreachable bool
}

// answer is what the receiver replies to one call.
type answer struct {
	status      int
	body        string
	contentType string // default application/json when body is set
	delay       time.Duration
	// timesOut makes the receiver sleep just past the side's per-attempt
	// timeout (31 s for Kratos, the hook's timeout + 0.5 s for the gateway).
	timesOut bool
}

// path is the hook's receiver path.
func (h hookDef) path() string { return h.config["url"].(string) }

// slow reports whether the Kratos side waits for Kratos's 30 s timeout.
func (s scenario) slow() bool {
	for _, h := range s.hooks {
		for _, a := range h.answers {
			if a.timesOut {
				return true
			}
		}
	}
	return false
}

// hookURL completes a hook's url for one side.
func hookURL(h hookDef, receiverURL, deadURL string) string {
	if h.unreachable {
		return deadURL + h.path()
	}
	return receiverURL + h.path()
}

// kratosHookConfig is the configuration Kratos loads on top of its base
// config (kratostest ExtraConfig) so that it runs the scenario's hooks
// natively. Lists replace the base's, so the registration password list
// keeps the base's session hook (last, where Kratos runs it anyway).
func kratosHookConfig(s scenario, receiverURL, deadURL string) string {
	flows := map[string]any{}
	lists := map[string][]any{}
	var order []string
	for _, h := range s.hooks {
		flow := h.flowOr(s.flow)
		key := flow + "." + h.when
		if h.method != "" {
			key += "." + h.method
		}
		if _, seen := lists[key]; !seen {
			order = append(order, key)
		}
		cfg := maps.Clone(h.config)
		cfg["url"] = hookURL(h, receiverURL, deadURL)
		lists[key] = append(lists[key], map[string]any{"hook": "web_hook", "config": cfg})
	}
	for _, key := range order {
		hooks := lists[key]
		if key == "registration.after.password" || key == "registration.after.code" && s.variant == variantPasswordless ||
			key == "registration.after.oidc" && s.variant == variantOIDC ||
			key == "registration.after.passkey" && s.variant == variantPasskey {
			// The lists replace the base's (and the variant's), which end
			// with the session hook.
			hooks = append(hooks, map[string]any{"hook": "session"})
		}
		parts := strings.Split(key, ".")
		m := flows
		for _, p := range parts {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m["hooks"] = hooks
	}
	doc, err := json.Marshal(map[string]any{"selfservice": map[string]any{"flows": flows}})
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return string(doc) // JSON is YAML
}

// gatewayHooks is the same hooks as the ory_actions JSON config: each
// config pasted verbatim, plus flow/when/method and the per-hook timeout.
func gatewayHooks(s scenario, receiverURL, deadURL string) []any {
	var out []any
	for _, h := range s.hooks {
		cfg := maps.Clone(h.config)
		cfg["url"] = hookURL(h, receiverURL, deadURL)
		hc := map[string]any{"flow": h.flowOr(s.flow), "when": h.when, "config": cfg}
		if h.method != "" {
			hc["method"] = h.method
		}
		if h.timeout > 0 {
			hc["timeout"] = h.timeout.String()
		}
		out = append(out, hc)
	}
	return out
}

func (h hookDef) flowOr(def string) string {
	if h.flow != "" {
		return h.flow
	}
	return def
}

// checkScenarios rejects duplicate names and hooks without a receiver path,
// which would make two scenarios share state or a hook unreachable by
// accident.
func checkScenarios(all []scenario) error {
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.name] {
			return fmt.Errorf("duplicate scenario name %q", s.name)
		}
		seen[s.name] = true
		if s.script == nil {
			return fmt.Errorf("scenario %q has no script", s.name)
		}
		for i, h := range s.hooks {
			if p, ok := h.config["url"].(string); !ok || !strings.HasPrefix(p, "/") {
				return fmt.Errorf("scenario %q hook %d: url must be a receiver path like /h1", s.name, i)
			}
		}
	}
	return nil
}
