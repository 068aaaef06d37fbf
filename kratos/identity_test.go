package kratos

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// Every pre-persist identity Kratos sent to a registration parse hook is
// rebuilt exactly from the decoded submit and the schema.
func TestPrePersistIdentityMatchesFixtures(t *testing.T) {
	s := mustTestSchema(t)
	paths, _ := filepath.Glob(filepath.Join(fixtureDir(t), "wh_parse_*registration*.json"))
	checked := 0
	for _, p := range paths {
		f := loadFixture(t, strings.TrimSuffix(filepath.Base(p), ".json"))
		if len(f.WebhookCalls) == 0 || f.Request.Method != "POST" {
			continue
		}
		want := gjson.GetBytes(f.WebhookCalls[0].Body, "identity")
		if !want.Exists() || want.Get("schema_url").String() != "" {
			continue
		}
		now, err := time.Parse(time.RFC3339Nano, want.Get("state_changed_at").String())
		if err != nil {
			t.Fatal(err)
		}
		sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), s)
		if err != nil {
			t.Fatal(err)
		}
		got := PrePersistIdentity("default", sub.Traits, s, now)
		assertSameJSON(t, f.Name+" identity", got, []byte(want.Raw))
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d fixtures checked", checked)
	}
}

func TestPrePersistIdentityShape(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600))
	got := PrePersistIdentity("custom", nil, nil, now)
	want := `{"id":"00000000-0000-0000-0000-000000000000","schema_id":"custom","schema_url":"","state":"active",` +
		`"state_changed_at":"2026-01-02T02:04:05.0000006Z","traits":{},"metadata_public":null,` +
		`"created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z","organization_id":null}`
	if string(got) != want {
		t.Fatalf("PrePersistIdentity =\n%s\nwant\n%s", got, want)
	}
}

