package hooks

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The published Standard Webhooks test vector: the same secret, id,
// timestamp, payload and signature appear in the reference libraries'
// tests (Go, Python, PHP, C#, Java) of
// github.com/standard-webhooks/standard-webhooks/libraries v1.3.0.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// otherSecret is a second valid secret (32 bytes) for rotation and
// wrong-secret cases.
const otherSecret = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMh"

func verifier(t *testing.T, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func TestSignatureMatchesPublishedVector(t *testing.T) {
	sg, err := newSigner(&Signing{Secrets: []string{vectorSecret}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sg.signature(vectorID, vectorTimestamp, []byte(vectorPayload)); got != vectorSignature {
		t.Fatalf("signature = %q, want the published %q", got, vectorSignature)
	}
	// The reference implementation agrees on the same input.
	ref, err := verifier(t, vectorSecret).Sign(vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if err != nil || ref != vectorSignature {
		t.Fatalf("reference library signs %q (%v)", ref, err)
	}
}

// signedCall sends body through a signing hook to a receiver answering
// 200 and returns what the receiver saw.
func signedCall(t *testing.T, secrets []string, body []byte, trig Trigger, now func() time.Time) seen {
	t.Helper()
	rc := newReceiver(t, status(http.StatusOK))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Sign: &Signing{Secrets: secrets}}, fastPolicy())
	if now != nil {
		h.now = now
	}
	if out := h.Call(context.Background(), body, trig); out.Kind != Continue {
		t.Fatalf("outcome %+v", out)
	}
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	return got[0]
}

func TestSignedDeliveryVerifiesWithReferenceLibrary(t *testing.T) {
	body := []byte(`{"identity":{"traits":{"email":"a@example.com"}}}`)
	got := signedCall(t, []string{vectorSecret}, body, Trigger{ID: "trig-1"}, nil)
	if got.Header.Get("Webhook-Id") != "trig-1" {
		t.Errorf("webhook-id = %q, want the trigger id", got.Header.Get("Webhook-Id"))
	}
	if ts, err := strconv.ParseInt(got.Header.Get("Webhook-Timestamp"), 10, 64); err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("webhook-timestamp = %q, want unix seconds of now", got.Header.Get("Webhook-Timestamp"))
	}
	if _, sent := got.Header["Ory-Webhook-Trigger-Id"]; sent {
		t.Error("Ory-Webhook-Trigger-Id sent; webhook-id carries the trigger id")
	}
	wh := verifier(t, vectorSecret)
	if err := wh.Verify(got.Body, got.Header); err != nil {
		t.Fatalf("valid delivery refused: %v", err)
	}

	tampered := func(edit func(h http.Header, body []byte) []byte) error {
		h := got.Header.Clone()
		b := edit(h, append([]byte(nil), got.Body...))
		return wh.Verify(b, h)
	}
	cases := map[string]func(http.Header, []byte) []byte{
		"body": func(_ http.Header, b []byte) []byte { return append(b, ' ') },
		"id": func(h http.Header, b []byte) []byte {
			h.Set("Webhook-Id", "trig-2")
			return b
		},
		"timestamp": func(h http.Header, b []byte) []byte {
			ts, _ := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
			h.Set("Webhook-Timestamp", strconv.FormatInt(ts-1, 10))
			return b
		},
	}
	for name, edit := range cases {
		if err := tampered(edit); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			t.Errorf("tampered %s: err = %v, want no matching signature", name, err)
		}
	}
	if err := verifier(t, otherSecret).Verify(got.Body, got.Header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("wrong secret: err = %v, want no matching signature", err)
	}
}

func TestSignedDeliveryTimestampIsChecked(t *testing.T) {
	stale := func() time.Time { return time.Now().Add(-10 * time.Minute) }
	got := signedCall(t, []string{vectorSecret}, []byte(`{}`), Trigger{ID: "trig-1"}, stale)
	wh := verifier(t, vectorSecret)
	if err := wh.Verify(got.Body, got.Header); !errors.Is(err, standardwebhooks.ErrMessageTooOld) {
		t.Fatalf("stale timestamp: err = %v, want too old", err)
	}
	if err := wh.VerifyIgnoringTimestamp(got.Body, got.Header); err != nil {
		t.Fatalf("the signature itself must still match: %v", err)
	}
}

func TestSignedDeliveryRotationSendsEverySignature(t *testing.T) {
	got := signedCall(t, []string{otherSecret, vectorSecret}, []byte(`{"a":1}`), Trigger{ID: "trig-1"}, nil)
	sigs := strings.Split(got.Header.Get("Webhook-Signature"), " ")
	if len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") || !strings.HasPrefix(sigs[1], "v1,") || sigs[0] == sigs[1] {
		t.Fatalf("webhook-signature = %q, want two space-separated v1 signatures", got.Header.Get("Webhook-Signature"))
	}
	for _, secret := range []string{otherSecret, vectorSecret} {
		if err := verifier(t, secret).Verify(got.Body, got.Header); err != nil {
			t.Errorf("a receiver holding one of the secrets refused: %v", err)
		}
	}
	third := "whsec_" + strings.Repeat("QUFB", 8)
	if err := verifier(t, third).Verify(got.Body, got.Header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("a third secret: err = %v, want no matching signature", err)
	}
}

