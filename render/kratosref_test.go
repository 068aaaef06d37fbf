package render

import (
	"context"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// kratosRender renders the way Kratos v1.3.1 does (request/builder.go addJSONBody, run
// by ory/x jsonnetsecure): a fresh VM that refuses imports, the ctx bound as *code*
// with TLACode, EvaluateAnonymousSnippet. It is the reference our fast path must match.
// (Kratos's sandbox prefixes errors with "jsonnetsecure: ERROR: "; this returns the
// bare formatted error.)
func kratosRender(name, code, ctxJSON string) (string, error) {
	vm := jsonnet.MakeVM()
	vm.Importer(noImporter{})
	vm.TLACode("ctx", ctxJSON)
	return vm.EvaluateAnonymousSnippet(name, code)
}

// render compiles and evaluates with default options, failing the test on errors.
func render(t testing.TB, code, ctxJSON string) string {
	t.Helper()
	tpl, err := Compile(InlineName, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Evaluate(context.Background(), []byte(ctxJSON))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// assertMatchesKratos renders code over ctxJSON both ways and requires the same
// output, or the same error text (Kratos's sandbox prefix included).
func assertMatchesKratos(t *testing.T, code, ctxJSON string) {
	t.Helper()
	const name = "file://t.jsonnet"
	want, wantErr := kratosRender(name, code, ctxJSON)
	tpl, err := Compile(name, code, Options{})
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	got, gotErr := tpl.Evaluate(t.Context(), []byte(ctxJSON))
	switch {
	case wantErr == nil && gotErr == nil:
		if string(got) != want {
			t.Errorf("%s: output differs:\n%s\nKratos:\n%s", code, got, want)
		}
	case wantErr != nil && gotErr != nil:
		if gotErr.Error() != kratosErrorPrefix+wantErr.Error() {
			t.Errorf("%s: error differs:\n%q\nKratos:\n%q", code, gotErr.Error(), kratosErrorPrefix+wantErr.Error())
		}
	default:
		t.Errorf("%s: got (%.60q, %v), Kratos (%.60q, %v)", code, got, gotErr, want, wantErr)
	}
}
