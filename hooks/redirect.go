package hooks

import (
	"errors"
	"net/http"
	"strings"
)

// maxRedirects is net/http's default limit; the error text is the one
// isPermanent recognises.
const maxRedirects = 10

// sameHostKeepsHeaders is the hook client's redirect policy. net/http
// drops Authorization, Cookie and WWW-Authenticate when a redirect leaves
// the original host, but copies every other header — an api_key auth
// header under a custom name, and the configured headers, which often
// carry credentials too. Those are removed as well when the target's
// scheme, host or port differs from the first request's. The shared
// client's own policy, if any, is asked first.
func sameHostKeepsHeaders(cfg Config, shared func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	var drop []string
	if cfg.Auth != nil && cfg.Auth.Type == "api_key" && !strings.EqualFold(cfg.Auth.Config.In, "cookie") && cfg.Auth.Config.Name != "" {
		drop = append(drop, cfg.Auth.Config.Name)
	}
	for name := range cfg.Headers {
		if !strings.EqualFold(name, "Content-Type") {
			drop = append(drop, name)
		}
	}
	drop = append(drop, "Authorization", "Cookie")
	if cfg.Sign != nil {
		// The signature does not cover the URL: another host holding it
		// could replay the delivery to ours within the receiver's tolerance.
		drop = append(drop, headerWebhookID, headerWebhookTimestamp, headerWebhookSignature)
	}
	return func(req *http.Request, via []*http.Request) error {
		if shared != nil {
			if err := shared(req, via); err != nil {
				return err
			}
		}
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		first := via[0].URL
		if req.URL.Scheme == first.Scheme && req.URL.Host == first.Host {
			return nil
		}
		for _, name := range drop {
			req.Header.Del(name)
		}
		return nil
	}
}
