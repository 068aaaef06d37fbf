package kratos

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/julienschmidt/httprouter"
)

func TestClassify(t *testing.T) {
	const id = "025e5a65-f079-422d-b256-aeaab8aefc6b"
	unknown := Route{Endpoint: EndpointUnknown}
	tests := []struct {
		method, path, query string
		want                Route
	}{
		{"GET", "/self-service/registration/browser", "", Route{Endpoint: EndpointInit, Flow: Registration, Browser: true}},
		{"GET", "/self-service/login/browser", "return_to=http://x/y&refresh=true", Route{Endpoint: EndpointInit, Flow: Login, Browser: true}},
		{"GET", "/self-service/settings/api", "", Route{Endpoint: EndpointInit, Flow: Settings}},
		{"GET", "/self-service/recovery/flows", "id=" + id, Route{Endpoint: EndpointFetch, Flow: Recovery, FlowID: id}},
		{"GET", "/self-service/verification/flows", "x=1&id=" + id + "&id=other", Route{Endpoint: EndpointFetch, Flow: Verification, FlowID: id}},
		{"POST", "/self-service/registration", "flow=" + id, Route{Endpoint: EndpointSubmit, Flow: Registration, FlowID: id}},
		{"POST", "/self-service/login", "", Route{Endpoint: EndpointSubmit, Flow: Login}},
		{"POST", "/self-service/login", "fl%6Fw=a%2Db", Route{Endpoint: EndpointSubmit, Flow: Login, FlowID: "a-b"}},
		{"POST", "/self-service/login", "flow=bad;x&flow=" + id, Route{Endpoint: EndpointSubmit, Flow: Login, FlowID: id}},
		{"POST", "/self-service/login", "flow=%zz&flow=" + id, Route{Endpoint: EndpointSubmit, Flow: Login, FlowID: id}},
		// Every flow's submit path is routed on GET too.
		{"GET", "/self-service/verification", "code=123456&flow=" + id, Route{Endpoint: EndpointSubmit, Flow: Verification, FlowID: id}},
		{"GET", "/self-service/settings", "flow=" + id + "&method=profile", Route{Endpoint: EndpointSubmit, Flow: Settings, FlowID: id}},
		{"GET", "/self-service/registration", "flow=" + id, Route{Endpoint: EndpointSubmit, Flow: Registration, FlowID: id}},
		{"GET", "/self-service/errors", "id=e1", Route{Endpoint: EndpointErrorFetch, FlowID: "e1"}},
		{"GET", "/self-service/methods/oidc/callback/google", "state=x", Route{Endpoint: EndpointOIDCCallback}},
		{"POST", "/self-service/methods/oidc/callback/apple", "", Route{Endpoint: EndpointOIDCCallback}},
		{"GET", "/self-service/methods/oidc/callback", "", Route{Endpoint: EndpointOIDCCallback}},
		{"GET", "/self-service/logout/browser", "", Route{Endpoint: EndpointOther}},
		{"GET", "/self-service/logout", "token=x", Route{Endpoint: EndpointOther}},
		{"DELETE", "/self-service/logout/api", "", Route{Endpoint: EndpointOther}},
		// Under /self-service/ but not routed with this method or spelling.
		{"POST", "/self-service/errors", "id=e1", unknown},
		{"POST", "/self-service/registration/browser", "", unknown},
		{"HEAD", "/self-service/registration/browser", "", unknown},
		{"HEAD", "/self-service/registration", "flow=" + id, unknown},
		{"PUT", "/self-service/registration", "flow=" + id, unknown},
		{"PATCH", "/self-service/settings", "flow=" + id, unknown},
		{"GET", "/self-service/registration/browser/", "", unknown},
		{"POST", "/self-service/registration/", "flow=" + id, unknown},
		{"GET", "/self-service/Registration/browser", "", unknown},
		{"POST", "/self-service/logout/api", "", unknown},
		{"GET", "/self-service/registration/flows/extra", "", unknown},
		{"POST", "/self-service/methods/oidc/callback", "", unknown},
		{"GET", "/self-service/methods/oidc/callback/a/b", "", unknown},
		// Outside /self-service/.
		{"GET", "/sessions/whoami", "", Route{}},
		{"GET", "/self-servicex/login/browser", "", Route{}},
		{"GET", "/self-service", "", Route{}},
		{"GET", "/", "", Route{}},
	}
	for _, tt := range tests {
		got := Classify(tt.method, tt.path, tt.query)
		if got != tt.want {
			t.Errorf("Classify(%s %s?%s) = %+v, want %+v", tt.method, tt.path, tt.query, got, tt.want)
		}
	}
}

