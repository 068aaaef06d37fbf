package kratos

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// passkeyRegistrationRefusal: Kratos verifies a new passkey before the
// registration or settings after hooks run (selfservice/strategy/passkey
// Register and continueSettingsFlowAdd → go-webauthn CreateCredential →
// CollectedClientData.Verify): the credential's client data must be of a
// "webauthn.create" ceremony for the very challenge the flow offered. That
// challenge is in the flow's passkey_create_data node, so a credential made
// for another challenge (another flow's, a replayed one) is a certain
// refusal. Only that is checked: the origin, the relying party id hash and
// the attestation are checked against Kratos's configuration, which the
// gateway cannot see. When anything is missing or unreadable the submit is
// not reported, and Kratos decides with the hooks run first.
func passkeyRegistrationRefusal(c SubmitCheck) string {
	if c.Method != "passkey" {
		return ""
	}
	var field string
	switch c.Flow {
	case Registration:
		field = "passkey_register"
	case Settings:
		field = "passkey_settings_register" // passkey_remove carries no credential
	default:
		return ""
	}
	offered := offeredPasskeyChallenge(c.FlowJSON)
	if offered == "" {
		return ""
	}
	data, ok := passkeyClientData(c.Submit.Field(field))
	if !ok {
		return ""
	}
	if data.Type != "webauthn.create" {
		return "the passkey credential is not from a registration ceremony"
	}
	if data.Challenge != offered {
		return "the passkey credential answers another challenge than the flow's"
	}
	return ""
}

// offeredPasskeyChallenge reads the challenge from the flow's
// passkey_create_data node: credentialOptions.publicKey.challenge on a
// registration flow, publicKey.challenge on a settings flow ("" when the
// flow shows none, e.g. the first step of a two-step registration).
func offeredPasskeyChallenge(flow []byte) string {
	for _, n := range flowField(flow, "ui.nodes").Array() {
		if n.Get("attributes.name").String() != "passkey_create_data" {
			continue
		}
		type publicKey struct {
			Challenge string `json:"challenge"`
		}
		var d struct {
			CredentialOptions *struct {
				PublicKey publicKey `json:"publicKey"`
			} `json:"credentialOptions"`
			PublicKey publicKey `json:"publicKey"`
		}
		if json.Unmarshal([]byte(n.Get("attributes.value").String()), &d) != nil {
			return ""
		}
		if d.CredentialOptions != nil {
			return d.CredentialOptions.PublicKey.Challenge
		}
		return d.PublicKey.Challenge
	}
	return ""
}

// passkeyClientData is what go-webauthn reads of a credential's client
// data, decoded as it decodes it (protocol.URLEncodedBase64: padding
// trimmed, unpadded base64url; encoding/json, so keys match case-
// insensitively and the last duplicate wins).
type passkeyClientDataFields struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
}

func passkeyClientData(credential string) (passkeyClientDataFields, bool) {
	var out passkeyClientDataFields
	var cred struct {
		Response struct {
			ClientDataJSON json.RawMessage `json:"clientDataJSON"`
		} `json:"response"`
	}
	if credential == "" || json.Unmarshal([]byte(credential), &cred) != nil {
		return out, false
	}
	var encoded string
	if json.Unmarshal(cred.Response.ClientDataJSON, &encoded) != nil {
		return out, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight([]byte(encoded), "=")))
	if err != nil || json.Unmarshal(raw, &out) != nil {
		return out, false
	}
	return out, true
}
