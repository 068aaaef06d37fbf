package kratos

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

const restoreOriginal = `{"ui":{"nodes":[
 {"type":"input","group":"default","attributes":{"name":"traits.email","value":"ada@example.org"},"messages":[]},
 {"type":"input","group":"default","attributes":{"name":"traits.name.first"},"messages":[]},
 {"type":"input","group":"default","attributes":{"name":"csrf_token","value":"t1"},"messages":[]}]}}`

// Kratos's stored flow after refusing a hook's patched traits: its own
// message on the e-mail node, the hook's values in the nodes.
const restoreRefused = `{"ui":{"nodes":[
 {"type":"input","group":"default","attributes":{"name":"traits.email"},"messages":[{"id":4000002,"text":"Property email is missing.","type":"error"}]},
 {"type":"input","group":"default","attributes":{"name":"traits.name.first","value":"NoEmail"},"messages":[]},
 {"type":"input","group":"default","attributes":{"name":"csrf_token","value":"t2"},"messages":[]}]}}`

func TestTraitNodeValuesMarksMissingValuesNull(t *testing.T) {
	got := TraitNodeValues([]byte(restoreOriginal))
	if len(got) != 2 || string(got["traits.email"]) != `"ada@example.org"` || string(got["traits.name.first"]) != "null" {
		t.Errorf("TraitNodeValues = %q", got)
	}
}

// A values-only carry puts the original values back and keeps Kratos's
// messages and every other node as Kratos stored them.
func TestValuesOnlyCarryKeepsKratosMessages(t *testing.T) {
	c := Carry{Flow: Registration, ValuesOnly: true, Refill: TraitNodeValues([]byte(restoreOriginal))}
	out, err := c.Apply([]byte(restoreRefused), MapOptions{ResetMessages: ResetOptionsFor(Registration)})
	if err != nil {
		t.Fatal(err)
	}
	nodes := gjson.GetBytes(out, "ui.nodes").Array()
	if v := nodes[0].Get("attributes.value").String(); v != "ada@example.org" {
		t.Errorf("email value = %q, want the original", v)
	}
	if nodes[0].Get("messages.0.id").Int() != 4000002 {
		t.Errorf("Kratos's message was dropped: %s", nodes[0].Raw)
	}
	if v := nodes[1].Get("attributes.value"); v.Exists() {
		t.Errorf("first name value = %s, want none (the client never sent one)", v.Raw)
	}
	if v := nodes[2].Get("attributes.value").String(); v != "t2" {
		t.Errorf("csrf_token = %q, want Kratos's", v)
	}
	restored := RestoreTraitValues([]byte(restoreRefused), []byte(restoreOriginal))
	if gjson.GetBytes(restored, "ui.nodes.0.attributes.value").String() != "ada@example.org" || gjson.GetBytes(restored, "ui.nodes.1.attributes.value").Exists() {
		t.Errorf("RestoreTraitValues = %s", restored)
	}
}

// An interrupt's message on a pointer without a node adds that node; once
// a later submit went to Kratos, only the added node stays, without the
// message, as in Kratos's stored flow.
func TestInterruptAddedNodesPersistWithoutMessages(t *testing.T) {
	msgs := []hooks.Message{
		{InstancePtr: "#/traits/email", Messages: []hooks.Detail{{ID: 1, Text: "known node", Type: "error"}}},
		{InstancePtr: "#/traits/invite", Messages: []hooks.Detail{{ID: 2, Text: "added node", Type: "error"}}},
		{InstancePtr: "#/traits/silent"},
	}
	added := AddedNodes([]byte(restoreOriginal), msgs)
	if len(added) != 1 || added[0] != "traits.invite" {
		t.Fatalf("AddedNodes = %v, want [traits.invite]", added)
	}
	kept, ok := Carry{Flow: Registration, Messages: msgs, Nodes: added}.Persisting()
	if !ok || len(kept.Messages) != 0 {
		t.Fatalf("Persisting = %+v, %v", kept, ok)
	}
	out, err := kept.Apply([]byte(restoreRefused), MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nodes := gjson.GetBytes(out, "ui.nodes").Array()
	if len(nodes) != 4 || nodes[3].Get("attributes.name").String() != "traits.invite" || len(nodes[3].Get("messages").Array()) != 0 {
		t.Errorf("nodes after the persisting carry: %s", gjson.GetBytes(out, "ui.nodes").Raw)
	}
	if nodes[0].Get("messages.0.id").Int() != 4000002 {
		t.Errorf("Kratos's own message was touched: %s", nodes[0].Raw)
	}
	if _, ok := (Carry{Flow: Registration, Messages: msgs}).Persisting(); ok {
		t.Error("a carry that added no node persists")
	}
}
