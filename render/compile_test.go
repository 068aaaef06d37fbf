package render

import (
	"strings"
	"testing"
)

func TestCompileSyntaxErrorHasLineAndColumn(t *testing.T) {
	code := "function(ctx) {\n  a: ctx.x,\n  b: ,\n}\n"
	_, err := Compile("file://t.jsonnet", code, Options{})
	if err == nil {
		t.Fatal("syntax error accepted")
	}
	if !strings.Contains(err.Error(), "file://t.jsonnet:3:6") {
		t.Fatalf("error lacks the template's line:column: %v", err)
	}
}

func TestCompileStaticErrorUnknownVariable(t *testing.T) {
	_, err := Compile(InlineName, "function(ctx)\n  ctxx.identity", Options{})
	if err == nil || !strings.Contains(err.Error(), "inline:2:3") || !strings.Contains(err.Error(), "Unknown variable: ctxx") {
		t.Fatalf("got %v", err)
	}
}

func TestCompileHintsAtForgottenFileScheme(t *testing.T) {
	_, err := Compile(InlineName, "./hooks/signup.jsonnet", Options{})
	if err == nil || !strings.Contains(err.Error(), "file://./hooks/signup.jsonnet") {
		t.Fatalf("got %v", err)
	}
	// Ordinary broken code gets no such hint.
	_, err = Compile(InlineName, "function(ctx) {", Options{})
	if err == nil || strings.Contains(err.Error(), "file://") {
		t.Fatalf("got %v", err)
	}
}

func TestCompileRejectsMissingImportDir(t *testing.T) {
	if _, err := Compile(InlineName, "{}", Options{ImportDir: "/nonexistent/dir"}); err == nil {
		t.Fatal("missing import directory accepted")
	}
}
