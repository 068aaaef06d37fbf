package kratostest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PasswordlessCode returns a Configure function for a Kratos with
// passwordless code registration and login (the code method's
// passwordless_enabled), the session hook after code registration as after
// password registration, and an identity schema, written into dir, whose
// e-mail is a code identifier too (Kratos sends the codes there).
func PasswordlessCode(dir string) (func(cfg map[string]any), error) {
	path, err := schemaWithCredential(dir, "identity.passwordless.schema.json", `,
              "code": {
                "identifier": true,
                "via": "email"
              }`)
	if err != nil {
		return nil, err
	}
	return func(cfg map[string]any) {
		SetConfig(cfg, "identity.schemas", []any{map[string]any{"id": "default", "url": "file://" + filepath.ToSlash(path)}})
		SetConfig(cfg, "selfservice.methods.code", map[string]any{"enabled": true, "passwordless_enabled": true})
		SetConfig(cfg, "selfservice.flows.registration.after.code", map[string]any{"hooks": []any{map[string]any{"hook": "session"}}})
	}, nil
}

// Passkeys returns a Configure function for a Kratos with the passkey
// method on, for the relying party origin (a browser allows WebAuthn on
// http only for localhost, so the origin is http://localhost:<port>), and
// an identity schema, written into dir, whose e-mail is the passkey's
// display name.
func Passkeys(dir, origin string) (func(cfg map[string]any), error) {
	path, err := schemaWithCredential(dir, "identity.passkey.schema.json", `,
              "passkey": {
                "display_name": true
              }`)
	if err != nil {
		return nil, err
	}
	return func(cfg map[string]any) {
		SetConfig(cfg, "identity.schemas", []any{map[string]any{"id": "default", "url": "file://" + filepath.ToSlash(path)}})
		SetConfig(cfg, "selfservice.methods.passkey", map[string]any{"enabled": true, "config": map[string]any{
			"rp": map[string]any{"id": "localhost", "display_name": "caddy-ory-actions tests", "origins": []string{origin}},
		}})
		SetConfig(cfg, "selfservice.flows.registration.after.passkey", map[string]any{"hooks": []any{map[string]any{"hook": "session"}}})
	}, nil
}

// SecondFactors is a Configure function that enables TOTP and lookup
// codes.
func SecondFactors(cfg map[string]any) {
	SetConfig(cfg, "selfservice.methods.totp", map[string]any{"enabled": true, "config": map[string]any{"issuer": "caddy-ory-actions tests"}})
	SetConfig(cfg, "selfservice.methods.lookup_secret", map[string]any{"enabled": true})
}

// LinkMethod is a Configure function for recovery and verification by
// the link method: the e-mail carries a link that completes the flow on
// the GET it makes (Kratos's selfservice/strategy/link), instead of a code.
func LinkMethod(cfg map[string]any) {
	SetConfig(cfg, "selfservice.methods.link.enabled", true)
	for _, flow := range []string{"recovery", "verification"} {
		SetConfig(cfg, "selfservice.flows."+flow+".enabled", true)
		SetConfig(cfg, "selfservice.flows."+flow+".use", "link")
	}
}

// TOTPCode is RFC 6238's code for a base32 secret at t: HMAC-SHA1, 30 s
// steps, six digits, as Kratos generates its TOTP keys.
func TOTPCode(secret string, at time.Time) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("TOTP secret: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1000000), nil
}

// schemaWithCredential writes the test identity schema into dir as file,
// with credential (a JSON member such as `"code": {…}`) added beside the
// e-mail's password identifier, and returns its path.
func schemaWithCredential(dir, file, credential string) (string, error) {
	const passwordOnly = `"password": {
                "identifier": true
              }`
	schema := string(identitySchema)
	if !strings.Contains(schema, passwordOnly) {
		return "", errors.New("kratostest: the identity schema changed; update schemaWithCredential")
	}
	schema = strings.Replace(schema, passwordOnly, passwordOnly+credential, 1)
	path := filepath.Join(dir, file)
	return path, os.WriteFile(path, []byte(schema), 0o644)
}
