package render

import (
	"errors"
	"strings"

	"github.com/google/go-jsonnet/ast"
)

// Kratos hands the ctx to go-jsonnet as code (TLACode), so go-jsonnet lexes, parses,
// desugars and analyses ~6 KB of JSON on every call: most of the ≈1 ms Kratos spends.
// We build the AST that this pipeline would produce straight from the JSON instead,
// and pass it with TLANode. Evaluation then runs the very same interpreter code on
// the same node kinds (DesugaredObject, Array, LiteralString, LiteralNumber, …), so
// the output is byte-identical, and it stays lazy: fields a template never reads are
// never turned into values.
//
// Numbers keep their JSON text in LiteralNumber.OriginalString; the interpreter parses
// them with strconv.ParseFloat exactly as it does for Kratos's code. Strings decode as
// encoding/json decodes them (Kratos's ctx is the encoding/json rendering of its Go
// values): plain ones are sliced from the input, escaped or invalid-UTF-8 ones go to
// encoding/json itself.

// maxNestingDepth bounds recursion so hostile input cannot exhaust the Go stack
// (the limit encoding/json uses).
const maxNestingDepth = 10000

// maxCachedKeys bounds the per-builder cache of object-key nodes: keys are mostly a
// fixed vocabulary, but cookie and header names come from clients.
const maxCachedKeys = 1024

var errCtxNotObject = errors.New("render: ctx must be a JSON object")

// Nodes with no per-document content are shared: the interpreter never mutates ASTs
// (go-jsonnet itself shares the std library's AST across VMs).
var (
	trueNode  = &ast.LiteralBoolean{Value: true}
	falseNode = &ast.LiteralBoolean{Value: false}
	nullNode  = &ast.LiteralNull{}
)

// ctxBuilder turns one ctx document into an AST. A builder belongs to one pooled VM
// slot, so its key cache needs no locking.
type ctxBuilder struct {
	data string
	pos  int
	keys map[string]*ast.LiteralString

	// Scratch stacks: an object's fields (an array's elements) are collected here
	// and copied once into an exactly sized slice, instead of growing by append.
	fields   []ast.DesugaredObjectField
	elements []ast.CommaSeparatedExpr

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
	return &ctxBuilder{keys: make(map[string]*ast.LiteralString)}
}

// build parses data, which must hold one JSON object, into an AST.
func (b *ctxBuilder) build(data string) (ast.Node, error) {
	b.data, b.pos = data, 0
	b.strs.reset()
	b.nums.reset()
	b.objects.reset()
	b.arrays.reset()
	b.fieldArr.reset()
	b.elemArr.reset()
	// Do not keep the document alive in the pool.
	defer func() { b.data = "" }()
	b.skipSpace()
	if b.pos >= len(b.data) || b.data[b.pos] != '{' {
		return nil, errCtxNotObject
	}
	node, err := b.value(0)
	if err != nil {
		return nil, err
	}
	b.skipSpace()
	if b.pos != len(b.data) {
		return nil, b.syntaxError("trailing data")
	}
	return node, nil
}

func (b *ctxBuilder) value(depth int) (ast.Node, error) {
	if depth > maxNestingDepth {
		return nil, b.syntaxError("exceeded max depth")
	}
	b.skipSpace()
	if b.pos >= len(b.data) {
		return nil, b.syntaxError("unexpected end of input")
	}
	switch c := b.data[b.pos]; {
	case c == '{':
		return b.object(depth)
	case c == '[':
		return b.array(depth)
	case c == '"':
		s, err := b.str()
		if err != nil {
			return nil, err
		}
		n := b.strs.one()
		n.Value, n.Kind = s, ast.StringDouble
		return n, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return b.number()
	case strings.HasPrefix(b.data[b.pos:], "true"):
		b.pos += 4
		return trueNode, nil
	case strings.HasPrefix(b.data[b.pos:], "false"):
		b.pos += 5
		return falseNode, nil
	case strings.HasPrefix(b.data[b.pos:], "null"):
		b.pos += 4
		return nullNode, nil
	default:
		return nil, b.syntaxError("invalid character")
	}
}

