package kratos

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// Kratos's anti-CSRF check (ory/nosurf, with the submit paths "ignored" by
// the middleware and verified by flow.EnsureCSRF) needs no secret: the
// cookie csrf_token_<sha256(public base URL)> holds the base64 of a 32-byte
// token; the csrf_token body field holds either that token or a 64-byte
// masked form (one-time pad || token XOR pad). The check passes only when
// exactly one such cookie is present and the sent token unmasks to it.

const csrfTokenLength = 32

// CSRFCookieName is the name Kratos gives its CSRF cookie for a public base
// URL, spelled exactly as in Kratos's serve.public.base_url (trailing slash
// included).
func CSRFCookieName(publicBaseURL string) string {
	sum := sha256.Sum256([]byte(publicBaseURL))
	return "csrf_token_" + hex.EncodeToString(sum[:])
}

// isCSRFCookieName reports names of the form csrf_token_<64 hex digits>.
func isCSRFCookieName(name string) bool {
	hexPart, ok := strings.CutPrefix(name, "csrf_token_")
	if !ok || len(hexPart) != 64 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil && strings.ToLower(hexPart) == hexPart
}

// CSRFTokenValid reports whether Kratos would accept sent as the anti-CSRF
// token of request r. cookieName is Kratos's CSRF cookie name
// (CSRFCookieName); when empty, any csrf_token_<hex> cookie is taken as
// Kratos's, and the token is valid if it matches one that is not
// duplicated, so that an unknown name never causes a false refusal.
func CSRFTokenValid(r *http.Request, cookieName, sent string) bool {
	cookies := r.Cookies()
	count := map[string]int{}
	for _, c := range cookies {
		if (cookieName != "" && c.Name == cookieName) || (cookieName == "" && isCSRFCookieName(c.Name)) {
			count[c.Name]++
		}
	}
	want := unmaskCSRFToken(sent)
	if want == nil {
		return false
	}
	for _, c := range cookies {
		if count[c.Name] != 1 {
			continue // nosurf refuses when the cookie is missing or repeated
		}
		real, err := base64.StdEncoding.DecodeString(c.Value)
		if err != nil || len(real) != csrfTokenLength {
			continue
		}
		if subtle.ConstantTimeCompare(real, want) == 1 {
			return true
		}
	}
	return false
}

// unmaskCSRFToken decodes a sent token to the 32-byte real token (nosurf's
// VerifyToken accepts masked and unmasked forms); nil when malformed.
func unmaskCSRFToken(sent string) []byte {
	b, err := base64.StdEncoding.DecodeString(sent)
	if err != nil {
		return nil
	}
	switch len(b) {
	case csrfTokenLength:
		return b
	case 2 * csrfTokenLength:
		key, tok := b[:csrfTokenLength], b[csrfTokenLength:]
		for i := range tok {
			tok[i] ^= key[i]
		}
		return tok
	}
	return nil
}

// MaskCSRFToken returns a fresh masked form of the anti-CSRF token held in
// a CSRF cookie value, as nosurf.Token masks it (a random one-time pad,
// then pad XOR token, base64): what Kratos puts into a browser flow's
// csrf_token node when it answers a failed submit (flow.HandleHookError).
// ok is false when the cookie value is not a token.
func MaskCSRFToken(cookieValue string) (string, bool) {
	real, err := base64.StdEncoding.DecodeString(cookieValue)
	if err != nil || len(real) != csrfTokenLength {
		return "", false
	}
	masked := make([]byte, 2*csrfTokenLength)
	if _, err := rand.Read(masked[:csrfTokenLength]); err != nil {
		return "", false
	}
	for i := range real {
		masked[csrfTokenLength+i] = masked[i] ^ real[i]
	}
	return base64.StdEncoding.EncodeToString(masked), true
}
