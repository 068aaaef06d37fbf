package kratos

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// UnknownSchemaMessages is the message Kratos puts on a flow whose identity
// a hook moved to a schema Kratos does not know.
func UnknownSchemaMessages(schemaID string) []hooks.Message {
	text := "Unable to find JSON Schema ID: " + schemaID
	ctx, _ := sjson.SetBytes([]byte(`{}`), "reason", text)
	return []hooks.Message{{InstancePtr: "#/", Messages: []hooks.Detail{{ID: 4000001, Text: text, Type: "error", Context: ctx}}}}
}

// RestoreTraitValues gives the traits.* nodes of answer the values they
// have in original (or none), keeping everything else of answer.
func RestoreTraitValues(answer, original []byte) []byte {
	before := TraitNodeValues(original)
	out := answer
	for i, n := range gjson.GetBytes(answer, "ui.nodes").Array() {
		name := n.Get("attributes.name").String()
		if !strings.HasPrefix(name, "traits.") || n.Get("type").String() != "input" {
			continue
		}
		path := "ui.nodes." + strconv.Itoa(i) + ".attributes.value"
		var err error
		var next []byte
		if v, ok := before[name]; ok && string(v) != "null" {
			next, err = sjson.SetRawBytes(out, path, v)
		} else {
			next, err = sjson.DeleteBytes(out, path)
		}
		if err == nil {
			out = next
		}
	}
	return out
}

// TraitNodeValues maps each traits.* input node of flow to its value, JSON
// null for a node without one (a refill then removes the value).
func TraitNodeValues(flow []byte) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		name := n.Get("attributes.name").String()
		if !strings.HasPrefix(name, "traits.") || n.Get("type").String() != "input" {
			continue
		}
		if v := n.Get("attributes.value"); v.Exists() {
			out[name] = json.RawMessage(v.Raw)
		} else {
			out[name] = json.RawMessage("null")
		}
	}
	return out
}
