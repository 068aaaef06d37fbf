package main

import (
	"encoding/json"
	"net/http"
	"strings"
)

// signupRequest is what examples/hooks/invite_code.jsonnet renders.
type signupRequest struct {
	Email      string  `json:"email"`
	InviteCode *string `json:"invite_code"`
}

// signupCheck is the synchronous registration check (response parse):
//   - test-… addresses are refused: 400 with a validation message on the
//     e-mail field, in the shape Kratos maps onto the registration form;
//   - vip-… addresses pass and are tagged: 200 with an identity patch that
//     sets metadata_public.tier;
//   - everything else passes unchanged: 204.
func signupCheck(body []byte) (int, any) {
	var req signupRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Email == "" {
		// A parse hook must explain a refusal in messages, or Kratos (and
		// the gateway) treat the hook as failed rather than as a refusal.
		return http.StatusBadRequest, messages("#/", 10001, "the sign-up check could not read the request", "error", nil)
	}
	email := strings.ToLower(req.Email)
	switch {
	case strings.HasPrefix(email, "test-"):
		return http.StatusBadRequest, messages("#/traits/email", 10000,
			"test- addresses are not allowed here", "validation", map[string]any{"value": req.Email})
	case strings.HasPrefix(email, "vip-"):
		return http.StatusOK, map[string]any{
			"identity": map[string]any{"metadata_public": map[string]any{"tier": "vip"}},
		}
	default:
		return http.StatusNoContent, nil
	}
}

// messages builds Kratos's web hook interrupt body with one message.
func messages(pointer string, id int, text, typ string, context map[string]any) map[string]any {
	msg := map[string]any{"id": id, "text": text, "type": typ}
	if context != nil {
		msg["context"] = context
	}
	return map[string]any{"messages": []any{
		map[string]any{"instance_ptr": pointer, "messages": []any{msg}},
	}}
}
