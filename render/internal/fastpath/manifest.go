package fastpath

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/go-jsonnet/ast"
)

// The fast path's writer: go-jsonnet's standard manifestation (interpreter.go
// manifestJSON + serializeJSON + unparseString/unparseNumber of v0.22.0) redone
// over fval. Objects list their fields sorted in Go string order (sort.Strings),
// containers open on their own line and indent by three spaces per level, empty ones
// are `{ }` and `[ ]`.

// maxManifestDepth bounds the nesting the fast path writes. go-jsonnet spends a
// stack frame per level and fails at ≈500 (max stack frames exceeded); deeper values
// are left to it, and the bound keeps this recursion shallow.
const maxManifestDepth = 100

// write appends v at nesting level depth. false means: leave it to go-jsonnet
// (something to bail on inside v, or the output limit passed).
func (e *evalState) write(v fval, depth int) bool {
	switch v.kind {
	case fNull:
		e.out = append(e.out, "null"...)
	case fBool:
		e.out = strconv.AppendBool(e.out, v.b)
	case fNumber:
		e.out = appendJSONNumber(e.out, v.num)
	case fString:
		e.out = appendJSONString(e.out, v.str)
	case fCtxObject:
		return e.writeCtxObject(v.ctxObj, depth)
	case fCtxArray:
		return e.writeArray(depth, len(v.ctxArr.Elements), func(i int) (fval, bool) {
			return ctxValue(v.ctxArr.Elements[i].Expr)
		})
	case fObject:
		return e.writeObject(v.obj, depth)
	case fArray:
		return e.writeArray(depth, len(v.arr.elems), func(i int) (fval, bool) {
			return v.arr.elems[i].eval(e)
		})
	}
	return len(e.out) <= e.limit
}

func (e *evalState) writeCtxObject(o *ast.DesugaredObject, depth int) bool {
	if depth >= maxManifestDepth {
		return false
	}
	if len(o.Fields) == 0 {
		e.out = append(e.out, "{ }"...)
		return true
	}
	// Sort pointers to the fields on a stack shared by all levels; a nested object
	// may grow (move) the stack, so entries are read by index.
	base := len(e.sorted)
	for i := range o.Fields {
		e.sorted = append(e.sorted, &o.Fields[i])
	}
	slices.SortFunc(e.sorted[base:], func(a, b *ast.DesugaredObjectField) int {
		return strings.Compare(a.Name.(*ast.LiteralString).Value, b.Name.(*ast.LiteralString).Value)
	})
	for i := range len(o.Fields) {
		f := e.sorted[base+i]
		e.openItem(i == 0, '{', depth)
		e.out = appendJSONString(e.out, f.Name.(*ast.LiteralString).Value)
		e.out = append(e.out, ": "...)
		v, ok := ctxValue(f.Body)
		if !ok || !e.write(v, depth+1) {
			return false
		}
	}
	clear(e.sorted[base:])
	e.sorted = e.sorted[:base]
	e.closeContainer('}', depth)
	return len(e.out) <= e.limit
}

func (e *evalState) writeObject(o *objectExpr, depth int) bool {
	if depth >= maxManifestDepth {
		return false
	}
	if len(o.fields) == 0 {
		e.out = append(e.out, "{ }"...)
		return true
	}
	for i := range o.fields {
		f := &o.fields[i]
		e.openItem(i == 0, '{', depth)
		e.out = append(e.out, f.quoted...)
		e.out = append(e.out, ": "...)
		v, ok := f.body.eval(e)
		if !ok || !e.write(v, depth+1) {
			return false
		}
	}
	e.closeContainer('}', depth)
	return len(e.out) <= e.limit
}

func (e *evalState) writeArray(depth, n int, elem func(int) (fval, bool)) bool {
	if depth >= maxManifestDepth {
		return false
	}
	if n == 0 {
		e.out = append(e.out, "[ ]"...)
		return true
	}
	for i := range n {
		e.openItem(i == 0, '[', depth)
		v, ok := elem(i)
		if !ok || !e.write(v, depth+1) {
			return false
		}
	}
	e.closeContainer(']', depth)
	return len(e.out) <= e.limit
}

// openItem starts an element of a container at level depth: the opening bracket
// before the first, a comma after the others, then the line break and indentation.
func (e *evalState) openItem(first bool, open byte, depth int) {
	if first {
		e.out = append(e.out, open, '\n')
	} else {
		e.out = append(e.out, ',', '\n')
	}
	e.indent(depth + 1)
}

func (e *evalState) closeContainer(closer byte, depth int) {
	e.out = append(e.out, '\n')
	e.indent(depth)
	e.out = append(e.out, closer)
}

const indentUnit = "   "

func (e *evalState) indent(depth int) {
	for range depth {
		e.out = append(e.out, indentUnit...)
	}
}

// appendJSONNumber formats as go-jsonnet's unparseNumber: integral values with
// fmt's "%.0f", others with "%.17g" (strconv's 'f'/0 and 'g'/17 are what fmt runs
// for those verbs on finite numbers; overflowing ones never get here).
func appendJSONNumber(b []byte, v float64) []byte {
	if v == math.Floor(v) {
		return strconv.AppendFloat(b, v, 'f', 0, 64)
	}
	return strconv.AppendFloat(b, v, 'g', 17, 64)
}

// appendJSONString quotes s as go-jsonnet's unparseString does, rune by rune: the
// short escapes for " \ \b \f \n \r \t, \u00xx (lower-case hex) for the other C0
// controls, DEL and the C1 controls U+0080–U+009F, everything else as UTF-8. A byte
// that is not valid UTF-8 comes out as U+FFFD, as Go's range over a string makes it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		size := 1
		var r rune = rune(c)
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r > 0x9f && !(r == utf8.RuneError && size == 1) {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch r {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case utf8.RuneError:
			b = utf8.AppendRune(b, utf8.RuneError)
		default: // C0, DEL, C1
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
