package gateway

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// uiURLs holds configured and learned UI URLs. Learned values come from
// Kratos's answers to HTML inits (303 to <ui_url>?flow=<id>), the one answer
// whose Location is unambiguously a flow's UI — but only for inits without
// a client-chosen return_to: a signed-in client's init is answered with a
// redirect to its return_to, which must never become everyone's UI URL.
type uiURLs struct {
	configured map[kratos.Flow]string
	errorURL   string
	learned    sync.Map // kratos.Flow → string
	// learnedError is the error UI URL Kratos revealed (see errorUI).
	learnedError atomic.Pointer[string]
	probing      sync.Mutex
	// share, when set, tells the other gateways of a fleet what this one
	// learned (key: a flow, or "error"); see sharedstate.go.
	share func(key, value string)
}

// learn records a flow's UI URL, shared when it is new.
func (u *uiURLs) learn(f kratos.Flow, v string) {
	prev, had := u.learned.Swap(f, v)
	if u.share != nil && (!had || prev.(string) != v) {
		u.share(string(f), v)
	}
}

func newUIURLs(flows map[kratos.Flow]string, errorURL string) *uiURLs {
	u := &uiURLs{configured: map[kratos.Flow]string{}, errorURL: errorURL}
	for f, v := range flows {
		u.configured[f] = v
	}
	return u
}

// flowURL returns the UI URL of a flow: configured, else learned, else the
// Referer of a submit that came from the UI page of this very flow.
func (u *uiURLs) flowURL(f kratos.Flow, r *http.Request, flowID string) string {
	if v := u.configured[f]; v != "" {
		return v
	}
	if v, ok := u.learned.Load(f); ok {
		return v.(string)
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Query().Get("flow") == flowID && flowID != "" {
		ref.RawQuery, ref.Fragment = "", ""
		return ref.String()
	}
	return ""
}

// flowURLOrAsk is flowURL, asking Kratos (an HTML init) when the URL is
// neither configured, learned, nor named by the Referer: a JSON client
// whose flow a browser navigation (an OIDC callback) ends must be sent to
// its UI like a form client.
func (u *uiURLs) flowURLOrAsk(ctx context.Context, c *kratos.Client, f kratos.Flow, r *http.Request, flowID string) string {
	if v := u.flowURL(f, r, flowID); v != "" {
		return v
	}
	found, err := c.FlowUIURL(ctx, f)
	if err != nil || found == "" {
		return ""
	}
	u.learn(f, found)
	return found
}

// errorUI returns the error UI URL: configured, else the one Kratos
// revealed, else asked of Kratos now (once at a time; a failed probe is
// tried again on the next need). "" when Kratos cannot tell.
func (u *uiURLs) errorUI(ctx context.Context, c *kratos.Client) string {
	if u.errorURL != "" {
		return u.errorURL
	}
	if p := u.learnedError.Load(); p != nil {
		return *p
	}
	u.probing.Lock()
	defer u.probing.Unlock()
	if p := u.learnedError.Load(); p != nil {
		return *p
	}
	found, err := c.ErrorUIURL(ctx)
	if err != nil || found == "" {
		return ""
	}
	u.learnedError.Store(&found)
	if u.share != nil {
		u.share(sharedErrorKey, found)
	}
	return found
}

// knows reports whether the flow's UI URL is configured or learned.
func (u *uiURLs) knows(f kratos.Flow) bool {
	if u.configured[f] != "" {
		return true
	}
	_, ok := u.learned.Load(f)
	return ok
}

// learnFromInit records the UI URL from an HTML init's redirect.
func (u *uiURLs) learnFromInit(f kratos.Flow, r *http.Request, location string) {
	if u.configured[f] != "" || location == "" || clientChoseReturnTo(r) {
		return
	}
	loc, err := url.Parse(location)
	if err != nil || loc.Query().Get("flow") == "" || strings.HasPrefix(loc.Path, kratos.SelfServicePrefix) {
		return
	}
	loc.RawQuery, loc.Fragment = "", ""
	u.learn(f, loc.String())
}

// clientChoseReturnTo reports an init whose query names a return_to (in any
// spelling url.ParseQuery decodes to that key).
func clientChoseReturnTo(r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return false
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	_, ok := q["return_to"]
	return ok
}

// serveInitLearningUI passes an HTML init the gateway does not otherwise
// intercept, learning the flow's UI URL from Kratos's redirect without
// buffering anything.
func (x *exchange) serveInitLearningUI() {
	x.err = x.next.ServeHTTP(&initSniffer{ResponseWriter: x.w, urls: x.gw.ui, flow: x.route.Flow, r: x.r}, x.r)
}

// initSniffer watches the status of an init's answer on its way out.
type initSniffer struct {
	http.ResponseWriter
	urls        *uiURLs
	flow        kratos.Flow
	r           *http.Request
	wroteHeader bool
}

// WriteHeader peeks at the Location of a redirect, then writes through.
func (s *initSniffer) WriteHeader(status int) {
	if !s.wroteHeader && status >= 200 {
		s.wroteHeader = true
		if status == http.StatusSeeOther {
			s.urls.learnFromInit(s.flow, s.r, s.Header().Get("Location"))
		}
	}
	s.ResponseWriter.WriteHeader(status)
}

// Write implies a 200, as for any writer.
func (s *initSniffer) Write(p []byte) (int, error) {
	if !s.wroteHeader {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the client's writer (Flush,
// Hijack), so the sniffer hides nothing.
func (s *initSniffer) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Interface guard
var _ http.ResponseWriter = (*initSniffer)(nil)
