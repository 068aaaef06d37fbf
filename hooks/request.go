package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/google/uuid"
)

// headerRequestID is the one header Kratos adds to the configured ones, a
// fresh id per attempt (sent as "Ory-Webhook-Request-ID", which net/http
// canonicalises to this). No header of our own is added unless the hook
// signs, so an unsigned request is Kratos's byte for byte.
const headerRequestID = "Ory-Webhook-Request-Id"

// baseHeader builds the headers every attempt shares, as Kratos's builder
// does: Content-Type defaults to JSON, configured headers override it, then
// auth is applied (basic auth and an api_key header replace a configured
// header of the same name; an api_key cookie is appended to any configured
// Cookie header, encoded by net/http's AddCookie like Kratos's).
func baseHeader(cfg Config) http.Header {
	h := http.Header{}
	h.Set("Content-Type", contentTypeJSON)
	for _, name := range sortedKeys(cfg.Headers) {
		h.Set(name, cfg.Headers[name])
	}
	if a := cfg.Auth; a != nil {
		r := &http.Request{Header: h}
		switch {
		case a.Type == "basic_auth":
			r.SetBasicAuth(a.Config.User, a.Config.Password)
		case a.Type == "api_key" && a.Config.In == "cookie":
			r.AddCookie(&http.Cookie{Name: a.Config.Name, Value: a.Config.Value})
		case a.Type == "api_key":
			h.Set(a.Config.Name, a.Config.Value)
		}
	}
	return h
}

// payload turns the rendered template into the bytes sent on every attempt.
// TRACE never carries a body (Kratos skips it); a form-encoded hook needs a
// JSON object whose values are all strings (null counts as ""), exactly what
// Kratos's json.Unmarshal into map[string]string accepts, and sends it
// URL-encoded with keys sorted. The error is Kratos's, unwrapped.
func (h *Hook) payload(body []byte) ([]byte, error) {
	if body == nil || h.cfg.Method == http.MethodTrace {
		return nil, nil
	}
	if !h.form {
		return body, nil
	}
	fields := map[string]string{}
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	values := url.Values{}
	for k, v := range fields {
		values.Add(k, v)
	}
	return []byte(values.Encode()), nil
}

// newRequest builds one attempt. Each attempt gets a fresh request (and
// body reader), so retries re-send the whole body, a fresh request id and,
// when the hook signs, a fresh timestamp and signature over the exact
// bytes sent. Propagated headers (trace context) never override
// configured ones.
func (h *Hook) newRequest(ctx context.Context, payload []byte, trig Trigger) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, h.cfg.Method, h.cfg.URL, body)
	if err != nil {
		return nil, err
	}
	header := h.header.Clone()
	for name, values := range trig.Header {
		name = http.CanonicalHeaderKey(name)
		if _, set := header[name]; !set {
			header[name] = append([]string(nil), values...)
		}
	}
	if h.requestID {
		header.Set(headerRequestID, uuid.NewString())
	}
	if h.signer != nil {
		h.signer.apply(header, trig.ID, h.now(), payload)
	}
	req.Header = header
	return req, nil
}
