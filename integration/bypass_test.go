package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// The adversarial matrix of the no-bypass promise: every request shape an
// attacker can send must either run the hook that guards it or be refused,
// and in both cases nothing the hook would refuse may be stored. The guard
// refuses any identity whose e-mail starts with "test-", as the demo's
// receiver does.

// guardMessages is the guard's interrupt.
const guardMessages = `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":4711,"text":"test- addresses are not allowed","type":"error"}]}]}`

// guardReceiver refuses test- addresses and lets everything else through.
func guardReceiver(t *testing.T) *receiver {
	return newReceiver(t, func(_ int, call receivedCall) answer {
		email := gjson.GetBytes(call.Body, "identity.traits.email").String()
		if strings.HasPrefix(email, "test-") {
			return answer{status: http.StatusBadRequest, body: guardMessages}
		}
		return answer{status: http.StatusOK, body: `{}`}
	})
}

// guardedGateway has the guard on registration (every method), settings
// (every method) and login (every method).
func guardedGateway(t *testing.T, rc *receiver) *gateway {
	return startGateway(t, strings.Join([]string{
		hookBlock("registration after", rc.URL()+"/registration", "response parse"),
		hookBlock("settings after", rc.URL()+"/settings", "response parse"),
		hookBlock("login after", rc.URL()+"/login", "response parse"),
	}, "\n"))
}

// rawRequest sends exactly this request line, headers and body over a new
// connection, so no client library cleans the path or merges headers.
func rawRequest(t *testing.T, base, method, target string, header http.Header, body []byte) response {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, u.Host)
	chunked := header.Get("Transfer-Encoding") == "chunked"
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if !chunked && (body != nil || method == "POST") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	if chunked {
		fmt.Fprintf(&b, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	} else {
		b.Write(body)
	}
	if _, err := conn.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Method: method}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// jsonHeader is the header of an API client's JSON submit.
func jsonHeader(contentType string) http.Header {
	return http.Header{"Accept": {"application/json"}, "Content-Type": {contentType}}
}

func registrationJSON(email string) []byte {
	return []byte(fmt.Sprintf(`{"method":"password","password":"Correct-Horse-Battery-9","traits":{"email":%q}}`, email))
}

// apiRegistrationFlow starts an API registration flow through the gateway.
func apiRegistrationFlow(t *testing.T, gw *gateway) string {
	t.Helper()
	c := newFlowClient(t, gw.URL, apiClient)
	return c.mustInit("registration").json("id").String()
}

