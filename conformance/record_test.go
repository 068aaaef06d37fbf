package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// transcript is everything one side of a scenario produced, as generic
// JSON values ready for normalising and comparing.
type transcript struct {
	// exchanges are the client's requests in order: init, fetches,
	// submits, redirects followed, whoami, admin reads.
	exchanges []labelled
	// calls are the receiver's calls per hook path, in arrival order.
	calls map[string][]any
	// fatal is set when the side could not run at all (Kratos did not
	// start, the gateway config did not load).
	fatal string
}

// labelled is one recorded exchange.
type labelled struct {
	label string
	value map[string]any
}

// recordResponse turns an HTTP answer into the compared shape: status,
// Content-Type, Location, the names of the cookies set (with "(deleted)"
// when the cookie is cleared) and the body (JSON decoded; a redirect's body
// is left out, as no client reads it).
func recordResponse(method, path string, resp *http.Response, body []byte) map[string]any {
	rec := map[string]any{
		"request": method + " " + path,
		"status":  resp.StatusCode,
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		rec["content_type"] = ct
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		rec["location"] = loc
	}
	kratosCookies, gatewayCookies := setCookieNames(resp)
	if len(kratosCookies) > 0 {
		rec["set_cookies"] = kratosCookies
	}
	if len(gatewayCookies) > 0 {
		rec["gateway_cookies"] = gatewayCookies
	}
	if resp.StatusCode < 300 || resp.StatusCode >= 400 {
		if len(body) > 0 {
			rec["body"] = decodeBody(body)
		}
	}
	return rec
}

// setCookieNames lists the names of the cookies an answer sets, sorted:
// Kratos's, and apart from them the gateway's own (ory_actions_*), which
// Kratos never sets and which would otherwise shift every index of the
// list compared with Kratos's.
func setCookieNames(resp *http.Response) (kratos, gateway []any) {
	var names []string
	for _, c := range resp.Cookies() {
		name := c.Name
		if c.MaxAge < 0 {
			name += " (deleted)"
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasPrefix(n, "ory_actions_") {
			gateway = append(gateway, n)
		} else {
			kratos = append(kratos, n)
		}
	}
	return kratos, gateway
}

// decodeBody decodes a JSON body. Kratos v1.3.1 sometimes writes two JSON
// documents into one answer; those become
// {"concatenated_json": [doc, doc]}. Anything else is kept as a string.
func decodeBody(body []byte) any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			s := strings.TrimSpace(string(body))
			if len(s) > 400 {
				s = s[:400] + "…"
			}
			return s
		}
		docs = append(docs, v)
	}
	switch len(docs) {
	case 0:
		return ""
	case 1:
		return docs[0]
	}
	return map[string]any{"concatenated_json": docs}
}

// recordCall turns a receiver call into the compared shape: method, request
// URI, headers (values that differ per request replaced, Content-Length
// left out as the bodies are compared) and the body (JSON, or form fields
// for form-encoded hooks).
func recordCall(c receivedCall) map[string]any {
	h := map[string]any{}
	for name, vals := range c.Header {
		switch name {
		case "Content-Length":
			continue
		case "Ory-Webhook-Request-Id", "Traceparent", "Tracestate":
			h[name] = "<set>"
			continue
		}
		h[name] = strings.Join(vals, ", ")
	}
	rec := map[string]any{"method": c.Method, "uri": c.URI, "headers": h}
	if len(c.Body) == 0 {
		return rec
	}
	if strings.HasPrefix(c.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if vals, err := url.ParseQuery(string(c.Body)); err == nil {
			form := map[string]any{}
			for k, v := range vals {
				form[k] = strings.Join(v, ",")
			}
			rec["form"] = form
			return rec
		}
	}
	rec["body"] = decodeBody(c.Body)
	return rec
}
