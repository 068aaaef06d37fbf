package kratos

import (
	"net/url"
	"testing"
)

func TestClassify(t *testing.T) {
	const id = "025e5a65-f079-422d-b256-aeaab8aefc6b"
	tests := []struct {
		method, path, query string
		want                Route
	}{
		{"GET", "/self-service/registration/browser", "", Route{Flow: Registration, Phase: PhaseInit, Browser: true}},
		{"GET", "/self-service/login/browser", "return_to=http://x/y&refresh=true", Route{Flow: Login, Phase: PhaseInit, Browser: true}},
		{"GET", "/self-service/settings/api", "", Route{Flow: Settings, Phase: PhaseInit}},
		{"GET", "/self-service/recovery/flows", "id=" + id, Route{Flow: Recovery, Phase: PhaseFetch, FlowID: id}},
		{"GET", "/self-service/verification/flows", "x=1&id=" + id + "&id=other", Route{Flow: Verification, Phase: PhaseFetch, FlowID: id}},
		{"POST", "/self-service/registration", "flow=" + id, Route{Flow: Registration, Phase: PhaseSubmit, FlowID: id}},
		{"POST", "/self-service/login", "", Route{Flow: Login, Phase: PhaseSubmit}},
		{"POST", "/self-service/login", "fl%6Fw=a%2Db", Route{Flow: Login, Phase: PhaseSubmit, FlowID: "a-b"}},
		{"POST", "/self-service/login", "flow=bad;x&flow=" + id, Route{Flow: Login, Phase: PhaseSubmit, FlowID: id}},
		{"POST", "/self-service/login", "flow=%zz&flow=" + id, Route{Flow: Login, Phase: PhaseSubmit, FlowID: id}},
		{"GET", "/self-service/verification", "code=123456&flow=" + id, Route{Flow: Verification, Phase: PhaseLink, FlowID: id}},
		{"GET", "/self-service/errors", "id=e1", Route{Phase: PhaseErrorFetch, FlowID: "e1"}},
		// Everything else passes through.
		{"POST", "/self-service/errors", "id=e1", Route{}},
		{"POST", "/self-service/registration/browser", "", Route{}},
		{"HEAD", "/self-service/registration/browser", "", Route{}},
		{"PUT", "/self-service/registration", "flow=" + id, Route{}},
		{"GET", "/self-service/registration/browser/", "", Route{}},
		{"GET", "/self-service/Registration/browser", "", Route{}},
		{"GET", "/self-service/logout/browser", "", Route{}},
		{"DELETE", "/self-service/logout/api", "", Route{}},
		{"GET", "/self-service/registration/flows/extra", "", Route{}},
		{"GET", "/sessions/whoami", "", Route{}},
		{"GET", "/self-servicex/login/browser", "", Route{}},
		{"GET", "/", "", Route{}},
	}
	for _, tt := range tests {
		got := Classify(tt.method, tt.path, tt.query)
		if got != tt.want {
			t.Errorf("Classify(%s %s?%s) = %+v, want %+v", tt.method, tt.path, tt.query, got, tt.want)
		}
	}
}

// TestClassifyQueryMatchesNetURL checks queryValue against url.ParseQuery.
func TestClassifyQueryMatchesNetURL(t *testing.T) {
	for _, q := range []string{"", "flow=a", "flow=a&flow=b", "x=1&flow=a+b", "flow=%41", "flow", "flow=", "flow=x;y&flow=z", "f%6cow=q", "flow=%g1&flow=ok", "&&flow=1"} {
		vals, _ := url.ParseQuery(q)
		if got, want := queryValue(q, "flow"), vals.Get("flow"); got != want {
			t.Errorf("queryValue(%q) = %q, url.ParseQuery gives %q", q, got, want)
		}
	}
}

func TestParseFlow(t *testing.T) {
	for _, f := range []Flow{Registration, Login, Settings, Recovery, Verification} {
		if got, ok := ParseFlow(string(f)); !ok || got != f {
			t.Errorf("ParseFlow(%q) = %q, %v", f, got, ok)
		}
	}
	for _, s := range []string{"", "logout", "errors", "LOGIN"} {
		if _, ok := ParseFlow(s); ok {
			t.Errorf("ParseFlow(%q) accepted", s)
		}
	}
}

func TestClassifyPassThroughDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_ = Classify("GET", "/api/v1/things/42", "page=2")
		_ = Classify("POST", "/self-service/login", "flow=025e5a65-f079-422d-b256-aeaab8aefc6b")
	})
	if allocs != 0 {
		t.Fatalf("Classify allocated %.1f times per run", allocs)
	}
}

func BenchmarkClassifyPassThrough(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Classify("GET", "/static/app.js", "v=3")
	}
}

func BenchmarkClassifySubmit(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Classify("POST", "/self-service/registration", "flow=025e5a65-f079-422d-b256-aeaab8aefc6b")
	}
}
