package cli

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// sentRequest is one attempt of a web hook call, as package hooks builds it.
type sentRequest struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte // nil when nothing is sent
}

// triggerMarker stands in for the delivery id, which the gateway draws per
// call; it is shown as a description, never as a value.
const triggerMarker = "delivery-id"

// captureRequest has package hooks build the first attempt of a call with
// body (the rendered template; nil for none) and keeps it instead of
// sending it. Going through hooks itself is what makes the printed request
// the gateway's own, form encoding, default Content-Type and auth included.
func captureRequest(ctx context.Context, cfg hooks.Config, body []byte) (sentRequest, error) {
	var got sentRequest
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = sentRequest{Method: r.Method, URL: r.URL, Header: r.Header.Clone()}
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			got.Body = b
		}
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader("{}")),
			Request:    r,
		}, nil
	})}
	h, err := hooks.New(cfg, hooks.Policy{Attempts: 1}, client)
	if err != nil {
		return got, err
	}
	if out := h.Call(ctx, body, hooks.Trigger{ID: triggerMarker}); out.Kind == hooks.Fail {
		// Only building the request can fail here (a form-encoded hook
		// whose template is not a flat object of strings): Kratos's error.
		return got, out.Err
	}
	return got, nil
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
