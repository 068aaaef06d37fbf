package render

import (
	"errors"

	"github.com/google/go-jsonnet/ast"
)

// Kratos hands the ctx to go-jsonnet as code (TLACode), so go-jsonnet lexes, parses,
// desugars and analyses ~6 KB of JSON on every call: most of the ≈1 ms Kratos spends.
// We build the AST that this pipeline would produce straight from the JSON instead,
// and pass it with TLANode. Evaluation then runs the very same interpreter code on
// the same node kinds (DesugaredObject, Array, LiteralString, LiteralNumber, …), so
// the output is byte-identical, and it stays lazy: fields a template never reads are
// never turned into values. Compile's analysis (ctxuse.go) goes further: parts of the
// ctx the template cannot observe are only validated, not built.
//
// Numbers keep their JSON text in LiteralNumber.OriginalString; the interpreter parses
// them with strconv.ParseFloat exactly as it does for Kratos's code. Strings decode as
// encoding/json decodes them (Kratos's ctx is the encoding/json rendering of its Go
// values): plain ones are sliced from the input, escaped or invalid-UTF-8 ones go to
// encoding/json itself.

// maxNestingDepth bounds recursion so hostile input cannot exhaust the Go stack
// (the limit encoding/json uses).
const maxNestingDepth = 10000

var errCtxNotObject = errors.New("render: ctx must be a JSON object")

// ctxBuilder turns one ctx document into an AST. A builder belongs to one pooled VM
// slot (one evaluation at a time), so its caches need no locking.
type ctxBuilder struct {
	data string
	pos  int

	strCache map[string]*ast.LiteralString
	numCache map[string]*ast.LiteralNumber

	// Scratch stacks: an object's fields (an array's elements) are collected here
	// and copied once into an exactly sized slice.
	fields   []ast.DesugaredObjectField
	elements []ast.CommaSeparatedExpr
	// skipStack is skipValue's stack of open containers.
	skipStack []byte
	// reuse: the nodes of a document are dead once the next one is built (true for
	// the fast path's builders, see slab).
	reuse bool

	// Nodes and field/element slices come from slabs sized by the previous document
	// (ctx documents of one template have similar shapes): a handful of allocations
	// per document instead of one per node.
	strs     slab[ast.LiteralString]
	nums     slab[ast.LiteralNumber]
	objects  slab[ast.DesugaredObject]
	arrays   slab[ast.Array]
	fieldArr slab[ast.DesugaredObjectField]
	elemArr  slab[ast.CommaSeparatedExpr]
}

func newCtxBuilder() *ctxBuilder {
	return &ctxBuilder{
		strCache: make(map[string]*ast.LiteralString),
		numCache: make(map[string]*ast.LiteralNumber),
	}
}

// build parses data, which must hold one JSON object, into an AST holding the parts
// described by need (all of data is validated either way).
func (b *ctxBuilder) build(data string, need *ctxPaths) (ast.Node, error) {
	b.data, b.pos = data, 0
	defer func() { b.data = "" }() // do not keep the document alive in the pool
	b.strs.reset(b.reuse)
	b.nums.reset(b.reuse)
	b.objects.reset(b.reuse)
	b.arrays.reset(b.reuse)
	b.fieldArr.reset(b.reuse)
	b.elemArr.reset(b.reuse)
	b.skipSpace()
	if b.pos >= len(b.data) || b.data[b.pos] != '{' {
		return nil, errCtxNotObject
	}
	node, err := b.value(0, need)
	if err != nil {
		return nil, err
	}
	b.skipSpace()
	if b.pos != len(b.data) {
		return nil, b.syntaxError("trailing data")
	}
	return node, nil
}

// value reads one JSON value. With need nil it is only validated and skipped (the
// returned node is then nil).
func (b *ctxBuilder) value(depth int, need *ctxPaths) (ast.Node, error) {
	if depth > maxNestingDepth {
		return nil, b.syntaxError("exceeded max depth")
	}
	if start := b.pos; need == nil {
		if b.skipValue(depth) {
			return nil, nil
		}
		b.pos = start // something to report: the code below finds it
	}
	b.skipSpace()
	if b.pos >= len(b.data) {
		return nil, b.syntaxError("unexpected end of input")
	}
	switch c := b.data[b.pos]; {
	case c == '{':
		return b.object(depth, need)
	case c == '[':
		return b.array(depth, need)
	case c == '"':
		if need == nil {
			_, _, err := b.rawString()
			return nil, err
		}
		s, err := b.str()
		if err != nil {
			return nil, err
		}
		return b.stringNode(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := b.numberText()
		if err != nil || need == nil {
			return nil, err
		}
		return b.numberNode(text), nil
	default:
		return b.literal()
	}
}

func (b *ctxBuilder) object(depth int, need *ctxPaths) (ast.Node, error) {
	b.pos++ // '{'
	base := len(b.fields)
	var index map[string]int // duplicate-key index, built only for large objects
	defer func() {
		clear(b.fields[base:]) // drop references to this document's nodes
		b.fields = b.fields[:base]
	}()
	b.skipSpace()
	if b.pos < len(b.data) && b.data[b.pos] == '}' {
		b.pos++
		return b.objectNode(base, need), nil
	}
	for {
		b.skipSpace()
		if b.pos >= len(b.data) || b.data[b.pos] != '"' {
			return nil, b.syntaxError("expected object key")
		}
		var key string
		var err error
		if need == nil {
			_, _, err = b.rawString()
		} else {
			key, err = b.str()
		}
		if err != nil {
			return nil, err
		}
		b.skipSpace()
		if b.pos >= len(b.data) || b.data[b.pos] != ':' {
			return nil, b.syntaxError("expected ':'")
		}
		b.pos++
		var fieldNeed *ctxPaths
		if need != nil {
			fieldNeed = need.child(key)
		}
		body, err := b.value(depth+1, fieldNeed)
		if err != nil {
			return nil, err
		}
		if fieldNeed != nil {
			b.setField(base, key, body, &index)
		}
		b.skipSpace()
		if b.pos >= len(b.data) {
			return nil, b.syntaxError("unexpected end of object")
		}
		switch b.data[b.pos] {
		case ',':
			b.pos++
		case '}':
			b.pos++
			return b.objectNode(base, need), nil
		default:
			return nil, b.syntaxError("expected ',' or '}'")
		}
	}
}

func (b *ctxBuilder) array(depth int, need *ctxPaths) (ast.Node, error) {
	b.pos++ // '['
	if need != nil {
		need = allOfCtx // an array is needed whole: only constant field names prune
	}
	base := len(b.elements)
	defer func() {
		clear(b.elements[base:])
		b.elements = b.elements[:base]
	}()
	b.skipSpace()
	if b.pos < len(b.data) && b.data[b.pos] == ']' {
		b.pos++
		return b.arrayNode(base, need), nil
	}
	for {
		el, err := b.value(depth+1, need)
		if err != nil {
			return nil, err
		}
		if need != nil {
			b.elements = append(b.elements, ast.CommaSeparatedExpr{Expr: el})
		}
		b.skipSpace()
		if b.pos >= len(b.data) {
			return nil, b.syntaxError("unexpected end of array")
		}
		switch b.data[b.pos] {
		case ',':
			b.pos++
		case ']':
			b.pos++
			return b.arrayNode(base, need), nil
		default:
			return nil, b.syntaxError("expected ',' or ']'")
		}
	}
}
