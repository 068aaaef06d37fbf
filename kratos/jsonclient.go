package kratos

import (
	"mime"
	"net/http"
	"strings"
)

// Kratos decides between a JSON answer and a browser redirect with
// x.IsJSONRequest: content negotiation of the Accept header (golang/gddo's
// httputil.NegotiateContentType) over these offers, in this order, with
// text/html as the default, OR a Content-Type that is exactly
// "application/json". The negotiation is re-implemented below, quirks
// included, because it decides status codes the client sees.
var negotiationOffers = [...]string{"text/html", "text/*", "*/*", "application/json"}

const negotiationDefault = "text/html"

// IsJSONClient reports whether Kratos treats a request with this Accept
// header value and Content-Type as a JSON (API or SPA) client rather than a
// browser form. "Accept: */*" picks HTML; "Content-Type:
// application/json; charset=utf-8" does not count as JSON by itself.
func IsJSONClient(accept, contentType string) bool {
	var one [1]string
	values := one[:0]
	if accept != "" {
		one[0] = accept
		values = one[:1]
	}
	return negotiate(values) == "application/json" || contentType == "application/json"
}

// IsJSONRequest is IsJSONClient for a request: every Accept header line
// takes part in the negotiation, and the first Content-Type line counts, as
// in Kratos.
func IsJSONRequest(h http.Header) bool {
	return negotiate(h["Accept"]) == "application/json" || h.Get("Content-Type") == "application/json"
}

// IsBrowserRequest mirrors Kratos's x.IsBrowserRequest: the negotiation
// picks text/html (which is also the default when nothing matches).
func IsBrowserRequest(h http.Header) bool {
	return negotiate(h["Accept"]) == "text/html"
}

// acceptSpec is one media range of an Accept header with its quality.
type acceptSpec struct {
	value string
	q     float64
}

// negotiate returns the offer gddo's NegotiateContentType would pick.
func negotiate(accept []string) string {
	var stack [16]acceptSpec
	specs := parseAccept(stack[:0], accept)

	best, bestQ, bestWild := negotiationDefault, -1.0, 3
	for _, offer := range negotiationOffers {
		for _, spec := range specs {
			switch {
			case spec.q == 0.0:
				// not acceptable
			case spec.q < bestQ:
				// a better match was already found
			case spec.value == "*/*":
				if spec.q > bestQ || bestWild > 2 {
					best, bestQ, bestWild = offer, spec.q, 2
				}
			case strings.HasSuffix(spec.value, "/*"):
				if strings.HasPrefix(offer, spec.value[:len(spec.value)-1]) && (spec.q > bestQ || bestWild > 1) {
					best, bestQ, bestWild = offer, spec.q, 1
				}
			default:
				if spec.value == offer && (spec.q > bestQ || bestWild > 0) {
					best, bestQ, bestWild = offer, spec.q, 0
				}
			}
		}
	}
	return best
}

// parseAccept follows gddo's header.ParseAccept exactly: a malformed entry
// (a parameter other than a leading q=, or a bad quality) ends the parsing
// of that header line, and media ranges are compared case-sensitively.
func parseAccept(specs []acceptSpec, lines []string) []acceptSpec {
	for _, s := range lines {
		for {
			var spec acceptSpec
			spec.value, s = expectTokenSlash(s)
			if spec.value == "" {
				break
			}
			spec.q = 1.0
			s = skipSpace(s)
			if strings.HasPrefix(s, ";") {
				s = skipSpace(s[1:])
				if !strings.HasPrefix(s, "q=") {
					break
				}
				spec.q, s = expectQuality(s[2:])
				if spec.q < 0.0 {
					break
				}
			}
			specs = append(specs, spec)
			s = skipSpace(s)
			if !strings.HasPrefix(s, ",") {
				break
			}
			s = skipSpace(s[1:])
		}
	}
	return specs
}

// isHeaderSpace reports RFC 2616 linear white space characters.
func isHeaderSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isHeaderToken reports RFC 2616 token characters (US-ASCII, no controls,
// no separators).
func isHeaderToken(c byte) bool {
	if c <= 31 || c >= 127 {
		return false
	}
	return !strings.ContainsRune(" \t\"(),/:;<=>?@[]\\{}", rune(c))
}

func skipSpace(s string) string {
	i := 0
	for i < len(s) && isHeaderSpace(s[i]) {
		i++
	}
	return s[i:]
}

func expectTokenSlash(s string) (token, rest string) {
	i := 0
	for i < len(s) && (isHeaderToken(s[i]) || s[i] == '/') {
		i++
	}
	return s[:i], s[i:]
}

// expectQuality parses a q-value the way gddo does: only "0" or "1"
// followed by optional decimals; there is no upper bound check.
func expectQuality(s string) (q float64, rest string) {
	switch {
	case len(s) == 0:
		return -1, ""
	case s[0] == '0':
		q = 0
	case s[0] == '1':
		q = 1
	default:
		return -1, ""
	}
	s = s[1:]
	if !strings.HasPrefix(s, ".") {
		return q, s
	}
	s = s[1:]
	i, n, d := 0, 0, 1
	for ; i < len(s); i++ {
		b := s[i]
		if b < '0' || b > '9' {
			break
		}
		n = n*10 + int(b) - '0'
		d *= 10
	}
	return q + float64(n)/float64(d), s[i:]
}

// IsJSONContentType reports a Content-Type whose media type is
// application/json (parameters such as a charset allowed).
func IsJSONContentType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
