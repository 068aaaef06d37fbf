// Package webauthntest is a software WebAuthn authenticator for tests that
// have no browser: it answers the credential creation and request options
// a relying party (Kratos's passkey strategy) hands out with the JSON a
// browser's navigator.credentials.create/get would produce, signed with
// ES256 keys it keeps in memory. Attestation is "none"; user presence and
// verification are always asserted. Test-only: keys never leave memory and
// nothing here is meant to protect anything.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator flags (WebAuthn §6.1, authenticator data).
const (
	flagUserPresent  = 0x01
	flagUserVerified = 0x04
	flagAttestedData = 0x40
)

// Credential is one key the authenticator holds: a discoverable (resident)
// credential, as passkeys are.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	key        *ecdsa.PrivateKey
	signCount  uint32
}

// Authenticator is a platform authenticator bound to one web origin: the
// origin its "browser" reports in clientDataJSON. Safe for concurrent use.
type Authenticator struct {
	origin string

	mu    sync.Mutex
	creds []*Credential
}

// New returns an authenticator with no credentials whose client data names
// origin (e.g. "http://localhost:4455"); a relying party accepts it only if
// origin is one of its configured origins.
func New(origin string) *Authenticator {
	return &Authenticator{origin: origin}
}

// Credentials returns the credentials created so far, oldest first.
func (a *Authenticator) Credentials() []Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Credential, 0, len(a.creds))
	for _, c := range a.creds {
		out = append(out, *c)
	}
	return out
}

// b64 is WebAuthn's JSON encoding of binary values: base64url, unpadded.
var b64 = base64.RawURLEncoding

// decodeB64 accepts the unpadded base64url WebAuthn uses, and padded or
// standard base64 as some relying parties emit.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64: %q", s)
}

// creationOptions is the part of PublicKeyCredentialCreationOptions the
// authenticator needs.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	PubKeyCredParams []struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	} `json:"pubKeyCredParams"`
}

// requestOptions is the part of PublicKeyCredentialRequestOptions the
// authenticator needs.
type requestOptions struct {
	Challenge        string `json:"challenge"`
	RPID             string `json:"rpId"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

// publicKeyOf takes the options out of their wrappers: {"publicKey": …}
// (CredentialCreation / CredentialAssertion) and Kratos's passkey create
// data {"credentialOptions": {"publicKey": …}}; bare options pass as they
// are.
func publicKeyOf(options []byte) (json.RawMessage, error) {
	var wrapped struct {
		CredentialOptions *struct {
			PublicKey json.RawMessage `json:"publicKey"`
		} `json:"credentialOptions"`
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &wrapped); err != nil {
		return nil, fmt.Errorf("webauthntest: options are not a JSON object: %w", err)
	}
	switch {
	case wrapped.CredentialOptions != nil && len(wrapped.CredentialOptions.PublicKey) > 0:
		return wrapped.CredentialOptions.PublicKey, nil
	case len(wrapped.PublicKey) > 0:
		return wrapped.PublicKey, nil
	}
	return options, nil
}

// Create answers credential creation options with a new ES256 credential:
// the JSON of a PublicKeyCredential with an attestation response, as a
// browser's navigator.credentials.create returns it (and as Kratos expects
// in passkey_register).
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	raw, err := publicKeyOf(options)
	if err != nil {
		return nil, err
	}
	var o creationOptions
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: creation options: %w", err)
	}
	if o.Challenge == "" || o.RP.ID == "" || o.User.ID == "" {
		return nil, errors.New("webauthntest: creation options lack a challenge, rp.id or user.id")
	}
	if !offersES256(o) {
		return nil, errors.New("webauthntest: the relying party does not accept ES256 keys")
	}
	userHandle, err := decodeB64(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("webauthntest: user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	cred := &Credential{ID: id, RPID: o.RP.ID, UserHandle: userHandle, key: key}

	clientData, err := a.clientData("webauthn.create", o.Challenge)
	if err != nil {
		return nil, err
	}
	coseKey, err := coseES256(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	authData := authenticatorData(o.RP.ID, flagUserPresent|flagUserVerified|flagAttestedData, 0)
	authData = append(authData, make([]byte, 16)...) // AAGUID: none
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(id)))
	authData = append(authData, id...)
	authData = append(authData, coseKey...)
	attestation, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, fmt.Errorf("webauthntest: attestation object: %w", err)
	}
	out, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(id), "rawId": b64.EncodeToString(id), "type": "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(attestation),
			"transports":        []string{"internal"},
		},
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.creds = append(a.creds, cred)
	a.mu.Unlock()
	return out, nil
}

// offersES256 reports whether the options accept ES256 (COSE -7); no list
// means the platform default, which includes it.
func offersES256(o creationOptions) bool {
	if len(o.PubKeyCredParams) == 0 {
		return true
	}
	for _, p := range o.PubKeyCredParams {
		if p.Type == "public-key" && p.Alg == -7 {
			return true
		}
	}
	return false
}

// Get answers credential request options with an assertion by the newest
// credential for the options' relying party (among allowCredentials, when
// the options list some): the JSON of a PublicKeyCredential with an
// assertion response, as navigator.credentials.get returns it (and as
// Kratos expects in passkey_login). The user handle is always included, as
// for a discoverable credential.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	raw, err := publicKeyOf(options)
	if err != nil {
		return nil, err
	}
	var o requestOptions
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: request options: %w", err)
	}
	if o.Challenge == "" || o.RPID == "" {
		return nil, errors.New("webauthntest: request options lack a challenge or rpId")
	}
	cred, err := a.pick(o)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	cred.signCount++
	count := cred.signCount
	a.mu.Unlock()

	clientData, err := a.clientData("webauthn.get", o.Challenge)
	if err != nil {
		return nil, err
	}
	authData := authenticatorData(o.RPID, flagUserPresent|flagUserVerified, count)
	hash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, cred.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(cred.ID), "rawId": b64.EncodeToString(cred.ID), "type": "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(cred.UserHandle),
		},
	})
}

// pick chooses the credential that answers a request.
func (a *Authenticator) pick(o requestOptions) (*Credential, error) {
	allowed := map[string]bool{}
	for _, c := range o.AllowCredentials {
		id, err := decodeB64(c.ID)
		if err != nil {
			return nil, fmt.Errorf("webauthntest: allowCredentials: %w", err)
		}
		allowed[string(id)] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.creds) - 1; i >= 0; i-- {
		c := a.creds[i]
		if c.RPID == o.RPID && (len(allowed) == 0 || allowed[string(c.ID)]) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("webauthntest: no credential for relying party %q", o.RPID)
}

// clientData is the clientDataJSON a browser would collect. The challenge
// is echoed as the options carried it (base64url), which is what relying
// parties compare.
func (a *Authenticator) clientData(typ, challenge string) ([]byte, error) {
	return json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, challenge, a.origin, false})
}

// authenticatorData is rpIdHash ‖ flags ‖ signCount (WebAuthn §6.1).
func authenticatorData(rpID string, flags byte, count uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, count)
}

// coseES256 encodes a P-256 public key as a COSE_Key (RFC 9053): kty EC2,
// alg ES256, crv P-256, x and y as 32-byte strings, in CTAP2's canonical
// CBOR.
func coseES256(pub *ecdsa.PublicKey) ([]byte, error) {
	ecdh, err := pub.ECDH()
	if err != nil {
		return nil, err
	}
	point := ecdh.Bytes() // 0x04 ‖ x ‖ y
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return em.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:65]})
}
