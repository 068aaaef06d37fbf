package render

import (
	"errors"
	"strings"
)

// ErrCancel reports that the template asked to skip the hook by raising
// `error "cancel"`. Test with errors.Is; the error's text is Kratos's message for the
// same failure, for callers that (like Kratos's form-encoded body path) treat a cancel
// as an ordinary failure.
var ErrCancel = errors.New("request cancel by JsonNet")

// ErrTimeout reports that the evaluation did not finish within Options.Timeout, or
// that the caller's context ended first (then the error also wraps ctx.Err()). The
// text is the message Kratos's sandbox gives for its own 1 s limit.
var ErrTimeout = errors.New("jsonnetsecure: eval: context deadline exceeded")

// ErrOutputTooLarge reports that the rendered body exceeded Options.MaxOutput.
var ErrOutputTooLarge = errors.New("render: rendered body exceeds the output limit")

// kratosCancelMarker is what Kratos looks for in the formatted Jsonnet error to decide
// that a template cancelled its hook (request/builder.go compares with strings.Contains
// against the text of jsonnet.RuntimeError{Msg: "cancel"}). We apply the same test so
// that exactly the same templates cancel: note that it also matches messages that
// merely start with "cancel", such as `error "cancelled"`.
const kratosCancelMarker = "RUNTIME ERROR: cancel"

// kratosErrorPrefix is what Kratos's out-of-process Jsonnet sandbox (ory/x
// jsonnetsecure) puts before every evaluation error it reports.
const kratosErrorPrefix = "jsonnetsecure: ERROR: "

// EvalError is a Jsonnet runtime error raised while rendering (other than a cancel).
type EvalError struct {
	// Template is the display name of the template (see Load).
	Template string
	// Msg is go-jsonnet's formatted error: "RUNTIME ERROR: <message>" followed by the
	// stack trace, one "\t<file>:<line>:<col>\t<frame>" line per frame.
	Msg string
}

// Error returns the message exactly as Kratos reports the same failure (the text it
// puts in the error envelope), e.g.
// "jsonnetsecure: ERROR: RUNTIME ERROR: boom\n\tfile://t.jsonnet:1:15-27\tfunction <anonymous>\n\tTop-level function call\t\n".
func (e *EvalError) Error() string {
	return kratosErrorPrefix + e.Msg
}

// cancelError is returned for a template cancel: errors.Is(err, ErrCancel) holds and
// the text is Kratos's message for the raised error.
type cancelError struct {
	msg string
}

func (e *cancelError) Error() string        { return kratosErrorPrefix + e.msg }
func (e *cancelError) Is(target error) bool { return target == ErrCancel }

// classifyEvalError turns go-jsonnet's formatted error text into our error kinds.
func classifyEvalError(template, formatted string) error {
	if strings.Contains(formatted, kratosCancelMarker) {
		return &cancelError{msg: formatted}
	}
	return &EvalError{Template: template, Msg: formatted}
}
