package oryactions

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
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
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// upstreamRequest prepares the request that goes to Kratos on a path whose
// answer the gateway may read: an uncompressed answer (STYLE P3) and no
// ranges (P12). The client's own headers stay intact for ctx.
func upstreamRequest(r *http.Request) *http.Request {
	fr := r.Clone(r.Context())
	fr.Header.Set("Accept-Encoding", "identity")
	fr.Header.Del("Range")
	return fr
}

// recorded is Kratos's answer as the gateway buffered it.
type recorded struct {
	status int
	body   []byte
}

// forward calls next (Kratos) and buffers the answer when want says so.
// It returns ok=false when the answer streamed straight to the client.
func forward(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, buf *bytes.Buffer, want func(status int, h http.Header) bool) (recorded, bool, error) {
	rec := caddyhttp.NewResponseRecorder(w, buf, func(status int, h http.Header) bool {
		if h.Get("Content-Encoding") != "" && h.Get("Content-Encoding") != "identity" {
			return false
		}
		return want(status, h)
	})
	if err := next.ServeHTTP(rec, upstreamRequest(r)); err != nil {
		return recorded{}, false, err
	}
	if !rec.Buffered() {
		return recorded{}, false, nil
	}
	return recorded{status: rec.Status(), body: buf.Bytes()}, true, nil
}

// isJSONAnswer reports a JSON Content-Type.
func isJSONAnswer(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