// TestCleanPathIsKratos pins the spellings an attacker tried: each must
// clean to the path Kratos routes.
func TestCleanPathIsKratos(t *testing.T) {
	for in, want := range map[string]string{
		"//self-service/registration":             "/self-service/registration",
		"/self-service//registration":             "/self-service/registration",
		"/self-service/./registration":            "/self-service/registration",
		"/x/../self-service/registration":         "/self-service/registration",
		"/self-service/registration/../settings":  "/self-service/settings",
		"/../self-service/login":                  "/self-service/login",
		"self-service/login":                      "/self-service/login",
		"/self-service/registration/":             "/self-service/registration/",
		"":                                        "/",
		"/self-service/registration/browser/./":   "/self-service/registration/browser/",
		"/self-service/registration/browser/.":    "/self-service/registration/browser/",
		"///self-service///login///flows/..//api": "/self-service/login/api",
	} {
		if got := CleanPath(in); got != want {
			t.Errorf("CleanPath(%q) = %q, want %q", in, got, want)
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
	for _, f := range Flows {
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
		_ = Classify("GET", CleanPath("/api/v1/things/42"), "page=2")
		_ = Classify("POST", CleanPath("/self-service/login"), "flow=025e5a65-f079-422d-b256-aeaab8aefc6b")
	})
	if allocs != 0 {
		t.Fatalf("Classify allocated %.1f times per run", allocs)
	}
}

// kratosPublicRouter is Kratos v1.3.1's public router as far as
// /self-service/ goes: the same httprouter, with every route the
// self-service handlers and strategies register
// (selfservice/flow/*/handler.go, selfservice/flow/logout/handler.go,
// selfservice/errorx/handler.go, selfservice/strategy/oidc/strategy.go),
// behind x.CleanPath. Each handler records which endpoint it is.
func kratosPublicRouter(hit *Route) http.Handler {
	r := httprouter.New()
	set := func(route Route) httprouter.Handle {
		return func(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) {
			route.FlowID = ""
			switch route.Endpoint {
			case EndpointSubmit:
				route.FlowID = req.URL.Query().Get("flow")
			case EndpointFetch, EndpointErrorFetch:
				route.FlowID = req.URL.Query().Get("id")
			}
			*hit = route
		}
	}
	for _, f := range Flows {
		base := "/self-service/" + string(f)
		r.GET(base+"/browser", set(Route{Endpoint: EndpointInit, Flow: f, Browser: true}))
		r.GET(base+"/api", set(Route{Endpoint: EndpointInit, Flow: f}))
		r.GET(base+"/flows", set(Route{Endpoint: EndpointFetch, Flow: f}))
		r.POST(base, set(Route{Endpoint: EndpointSubmit, Flow: f}))
		r.GET(base, set(Route{Endpoint: EndpointSubmit, Flow: f}))
	}
	r.GET("/self-service/errors", set(Route{Endpoint: EndpointErrorFetch}))
	r.GET("/self-service/logout/browser", set(Route{Endpoint: EndpointOther}))
	r.DELETE("/self-service/logout/api", set(Route{Endpoint: EndpointOther}))
	r.GET("/self-service/logout", set(Route{Endpoint: EndpointOther}))
	r.GET("/self-service/methods/oidc/callback/:provider", set(Route{Endpoint: EndpointOIDCCallback}))
	r.GET("/self-service/methods/oidc/callback", set(Route{Endpoint: EndpointOIDCCallback}))
	r.POST("/self-service/methods/oidc/callback/:provider", set(Route{Endpoint: EndpointOIDCCallback}))
	// Kratos's public routes outside /self-service/ that the gateway
	// does not classify, so that a path cleaning into them is told apart.
	r.GET("/sessions/whoami", set(Route{Endpoint: EndpointNone}))
	r.GET("/health/alive", set(Route{Endpoint: EndpointNone}))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.URL.Path = httprouter.CleanPath(req.URL.Path) // x.CleanPath
		r.ServeHTTP(w, req)
	})
}

// routedByKratos runs a request through kratosPublicRouter and reports the
// endpoint Kratos would execute; ok is false when Kratos would execute
// nothing (404, 405, or a redirect to another spelling).
func routedByKratos(method, rawPath, rawQuery string) (Route, bool) {
	var hit Route
	h := kratosPublicRouter(&hit)
	req := httptest.NewRequest("GET", "/", nil)
	req.Method = method
	req.URL = &url.URL{Path: rawPath, RawQuery: rawQuery}
	rec := httptest.NewRecorder()
	hit = Route{Endpoint: -1}
	h.ServeHTTP(rec, req)
	if hit.Endpoint == -1 {
		return Route{}, false
	}
	return hit, true
}

