package oryactions

import (
	"context"
	"net/http"
)

// finishPersisted completes a submit Kratos has stored (registration,
// settings): it writes the hooks' non-trait patches with the admin API,
// runs the post-persist hooks, dispatches the async ones and sends Kratos's
// answer, rewritten where a patch changed the identity. A failure keeps the
// stored change, as in Kratos, but no session cookie reaches the client.
func (rt *runtime) finishPersisted(ctx context.Context, w http.ResponseWriter, r *http.Request, s *submission, ans recorded, identity []byte, pending []patchedField, parts ctxParts) {
	out := ans.body
	if len(pending) > 0 {
		var stop bool
		identity, out, stop = rt.applyStoredPatch(ctx, w, r, s, jsonString(identity, "id"), identity, out, pending)
		if stop {
			return
		}
	}
	if len(s.post) > 0 {
		res := rt.runSync(ctx, s.route.Flow, s.post, parts, identity)
		if res.fail != nil {
			dropSetCookies(w.Header(), isSessionCookie)
			rt.answerFailure(w, r, s.route.Flow, s.flow, res.fail)
			return
		}
	}
	rt.dispatchAsync(ctx, s.route.Flow, s.async, parts, identity)
	writeBuffered(w, ans.status, out)
}
