package gateway

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

// finishPersisted completes a submit Kratos has stored (registration,
// settings): it writes the hooks' non-trait patches with the admin API,
// runs the post-persist hooks, dispatches the async ones and sends Kratos's
// answer, rewritten where a patch changed the identity. A failure keeps the
// stored change, as in Kratos, but no session reaches the client.
func (x *exchange) finishPersisted(ctx context.Context, s *submission, ans answer, identity []byte, pending []patchedField, parts ctxParts) {
	gw, f := x.gw, x.route.Flow
	out := ans.body
	if len(pending) > 0 {
		var answered bool
		identity, out, answered = x.applyStoredPatch(ctx, s, ans, jsonString(identity, "id"), identity, pending)
		if answered {
			return
		}
	}
	if len(s.post) > 0 {
		res := gw.runSync(ctx, f, s.post, parts, identity)
		if res.fail != nil {
			x.revokeAnswerSession(ctx, ans)
			x.answerFailure(f, s.flow, res.fail)
			return
		}
	}
	gw.dispatchAsync(ctx, f, s.async, parts, identity)
	writeBuffered(x.w, answer{ans.status, out})
}

// jsonPatchOp is one RFC 6902 operation.
type jsonPatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// applyStoredPatch writes the patched non-trait fields with the admin API
// once Kratos has stored the identity (Kratos applies them before storing;
// the gateway can only follow up), and rewrites the identity in Kratos's
// answer. When the patch cannot be applied, the hook's decision cannot be
// honoured: the new session is revoked and the client gets a 502.
func (x *exchange) applyStoredPatch(ctx context.Context, s *submission, ans answer, id string, identity []byte, fields []patchedField) ([]byte, []byte, bool) {
	gw, f := x.gw, x.route.Flow
	ops := make([]jsonPatchOp, 0, len(fields))
	for _, fl := range fields {
		// "add" replaces an existing member and creates a missing one.
		ops = append(ops, jsonPatchOp{Op: "add", Path: "/" + fl.name, Value: fl.value})
	}
	patch, _ := json.Marshal(ops)
	resp, err := gw.kratos.PatchIdentity(ctx, id, patch)
	if err != nil || resp.Status != http.StatusOK {
		gw.logger.Error("admin identity patch failed; the hook's decision cannot be applied, so the new session is revoked and the flow fails",
			zap.String("identity_id", id), zap.Int("status", resp.Status), zap.Error(err))
		x.revokeAnswerSession(ctx, ans)
		return nil, nil, x.failClosed(f, s.flow, "the identity patch returned by the web hook could not be applied")
	}
	// The PATCH answer echoes the patch for some fields (addresses keep the
	// nil ids the hook sent); a fresh read shows what Kratos really stored.
	stored := resp.Body
	if got, err := gw.kratos.GetIdentity(ctx, id); err == nil && got.Status == http.StatusOK {
		stored = got.Body
	}
	body := ans.body
	for _, fl := range fields {
		if fl.name == "metadata_admin" {
			continue // the public identity never shows it
		}
		identity = setFromStored(identity, stored, fl.name)
		body = setFromStored(body, stored, "identity."+fl.name)
		body = setFromStored(body, stored, "session.identity."+fl.name)
	}
	if gjson.GetBytes(stored, "state").String() == "inactive" {
		x.refuseInactive(ctx, s, ans, id)
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
func (x *exchange) refuseInactive(ctx context.Context, s *submission, ans answer, identityID string) {
	x.revokeAnswerSession(ctx, ans)
	// Kratos refuses before it writes any cookie: none of its answer's stay.
	x.w.Header().Del("Set-Cookie")
	details, _ := json.Marshal(map[string]string{"identity_id": identityID})
	e := kratos.Error{Code: http.StatusUnauthorized, Status: http.StatusText(http.StatusUnauthorized), Reason: "This account was disabled.", Message: "identity is disabled", Details: details}
	if x.form(s) {
		x.redirectToError(e)
		return
	}
	x.answerError(e)
}

// splitPatches separates a traits patch, which rewrites the submit before
// Kratos validates and stores it, from the other fields, which the admin
// API writes afterwards.
func splitPatches(fields []patchedField) (traits []byte, others []patchedField) {
	for _, fl := range fields {
		if fl.name == "traits" {
			traits = fl.value
			continue
		}
		others = append(others, fl)
	}
	return traits, others
}
