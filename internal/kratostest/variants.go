package kratostest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// PasswordlessCode returns a Configure function for a Kratos with
// passwordless code registration and login (the code method's
// passwordless_enabled), the session hook after code registration as after
// password registration, and an identity schema, written into dir, whose
// e-mail is a code identifier too (Kratos sends the codes there).
func PasswordlessCode(dir string) (func(cfg map[string]any), error) {
	const passwordOnly = `"password": {
                "identifier": true
              }`
	schema := string(identitySchema)
	if !strings.Contains(schema, passwordOnly) {
		return nil, errors.New("kratostest: the identity schema changed; update PasswordlessCode")
	}
	schema = strings.Replace(schema, passwordOnly, passwordOnly+`,
              "code": {
                "identifier": true,
                "via": "email"
              }`, 1)
	path := filepath.Join(dir, "identity.passwordless.schema.json")
	if err := os.WriteFile(path, []byte(schema), 0o644); err != nil {
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
	const passwordOnly = `"password": {
                "identifier": true
              }`
	schema := string(identitySchema)
	if !strings.Contains(schema, passwordOnly) {
		return nil, errors.New("kratostest: the identity schema changed; update Passkeys")
	}
	schema = strings.Replace(schema, passwordOnly, passwordOnly+`,
              "passkey": {
                "display_name": true
              }`, 1)
	path := filepath.Join(dir, "identity.passkey.schema.json")
	if err := os.WriteFile(path, []byte(schema), 0o644); err != nil {
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
