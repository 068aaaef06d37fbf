package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Attempt describes one HTTP attempt, for the caller's logs and metrics.
type Attempt struct {
	// Number counts attempts from 1.
	Number int
	// Status is the answer's HTTP status, 0 when none arrived.
	Status int
	// Duration is the time until the answer's headers (or the error).
	Duration time.Duration
	// Err is the transport error, with the URL redacted; nil when an
	// answer arrived.
	Err error
	// Retry reports that another attempt follows.
	Retry bool
	// Stopped, when set, says why no attempt follows although the answer
	// was one to retry (the next one would start after the deadline).
	Stopped string
}

// Trigger carries what is specific to one call of a hook.
type Trigger struct {
	// ID is stable for one trigger, the same on every retry of it. Kratos
	// sends no such id, so it goes on the wire only when the hook signs:
	// as the Standard Webhooks webhook-id, a receiver's idempotency key.
	// A signing hook draws a random one per call when it is empty.
	ID string
	// Header holds extra headers to propagate, e.g. W3C traceparent and
	// tracestate. Configured and auth headers win over these. May be nil.
	Header http.Header
	// Observe is called after each attempt. May be nil.
	Observe func(Attempt)
}

// Hook is one configured webhook, ready to be called concurrently.
type Hook struct {
	cfg       Config
	pol       Policy
	client    *http.Client
	header    http.Header
	safeURL   string
	form      bool
	parse     bool
	requestID bool
	signer    *signer          // nil: unsigned, as Kratos
	now       func() time.Time // the clock signatures are stamped with
}

// drainLimit is how much of an unused answer is read before closing it, so
// the connection can be reused (go-retryablehttp's respReadLimit).
const drainLimit = 4096

// New prepares a hook. The client is shared for keep-alive reuse and is not
// modified: the hook uses a shallow copy whose Timeout is the policy's
// per-attempt timeout (Kratos's client timeout also covers reading the
// answer). A nil client means http.DefaultClient. Non-positive policy fields
// take DefaultPolicy's values.
func New(cfg Config, pol Policy, client *http.Client) (*Hook, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err) // unreachable after Validate
	}
	if client == nil {
		client = http.DefaultClient
	}
	pol = pol.WithDefaults()
	own := *client
	own.Timeout = pol.Timeout
	own.CheckRedirect = sameHostKeepsHeaders(cfg, client.CheckRedirect)
	sg, err := newSigner(cfg.Sign)
	if err != nil {
		return nil, fmt.Errorf("sign.%w", err) // unreachable after Validate
	}
	header := baseHeader(cfg)
	return &Hook{
		cfg:       cfg,
		pol:       pol,
		client:    &own,
		header:    header,
		safeURL:   redactURL(u),
		form:      header.Get("Content-Type") == contentTypeForm,
		parse:     cfg.Parses(),
		requestID: cfg.EmitAnalyticsEvent == nil || *cfg.EmitAnalyticsEvent,
		signer:    sg,
		now:       time.Now,
	}, nil
}

// Config returns the configuration the hook was built from.
func (h *Hook) Config() Config { return h.cfg }

