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

// userIDOf reads credentialOptions.publicKey.user.id from passkey create
// data.
func userIDOf(createData string) string {
	var d struct {
		CredentialOptions struct {
			PublicKey struct {
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"publicKey"`
		} `json:"credentialOptions"`
	}
	if json.Unmarshal([]byte(createData), &d) != nil {
		return ""
	}
	return d.CredentialOptions.PublicKey.User.ID
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
