package oryactions

import "testing"

// A Caddyfile body has one reading: URIs and paths stay as written (a path
// is a file, as in Kratos); inline Jsonnet becomes base64://.
func TestBodySource(t *testing.T) {
	for in, want := range map[string]string{
		"file://./hooks/a.jsonnet": "file://./hooks/a.jsonnet",
		"base64://ZnVuY3Rpb24=":    "base64://ZnVuY3Rpb24=",
		"https://x.example/t":      "https://x.example/t",
		"./hooks/a.jsonnet":        "./hooks/a.jsonnet",
		"function(ctx) ctx":        "base64://ZnVuY3Rpb24oY3R4KSBjdHg=",
		"{\n a: 1 }":               "base64://ewogYTogMSB9",
	} {
		if got := bodySource(in); got != want {
			t.Errorf("bodySource(%q) = %q, want %q", in, got, want)
		}
	}
}
