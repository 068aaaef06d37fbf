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
