package kratos

import "testing"

// StrategyFor must name the strategy Kratos's ordered loop runs, also when
// the fields and not the method decide.
func TestStrategyFor(t *testing.T) {
	for _, tc := range []struct {
		flow    Flow
		body, q string
		want    string
	}{
		{Registration, `{"method":"password"}`, "", "password"},
		{Registration, `{"method":"password","provider":"google"}`, "", "password"}, // password comes first
		{Registration, `{"provider":"google"}`, "", "oidc"},
		{Registration, `{"method":"code"}`, "provider=google", "oidc"}, // the query counts for OIDC
		{Registration, `{"method":"profile"}`, "", "profile"},
		{Registration, `{"passkey_register":"{}"}`, "", "passkey"},
		{Registration, `{"passkey_register":"true"}`, "", ""},
		{Registration, `{"webauthn_register":"{}","method":"x"}`, "", "webauthn"},
		{Registration, `{}`, "", ""},
		{Login, `{"method":"totp"}`, "", "totp"},
		{Login, `{"webauthn_login":"{}"}`, "", "webauthn"},
		{Login, `{"passkey_login":"{}"}`, "", "passkey"},
		{Login, `{"method":"identifier_first"}`, "", "identifier_first"},
		{Settings, `{"method":"profile","unlink":"google"}`, "", "oidc"},
		{Settings, `{"totp_unlink":true}`, "", "totp"},
		{Settings, `{"method":"lookup_secret"}`, "", ""},
		{Settings, `{"lookup_secret_regenerate":true}`, "", "lookup_secret"},
		{Settings, `{"webauthn_remove":"k"}`, "", "webauthn"},
		{Settings, `{"passkey_remove":"k"}`, "", "passkey"},
		{Recovery, `{"method":"code"}`, "", "code"},
	} {
		sub, err := ParseSubmit("application/json", []byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := StrategyFor(tc.flow, sub, tc.q); got != tc.want {
			t.Errorf("%s %s ?%s: StrategyFor = %q, want %q", tc.flow, tc.body, tc.q, got, tc.want)
		}
	}
}

func TestCanonicalFlowID(t *testing.T) {
	const id = "025e5a65-f079-422d-b256-aeaab8aefc6b"
	for _, in := range []string{id, "025E5A65-F079-422D-B256-AEAAB8AEFC6B", "025e5a65f079422db256aeaab8aefc6b", "{" + id + "}", "urn:uuid:" + id} {
		if got := CanonicalFlowID(in); got != id {
			t.Errorf("CanonicalFlowID(%q) = %q", in, got)
		}
	}
	if got := CanonicalFlowID("not-a-uuid"); got != "not-a-uuid" {
		t.Errorf("an unparsable id must stay as is, got %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = CanonicalFlowID(id) }); n != 0 {
		t.Errorf("a canonical id costs %.0f allocations", n)
	}
}
