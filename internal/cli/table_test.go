package cli

import (
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// TestEffectivePolicy: the defaults shown are Kratos's, and the default
// deadline is package hooks' worst case (94s for the defaults).
func TestEffectivePolicy(t *testing.T) {
	for _, tc := range []struct {
		in   hooks.Policy
		want hooks.Policy
	}{
		{hooks.Policy{}, hooks.Policy{Timeout: 30 * time.Second, Attempts: 3, Deadline: 94 * time.Second}},
		{hooks.Policy{Timeout: 5 * time.Second, Attempts: 1}, hooks.Policy{Timeout: 5 * time.Second, Attempts: 1, Deadline: 6 * time.Second}},
		{hooks.Policy{Attempts: 7}, hooks.Policy{Timeout: 30 * time.Second, Attempts: 7, Deadline: (1 + 7*30 + 1 + 2 + 4 + 8 + 16 + 30) * time.Second}},
		{hooks.Policy{Deadline: 20 * time.Second}, hooks.Policy{Timeout: 30 * time.Second, Attempts: 3, Deadline: 20 * time.Second}},
	} {
		got := effectivePolicy(tc.in)
		if got.Timeout != tc.want.Timeout || got.Attempts != tc.want.Attempts || got.Deadline != tc.want.Deadline {
			t.Errorf("effectivePolicy(%+v) = %v/%d/%v, want %v/%d/%v", tc.in,
				got.Timeout, got.Attempts, got.Deadline, tc.want.Timeout, tc.want.Attempts, tc.want.Deadline)
		}
	}
}
