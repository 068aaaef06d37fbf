package cli

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
)

// TestFindHandlers finds handlers wherever Caddy's JSON may hold them
// (routes, subroutes, error routes), in a stable order, with their paths.
func TestFindHandlers(t *testing.T) {
	config := `{"apps": {"http": {"servers": {
	  "b": {"routes": [{"handle": [{"handler": "subroute", "routes": [{"handle": [{"handler": "ory_actions", "id": "b-nested"}]}]}]}],
	        "errors": {"routes": [{"handle": [{"handler": "ory_actions", "id": "b-errors"}]}]}},
	  "a": {"routes": [{"handle": [{"handler": "reverse_proxy"}, {"handler": "ory_actions", "id": "a", "max_body_size": 12345678901234567890}]}]}
	}}}}`
	var seen []string
	host := Host{Handler: func(raw []byte) (Handler, error) {
		var h struct {
			ID      string      `json:"id"`
			MaxBody json.Number `json:"max_body_size"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			return Handler{}, err
		}
		seen = append(seen, h.ID+" "+string(h.MaxBody))
		return Handler{Hooks: []gateway.HookSpec{{ID: h.ID}}}, nil
	}}
	hs, err := findHandlers(host, []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, h := range hs {
		paths = append(paths, h.Path)
	}
	want := []string{
		"apps.http.servers.a.routes[0].handle[1]",
		"apps.http.servers.b.errors.routes[0].handle[0]",
		"apps.http.servers.b.routes[0].handle[0].routes[0].handle[0]",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	if seen[0] != "a 12345678901234567890" {
		t.Errorf("numbers are not kept exactly: %q", seen[0])
	}
	if _, _, err := hookByID(hs, "b-errors"); err != nil {
		t.Error(err)
	}
	if _, _, err := hookByID(hs, "nope"); err == nil {
		t.Error("hookByID found a hook that does not exist")
	}
}
