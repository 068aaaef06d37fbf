package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// signatures checks Standard Webhooks signatures (a hook with `sign` in the
// Caddyfile) with the reference library rather than hand-written crypto: it
// compares in constant time and refuses timestamps more than five minutes
// off, which is what stops a captured delivery from being replayed later.
type signatures struct {
	secrets []*standardwebhooks.Webhook
}

// newSignatures reads the receiver's secrets: one "whsec_…" value, or
// several separated by spaces while the gateway's secret is being rotated
// (a delivery passes if any of them verifies it). Errors say which secret
// is wrong, never what it is.
func newSignatures(spaceSeparated string) (*signatures, error) {
	fields := strings.Fields(spaceSeparated)
	if len(fields) == 0 {
		return nil, errors.New("no secret")
	}
	s := &signatures{}
	for i, secret := range fields {
		// The library also takes a bare base64 key; the prefix is required
		// here so that a value pasted from elsewhere is not taken for one.
		wh, err := standardwebhooks.NewWebhook(secret)
		if !strings.HasPrefix(secret, "whsec_") || err != nil {
			return nil, fmt.Errorf("secret %d is not a whsec_ base64 secret", i+1)
		}
		s.secrets = append(s.secrets, wh)
	}
	return s, nil
}

// Verdicts, as GET /received and the log show them.
const (
	sigOK      = "ok"
	sigMissing = "missing" // no webhook-id, webhook-timestamp or webhook-signature
	sigStale   = "stale"   // timestamp outside the tolerance: a replay, or a skewed clock
	sigBad     = "bad"     // no signature matches this body, id and timestamp
)

// check verifies body against the request's webhook-* headers.
func (s *signatures) check(body []byte, h http.Header) string {
	verdict := sigBad
	for _, wh := range s.secrets {
		err := wh.Verify(body, h)
		switch {
		case err == nil:
			return sigOK
		case errors.Is(err, standardwebhooks.ErrRequiredHeaders):
			return sigMissing
		case errors.Is(err, standardwebhooks.ErrMessageTooOld), errors.Is(err, standardwebhooks.ErrMessageTooNew):
			verdict = sigStale
		}
	}
	return verdict
}
