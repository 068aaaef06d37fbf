package kratos

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// Error is the body of Kratos's error envelope {"error": {...}} (ory/herodot
// DefaultError): empty fields are omitted except message.
type Error struct {
	// ID is the stable error id, e.g. "security_csrf_violation"; optional.
	ID string
	// Code is the HTTP status code shown in the body.
	Code int
	// Status is the status text, e.g. "Bad Gateway".
	Status string
	// Reason is the human explanation; optional.
	Reason string
	// Message is the error message; always written.
	Message string
	// Details is a JSON object; optional.
	Details json.RawMessage
}

// Reasons Kratos's web hook uses for its coded failures.
const (
	reasonBadGateway     = "A third-party upstream service responded improperly. Please try again later."
	reasonGatewayTimeout = "A third-party upstream service could not be reached. Please try again later."
)

// ErrorEnvelope renders {"error": {...}} with herodot's key order (id,
// code, status, reason, details, message).
func ErrorEnvelope(e Error) []byte {
	buf := make([]byte, 0, 128+len(e.Reason)+len(e.Message)+len(e.Details))
	buf = append(buf, `{"error":`...)
	buf = appendErrorObject(buf, e)
	return append(buf, '}')
}

func appendErrorObject(buf []byte, e Error) []byte {
	buf = append(buf, '{')
	sep := func() {
		if buf[len(buf)-1] != '{' {
			buf = append(buf, ',')
		}
	}
	if e.ID != "" {
		buf = append(buf, `"id":`...)
		buf = appendJSONString(buf, e.ID)
	}
	if e.Code != 0 {
		sep()
		buf = append(buf, `"code":`...)
		buf = strconv.AppendInt(buf, int64(e.Code), 10)
	}
	if e.Status != "" {
		sep()
		buf = append(buf, `"status":`...)
		buf = appendJSONString(buf, e.Status)
	}
	if e.Reason != "" {
		sep()
		buf = append(buf, `"reason":`...)
		buf = appendJSONString(buf, e.Reason)
	}
	if len(e.Details) > 0 && string(e.Details) != "null" {
		sep()
		buf = append(buf, `"details":`...)
		buf = append(buf, e.Details...)
	}
	sep()
	buf = append(buf, `"message":`...)
	buf = appendJSONString(buf, e.Message)
	return append(buf, '}')
}

// WebhookFailed is the error a failed web hook produces, with the status
// the gateway answers it under: 502 and 504 carry Kratos's reasons; 500
// (and anything else) is shaped like Kratos's uncoded errors, which have no
// reason. The message must not contain secrets (URLs without queries).
func WebhookFailed(status int, message string) Error {
	e := Error{Code: status, Status: http.StatusText(status), Message: message}
	switch status {
	case http.StatusBadGateway:
		e.Reason = reasonBadGateway
	case http.StatusGatewayTimeout:
		e.Reason = reasonGatewayTimeout
	}
	return e
}

// HookInterruptedID is the error id of a before hook that interrupted a
// flow. Kratos v1.3.1 has no usable answer for this case (a 404 followed by
// a second JSON document for login, an uncoded 500 for registration), so
// the gateway defines one.
const HookInterruptedID = "self_service_flow_hook_interrupted"

// BeforeHookInterrupt is the error for a `<flow> before` hook that answered
// with messages. It is a 403 "Forbidden": the request was understood and
// refused by policy, and unlike a 400 no SDK mistakes it for a flow. The
// webhook's messages are in details.messages as UI texts (type "error"
// kept, anything else "info", as Kratos maps them), in order; instance
// pointers are dropped because there is no form to attach them to.
func BeforeHookInterrupt(msgs []hooks.Message) Error {
	details := []byte(`{"messages":[`)
	n := 0
	for _, m := range msgs {
		for _, d := range m.Messages {
			if n > 0 {
				details = append(details, ',')
			}
			details = appendUIText(details, d)
			n++
		}
	}
	details = append(details, "]}"...)
	return Error{
		ID:      HookInterruptedID,
		Code:    http.StatusForbidden,
		Status:  http.StatusText(http.StatusForbidden),
		Reason:  "A web hook interrupted the flow.",
		Message: "the flow was interrupted by a web hook",
		Details: details,
	}
}

// SelfServiceErrorDocument renders what GET /self-service/errors?id=
// answers: {"id", "error", "created_at", "updated_at"}, for errors the
// gateway itself stores (form clients are redirected to the error UI with
// such an id).
func SelfServiceErrorDocument(id string, e Error, at time.Time) []byte {
	ts := at.UTC().Format(time.RFC3339Nano)
	buf := make([]byte, 0, 256)
	buf = append(buf, `{"id":`...)
	buf = appendJSONString(buf, id)
	buf = append(buf, `,"error":`...)
	buf = appendErrorObject(buf, e)
	buf = append(buf, `,"created_at":`...)
	buf = appendJSONString(buf, ts)
	buf = append(buf, `,"updated_at":`...)
	buf = appendJSONString(buf, ts)
	return append(buf, '}')
}
