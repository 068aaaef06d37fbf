package oryactions

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// UIConfig overrides the self-service UI URLs the gateway redirects form
// clients to. Unset ones are learned from Kratos's own init redirects.
type UIConfig struct {
	// Flows maps a flow name to its UI URL, as Kratos's
	// selfservice.flows.<flow>.ui_url.
	Flows map[string]string `json:"flows,omitempty"`
	// ErrorURL is Kratos's selfservice.flows.error.ui_url, where form
	// clients land when a hook fails. It cannot be learned reliably, so set
	// it whenever form clients use hooks.
	ErrorURL string `json:"error_url,omitempty"`
}

// uiURLs holds configured and learned UI URLs. Learned values come from
// Kratos's answers to HTML inits (303 to <ui_url>?flow=<id>), the one answer
// whose Location is unambiguously a flow's UI.
type uiURLs struct {
	configured map[kratos.Flow]string
	errorURL   string
	learned    sync.Map // kratos.Flow → string
}

func newUIURLs(c UIConfig) *uiURLs {
	u := &uiURLs{configured: map[kratos.Flow]string{}, errorURL: c.ErrorURL}
	for name, v := range c.Flows {
		if f, ok := kratos.ParseFlow(name); ok {
			u.configured[f] = v
		}
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

// knows reports whether the flow's UI URL is configured or learned.
func (u *uiURLs) knows(f kratos.Flow) bool {
	if u.configured[f] != "" {
		return true
	}
	_, ok := u.learned.Load(f)
	return ok
}

// learnFromInit records the UI URL from an HTML init's redirect.
func (u *uiURLs) learnFromInit(f kratos.Flow, location string) {
	if u.configured[f] != "" || location == "" {
		return
	}
	loc, err := url.Parse(location)
	if err != nil || loc.Query().Get("flow") == "" || strings.HasPrefix(loc.Path, "/self-service/") {
		return
	}
	loc.RawQuery, loc.Fragment = "", ""
	u.learned.Store(f, loc.String())
}

// withQuery appends key=value to a UI URL that may already have a query.
func withQuery(base, key, value string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + key + "=" + url.QueryEscape(value)
}

// initSniffer watches an HTML init that the gateway does not otherwise
// intercept, to learn the flow's UI URL from Kratos's redirect without
// buffering anything.
type initSniffer struct {
	*caddyhttp.ResponseWriterWrapper
	urls *uiURLs
	flow kratos.Flow
}

// WriteHeader peeks at the Location of a redirect, then writes through.
func (s *initSniffer) WriteHeader(status int) {
	if status == http.StatusSeeOther {
		s.urls.learnFromInit(s.flow, s.Header().Get("Location"))
	}
	s.ResponseWriterWrapper.WriteHeader(status)
}

// Interface guard
var _ http.ResponseWriter = (*initSniffer)(nil)
