package render

// slab hands out elements of chunks it allocates. For go-jsonnet, chunks are never
// reused: the nodes of one document may still be in use (by an evaluation that
// outlived its deadline) when the next document is built. The fast path's nodes die
// with its synchronous evaluation, so its builders reuse one chunk (reset(true)).
type slab[T any] struct {
	buf  []T
	used int // elements handed out for the current document
	want int // elements the previous document needed
}

const minSlabChunk = 16

// reset starts a new document. With reuse, the previous document's nodes must be
// dead: their memory is handed out again.
func (s *slab[T]) reset(reuse bool) {
	s.want = max(s.used, minSlabChunk)
	s.used = 0
	if !reuse || cap(s.buf) < s.want {
		s.buf = nil
		return
	}
	clear(s.buf) // fresh elements are zero, and the old ones pin nothing
	s.buf = s.buf[:0]
}

func (s *slab[T]) grow(n int) {
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, max(s.want-s.used, n, minSlabChunk))
	}
}

// one returns a pointer to a fresh zero element.
func (s *slab[T]) one() *T {
	s.grow(1)
	s.buf = s.buf[:len(s.buf)+1]
	s.used++
	return &s.buf[len(s.buf)-1]
}

// copyOf returns a copy of src in slab memory, with no spare capacity.
func (s *slab[T]) copyOf(src []T) []T {
	s.grow(len(src))
	start := len(s.buf)
	s.buf = append(s.buf, src...)
	s.used += len(src)
	return s.buf[start:len(s.buf):len(s.buf)]
}
