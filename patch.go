package oryactions

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// jsonPatchOp is one RFC 6902 operation.
type jsonPatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// applyStoredPatch writes the patched non-trait fields with the admin API
// once Kratos has stored the identity (Kratos applies them before storing;
// the gateway can only follow up, SPEC §11), and rewrites the identity in
// Kratos's answer. stop reports that the client has been answered.
func (rt *runtime) applyStoredPatch(ctx context.Context, w http.ResponseWriter, r *http.Request, s *submission, id string, identity, body []byte, fields []patchedField) ([]byte, []byte, bool) {
	ops := make([]jsonPatchOp, 0, len(fields))
	for _, f := range fields {
		// "add" replaces an existing member and creates a missing one.
		ops = append(ops, jsonPatchOp{Op: "add", Path: "/" + f.name, Value: f.value})
	}
	patch, _ := json.Marshal(ops)
	resp, err := rt.kratos.PatchIdentity(ctx, id, patch)
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("admin identity patch failed", zap.String("identity_id", id), zap.Int("status", resp.Status), zap.Error(err))
		dropSetCookies(w.Header(), isSessionCookie)
		rt.answerFailure(w, r, s.route.Flow, s.flow, &failure{status: http.StatusBadGateway, message: "the identity patch returned by the web hook could not be applied"})
		return nil, nil, true
	}
	// The PATCH answer echoes the patch for some fields (addresses keep the
	// nil ids the hook sent); a fresh read shows what Kratos really stored.
	stored := resp.Body
	if got, err := rt.kratos.GetIdentity(ctx, id); err == nil && got.Status == http.StatusOK {
		stored = got.Body
	}
	for _, f := range fields {
		if f.name == "metadata_admin" {
			continue // the public identity never shows it
		}
		identity = setFromStored(identity, stored, f.name)
		body = setFromStored(body, stored, "identity."+f.name)
		body = setFromStored(body, stored, "session.identity."+f.name)
	}
	if gjson.GetBytes(stored, "state").String() == "inactive" {
		rt.refuseInactive(ctx, w, r, s, id, body)
		return nil, nil, true
	}
	return identity, body, false
}

// setFromStored copies the value the admin API stored into doc at path,
// when that path exists in doc.
func setFromStored(doc, stored []byte, path string) []byte {
	field := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		field = path[i+1:]
		if !gjson.GetBytes(doc, path[:i]).Exists() {
			return doc
		}
	}
	v := gjson.GetBytes(stored, field)
	if !v.Exists() {
		return doc
	}
	out, err := sjson.SetRawBytes(doc, path, []byte(v.Raw))
	if err != nil {
		return doc
	}
	return out
}

// refuseInactive mirrors Kratos when a hook deactivated the new identity:
// no session survives and the client gets 401 "This account was disabled."
func (rt *runtime) refuseInactive(ctx context.Context, w http.ResponseWriter, r *http.Request, s *submission, identityID string, body []byte) {
	sessionID := gjson.GetBytes(body, "session.id").String()
	if sessionID == "" {
		if c := setCookieValue(w.Header(), sessionCookieName); c != "" {
			if resp, err := rt.kratos.Whoami(ctx, sessionCookieName+"="+c, ""); err == nil && resp.Status == http.StatusOK {
				sessionID = gjson.GetBytes(resp.Body, "id").String()
			}
		}
	}
	if sessionID != "" {
		if resp, err := rt.kratos.RevokeSession(ctx, sessionID); err != nil || resp.Status >= 300 {
			rt.logger.Error("revoking the session of a deactivated identity failed", zap.String("identity_id", identityID), zap.Int("status", resp.Status), zap.Error(err))
		}
	}
	// Kratos refuses before it writes any cookie: none of its answer's stay.
	w.Header().Del("Set-Cookie")
	details, _ := json.Marshal(map[string]string{"identity_id": identityID})
	e := kratos.Error{Code: http.StatusUnauthorized, Status: http.StatusText(http.StatusUnauthorized), Reason: "This account was disabled.", Message: "identity is disabled", Details: details}
	if s.form(r) {
		rt.redirectToError(w, r, e)
		return
	}
	rt.answerJSONError(w, e)
}
