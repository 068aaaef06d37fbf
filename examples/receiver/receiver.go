package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBody caps a webhook body; Kratos's templates render far less.
const maxBody = 1 << 20

// loggedHeaders are the request headers worth seeing in the log. The API key
// header is deliberately absent: only whether it matched is logged.
var loggedHeaders = []string{
	"Content-Type", "User-Agent", "Ory-Webhook-Request-Id", "Webhook-Id", "Webhook-Timestamp", "Traceparent",
}

// webhook is one received request as GET /received lists it.
type webhook struct {
	Time      time.Time         `json:"time"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body,omitempty"`
	RawBody   string            `json:"raw_body,omitempty"`  // when the body is not JSON
	Status    int               `json:"status"`              // what the receiver answered
	KeyStatus string            `json:"api_key"`             // ok, wrong or missing; never the value
	Signature string            `json:"signature,omitempty"` // ok, missing, stale or bad; absent when not checked
	Duplicate bool              `json:"duplicate,omitempty"` // a webhook-id already answered: its answer was replayed
}

// receiver holds the expected API key, the signing secrets (nil: signatures
// are not checked) and what has arrived so far.
type receiver struct {
	key    string
	sigs   *signatures
	once   *idempotency
	logger *log.Logger

	mu       sync.Mutex
	received []webhook
}

func newReceiver(key string, sigs *signatures, logger *log.Logger) *receiver {
	return &receiver{key: key, sigs: sigs, once: newIdempotency(), logger: logger, received: []webhook{}}
}

// routes maps the endpoints the example Caddyfile's hooks call.
func (rc *receiver) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup-check", rc.webhook(signupCheck))
	mux.HandleFunc("POST /profile-check", rc.webhook(profileCheck))
	mux.HandleFunc("POST /events", rc.webhook(func([]byte) (int, any) { return http.StatusNoContent, nil }))
	mux.HandleFunc("GET /received", rc.list)
	return mux
}

// decide turns a webhook body into the status and JSON answer to send
// (no body when the answer is nil).
type decide func(body []byte) (int, any)

// webhook wraps an endpoint: it reads and records the request, checks the
// API key and, when it has secrets, the signature, acts once per
// webhook-id, and logs the exchange.
func (rc *receiver) webhook(next decide) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		wh := webhook{Time: time.Now().UTC(), Method: r.Method, Path: r.URL.Path, Headers: map[string]string{}}
		for _, h := range loggedHeaders {
			if v := r.Header.Get(h); v != "" {
				wh.Headers[h] = v
			}
		}
		if json.Valid(body) {
			wh.Body = body
		} else {
			wh.RawBody = string(body)
		}

		var answer any
		wh.KeyStatus = rc.checkKey(r.Header.Get("X-Api-Key"))
		if rc.sigs != nil {
			wh.Signature = rc.sigs.check(body, r.Header)
		}
		switch {
		case wh.KeyStatus != "ok":
			wh.Status, answer = http.StatusUnauthorized, map[string]string{"error": "missing or wrong X-Api-Key"}
		case rc.sigs != nil && wh.Signature != sigOK:
			wh.Status, answer = http.StatusUnauthorized, map[string]string{"error": "missing, stale or bad webhook signature"}
		default:
			var res result
			res, wh.Duplicate, err = rc.act(r, body, next)
			if err != nil {
				return // the sender gave up waiting for the first copy
			}
			wh.Status, answer = res.status, res.answer
		}

		rc.mu.Lock()
		rc.received = append(rc.received, wh)
		rc.mu.Unlock()
		rc.logger.Print(describe(wh))

		if answer == nil {
			w.WriteHeader(wh.Status)
			return
		}
		writeJSON(w, wh.Status, answer)
	}
}

// act runs next once per webhook-id. Only a verified id is trusted: it is
// signed together with the body, so an unsigned or unchecked request (no
// secrets configured) is always acted on.
func (rc *receiver) act(r *http.Request, body []byte, next decide) (result, bool, error) {
	run := func() result {
		status, answer := next(body)
		return result{status: status, answer: answer}
	}
	id := r.Header.Get("Webhook-Id")
	if rc.sigs == nil || id == "" {
		return run(), false, nil
	}
	return rc.once.do(r.Context(), id, run)
}

// checkKey compares in constant time so the key cannot be guessed byte by
// byte from response times.
func (rc *receiver) checkKey(got string) string {
	switch {
	case got == "":
		return "missing"
	case subtle.ConstantTimeCompare([]byte(got), []byte(rc.key)) == 1:
		return "ok"
	default:
		return "wrong"
	}
}

// list answers GET /received with every webhook so far, oldest first;
// ?path=/events keeps only those sent to that path, so that a shell script
// can grep the answer without a JSON tool.
func (rc *receiver) list(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]webhook, 0, len(rc.received))
	for _, wh := range rc.received {
		if path == "" || wh.Path == path {
			out = append(out, wh)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// describe renders one webhook for the log: request line, chosen headers,
// the API key verdict and the body pretty-printed.
func describe(wh webhook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> %d (X-Api-Key: %s", wh.Method, wh.Path, wh.Status, wh.KeyStatus)
	if wh.Signature != "" {
		fmt.Fprintf(&b, ", signature: %s", wh.Signature)
	}
	if wh.Duplicate {
		b.WriteString(", duplicate: first answer replayed")
	}
	b.WriteString(")\n")
	for _, h := range loggedHeaders {
		if v, ok := wh.Headers[h]; ok {
			fmt.Fprintf(&b, "    %s: %s\n", h, v)
		}
	}
	var pretty bytes.Buffer
	switch {
	case len(wh.Body) > 0 && json.Indent(&pretty, wh.Body, "    ", "  ") == nil:
		b.WriteString("    " + pretty.String() + "\n")
	case wh.RawBody != "":
		b.WriteString("    " + wh.RawBody + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