// TestRegistrationSpellingsRunTheHookOrAreRefused: each spelling of the
// submit is sent twice, with a test- address (the hook must refuse it, or
// the gateway must) and with an allowed one (Kratos executes the spelling:
// the hook must have seen exactly that address).
func TestRegistrationSpellingsRunTheHookOrAreRefused(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	type shape struct {
		name    string
		target  func(flow string) string
		method  string
		header  http.Header
		body    func(email string) []byte
		refused bool // the gateway itself answers; Kratos never sees it
	}
	canonical := func(flow string) string { return "/self-service/registration?flow=" + flow }
	js := func(email string) []byte { return registrationJSON(email) }
	shapes := []shape{
		{name: "canonical", target: canonical},
		{name: "double slash before", target: func(f string) string { return "//self-service/registration?flow=" + f }},
		{name: "double slash inside", target: func(f string) string { return "/self-service//registration?flow=" + f }},
		{name: "dot segment", target: func(f string) string { return "/self-service/./registration?flow=" + f }},
		{name: "dot-dot segment", target: func(f string) string { return "/x/../self-service/registration?flow=" + f }},
		{name: "dot-dot above root", target: func(f string) string { return "/../self-service/registration?flow=" + f }},
		{name: "encoded slash", target: func(f string) string { return "/self-service%2Fregistration?flow=" + f }},
		{name: "encoded letter", target: func(f string) string { return "/%73elf-service/registration?flow=" + f }},
		{name: "encoded dot-dot", target: func(f string) string { return "/self-service/%2e%2e/self-service/registration?flow=" + f }},
		{name: "duplicate flow", target: func(f string) string { return canonical(f) + "&flow=00000000-0000-0000-0000-000000000001" }},
		{name: "bad pair before flow", target: func(f string) string { return "/self-service/registration?flow=x;y&flow=" + f }},
		{name: "flow without dashes", target: func(f string) string { return canonical(strings.ReplaceAll(f, "-", "")) }},
		{name: "flow in upper case", target: func(f string) string { return canonical(strings.ToUpper(f)) }},
		{name: "flow in braces", target: func(f string) string { return canonical("{" + f + "}") }},
		{name: "flow as urn", target: func(f string) string { return canonical("urn:uuid:" + f) }},
		{name: "json with charset", target: canonical, header: jsonHeader("application/json; charset=utf-8")},
		{name: "json in a type list", target: canonical, header: jsonHeader("text/plain, application/json")},
		{name: "json upper case type", target: canonical, header: jsonHeader("Application/JSON")},
		{name: "json with trailing data", target: canonical, body: func(e string) []byte { return append(js(e), " {} junk"...) }},
		{name: "dotted traits", target: canonical, body: func(e string) []byte {
			return []byte(fmt.Sprintf(`{"method":"password","password":"Correct-Horse-Battery-9","traits.email":%q}`, e))
		}},
		{name: "duplicate traits key", target: canonical, body: func(e string) []byte {
			return []byte(fmt.Sprintf(`{"method":"password","password":"Correct-Horse-Battery-9","traits":{"email":"decoy-%d@example.com"},"traits":{"email":%q}}`, nowNano(), e))
		}},
		{name: "chunked body", target: canonical, header: http.Header{"Accept": {"application/json"}, "Content-Type": {"application/json"}, "Transfer-Encoding": {"chunked"}}},
		{name: "form with charset", target: canonical, header: http.Header{"Accept": {"application/json"}, "Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
			body: func(e string) []byte {
				return []byte(url.Values{"method": {"password"}, "password": {"Correct-Horse-Battery-9"}, "traits.email": {e}}.Encode())
			}},
		{name: "query traits do not count", target: func(f string) string {
			return canonical(f) + "&traits.email=test-query-" + fmt.Sprint(nowNano()) + "%40example.com"
		}},
		// Refused by the gateway.
		{name: "trailing slash", target: func(f string) string { return "/self-service/registration/?flow=" + f }, refused: true},
		{name: "letter case", target: func(f string) string { return "/Self-Service/Registration?flow=" + f }, refused: true},
		{name: "semicolon in path", target: func(f string) string { return "/self-service/registration;x?flow=" + f }, refused: true},
		{name: "PUT", target: canonical, method: "PUT", refused: true},
		{name: "PATCH", target: canonical, method: "PATCH", refused: true},
		{name: "DELETE", target: canonical, method: "DELETE", refused: true},
		{name: "json with a BOM", target: canonical, body: func(e string) []byte { return append([]byte("\xef\xbb\xbf"), js(e)...) }, refused: true},
		{name: "traits object and dotted traits", target: canonical, body: func(e string) []byte {
			return []byte(fmt.Sprintf(`{"method":"password","password":"Correct-Horse-Battery-9","traits":{"email":"decoy@example.com"},"traits.email":%q}`, e))
		}, refused: true},
		{name: "unknown content type", target: canonical, header: jsonHeader("text/plain"), refused: true},
		{name: "oidc with a provider", target: canonical, body: func(e string) []byte {
			return []byte(fmt.Sprintf(`{"method":"oidc","provider":"google","traits":{"email":%q}}`, e))
		}, refused: true},
		{name: "provider without method", target: canonical, body: func(e string) []byte {
			return []byte(fmt.Sprintf(`{"provider":"google","id_token":"x","traits":{"email":%q}}`, e))
		}, refused: true},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			method, header, body := sh.method, sh.header, sh.body
			if method == "" {
				method = "POST"
			}
			if header == nil {
				header = jsonHeader("application/json")
			}
			if body == nil {
				body = js
			}
			for _, allowed := range []bool{false, true} {
				email := freshEmail("test-" + strings.ReplaceAll(sh.name, " ", "-"))
				if allowed {
					email = strings.TrimPrefix(email, "test-")
				}
				flow := apiRegistrationFlow(t, gw)
				before := len(rc.Calls())
				r := rawRequest(t, gw.URL, method, sh.target(flow), header.Clone(), body(email))
				calls := rc.Calls()[before:]
				stored := identitiesByEmail(t, gw, email)
				sawIt := false
				for _, c := range calls {
					sawIt = sawIt || gjson.GetBytes(c.Body, "identity.traits.email").String() == email
				}
				switch {
				case sh.refused:
					if r.Status < 400 || len(calls) > 0 || len(stored) > 0 {
						t.Errorf("allowed=%v: want a refusal with no hook call and nothing stored, got %d, %d calls, %d stored: %s", allowed, r.Status, len(calls), len(stored), r.Body)
					}
				case !allowed:
					if len(stored) > 0 {
						t.Errorf("a test- address was stored: %d %s", r.Status, r.Body)
					}
					if !sawIt && r.Status < 400 {
						t.Errorf("neither the hook nor the gateway refused: %d %s", r.Status, r.Body)
					}
				default:
					if len(stored) == 1 && !sawIt {
						t.Errorf("Kratos stored an identity the hook never saw: %d %s", r.Status, r.Body)
					}
					if len(stored) != 1 {
						t.Errorf("want the allowed address stored (Kratos executes this spelling), got %d: %d %s", len(stored), r.Status, r.Body)
					}
				}
			}
		})
	}
}

