package gateway

import (
	"bytes"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// exchange is one intercepted request on its way through the gateway: the
// client's writer and request, Kratos behind next, and what the router
// found.
//
// One convention runs through the package: a step that may answer the
// client returns `answered bool` as its last result. true means the client
// has its answer (written by the gateway, or streamed from Kratos) and the
// caller returns at once. What Kratos's handler chain returned is kept in
// err and handed back to the host, whose error handling (Caddy's
// handle_errors) needs it.
type exchange struct {
	gw    *Gateway
	w     http.ResponseWriter
	r     *http.Request
	next  Upstream
	route kratos.Route
	err   error
	// carry, continuation and oidcStart are the values of the gateway's
	// own cookies, taken off the request (see takeGatewayCookies).
	carry, continuation, oidcStart string
	// oidcProvider is set while answering a social sign-up a hook refused:
	// the carry then rebuilds Kratos's error form for that provider.
	oidcProvider string
	// carryRequestURL, when set, is the request_url Kratos's copy of the
	// flow an interrupt answers shows, where the flow the gateway had Kratos
	// start shows the gateway's init (see oidc_switch.go).
	carryRequestURL string
}

// pass hands the request to Kratos untouched.
func (x *exchange) pass() (answered bool) {
	x.err = x.next.ServeHTTP(x.w, x.r)
	return true
}

// answer is Kratos's answer as the gateway buffered it.
type answer struct {
	status int
	body   []byte
}

// forward sends the request to Kratos and buffers the answer when want says
// so; otherwise the answer streams to the client and answered is true. An
// answer over the buffering cap is replaced by a 502: the gateway cannot
// judge what it could not read, and must not pass it on half-read.
func (x *exchange) forward(buf *bytes.Buffer, want func(status int, h http.Header) bool) (answer, bool) {
	rec := newRecorder(x.w, buf, x.gw.maxBody, func(status int, h http.Header) bool {
		if ce := h.Get("Content-Encoding"); ce != "" && ce != "identity" {
			return false
		}
		return want(status, h)
	})
	if x.err = x.next.ServeHTTP(rec, upstreamRequest(x.r)); x.err != nil {
		return answer{}, true
	}
	if !rec.buffered() {
		return answer{}, true
	}
	if rec.overflowed {
		x.gw.logger.Error("Kratos's answer is larger than max_body_size; refused",
			zap.String("path", x.r.URL.Path), zap.Int("status", rec.status), zap.Int64("max_body_size", x.gw.maxBody))
		return answer{status: rec.status}, x.failClosed(kratos.Flow(""), nil, "Kratos's answer exceeds the gateway's buffer limit")
	}
	return answer{status: rec.status, body: buf.Bytes()}, false
}

// upstreamRequest is the request Kratos gets on a route whose answer the
// gateway may read: uncompressed (the gateway parses it), without ranges (a
// partial body cannot be rewritten), and without the gateway's own cookies.
// The client's request stays intact for ctx.
func upstreamRequest(r *http.Request) *http.Request {
	fr := r.Clone(r.Context())
	fr.Header.Set("Accept-Encoding", "identity")
	fr.Header.Del("Range")
	stripGatewayCookies(fr.Header)
	return fr
}

// isJSONAnswer reports a JSON Content-Type on an answer.
func isJSONAnswer(h http.Header) bool { return kratos.IsJSONContentType(h.Get("Content-Type")) }

// successAnswers buffers what a completed submit can look like: a JSON
// 200, or a redirect (form clients).
func successAnswers(status int, h http.Header) bool {
	return (status == http.StatusOK && isJSONAnswer(h)) || status == http.StatusSeeOther || status == http.StatusFound
}
