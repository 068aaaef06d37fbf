package gateway

import (
	"net/http"
	"slices"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// failure is a hook failure (or a fact the gateway could not establish) on
// its way to the client.
type failure struct {
	status  int
	message string
	hook    string
}

// formClient reports whether Kratos would answer this request with
// redirects rather than JSON: only browser flows do, and only for clients
// that are not JSON clients by Kratos's rule (x.IsJSONRequest).
func formClient(r *http.Request, flowType string) bool {
	return flowType == "browser" && !kratos.IsJSONRequest(r.Header)
}

// answerInterrupt answers a parse hook's messages as Kratos answers a
// failed submit: JSON clients get 400 and the flow with the messages mapped
// onto its nodes; form clients get the redirect Kratos would send (302 for
// registration, 303 otherwise) to the flow's UI. Browser clients also get
// a carry cookie, so the next fetch of the flow shows the messages, as
// Kratos's stored flow would.
func (x *exchange) answerInterrupt(f kratos.Flow, flow []byte, msgs []hooks.Message, opt kratos.MapOptions) {
	flowType := gjson.GetBytes(flow, "type").String()
	if flowType == "browser" && opt.CSRFToken == "" {
		// Kratos re-masks the anti-CSRF token of a browser flow whose
		// submit failed, before it sorts the nodes: the same token (valid
		// with the client's cookie) and so the same node order.
		opt.CSRFToken, _ = kratos.MaskCSRFToken(kratos.CSRFCookieValue(x.r, x.w.Header().Values("Set-Cookie")))
	}
	mapped, err := kratos.ApplyMessages(flow, msgs, opt)
	if err != nil {
		x.gw.logger.Error("mapping web hook messages onto the flow failed", zap.String("flow", string(f)), zap.Error(err))
		x.answerFailure(f, flow, &failure{status: http.StatusBadGateway, message: "the web hook's messages could not be mapped onto the flow"})
		return
	}
	flowID := gjson.GetBytes(flow, "id").String()
	x.gw.logger.Info("a web hook interrupted the submit", zap.String("flow", string(f)), zap.Int("messages", len(msgs)))
	carry := kratos.Carry{
		FlowID: flowID, Flow: f, Expires: flowExpiry(flow), Messages: msgs,
		Refill: opt.Refill, ClearIdentifier: opt.ClearIdentifier,
		Active: gjson.GetBytes(flow, "active").String(), CSRFToken: opt.CSRFToken,
		Nodes: kratos.AddedNodes(flow, msgs), OIDCProvider: x.oidcProvider, RequestURL: x.carryRequestURL,
	}
	if prev, ok := x.carriedInterrupt(); ok {
		// Nodes an earlier interrupt added stay in Kratos's flow too.
		for _, n := range prev.Nodes {
			if !slices.Contains(carry.Nodes, n) {
				carry.Nodes = append(carry.Nodes, n)
			}
		}
	}
	if flowType == "browser" {
		x.setCarry(carry)
	} else {
		x.gw.interrupts.put(carry, time.Now())
	}
	if !formClient(x.r, flowType) {
		writeJSON(x.w, http.StatusBadRequest, contentTypeFlow, mapped)
		return
	}
	ui := x.gw.ui.flowURLOrAsk(x.r.Context(), x.gw.kratos, f, x.r, flowID)
	if ui == "" {
		x.gw.logger.Error("no UI URL known for this flow; set ui_url in the ory_actions config", zap.String("flow", string(f)))
		x.answerError(kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the "+string(f)+" UI URL"))
		return
	}
	status := http.StatusSeeOther
	if f == kratos.Registration {
		status = http.StatusFound // Kratos's registration form errors are 302
	}
	redirect(x.w, x.r, withQuery(ui, "flow", flowID), status)
}

// answerFailure answers a failed hook with Kratos's envelope under its true
// status (502 for an unusable answer, 504 for a timeout, 500 for a
// template error; Kratos itself answers 400 or 500 there), or, for form and
// HTML clients, with a 303 to the error UI and a gateway error id that the
// gateway itself serves.
func (x *exchange) answerFailure(f kratos.Flow, flow []byte, fl *failure) {
	x.gw.logger.Error("the flow is stopped",
		zap.String("flow", string(f)), zap.String("hook", fl.hook), zap.Int("status", fl.status), zap.String("error", fl.message))
	e := kratos.WebhookFailed(fl.status, fl.message)
	if formClient(x.r, gjson.GetBytes(flow, "type").String()) {
		x.redirectToError(e)
		return
	}
	x.answerError(e)
}

// failClosed answers 502 when the gateway cannot establish what a hook
// needs; Kratos has not seen the request, or its change is being undone.
// answered is always true.
func (x *exchange) failClosed(f kratos.Flow, flow []byte, message string) (answered bool) {
	dropSessionCookies(x.w.Header())
	x.answerFailure(f, flow, &failure{status: http.StatusBadGateway, message: message})
	return true
}

// redirectToError sends an HTML client to the error UI with a sealed id.
func (x *exchange) redirectToError(e kratos.Error) {
	errorUI := x.gw.ui.errorUI(x.r.Context(), x.gw.kratos)
	if errorUI == "" {
		x.gw.logger.Error("the error UI URL is neither configured (error_ui_url) nor revealed by Kratos; answering JSON instead of redirecting")
		x.answerError(kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the error UI URL"))
		return
	}
	id := kratos.SealErrorID(x.gw.sealer, e, time.Now().UTC())
	redirect(x.w, x.r, withQuery(errorUI, "id", id), http.StatusSeeOther)
}

// answerError writes Kratos's error envelope.
func (x *exchange) answerError(e kratos.Error) {
	writeJSON(x.w, e.Code, contentTypeError, kratos.ErrorEnvelope(e))
}

// answerBeforeInterrupt answers a before hook's messages without revealing
// the flow it discarded: an envelope for JSON clients, the error UI for
// HTML ones (Kratos answers a double-written 404 or an uncoded 500 here).
func (x *exchange) answerBeforeInterrupt(res pointResult) {
	x.gw.logger.Info("a before hook interrupted the flow", zap.String("flow", string(x.route.Flow)))
	x.answerBefore(kratos.BeforeHookInterrupt(res.interrupt))
}

// answerBeforeFailure answers a failed before hook.
func (x *exchange) answerBeforeFailure(fl *failure) {
	x.gw.logger.Error("before hook failed; the flow is stopped", zap.String("flow", string(x.route.Flow)), zap.String("hook", fl.hook), zap.Int("status", fl.status), zap.String("error", fl.message))
	x.answerBefore(kratos.WebhookFailed(fl.status, fl.message))
}

// answerBefore answers an init the gateway stopped: HTML clients of a
// browser init go to the error UI, others get the envelope.
func (x *exchange) answerBefore(e kratos.Error) {
	if x.route.Browser && !kratos.IsJSONRequest(x.r.Header) {
		x.redirectToError(e)
		return
	}
	x.answerError(e)
}

// answerTooLarge answers a body over max_body_size.
func (x *exchange) answerTooLarge() {
	x.gw.logger.Warn("request body over max_body_size; refused", zap.String("path", x.r.URL.Path), zap.Int64("max_body_size", x.gw.maxBody))
	x.answerError(kratos.Error{Code: http.StatusRequestEntityTooLarge, Status: http.StatusText(http.StatusRequestEntityTooLarge), Message: "the request body is larger than the gateway accepts"})
}

// setCarry attaches a carry cookie to the answer.
func (x *exchange) setCarry(c kratos.Carry) {
	now := time.Now()
	if c.Expires.IsZero() {
		c.Expires = now.Add(time.Hour)
	}
	tok, ok := kratos.SealCarry(x.gw.sealer, c)
	if !ok {
		x.gw.logger.Warn("carry token too large for a cookie; the UI will not show the web hook's messages", zap.String("flow", string(c.Flow)))
		return
	}
	http.SetCookie(x.w, kratos.CarryCookie(tok, c.Expires, x.r.TLS != nil, now))
}

// flowExpiry reads a flow's expires_at.
func flowExpiry(flow []byte) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, gjson.GetBytes(flow, "expires_at").String())
	return t
}
