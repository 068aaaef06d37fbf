package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/webauthntest"
)

// side is one of the two set-ups a scenario runs against.
type side struct {
	native bool
	public string // where clients send self-service requests
	admin  string // Kratos's admin API
	setup  string // Kratos's own public URL, for unrecorded set-up logins
	rc     *receiver
}

func (s *side) name() string {
	if s.native {
		return "kratos"
	}
	return "gateway"
}

// client is the scripted client of one side. Every method records what it
// did into the transcript; scripts never stop on a failed step, so both
// sides always run the same steps and their answers can be compared.
type client struct {
	kind     clientKind
	side     *side
	hc       *http.Client
	tr       *transcript
	email    string
	password string
	token    string // API session token, once a response carried one
	// passkeys is the client's WebAuthn authenticator (its "device"),
	// made on first use by a passkey step.
	passkeys *webauthntest.Authenticator
}

// clientTimeout outlasts Kratos's worst case: three 30 s attempts plus
// backoff, after which Kratos closes the connection.
const clientTimeout = 120 * time.Second

const userAgent = "conformance-client/1.0"

func newClient(kind clientKind, sd *side, email string) *client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &client{
		kind: kind, side: sd, tr: &transcript{}, email: email, password: "Correct-Horse-Battery-9",
		hc: &http.Client{
			Jar:     jar,
			Timeout: clientTimeout,
			// A transport of its own: a kept-alive connection from an
			// earlier scenario would meet a gateway whose config was
			// reloaded since, and be closed under the first request.
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// close releases the client's connections.
func (c *client) close() { c.hc.CloseIdleConnections() }

// reply is one answer as the script sees it.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// json decodes the answer's body, nil if it is not one JSON object.
func (r reply) json() map[string]any {
	m, _ := decodeBody(r.body).(map[string]any)
	return m
}

// request is what the script sends.
type request struct {
	method, base, path string
	accept             string
	contentType        string
	body               []byte
	header             map[string]string
}

// send performs a request without recording it.
func (c *client) send(rq request) reply {
	req, err := http.NewRequestWithContext(context.Background(), rq.method, rq.base+rq.path, bytes.NewReader(rq.body))
	if err != nil {
		return reply{err: err}
	}
	if rq.body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", rq.accept)
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 5<<20))
	if err != nil {
		return reply{err: err}
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// exchange performs a request and records it under label.
func (c *client) exchange(label string, rq request) reply {
	r := c.send(rq)
	path := rq.path
	if u, err := url.Parse(rq.path); err == nil {
		path = u.Path
	}
	var rec map[string]any
	if r.err != nil {
		rec = map[string]any{"request": rq.method + " " + path, "transport_error": transportError(r.err)}
	} else {
		resp := &http.Response{StatusCode: r.status, Header: r.header}
		rec = recordResponse(rq.method, path, resp, r.body)
		if tok, ok := r.json()["session_token"].(string); ok && tok != "" {
			c.token = tok
		}
	}
	c.tr.exchanges = append(c.tr.exchanges, labelled{label: label, value: rec})
	return r
}

// note records a script step that could not be carried out, e.g. a submit
// when the init produced no flow.
func (c *client) note(label, msg string) {
	c.tr.exchanges = append(c.tr.exchanges, labelled{label: label, value: map[string]any{"skipped": msg}})
}

// transportError names a failure without its addresses: the client got no
// HTTP answer at all.
func transportError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset") {
		return "connection closed without an answer"
	}
	return "transport error"
}

// sessionHeader is the API client's session token header, when it has one.
func (c *client) sessionHeader() map[string]string {
	if c.kind == apiClient && c.token != "" {
		return map[string]string{"X-Session-Token": c.token}
	}
	return nil
}

// jsonRequest builds a JSON request to the public API.
func (c *client) jsonRequest(method, path string, payload any) request {
	rq := request{method: method, base: c.side.public, path: path, accept: "application/json"}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			panic(fmt.Sprintf("conformance: script payload: %v", err)) // scripts pass plain maps
		}
		rq.body, rq.contentType = b, "application/json"
	}
	return rq
}

// whoami asks Kratos (through the side's public URL) who the client is.
func (c *client) whoami() {
	rq := c.jsonRequest(http.MethodGet, "/sessions/whoami", nil)
	rq.header = c.sessionHeader()
	c.exchange("whoami", rq)
}

// adminIdentities records the admin list of identities with the client's
// e-mail as an identifier (what Kratos stored).
func (c *client) adminIdentities() {
	c.adminGet("admin.identities", "/admin/identities?"+url.Values{"credentials_identifier": {c.email}}.Encode())
}

// adminGet records an admin API read.
func (c *client) adminGet(label, path string) reply {
	return c.exchange(label, request{method: http.MethodGet, base: c.side.admin, path: path, accept: "application/json"})
}

// waitCalls waits for a receiver path to get n calls (asynchronous hooks);
// a shortfall is recorded so that it shows in the comparison.
func (c *client) waitCalls(path string, n int) {
	if got := c.side.rc.waitCalls(path, n, 20*time.Second); got < n {
		c.note("wait "+path, fmt.Sprintf("receiver got %d of %d calls", got, n))
	}
}
