package webauthntest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// The authenticator's answers are checked by go-webauthn, the library
// Kratos v1.3.1's passkey strategy verifies them with
// (selfservice/strategy/passkey), at the version tools/kratos/go.mod
// builds Kratos with, configured as Kratos configures it.

const testOrigin = "http://localhost:4455"

type user struct {
	id    []byte
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.id }
func (u *user) WebAuthnName() string                       { return "ada@example.org" }
func (u *user) WebAuthnDisplayName() string                { return "ada@example.org" }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func relyingParty(t *testing.T) *webauthn.WebAuthn {
	t.Helper()
	rp, err := webauthn.New(&webauthn.Config{
		RPID: "localhost", RPDisplayName: "tests", RPOrigins: []string{testOrigin},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyRequired(), ResidentKey: protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// register runs a registration ceremony: options wrapped as Kratos's
// passkey_create_data wraps them, the authenticator's answer verified.
func register(t *testing.T, rp *webauthn.WebAuthn, a *Authenticator, u *user) *webauthn.Credential {
	t.Helper()
	creation, session, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	createData, err := json.Marshal(map[string]any{"credentialOptions": creation, "displayNameFieldName": "traits.email"})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Create(createData)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(answer))
	if err != nil {
		t.Fatalf("parsing the creation answer: %v (%s)", devInfo(err), answer)
	}
	cred, err := rp.CreateCredential(u, *session, parsed)
	if err != nil {
		t.Fatalf("verifying the creation answer: %v", devInfo(err))
	}
	return cred
}

// login runs a discoverable login ceremony and returns the verification
// error.
func login(t *testing.T, rp *webauthn.WebAuthn, a *Authenticator, u *user, tamper func([]byte) []byte) error {
	t.Helper()
	assertion, session, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		t.Fatal(err)
	}
	options, err := json.Marshal(assertion)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Get(options)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if tamper != nil {
		answer = tamper(answer)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(answer))
	if err != nil {
		return devInfo(err)
	}
	var handle []byte
	_, err = rp.ValidateDiscoverableLogin(func(_, userHandle []byte) (webauthn.User, error) {
		handle = userHandle
		return u, nil
	}, *session, parsed)
	if err == nil && !bytes.Equal(handle, u.id) {
		t.Errorf("the assertion's user handle is %q, want the registered user id %q", handle, u.id)
	}
	return devInfo(err)
}

func TestRegistrationAndDiscoverableLoginVerify(t *testing.T) {
	rp := relyingParty(t)
	a := New(testOrigin)
	u := &user{id: []byte("user-handle-0123456789")}
	cred := register(t, rp, a, u)
	if !cred.Flags.UserPresent || !cred.Flags.UserVerified {
		t.Errorf("credential flags = %+v, want user present and verified", cred.Flags)
	}
	if got := a.Credentials(); len(got) != 1 || !bytes.Equal(got[0].ID, cred.ID) || !bytes.Equal(got[0].UserHandle, u.id) {
		t.Fatalf("authenticator holds %+v, want the one credential %x for the user", got, cred.ID)
	}
	u.creds = []webauthn.Credential{*cred}
	for i := 1; i <= 2; i++ {
		if err := login(t, rp, a, u, nil); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	if got := a.Credentials()[0].signCount; got != 2 {
		t.Errorf("sign count after two logins = %d, want 2", got)
	}
}

func TestTamperedAssertionFails(t *testing.T) {
	rp := relyingParty(t)
	a := New(testOrigin)
	u := &user{id: []byte("user-handle-tamper")}
	u.creds = []webauthn.Credential{*register(t, rp, a, u)}
	err := login(t, rp, a, u, func(answer []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(answer, &m); err != nil {
			t.Fatal(err)
		}
		resp := m["response"].(map[string]any)
		sig, _ := decodeB64(resp["signature"].(string))
		sig[len(sig)-1] ^= 0x01
		resp["signature"] = b64.EncodeToString(sig)
		out, _ := json.Marshal(m)
		return out
	})
	if err == nil {
		t.Fatal("an assertion with a flipped signature bit verified")
	}
}

func TestOtherOriginFails(t *testing.T) {
	rp := relyingParty(t)
	u := &user{id: []byte("user-handle-origin")}
	creation, session, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	options, _ := json.Marshal(creation)
	answer, err := New("http://evil.example").Create(options)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(answer))
	if err != nil {
		t.Fatal(devInfo(err))
	}
	if _, err := rp.CreateCredential(u, *session, parsed); err == nil || !strings.Contains(devInfo(err).Error(), "origin") {
		t.Fatalf("a credential created for another origin: err = %v, want an origin error", devInfo(err))
	}
}

func TestGetWithoutCredentialFails(t *testing.T) {
	_, err := New(testOrigin).Get([]byte(`{"publicKey":{"challenge":"Y2hhbGxlbmdl","rpId":"localhost"}}`))
	if err == nil {
		t.Fatal("an authenticator without credentials answered a request")
	}
}

// devInfo adds go-webauthn's developer details to its errors.
func devInfo(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %s (%w)", pe.Details, pe.DevInfo, err)
	}
	return err
}
