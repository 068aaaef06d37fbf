package kratos

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// HydrateProfileTraits prepares a stored settings flow the way Kratos's
// profile strategy does before it runs settings hooks (hydrateForm), so a
// gateway's ctx.flow for a `settings after profile` hook matches Kratos's:
// every traits.* node loses its value and messages, then takes the
// submitted value and moves to the profile group; submitted traits without
// a node get a new input node (type number, checkbox or text by value);
// finally the csrf_token node is replaced when csrfToken is non-empty
// (Kratos mints a fresh masked token here for browser flows; for API flows
// its token is "", which the stored flow already holds).
func HydrateProfileTraits(flow, traits []byte, csrfToken string) ([]byte, error) {
	u, err := openFlowUI(flow)
	if err != nil {
		return nil, err
	}
	for _, n := range u.nodes {
		if !strings.HasPrefix(n.id, "traits.") {
			continue
		}
		if len(n.messages) > 0 {
			n.messages, n.messagesEdited = nil, true
		}
		if n.typ == "input" && n.value.Exists() {
			n.setValue(nil)
		}
	}
	values := TraitValues(traits)
	for _, name := range sortedKeys(values) {
		v := values[name]
		if string(v) == "null" {
			v = nil
		}
		if n := u.find(name); n != nil {
			if n.typ == "input" {
				n.setValue(v)
			}
			if n.group != "profile" {
				n.group, n.groupEdited = "profile", true
			}
			continue
		}
		u.nodes = append(u.nodes, newTraitInputNode(name, v))
	}
	if csrfToken != "" {
		u.upsert(newCSRFNode(csrfToken))
	}
	return u.render()
}

// newTraitInputNode is node.NewInputFieldFromJSON(name, value, profile).
func newTraitInputNode(name string, value json.RawMessage) *uiNode {
	typ := "text"
	switch gjson.ParseBytes(value).Type {
	case gjson.Number:
		typ = "number"
	case gjson.True, gjson.False:
		typ = "checkbox"
	}
	raw := []byte(`{"type":"input","group":"profile","attributes":{"name":`)
	raw = appendJSONString(raw, name)
	raw = append(raw, `,"type":"`+typ+`"`...)
	if value != nil {
		raw = append(raw, `,"value":`...)
		raw = append(raw, value...)
	}
	raw = append(raw, `,"disabled":false,"node_type":"input"},"messages":[],"meta":{}}`...)
	n := &uiNode{raw: string(raw), typ: "input", group: "profile", id: name}
	n.value = gjson.Get(n.raw, "attributes.value")
	return n
}

// sortedKeys makes map iteration deterministic (Kratos's order is Go's
// random map order; it only matters for appended nodes).
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
