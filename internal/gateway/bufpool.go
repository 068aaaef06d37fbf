package gateway

import (
	"bytes"
	"net/http"
	"sync"
)

// bufPool recycles buffers for bodies and ctx documents. Buffers that grew
// past maxPooledBuf are dropped so one large answer does not pin memory.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuf = 256 << 10

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuf {
		return
	}
	bufPool.Put(b)
}

// traceHeaders carries the client's W3C trace context to web hooks, so a
// receiver's spans join the trace that reached the gateway.
func traceHeaders(r *http.Request) http.Header {
	tp := r.Header.Get("Traceparent")
	if tp == "" {
		return nil
	}
	h := http.Header{"Traceparent": {tp}}
	if ts := r.Header.Get("Tracestate"); ts != "" {
		h["Tracestate"] = []string{ts}
	}
	return h
}
