package hooks

import (
	"net/http"
	"testing"
	"time"
)

func TestDefaultPolicyIsKratos(t *testing.T) {
	want := Policy{Timeout: 30 * time.Second, Attempts: 3, BackoffMin: time.Second, BackoffMax: 30 * time.Second, MaxAnswer: 5 << 20}
	if got := DefaultPolicy(); got != want {
		t.Fatalf("DefaultPolicy() = %+v", got)
	}
	if got := (Policy{Attempts: 5, Timeout: -1}).WithDefaults(); got.Attempts != 5 || got.Timeout != want.Timeout || got.MaxAnswer != want.MaxAnswer {
		t.Fatalf("WithDefaults() = %+v", got)
	}
}

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	answer := func(code int, retryAfter ...string) *http.Response {
		h := http.Header{}
		for _, v := range retryAfter {
			h.Add("Retry-After", v)
		}
		return &http.Response{StatusCode: code, Header: h}
	}
	p := DefaultPolicy()
	cases := []struct {
		name string
		n    int
		resp *http.Response
		want time.Duration
	}{
		{"first wait", 0, nil, time.Second},
		{"second wait", 1, answer(500), 2 * time.Second},
		{"third wait", 2, answer(502), 4 * time.Second},
		{"capped", 5, nil, 30 * time.Second},
		{"overflow capped", 100, nil, 30 * time.Second},
		{"429 seconds", 0, answer(429, "7"), 7 * time.Second},
		{"503 seconds, uncapped", 0, answer(503, "120"), 120 * time.Second},
		{"503 date", 1, answer(503, now.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second},
		{"429 past date", 1, answer(429, now.Add(-time.Hour).Format(http.TimeFormat)), 0},
		{"only first value counts", 0, answer(429, "", "9"), time.Second},
		{"negative ignored", 1, answer(429, "-3"), 2 * time.Second},
		{"garbage ignored", 1, answer(503, "soon"), 2 * time.Second},
		{"500 ignores Retry-After", 0, answer(500, "9"), time.Second},
	}
	for _, tc := range cases {
		if got := p.backoff(tc.n, tc.resp, now); got != tc.want {
			t.Errorf("%s: backoff = %v, want %v", tc.name, got, tc.want)
		}
	}
}
