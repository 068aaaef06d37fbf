package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"time"
)

// Set-up steps prepare state (an identity, a session) without being
// recorded: they are not what a scenario compares. A failed set-up is
// recorded, though, so that a broken side never passes silently.

// setupIdentity creates the client's identity through the admin API, with
// a password and an unverified e-mail address.
func (c *client) setupIdentity() {
	body := mustJSON(map[string]any{
		"schema_id": "default",
		"traits":    map[string]any{"email": c.email, "name": map[string]any{"first": "Ada", "last": "Lovelace"}},
		"credentials": map[string]any{
			"password": map[string]any{"config": map[string]any{"password": c.password}},
		},
	})
	r := c.send(request{method: http.MethodPost, base: c.side.admin, path: "/admin/identities",
		accept: "application/json", contentType: "application/json", body: []byte(body)})
	if r.err != nil || r.status != http.StatusCreated {
		c.note("setup identity", fmt.Sprintf("admin create: %d %v %s", r.status, r.err, r.body))
	}
}

// setupLogin signs the client in with a password login straight at Kratos
// (not through the gateway, so no login hook sees it): the API client keeps
// the session token, browser clients the session cookie (the cookie jar
// ignores ports, so the cookie also goes to the gateway).
func (c *client) setupLogin() {
	kind := "browser"
	if c.kind == apiClient {
		kind = "api"
	}
	init := c.send(request{method: http.MethodGet, base: c.side.setup, path: "/self-service/login/" + kind, accept: "application/json"})
	doc := init.json()
	id, _ := doc["id"].(string)
	if init.err != nil || id == "" {
		c.note("setup login", fmt.Sprintf("init: %d %v", init.status, init.err))
		return
	}
	fields := map[string]any{"method": "password", "identifier": c.email, "password": c.password}
	if c.kind != apiClient {
		fields["csrf_token"] = csrfOf(doc)
	}
	r := c.send(request{method: http.MethodPost, base: c.side.setup, path: "/self-service/login?" + url.Values{"flow": {id}}.Encode(),
		accept: "application/json", contentType: "application/json", body: []byte(mustJSON(fields))})
	if r.err != nil || r.status != http.StatusOK {
		c.note("setup login", fmt.Sprintf("submit: %d %v", r.status, r.err))
		return
	}
	if tok, ok := r.json()["session_token"].(string); ok {
		c.token = tok
	}
}

// sixDigits matches the one-time code in Kratos's code e-mails.
var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// courierCode returns the code of the newest message Kratos queued for the
// client's address (a verification or recovery code), waiting briefly.
func (c *client) courierCode() string {
	code := c.waitCourier(sixDigits.FindString)
	if code == "" {
		c.note("courier", "no code message for the client's address")
		return "000000"
	}
	return code
}

// waitCourier polls Kratos's courier for up to 5 s until match finds
// something ("" = nothing) in the newest message queued for the client's
// address, and returns what it found ("" after the wait).
func (c *client) waitCourier(match func(body string) string) string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.send(request{method: http.MethodGet, base: c.side.admin,
			path: "/admin/courier/messages?" + url.Values{"recipient": {c.email}}.Encode(), accept: "application/json"})
		var msgs []struct {
			Body      string    `json:"body"`
			CreatedAt time.Time `json:"created_at"`
		}
		if r.err == nil && r.status == http.StatusOK && json.Unmarshal(r.body, &msgs) == nil && len(msgs) > 0 {
			sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].CreatedAt.After(msgs[j].CreatedAt) })
			if found := match(msgs[0].Body); found != "" {
				return found
			}
		}
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mustJSON encodes script data, which is always encodable.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("conformance: %v", err))
	}
	return string(b)
}
