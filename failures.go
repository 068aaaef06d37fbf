package oryactions

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// respondFailure answers a failed hook with Kratos's envelope under its true
// status (DESIGN §4 "Failures keep their true status").
func (rt *runtime) respondFailure(w http.ResponseWriter, r *http.Request, f *failure) {
	rt.logger.Error("web hook failed; the flow is stopped",
		zap.String("hook", f.hook), zap.Int("status", f.status), zap.String("error", f.message),
		zap.String("path", r.URL.Path))
	e := kratos.WebhookFailed(f.status, f.message)
	writeJSON(w, e.Code, contentTypeError, kratos.ErrorEnvelope(e))
}

// respondBeforeInterrupt answers a before hook's messages without revealing
// the flow it discarded (DESIGN §4).
func (rt *runtime) respondBeforeInterrupt(w http.ResponseWriter, r *http.Request, route kratos.Route, res pointResult) {
	rt.logger.Info("a before hook interrupted the flow", zap.String("flow", string(route.Flow)), zap.String("path", r.URL.Path))
	e := kratos.BeforeHookInterrupt(res.interrupt)
	writeJSON(w, e.Code, contentTypeError, kratos.ErrorEnvelope(e))
}

// respondTooLarge answers a body over max_body_size.
func (rt *runtime) respondTooLarge(w http.ResponseWriter, r *http.Request) {
	rt.logger.Warn("request body over max_body_size; refused", zap.String("path", r.URL.Path), zap.Int64("max_body_size", rt.maxBody))
	e := kratos.Error{Code: http.StatusRequestEntityTooLarge, Status: http.StatusText(http.StatusRequestEntityTooLarge), Message: "the request body is larger than the gateway accepts"}
	writeJSON(w, e.Code, contentTypeError, kratos.ErrorEnvelope(e))
}
