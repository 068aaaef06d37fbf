package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// normalizer rewrites what must differ between the two sides, or between
// two runs, into placeholders: origins (each side has its own ports), ids
// (uuids become per-side tokens <uuid:n>, numbered by first appearance;
// the comparison then checks that the two sides' tokens pair up one to one),
// timestamps, CSRF tokens, cookie values, session tokens and codes.
type normalizer struct {
	hosts map[string]string // "127.0.0.1:4433" → "<public>"
	uuids map[string]int
	// handles are the passkey user handles seen, in order
	// (normalize_passkey_test.go).
	handles []string
}

// newNormalizer takes the side's origins ("http://127.0.0.1:4433") and the
// placeholder each becomes.
func newNormalizer(origins map[string]string) *normalizer {
	n := &normalizer{hosts: map[string]string{}, uuids: map[string]int{}}
	for o, name := range origins {
		n.hosts[strings.TrimPrefix(o, "http://")] = name
	}
	return n
}

var (
	originRe   = regexp.MustCompile(`(http://)?127\.0\.0\.1:\d+`)
	uuidRe     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRe     = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	csrfNameRe = regexp.MustCompile(`csrf_token_[0-9a-f]{64}`)
	// uuidToken is what a uuid (or a passkey user handle) becomes.
	uuidToken = regexp.MustCompile(`<(uuid|user-handle):\d+>`)
)

// providerOrigin is the OIDC provider's origin (the suite's Hydra), once
// started; providerURLRe matches its URLs inside a string.
var (
	providerOrigin string
	providerURLRe  = regexp.MustCompile(`http://127\.0\.0\.1:\d+/oauth2/[^\s"]*`)
	hydraCookieRe  = regexp.MustCompile(`^(ory_hydra_[a-z_]+_dev)_\d+$`)
	oneTimeParamRe = regexp.MustCompile(`\b(code|state|token)=(ory_[a-z]{2}_[A-Za-z0-9_.-]+|[0-9a-f]{40,})`)
	// linkTokenRe is the link method's token: 32 random letters and digits
	// (selfservice/strategy/link/token_*.go).
	linkTokenRe = regexp.MustCompile(`\btoken=[A-Za-z0-9]{32}\b`)
)

// secretKeys hold values that are random per run.
var secretKeys = map[string]string{
	"session_token":     "<token>",
	"ory_session_token": "<token>",
	"logout_token":      "<token>",
	"hashed_password":   "<hash>",
}

// hashedHeaders are receiver headers whose values are compared through a
// short hash, so credentials never appear in test output.
var hashedHeaders = map[string]bool{"Authorization": true, "Cookie": true}

// transcript normalises a whole transcript in place, in a fixed order.
func (n *normalizer) transcript(t *transcript) {
	for _, e := range t.exchanges {
		n.learnPasskeyHandles(e.value)
	}
	for _, p := range callPaths(t.calls) {
		n.learnPasskeyHandles(t.calls[p])
	}
	for i := range t.exchanges {
		t.exchanges[i].value = n.value("", t.exchanges[i].value).(map[string]any)
	}
	for _, p := range callPaths(t.calls) {
		for i, c := range t.calls[p] {
			t.calls[p][i] = n.value("", c)
		}
	}
}

// value normalises v, found under key.
func (n *normalizer) value(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		return n.object(key, x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.value(key, e)
		}
		return out
	case string:
		if rep, ok := secretKeys[key]; ok && x != "" {
			return rep
		}
		if key == "ip_address" {
			// Kratos records the peer address; behind any reverse proxy it
			// takes X-Forwarded-For instead, which has no port. A property
			// of proxying, not of the hooks.
			return strings.Split(x, ":")[0]
		}
		if hashedHeaders[key] {
			return "sha256:" + shortHash(x)
		}
		if providerOrigin != "" && strings.Contains(x, providerOrigin+"/") {
			// The provider's authorization URL: its query holds the side's
			// callback URL and per-run random state and PKCE challenge.
			x = providerURLRe.ReplaceAllStringFunc(x, func(u string) string {
				path, _, _ := strings.Cut(strings.TrimPrefix(u, providerOrigin), "?")
				return "<provider>" + path
			})
		}
		// One-time values in URLs: the provider's code and Kratos's state
		// on a callback, a logout token, a recovery or verification link's
		// token.
		x = oneTimeParamRe.ReplaceAllString(x, "${1}=<random>")
		x = linkTokenRe.ReplaceAllString(x, "token=<random>")
		return n.str(x)
	default:
		if key == "since" {
			return "<duration>"
		}
		if strings.HasSuffix(key, "_unix") {
			return "<unix-time>" // e.g. privileged_session_expires_at_unix
		}
		return v
	}
}

