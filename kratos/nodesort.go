package kratos

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// NodeOrder is how Kratos re-sorts a flow's UI nodes after mapping errors
// onto it (node.Nodes.SortBySchema with the flow's sort options). Nil means
// the flow keeps its node order (recovery and verification do not sort).
type NodeOrder struct {
	groups []string
	keys   []string
}

// NodeOrderFor returns the sort Kratos applies to a flow of kind f after an
// error. schemaKeys is the identity schema's Schema.KeysInOrder:
// registration sorts by the default identity schema, settings by the
// identity's schema, login by none.
func NodeOrderFor(f Flow, schemaKeys []string) *NodeOrder {
	switch f {
	case Registration:
		keys := passwordLoginOrder(append([]string(nil), schemaKeys...))
		keys = append(keys, "webauthn_remove", "webauthn_register_displayname", "webauthn_register")
		return &NodeOrder{
			groups: []string{"oidc", "default", "webauthn", "passkey", "code", "password", "profile"},
			keys:   keys,
		}
	case Login:
		return &NodeOrder{
			groups: []string{"oidc", "default", "webauthn", "passkey", "code", "password", "totp", "lookup_secret"},
			keys:   []string{"csrf_token", "identifier", "password"},
		}
	case Settings:
		keys := append([]string(nil), schemaKeys...)
		keys = append(keys,
			"lookup_secret_reveal", "lookup_secret_regenerate", "lookup_secret_codes", "lookup_secret_confirm",
			"webauthn_remove", "webauthn_register_displayname", "webauthn_register",
			"totp_qr", "totp_secret_key", "totp_unlink", "totp_code")
		return &NodeOrder{
			groups: []string{"default", "profile", "password", "oidc", "lookup_secret", "webauthn", "totp"},
			keys:   keys,
		}
	}
	return nil
}

// passwordLoginOrder is Kratos's node.PasswordLoginOrder: "password" goes
// right after the first schema key.
func passwordLoginOrder(in []string) []string {
	switch len(in) {
	case 0:
		return []string{"password"}
	case 1:
		return append(in, "password")
	}
	return append([]string{in[0], "password"}, in[1:]...)
}

// sortNodes reproduces SortBySchema: an unstable sort.Slice by group index,
// then a sort.SliceStable that orders nodes of the same group by key
// position ("method" last) and then by the %v text of their values. Using
// the same standard-library algorithms with the same comparisons yields
// exactly Kratos's permutation, ties included.
func (o *NodeOrder) sortNodes(nodes []*uiNode) {
	type keyed struct {
		n     *uiNode
		group int
		pos   int
		value string
	}
	ks := make([]keyed, len(nodes))
	for i, n := range nodes {
		ks[i] = keyed{n: n, group: indexOf(o.groups, n.group), pos: o.position(n, len(nodes)), value: sortValue(n)}
	}
	if len(o.groups) > 0 {
		sort.Slice(ks, func(i, j int) bool { return ks[i].group < ks[j].group })
	}
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.n.group != b.n.group {
			return false
		}
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		return a.value < b.value
	})
	for i := range ks {
		nodes[i] = ks[i].n
	}
}

// position is SortBySchema's getKeyPosition.
func (o *NodeOrder) position(n *uiNode, count int) int {
	if n.id == "method" {
		return count + len(o.keys) + 1
	}
	for i, k := range o.keys {
		if strings.HasPrefix(n.id, k) {
			return i
		}
	}
	return len(o.keys)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// sortValue is fmt.Sprintf("%v", node.GetValue()) on Kratos's decoded
// node: an input's value (decoded by encoding/json, "<nil>" when absent),
// the src or href of images, scripts and anchors, the *text.Message of a
// text node.
func sortValue(n *uiNode) string {
	switch n.typ {
	case "input":
		if !n.value.Exists() {
			return "<nil>"
		}
		if n.value.Type == gjson.String {
			return n.value.String()
		}
		var v any
		if err := json.Unmarshal([]byte(n.value.Raw), &v); err != nil {
			return n.value.Raw
		}
		return fmt.Sprint(v)
	case "img", "script":
		return gjson.Get(n.raw, "attributes.src").String()
	case "a":
		return gjson.Get(n.raw, "attributes.href").String()
	case "text":
		t := gjson.Get(n.raw, "attributes.text")
		if !t.Exists() || t.Type == gjson.Null {
			return "<nil>"
		}
		ctx := t.Get("context")
		var ctxBytes []byte
		if ctx.Exists() {
			ctxBytes = []byte(ctx.Raw)
		}
		return fmt.Sprintf("&{%d %s %s %v}", t.Get("id").Int(), t.Get("text").String(), t.Get("type").String(), ctxBytes)
	}
	return ""
}
