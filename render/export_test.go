package render

// Test-only access for the external test package (render_test).

// DisableFastPath makes t render on go-jsonnet only, so benchmarks can compare the
// two paths on the same template.
func DisableFastPath(t *Template) { t.fast = nil }

// FastPathHits returns how many evaluations t rendered on the fast path.
func FastPathHits(t *Template) uint64 { return t.fastHits.Load() }

// fastPath reports whether t is in the fast path's subset.
func (t *Template) fastPath() bool { return t.fast != nil }
