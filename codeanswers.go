package oryactions

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// answerVerificationInterrupt answers a verification after hook's messages
// as Kratos does: it retries the flow — a new flow carrying the messages —
// and answers 410 self_service_flow_replaced with use_flow_id to JSON
// clients, or a 303 to the verification UI with the new flow to others.
func (rt *runtime) answerVerificationInterrupt(w http.ResponseWriter, r *http.Request, s *submission, msgs []hooks.Message) {
	path := "/self-service/verification/api"
	if s.flowType() == "browser" {
		path = "/self-service/verification/browser"
	}
	resp, err := rt.kratos.InitFlow(r.Context(), path, r.Header.Get("Cookie"))
	newID := gjson.GetBytes(resp.Body, "id").String()
	if err != nil || resp.Status != http.StatusOK || newID == "" {
		rt.logger.Error("could not create the replacement verification flow", zap.Int("status", resp.Status), zap.Error(err))
		rt.answerFailure(w, r, kratos.Verification, s.flow, &failure{status: http.StatusBadGateway, message: "the verification flow could not be replaced"})
		return
	}
	w.Header().Del("Set-Cookie")
	for _, c := range resp.Header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	// Kratos regenerates the CSRF token when it replaces the flow, for API
	// flows too.
	reissueCSRFCookie(w, r, s.flow)
	if s.flowType() == "browser" {
		rt.setCarry(w, r, kratos.Carry{FlowID: newID, Flow: kratos.Verification, Expires: flowExpiry(resp.Body), Messages: msgs})
	}
	if s.form(r) {
		ui := rt.ui.flowURL(kratos.Verification, r, s.route.FlowID)
		if ui == "" {
			rt.logger.Error("no UI URL known for the verification flow; set ui_url in the ory_actions config")
			rt.answerJSONError(w, kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the verification UI URL"))
			return
		}
		redirect(w, r, withQuery(ui, "flow", newID), http.StatusSeeOther)
		return
	}
	e := kratos.Error{ID: "self_service_flow_replaced", Code: http.StatusGone, Status: http.StatusText(http.StatusGone),
		Reason: "An error occured, please retry the flow.", Message: "self-service flow replaced"}
	body := kratos.ErrorEnvelope(e)
	body = append(body[:len(body)-1], `,"use_flow_id":"`+newID+`"}`...)
	writeJSON(w, http.StatusGone, contentTypeError, body)
}

// reissueCSRFCookie mirrors Kratos's error answers on recovery and
// verification submits, which regenerate the CSRF token: the client gets a
// fresh CSRF cookie under the name Kratos uses.
func reissueCSRFCookie(w http.ResponseWriter, r *http.Request, flow []byte) {
	for _, line := range w.Header().Values("Set-Cookie") {
		if strings.HasPrefix(line, "csrf_token_") {
			return
		}
	}
	name := ""
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, "csrf_token_") {
			name = c.Name
		}
	}
	if name == "" {
		action := gjson.GetBytes(flow, "ui.action").String()
		base, _, ok := strings.Cut(action, "self-service/")
		if !ok {
			return
		}
		name = kratos.CSRFCookieName(base)
	}
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: base64.StdEncoding.EncodeToString(token), Path: "/", MaxAge: 31536000,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
