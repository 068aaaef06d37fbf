package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/hydratest"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// settle is how long a side waits after its script for stray receiver
// calls (a hook called that should not have been), before recording.
const settle = 300 * time.Millisecond

// suiteEnv is what the gateway sides share: one hookless Kratos behind the
// gateway, whose public base URL is the gateway's, and the gateway's port.
type suiteEnv struct {
	kratos *kratostest.Kratos
	// variants are the gateway side's Kratoses of other configurations
	// (variants_test.go), started on first use.
	variants map[string]*kratostest.Kratos
	// oidcClient and oidcConfigure are the gateway side's OAuth2 client of
	// the suite's Hydra and the Kratos configuration using it.
	oidcClient    hydratest.Client
	oidcConfigure func(cfg map[string]any)
	gatewayURL    string
	dead          string // an origin where nothing listens
}

// runNative runs the scenario against a Kratos of its own that has the
// hooks configured natively.
func runNative(sc scenario, dead string) *transcript {
	rc := newReceiver(sc, true)
	defer rc.Close()
	var configure func(cfg map[string]any)
	var client hydratest.Client
	var err error
	if sc.variant == variantOIDC {
		client, configure, err = oidcClient()
	} else {
		configure, err = variantConfigure(sc.variant)
	}
	if err != nil {
		return &transcript{fatal: err.Error()}
	}
	k, err := kratostest.StartShared(kratostest.Options{ExtraConfig: kratosHookConfig(sc, rc.URL(), dead), Configure: configure})
	if err != nil {
		return &transcript{fatal: "starting Kratos with the hooks: " + err.Error()}
	}
	defer k.Stop()
	if err := prepareOIDC(sc, k, client); err != nil {
		return &transcript{fatal: "registering the Kratos with Hydra: " + err.Error()}
	}
	sd := &side{native: true, public: k.PublicURL, admin: k.AdminURL, setup: k.PublicURL, rc: rc}
	tr := runScript(sc, sd)
	newNormalizer(map[string]string{
		k.PublicURL: "<public>", k.AdminURL: "<admin>", rc.URL(): "<receiver>",
		dead: "<unreachable>", kratostest.DefaultUIBaseURL: "<ui>",
	}).transcript(tr)
	return tr
}

// runGateway loads the scenario's hooks into the gateway and runs the
// scenario through it. Only one gateway side runs at a time: Caddy has one
// configuration.
func runGateway(env *suiteEnv, sc scenario) *transcript {
	return runGatewayWith(env, sc, func(receiverURL string) ([]any, error) {
		return gatewayHooks(sc, receiverURL, env.dead), nil
	})
}

// runGatewayWith is runGateway with the hooks made by hooksFor for the
// side's receiver.
func runGatewayWith(env *suiteEnv, sc scenario, hooksFor func(receiverURL string) ([]any, error)) *transcript {
	rc := newReceiver(sc, false)
	defer rc.Close()
	k, err := env.kratosFor(sc.variant)
	if err != nil {
		return &transcript{fatal: "starting the gateway's Kratos: " + err.Error()}
	}
	if err := prepareOIDC(sc, k, env.oidcClient); err != nil {
		return &transcript{fatal: "registering the gateway with Hydra: " + err.Error()}
	}
	hooks, err := hooksFor(rc.URL())
	var cfg []byte
	if err == nil {
		cfg, err = caddyConfig(env, k, hooks)
	}
	if err == nil {
		err = caddy.Load(cfg, true)
	}
	if err == nil {
		err = waitGatewayServes(env.gatewayURL)
	}
	if err != nil {
		return &transcript{fatal: "loading the gateway config: " + err.Error()}
	}
	sd := &side{public: env.gatewayURL, admin: k.AdminURL, setup: k.PublicURL, rc: rc}
	tr := runScript(sc, sd)
	newNormalizer(map[string]string{
		env.gatewayURL: "<public>", k.PublicURL: "<upstream-kratos>", k.AdminURL: "<admin>",
		rc.URL(): "<receiver>", env.dead: "<unreachable>", kratostest.DefaultUIBaseURL: "<ui>",
	}).transcript(tr)
	return tr
}

// waitGatewayServes probes the gateway until it answers twice in a row on
// fresh connections. Right after a reload, the old configuration's server
// can still take one connection from the shared listener and close it
// unanswered; the probes absorb that instead of the scenario's first
// request.
func waitGatewayServes(gatewayURL string) error {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	ok := 0
	var last error
	for range 20 {
		resp, err := hc.Get(gatewayURL + "/health/alive")
		if err == nil {
			resp.Body.Close()
			if ok++; ok == 2 {
				return nil
			}
			continue
		}
		ok, last = 0, err
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("gateway not serving after reload: %v", last)
}

// runScript runs the client script and collects the receiver's calls.
func runScript(sc scenario, sd *side) *transcript {
	c := newClient(sc.client, sd, emailFor(sc))
	defer c.close()
	sc.script(c)
	time.Sleep(settle)
	c.tr.calls = map[string][]any{}
	for path, calls := range sd.rc.snapshot() {
		for _, call := range calls {
			c.tr.calls[path] = append(c.tr.calls[path], any(recordCall(call)))
		}
	}
	return c.tr
}

// emailFor gives each scenario its own address: the gateway's Kratos is
// shared by all scenarios (and by repeated runs, with -count), and both
// sides must use the same address.
func emailFor(sc scenario) string {
	local := "sc-" + strings.ReplaceAll(sc.name, "_", "-")
	if suiteRuns > 1 {
		local += fmt.Sprintf("-run%d", suiteRuns)
	}
	return local + "@example.org"
}

// caddyConfig is the gateway: ory_actions with the scenario's hooks, then
// reverse_proxy to the hookless Kratos. No UI URLs and no error UI URL are
// configured: the gateway learns them from Kratos, as for an operator who
// configures none. The admin endpoint is off so the
// suite never collides with other packages' in-process Caddy.
func caddyConfig(env *suiteEnv, k *kratostest.Kratos, hooks []any) ([]byte, error) {
	listen := strings.TrimPrefix(env.gatewayURL, "http://")
	upstream := strings.TrimPrefix(k.PublicURL, "http://")
	logOutput := map[string]any{"output": "discard"}
	if verbose() {
		logOutput = map[string]any{"output": "stderr"}
	}
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"writer": logOutput}}},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"conformance": map[string]any{
			"listen":          []any{listen},
			"automatic_https": map[string]any{"disable": true},
			"routes": []any{map[string]any{"handle": []any{
				map[string]any{
					"handler": "ory_actions",
					"kratos":  map[string]any{"public_url": k.PublicURL, "admin_url": k.AdminURL},
					"secret":  "conformance-secret-not-for-production-0123",
					"async":   map[string]any{"drain_timeout": "2s"},
					"hooks":   hooks,
				},
				map[string]any{"handler": "reverse_proxy", "upstreams": []any{map[string]any{"dial": upstream}}},
			}}},
		}}}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding the Caddy config: %w", err)
	}
	return b, nil
}
