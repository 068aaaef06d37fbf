package kratos

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// formKind is how Kratos's form decoder (ory/x decoderx with
// jsonschemax.ListPaths) types a form field named after a schema path.
type formKind int

const (
	formString formKind = iota + 1
	formNumber          // number and integer: strconv.ParseFloat
	formBool
	formStrings // array of strings
	formNumbers // array of numbers or integers
	formBools   // array of booleans
	formAnyList // array without a single item type: strings
	formJSON    // object: the field holds JSON
)

// formPath is one typed form field name such as "traits.age".
type formPath struct {
	kind     formKind
	required bool
	// jsonHint marks paths ListPaths gives TypeHint JSON (objects, and
	// arrays whose items are objects or arrays): the decoder sets them to
	// {} when the submit lacks them, so Kratos's decoded traits always
	// contain every object-typed property, empty if not sent.
	jsonHint bool
}

// listFormPaths lists the trait paths of an identity schema the way
// jsonschemax.ListPaths does for Kratos's form decoder: "traits" itself and
// every nested property with a single declared type (or a const), with
// local $refs and allOf/anyOf/oneOf followed. A later duplicate replaces an
// earlier one, as ListPaths's de-duplication does for paths without
// defaults.
func listFormPaths(root gjson.Result) map[string]formPath {
	out := map[string]formPath{}
	traits := resolveLocalRef(root, root).Get("properties.traits")
	required := false
	resolveLocalRef(root, root).Get("required").ForEach(func(_, v gjson.Result) bool {
		required = required || v.String() == "traits"
		return true
	})
	listFormPathsAt(root, traits, "traits", required, 0, out)
	return out
}

func listFormPathsAt(root, node gjson.Result, name string, required bool, depth int, out map[string]formPath) {
	if depth > maxSchemaDepth || !node.Exists() {
		return
	}
	node = resolveLocalRef(root, node)
	if kind, hint := formKindOf(root, node); kind != 0 {
		out[name] = formPath{kind: kind, required: required, jsonHint: hint}
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		node.Get(key).ForEach(func(_, sub gjson.Result) bool {
			listFormPathsAt(root, sub, name, false, depth+1, out)
			return true
		})
	}
	req := map[string]bool{}
	node.Get("required").ForEach(func(_, v gjson.Result) bool {
		req[v.String()] = true
		return true
	})
	node.Get("properties").ForEach(func(k, sub gjson.Result) bool {
		listFormPathsAt(root, sub, name+"."+k.String(), req[k.String()], depth+1, out)
		return true
	})
}

// formKindOf maps a schema node to its decoder kind and JSON type hint;
// kind 0 means the decoder has no path for it and drops such form fields.
func formKindOf(root, node gjson.Result) (formKind, bool) {
	if c := node.Get("const"); c.Exists() {
		switch c.Type {
		case gjson.Number:
			return formNumber, false
		case gjson.String:
			return formString, false
		case gjson.True, gjson.False:
			return formBool, false
		}
		if c.IsArray() {
			return formAnyList, true
		}
		return formJSON, true
	}
	t, ok := singleType(node)
	if !ok {
		return 0, false
	}
	switch t {
	case "boolean":
		return formBool, false
	case "number", "integer":
		return formNumber, false
	case "string":
		return formString, false
	case "object":
		return formJSON, true
	case "array":
		return arrayFormKind(root, node.Get("items"))
	}
	return 0, false
}

func arrayFormKind(root, items gjson.Result) (formKind, bool) {
	var types []string
	add := func(it gjson.Result) {
		if t, ok := singleType(resolveLocalRef(root, it)); ok && (len(types) == 0 || types[len(types)-1] != t) {
			types = append(types, t)
		}
	}
	if items.IsArray() {
		items.ForEach(func(_, it gjson.Result) bool { add(it); return true })
	} else if items.IsObject() {
		add(items)
	}
	if len(types) != 1 {
		return formAnyList, false
	}
	switch types[0] {
	case "boolean":
		return formBools, false
	case "number", "integer":
		return formNumbers, false
	case "string":
		return formStrings, false
	}
	return formAnyList, true
}

// singleType returns the node's type when it declares exactly one.
func singleType(node gjson.Result) (string, bool) {
	t := node.Get("type")
	switch {
	case t.Type == gjson.String:
		return t.String(), true
	case t.IsArray():
		arr := t.Array()
		if len(arr) == 1 {
			return arr[0].String(), true
		}
	}
	return "", false
}

// jsonHintPaths lists the paths the decoder defaults to {}, sorted by name
// as ListPaths sorts them (so "traits" precedes "traits.name").
func (s *Schema) jsonHintPaths() []string {
	var out []string
	for name, p := range s.formPaths {
		if p.jsonHint {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// traitsFormPath looks up a dotted form field name under "traits".
func (s *Schema) traitsFormPath(name string) (formPath, bool) {
	if s == nil || !strings.HasPrefix(name, "traits") {
		return formPath{}, false
	}
	p, ok := s.formPaths[name]
	return p, ok
}