// TestRegistrationMultipartIsRefused: Kratos v1.3.1 accepts multipart
// bodies but reads none of their fields; the gateway refuses them on
// hooked flows rather than guess.
func TestRegistrationMultipartIsRefused(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	flow := apiRegistrationFlow(t, gw)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	email := freshEmail("test-multipart")
	for k, v := range map[string]string{"method": "password", "password": "Correct-Horse-Battery-9", "traits.email": email} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	r := rawRequest(t, gw.URL, "POST", "/self-service/registration?flow="+flow+"&method=password",
		http.Header{"Accept": {"application/json"}, "Content-Type": {mw.FormDataContentType()}}, b.Bytes())
	if r.Status != http.StatusBadRequest || len(rc.Calls()) != 0 || len(identitiesByEmail(t, gw, email)) != 0 {
		t.Fatalf("want the gateway's 400 and nothing else, got %s", r)
	}
}

// TestRegistrationGETSubmitStoresNothing: Kratos routes GET on the submit
// path, but its password decoder refuses GET; nothing may be stored, and
// the guard is not asked about a submit Kratos refuses.
func TestRegistrationGETSubmitStoresNothing(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	flow := apiRegistrationFlow(t, gw)
	for _, email := range []string{freshEmail("test-get"), freshEmail("get")} {
		q := url.Values{"flow": {flow}, "method": {"password"}, "password": {"Correct-Horse-Battery-9"}, "traits.email": {email}}
		r := rawRequest(t, gw.URL, "GET", "/self-service/registration?"+q.Encode(), http.Header{"Accept": {"application/json"}}, nil)
		if n := len(identitiesByEmail(t, gw, email)); n != 0 {
			t.Fatalf("a GET registration stored %d identities: %s", n, r)
		}
	}
}

// TestBrowserFlowWithAnotherCSRFPairIsRefused: a browser flow created by
// one client, submitted by another with its own consistent CSRF cookie and
// token. Kratos checks the pair, not the flow's own token, so it would
// accept the submit; the gateway cannot load the flow with that cookie,
// cannot run the hook, and must not forward it.
func TestBrowserFlowWithAnotherCSRFPairIsRefused(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	victim := newFlowClient(t, gw.URL, browserJSONClient)
	flow := victim.mustInit("registration")
	attacker := newFlowClient(t, gw.URL, browserJSONClient)
	own := attacker.mustInit("registration") // gives the attacker a CSRF cookie and its token
	email := freshEmail("test-csrf")
	fields := registrationFields(email)
	fields["csrf_token"] = csrfToken(own)
	body := []byte(fmt.Sprintf(`{"method":"password","password":"Correct-Horse-Battery-9","csrf_token":%q,"traits":{"email":%q}}`, csrfToken(own), email))
	r := attacker.do(http.MethodPost, "/self-service/registration?flow="+flow.json("id").String(), body, nil)
	if r.Status < 400 {
		t.Fatalf("want a refusal, got %s", r)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Fatalf("stored %d identities past the hook", n)
	}
}
