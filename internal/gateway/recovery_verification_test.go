package gateway

import "testing"

// A verification Kratos passed redirects to the UI of the submitted flow;
// a retry (a used or unknown link token) to a new flow's.
func TestReplacedBy(t *testing.T) {
	const id = "6b1d5a3e-1f0c-4c1e-9d55-0f6d2b7c8a90"
	for _, tc := range []struct {
		location string
		want     bool
	}{
		{"http://ui.example/verification?flow=" + id, false},
		{"http://ui.example/verification?flow=0f1d5a3e-1f0c-4c1e-9d55-0f6d2b7c8a91", true},
		{"http://hydra.example/oauth2/auth?login_verifier=x", false}, // no flow named: judged by the flow's state
		{"", false},
		{"://bad", false},
	} {
		if got := replacedBy(tc.location, id); got != tc.want {
			t.Errorf("replacedBy(%q) = %v, want %v", tc.location, got, tc.want)
		}
	}
}
