package hooks

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Policy bounds one webhook call: per-attempt timeout, retries, backoff and
// how much of the answer is read. The defaults are Kratos v1.3.1's (ory/x
// resilient client with RetryMax 2, 30 s client timeout, retryablehttp's
// DefaultBackoff, and web_hook.go's 5 MB read limit).
type Policy struct {
	// Timeout bounds one attempt, including reading the answer (it is the
	// http.Client timeout, as in Kratos). Default 30s.
	Timeout time.Duration
	// Attempts is the total number of requests sent at most. Default 3.
	Attempts int
	// BackoffMin is the wait before the second attempt; it doubles for each
	// further one. Default 1s.
	BackoffMin time.Duration
	// BackoffMax caps the exponential wait (not a Retry-After, which
	// retryablehttp honours uncapped). Default 30s.
	BackoffMax time.Duration
	// MaxAnswer is how many bytes of an answer are read at most. Default 5 MiB.
	MaxAnswer int64
	// Deadline bounds one whole call: every attempt, every wait between
	// attempts (a Retry-After included) and reading the answer. A wait that
	// would end past it is not waited: the call gives up at once. Default:
	// Kratos's worst case for the attempts and timeout in force, i.e.
	// Attempts × Timeout plus the backoff waits, plus one second of grace
	// so that the per-attempt timeouts, not the deadline, end a call that
	// Kratos would end the same way (94s for the defaults: 3 × 30s + 1s +
	// 2s + 1s).
	Deadline time.Duration
}

// DefaultPolicy returns Kratos's timing: 30 s per attempt, 3 attempts, 1 s
// then 2 s backoff capped at 30 s, 5 MiB read from the answer.
func DefaultPolicy() Policy {
	return Policy{
		Timeout:    30 * time.Second,
		Attempts:   3,
		BackoffMin: time.Second,
		BackoffMax: 30 * time.Second,
		MaxAnswer:  5 << 20,
	}
}

// deadlineGrace keeps the default deadline past the natural end of the
// last attempt.
const deadlineGrace = time.Second

// WithDefaults fills every non-positive field from DefaultPolicy (and the
// deadline from the resulting worst case), so callers may set only what
// they change; it is the policy a Hook built with p runs with.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	if p.Timeout <= 0 {
		p.Timeout = d.Timeout
	}
	if p.Attempts <= 0 {
		p.Attempts = d.Attempts
	}
	if p.BackoffMin <= 0 {
		p.BackoffMin = d.BackoffMin
	}
	if p.BackoffMax <= 0 {
		p.BackoffMax = d.BackoffMax
	}
	if p.MaxAnswer <= 0 {
		p.MaxAnswer = d.MaxAnswer
	}
	if p.Deadline <= 0 {
		p.Deadline = p.worstCase()
	}
	return p
}

// worstCase is how long Kratos's client can take with this policy when
// every attempt times out (the attempts plus the backoff between them),
// plus deadlineGrace.
func (p Policy) worstCase() time.Duration {
	total := deadlineGrace
	for n := 0; n < p.Attempts; n++ {
		total = saturatingAdd(total, p.Timeout)
		if n < p.Attempts-1 {
			total = saturatingAdd(total, p.backoff(n, nil, time.Time{}))
		}
	}
	return total
}

// saturatingAdd adds two non-negative durations without overflowing.
func saturatingAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// backoff is the wait after the failed attempt with zero-based index n. It
// mirrors go-retryablehttp v0.7.7 DefaultBackoff: a parseable Retry-After on
// 429/503 wins (uncapped); otherwise min*2^n, capped at max (also on
// overflow).
func (p Policy) backoff(n int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := parseRetryAfter(resp.Header["Retry-After"], now); ok {
			return wait
		}
	}
	mult := math.Pow(2, float64(n)) * float64(p.BackoffMin)
	wait := time.Duration(mult)
	if float64(wait) != mult || wait > p.BackoffMax {
		wait = p.BackoffMax
	}
	return wait
}

// parseRetryAfter reads the first Retry-After value as retryablehttp does:
// non-negative integer seconds, or an RFC 1123 date (a past date means no
// wait). Anything else is ignored.
func parseRetryAfter(values []string, now time.Time) (time.Duration, bool) {
	if len(values) == 0 || values[0] == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(values[0], 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Second * time.Duration(secs), true
	}
	at, err := time.Parse(time.RFC1123, values[0])
	if err != nil {
		return 0, false
	}
	if until := at.Sub(now); until > 0 {
		return until, true
	}
	return 0, true
}
