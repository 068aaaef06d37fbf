package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportsRefusedByDefault(t *testing.T) {
	for _, code := range []string{
		`function(ctx) import "lib.libsonnet"`,
		`function(ctx) importstr "/etc/passwd"`,
		`function(ctx) importbin "x.bin"`,
	} {
		_, err := compile(t, code, Options{}).Evaluate(t.Context(), []byte(`{}`))
		var evalErr *EvalError
		if !errors.As(err, &evalErr) || !strings.Contains(evalErr.Msg, "RUNTIME ERROR: import not available") {
			t.Errorf("%s: got %v, want Kratos's refusal", code, err)
		}
	}
}

// importDir lays out:
//
//	<tmp>/secret.txt
//	<tmp>/lib/helpers.libsonnet   imports ./nested/n.libsonnet
//	<tmp>/lib/nested/n.libsonnet
//	<tmp>/lib/greeting.txt
//	<tmp>/lib/escape -> ../secret.txt (symlink)
func importDir(t *testing.T) (root, lib string) {
	t.Helper()
	root = t.TempDir()
	lib = filepath.Join(root, "lib")
	files := map[string]string{
		filepath.Join(root, "secret.txt"):                  "secret",
		filepath.Join(lib, "helpers.libsonnet"):            `{ upper(s): std.asciiUpper(s), n: import "nested/n.libsonnet" }`,
		filepath.Join(lib, "nested", "n.libsonnet"):        `42`,
		filepath.Join(lib, "greeting.txt"):                 "hello",
		filepath.Join(lib, "nested", "up.libsonnet"):       `import "../nested/n.libsonnet"`,
		filepath.Join(lib, "nested", "escape.libsonnet"):   `importstr "../../secret.txt"`,
		filepath.Join(lib, "nested", "absolute.libsonnet"): `importstr "` + filepath.Join(root, "secret.txt") + `"`,
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(lib, "escape")); err != nil {
		t.Fatal(err)
	}
	return root, lib
}

func TestImportsInsideImportDir(t *testing.T) {
	_, lib := importDir(t)
	for code, want := range map[string]string{
		`local h = import "helpers.libsonnet"; function(ctx) [h.upper(ctx.s), h.n]`: "[\n   \"ABC\",\n   42\n]\n",
		`function(ctx) importstr "greeting.txt"`:                                    "\"hello\"\n",
		`function(ctx) import "nested/up.libsonnet"`:                                "42\n",
		`function(ctx) importstr "` + filepath.Join(lib, "greeting.txt") + `"`:      "\"hello\"\n",
	} {
		tpl := compile(t, code, Options{ImportDir: lib})
		for i := 0; i < 2; i++ { // the second run uses the pooled VM's import cache
			out, err := tpl.Evaluate(t.Context(), []byte(`{"s": "abc"}`))
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if string(out) != want {
				t.Fatalf("%s: got %q, want %q", code, out, want)
			}
		}
	}
}

func TestImportsEscapingImportDirRefused(t *testing.T) {
	root, lib := importDir(t)
	for _, code := range []string{
		`function(ctx) importstr "../secret.txt"`,
		`function(ctx) importstr "` + filepath.Join(root, "secret.txt") + `"`,
		`function(ctx) importstr "escape"`, // symlink out of the directory
		`function(ctx) import "nested/escape.libsonnet"`,
		`function(ctx) import "nested/absolute.libsonnet"`,
	} {
		out, err := compile(t, code, Options{ImportDir: lib}).Evaluate(t.Context(), []byte(`{}`))
		var evalErr *EvalError
		if !errors.As(err, &evalErr) || !strings.Contains(evalErr.Msg, "import not available") {
			t.Errorf("%s: got (%q, %v), want a refusal", code, out, err)
		}
		if strings.Contains(string(out), "secret") {
			t.Errorf("%s: leaked the file", code)
		}
	}
}
