package render

import (
	"strings"

	"github.com/google/go-jsonnet/ast"
)

// Node construction for ctxBuilder: caches, slabs and duplicate keys.

// Object keys and short values (node types, input names, states, label ids…) repeat
// across ctx documents, so their nodes are cached per builder and shared. The caches
// are bounded (cookie and header names come from clients); once full they stop
// growing, which only costs speed.
const (
	maxCachedNodes   = 1024
	maxCachedValue   = 16 // bytes; longer values (ids, times, tokens) are unique anyway
	minFieldsToIndex = 16 // object size from which duplicate keys are found by a map
)

// Nodes with no per-document content are shared: the interpreter never mutates ASTs
// (go-jsonnet itself shares the std library's AST across VMs).
var (
	trueNode  = &ast.LiteralBoolean{Value: true}
	falseNode = &ast.LiteralBoolean{Value: false}
	nullNode  = &ast.LiteralNull{}
)

// objectNode makes the node of an object whose fields are b.fields[base:].
func (b *ctxBuilder) objectNode(base int, need *ctxPaths) ast.Node {
	if need == nil {
		return nil
	}
	obj := b.objects.one()
	if len(b.fields) > base {
		obj.Fields = b.fieldArr.copyOf(b.fields[base:])
	}
	return obj
}

// setField adds a field to the object whose fields start at b.fields[base]. A
// repeated key replaces the earlier value, as encoding/json decoding does (Jsonnet
// would reject the duplicate). Small objects are searched linearly; index takes over
// for large ones (request_cookies holds whatever a client sends), keeping the build
// linear in the document size.
func (b *ctxBuilder) setField(base int, key string, body ast.Node, index *map[string]int) {
	fields := b.fields[base:]
	if *index == nil && len(fields) >= minFieldsToIndex {
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

func (b *ctxBuilder) arrayNode(base int, need *ctxPaths) ast.Node {
	if need == nil {
		return nil
	}
	arr := b.arrays.one()
	if len(b.elements) > base {
		arr.Elements = b.elemArr.copyOf(b.elements[base:])
	}
	return arr
}

// keyNode returns the node for an object key, cached whatever its length.
func (b *ctxBuilder) keyNode(key string) *ast.LiteralString {
	if n, ok := b.strCache[key]; ok {
		return n
	}
	if len(b.strCache) < maxCachedNodes {
		// Clone: the cached node must not pin the whole ctx document in memory.
		n := &ast.LiteralString{Value: strings.Clone(key), Kind: ast.StringDouble}
		b.strCache[n.Value] = n
		return n
	}
	n := b.strs.one()
	n.Value, n.Kind = key, ast.StringDouble
	return n
}

// stringNode returns the node for a string value; short ones come from the cache.
func (b *ctxBuilder) stringNode(s string) *ast.LiteralString {
	if len(s) <= maxCachedValue {
		return b.keyNode(s)
	}
	n := b.strs.one()
	n.Value, n.Kind = s, ast.StringDouble
	return n
}

// numberNode returns the node for a number, keeping its JSON text: the interpreter
// parses it with strconv.ParseFloat, as it parses the numbers in Kratos's ctx code.
func (b *ctxBuilder) numberNode(text string) *ast.LiteralNumber {
	if n, ok := b.numCache[text]; ok {
		return n
	}
	if len(text) <= maxCachedValue && len(b.numCache) < maxCachedNodes {
		n := &ast.LiteralNumber{OriginalString: strings.Clone(text)}
		b.numCache[n.OriginalString] = n
		return n
	}
	n := b.nums.one()
	n.OriginalString = text
	return n
}
