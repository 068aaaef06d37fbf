package conformance

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// flowRef is the flow a script works on, as the client last saw it.
type flowRef struct {
	flow string // registration, login, …
	id   string
	csrf string
	// doc is the last flow document seen (nodes a script reads, e.g. a
	// TOTP secret).
	doc map[string]any
	// withSession: the flow belongs to a session (settings, an AAL2
	// login), which API clients send as X-Session-Token.
	withSession bool
}

// update takes the id and CSRF token from a flow document.
func (f *flowRef) update(doc map[string]any) {
	if doc == nil {
		return
	}
	if _, ok := doc["ui"]; ok {
		f.doc = doc
	}
	if id, ok := doc["id"].(string); ok && id != "" {
		f.id = id
	}
	// A replaced flow (410 self_service_flow_replaced) names its successor,
	// which clients go on with.
	if id, ok := doc["use_flow_id"].(string); ok && id != "" {
		f.id = id
	}
	if tok := csrfOf(doc); tok != "" {
		f.csrf = tok
	}
}

// csrfOf reads the csrf_token node's value.
func csrfOf(doc map[string]any) string {
	ui, _ := doc["ui"].(map[string]any)
	nodes, _ := ui["nodes"].([]any)
	for _, n := range nodes {
		attrs, _ := n.(map[string]any)["attributes"].(map[string]any)
		if attrs["name"] == "csrf_token" {
			v, _ := attrs["value"].(string)
			return v
		}
	}
	return ""
}

// init starts a flow the way the client kind does: GET /api (JSON), GET
// /browser with Accept JSON, or for a form client GET /browser as a page,
// then follow the redirect to the UI, which fetches the flow.
func (c *client) init(flow string, query ...string) *flowRef {
	f := &flowRef{flow: flow, withSession: flow == "settings" || slices.Contains(query, "aal=aal2")}
	kind := "browser"
	if c.kind == apiClient {
		kind = "api"
	}
	path := "/self-service/" + flow + "/" + kind
	if len(query) > 0 {
		path += "?" + strings.Join(query, "&")
	}
	rq := c.jsonRequest(http.MethodGet, path, nil)
	if f.withSession {
		rq.header = c.sessionHeader()
	}
	if c.kind == browserFormClient {
		rq.accept = "text/html,application/xhtml+xml"
		r := c.exchange("init", rq)
		c.follow("init", r, f)
		return f
	}
	r := c.exchange("init", rq)
	if r.status == http.StatusOK {
		f.update(r.json())
	}
	return f
}

// fetch reads the flow as a UI does: GET /self-service/<flow>/flows?id=.
func (c *client) fetch(f *flowRef) {
	c.fetchAs("fetch", f)
}

func (c *client) fetchAs(label string, f *flowRef) {
	if f.id == "" {
		c.note(label, "no flow id to fetch")
		return
	}
	rq := c.jsonRequest(http.MethodGet, "/self-service/"+f.flow+"/flows?"+url.Values{"id": {f.id}}.Encode(), nil)
	if f.withSession {
		rq.header = c.sessionHeader()
	}
	r := c.exchange(label, rq)
	if r.status == http.StatusOK {
		f.update(r.json())
	}
}

// submit posts fields to the flow: JSON for API and browser-JSON clients
// (with the CSRF token for browser flows), a form post of a page for form
// clients, which then follow the redirect like a browser and its UI.
func (c *client) submit(f *flowRef, fields map[string]any) reply {
	if f.id == "" {
		c.note("submit", "no flow to submit")
		return reply{}
	}
	path := "/self-service/" + f.flow + "?" + url.Values{"flow": {f.id}}.Encode()
	if c.kind != apiClient {
		fields["csrf_token"] = f.csrf
	}
	var rq request
	if c.kind == browserFormClient {
		rq = request{
			method: http.MethodPost, base: c.side.public, path: path,
			accept:      "text/html,application/xhtml+xml",
			contentType: "application/x-www-form-urlencoded",
			body:        []byte(formValues(fields).Encode()),
		}
	} else {
		rq = c.jsonRequest(http.MethodPost, path, fields)
	}
	if f.withSession {
		rq.header = c.sessionHeader()
	}
	r := c.exchange("submit", rq)
	if c.kind == browserFormClient {
		c.follow("submit", r, f)
	} else if r.status == http.StatusOK || r.status == http.StatusBadRequest {
		if doc := r.json(); doc != nil && doc["ui"] != nil {
			f.update(doc)
		}
	}
	return r
}

// follow does what a browser and a UI do with a redirect: a UI page for a
// flow fetches that flow; the error page fetches the error. Redirects
// elsewhere (the return URL) end the journey.
func (c *client) follow(label string, r reply, f *flowRef) {
	if r.err != nil || r.status < 300 || r.status >= 400 {
		return
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/") {
		return
	}
	switch page := strings.TrimPrefix(loc.Path, "/"); page {
	case "registration", "login", "settings", "recovery", "verification":
		id := loc.Query().Get("flow")
		if id == "" {
			return
		}
		target := f
		if page != f.flow {
			target = &flowRef{flow: page}
		}
		target.id = id
		c.fetchAs(label+"→ui", target)
	case "error":
		id := loc.Query().Get("id")
		if id == "" {
			return
		}
		c.exchange(label+"→error", c.jsonRequest(http.MethodGet, "/self-service/errors?"+url.Values{"id": {id}}.Encode(), nil))
	}
}

// formValues flattens fields as a server-rendered form posts them: nested
// objects as dotted names (traits.email), transient_payload as a JSON string.
func formValues(fields map[string]any) url.Values {
	v := url.Values{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, val := range m {
			name := prefix + k
			switch x := val.(type) {
			case map[string]any:
				if name == "transient_payload" {
					v.Set(name, mustJSON(x))
					continue
				}
				walk(name+".", x)
			case string:
				v.Set(name, x)
			default:
				v.Set(name, mustJSON(x))
			}
		}
	}
	walk("", fields)
	return v
}
