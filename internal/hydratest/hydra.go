// Package hydratest starts a real Ory Hydra v2.3.0 for tests: the OpenID
// Connect provider Kratos's social sign-in talks to. Hydra is built from
// the repository's tools/hydra module once; each test gets its own Hydra
// on free loopback ports with an in-memory database, one OAuth2 client,
// and a login and consent endpoint of the test's own that accepts every
// challenge through Hydra's admin API for the user the test chose.
package hydratest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// User is who signs in at the provider: the subject and the e-mail claim
// of the ID token. A user without an e-mail gets an ID token without the
// claim, and Kratos's mapper leaves the required e-mail trait unset: Kratos
// then asks the browser for it on the registration flow.
type User struct {
	Subject string
	Email   string
}

// Hydra is one running Hydra with its client and its login/consent app.
type Hydra struct {
	// IssuerURL is Hydra's public URL (the OIDC issuer), with a trailing
	// slash as Hydra's discovery document names it.
	IssuerURL string
	AdminURL  string
	// ClientID and ClientSecret are the OAuth2 client Kratos uses.
	ClientID, ClientSecret string

	mu      sync.Mutex
	adminMu sync.Mutex
	user    User
	// byRedirect are the users of sign-ins whose client redirects to a
	// given URI (one Kratos each), besides the default user.
	byRedirect map[string]User
	// emails maps the subjects signed in to their e-mail claims.
	emails map[string]string
	// Logins counts the login challenges the app accepted.
	logins int
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns $HYDRA_BIN, or <repo>/bin/hydra, built from tools/hydra
// when missing.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("HYDRA_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		buildPath, _, buildErr = kratostest.EnsureTool("hydra", "-tags", "sqlite", "github.com/ory/hydra/v2")
	})
	if buildErr != nil {
		t.Fatalf("hydratest: %v", buildErr)
	}
	return buildPath
}

// Start runs a Hydra whose client may redirect to redirectURI, stopped by
// the test's cleanup.
func Start(t *testing.T, redirectURI string) *Hydra {
	t.Helper()
	bin := Binary(t)
	h := &Hydra{byRedirect: map[string]User{}, emails: map[string]string{}}
	app := httptest.NewServer(http.HandlerFunc(h.serveApp))
	t.Cleanup(app.Close)

	publicPort, adminPort := kratostest.FreePort(t), kratostest.FreePort(t)
	h.IssuerURL = fmt.Sprintf("http://127.0.0.1:%d/", publicPort)
	h.AdminURL = fmt.Sprintf("http://127.0.0.1:%d", adminPort)
	dir := t.TempDir()
	cfg := map[string]any{
		"dsn": "memory",
		"serve": map[string]any{
			"public": map[string]any{"host": "127.0.0.1", "port": publicPort},
			"admin":  map[string]any{"host": "127.0.0.1", "port": adminPort},
		},
		"urls": map[string]any{
			"self":    map[string]any{"issuer": h.IssuerURL},
			"login":   app.URL + "/login",
			"consent": app.URL + "/consent",
		},
		"secrets": map[string]any{"system": []string{randomHex(16)}},
		"log":     map[string]any{"level": "warn"},
	}
	doc, _ := json.Marshal(cfg) // maps of strings and numbers always encode
	cfgPath := filepath.Join(dir, "hydra.json")
	if err := os.WriteFile(cfgPath, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "hydra.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out", "--config", cfgPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("hydratest: starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
	})
	if err := waitReady(h, exited); err != nil {
		log, _ := os.ReadFile(logFile.Name())
		t.Fatalf("hydratest: %v\n--- hydra log ---\n%s", err, log)
	}
	c, err := h.NewClient(redirectURI)
	if err != nil {
		t.Fatalf("hydratest: creating the OAuth2 client: %v", err)
	}
	h.ClientID, h.ClientSecret = c.ID, c.Secret
	return h
}

// Client is an OAuth2 client of Hydra's.
type Client struct{ ID, Secret string }

// NewClient creates an OAuth2 client that may redirect to redirectURI
// ("" for none yet): one per Kratos, so that setting a Kratos's callback
// URL later (AllowRedirectFor) never rewrites a client another Kratos is
// signing in with.
func (h *Hydra) NewClient(redirectURI string) (Client, error) {
	c := Client{Secret: randomHex(16)}
	var out struct {
		ClientID string `json:"client_id"`
	}
	err := h.admin(http.MethodPost, "/admin/clients", clientDoc(c, redirectURI), &out)
	c.ID = out.ClientID
	return c, err
}

// AllowRedirectFor sets the one redirect URI of client c (its Kratos's
// callback URL, known once that Kratos has started), replacing the whole
// client, secret included (Hydra keeps only its hash).
func (h *Hydra) AllowRedirectFor(c Client, uri string) error {
	doc := clientDoc(c, uri)
	doc["client_id"] = c.ID
	return h.admin(http.MethodPut, "/admin/clients/"+url.PathEscape(c.ID), doc, nil)
}

// clientDoc is the client Kratos's generic provider signs in with.
func clientDoc(c Client, redirectURI string) map[string]any {
	uris := []string{}
	if redirectURI != "" {
		uris = append(uris, redirectURI)
	}
	return map[string]any{
		"client_secret":              c.Secret,
		"redirect_uris":              uris,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code", "id_token"},
		"scope":                      "openid email offline_access",
		"token_endpoint_auth_method": "client_secret_basic",
	}
}

