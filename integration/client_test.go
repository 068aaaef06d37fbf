package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// clientKind is how a test client talks to Kratos (Kratos's x.IsJSONRequest decides).
type clientKind string

const (
	apiClient         clientKind = "api"          // native app: /api flows, JSON, no cookies
	browserJSONClient clientKind = "browser_json" // SPA: /browser flows, JSON, cookies + CSRF
	browserFormClient clientKind = "browser_form" // server-rendered UI: form posts, redirects
)

// response is an HTTP answer read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(path string) gjson.Result { return gjson.GetBytes(r.Body, path) }

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// flowClient drives one self-service flow through the gateway.
type flowClient struct {
	t    *testing.T
	base string
	kind clientKind
	http *http.Client
	// token is an API client's session token, sent as X-Session-Token.
	token string
}

func newFlowClient(t *testing.T, base string, kind clientKind) *flowClient {
	return &flowClient{t: t, base: base, kind: kind, http: noRedirectClient(t)}
}

func newJar(t *testing.T) http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// do sends a request and reads the whole answer.
func (c *flowClient) do(method, path string, body []byte, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "caddy-ory-actions-test/1.0")
	if c.token != "" {
		req.Header.Set("X-Session-Token", c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// initFlow starts a flow and returns Kratos's (or the gateway's) answer.
// A form client starts it as a browser does (HTML, 303 to the UI) and then
// fetches the flow as its UI would; a non-303 answer is returned as is.
func (c *flowClient) initFlow(flow string) response {
	c.t.Helper()
	switch c.kind {
	case apiClient:
		return c.do(http.MethodGet, "/self-service/"+flow+"/api", nil, nil)
	case browserFormClient:
		r := c.do(http.MethodGet, "/self-service/"+flow+"/browser", nil, map[string]string{"Accept": "text/html"})
		if r.Status != http.StatusSeeOther {
			return r
		}
		return c.fetchFromLocation(flow, r.Header.Get("Location"))
	}
	return c.do(http.MethodGet, "/self-service/"+flow+"/browser", nil, nil)
}

// fetchFromLocation fetches the flow a UI redirect names (?flow=).
func (c *flowClient) fetchFromLocation(flow, location string) response {
	c.t.Helper()
	u, err := url.Parse(location)
	if err != nil || u.Query().Get("flow") == "" {
		c.t.Fatalf("redirect %q names no flow", location)
	}
	return c.fetch(flow, u.Query().Get("flow"))
}

// fetch GETs a flow as a UI does.
func (c *flowClient) fetch(flow, id string) response {
	c.t.Helper()
	return c.do(http.MethodGet, "/self-service/"+flow+"/flows?id="+url.QueryEscape(id), nil, nil)
}

// mustInit starts a flow and fails the test unless it is a 200 flow.
func (c *flowClient) mustInit(flow string) response {
	c.t.Helper()
	r := c.initFlow(flow)
	if r.Status != http.StatusOK || !r.json("id").Exists() {
		c.t.Fatalf("init %s: want 200 + flow, got %s", flow, r)
	}
	return r
}

// submit posts fields to the flow, adding the CSRF token of browser flows:
// JSON for API and browser-JSON clients, a form post (HTML accepted) for
// form clients, with nested objects flattened to dotted names.
func (c *flowClient) submit(flow string, init response, fields map[string]any) response {
	c.t.Helper()
	if c.kind != apiClient {
		fields["csrf_token"] = csrfToken(init)
	}
	path := "/self-service/" + flow + "?flow=" + url.QueryEscape(init.json("id").String())
	if c.kind == browserFormClient {
		form := url.Values{}
		flattenForm(form, "", fields)
		return c.do(http.MethodPost, path, []byte(form.Encode()), map[string]string{
			"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded",
		})
	}
	body, _ := json.Marshal(fields)
	return c.do(http.MethodPost, path, body, nil)
}

// flattenForm writes nested fields as dotted form names; transient_payload
// goes as one field holding JSON, as Kratos reads it.
func flattenForm(form url.Values, prefix string, fields map[string]any) {
	for k, v := range fields {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch val := v.(type) {
		case map[string]any:
			if name == "transient_payload" {
				b, _ := json.Marshal(val)
				form.Set(name, string(b))
				continue
			}
			flattenForm(form, name, val)
		default:
			form.Set(name, fmt.Sprint(val))
		}
	}
}

// csrfToken reads the csrf_token node of a flow.
func csrfToken(flow response) string {
	for _, n := range flow.json("ui.nodes").Array() {
		if n.Get("attributes.name").String() == "csrf_token" {
			return n.Get("attributes.value").String()
		}
	}
	return ""
}

// nodeMessages returns the messages of the node with that name.
func nodeMessages(flow []byte, name string) []gjson.Result {
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		if n.Get("attributes.name").String() == name {
			return n.Get("messages").Array()
		}
	}
	return nil
}

var emailSeq atomic.Int64

// freshEmail returns an address no other test used.
func freshEmail(prefix string) string {
	return fmt.Sprintf("%s-%d-%d@example.com", prefix, emailSeq.Add(1), nowNano())
}

// registrationFields is a one-step password registration.
func registrationFields(email string) map[string]any {
	return map[string]any{
		"method":   "password",
		"password": "Correct-Horse-Battery-9",
		"traits":   map[string]any{"email": email, "name": map[string]any{"first": "Ada", "last": "Lovelace"}},
	}
}

// hasSetCookie reports whether the answer sets a cookie with that name.
func hasSetCookie(h http.Header, name string) bool {
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return true
		}
	}
	return false
}

func nowNano() int64 { return time.Now().UnixNano() }
