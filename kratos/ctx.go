package kratos

import (
	"bytes"
	"net/http"
	"net/textproto"
	"slices"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// DefaultHeaderAllowList is Kratos's RequestHeaderAllowList: the only client
// request headers (canonical names) a web hook's ctx.request_headers
// carries. Treat it as read-only.
var DefaultHeaderAllowList = map[string]struct{}{
	"Accept":             {},
	"Accept-Encoding":    {},
	"Accept-Language":    {},
	"Content-Length":     {},
	"Content-Type":       {},
	"Origin":             {},
	"Priority":           {},
	"Referer":            {},
	"Sec-Ch-Ua":          {},
	"Sec-Ch-Ua-Mobile":   {},
	"Sec-Ch-Ua-Platform": {},
	"Sec-Fetch-Dest":     {},
	"Sec-Fetch-Mode":     {},
	"Sec-Fetch-Site":     {},
	"Sec-Fetch-User":     {},
	"True-Client-Ip":     {},
	"User-Agent":         {},
}

// CtxInput is what a web hook's Jsonnet ctx is made of.
type CtxInput struct {
	// Flow is the flow's JSON as Kratos stores it (its public form). Kratos
	// never passes a nil flow; a nil Flow is written as null.
	Flow []byte
	// TransientPayload, when non-nil, is set as flow.transient_payload (the
	// JSON object from the submit; Kratos uses {} when the submit had none,
	// and the settings password method sets nothing).
	TransientPayload []byte
	// Request is the client request as the client sent it: its headers
	// (filtered), method, URL (see RequestURL) and cookies (all of them).
	// Content-Length must still be the client's.
	Request *http.Request
	// HeaderAllowList holds canonical header names; nil means
	// DefaultHeaderAllowList.
	HeaderAllowList map[string]struct{}
	// Identity is the identity JSON; nil omits the key.
	Identity []byte
	// Session is the session JSON; nil omits the key.
	Session []byte
	// RequestURL, when set, is ctx.request_url; otherwise it is
	// RequestURL(Request).
	RequestURL string
	// TopLevelTransientPayload adds ctx.transient_payload, the flow's
	// transient payload, beside ctx.flow.transient_payload. Kratos v1.3.1
	// has only the latter, while Ory's Actions documentation reads the
	// former; set it only for templates that read it, so every other
	// template gets exactly Kratos's ctx.
	TopLevelTransientPayload bool
}

// BuildCtx appends the ctx JSON object Kratos hands to a web hook's Jsonnet
// template to buf and returns the extended buffer. Keys come in Kratos's
// struct order; header names and cookie names are sorted so the output is
// deterministic (Jsonnet sorts keys anyway). The documents are copied as
// raw bytes, never decoded.
func BuildCtx(buf []byte, in CtxInput) []byte {
	buf = append(buf, `{"flow":`...)
	buf = appendFlowWithTransientPayload(buf, in.Flow, in.TransientPayload)

	var (
		header http.Header
		method string
		reqURL string
	)
	if in.Request != nil {
		header, method, reqURL = in.Request.Header, in.Request.Method, in.RequestURL
		if reqURL == "" {
			reqURL = RequestURL(in.Request)
		}
	}
	allow := in.HeaderAllowList
	if allow == nil {
		allow = DefaultHeaderAllowList
	}

	buf = append(buf, `,"request_headers":`...)
	buf = appendAllowedHeaders(buf, header, allow, in.Request == nil)
	buf = append(buf, `,"request_method":`...)
	buf = appendJSONString(buf, method)
	buf = append(buf, `,"request_url":`...)
	buf = appendJSONString(buf, reqURL)
	buf = append(buf, `,"request_cookies":`...)
	buf = appendCookies(buf, in.Request)
	if in.Identity != nil {
		buf = append(buf, `,"identity":`...)
		buf = append(buf, in.Identity...)
	}
	if in.Session != nil {
		buf = append(buf, `,"session":`...)
		buf = append(buf, in.Session...)
	}
	if in.TopLevelTransientPayload {
		tp := in.TransientPayload
		if tp == nil {
			if v := gjson.GetBytes(in.Flow, "transient_payload"); v.Exists() {
				tp = []byte(v.Raw)
			}
		}
		if tp != nil {
			buf = append(buf, `,"transient_payload":`...)
			buf = append(buf, tp...)
		}
	}
	return append(buf, '}')
}

// appendFlowWithTransientPayload appends flow with transient_payload set to
// tp. In the common case (the stored flow has no such key) the key is
// spliced in before the closing brace instead of re-encoding the document.
func appendFlowWithTransientPayload(buf, flow, tp []byte) []byte {
	if flow == nil {
		return append(buf, "null"...)
	}
	if tp == nil {
		return append(buf, flow...)
	}
	trimmed := bytes.TrimRight(flow, " \t\r\n")
	if len(trimmed) < 2 || trimmed[len(trimmed)-1] != '}' || gjson.GetBytes(flow, "transient_payload").Exists() {
		out, err := sjson.SetRawBytes(bytes.Clone(flow), "transient_payload", tp)
		if err != nil {
			// Not a JSON object: hand it on unchanged rather than invent one.
			return append(buf, flow...)
		}
		return append(buf, out...)
	}
	body := trimmed[:len(trimmed)-1]
	buf = append(buf, body...)
	if len(bytes.TrimSpace(body)) > 1 { // more than the opening brace
		buf = append(buf, ',')
	}
	buf = append(buf, `"transient_payload":`...)
	buf = append(buf, tp...)
	return append(buf, '}')
}

// appendAllowedHeaders writes name -> [values] for allow-listed headers,
// keeping the names as the request has them (Go canonicalises on receipt).
// Like Kratos (which clones the map), a request without a header map gives
// null.
func appendAllowedHeaders(buf []byte, h http.Header, allow map[string]struct{}, noRequest bool) []byte {
	if h == nil && !noRequest {
		return append(buf, "null"...)
	}
	var stack [24]string
	names := stack[:0]
	for name := range h {
		if _, ok := allow[textproto.CanonicalMIMEHeaderKey(name)]; ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	buf = append(buf, '{')
	for i, name := range names {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, name)
		buf = append(buf, ':')
		values := h[name]
		if values == nil {
			buf = append(buf, "null"...)
			continue
		}
		buf = append(buf, '[')
		for j, v := range values {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, v)
		}
		buf = append(buf, ']')
	}
	return append(buf, '}')
}

// appendCookies writes every cookie as name -> value with Kratos's
// semantics: Go's Request.Cookies parsing, empty names dropped, and for a
// repeated name the last value wins (Kratos fills a map in order).
func appendCookies(buf []byte, r *http.Request) []byte {
	if r == nil {
		return append(buf, "{}"...)
	}
	cookies := r.Cookies()
	type pair struct{ name, value string }
	var stack [16]pair
	pairs := stack[:0]
	for _, c := range cookies {
		if c.Name == "" {
			continue
		}
		if i := slices.IndexFunc(pairs, func(p pair) bool { return p.name == c.Name }); i >= 0 {
			pairs[i].value = c.Value
			continue
		}
		pairs = append(pairs, pair{c.Name, c.Value})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	buf = append(buf, '{')
	for i, p := range pairs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, p.name)
		buf = append(buf, ':')
		buf = appendJSONString(buf, p.value)
	}
	return append(buf, '}')
}
