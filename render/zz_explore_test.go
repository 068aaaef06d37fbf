package render

import (
	"encoding/json"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

func BenchmarkXUnmarshal(b *testing.B) {
	c := benchCtx(b)
	b.ReportAllocs()
	for b.Loop() {
		var v any
		json.Unmarshal(c, &v)
	}
}

// native returning a pre-decoded value: floor + jsonToValue + eval
func BenchmarkXNativePredecoded(b *testing.B) {
	c := benchCtx(b)
	var v any
	json.Unmarshal(c, &v)
	arg, _ := jsonnet.SnippetToAST("<top-level-arg:ctx>", `std.native("ctx")()`)
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			node, _ := jsonnet.SnippetToAST("t", tc.code)
			vm := jsonnet.MakeVM()
			vm.NativeFunction(&jsonnet.NativeFunction{Name: "ctx", Params: ast.Identifiers{}, Func: func([]any) (any, error) { return v, nil }})
			vm.TLANode("ctx", arg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vm.Evaluate(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// prebuilt AST reused: floor + lazy eval only
func BenchmarkXASTPrebuilt(b *testing.B) {
	c := string(benchCtx(b))
	n, _ := newCtxBuilder().build(c)
	for _, tc := range benchTemplates {
		b.Run(tc.name, func(b *testing.B) {
			node, _ := jsonnet.SnippetToAST("t", tc.code)
			vm := jsonnet.MakeVM()
			vm.TLANode("ctx", n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vm.Evaluate(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
