package fastpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// Test helpers: a Parser of our own (render's ctx builder lives in render, which
// imports this package) and go-jsonnet evaluating the same AST, the reference Eval
// is held to.

// jsonParser builds the ctx AST with encoding/json: the shape Parser documents
// (strings decoded as encoding/json decodes them, invalid UTF-8 as U+FFFD; numbers
// keeping their JSON text; the last of duplicate keys), without any pruning.
type jsonParser struct{}

func newJSONParser() Parser { return jsonParser{} }

func (jsonParser) Parse(ctxJSON []byte) (*ast.DesugaredObject, error) {
	dec := json.NewDecoder(bytes.NewReader(ctxJSON))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	obj, ok := jsonNode(doc).(*ast.DesugaredObject)
	if !ok {
		return nil, errors.New("ctx must be a JSON object")
	}
	return obj, nil
}

func jsonNode(v any) ast.Node {
	switch v := v.(type) {
	case map[string]any:
		obj := &ast.DesugaredObject{}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range v {
				if !yield(k) {
					return
				}
			}
		}) {
			obj.Fields = append(obj.Fields, ast.DesugaredObjectField{
				Name: &ast.LiteralString{Value: k, Kind: ast.StringDouble},
				Body: jsonNode(v[k]),
				Hide: ast.ObjectFieldInherit,
			})
		}
		return obj
	case []any:
		arr := &ast.Array{}
		for _, el := range v {
			arr.Elements = append(arr.Elements, ast.CommaSeparatedExpr{Expr: jsonNode(el)})
		}
		return arr
	case string:
		return &ast.LiteralString{Value: v, Kind: ast.StringDouble}
	case json.Number:
		return &ast.LiteralNumber{OriginalString: string(v)}
	case bool:
		return &ast.LiteralBoolean{Value: v}
	}
	return &ast.LiteralNull{}
}

// parseTemplate returns a template's AST as go-jsonnet evaluates it.
func parseTemplate(t testing.TB, code string) ast.Node {
	t.Helper()
	node, err := jsonnet.SnippetToAST("t", code)
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return node
}

// goJsonnet evaluates node with ctx bound to the AST the Parser makes of ctxJSON:
// what Eval must reproduce whenever it succeeds.
func goJsonnet(node ast.Node, ctxJSON []byte) (string, error) {
	root, err := jsonParser{}.Parse(ctxJSON)
	if err != nil {
		return "", err
	}
	vm := jsonnet.MakeVM()
	vm.TLANode(ctxParam, root)
	return vm.Evaluate(node)
}
