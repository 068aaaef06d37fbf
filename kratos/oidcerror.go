package kratos

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// OIDCRegistrationErrorUI is the registration flow as Kratos shows it after
// a social sign-up failed on the callback (selfservice/strategy/oidc/
// strategy.go, handleError): every node replaced by the trait inputs of the
// identity schema in the oidc group, holding the values the provider gave,
// a "Continue" button for the provider, and the CSRF token; the error's
// messages are mapped onto that afterwards.
func OIDCRegistrationErrorUI(flow []byte, provider string, values map[string]json.RawMessage) ([]byte, error) {
	var nodes []json.RawMessage
	var csrf json.RawMessage
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		name := n.Get("attributes.name").String()
		switch {
		case name == "csrf_token":
			csrf = json.RawMessage(n.Raw)
		case strings.HasPrefix(name, "traits.") && n.Get("type").String() == "input":
			out, err := sjson.SetBytes([]byte(n.Raw), "group", "oidc")
			if err != nil {
				return nil, err
			}
			if v, ok := values[name]; ok && string(v) != "null" {
				out, err = sjson.SetRawBytes(out, "attributes.value", v)
			} else {
				out, err = sjson.DeleteBytes(out, "attributes.value")
			}
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, out)
		}
	}
	button, err := json.Marshal(map[string]any{
		"type": "input", "group": "oidc",
		"attributes": map[string]any{"name": "provider", "type": "submit", "value": provider, "disabled": false, "node_type": "input"},
		"messages":   []any{},
		"meta":       map[string]any{"label": map[string]any{"id": 1040003, "text": "Continue", "type": "info"}},
	})
	if err != nil {
		return nil, err
	}
	nodes = append(nodes, button)
	if csrf != nil {
		nodes = append(nodes, csrf)
	}
	all, err := json.Marshal(nodes)
	if err != nil {
		return nil, err
	}
	return sjson.SetRawBytes(flow, "ui.nodes", all)
}
