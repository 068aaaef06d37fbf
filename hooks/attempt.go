package hooks

import (
	"context"
	"time"
)

// Attempt makes exactly one attempt and reports the receiver's status (0
// when no answer arrived) without interpreting the answer or retrying. A
// durable queue calls it: the queue keeps its own attempt count and retry
// schedule (hours rather than the request path's seconds), so a crash
// between attempts loses nothing. The signature (when the hook signs) is
// made now, with the trigger's stable id, over the exact bytes sent; auth
// headers come from the hook's current configuration and are never part of
// what the queue stores.
func (h *Hook) Attempt(ctx context.Context, body []byte, trig Trigger) (status int, took time.Duration, err error) {
	payload, err := h.payload(body)
	if err != nil {
		return 0, 0, err
	}
	if trig, err = h.signedTrigger(trig); err != nil {
		return 0, 0, err
	}
	resp, took, err := h.send(ctx, payload, trig)
	if err != nil {
		return 0, took, err
	}
	drain(resp.Body)
	return resp.StatusCode, took, nil
}

// Signs reports whether the hook signs its requests: only then does the
// receiver see the trigger id (as webhook-id), its idempotency key.
func (h *Hook) Signs() bool { return h.signer != nil }

// SafeURL is the hook's URL with any userinfo and query redacted, for
// listings and logs.
func (h *Hook) SafeURL() string { return h.safeURL }
