package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Secrets of the tests (the first is the reference libraries' test vector).
const (
	testSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	otherSecret = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMh"
)

// startSigned runs a receiver that checks signatures with secrets.
func startSigned(t *testing.T, secrets string) (string, *bytes.Buffer) {
	t.Helper()
	sigs, err := newSignatures(secrets)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv := httptest.NewServer(newReceiver(testKey, sigs, log.New(&logs, "", 0)).routes())
	t.Cleanup(srv.Close)
	return srv.URL, &logs
}

// signed is one delivery as a Standard Webhooks sender makes it, signed by
// the reference library (so these tests also check interoperability).
type signed struct {
	id, body string
	signBody string // signed instead of body when set, to tamper
	at       time.Time
	secrets  []string
	edit     func(h http.Header) // after signing, to tamper
}

func (s signed) post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(s.request(t, url))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// request builds the signed request.
func (s signed) request(t *testing.T, url string) *http.Request {
	t.Helper()
	if s.at.IsZero() {
		s.at = time.Now()
	}
	signBody := s.body
	if s.signBody != "" {
		signBody = s.signBody
	}
	var sigs []string
	for _, secret := range s.secrets {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign(s.id, s.at, []byte(signBody))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("Webhook-Id", s.id)
	req.Header.Set("Webhook-Timestamp", strconv.FormatInt(s.at.Unix(), 10))
	req.Header.Set("Webhook-Signature", strings.Join(sigs, " "))
	if s.edit != nil {
		s.edit(req.Header)
	}
	return req
}

func TestSignatureIsVerified(t *testing.T) {
	url, logs := startSigned(t, testSecret)
	body := `{"userId":"u1"}`
	cases := []struct {
		name    string
		d       signed
		status  int
		verdict string
	}{
		{"valid", signed{secrets: []string{testSecret}}, http.StatusNoContent, "ok"},
		{"rotation: one of two signatures matches", signed{secrets: []string{otherSecret, testSecret}}, http.StatusNoContent, "ok"},
		{"wrong secret", signed{secrets: []string{otherSecret}}, http.StatusUnauthorized, "bad"},
		{"tampered body", signed{secrets: []string{testSecret}, signBody: `{"userId":"u2"}`}, http.StatusUnauthorized, "bad"},
		{"tampered id", signed{secrets: []string{testSecret}, edit: func(h http.Header) { h.Set("Webhook-Id", "msg_other") }}, http.StatusUnauthorized, "bad"},
		{"stale timestamp", signed{secrets: []string{testSecret}, at: time.Now().Add(-10 * time.Minute)}, http.StatusUnauthorized, "stale"},
		{"unsigned", signed{edit: func(h http.Header) { h.Del("Webhook-Signature") }}, http.StatusUnauthorized, "missing"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			d.id, d.body = "msg_"+strconv.Itoa(i), body
			if status, answer := d.post(t, url+"/events"); status != tc.status {
				t.Fatalf("status = %d, want %d (%s)", status, tc.status, answer)
			}
			if !strings.Contains(logs.String(), "signature: "+tc.verdict+")") {
				t.Fatalf("log lacks the verdict %q:\n%s", tc.verdict, logs)
			}
		})
	}
	for _, secret := range []string{testSecret, otherSecret} {
		if strings.Contains(logs.String(), strings.TrimPrefix(secret, "whsec_")) {
			t.Fatal("a secret reached the log")
		}
	}
}

func TestRetriedSignupCheckGetsTheFirstAnswer(t *testing.T) {
	url, logs := startSigned(t, testSecret)
	d := signed{id: "msg_retry", body: `{"email":"test-1@example.com"}`, secrets: []string{testSecret}}
	s1, a1 := d.post(t, url+"/signup-check")
	d.at = time.Now().Add(time.Second) // a retry is signed afresh
	s2, a2 := d.post(t, url+"/signup-check")
	if s1 != http.StatusBadRequest || s2 != s1 || a1 != a2 {
		t.Fatalf("first %d %s, retry %d %s: want the same refusal twice", s1, a1, s2, a2)
	}
	if strings.Count(logs.String(), "duplicate: first answer replayed") != 1 {
		t.Fatalf("want exactly the second copy marked duplicate:\n%s", logs)
	}
	resp, err := http.Get(url + "/received?path=/signup-check")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []webhook
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Duplicate || !got[1].Duplicate || got[1].Signature != "ok" || got[1].Headers["Webhook-Id"] != "msg_retry" {
		t.Fatalf("received = %+v", got)
	}
}

// counting serves one endpoint whose decision counts its runs and answers
// with the statuses given, in turn (the last repeats); release, when not
// nil, holds every run until it is closed. It returns the URL and the
// run counter.
func counting(t *testing.T, sigs *signatures, release chan struct{}, statuses ...int) (string, func() int) {
	t.Helper()
	var mu sync.Mutex
	runs := 0
	rc := newReceiver(testKey, sigs, log.New(io.Discard, "", 0))
	srv := httptest.NewServer(rc.webhook(func([]byte) (int, any) {
		if release != nil {
			<-release
		}
		mu.Lock()
		defer mu.Unlock()
		runs++
		return statuses[min(runs, len(statuses))-1], nil
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int {
		mu.Lock()
		defer mu.Unlock()
		return runs
	}
}

func TestIdempotencyActsOncePerWebhookID(t *testing.T) {
	sigs, _ := newSignatures(testSecret)
	url, runs := counting(t, sigs, nil, http.StatusNoContent)
	d := signed{id: "msg_once", body: `{}`, secrets: []string{testSecret}}
	for range 3 {
		if status, _ := d.post(t, url); status != http.StatusNoContent {
			t.Fatalf("status %d", status)
		}
	}
	d.id = "msg_twice"
	d.post(t, url)
	if n := runs(); n != 2 {
		t.Fatalf("acted %d times for 2 webhook-ids", n)
	}
}

func TestIdempotencyConcurrentCopyWaitsForTheFirst(t *testing.T) {
	sigs, _ := newSignatures(testSecret)
	release := make(chan struct{})
	url, runs := counting(t, sigs, release, http.StatusAccepted)
	d := signed{id: "msg_slow", body: `{}`, secrets: []string{testSecret}}
	statuses := make(chan int, 2)
	for range 2 {
		req := d.request(t, url)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	time.Sleep(100 * time.Millisecond) // both copies are in
	close(release)
	for range 2 {
		if s := <-statuses; s != http.StatusAccepted {
			t.Fatalf("status %d, want the first copy's 202 for both", s)
		}
	}
	if n := runs(); n != 1 {
		t.Fatalf("acted %d times", n)
	}
}

func TestIdempotencyForgetsAFailure(t *testing.T) {
	sigs, _ := newSignatures(testSecret)
	url, runs := counting(t, sigs, nil, http.StatusInternalServerError, http.StatusNoContent)
	d := signed{id: "msg_flaky", body: `{}`, secrets: []string{testSecret}}
	s1, _ := d.post(t, url)
	s2, _ := d.post(t, url)
	if s1 != http.StatusInternalServerError || s2 != http.StatusNoContent || runs() != 2 {
		t.Fatalf("statuses %d, %d after %d runs: a 5xx must not be replayed", s1, s2, runs())
	}
}

func TestWithoutSecretsWebhookIDIsNotTrusted(t *testing.T) {
	url, runs := counting(t, nil, nil, http.StatusNoContent)
	d := signed{id: "msg_unsigned", body: `{}`, edit: func(h http.Header) { h.Del("Webhook-Signature") }}
	d.post(t, url)
	d.post(t, url)
	if n := runs(); n != 2 {
		t.Fatalf("acted %d times: an unverified webhook-id must not suppress a delivery", n)
	}
}

func TestIdempotencyWindowAndCap(t *testing.T) {
	s := newIdempotency()
	clock := time.Now()
	s.now = func() time.Time { return clock }
	act := func() result { return result{status: http.StatusNoContent} }
	if _, dup, _ := s.do(t.Context(), "a", act); dup {
		t.Fatal("first copy marked duplicate")
	}
	if _, dup, _ := s.do(t.Context(), "a", act); !dup {
		t.Fatal("second copy acted on")
	}
	clock = clock.Add(idempotencyWindow + time.Second)
	if _, dup, _ := s.do(t.Context(), "a", act); dup {
		t.Fatal("id remembered past the window")
	}
	for i := range idempotencyCap + 10 {
		s.do(t.Context(), strconv.Itoa(i), act)
	}
	if len(s.byID) > idempotencyCap {
		t.Fatalf("%d ids remembered, cap %d", len(s.byID), idempotencyCap)
	}
}

func TestNewSignaturesRefusesWithoutEchoing(t *testing.T) {
	for _, secrets := range []string{"", "   ", testSecret + " MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***"} {
		_, err := newSignatures(secrets)
		if err == nil {
			t.Fatalf("%q accepted", secrets)
		}
		if strings.Contains(err.Error(), "MfKQ") || strings.Contains(err.Error(), "***") {
			t.Fatalf("error %q echoes a secret", err)
		}
	}
	if s, err := newSignatures(" " + testSecret + "  " + otherSecret + " "); err != nil || len(s.secrets) != 2 {
		t.Fatalf("two secrets: %v", err)
	}
}