func TestAddressesAndIdentifiers(t *testing.T) {
	s, err := CompileSchema("multi", []byte(`{"type":"object","definitions":{
		"mail":{"type":"string","format":"email","ory.sh/kratos":{"verification":{"via":"email"},"recovery":{"via":"email"}}}},
		"properties":{"traits":{"type":"object","properties":{
			"email":{"$ref":"#/definitions/mail","ory.sh/kratos":{"ignored":"$ref siblings"}},
			"login":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
			"phone":{"type":"string","format":"tel","ory.sh/kratos":{"verification":{"via":"sms"}}},
			"backup":{"type":"array","items":{"type":"string","ory.sh/kratos":{"recovery":{"via":"email"},"verification":{"via":"email"}}}},
			"nested":{"type":"object","properties":{"work":{"type":"string","ory.sh/kratos":{"verification":{"via":"email"}}}}}
		}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	traits := []byte(`{"email":"Me@Example.COM","login":"MyName","phone":" +49 1 ","backup":["b@x.io","me@example.com","B@X.IO"],"nested":{"work":"w@corp.example"}}`)
	ver, rec := s.Addresses(traits)
	wantVer := []Address{{"me@example.com", "email"}, {"+49 1", "sms"}, {"b@x.io", "email"}, {"w@corp.example", "email"}}
	wantRec := []Address{{"me@example.com", "email"}, {"b@x.io", "email"}}
	if !reflect.DeepEqual(ver, wantVer) {
		t.Errorf("verifiable = %v, want %v", ver, wantVer)
	}
	if !reflect.DeepEqual(rec, wantRec) {
		t.Errorf("recovery = %v, want %v", rec, wantRec)
	}
	if ids := s.PasswordIdentifiers(traits); !reflect.DeepEqual(ids, []string{"myname"}) {
		t.Errorf("identifiers = %v", ids)
	}
	if ids := s.PasswordIdentifiers([]byte(`{"email":"a@b.c"}`)); len(ids) != 0 {
		t.Errorf("identifiers without login = %v", ids)
	}
}

func TestValidateTraits(t *testing.T) {
	s := mustTestSchema(t)
	tests := []struct {
		traits string
		ptrs   []string
	}{
		{`{"email":"a@example.com"}`, nil},
		{`{"email":"a@example.com","name":{"first":"A","last":"B"}}`, nil},
		{``, []string{"#/traits"}},
		{`{"email":"not-an-email"}`, []string{"#/traits/email"}},
		{`{"email":"a@-bad.example"}`, []string{"#/traits/email"}},
		{`{"email":"a@example.com","extra":1}`, []string{"#/traits"}},
		{`{"email":"a@example.com","name":{"first":5}}`, []string{"#/traits/name/first"}},
		{`[]`, []string{"#/traits"}},
	}
	for _, tt := range tests {
		err := s.ValidateTraits([]byte(tt.traits))
		if tt.ptrs == nil {
			if err != nil {
				t.Errorf("ValidateTraits(%s) = %v", tt.traits, err)
			}
			continue
		}
		var te *TraitsError
		if !errors.As(err, &te) {
			t.Errorf("ValidateTraits(%s) = %v, want a TraitsError", tt.traits, err)
			continue
		}
		for _, p := range tt.ptrs {
			if !strings.Contains(strings.Join(te.Pointers, " "), p) {
				t.Errorf("ValidateTraits(%s) pointers %v lack %s", tt.traits, te.Pointers, p)
			}
		}
		if strings.Contains(err.Error(), "not-an-email") {
			t.Errorf("error leaks the value: %v", err)
		}
	}
}

// The validator must never be stricter than Kratos (a false refusal skips
// a hook): formats other than email are not asserted.
func TestValidateTraitsIsLenientOnOtherFormats(t *testing.T) {
	s, err := CompileSchema("f", []byte(`{"$schema":"ory://identity-meta-schema","type":"object","properties":{"traits":{"type":"object","properties":{
		"born":{"type":"string","format":"date"},"site":{"type":"string","format":"uri"},"tel":{"type":"string","format":"tel"},
		"mail":{"type":"string","format":"email"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ValidateTraits([]byte(`{"born":"yesterday","site":"::","tel":"call me"}`)); err != nil {
		t.Errorf("lenient formats rejected: %v", err)
	}
	if err := s.ValidateTraits([]byte(`{"mail":"nope"}`)); err == nil {
		t.Error("invalid email accepted")
	}
}

func TestCompileSchemaErrors(t *testing.T) {
	for _, raw := range []string{`not json`, `{"type":"object","properties":{"traits":{"$ref":"https://remote.example/s.json"}}}`, `{"type":12}`} {
		if _, err := CompileSchema("bad", []byte(raw)); err == nil {
			t.Errorf("CompileSchema(%s) succeeded", raw)
		}
	}
}

func TestKeysInOrder(t *testing.T) {
	s := mustTestSchema(t)
	if got, want := s.KeysInOrder(), []string{"traits.email", "traits.name.first", "traits.name.last"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("KeysInOrder = %v, want %v", got, want)
	}
	d, err := CompileSchema("d", []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{"a.b":{"type":"string"},"z":{"type":"object"},"c":{"type":"number"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.KeysInOrder(), []string{`traits.a\.b`, "traits.c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("KeysInOrder = %v, want %v (objects without properties vanish)", got, want)
	}
}

func TestSettingsPrePersistIdentityMatchesFixtures(t *testing.T) {
	s := mustTestSchema(t)
	for _, name := range []string{"wh_parse_200_identity_patch_settings_profile_api", "wh_parse_400_settings_profile_api"} {
		f := loadFixture(t, name)
		ctx := []byte(f.WebhookCalls[0].Body)
		sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SettingsPrePersistIdentity([]byte(gjson.GetBytes(ctx, "flow.identity").Raw), sub.Traits, s)
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, name+" identity", got, []byte(gjson.GetBytes(ctx, "identity").Raw))
	}
}

func TestSettingsPrePersistIdentityNewAddress(t *testing.T) {
	s := mustTestSchema(t)
	stored := []byte(`{"id":"i1","traits":{"email":"old@example.com"},"state_changed_at":"2026-01-01T00:00:00Z",` +
		`"verifiable_addresses":[{"id":"v1","value":"old@example.com","verified":true,"via":"email","status":"completed"}],` +
		`"recovery_addresses":[{"id":"r1","value":"old@example.com","via":"email"}]}`)
	got, err := SettingsPrePersistIdentity(stored, []byte(`{"email":"NEW@example.com"}`), s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"i1","traits":{"email":"NEW@example.com"},"state_changed_at":null,` +
		`"verifiable_addresses":[{"id":"00000000-0000-0000-0000-000000000000","value":"new@example.com","verified":false,"via":"email","status":"pending","created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"}],` +
		`"recovery_addresses":[{"id":"00000000-0000-0000-0000-000000000000","value":"new@example.com","via":"email","created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"}]}`
	assertSameJSON(t, "identity", got, []byte(want))
	same, err := SettingsPrePersistIdentity(stored, []byte(`{"email":"old@example.com"}`), s)
	if err != nil {
		t.Fatal(err)
	}
	if gjson.GetBytes(same, "verifiable_addresses.0.id").String() != "v1" || gjson.GetBytes(same, "recovery_addresses.0.id").String() != "r1" {
		t.Errorf("stored addresses not kept: %s", same)
	}
}