// Call sends the rendered body (Jsonnet's JSON output; nil sends no body)
// with Kratos's retry policy and interprets the final answer. It returns
// when the answer is interpreted, retries are used up, ctx ends (also
// during a backoff wait), or the policy's deadline passes: a wait that
// would end after the deadline (a receiver's Retry-After: 3600, say) is
// not waited at all.
func (h *Hook) Call(ctx context.Context, body []byte, trig Trigger) Outcome {
	payload, err := h.payload(body)
	if err != nil {
		return Outcome{Kind: Fail, Failure: FailConfig, Err: err}
	}
	if trig, err = h.signedTrigger(trig); err != nil {
		return Outcome{Kind: Fail, Failure: FailConfig, Err: err}
	}
	deadline := time.Now().Add(h.pol.Deadline)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var out Outcome
	for n := 1; ; n++ {
		out.Attempts = n
		resp, took, err := h.send(ctx, payload, trig)
		retry, stopErr := shouldRetry(ctx, resp, err)
		more := retry && n < h.pol.Attempts
		out.Status = 0
		if resp != nil {
			out.Status = resp.StatusCode
		}
		var wait time.Duration
		stopped := ""
		if more {
			wait = h.pol.backoff(n-1, resp, time.Now())
			if time.Now().Add(wait).After(deadline) {
				more = false
				stopped = fmt.Sprintf("the next attempt would start after the hook's deadline of %s (wait %s)", h.pol.Deadline, wait)
			}
		}
		if trig.Observe != nil {
			trig.Observe(Attempt{Number: n, Status: out.Status, Duration: took, Err: err, Retry: more, Stopped: stopped})
		}
		if !retry && stopErr == nil && err == nil {
			return h.deadlineIsTimeout(h.interpret(resp, out), deadline)
		}
		if resp != nil && err == nil {
			drain(resp.Body)
		}
		if stopped != "" {
			return h.giveUpBeforeDeadline(out, err, stopped)
		}
		if !more {
			if stopErr == nil {
				stopErr = err
			}
			return h.giveUp(out, stopErr)
		}
		if err := sleep(ctx, wait); err != nil {
			// As retryablehttp: the bare context error, no "giving up".
			return failed(out, classify(err), err)
		}
	}
}

// deadlineIsTimeout reports an answer cut off by the hook's own deadline
// while it was read as the timeout it is (Kratos's per-attempt timeout,
// which also covers reading, keeps Kratos's "could not be unmarshalled").
func (h *Hook) deadlineIsTimeout(out Outcome, deadline time.Time) Outcome {
	if out.Kind == Fail && out.Failure == FailUnusable && !time.Now().Before(deadline) {
		out.Failure = FailTimeout
		out.Err = fmt.Errorf("%s %s: the hook's deadline of %s passed while its answer was read: %w", h.cfg.Method, h.safeURL, h.pol.Deadline, out.Err)
	}
	return out
}

// send makes one attempt; the error is redacted.
func (h *Hook) send(ctx context.Context, payload []byte, trig Trigger) (*http.Response, time.Duration, error) {
	req, err := h.newRequest(ctx, payload, trig)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	resp, err := h.client.Do(req)
	return resp, time.Since(start), redactErr(err)
}

// giveUp builds retryablehttp's error after the last attempt: with a cause
// for transport and context errors, without one when the status was
// retryable (5xx, 429), whose payload is never parsed.
func (h *Hook) giveUp(out Outcome, cause error) Outcome {
	msg := fmt.Sprintf("%s %s giving up after %d attempt(s)", h.cfg.Method, h.safeURL, out.Attempts)
	if cause == nil {
		return failed(out, FailUnusable, errors.New(msg))
	}
	return failed(out, classify(cause), fmt.Errorf("%s: %w", msg, cause))
}

// giveUpBeforeDeadline ends a call whose next attempt could only start
// after the deadline: it fails as if the retries were used up, and says
// why.
func (h *Hook) giveUpBeforeDeadline(out Outcome, cause error, why string) Outcome {
	msg := fmt.Sprintf("%s %s giving up after %d attempt(s): %s", h.cfg.Method, h.safeURL, out.Attempts, why)
	if cause == nil {
		return failed(out, FailUnusable, errors.New(msg))
	}
	return failed(out, classify(cause), fmt.Errorf("%s: %w", msg, cause))
}

// classify maps a transport or context error to the failure Kratos reports:
// a timeout is its 504, everything else a transport failure.
func classify(err error) FailKind {
	if isTimeout(err) {
		return FailTimeout
	}
	return FailTransport
}

func failed(out Outcome, kind FailKind, err error) Outcome {
	out.Kind, out.Failure, out.Err = Fail, kind, err
	return out
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// drain reads a little of an unused body and closes it so the connection
// can be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}
