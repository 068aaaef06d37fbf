package conformance

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Passkeys bring two random values into transcripts: the WebAuthn
// challenge of each ceremony, and the user handle Kratos draws for a new
// passkey identity (selfservice/strategy/passkey: 64 random characters,
// base64url-encoded as the creation options' user.id, stored raw as the
// passkey credential's identifier). Challenges become <challenge>; user
// handles become <user-handle:n> tokens, numbered by first appearance and
// paired between the sides like uuids, so that "the identity stored the
// handle the sign-up offered" is still compared.

// A passkey's removal button (passkey_remove, settings flows) has the
// credential id as its value: random, made by each side's authenticator.
// It becomes <passkey-credential>, and the buttons go last among the
// nodes: Kratos orders nodes the schema does not place by their values
// (ui/node/node.go SortBySchema), so the random id decides their place.

// passkeyRemoveLast moves the passkey_remove nodes after the others.
func passkeyRemoveLast(nodes []any) []any {
	out := make([]any, 0, len(nodes))
	var remove []any
	for _, n := range nodes {
		node, _ := n.(map[string]any)
		attrs, _ := node["attributes"].(map[string]any)
		if attrs["name"] == "passkey_remove" {
			remove = append(remove, n)
			continue
		}
		out = append(out, n)
	}
	return append(out, remove...)
}

// passkeyOptionNodes are the nodes whose value is WebAuthn options JSON.
var passkeyOptionNodes = map[string]bool{"passkey_create_data": true, "passkey_challenge": true}

// learnPasskeyHandles finds the user handles of the creation options in
// v, in order, before anything is rewritten: an identity can show a
// handle before the flow that offered it does (hook calls come last).
func (n *normalizer) learnPasskeyHandles(v any) {
	switch x := v.(type) {
	case map[string]any:
		if name, _ := x["name"].(string); name == "passkey_create_data" {
			if s, ok := x["value"].(string); ok {
				n.learnHandle(userIDOf(s))
			}
		}
		for _, k := range sortedKeys(x) {
			n.learnPasskeyHandles(x[k])
		}
	case []any:
		for _, e := range x {
			n.learnPasskeyHandles(e)
		}
	}
}

func (n *normalizer) learnHandle(encoded string) {
	if encoded == "" {
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encoded, "="))
	if err != nil || len(raw) == 0 {
		return
	}
	for _, h := range n.handles {
		if h == string(raw) {
			return
		}
	}
	n.handles = append(n.handles, string(raw))
}

// userIDOf reads publicKey.user.id from passkey create data: wrapped in
// credentialOptions on registration flows, bare on settings flows.
func userIDOf(createData string) string {
	type publicKey struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	var d struct {
		CredentialOptions struct {
			PublicKey publicKey `json:"publicKey"`
		} `json:"credentialOptions"`
		PublicKey publicKey `json:"publicKey"`
	}
	if json.Unmarshal([]byte(createData), &d) != nil {
		return ""
	}
	if id := d.CredentialOptions.PublicKey.User.ID; id != "" {
		return id
	}
	return d.PublicKey.User.ID
}

// passkeyHandles rewrites the learned user handles in s, raw or base64
// encoded (the forms Kratos shows them in).
func (n *normalizer) passkeyHandles(s string) string {
	for i, h := range n.handles {
		token := "<user-handle:" + strconv.Itoa(i+1) + ">"
		for _, form := range []string{h, base64.RawURLEncoding.EncodeToString([]byte(h)), base64.StdEncoding.EncodeToString([]byte(h))} {
			s = strings.ReplaceAll(s, form, token)
		}
	}
	return s
}

// passkeyOptions normalises a WebAuthn options value: its challenge
// becomes <challenge>, the rest (user handles aside) stays compared.
func (n *normalizer) passkeyOptions(value string) string {
	var doc map[string]any
	if json.Unmarshal([]byte(value), &doc) != nil {
		return n.str(value)
	}
	pk, _ := doc["publicKey"].(map[string]any)
	if co, ok := doc["credentialOptions"].(map[string]any); ok {
		pk, _ = co["publicKey"].(map[string]any)
	}
	if _, ok := pk["challenge"]; ok {
		pk["challenge"] = "<challenge>"
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return n.str(value)
	}
	return n.str(string(b))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
