package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Signing turns on Standard Webhooks signatures (standardwebhooks.com,
// symmetric scheme "v1") for a hook. It is not part of Kratos's web_hook
// config, which has no such thing; the embedding program sets it.
type Signing struct {
	// Secrets are the hook's signing secrets, each "whsec_" followed by the
	// standard base64 encoding of 24 to 64 random bytes. Every secret signs
	// every attempt and all signatures are sent, so that during a rotation
	// receivers holding either the old or the new secret can verify.
	Secrets []string
}

// The Standard Webhooks headers. Go sends them canonicalised
// (Webhook-Id, …); HTTP header names are case-insensitive.
const (
	headerWebhookID        = "Webhook-Id"
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
)

// Secret bounds of the spec: at least 24 bytes (192 bits), at most 64.
const (
	secretPrefix   = "whsec_"
	minSecretBytes = 24
	maxSecretBytes = 64
)

// ParseSigningSecret decodes one "whsec_…" secret into its HMAC key. Its
// errors describe the problem without ever quoting the secret, so they can
// go into load errors and logs.
func ParseSigningSecret(s string) ([]byte, error) {
	switch {
	case s == "":
		return nil, errors.New("empty (an unset placeholder?)")
	case strings.HasPrefix(s, "whsk_") || strings.HasPrefix(s, "whpk_"):
		// Asymmetric (ed25519, "v1a") keys have their own prefixes; say so
		// rather than calling them malformed.
		return nil, errors.New("ed25519 (v1a) keys are not supported; use a whsec_ secret")
	case !strings.HasPrefix(s, secretPrefix):
		return nil, errors.New("not a whsec_ base64 secret")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(s, secretPrefix))
	if err != nil {
		return nil, errors.New("not a whsec_ base64 secret")
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("decodes to %d bytes, want %d to %d", len(key), minSecretBytes, maxSecretBytes)
	}
	return key, nil
}

// Validate checks every secret; errors name the key (e.g.
// "secrets[1]: not a whsec_ base64 secret").
func (s Signing) Validate() error {
	if len(s.Secrets) == 0 {
		return errors.New("secrets: at least one required")
	}
	var errs []error
	for i, secret := range s.Secrets {
		if _, err := ParseSigningSecret(secret); err != nil {
			errs = append(errs, fmt.Errorf("secrets[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// signer holds the decoded keys of a hook.
type signer struct {
	keys [][]byte
}

// newSigner decodes s; nil when signing is off.
func newSigner(s *Signing) (*signer, error) {
	if s == nil {
		return nil, nil
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	sg := &signer{}
	for _, secret := range s.Secrets {
		key, _ := ParseSigningSecret(secret) // checked by Validate
		sg.keys = append(sg.keys, key)
	}
	return sg, nil
}

// signature is the webhook-signature value: "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" per key, space-separated, in the configured order.
func (sg *signer) signature(id string, ts int64, body []byte) string {
	prefix := id + "." + strconv.FormatInt(ts, 10) + "."
	sigs := make([]string, len(sg.keys))
	for i, key := range sg.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(prefix))
		mac.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return strings.Join(sigs, " ")
}

// apply sets the three headers for one attempt. The timestamp is the
// attempt's own, so a retry is signed afresh and passes a receiver's
// replay tolerance however late it comes; the id stays the trigger's.
func (sg *signer) apply(h http.Header, id string, now time.Time, body []byte) {
	ts := now.Unix()
	h.Set(headerWebhookID, id)
	h.Set(headerWebhookTimestamp, strconv.FormatInt(ts, 10))
	h.Set(headerWebhookSignature, sg.signature(id, ts, body))
}

// checkWebhookID refuses an id the signed content could be confused by:
// the spec signs "id.timestamp.body", so an id must not hold a full stop,
// and it must be a plain header value.
func checkWebhookID(id string) error {
	if id == "" {
		return errors.New("empty webhook-id")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c == '.' || c >= 0x7f {
			return errors.New("trigger id unusable as webhook-id (only printable ASCII without spaces or full stops)")
		}
	}
	return nil
}

// validateSign checks the signing block and that nothing else would send
// the headers it owns: a configured webhook-signature would be replaced,
// silently, on every attempt.
func (c Config) validateSign() []error {
	if c.Sign == nil {
		return nil
	}
	var errs []error
	if err := c.Sign.Validate(); err != nil {
		for _, e := range unjoin(err) {
			errs = append(errs, fmt.Errorf("sign.%w", e))
		}
	}
	owned := func(name string) bool {
		switch http.CanonicalHeaderKey(name) {
		case headerWebhookID, headerWebhookTimestamp, headerWebhookSignature:
			return true
		}
		return false
	}
	for _, name := range sortedKeys(c.Headers) {
		if owned(name) {
			errs = append(errs, fmt.Errorf("headers.%s: set by sign, not configurable", name))
		}
	}
	if a := c.Auth; a != nil && a.Type == "api_key" && a.Config.In == "header" && owned(a.Config.Name) {
		errs = append(errs, errors.New("auth.config.name: a header set by sign"))
	}
	return errs
}

// unjoin splits an errors.Join result so each part gets its own prefix.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// signedTrigger gives a signing hook's trigger the id every attempt of this
// call will carry as webhook-id: the caller's, or a random one when it has
// none (a call still needs one id across its retries).
func (h *Hook) signedTrigger(trig Trigger) (Trigger, error) {
	if h.signer == nil {
		return trig, nil
	}
	if trig.ID == "" {
		trig.ID = "msg_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	return trig, checkWebhookID(trig.ID)
}