func TestSignedRetriesKeepIDAndReSign(t *testing.T) {
	rc := newReceiver(t, status(500, 503, 200))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Sign: &Signing{Secrets: []string{vectorSecret}}}, fastPolicy())
	// Each attempt reads the clock once; a minute passes between attempts.
	var mu sync.Mutex
	clock := time.Now().Add(-2 * time.Minute)
	h.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Minute)
		return clock
	}
	body := []byte(`{"n":1}`)
	if out := h.Call(context.Background(), body, Trigger{ID: "trig-7"}); out.Kind != Continue || out.Attempts != 3 {
		t.Fatalf("outcome %+v", out)
	}
	wh := verifier(t, vectorSecret)
	stamps := map[string]bool{}
	for i, r := range rc.requests() {
		if r.Header.Get("Webhook-Id") != "trig-7" {
			t.Errorf("attempt %d: webhook-id %q, want the trigger's on every retry", i+1, r.Header.Get("Webhook-Id"))
		}
		stamps[r.Header.Get("Webhook-Timestamp")] = true
		if err := wh.Verify(r.Body, r.Header); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
	}
	if len(stamps) != 3 {
		t.Errorf("timestamps %v, want a fresh one per attempt", stamps)
	}
}

func TestSignedCallWithoutTriggerIDDrawsOnePerCall(t *testing.T) {
	rc := newReceiver(t, status(500, 200))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Sign: &Signing{Secrets: []string{vectorSecret}}}, fastPolicy())
	h.Call(context.Background(), []byte(`{}`), Trigger{})
	h.Call(context.Background(), []byte(`{}`), Trigger{})
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("got %d requests, want 2 + 1", len(got))
	}
	first, retry, second := got[0].Header.Get("Webhook-Id"), got[1].Header.Get("Webhook-Id"), got[2].Header.Get("Webhook-Id")
	if !strings.HasPrefix(first, "msg_") || first != retry || first == second {
		t.Fatalf("webhook-ids %q, %q, %q: want one random id per call, kept across its retries", first, retry, second)
	}
	for _, r := range got {
		if err := verifier(t, vectorSecret).Verify(r.Body, r.Header); err != nil {
			t.Error(err)
		}
	}
}

func TestSignedCallRefusesAnAmbiguousID(t *testing.T) {
	rc := newReceiver(t, status(200))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Sign: &Signing{Secrets: []string{vectorSecret}}}, fastPolicy())
	for _, id := range []string{"a.b", "a b", "a\nb"} {
		if out := h.Call(context.Background(), []byte(`{}`), Trigger{ID: id}); out.Kind != Fail || out.Failure != FailConfig {
			t.Errorf("id %q: outcome %+v, want a config failure", id, out)
		}
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("%d requests sent with an unusable id", n)
	}
}

// The signature covers the bytes on the wire: a form-encoded hook's
// URL-encoded body, and the empty body of a hook without a template.
func TestSignatureCoversTheBytesSent(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		body []byte
	}{
		{"form", Config{Method: "POST", Headers: map[string]string{"Content-Type": contentTypeForm}}, []byte(`{"b":"2","a":"x y"}`)},
		{"no body", Config{Method: "POST"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, status(200))
			tc.cfg.URL = rc.srv.URL
			tc.cfg.Sign = &Signing{Secrets: []string{vectorSecret}}
			newHook(t, tc.cfg, fastPolicy()).Call(context.Background(), tc.body, Trigger{ID: "t"})
			got := rc.requests()[0]
			if err := verifier(t, vectorSecret).Verify(got.Body, got.Header); err != nil {
				t.Fatalf("body %q: %v", got.Body, err)
			}
		})
	}
}

func TestSignedHeadersDoNotFollowARedirectToAnotherHost(t *testing.T) {
	other := newReceiver(t, status(200))
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/moved", http.StatusTemporaryRedirect)
	})
	// Same host, other port: another origin to net/http and to us.
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Sign: &Signing{Secrets: []string{vectorSecret}}}, fastPolicy())
	h.Call(context.Background(), []byte(`{}`), Trigger{ID: "t"})
	if got := rc.requests(); len(got) != 1 || got[0].Header.Get("Webhook-Signature") == "" {
		t.Fatalf("first hop must be signed: %+v", got)
	}
	got := other.requests()
	if len(got) != 1 {
		t.Fatalf("redirect target got %d requests", len(got))
	}
	for _, name := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		if _, ok := got[0].Header[name]; ok {
			t.Errorf("%s followed the redirect to another host", name)
		}
	}
}
