package conformance

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
)

// The link method completes recovery and verification on the GET the
// e-mail's link makes (Kratos's selfservice/strategy/link): a navigation of
// whatever browser the mail is opened in, never a JSON request.

// selfServiceLinkRe finds a recovery or verification link in a mail body.
var selfServiceLinkRe = regexp.MustCompile(`https?://[^\s"'<>]+/self-service/(?:recovery|verification)\?[^\s"'<>]+`)

// courierLink returns the self-service link of the newest message Kratos
// queued for the client's address, waiting briefly, and records it: the
// link must lead to the side's public URL (for the gateway side, through
// the gateway), which the normaliser turns into <public> on both sides.
func (c *client) courierLink() (*url.URL, bool) {
	var link *url.URL
	c.waitCourier(func(body string) string {
		raw := selfServiceLinkRe.FindString(body)
		if raw == "" {
			return ""
		}
		u, err := url.Parse(html.UnescapeString(raw))
		if err != nil {
			return ""
		}
		link = u
		return raw
	})
	if link == nil {
		c.note("courier link", "no message with a self-service link for the client's address")
		return nil, false
	}
	c.tr.exchanges = append(c.tr.exchanges, labelled{label: "courier link",
		value: map[string]any{"request": "courier", "link": link.String()}})
	return link, true
}

// linkBrowser is the browser the e-mail's link opens in. A browser
// client's own (its cookies go along, as when the mail is read on the
// same device); for an API client's flow a browser of its own, as the
// app shares no cookie jar with any browser. Both record into the
// client's transcript.
func (c *client) linkBrowser() *client {
	if c.kind != apiClient {
		return c
	}
	return c.otherBrowser()
}

// otherBrowser is a browser with none of the client's cookies (the mail
// read on another device), recording into the client's transcript.
func (c *client) otherBrowser() *client {
	b := newClient(browserFormClient, c.side, c.email)
	b.tr = c.tr
	return b
}

// openCourierLink clicks the newest link in the client's mail: a GET of
// the link as a browser navigates (HTML accepted, no JSON), sent to the
// side under test whatever host the link names, then what the browser and
// the UI do with the redirect (the flow or the error page fetched). It
// returns the browser that opened the link, for the reads that follow.
func (c *client) openCourierLink(f *flowRef) *client {
	b := c.linkBrowser()
	link, ok := c.courierLink()
	if !ok {
		return b
	}
	r := b.exchange("link", request{method: http.MethodGet, base: c.side.public, path: link.RequestURI(),
		accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
	target := &flowRef{flow: f.flow, id: f.id}
	b.follow("link", r, target)
	return b
}

// linkFlowWithPayload is linkFlow with a transient payload on the step
// that sends the mail (Kratos hands it to the mail template, not to the
// hooks of the link's completion).
func (c *client) linkFlowWithPayload(flow string) *flowRef {
	c.setupIdentity()
	f := c.init(flow)
	c.submit(f, map[string]any{"method": "link", "email": c.email, "transient_payload": map[string]any{"campaign": "spring"}})
	return f
}

// linkFlow starts a flow of the link method and has Kratos send the link
// to the client's address (an identity the admin API created).
func (c *client) linkFlow(flow string) *flowRef {
	c.setupIdentity()
	f := c.init(flow)
	c.submit(f, map[string]any{"method": "link", "email": c.email})
	return f
}

// recoveryLinkScript: the address, the link opened (Kratos signs the
// browser in and sends it to the settings UI, which fetches its flow),
// whoami in that browser, the stored identity.
func recoveryLinkScript(c *client) {
	f := c.linkFlow("recovery")
	b := c.openCourierLink(f)
	defer b.close()
	b.whoami()
	c.adminIdentities()
}

// recoveryLinkTwiceScript: the link opened a second time, after the
// recovery; Kratos refuses a used token on a new flow without hooks.
func recoveryLinkTwiceScript(c *client) {
	f := c.linkFlow("recovery")
	b := c.openCourierLink(f)
	defer b.close()
	b.reopenLastLink(f)
	b.whoami()
	c.adminIdentities()
}

func recoveryLinkThenWait(path string, n int) func(*client) {
	return func(c *client) {
		recoveryLinkScript(c)
		c.waitCalls(path, n)
	}
}

// verificationLinkScript: the address, the link opened (Kratos verifies it
// and sends the browser to the verification UI, which fetches the flow),
// the stored identity.
func verificationLinkScript(c *client) {
	f := c.linkFlow("verification")
	b := c.openCourierLink(f)
	defer b.close()
	c.adminIdentities()
}

// verificationLinkTwiceScript: the link opened again after the address
// was verified.
func verificationLinkTwiceScript(c *client) {
	f := c.linkFlow("verification")
	b := c.openCourierLink(f)
	defer b.close()
	b.reopenLastLink(f)
	c.adminIdentities()
}

// verificationLinkOtherBrowserScript: a browser flow's link opened in
// another browser, without the flow's CSRF cookie.
func verificationLinkOtherBrowserScript(c *client) {
	f := c.linkFlow("verification")
	b := c.otherBrowser()
	defer b.close()
	b.openCourierLink(f)
	c.adminIdentities()
}

// recoveryLinkOtherBrowserScript: recoveryLinkScript with the link opened
// in another browser.
func recoveryLinkOtherBrowserScript(c *client) {
	f := c.linkFlow("recovery")
	b := c.otherBrowser()
	defer b.close()
	b.openCourierLink(f)
	b.whoami()
	c.adminIdentities()
}

func verificationLinkThenWait(path string, n int) func(*client) {
	return func(c *client) {
		verificationLinkScript(c)
		c.waitCalls(path, n)
	}
}

// reopenLastLink opens the newest link of the mail once more in the same
// browser (a second click, a reload).
func (c *client) reopenLastLink(f *flowRef) {
	link, ok := c.courierLink()
	if !ok {
		return
	}
	r := c.exchange("link again", request{method: http.MethodGet, base: c.side.public, path: link.RequestURI(),
		accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
	c.follow("link again", r, &flowRef{flow: f.flow, id: f.id})
}

// recoveryLinkPayloadScript: recoveryLinkScript with a transient payload
// on the address step.
func recoveryLinkPayloadScript(c *client) {
	f := c.linkFlowWithPayload("recovery")
	b := c.openCourierLink(f)
	defer b.close()
	b.whoami()
}

// verificationLinkPayloadScript: verificationLinkScript with a transient
// payload on the address step.
func verificationLinkPayloadScript(c *client) {
	f := c.linkFlowWithPayload("verification")
	b := c.openCourierLink(f)
	defer b.close()
	c.adminIdentities()
}

// linkTokenSubmitScript: the client submits the link's token to the flow
// itself (as its own kind submits: JSON, or a form post) instead of a
// browser opening the link; Kratos's link strategy takes the token from
// the body as from the query.
func linkTokenSubmitScript(flow string) func(*client) {
	return func(c *client) {
		f := c.linkFlow(flow)
		link, ok := c.courierLink()
		if !ok {
			return
		}
		c.submit(f, map[string]any{"method": "link", "token": link.Query().Get("token")})
		c.whoami()
		c.adminIdentities()
	}
}