// SignInAs makes the login app accept the next challenges as u.
func (h *Hydra) SignInAs(u User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.user = u
}

// SignInAsFor makes the login app accept sign-ins that return to
// redirectURI as u (for several Kratoses sharing one Hydra).
func (h *Hydra) SignInAsFor(redirectURI string, u User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byRedirect[redirectURI] = u
}

// userFor is the user of a login request whose authorization URL is
// requestURL.
func (h *Hydra) userFor(requestURL string) User {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u, err := url.Parse(requestURL); err == nil {
		if user, ok := h.byRedirect[u.Query().Get("redirect_uri")]; ok {
			return user
		}
	}
	return h.user
}

// Logins is how many login challenges the app accepted.
func (h *Hydra) Logins() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logins
}

// serveApp is the login and consent app: it accepts every challenge with
// Hydra's admin API and sends the browser on.
func (h *Hydra) serveApp(w http.ResponseWriter, r *http.Request) {
	var redirect struct {
		RedirectTo string `json:"redirect_to"`
	}
	var err error
	switch r.URL.Path {
	case "/login":
		q := url.Values{"login_challenge": {r.URL.Query().Get("login_challenge")}}
		var req struct {
			RequestURL string `json:"request_url"`
		}
		if err = h.admin(http.MethodGet, "/admin/oauth2/auth/requests/login?"+q.Encode(), nil, &req); err != nil {
			break
		}
		u := h.userFor(req.RequestURL)
		err = h.admin(http.MethodPut, "/admin/oauth2/auth/requests/login/accept?"+q.Encode(),
			map[string]any{"subject": u.Subject, "remember": false}, &redirect)
		if err == nil {
			h.mu.Lock()
			h.logins++
			h.emails[u.Subject] = u.Email
			h.mu.Unlock()
		}
	case "/consent":
		q := url.Values{"consent_challenge": {r.URL.Query().Get("consent_challenge")}}
		var req struct {
			Subject           string   `json:"subject"`
			RequestedScope    []string `json:"requested_scope"`
			RequestedAudience []string `json:"requested_access_token_audience"`
		}
		if err = h.admin(http.MethodGet, "/admin/oauth2/auth/requests/consent?"+q.Encode(), nil, &req); err == nil {
			h.mu.Lock()
			email := h.emails[req.Subject]
			h.mu.Unlock()
			claims := map[string]any{}
			if email != "" {
				claims["email"], claims["email_verified"] = email, true
			}
			err = h.admin(http.MethodPut, "/admin/oauth2/auth/requests/consent/accept?"+q.Encode(), map[string]any{
				"grant_scope":                 req.RequestedScope,
				"grant_access_token_audience": req.RequestedAudience,
				"session":                     map[string]any{"id_token": claims},
			}, &redirect)
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, redirect.RedirectTo, http.StatusFound)
}

// admin calls Hydra's admin API with a JSON body and decodes the answer.
// Hydra on its in-memory database refuses concurrent writes ("Unable to
// serialize access due to a concurrent update"): calls are serialised and
// such a refusal is retried.
func (h *Hydra) admin(method, path string, body, out any) error {
	h.adminMu.Lock()
	defer h.adminMu.Unlock()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = h.adminOnce(method, path, body, out); err == nil || !strings.Contains(err.Error(), "concurrent update") {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	return err
}

func (h *Hydra) adminOnce(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.AdminURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, strings.Split(path, "?")[0], resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// waitReady polls Hydra's readiness endpoints until both answer.
func waitReady(h *Hydra, exited <-chan struct{}) error {
	deadline := time.Now().Add(120 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	// Hydra's first discovery request generates the id-token signing keys
	// (RSA), which takes seconds on a busy machine; a short timeout would
	// abandon the request and make Hydra start over on the next poll.
	slow := &http.Client{Timeout: 60 * time.Second}
	for {
		if ok200(hc, h.AdminURL+"/health/ready") && ok200(slow, h.IssuerURL+".well-known/openid-configuration") {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("hydra exited before it was ready")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hydra not ready after 120s")
		}
	}
}

func ok200(hc *http.Client, u string) bool {
	resp, err := hc.Get(u)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// mapper maps the ID token's e-mail claim, when there is one, to the
// e-mail trait.
const mapper = `local claims = std.extVar('claims');
{ identity: { traits: { [if 'email' in claims then 'email' else null]: claims.email } } }`

// KratosProvider returns a kratostest Configure function that makes Hydra
// Kratos's "hydra" OIDC provider, signing in as client c, with the session
// hook after oidc registration (the usual setup).
func (h *Hydra) KratosProvider(c Client) func(cfg map[string]any) {
	return func(cfg map[string]any) {
		kratostest.SetConfig(cfg, "selfservice.methods.oidc", map[string]any{"enabled": true, "config": map[string]any{
			"providers": []any{map[string]any{
				"id": "hydra", "provider": "generic", "client_id": c.ID, "client_secret": c.Secret,
				"issuer_url": h.IssuerURL, "scope": []string{"openid", "email"},
				"mapper_url": "base64://" + base64.StdEncoding.EncodeToString([]byte(mapper)),
			}},
		}})
		kratostest.SetConfig(cfg, "selfservice.flows.registration.after.oidc", map[string]any{"hooks": []any{map[string]any{"hook": "session"}}})
	}
}
