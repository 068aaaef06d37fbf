package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// signupRefusal is the text the receiver puts on the e-mail field of a
// test-… sign-up, and what the page must show under that field.
const signupRefusal = "test- addresses cannot sign up here"

// receiver is the web hook receiver of the test: a real HTTP server on
// loopback that records every call and answers as the hooks' owners would.
type receiver struct {
	*httptest.Server

	mu    sync.Mutex
	calls map[string][][]byte // path → bodies, in arrival order
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{calls: map[string][][]byte{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.calls[r.URL.Path] = append(rc.calls[r.URL.Path], body)
	rc.mu.Unlock()

	switch r.URL.Path {
	case "/signup-check":
		status, answer := signupCheck(body)
		writeJSON(w, status, answer)
	case "/welcome-mail":
		w.WriteHeader(http.StatusAccepted)
	case "/settings-profile":
		status, answer := uppercaseFirstName(body)
		writeJSON(w, status, answer)
	default:
		http.NotFound(w, r)
	}
}

// signupCheck refuses test-… addresses with a message on #/traits/email, in
// the shape Kratos maps onto a flow's nodes, and lets the rest pass (200
// without an identity changes nothing).
func signupCheck(body []byte) (int, any) {
	var req struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return http.StatusBadRequest, hookMessage("#/", "the sign-up check could not read the request")
	}
	if strings.HasPrefix(req.Email, "test-") {
		return http.StatusBadRequest, hookMessage("#/traits/email", signupRefusal)
	}
	return http.StatusOK, map[string]any{}
}

// uppercaseFirstName answers the profile check with an identity patch:
// the submitted traits with name.first upper-cased.
func uppercaseFirstName(body []byte) (int, any) {
	var req struct {
		Traits map[string]any `json:"traits"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Traits == nil {
		return http.StatusBadRequest, hookMessage("#/", "the profile check could not read the request")
	}
	if name, ok := req.Traits["name"].(map[string]any); ok {
		if first, ok := name["first"].(string); ok {
			name["first"] = strings.ToUpper(first)
		}
	}
	return http.StatusOK, map[string]any{"identity": map[string]any{"traits": req.Traits}}
}

func hookMessage(pointer, text string) map[string]any {
	return map[string]any{"messages": []any{map[string]any{
		"instance_ptr": pointer,
		"messages":     []any{map[string]any{"id": 4000900, "text": text, "type": "error"}},
	}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bodies returns what path has received so far.
func (rc *receiver) bodies(path string) [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.calls[path]...)
}

// waitFor polls until some body received at path satisfies match, for up to
// 15 s (async hooks arrive after the client's answer), and returns it.
func (rc *receiver) waitFor(path string, match func([]byte) bool) ([]byte, bool) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, b := range rc.bodies(path) {
			if match(b) {
				return b, true
			}
		}
		if time.Now().After(deadline) {
			return nil, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
