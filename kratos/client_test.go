package kratos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// clientSeenRequest is what a fake Kratos received.
type clientSeenRequest struct {
	Method, Path, RawPath, RawQuery string
	Header                          http.Header
	Body                            string
}

// clientFakeKratos is an httptest server that records every request and answers
// with the handler given (or 200 "{}").
type clientFakeKratos struct {
	*httptest.Server
	mu   sync.Mutex
	seen []clientSeenRequest
}

func newClientFakeKratos(t *testing.T, answer http.HandlerFunc) *clientFakeKratos {
	t.Helper()
	f := &clientFakeKratos{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, clientSeenRequest{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header.Clone(), string(body)})
		f.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *clientFakeKratos) requests() []clientSeenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]clientSeenRequest(nil), f.seen...)
}

// only returns the single request the fake received, failing otherwise.
func (f *clientFakeKratos) only(t *testing.T) clientSeenRequest {
	t.Helper()
	seen := f.requests()
	if len(seen) != 1 {
		t.Fatalf("fake Kratos got %d requests, want 1: %+v", len(seen), seen)
	}
	return seen[0]
}

func mustNewClientForTest(t *testing.T, public, admin string) *Client {
	t.Helper()
	c, err := NewClient(public, admin, nil)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func TestClientFetchFlowSendsPathAndCredentials(t *testing.T) {
	tests := []struct {
		name, flow, id, cookie, token string
		wantQuery                     string
	}{
		{"browser flow with csrf cookie", "registration", "fd5c45ed", "csrf_token_abc=xyz; other=1", "", "id=fd5c45ed"},
		{"api settings flow with token", "settings", "1234", "", "ory_st_secret", "id=1234"},
		{"no credentials", "login", "a b&c", "", "", "id=a+b%26c"},
		{"both credentials", "verification", "v1", "ory_kratos_session=s", "ory_st_t", "id=v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Probe", "p")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"error":{"code":403}}`))
			})
			c := mustNewClientForTest(t, fake.URL, "")
			resp, err := c.FetchFlow(context.Background(), tt.flow, tt.id, Credentials{Cookie: tt.cookie, SessionToken: tt.token})
			if err != nil {
				t.Fatalf("FetchFlow: %v", err)
			}
			if resp.Status != http.StatusForbidden || string(resp.Body) != `{"error":{"code":403}}` || resp.Header.Get("X-Probe") != "p" {
				t.Errorf("response = %d %q %v, want the fake's raw answer", resp.Status, resp.Body, resp.Header)
			}
			got := fake.only(t)
			if got.Method != http.MethodGet || got.Path != "/self-service/"+tt.flow+"/flows" || got.RawQuery != tt.wantQuery {
				t.Errorf("request = %s %s?%s", got.Method, got.Path, got.RawQuery)
			}
			if got.Header.Get("Cookie") != tt.cookie {
				t.Errorf("Cookie = %q, want %q", got.Header.Get("Cookie"), tt.cookie)
			}
			if got.Header.Get("X-Session-Token") != tt.token {
				t.Errorf("X-Session-Token = %q, want %q", got.Header.Get("X-Session-Token"), tt.token)
			}
			if _, present := got.Header["X-Session-Token"]; present != (tt.token != "") {
				t.Errorf("X-Session-Token present = %v with token %q", present, tt.token)
			}
			if got.Header.Get("Accept") != "application/json" {
				t.Errorf("Accept = %q, want application/json (else Kratos answers HTML redirects)", got.Header.Get("Accept"))
			}
		})
	}
}

func TestClientFetchFlowRejectsBadArguments(t *testing.T) {
	fake := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, fake.URL, "")
	for _, tt := range []struct{ flow, id string }{
		{"logout", "x"}, {"../admin", "x"}, {"", "x"}, {"registration", ""},
	} {
		if _, err := c.FetchFlow(context.Background(), tt.flow, tt.id, Credentials{}); err == nil {
			t.Errorf("FetchFlow(%q, %q) succeeded, want an error", tt.flow, tt.id)
		}
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("fake got %d requests for rejected arguments, want 0", n)
	}
}

func TestClientWhoamiForwardsCookieOrToken(t *testing.T) {
	fake := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, fake.URL+"/", "")
	if _, err := c.Whoami(context.Background(), Credentials{Cookie: "ory_kratos_session=abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Whoami(context.Background(), Credentials{SessionToken: "ory_st_tok"}); err != nil {
		t.Fatal(err)
	}
	seen := fake.requests()
	if len(seen) != 2 {
		t.Fatalf("got %d requests, want 2", len(seen))
	}
	for _, r := range seen {
		if r.Method != http.MethodGet || r.Path != "/sessions/whoami" {
			t.Errorf("request = %s %s, want GET /sessions/whoami", r.Method, r.Path)
		}
	}
	if seen[0].Header.Get("Cookie") != "ory_kratos_session=abc" || seen[0].Header.Get("X-Session-Token") != "" {
		t.Errorf("cookie call sent Cookie=%q token=%q", seen[0].Header.Get("Cookie"), seen[0].Header.Get("X-Session-Token"))
	}
	if seen[1].Header.Get("X-Session-Token") != "ory_st_tok" || seen[1].Header.Get("Cookie") != "" {
		t.Errorf("token call sent Cookie=%q token=%q", seen[1].Header.Get("Cookie"), seen[1].Header.Get("X-Session-Token"))
	}
}

func TestNewClientValidatesURLs(t *testing.T) {
	tests := []struct {
		name, public, admin string
		wantErr             bool
		wantHasAdmin        bool
	}{
		{"public only", "http://127.0.0.1:4433", "", false, false},
		{"both", "https://kratos.example", "http://127.0.0.1:4434/", false, true},
		{"no scheme", "127.0.0.1:4433", "", true, false},
		{"ftp scheme", "ftp://kratos", "", true, false},
		{"no host", "http://", "", true, false},
		{"query", "http://kratos/?x=1", "", true, false},
		{"bad admin", "http://kratos", "admin:4434", true, false},
		{"admin with user info", "http://kratos", "http://user:hunter2@kratos:4434", true, false},
		{"user info and bad scheme", "ftp://user:hunter2@kratos", "", true, false},
		{"user info and bad syntax", "http://user:hunter2@kratos:port", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.public, tt.admin, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewClient(%q, %q) error = %v, want error %v", tt.public, tt.admin, err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q leaks a password", err)
				}
				return
			}
			if c.HasAdmin() != tt.wantHasAdmin {
				t.Errorf("HasAdmin = %v, want %v", c.HasAdmin(), tt.wantHasAdmin)
			}
		})
	}
}

func TestClientKeepsBasePathsAndDropsAdminSuffix(t *testing.T) {
	fake := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, fake.URL+"/kratos/", fake.URL+"/admin/")
	if _, err := c.Whoami(context.Background(), Credentials{SessionToken: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIdentity(context.Background(), "id1"); err != nil {
		t.Fatal(err)
	}
	seen := fake.requests()
	if len(seen) != 2 || seen[0].Path != "/kratos/sessions/whoami" || seen[1].Path != "/admin/identities/id1" {
		t.Errorf("paths = %+v, want /kratos/sessions/whoami and /admin/identities/id1", seen)
	}
}

func TestClientBoundsAnswers(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr error
	}{
		{"at the cap", MaxAnswerBytes, nil},
		{"one byte over", MaxAnswerBytes + 1, ErrAnswerTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(strings.Repeat("a", tt.size)))
			})
			c := mustNewClientForTest(t, fake.URL, "")
			resp, err := c.Whoami(context.Background(), Credentials{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Whoami error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(resp.Body) != tt.size {
				t.Errorf("body length = %d, want %d", len(resp.Body), tt.size)
			}
		})
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusSeeOther)
	})
	c := mustNewClientForTest(t, fake.URL, "")
	resp, err := c.FetchFlow(context.Background(), "login", "x", Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("got %d Location=%q, want Kratos's raw 303", resp.Status, resp.Header.Get("Location"))
	}
	if n := len(fake.requests()); n != 1 {
		t.Errorf("fake got %d requests, want 1 (redirect not followed)", n)
	}
}

func TestClientErrorsDoNotLeakCredentials(t *testing.T) {
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		// Drop the connection without answering.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	c := mustNewClientForTest(t, fake.URL, "")
	const cookie, token = "ory_kratos_session=SECRETCOOKIE", "ory_st_SECRETTOKEN"
	_, err1 := c.FetchFlow(context.Background(), "settings", "f", Credentials{Cookie: cookie, SessionToken: token})
	_, err2 := c.Whoami(context.Background(), Credentials{Cookie: cookie, SessionToken: token})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err3 := c.Whoami(ctx, Credentials{Cookie: cookie, SessionToken: token})
	for i, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatalf("call %d succeeded against a server that drops connections", i)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("call %d error %q leaks a credential", i, err)
		}
	}
	if !errors.Is(err3, context.Canceled) {
		t.Errorf("cancelled call error = %v, want context.Canceled", err3)
	}
}
