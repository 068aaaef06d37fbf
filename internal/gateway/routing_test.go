package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// What goes upstream is the path Kratos acts on: every spelling that Kratos
// cleans to a self-service endpoint reaches next cleaned, so nothing behind
// the gateway can read it differently.
func TestCleanedPathGoesUpstream(t *testing.T) {
	gw := unitGateway(t)
	for _, target := range []string{
		"//self-service//login/flows?id=x",
		"/self-service/./login/flows?id=x",
		"/x/../self-service/login/flows?id=x",
		"/self-service%2Flogin/flows?id=x",
	} {
		var got string
		next := UpstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
			got = r.URL.EscapedPath()
			return nil
		})
		if err := gw.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil), next); err != nil {
			t.Fatal(err)
		}
		if got != "/self-service/login/flows" {
			t.Errorf("%s reached next as %q", target, got)
		}
	}
}

// Under /self-service/, a request Kratos does not route as one of its
// endpoints (wrong method, trailing slash, letter case, unknown path) is
// answered by the gateway and never reaches Kratos.
func TestUnroutedSelfServiceRequestsAreRefused(t *testing.T) {
	gw := unitGateway(t)
	for _, tc := range []struct{ method, target string }{
		{"PUT", "/self-service/registration?flow=x"},
		{"PATCH", "/self-service/registration?flow=x"},
		{"HEAD", "/self-service/registration?flow=x"},
		{"DELETE", "/self-service/settings?flow=x"},
		{"POST", "/self-service/registration/?flow=x"},
		{"POST", "/Self-Service/Registration?flow=x"},
		{"POST", "/self-service/registration;x?flow=x"},
		{"GET", "/self-service/nothing"},
		{"POST", "/self-service/registration/browser"},
	} {
		called := false
		next := UpstreamFunc(func(http.ResponseWriter, *http.Request) error { called = true; return nil })
		rec := httptest.NewRecorder()
		if err := gw.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, strings.NewReader("method=password")), next); err != nil {
			t.Fatal(err)
		}
		if called {
			t.Errorf("%s %s reached Kratos", tc.method, tc.target)
		}
		if tc.method != "HEAD" && gjson.GetBytes(rec.Body.Bytes(), "error.code").Int() != int64(rec.Code) || rec.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d %s, want the gateway's 404 envelope", tc.method, tc.target, rec.Code, rec.Body)
		}
	}
}

// The gateway's own cookies are its business: they never reach Kratos,
// also on requests that pass through untouched otherwise.
func TestGatewayCookiesNeverReachKratos(t *testing.T) {
	gw := unitGateway(t)
	for _, target := range []string{"/self-service/login/flows?id=x", "/self-service/settings/browser", "/self-service/registration/flows?id=x"} {
		var cookies []string
		next := UpstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
			cookies = r.Header.Values("Cookie")
			return nil
		})
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Add("Cookie", "a=1; "+kratos.CarryCookieName+"=x; b=2")
		req.Header.Add("Cookie", kratos.ContinuationCookieName+"=y")
		if err := gw.ServeHTTP(httptest.NewRecorder(), req, next); err != nil {
			t.Fatal(err)
		}
		if strings.Join(cookies, ";") != "a=1; b=2" {
			t.Errorf("%s: Kratos got Cookie %q", target, cookies)
		}
	}
}

// An answer past max_body_size on an intercepted route is not passed on
// half-read: the client gets the gateway's 502.
func TestOversizedKratosAnswerIs502(t *testing.T) {
	gw := unitGateway(t)
	gw.maxBody = 64
	next := UpstreamFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"`+strings.Repeat("x", 200)+`"}`)
		return nil
	})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/self-service/registration/api", nil)
	if err := gw.ServeHTTP(rec, req, next); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusBadGateway || gjson.GetBytes(rec.Body.Bytes(), "error.code").Int() != 502 {
		t.Fatalf("got %d %s, want a 502 envelope", rec.Code, rec.Body)
	}
}

// needsCleaning may only skip paths CleanPath leaves as they are.
func TestNeedsCleaningSkipsOnlyCleanPaths(t *testing.T) {
	for _, p := range []string{"/", "/a", "/self-service/registration", "/a/b/", "/a.b/c.", "/a/b..", "/%2e%2e", "/ a", "/a//b", "/a/./b", "/a/../b", "/.", "/..", "a/b", "", "/a/.b", "/x/.", "//"} {
		if !needsCleaning(p) && kratos.CleanPath(p) != p {
			t.Errorf("needsCleaning(%q) = false, but CleanPath gives %q", p, kratos.CleanPath(p))
		}
	}
}

func FuzzNeedsCleaning(f *testing.F) {
	for _, p := range []string{"/", "/a/../b", "//x", "/x/.", "/.well-known/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !needsCleaning(p) && kratos.CleanPath(p) != p {
			t.Fatalf("needsCleaning(%q) = false, but CleanPath gives %q", p, kratos.CleanPath(p))
		}
	})
}
