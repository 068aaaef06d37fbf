package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
)

// recorder stands between Kratos (the upstream) and the client on
// intercepted routes. At WriteHeader it decides, from status and headers,
// whether to buffer the answer for the gateway or to stream it to the
// client untouched. Buffering is capped: past limit bytes the body is
// dropped and overflowed reports it, so one oversized answer never holds
// unbounded memory. Headers are never buffered: Header() is the client's
// map, as with Caddy's own recorder.
type recorder struct {
	http.ResponseWriter
	buf          *bytes.Buffer
	limit        int64
	shouldBuffer func(status int, h http.Header) bool

	status      int
	wroteHeader bool
	stream      bool
	overflowed  bool
}

// newRecorder wraps w. shouldBuffer is asked once, at WriteHeader.
func newRecorder(w http.ResponseWriter, buf *bytes.Buffer, limit int64, shouldBuffer func(int, http.Header) bool) *recorder {
	return &recorder{ResponseWriter: w, buf: buf, limit: limit, shouldBuffer: shouldBuffer}
}

// WriteHeader decides between buffering and streaming. 1xx answers are
// informational: they go to the client at once and decide nothing.
func (rr *recorder) WriteHeader(status int) {
	if rr.wroteHeader {
		return
	}
	if status >= 100 && status <= 199 {
		rr.ResponseWriter.WriteHeader(status)
		return
	}
	rr.wroteHeader = true
	rr.status = status
	rr.stream = !rr.shouldBuffer(status, rr.ResponseWriter.Header())
	if rr.stream {
		rr.ResponseWriter.WriteHeader(status)
	}
}

// Write buffers or streams; the first Write implies a 200.
func (rr *recorder) Write(p []byte) (int, error) {
	rr.WriteHeader(http.StatusOK)
	if rr.stream {
		return rr.ResponseWriter.Write(p)
	}
	if rr.overflowed || int64(rr.buf.Len()+len(p)) > rr.limit {
		// Accept and drop: failing the write would make the upstream
		// handler log a client error that is really ours to report.
		rr.overflowed = true
		return len(p), nil
	}
	return rr.buf.Write(p)
}

// ReadFrom keeps io.Copy on the buffering path bounded too.
func (rr *recorder) ReadFrom(r io.Reader) (int64, error) {
	rr.WriteHeader(http.StatusOK)
	if rr.stream {
		if rf, ok := rr.ResponseWriter.(io.ReaderFrom); ok {
			return rf.ReadFrom(r)
		}
		return io.Copy(rr.ResponseWriter, r)
	}
	return io.Copy(writerOnly{rr}, r)
}

// writerOnly hides ReadFrom so io.Copy does not recurse into it.
type writerOnly struct{ io.Writer }

// buffered reports that the answer is in buf (nothing reached the client).
// An upstream that wrote nothing at all counts as a buffered 200 only if
// shouldBuffer wanted a 200.
func (rr *recorder) buffered() bool {
	if !rr.wroteHeader {
		rr.WriteHeader(http.StatusOK)
	}
	return !rr.stream
}

// FlushError suppresses flushes while buffering: a flush would commit the
// status before the gateway has decided it.
func (rr *recorder) FlushError() error {
	if !rr.wroteHeader || !rr.stream {
		return nil
	}
	return http.NewResponseController(rr.ResponseWriter).Flush()
}

// Hijack is only possible on a streamed answer.
func (rr *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if rr.wroteHeader && !rr.stream {
		return nil, nil, errors.New("gateway: cannot hijack a buffered answer")
	}
	return http.NewResponseController(rr.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the client's writer.
func (rr *recorder) Unwrap() http.ResponseWriter { return rr.ResponseWriter }

// Interface guards
var (
	_ http.ResponseWriter = (*recorder)(nil)
	_ io.ReaderFrom       = (*recorder)(nil)
	_ http.Hijacker       = (*recorder)(nil)
)