// TestClassifyAgreesWithKratosRouter compares Classify with Kratos's own
// router on the spellings of the adversarial matrix.
func TestClassifyAgreesWithKratosRouter(t *testing.T) {
	for _, tc := range routingCorpus {
		checkAgainstKratos(t, tc.method, tc.path, tc.query)
	}
}

// checkAgainstKratos fails when the gateway would treat a request Kratos
// executes as anything but that very endpoint. Requests Kratos executes
// nowhere must be EndpointUnknown (refused) or outside /self-service/.
func checkAgainstKratos(t *testing.T, method, path, query string) {
	t.Helper()
	got := Classify(method, CleanPath(path), query)
	want, executed := routedByKratos(method, path, query)
	if !executed {
		if got.Endpoint != EndpointUnknown && got.Endpoint != EndpointNone {
			t.Errorf("%s %q?%s: Kratos executes nothing, gateway says %+v", method, path, query, got)
		}
		if got.Endpoint == EndpointNone && hasSelfServicePrefix(CleanPath(path)) {
			t.Errorf("%s %q?%s: a /self-service/ request was not refused", method, path, query)
		}
		return
	}
	if want.Endpoint == EndpointNone {
		if got.Endpoint != EndpointNone {
			t.Errorf("%s %q?%s: Kratos routes it outside /self-service/, gateway says %+v", method, path, query, got)
		}
		return
	}
	if got != want {
		t.Errorf("%s %q?%s: Kratos executes %+v, gateway says %+v", method, path, query, want, got)
	}
}

func hasSelfServicePrefix(p string) bool {
	return len(p) >= len(SelfServicePrefix) && p[:len(SelfServicePrefix)] == SelfServicePrefix
}

var routingCorpus = []struct{ method, path, query string }{
	{"POST", "/self-service/registration", "flow=a"},
	{"POST", "//self-service/registration", "flow=a"},
	{"POST", "/self-service//registration", "flow=a"},
	{"POST", "/self-service/./registration", "flow=a"},
	{"POST", "/x/../self-service/registration", "flow=a"},
	{"POST", "/self-service/registration/", "flow=a"},
	{"POST", "/self-service/Registration", "flow=a"},
	{"POST", "/SELF-SERVICE/registration", "flow=a"},
	{"POST", "//self-service//settings", "flow=a"},
	{"GET", "/self-service/settings", "flow=a&method=profile&traits.email=x"},
	{"GET", "/self-service/verification", "flow=a&token=t"},
	{"GET", "/self-service/recovery", "flow=a&token=t"},
	{"GET", "/self-service/login", "flow=a"},
	{"HEAD", "/self-service/registration", "flow=a"},
	{"PUT", "/self-service/registration", "flow=a"},
	{"PATCH", "/self-service/settings", "flow=a"},
	{"DELETE", "/self-service/settings", "flow=a"},
	{"OPTIONS", "/self-service/registration", "flow=a"},
	{"POST", "/self-service/registration", "flow=a&flow=b"},
	{"POST", "/self-service/registration", "flow=x;y&flow=b"},
	{"GET", "/self-service/registration/browser", ""},
	{"GET", "/self-service/registration/browser/", ""},
	{"GET", "//self-service/registration/api", ""},
	{"GET", "/self-service/registration/flows", "id=a"},
	{"GET", "/self-service/registration/flows/", "id=a"},
	{"GET", "/self-service/errors", "id=a"},
	{"GET", "/self-service/methods/oidc/callback/google", "code=c&state=s"},
	{"POST", "/self-service/methods/oidc/callback/apple", ""},
	{"GET", "/self-service/methods/oidc/callback", ""},
	{"GET", "//self-service/methods/oidc/callback/google", ""},
	{"GET", "/self-service/methods/oidc/callback/google/", ""},
	{"GET", "/self-service/logout", "token=t"},
	{"DELETE", "/self-service/logout/api", ""},
	{"GET", "/self-service/unknown", ""},
	{"POST", "/self-service/", ""},
	{"GET", "/self-service", ""},
	{"GET", "/sessions/whoami", ""},
	{"GET", "/x/../sessions/whoami", ""},
	{"GET", "/self-service/../sessions/whoami", ""},
	{"POST", "/self-service/registration%2F", "flow=a"},
	{"POST", "/self-service/registration\x00", "flow=a"},
}

// FuzzClassifyAgreesWithKratosRouter explores spellings: whatever the
// method and path, the gateway must classify a request as the endpoint
// Kratos's router executes, or refuse it.
func FuzzClassifyAgreesWithKratosRouter(f *testing.F) {
	for _, tc := range routingCorpus {
		f.Add(tc.method, tc.path, tc.query)
	}
	f.Fuzz(func(t *testing.T, method, path, query string) {
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		default:
			method = "POST"
		}
		checkAgainstKratos(t, method, path, query)
	})
}
