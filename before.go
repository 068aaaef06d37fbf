package oryactions

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveInit runs `<flow> before` hooks once Kratos has answered the init
// (DESIGN §4): the flow comes from the JSON body, or, for an HTML client,
// from the redirect's ?flow= fetched with the CSRF cookie Kratos just set.
func (rt *runtime) serveInit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := forward(w, r, next, buf, func(status int, h http.Header) bool {
		return (status == http.StatusOK && isJSONAnswer(h)) || status == http.StatusSeeOther
	})
	if err != nil || !ok {
		return err
	}
	flow := rt.initFlow(r, route, ans, w.Header())
	if flow == nil {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	if cacheable(route.Flow) && rt.interested[route.Flow].after {
		rt.flows.put(flow, csrfCookieValue(r, w.Header().Values("Set-Cookie")), time.Now())
	}
	sync, async := splitAsync(rt.hooksAt(route.Flow, "before"))
	parts := ctxParts{flow: flow, req: r}
	res := rt.runSync(r.Context(), route.Flow, sync, parts, nil)
	switch {
	case res.fail != nil:
		rt.answerBeforeFailure(w, r, route, res.fail)
	case res.interrupt != nil:
		rt.answerBeforeInterrupt(w, r, route, res)
	default:
		if len(res.patched) > 0 {
			rt.logger.Warn("a before hook answered with an identity patch; there is no identity yet, so it is ignored (Kratos v1.3.1 panics here)", zap.String("flow", string(route.Flow)))
		}
		rt.dispatchAsync(r.Context(), route.Flow, async, parts, nil)
		writeBuffered(w, ans.status, ans.body)
	}
	return nil
}

// serveInitForCache remembers the flow of a JSON init (a flow with after
// hooks but no before hooks), so its submit need not fetch it again.
func (rt *runtime) serveInitForCache(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := forward(w, r, next, buf, func(status int, h http.Header) bool {
		return status == http.StatusOK && isJSONAnswer(h)
	})
	if err != nil || !ok {
		return err
	}
	rt.flows.put(ans.body, csrfCookieValue(r, w.Header().Values("Set-Cookie")), time.Now())
	writeBuffered(w, ans.status, ans.body)
	return nil
}

// initFlow extracts the flow Kratos created, or nil when the answer is not a
// new flow (an error, or a redirect because the client is signed in).
func (rt *runtime) initFlow(r *http.Request, route kratos.Route, ans recorded, h http.Header) []byte {
	if ans.status == http.StatusOK {
		if gjson.GetBytes(ans.body, "id").Exists() && gjson.GetBytes(ans.body, "ui").Exists() {
			return ans.body
		}
		return nil
	}
	rt.ui.learnFromInit(route.Flow, h.Get("Location"))
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		return nil
	}
	id := loc.Query().Get("flow")
	if id == "" {
		return nil
	}
	cookie := mergeCookies(r.Header.Get("Cookie"), h.Values("Set-Cookie"))
	resp, err := rt.kratos.FetchFlow(r.Context(), string(route.Flow), id, cookie, "")
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("could not fetch the flow Kratos just created; before hooks cannot run", zap.String("flow", string(route.Flow)), zap.Int("status", resp.Status), zap.Error(err))
		return nil
	}
	return resp.Body
}

// mergeCookies forms the Cookie header a browser would send after applying
// Set-Cookie lines: new values replace old ones of the same name.
func mergeCookies(header string, setCookies []string) string {
	jar := map[string]string{}
	var order []string
	add := func(name, value string) {
		if _, seen := jar[name]; !seen {
			order = append(order, name)
		}
		jar[name] = value
	}
	for _, part := range strings.Split(header, ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			add(name, value)
		}
	}
	for _, line := range setCookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		add(c.Name, c.Value)
	}
	var b strings.Builder
	for i, name := range order {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name + "=" + jar[name])
	}
	return b.String()
}

// splitAsync separates response.ignore hooks, which never hold up a client.
func splitAsync(hs []*hookRef) (sync, async []*hookRef) {
	for _, h := range hs {
		if h.cfg.Config.Async() {
			async = append(async, h)
		} else {
			sync = append(sync, h)
		}
	}
	return sync, async
}
