package render

import (
	"net/http"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxOutput = 256 << 10
	DefaultTimeout   = time.Second // Kratos's sandbox allows 1 s per evaluation too
	// MaxTemplateSize caps a template fetched over HTTP or read from a file.
	MaxTemplateSize = 1 << 20
	// defaultFetchTimeout bounds fetching an http(s) template with the default client.
	defaultFetchTimeout = 10 * time.Second
	// maxStack is go-jsonnet's default (so Kratos's) limit on Jsonnet call depth:
	// deep recursion fails with "max stack frames exceeded" at the same depth.
	maxStack = 500
)

// Options bound template loading and evaluation. The zero value is usable.
type Options struct {
	// BaseDir is what relative file:// paths resolve against ("" = the process's
	// working directory).
	BaseDir string
	// ImportDir enables `import`, `importstr` and `importbin`, resolved only inside
	// this directory (paths and symlinks that lead out of it are refused). "" (the
	// default) disables them, as Kratos does, with Kratos's message
	// "import not available <path>".
	ImportDir string
	// MaxOutput is the largest rendered body, in bytes; 0 means DefaultMaxOutput.
	MaxOutput int
	// Timeout bounds one evaluation, waiting for a Limiter slot included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Limiter, when set, is the concurrency limiter the template uses (share one
	// across templates to bound them together); MaxConcurrent is then ignored.
	Limiter *Limiter
	// MaxConcurrent, when Limiter is nil and MaxConcurrent > 0, gives the template a
	// limiter of its own with that many slots. When both are unset the template uses
	// a process-wide limiter of 4*GOMAXPROCS slots shared with all such templates.
	MaxConcurrent int
	// HTTPClient fetches http(s):// template sources in Load; nil means a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	// OnFastPathPanic, when set, is called (on the evaluating goroutine, so it
	// must be quick and safe for concurrent use) each time the fast path panics.
	// That is a bug in the fast path, not in the template: the evaluation still
	// returns go-jsonnet's result, so without this hook the bug would go unseen
	// but for Template.FastPathPanics. Callers log it here; render itself logs
	// nothing.
	OnFastPathPanic func(FastPathPanic)
}

func (o Options) maxOutput() int {
	if o.MaxOutput > 0 {
		return o.MaxOutput
	}
	return DefaultMaxOutput
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) limiter() *Limiter {
	switch {
	case o.Limiter != nil:
		return o.Limiter
	case o.MaxConcurrent > 0:
		return NewLimiter(o.MaxConcurrent)
	default:
		return defaultLimiter()
	}
}

func (o Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: defaultFetchTimeout}
}
