package gateway

import (
	"bytes"
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
