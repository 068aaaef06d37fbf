package render

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleTemplate = "function(ctx) {\n  id: ctx.identity.id,\n}\n"

func TestLoadBase64(t *testing.T) {
	src := "base64://" + base64.StdEncoding.EncodeToString([]byte(sampleTemplate))
	name, code, err := Load(t.Context(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if name != src || code != sampleTemplate {
		t.Fatalf("got (%q, %q)", name, code)
	}
	if _, _, err := Load(t.Context(), "base64://not*base64", Options{}); err == nil {
		t.Fatal("invalid base64 accepted")
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "hooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hooks", "t.jsonnet")
	if err := os.WriteFile(path, []byte(sampleTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ source, baseDir string }{
		{"file://hooks/t.jsonnet", dir},   // relative, against BaseDir
		{"file://./hooks/t.jsonnet", dir}, // relative with ./
		{"file://" + path, ""},            // absolute: file:///…
		{"file://" + path, "/elsewhere"},  // absolute ignores BaseDir
	} {
		name, code, err := Load(t.Context(), tc.source, Options{BaseDir: tc.baseDir})
		if err != nil {
			t.Fatalf("%s: %v", tc.source, err)
		}
		if name != tc.source || code != sampleTemplate {
			t.Fatalf("%s: got (%q, %q)", tc.source, name, code)
		}
	}
	if _, _, err := Load(t.Context(), "file://missing.jsonnet", Options{BaseDir: dir}); err == nil {
		t.Fatal("missing file accepted")
	}
	big := filepath.Join(dir, "big.jsonnet")
	if err := os.WriteFile(big, make([]byte, MaxTemplateSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(t.Context(), "file://"+big, Options{}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized file: %v", err)
	}
}

func TestLoadHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/t.jsonnet":
			w.Write([]byte(sampleTemplate))
		case "/big.jsonnet":
			w.Write(make([]byte, MaxTemplateSize+1))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	secretURL := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)

	name, code, err := Load(t.Context(), secretURL+"/t.jsonnet?token=s3cret#frag", Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if code != sampleTemplate {
		t.Fatalf("code %q", code)
	}
	if name != srv.URL+"/t.jsonnet" {
		t.Fatalf("name %q: want the URL without userinfo, query and fragment", name)
	}

	for _, path := range []string{"/missing.jsonnet", "/big.jsonnet"} {
		_, _, err := Load(t.Context(), secretURL+path+"?token=s3cret", Options{})
		if err == nil {
			t.Fatalf("%s accepted", path)
		}
		if msg := err.Error(); strings.Contains(msg, "s3cret") || strings.Contains(msg, "hunter2") {
			t.Fatalf("error leaks a secret: %s", msg)
		}
	}
	// A transport error must not leak the URL's secrets either.
	_, _, err = Load(t.Context(), "http://user:hunter2@127.0.0.1:1/t?token=s3cret", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unreachable server: %v", err)
	}
}

func TestLoadSchemelessIsAFilePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.jsonnet"), []byte(sampleTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	name, code, err := Load(t.Context(), "t.jsonnet", Options{BaseDir: dir})
	if err != nil || name != "t.jsonnet" || code != sampleTemplate {
		t.Fatalf("got (%q, %q, %v)", name, code, err)
	}
	// Jsonnet code without a scheme is not guessed at: it is a (missing) file.
	if _, _, err := Load(t.Context(), sampleTemplate, Options{}); err == nil || !strings.Contains(err.Error(), "heredoc") {
		t.Fatalf("inline code without a scheme: err = %v", err)
	}
}
