package kratos

import (
	"encoding/base64"
	"net/http"
	"testing"
)

// A masked token made for a cookie passes Kratos's check with that cookie,
// and is fresh each time.
func TestMaskCSRFTokenIsAcceptedAndFresh(t *testing.T) {
	raw := make([]byte, csrfTokenLength)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	cookie := base64.StdEncoding.EncodeToString(raw)
	a, ok := MaskCSRFToken(cookie)
	b, _ := MaskCSRFToken(cookie)
	if !ok || a == b {
		t.Fatalf("masking: ok=%v, %q %q", ok, a, b)
	}
	r, _ := http.NewRequest("POST", "/", nil)
	r.AddCookie(&http.Cookie{Name: CSRFCookieName("http://k/"), Value: cookie})
	if !CSRFTokenValid(r, "", a) {
		t.Fatal("the masked token does not match its cookie")
	}
	if _, ok := MaskCSRFToken("not-a-token"); ok {
		t.Fatal("a malformed cookie value was masked")
	}
}
