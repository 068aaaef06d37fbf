package hooks

import "encoding/json"

// Kind is what a webhook's answer means for the flow.
type Kind int

const (
	// Continue: the flow goes on unchanged (2xx without a usable patch, or
	// any success of a non-parse hook).
	Continue Kind = iota
	// Interrupt: a parse hook answered >= 400 (not retried) with messages.
	Interrupt
	// Patch: a parse hook answered 200 with {"identity": {...}}.
	Patch
	// Fail: the hook could not be used (see FailKind).
	Fail
)

// FailKind says why a hook failed; the gateway maps it to an HTTP status.
type FailKind int

const (
	// FailNone is the zero value for non-failures.
	FailNone FailKind = iota
	// FailStatus: a non-parse hook answered >= 400 (Kratos: 502
	// "webhook failed with status code N").
	FailStatus
	// FailUnusable: the answer could not be used: retries used up on 5xx/429,
	// non-JSON body, a >= 400 answer without messages (gateway: 502).
	FailUnusable
	// FailTimeout: every attempt timed out (gateway: 504).
	FailTimeout
	// FailTransport: connection errors until retries were used up (gateway: 502).
	FailTransport
	// FailConfig: the request could not be built, e.g. a form-encoded hook
	// whose template did not produce a flat object of strings (gateway: 500).
	FailConfig
)

// Message is one entry of a webhook's interrupt answer:
// {"instance_ptr": "#/traits/email", "messages": [...]}.
type Message struct {
	InstancePtr string   `json:"instance_ptr"`
	Messages    []Detail `json:"messages"`
}

// Detail is one UI text as Kratos's ui.messages hold it.
type Detail struct {
	ID      int64           `json:"id"`
	Text    string          `json:"text"`
	Type    string          `json:"type"`
	Context json.RawMessage `json:"context,omitempty"`
}

// Outcome is the interpreted answer of one webhook call (after retries).
type Outcome struct {
	Kind Kind
	// Messages are set for Interrupt: the webhook's entries, as sent.
	Messages []Message
	// Identity is set for Patch: the raw "identity" object of the answer.
	Identity json.RawMessage
	// Failure classifies a Fail.
	Failure FailKind
	// Status is the HTTP status of the last answer (0 when none arrived).
	Status int
	// Attempts is how many requests were sent.
	Attempts int
	// Err describes a Fail for logs and the error envelope's message. It
	// never contains auth values, and the URL appears without its query.
	Err error
}

// Label names the outcome as logs and metrics do: continue, interrupt,
// patch, or fail_<kind> (status, unusable, timeout, transport, config).
func (o Outcome) Label() string {
	switch o.Kind {
	case Interrupt:
		return "interrupt"
	case Patch:
		return "patch"
	case Fail:
		switch o.Failure {
		case FailStatus:
			return "fail_status"
		case FailUnusable:
			return "fail_unusable"
		case FailTimeout:
			return "fail_timeout"
		case FailTransport:
			return "fail_transport"
		}
		return "fail_config"
	}
	return "continue"
}