func (n *normalizer) object(key string, m map[string]any) map[string]any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(m))
	for _, k := range keys {
		v := m[k]
		if key == "request_headers" && k == "Content-Length" {
			// Form bodies carry the URL-encoded CSRF token, whose length
			// varies with the random token.
			out[k] = "<length>"
			continue
		}
		if key == "request_cookies" {
			// The client's cookies: CSRF and session cookies, and anything
			// the gateway sets; the names are compared, the values are random.
			// Hydra's CSRF cookies (same host, so the jar sends them to
			// Kratos too) are named after each side's own OAuth2 client.
			out[hydraCookieRe.ReplaceAllString(n.str(k), "${1}_<n>")] = "<cookie>"
			continue
		}
		out[n.str(k)] = n.value(k, v)
	}
	if nodes, ok := out["nodes"].([]any); ok && key == "ui" {
		out["nodes"] = csrfLast(passkeyRemoveLast(nodes))
	}
	// A TOTP key's QR code and secret are random.
	switch m["id"] {
	case "totp_qr":
		if _, ok := out["src"].(string); ok {
			out["src"] = "<totp-qr>"
		}
	case "lookup_secret_codes":
		if text, ok := out["text"].(map[string]any); ok {
			text["text"] = "<lookup-codes>"
			if ctx, ok := text["context"].(map[string]any); ok {
				ctx["secrets"] = "<lookup-codes>"
			}
		}
	case "totp_secret_key":
		if text, ok := out["text"].(map[string]any); ok {
			text["text"] = "<totp-secret>"
			if ctx, ok := text["context"].(map[string]any); ok {
				ctx["secret"] = "<totp-secret>"
			}
		}
	}
	if name, _ := m["name"].(string); passkeyOptionNodes[name] {
		if s, ok := m["value"].(string); ok && s != "" {
			out["value"] = n.passkeyOptions(s)
		}
	} else if name == "passkey_remove" {
		if s, ok := out["value"].(string); ok && s != "" {
			out["value"] = "<passkey-credential>"
		}
	}
	// A node's value is random for the CSRF token and the one-time code.
	if name, _ := m["name"].(string); name == "csrf_token" || name == "code" {
		if s, ok := out["value"].(string); ok && s != "" {
			out["value"] = "<" + name + ">"
		}
	}
	return out
}

// str rewrites origins, csrf cookie names, uuids and timestamps in s.
func (n *normalizer) str(s string) string {
	s = n.passkeyHandles(s)
	s = originRe.ReplaceAllStringFunc(s, func(o string) string {
		if name, ok := n.hosts[strings.TrimPrefix(o, "http://")]; ok {
			return name
		}
		return o
	})
	s = csrfNameRe.ReplaceAllString(s, "csrf_token_<hash>")
	s = uuidRe.ReplaceAllStringFunc(s, func(u string) string {
		if u == nilUUID {
			return u
		}
		id, ok := n.uuids[u]
		if !ok {
			id = len(n.uuids) + 1
			n.uuids[u] = id
		}
		return "<uuid:" + strconv.Itoa(id) + ">"
	})
	return timeRe.ReplaceAllStringFunc(s, func(t string) string {
		if strings.HasPrefix(t, "0001-01-01T00:00:00") {
			return t // Kratos's zero time is meaningful (pre-persist identity)
		}
		return "<time>"
	})
}

// csrfLast moves the csrf_token node to the end. Kratos orders nodes it
// cannot place by the schema (the CSRF token, a node a hook message added
// for an unknown pointer) by their values, so the random CSRF token decides
// whether it comes first or last (ui/node/node.go SortBySchema).
func csrfLast(nodes []any) []any {
	out := make([]any, 0, len(nodes))
	var csrf []any
	for _, n := range nodes {
		node, _ := n.(map[string]any)
		attrs, _ := node["attributes"].(map[string]any)
		if attrs["name"] == "csrf_token" {
			csrf = append(csrf, n)
			continue
		}
		out = append(out, n)
	}
	return append(out, csrf...)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}
