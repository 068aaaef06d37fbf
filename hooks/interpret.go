package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Kratos's messages for answers a parse hook cannot use (web_hook.go
// parseWebhookResponse); the gateway shows them as Kratos would.
const (
	msgUnmarshal  = "webhook response could not be unmarshalled properly from JSON"
	msgNoMessages = "error while parsing webhook response: got no validation errors"
)

// interpret turns a final (not retried) answer into an outcome, as Kratos's
// web_hook execute/parseWebhookResponse do, and closes the body. The body
// is read only by parse hooks, and at most Policy.MaxAnswer bytes of it.
func (h *Hook) interpret(resp *http.Response, out Outcome) Outcome {
	defer drain(resp.Body)
	status := resp.StatusCode
	if !h.parse {
		if status >= http.StatusBadRequest {
			return failed(out, FailStatus, fmt.Errorf("webhook failed with status code %d", status))
		}
		return out // Continue
	}
	body := io.LimitReader(resp.Body, h.pol.MaxAnswer)
	switch {
	case status == http.StatusOK:
		return readPatch(body, out)
	case status >= http.StatusBadRequest:
		return readMessages(body, out)
	default:
		// 204 and every other 1xx–3xx (201 included) are ignored by Kratos.
		return out
	}
}

// readPatch reads a 200 answer: {"identity": {...}} patches, a missing or
// null identity continues. Like Kratos, only the first JSON value is read
// (trailing bytes are ignored) and an empty body is an error (EOF).
// Kratos decodes the identity into its Go type; here it must be an object,
// and field-level checks are left to whoever applies the patch.
func readPatch(body io.Reader, out Outcome) Outcome {
	var answer struct {
		Identity json.RawMessage `json:"identity"`
	}
	if err := json.NewDecoder(body).Decode(&answer); err != nil {
		return failed(out, FailUnusable, fmt.Errorf("%s: %w", msgUnmarshal, err))
	}
	id := bytes.TrimSpace(answer.Identity)
	if len(id) == 0 || string(id) == "null" {
		return out
	}
	if id[0] != '{' {
		return failed(out, FailUnusable, fmt.Errorf("%s: identity is not an object", msgUnmarshal))
	}
	out.Kind, out.Identity = Patch, id
	return out
}

// readMessages reads a >= 400 answer of a parse hook. Every entry of
// "messages" counts, even one without inner messages or instance_ptr (which
// then targets the whole form), as in Kratos; no entries is an error.
func readMessages(body io.Reader, out Outcome) Outcome {
	var answer struct {
		Messages []Message `json:"messages"`
	}
	if err := json.NewDecoder(body).Decode(&answer); err != nil {
		return failed(out, FailUnusable, fmt.Errorf("%s: %w", msgUnmarshal, err))
	}
	if len(answer.Messages) == 0 {
		return failed(out, FailUnusable, errors.New(msgNoMessages))
	}
	out.Kind, out.Messages = Interrupt, answer.Messages
	return out
}
