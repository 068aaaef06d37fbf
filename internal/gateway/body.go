package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// errBodyTooLarge reports a client body over max_body_size.
var errBodyTooLarge = errors.New("request body too large")

// readBody reads at most limit bytes of the client's body.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// setBody makes body the request's body, for Kratos to read.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 && r.Method == http.MethodGet {
		r.Header.Del("Content-Length")
	} else {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// stripGatewayCookies removes the gateway's own cookies from the Cookie
// lines.
func stripGatewayCookies(h http.Header) {
	if !hasGatewayCookie(h.Values("Cookie")) {
		return
	}
	stripCookie(h, kratos.CarryCookieName)
	stripCookie(h, kratos.ContinuationCookieName)
	stripCookie(h, kratos.OIDCStartCookieName)
}

// hasGatewayCookie is a cheap test before any parsing.
func hasGatewayCookie(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, kratos.CarryCookieName+"=") || strings.Contains(l, kratos.ContinuationCookieName+"=") ||
			strings.Contains(l, kratos.OIDCStartCookieName+"=") {
			return true
		}
	}
	return false
}
