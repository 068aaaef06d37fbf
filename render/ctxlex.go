package render

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/google/go-jsonnet/ast"
)

// Lexing of JSON scalars for ctxBuilder: strict JSON, as encoding/json accepts it.

func (b *ctxBuilder) syntaxError(what string) error {
	return fmt.Errorf("render: invalid ctx JSON at offset %d: %s", b.pos, what)
}

func (b *ctxBuilder) skipSpace() {
	for b.pos < len(b.data) {
		switch b.data[b.pos] {
		case ' ', '\t', '\n', '\r':
			b.pos++
		default:
			return
		}
	}
}

// rawString validates the JSON string at b.pos, moves past it and returns it with
// its quotes, and whether it holds escapes.
func (b *ctxBuilder) rawString() (raw string, escaped bool, err error) {
	start := b.pos
	b.pos++ // opening quote
	for b.pos < len(b.data) {
		b.pos += plainPrefix(b.data[b.pos:])
		if b.pos >= len(b.data) {
			break
		}
		c := b.data[b.pos]
		switch {
		case c == '"':
			b.pos++
			return b.data[start:b.pos], escaped, nil
		case c == '\\':
			escaped = true
			if b.pos+1 >= len(b.data) {
				return "", false, b.syntaxError("unterminated escape")
			}
			switch b.data[b.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				b.pos += 2
			case 'u':
				if b.pos+6 > len(b.data) || !isHex4(b.data[b.pos+2:b.pos+6]) {
					return "", false, b.syntaxError("invalid \\u escape")
				}
				b.pos += 6
			default:
				return "", false, b.syntaxError("invalid escape")
			}
		case c < 0x20:
			return "", false, b.syntaxError("control character in string")
		default:
			b.pos++
		}
	}
	return "", false, b.syntaxError("unterminated string")
}

// str reads the JSON string at b.pos and returns its value: a substring of the
// document when it is plain, else what encoding/json makes of it (escapes, lone
// surrogates and invalid UTF-8 then come out exactly as Kratos's Go side saw them).
func (b *ctxBuilder) str() (string, error) {
	raw, escaped, err := b.rawString()
	if err != nil {
		return "", err
	}
	if body := raw[1 : len(raw)-1]; !escaped && utf8.ValidString(body) {
		return body, nil
	}
	var out string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return "", b.syntaxError(err.Error())
	}
	return out, nil
}

// numberText validates the JSON number at b.pos, moves past it and returns its text.
func (b *ctxBuilder) numberText() (string, error) {
	start := b.pos
	if b.data[b.pos] == '-' {
		b.pos++
	}
	switch {
	case b.pos < len(b.data) && b.data[b.pos] == '0':
		b.pos++
	case b.pos < len(b.data) && b.data[b.pos] >= '1' && b.data[b.pos] <= '9':
		b.digits()
	default:
		return "", b.syntaxError("invalid number")
	}
	if b.pos < len(b.data) && b.data[b.pos] == '.' {
		b.pos++
		if b.digits() == 0 {
			return "", b.syntaxError("invalid number")
		}
	}
	if b.pos < len(b.data) && (b.data[b.pos] == 'e' || b.data[b.pos] == 'E') {
		b.pos++
		if b.pos < len(b.data) && (b.data[b.pos] == '+' || b.data[b.pos] == '-') {
			b.pos++
		}
		if b.digits() == 0 {
			return "", b.syntaxError("invalid number")
		}
	}
	return b.data[start:b.pos], nil
}

// literal moves past true, false or null and returns its shared node.
func (b *ctxBuilder) literal() (ast.Node, error) {
	for _, l := range [...]struct {
		text string
		node ast.Node
	}{{"true", trueNode}, {"false", falseNode}, {"null", nullNode}} {
		if strings.HasPrefix(b.data[b.pos:], l.text) {
			b.pos += len(l.text)
			return l.node, nil
		}
	}
	return nil, b.syntaxError("invalid character")
}

func (b *ctxBuilder) digits() int {
	n := 0
	for b.pos < len(b.data) && b.data[b.pos] >= '0' && b.data[b.pos] <= '9' {
		b.pos++
		n++
	}
	return n
}

// plainPrefix returns how many leading bytes of s need no attention inside a JSON
// string: neither '"', '\\' nor a control character. Strings are most of a ctx
// document, so this scans eight bytes at a time (the classic "has a byte less than
// n" bit trick: the lowest flagged byte is exact, which is the one used).
func plainPrefix(s string) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		c := s[i : i+8] // one bounds check; the compiler merges the loads into one
		w := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		quote := w ^ ('"' * ones)
		backslash := w ^ ('\\' * ones)
		flagged := ((w - 0x20*ones) & ^w) | ((quote - ones) & ^quote) | ((backslash - ones) & ^backslash)
		if flagged &= highs; flagged != 0 {
			return i + bits.TrailingZeros64(flagged)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			break
		}
	}
	return i
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
