package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/cli"
)

// The imported runs check `caddy ory-actions import-kratos` against
// Kratos itself: the scenario's native Kratos config goes through the
// converter, and the gateway loaded with the hooks it produced must
// behave as Kratos with its native web_hooks, exactly as the gateway
// loaded with the suite's own hook config does (same documented
// differences, nothing more).

// importKey identifies a scenario's hook configuration; scenarios that
// differ only in their client share one, and one imported run per
// configuration is enough to check the conversion.
func importKey(sc scenario) string {
	return sc.variant + ":" + kratosHookConfig(sc, "<receiver>", "<unreachable>")
}

// importable reports scenarios whose hooks a Kratos config fully
// describes: a gateway per-hook timeout has no Kratos equivalent.
func importable(sc scenario) bool {
	if len(sc.hooks) == 0 || sc.slow() {
		return false
	}
	for _, h := range sc.hooks {
		if h.timeout > 0 {
			return false
		}
	}
	return true
}

// importedHooks converts the scenario's native config with import-kratos,
// adapts the resulting Caddyfile as Caddy does and returns the hooks of its
// ory_actions handler. The secrets the block reads from the environment
// are set from the native config, where the converter says they are.
func importedHooks(sc scenario, receiverURL, deadURL string) ([]any, error) {
	native := kratosHookConfig(sc, receiverURL, deadURL)
	imp, err := cli.ImportKratos([]byte(native), "kratos.yml", "http://127.0.0.1:1")
	if err != nil {
		return nil, fmt.Errorf("import-kratos: %w", err)
	}
	for name, from := range imp.Secrets {
		v := gjson.Get(native, gjsonPath(from))
		if !v.Exists() {
			return nil, fmt.Errorf("import-kratos names %s for %s, which the config does not have", name, from)
		}
		if err := os.Setenv(name, v.String()); err != nil {
			return nil, err
		}
	}
	adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(imp.Caddyfile), nil)
	if err != nil {
		return nil, fmt.Errorf("adapting the imported Caddyfile: %w\n%s", err, imp.Caddyfile)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("adapting the imported Caddyfile: warnings %v", warnings)
	}
	var doc any
	if err := json.Unmarshal(adapted, &doc); err != nil {
		return nil, err
	}
	hooks, ok := findOryActionsHooks(doc)
	if !ok {
		return nil, errors.New("the imported Caddyfile has no ory_actions handler with hooks")
	}
	return hooks, nil
}

var indexStep = regexp.MustCompile(`\[(\d+)\]`)

// gjsonPath turns "a.b[0].c" into gjson's "a.b.0.c".
func gjsonPath(p string) string { return indexStep.ReplaceAllString(p, ".$1") }

// findOryActionsHooks finds the hooks of the first ory_actions handler in
// an adapted Caddy config (handlers sit in routes, possibly in subroutes).
func findOryActionsHooks(v any) ([]any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if v["handler"] == "ory_actions" {
			hooks, ok := v["hooks"].([]any)
			return hooks, ok
		}
		for _, child := range v {
			if hooks, ok := findOryActionsHooks(child); ok {
				return hooks, true
			}
		}
	case []any:
		for _, child := range v {
			if hooks, ok := findOryActionsHooks(child); ok {
				return hooks, true
			}
		}
	}
	return nil, false
}

// forgetIdentities deletes the identities holding email from the gateway's
// Kratos, so a scenario can run again on the same address.
func forgetIdentities(adminURL, email string) error {
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(adminURL + "/admin/identities?" + url.Values{"credentials_identifier": {email}}.Encode())
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("listing the identities of %s: %d %v", email, resp.StatusCode, err)
	}
	for _, id := range gjson.GetBytes(body, "#.id").Array() {
		req, err := http.NewRequest(http.MethodDelete, adminURL+"/admin/identities/"+url.PathEscape(id.String()), nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("deleting identity %s: %d", id.String(), resp.StatusCode)
		}
	}
	return nil
}
