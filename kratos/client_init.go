package kratos

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// InitFlow starts a flow on the public API as a JSON client would: path is
// /self-service/<flow>/api or /self-service/<flow>/browser; creds are the
// end user's (browser flows need the CSRF pair). The answer's Set-Cookie
// lines belong to that end user.
func (c *Client) InitFlow(ctx context.Context, path string, creds Credentials) (Response, error) {
	if !strings.HasPrefix(path, "/self-service/") || !(strings.HasSuffix(path, "/api") || strings.HasSuffix(path, "/browser")) {
		return Response{}, fmt.Errorf("kratos: init flow: unexpected path %q", path)
	}
	return c.send(ctx, http.MethodGet, c.endpoint(c.public, path, ""), nil, "", creds.apply, "init flow")
}

// InitBrowserFlowFor starts a browser flow on behalf of a client request
// that reached the gateway at origin (scheme://host), with query: Kratos
// sees the request as reverse_proxy forwards one (X-Forwarded-Host and
// X-Forwarded-Proto), so the flow's request_url names the client's address
// rather than Kratos's own.
func (c *Client) InitBrowserFlowFor(ctx context.Context, flow Flow, query url.Values, origin *url.URL, creds Credentials) (Response, error) {
	u := c.endpoint(c.public, "/self-service/"+string(flow)+"/browser", "")
	u.RawQuery = query.Encode()
	return c.send(ctx, http.MethodGet, u, nil, "", func(h http.Header) {
		creds.apply(h)
		h.Set("X-Forwarded-Host", origin.Host)
		h.Set("X-Forwarded-Proto", origin.Scheme)
	}, "init flow")
}

// errorUIProbeReturnTo is a return_to no Kratos allows: its browser login
// init then fails before creating a flow and sends the browser to the error
// UI (login.NewFlow validates return_to first).
const errorUIProbeReturnTo = "https://ory-actions-probe.invalid/"

// ErrorUIURL asks Kratos where its error UI is (selfservice.flows.error.
// ui_url), by the one request whose answer is a redirect there: an HTML
// login init with a return_to Kratos refuses. It returns the URL without
// its query, or "" when Kratos answered something else.
func (c *Client) ErrorUIURL(ctx context.Context) (string, error) {
	u := c.endpoint(c.public, "/self-service/login/browser", "")
	u.RawQuery = url.Values{"return_to": {errorUIProbeReturnTo}}.Encode()
	resp, err := c.send(ctx, http.MethodGet, u, nil, "", func(h http.Header) { h.Set("Accept", "text/html") }, "error UI probe")
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusSeeOther && resp.Status != http.StatusFound {
		return "", nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("id") == "" || !loc.IsAbs() {
		return "", nil
	}
	loc.RawQuery, loc.Fragment = "", ""
	return loc.String(), nil
}

// FlowUIURL asks Kratos where a flow's UI is (selfservice.flows.<flow>.
// ui_url), by an HTML init without cookies, which Kratos answers with a
// redirect there (?flow=<a new flow>, left to expire). It returns the URL
// without its query, or "" when Kratos answered something else.
func (c *Client) FlowUIURL(ctx context.Context, flow Flow) (string, error) {
	u := c.endpoint(c.public, "/self-service/"+string(flow)+"/browser", "")
	resp, err := c.send(ctx, http.MethodGet, u, nil, "", func(h http.Header) { h.Set("Accept", "text/html") }, "flow UI probe")
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusSeeOther && resp.Status != http.StatusFound {
		return "", nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("flow") == "" || !loc.IsAbs() {
		return "", nil
	}
	loc.RawQuery, loc.Fragment = "", ""
	return loc.String(), nil
}
