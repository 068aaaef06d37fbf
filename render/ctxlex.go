package render

import (
	"encoding/json"
	"fmt"
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

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
