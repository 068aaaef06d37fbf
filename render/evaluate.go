package render

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Evaluate renders the template with the top-level argument `ctx` bound to ctxJSON,
// which must be a JSON object. The output is go-jsonnet's standard manifestation,
// byte-identical to Kratos's: keys sorted, 3-space indentation, `[ ]` and `{ }` for
// empty containers, a trailing newline.
//
// Errors: ErrCancel (errors.Is) when the template cancels the hook; *EvalError for
// any other Jsonnet runtime error; ErrTimeout (errors.Is) when Options.Timeout passes,
// or when ctx ends (the error then also wraps ctx.Err()); ErrOutputTooLarge; and a
// plain error when ctxJSON is not a JSON object.
//
// How the deadline works: go-jsonnet cannot be interrupted, so the evaluation runs on
// a Limiter worker goroutine and Evaluate stops waiting at the deadline. The
// evaluation then runs to its end on its own, keeping its worker, so runaway templates
// can occupy at most the Limiter's capacity of goroutines (each bounded in stack depth
// by go-jsonnet's 500 frames; memory is not bounded in-process). While all workers are
// busy, further evaluations wait for one and time out.
//
// Templates within the fast path's subset (see package fastpath) are rendered
// without go-jsonnet, on the caller's goroutine and without a Limiter slot or
// deadline: that work is bounded by the ctx size and Options.MaxOutput. Whenever the
// fast path meets anything it does not reproduce exactly (an error to raise, a
// cancel included), or panics (see Options.OnFastPathPanic), the evaluation runs on
// go-jsonnet as described above.
func (t *Template) Evaluate(ctx context.Context, ctxJSON []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w (%w)", ErrTimeout, err)
	}
	if t.fast != nil {
		if out, ok := t.evaluateFast(ctxJSON); ok {
			return out, nil
		}
	}
	deadline := time.NewTimer(t.timeout)
	defer deadline.Stop()

	// The evaluation may outlive this call, so it gets its own copy of the ctx.
	data := string(ctxJSON)
	done := make(chan evalResult, 1)
	job := func() {
		var r evalResult
		defer func() {
			if p := recover(); p != nil {
				r = evalResult{err: fmt.Errorf("render: template %s: evaluation panicked: %v", t.name, p)}
			}
			done <- r
		}()
		r.out, r.err = t.evaluate(data)
	}
	switch err := t.limiter.start(ctx, deadline.C, job); {
	case errors.Is(err, errNoWorker):
		return nil, fmt.Errorf("%w: %w within %v", ErrTimeout, err, t.timeout)
	case err != nil:
		return nil, fmt.Errorf("%w (%w)", ErrTimeout, err)
	}

	select {
	case r := <-done:
		return r.out, r.err
	case <-deadline.C:
		return nil, fmt.Errorf("%w: template %s ran longer than %v", ErrTimeout, t.name, t.timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w (%w)", ErrTimeout, ctx.Err())
	}
}

type evalResult struct {
	out []byte
	err error
}
