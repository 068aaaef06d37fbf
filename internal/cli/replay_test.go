package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
)

// received is one request the loopback receiver got.
type received struct {
	method, path string
	header       http.Header
	body         string
}

// receiver records requests; /interrupt answers like a receiver refusing
// a registration, everything else 200 {}.
type receiver struct {
	mu  sync.Mutex
	got []received
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{r.Method, r.URL.Path, r.Header.Clone(), string(b)})
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/interrupt" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":4000001,"text":"taken","type":"error"}]}]}`)
		return
	}
	io.WriteString(w, `{}`)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// deliveryLine is a delivery log entry as Caddy's JSON log writes it.
func deliveryLine(t *testing.T, hook, id string, body *string) string {
	t.Helper()
	entry := map[string]any{
		"level": "info", "ts": 1.7e9, "logger": "http.handlers.ory_actions", "msg": gateway.DeliveryLogMessage,
		"hook": hook, "flow": "registration", "delivery": id, "async": false,
		"attempts": 1, "status": 200, "duration": 0.004, "outcome": "continue",
	}
	if body != nil {
		entry["body"] = *body
	}
	b, err := json.Marshal(entry)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReplay re-sends logged deliveries to a loopback receiver with the
// hook's method, URL and auth, and prints the outcome; entries without a
// body, and unknown deliveries, fail with a clear message.
func TestReplay(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Caddyfile"), `{
	admin off
}
http://127.0.0.1:18084 {
	ory_actions {
		kratos {
			public_url http://127.0.0.1:1
			admin_url http://127.0.0.1:2
		}
		hook registration after password {
			id crm
			url `+srv.URL+`/hook?src=gateway
			method PUT
			body base64://ZnVuY3Rpb24oY3R4KSBjdHg=
			header X-Source gateway
			auth api_key {
				name X-Api-Key
				value {env.CLI_TEST_KEY}
				in header
			}
			retries 0
		}
		hook registration after {
			id checker
			url `+srv.URL+`/interrupt
			method POST
			body base64://ZnVuY3Rpb24oY3R4KSBjdHg=
			response parse
		}
		hook registration after {
			id down
			url http://127.0.0.1:1/closed
			method POST
			retries 0
		}
	}
	reverse_proxy 127.0.0.1:1
}
`)
	body := "{\n   \"email\": \"ada@example.com\",\n   \"name\": \"Ada \\\"λ\\\" Lovelace\"\n}\n"
	log := strings.Join([]string{
		"2026/01/01 00:00:00.000 INFO a console line replay skips",
		`{"level":"info","ts":1.7e9,"msg":"web hook attempt","hook":"crm"}`,
		deliveryLine(t, "crm", "d-1", &body),
		deliveryLine(t, "crm", "d-2", nil),
		deliveryLine(t, "checker", "d-3", &body),
		deliveryLine(t, "gone", "d-4", &body),
		deliveryLine(t, "down", "d-5", nil),
	}, "\n") + "\n"
	writeFile(t, filepath.Join(dir, "caddy.log"), log)
	env := []string{"CLI_TEST_KEY=replay-key-hush-hush"}

	res := runCaddy(t, dir, env, "replay", "--config", "Caddyfile", "--log", "caddy.log", "--delivery", "d-1").mustSucceed(t)
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != http.MethodPut || r.path != "/hook" || r.body != body {
		t.Errorf("receiver got %s %s %q, want PUT /hook %q", r.method, r.path, r.body, body)
	}
	if r.header.Get("X-Api-Key") != "replay-key-hush-hush" || r.header.Get("X-Source") != "gateway" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("receiver got headers %v", r.header)
	}
	for _, want := range []string{"Replaying delivery d-1 of hook crm", "attempt 1: status 200", "outcome: continue (status 200, 1 attempt)"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "src=gateway") {
		t.Errorf("the URL's query was printed:\n%s", res.stdout)
	}
	assertNoSecrets(t, res)

	res = runCaddy(t, dir, env, "replay", "--config", "Caddyfile", "--log", "caddy.log", "--delivery", "d-3").mustSucceed(t)
	for _, want := range []string{"outcome: interrupt (status 400, 1 attempt)", `"text": "taken"`} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}

	for id, want := range map[string]string{
		"d-2": "delivery d-2 was logged without its body, so it cannot be replayed: bodies are logged only with log_bodies on",
		"d-4": `delivery d-4 was made by hook "gone": no hook with id "gone" in the config`,
		"d-5": "the replayed delivery failed: POST http://127.0.0.1:1/closed giving up after 1 attempt(s)",
		"d-9": `no "web hook delivery" entry with delivery "d-9" in the log (delivery entries read: 5, 1 non-JSON line skipped`,
	} {
		res := runCaddy(t, dir, env, "replay", "--config", "Caddyfile", "--log", "caddy.log", "--delivery", id).mustFail(t)
		if !strings.Contains(res.stderr, want) {
			t.Errorf("%s: stderr lacks %q:\n%s", id, want, res.stderr)
		}
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("receiver got %d requests in all, want 2", n)
	}
}

// TestReplayKeepsTheWebhookID: a signing hook (JSON config) replays with
// the logged delivery id as its webhook-id, freshly signed.
func TestReplayKeepsTheWebhookID(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caddy.json"), `{"apps": {"http": {"servers": {"gw": {"listen": [":18085"], "routes": [{"handle": [{
	  "handler": "ory_actions",
	  "kratos": {"public_url": "http://127.0.0.1:1"},
	  "hooks": [{"id": "signed", "flow": "login", "when": "after",
	    "config": {"url": "`+srv.URL+`/signed", "method": "POST", "body": "base64://ZnVuY3Rpb24oY3R4KSBjdHg="},
	    "sign": {"secrets": ["{env.CLI_TEST_SIGNING}"]}}]
	}]}]}}}}}`)
	body := "{ }\n"
	writeFile(t, filepath.Join(dir, "caddy.log"), deliveryLine(t, "signed", "0b6f1d7e-delivery", &body)+"\n")
	env := []string{"CLI_TEST_SIGNING=whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}

	res := runCaddy(t, dir, env, "replay", "--config", "caddy.json", "--log", "caddy.log", "--delivery", "0b6f1d7e-delivery").mustSucceed(t)
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1\n%s", len(got), res.stdout)
	}
	if id := got[0].header.Get("Webhook-Id"); id != "0b6f1d7e-delivery" {
		t.Errorf("webhook-id %q, want the logged delivery id", id)
	}
	if !strings.HasPrefix(got[0].header.Get("Webhook-Signature"), "v1,") || got[0].body != body {
		t.Errorf("receiver got signature %q and body %q", got[0].header.Get("Webhook-Signature"), got[0].body)
	}
}
