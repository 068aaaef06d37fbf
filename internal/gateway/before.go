package gateway

import (
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveInit runs `<flow> before` hooks once Kratos has answered the init:
// the flow comes from the JSON body, or, for an HTML client, from the
// redirect's ?flow=, fetched with the CSRF cookie Kratos just set. Kratos
// runs these hooks on the flow before storing it; the gateway can only
// discard the stored flow, so an interrupt never reveals its id.
func (x *exchange) serveInit() {
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forward(buf, func(status int, h http.Header) bool {
		return (status == http.StatusOK && isJSONAnswer(h)) || status == http.StatusSeeOther
	})
	if answered {
		return
	}
	flow, answered := x.initFlow(ans)
	if answered {
		return
	}
	if flow == nil {
		writeBuffered(x.w, ans)
		return
	}
	gw, f := x.gw, x.route.Flow
	if cacheable(f) && gw.Interested(f, After) {
		gw.flows.put(flow, kratos.CSRFCookieValue(x.r, x.w.Header().Values("Set-Cookie")), time.Now())
	}
	sync, async := splitAsync(gw.hooksAt(f, Before))
	parts := ctxParts{flow: beforeCtxFlow(f, flow), req: x.r}
	res := gw.runSync(x.r.Context(), f, sync, parts, nil)
	switch {
	case res.fail != nil:
		x.answerBeforeFailure(res.fail)
	case res.interrupt != nil:
		x.answerBeforeInterrupt(res)
	default:
		if len(res.patched) > 0 {
			gw.logger.Warn("a before hook answered with an identity patch; there is no identity yet, so it is ignored (Kratos v1.3.1 panics here)", zap.String("flow", string(f)))
		}
		gw.dispatchAsync(x.r.Context(), f, async, parts, nil)
		writeBuffered(x.w, ans)
	}
}

// serveInitForCache remembers the flow of a JSON init (a flow with after
// hooks but no before hooks), so its submit need not fetch it again.
func (x *exchange) serveInitForCache() {
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forward(buf, func(status int, h http.Header) bool {
		return status == http.StatusOK && isJSONAnswer(h)
	})
	if answered {
		return
	}
	x.gw.flows.put(ans.body, kratos.CSRFCookieValue(x.r, x.w.Header().Values("Set-Cookie")), time.Now())
	writeBuffered(x.w, ans)
}

// initFlow extracts the flow Kratos created, or nil when the answer is not a
// new flow (an error, or a redirect because the client is signed in). When
// Kratos created a flow that the gateway cannot read back, the before hooks
// cannot run: the client gets a 502 instead of the flow.
func (x *exchange) initFlow(ans answer) (flow []byte, answered bool) {
	if ans.status == http.StatusOK {
		if gjson.GetBytes(ans.body, "id").Exists() && gjson.GetBytes(ans.body, "ui").Exists() {
			return ans.body, false
		}
		return nil, false
	}
	h := x.w.Header()
	x.gw.ui.learnFromInit(x.route.Flow, x.r, h.Get("Location"))
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		return nil, false
	}
	id := loc.Query().Get("flow")
	if id == "" {
		return nil, false
	}
	creds := kratos.CredentialsOf(x.r).WithSetCookies(h.Values("Set-Cookie"))
	resp, err := x.gw.kratos.FetchFlow(x.r.Context(), string(x.route.Flow), id, creds)
	if err != nil || resp.Status != http.StatusOK {
		x.gw.logger.Error("could not fetch the flow Kratos just created; before hooks cannot run", zap.String("flow", string(x.route.Flow)), zap.Int("status", resp.Status), zap.Error(err))
		h.Del("Set-Cookie")
		return nil, x.failBefore("the new flow could not be read back from Kratos")
	}
	return resp.Body, false
}

// failBefore stops an init whose before hooks cannot run.
func (x *exchange) failBefore(message string) (answered bool) {
	x.answerBeforeFailure(&failure{status: http.StatusBadGateway, message: message})
	return true
}

// beforeCtxFlow is the flow as Kratos hands it to before hooks: built in
// memory and not stored yet, so created_at and updated_at are Go's zero
// time; a settings flow has no nodes yet (they are added after the hooks,
// and Kratos's empty list is rendered null).
func beforeCtxFlow(f kratos.Flow, flow []byte) []byte {
	out := flow
	for _, k := range []string{"created_at", "updated_at"} {
		if gjson.GetBytes(out, k).Exists() {
			out, _ = sjson.SetBytes(out, k, "0001-01-01T00:00:00Z")
		}
	}
	if f == kratos.Settings {
		out, _ = sjson.SetRawBytes(out, "ui.nodes", []byte("null"))
	}
	return out
}
