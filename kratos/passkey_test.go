package kratos

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/webauthntest"
)

// passkeyFlow is a browser registration flow's second step as Kratos
// shows it, with creation options for challenge.
func passkeyFlow(t *testing.T, challenge string) []byte {
	t.Helper()
	createData := jsonText(t, map[string]any{
		"credentialOptions": map[string]any{"publicKey": map[string]any{
			"challenge": challenge, "rp": map[string]any{"id": "localhost", "name": "tests"},
			"user":             map[string]any{"id": "dXNlci1oYW5kbGU", "name": "", "displayName": ""},
			"pubKeyCredParams": []any{map[string]any{"type": "public-key", "alg": -7}},
		}},
		"displayNameFieldName": "traits.email",
	})
	return []byte(jsonText(t, map[string]any{"type": "browser", "ui": map[string]any{"nodes": []any{
		map[string]any{"type": "input", "group": "passkey", "attributes": map[string]any{"name": "passkey_register", "type": "hidden"}},
		map[string]any{"type": "input", "group": "passkey", "attributes": map[string]any{"name": "passkey_create_data", "type": "hidden", "value": createData}},
	}}}))
}

func jsonText(t *testing.T, v any) string { return string(mustMarshal(t, v)) }

// passkeySubmit is a passkey registration submit carrying credential.
func passkeySubmit(t *testing.T, credential string) Submit {
	t.Helper()
	sub, err := ParseSubmit("application/json", []byte(jsonText(t, map[string]any{
		"method": "passkey", "traits": map[string]any{"email": "a@example.com"}, "passkey_register": credential,
	})))
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestPasskeyRegistrationRefusal(t *testing.T) {
	const offered = "b2ZmZXJlZC1jaGFsbGVuZ2UtMDEyMzQ1Njc4OQ"
	flow := passkeyFlow(t, offered)
	device := webauthntest.New("http://localhost:4455")
	create := func(challenge string) string {
		var f struct {
			UI struct {
				Nodes []struct {
					Attributes struct {
						Name, Value string
					}
				}
			}
		}
		if err := json.Unmarshal(passkeyFlow(t, challenge), &f); err != nil {
			t.Fatal(err)
		}
		cred, err := device.Create([]byte(f.UI.Nodes[1].Attributes.Value))
		if err != nil {
			t.Fatal(err)
		}
		return string(cred)
	}
	good := create(offered)
	stale := create("c3RhbGUtY2hhbGxlbmdl")
	if _, err := device.Create([]byte(`{"publicKey":{"challenge":"eA","rp":{"id":"localhost"},"user":{"id":"eA"}}}`)); err != nil {
		t.Fatal(err)
	}
	assertion, err := device.Get([]byte(`{"publicKey":{"challenge":"` + offered + `","rpId":"localhost"}}`))
	if err != nil {
		t.Fatal(err)
	}
	check := func(method string, flowJSON []byte, credential string) SubmitCheck {
		return SubmitCheck{Flow: Registration, FlowJSON: flowJSON, Submit: passkeySubmit(t, credential), Method: method}
	}
	tests := []struct {
		name   string
		check  SubmitCheck
		refuse string // substring of the reason; "" means not refused
	}{
		{"the credential answers the flow's challenge", check("passkey", flow, good), ""},
		{"the credential answers another challenge", check("passkey", flow, stale), "another challenge"},
		{"a login assertion instead of a credential", check("passkey", flow, string(assertion)), "registration ceremony"},
		{"padded base64 client data is read as go-webauthn reads it", check("passkey", flow, padClientData(t, good)), ""},
		{"the flow shows no creation options (first step)", check("passkey", []byte(`{"type":"browser","ui":{"nodes":[]}}`), stale), ""},
		{"an unreadable credential is left to Kratos", check("passkey", flow, "not json"), ""},
		{"client data that is not base64 is left to Kratos", check("passkey", flow, `{"response":{"clientDataJSON":"***"}}`), ""},
		{"other methods are not checked", check("password", flow, stale), ""},
		{"settings: the credential answers the flow's challenge", settingsCheck(t, offered, good), ""},
		{"settings: the credential answers another challenge", settingsCheck(t, offered, stale), "another challenge"},
		{"login flows are not checked", func() SubmitCheck { c := check("passkey", flow, stale); c.Flow = Login; return c }(), ""},
	}
	for _, tt := range tests {
		got := SubmitRefusal(tt.check)
		switch {
		case tt.refuse == "" && got != "":
			t.Errorf("%s: refused: %s", tt.name, got)
		case tt.refuse != "" && !strings.Contains(got, tt.refuse):
			t.Errorf("%s: reason %q, want one mentioning %q", tt.name, got, tt.refuse)
		}
	}
}

// padClientData re-encodes a credential's client data with base64
// padding, which go-webauthn trims before decoding.
func padClientData(t *testing.T, credential string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(credential), &m); err != nil {
		t.Fatal(err)
	}
	resp := m["response"].(map[string]any)
	s := resp["clientDataJSON"].(string)
	for len(s)%4 != 0 {
		s += "="
	}
	resp["clientDataJSON"] = s
	return jsonText(t, m)
}

// settingsCheck is a settings submit adding credential to a flow that
// offers challenge, as Kratos shows it there: bare creation options
// ({"publicKey": …}) in passkey_create_data, the credential in
// passkey_settings_register.
func settingsCheck(t *testing.T, challenge, credential string) SubmitCheck {
	t.Helper()
	createData := jsonText(t, map[string]any{"publicKey": map[string]any{
		"challenge": challenge, "rp": map[string]any{"id": "localhost", "name": "tests"},
		"user": map[string]any{"id": "dXNlci1oYW5kbGU", "name": "a@example.com", "displayName": "a@example.com"},
	}})
	flow := jsonText(t, map[string]any{"type": "browser", "ui": map[string]any{"nodes": []any{
		map[string]any{"type": "input", "group": "passkey", "attributes": map[string]any{"name": "passkey_create_data", "type": "hidden", "value": createData}},
	}}})
	sub, err := ParseSubmit("application/json", []byte(jsonText(t, map[string]any{"method": "passkey", "passkey_settings_register": credential})))
	if err != nil {
		t.Fatal(err)
	}
	return SubmitCheck{Flow: Settings, FlowJSON: []byte(flow), Submit: sub, Method: "passkey"}
}
