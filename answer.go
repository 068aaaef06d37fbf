package oryactions

import (
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// formClient reports whether Kratos would answer this request with
// redirects rather than JSON: only browser flows do, and only for clients
// that are not JSON clients by Kratos's rule (SPEC §2).
func formClient(r *http.Request, flowType string) bool {
	return flowType == "browser" && !kratos.IsJSONClient(r.Header.Get("Accept"), r.Header.Get("Content-Type"))
}

// answerInterrupt answers a parse hook's messages as Kratos answers a
// failed submit: JSON clients get 400 and the flow with the messages mapped
// onto its nodes; form clients get the redirect Kratos would send (302 for
// registration, 303 otherwise) to the flow's UI. Browser clients also get
// a carry cookie, so the next fetch of the flow shows the messages, as
// Kratos's stored flow would.
func (rt *runtime) answerInterrupt(w http.ResponseWriter, r *http.Request, f kratos.Flow, flow []byte, msgs []hooks.Message, opt kratos.MapOptions) {
	mapped, err := kratos.ApplyMessages(flow, msgs, opt)
	if err != nil {
		rt.logger.Error("mapping web hook messages onto the flow failed", zap.String("flow", string(f)), zap.Error(err))
		rt.answerFailure(w, r, f, flow, &failure{status: http.StatusBadGateway, message: "the web hook's messages could not be mapped onto the flow"})
		return
	}
	flowID := gjson.GetBytes(flow, "id").String()
	flowType := gjson.GetBytes(flow, "type").String()
	rt.logger.Info("a web hook interrupted the submit", zap.String("flow", string(f)), zap.Int("messages", len(msgs)))
	if flowType == "browser" {
		rt.setCarry(w, r, kratos.Carry{
			FlowID: flowID, Flow: f, Expires: flowExpiry(flow), Messages: msgs,
			Refill: opt.Refill, ClearIdentifier: opt.ClearIdentifier,
			Active: gjson.GetBytes(flow, "active").String(),
		})
	}
	if !formClient(r, flowType) {
		writeJSON(w, http.StatusBadRequest, contentTypeFlow, mapped)
		return
	}
	ui := rt.ui.flowURL(f, r, flowID)
	if ui == "" {
		rt.logger.Error("no UI URL known for this flow; set ui_url in the ory_actions config", zap.String("flow", string(f)))
		rt.answerJSONError(w, kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the "+string(f)+" UI URL"))
		return
	}
	status := http.StatusSeeOther
	if f == kratos.Registration {
		status = http.StatusFound // Kratos's registration form errors are 302
	}
	redirect(w, r, withQuery(ui, "flow", flowID), status)
}

// answerFailure answers a failed hook with Kratos's envelope under its true
// status (DESIGN §4), or, for form and HTML clients, with a 303 to the
// error UI and a gateway error id that the gateway itself serves.
func (rt *runtime) answerFailure(w http.ResponseWriter, r *http.Request, f kratos.Flow, flow []byte, fl *failure) {
	rt.logger.Error("web hook failed; the flow is stopped",
		zap.String("flow", string(f)), zap.String("hook", fl.hook), zap.Int("status", fl.status), zap.String("error", fl.message))
	e := kratos.WebhookFailed(fl.status, fl.message)
	if formClient(r, gjson.GetBytes(flow, "type").String()) {
		rt.redirectToError(w, r, e)
		return
	}
	rt.answerJSONError(w, e)
}

// redirectToError sends an HTML client to the error UI with a sealed id.
func (rt *runtime) redirectToError(w http.ResponseWriter, r *http.Request, e kratos.Error) {
	if rt.ui.errorURL == "" {
		rt.logger.Error("no error UI URL configured (error_ui_url); answering JSON instead of redirecting")
		rt.answerJSONError(w, kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the error UI URL"))
		return
	}
	id := kratos.SealErrorID(rt.sealer, e, time.Now().UTC())
	redirect(w, r, withQuery(rt.ui.errorURL, "id", id), http.StatusSeeOther)
}

// answerJSONError writes Kratos's error envelope.
func (rt *runtime) answerJSONError(w http.ResponseWriter, e kratos.Error) {
	writeJSON(w, e.Code, contentTypeError, kratos.ErrorEnvelope(e))
}

// answerBeforeInterrupt answers a before hook's messages without revealing
// the flow it discarded (DESIGN §4): an envelope for JSON clients, the error
// UI for HTML ones.
func (rt *runtime) answerBeforeInterrupt(w http.ResponseWriter, r *http.Request, route kratos.Route, res pointResult) {
	rt.logger.Info("a before hook interrupted the flow", zap.String("flow", string(route.Flow)))
	e := kratos.BeforeHookInterrupt(res.interrupt)
	if route.Browser && !kratos.IsJSONClient(r.Header.Get("Accept"), r.Header.Get("Content-Type")) {
		rt.redirectToError(w, r, e)
		return
	}
	rt.answerJSONError(w, e)
}

// answerBeforeFailure answers a failed before hook.
func (rt *runtime) answerBeforeFailure(w http.ResponseWriter, r *http.Request, route kratos.Route, fl *failure) {
	rt.logger.Error("before hook failed; the flow is stopped", zap.String("flow", string(route.Flow)), zap.String("hook", fl.hook), zap.Int("status", fl.status), zap.String("error", fl.message))
	e := kratos.WebhookFailed(fl.status, fl.message)
	if route.Browser && !kratos.IsJSONClient(r.Header.Get("Accept"), r.Header.Get("Content-Type")) {
		rt.redirectToError(w, r, e)
		return
	}
	rt.answerJSONError(w, e)
}

// answerTooLarge answers a body over max_body_size.
func (rt *runtime) answerTooLarge(w http.ResponseWriter, r *http.Request) {
	rt.logger.Warn("request body over max_body_size; refused", zap.String("path", r.URL.Path), zap.Int64("max_body_size", rt.maxBody))
	rt.answerJSONError(w, kratos.Error{Code: http.StatusRequestEntityTooLarge, Status: http.StatusText(http.StatusRequestEntityTooLarge), Message: "the request body is larger than the gateway accepts"})
}

// redirect writes a redirect the way Kratos does (http.Redirect's body),
// after clearing the upstream's representation headers.
func redirect(w http.ResponseWriter, r *http.Request, location string, status int) {
	resetEntityHeaders(w.Header())
	w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	http.Redirect(w, r, location, status)
}

// setCarry attaches a carry cookie to the answer.
func (rt *runtime) setCarry(w http.ResponseWriter, r *http.Request, c kratos.Carry) {
	now := time.Now()
	if c.Expires.IsZero() {
		c.Expires = now.Add(time.Hour)
	}
	tok, ok := kratos.SealCarry(rt.sealer, c)
	if !ok {
		rt.logger.Warn("carry token too large for a cookie; the UI will not show the web hook's messages", zap.String("flow", string(c.Flow)))
		return
	}
	http.SetCookie(w, kratos.CarryCookie(tok, c.Expires, r.TLS != nil, now))
}

// flowExpiry reads a flow's expires_at.
func flowExpiry(flow []byte) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, gjson.GetBytes(flow, "expires_at").String())
	return t
}
