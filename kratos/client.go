package kratos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// MaxAnswerBytes caps every answer the Client reads from Kratos. Kratos's
// documents (flows, identities, sessions, schemas) are a few KiB; anything
// near this size is a misconfiguration or an attack, never a valid answer.
const MaxAnswerBytes = 5 << 20

// ErrNoAdminURL is returned by the admin-API methods of a Client that was
// built without an admin URL.
var ErrNoAdminURL = errors.New("kratos: no admin URL configured")

// ErrAnswerTooLarge is returned when Kratos answers with more than
// MaxAnswerBytes of body.
var ErrAnswerTooLarge = errors.New("kratos: answer exceeds 5 MiB")

// clientUserAgent identifies the gateway's own requests in Kratos's logs.
const clientUserAgent = "caddy-ory-actions"

// clientDefaultTimeout bounds one whole exchange with Kratos when the caller
// does not bring its own *http.Client. Kratos answers its self-service and
// admin reads in milliseconds; waiting longer only holds a client request.
const clientDefaultTimeout = 10 * time.Second

// Response is a raw answer from Kratos: status, headers and the whole body.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the answer's headers as Kratos sent them.
	Header http.Header
	// Body is the complete answer body (at most MaxAnswerBytes).
	Body []byte
}

// Client talks to one Kratos deployment: its public API and, optionally,
// its admin API. It is safe for concurrent use and reuses connections.
type Client struct {
	public *url.URL
	admin  *url.URL // nil when no admin URL was configured
	hc     *http.Client

	schemas clientSchemaCache
}

// NewClient returns a Client for Kratos's public API at publicURL and admin
// API at adminURL. adminURL may be empty, in which case the admin methods
// fail with ErrNoAdminURL. A trailing "/admin" on adminURL is accepted and
// dropped, because Kratos's admin routes already carry that prefix. hc may be
// nil: the Client then uses its own *http.Client with a 10 s timeout, a
// transport tuned for many concurrent requests to one host, and no redirect
// following (the gateway wants Kratos's raw answers).
func NewClient(publicURL, adminURL string, hc *http.Client) (*Client, error) {
	pub, err := parseKratosBaseURL("public", publicURL)
	if err != nil {
		return nil, err
	}
	c := &Client{public: pub, hc: hc}
	if adminURL != "" {
		adm, err := parseKratosBaseURL("admin", adminURL)
		if err != nil {
			return nil, err
		}
		adm.Path = strings.TrimSuffix(adm.Path, "/admin")
		c.admin = adm
	}
	if c.hc == nil {
		c.hc = newKratosHTTPClient()
	}
	c.schemas.init()
	return c, nil
}

// parseKratosBaseURL checks that raw is an absolute http(s) URL without query
// or fragment and returns it with any trailing slash removed, so paths can be
// appended to it.
func parseKratosBaseURL(which, raw string) (*url.URL, error) {
	// Errors show the URL only in its redacted form: user info in it would
	// be a credential.
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("kratos: %s URL does not parse", which)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("kratos: %s URL %q: scheme must be http or https", which, u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("kratos: %s URL %q has no host", which, u.Redacted())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// User info would be sent as basic auth and may be a secret: never echo it.
		return nil, fmt.Errorf("kratos: %s URL must not carry user info, a query or a fragment", which)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// newKratosHTTPClient builds the default client. Every gateway request that
// needs Kratos's view makes one or two calls to the same host, so idle
// connections per host are raised well above net/http's default of 2.
func newKratosHTTPClient() *http.Client {
	transport := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: clientDefaultTimeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   clientDefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// HasAdmin reports whether the Client was configured with an admin URL.
func (c *Client) HasAdmin() bool { return c.admin != nil }

// clientFlowNames are the self-service flows whose fetch endpoint exists.
// FetchFlow refuses anything else so a caller can never build another path.
var clientFlowNames = map[string]bool{
	"registration": true, "login": true, "settings": true, "recovery": true, "verification": true,
}

// FetchFlow GETs /self-service/<flow>/flows?id=<id> on the public API with
// the end user's credentials (Kratos needs the CSRF cookie for browser
// flows, and the session for settings flows).
func (c *Client) FetchFlow(ctx context.Context, flow, id string, creds Credentials) (Response, error) {
	if !clientFlowNames[flow] {
		return Response{}, fmt.Errorf("kratos: fetch flow: unknown flow type %q", flow)
	}
	if id == "" {
		return Response{}, fmt.Errorf("kratos: fetch %s flow: empty flow id", flow)
	}
	u := c.endpoint(c.public, "/self-service/"+flow+"/flows", "")
	u.RawQuery = url.Values{"id": {id}}.Encode()
	return c.send(ctx, http.MethodGet, u, nil, "", creds.apply, "fetch "+flow+" flow")
}

// Whoami GETs /sessions/whoami on the public API with the end user's
// credentials.
func (c *Client) Whoami(ctx context.Context, creds Credentials) (Response, error) {
	return c.send(ctx, http.MethodGet, c.endpoint(c.public, "/sessions/whoami", ""), nil, "", creds.apply, "whoami")
}

// endpoint returns base with prefix (a fixed path with nothing to escape)
// and then segment (an id, may be empty) appended. The segment is escaped
// so that it stays one path segment whatever it contains.
func (c *Client) endpoint(base *url.URL, prefix, segment string) *url.URL {
	u := *base
	u.Path = base.Path + prefix + segment
	u.RawPath = base.EscapedPath() + prefix + url.PathEscape(segment)
	return &u
}

// send performs one request and reads the whole answer, bounded by
// MaxAnswerBytes. what names the call in errors; errors never contain header
// values, so cookies and tokens cannot leak through them.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte, contentType string,
	setHeaders func(http.Header), what string) (resp Response, err error) {
	// A span per round trip, a child of the caller's (Caddy's request span
	// when its tracing is on; a no-op otherwise).
	ctx, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("github.com/caddy-ory-actions/caddy-ory-actions").
		Start(ctx, "ory_actions.kratos "+what, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("url.path", u.Path)))
	defer func() {
		span.SetAttributes(attribute.Int("http.response.status_code", resp.Status))
		if err != nil {
			span.RecordError(err)
		}
		span.End()
	}()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return Response{}, fmt.Errorf("kratos: %s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", clientUserAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if setHeaders != nil {
		setHeaders(req.Header)
	}
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
	hr, err := c.hc.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("kratos: %s: %w", what, err)
	}
	defer hr.Body.Close()
	data, err := readKratosAnswer(hr.Body)
	if err != nil {
		return Response{}, fmt.Errorf("kratos: %s: %w", what, err)
	}
	return Response{Status: hr.StatusCode, Header: hr.Header, Body: data}, nil
}

// readKratosAnswer reads r completely, failing with ErrAnswerTooLarge beyond
// MaxAnswerBytes instead of truncating: a cut JSON document is worse than
// none.
func readKratosAnswer(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxAnswerBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxAnswerBytes {
		return nil, ErrAnswerTooLarge
	}
	return data, nil
}

// SessionOf asks whoami for the session these credentials carry. It returns
// the whoami answer (the session) on 200, nil and no error when Kratos says
// there is no active session (401, 403), and an error for anything else:
// the caller cannot tell, and must not guess.
func (c *Client) SessionOf(ctx context.Context, creds Credentials) ([]byte, error) {
	resp, err := c.Whoami(ctx, creds)
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusOK:
		return resp.Body, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, nil
	}
	return nil, fmt.Errorf("kratos: whoami answered %d", resp.Status)
}