func (b *ctxBuilder) object(depth int) (ast.Node, error) {
	b.pos++ // '{'
	obj := b.objects.one()
	b.skipSpace()
	if b.pos < len(b.data) && b.data[b.pos] == '}' {
		b.pos++
		return obj, nil
	}
	base := len(b.fields)
	var index map[string]int // duplicate-key index, built only for large objects
	defer func() {
		clear(b.fields[base:]) // drop references to this document's nodes
		b.fields = b.fields[:base]
	}()
	for {
		b.skipSpace()
		if b.pos >= len(b.data) || b.data[b.pos] != '"' {
			return nil, b.syntaxError("expected object key")
		}
		key, err := b.str()
		if err != nil {
			return nil, err
		}
		b.skipSpace()
		if b.pos >= len(b.data) || b.data[b.pos] != ':' {
			return nil, b.syntaxError("expected ':'")
		}
		b.pos++
		body, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		b.setField(base, key, body, &index)
		b.skipSpace()
		if b.pos >= len(b.data) {
			return nil, b.syntaxError("unexpected end of object")
		}
		switch b.data[b.pos] {
		case ',':
			b.pos++
		case '}':
			b.pos++
			obj.Fields = b.fieldArr.copyOf(b.fields[base:])
			return obj, nil
		default:
			return nil, b.syntaxError("expected ',' or '}'")
		}
	}
}

// setField adds a field to the object whose fields start at b.fields[base]. A
// repeated key replaces the earlier value, as encoding/json decoding does (Jsonnet
// would reject the duplicate). Small objects are searched linearly; index takes over
// for large ones (request_cookies holds whatever a client sends), keeping the build
// linear in the document size.
func (b *ctxBuilder) setField(base int, key string, body ast.Node, index *map[string]int) {
	fields := b.fields[base:]
	if *index == nil && len(fields) >= linearFieldScan {
		*index = make(map[string]int, 2*len(fields))
		for i, f := range fields {
			(*index)[f.Name.(*ast.LiteralString).Value] = i
		}
	}
	if *index != nil {
		if i, ok := (*index)[key]; ok {
			fields[i].Body = body
			return
		}
		(*index)[key] = len(fields)
	} else {
		for i := range fields {
			if fields[i].Name.(*ast.LiteralString).Value == key {
				fields[i].Body = body
				return
			}
		}
	}
	b.fields = append(b.fields, ast.DesugaredObjectField{Name: b.keyNode(key), Body: body, Hide: ast.ObjectFieldInherit})
}

// linearFieldScan is the object size up to which duplicate keys are found by a scan.
const linearFieldScan = 16

func (b *ctxBuilder) keyNode(key string) *ast.LiteralString {
	if n, ok := b.keys[key]; ok {
		return n
	}
	n := &ast.LiteralString{Value: key, Kind: ast.StringDouble}
	if len(b.keys) < maxCachedKeys {
		// Clone: the cached node must not pin the whole ctx document in memory.
		n.Value = strings.Clone(key)
		b.keys[n.Value] = n
	}
	return n
}

func (b *ctxBuilder) array(depth int) (ast.Node, error) {
	b.pos++ // '['
	arr := b.arrays.one()
	b.skipSpace()
	if b.pos < len(b.data) && b.data[b.pos] == ']' {
		b.pos++
		return arr, nil
	}
	base := len(b.elements)
	defer func() {
		clear(b.elements[base:])
		b.elements = b.elements[:base]
	}()
	for {
		el, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		b.elements = append(b.elements, ast.CommaSeparatedExpr{Expr: el})
		b.skipSpace()
		if b.pos >= len(b.data) {
			return nil, b.syntaxError("unexpected end of array")
		}
		switch b.data[b.pos] {
		case ',':
			b.pos++
		case ']':
			b.pos++
			arr.Elements = b.elemArr.copyOf(b.elements[base:])
			return arr, nil
		default:
			return nil, b.syntaxError("expected ',' or ']'")
		}
	}
}
