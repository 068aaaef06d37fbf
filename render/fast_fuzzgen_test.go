package render

import "strconv"

// fuzzJSON turns arbitrary bytes into a JSON object document. Raw fuzz inputs are
// rarely JSON, so on its own the fuzzer would mostly explore the ctx parser; built
// from the same bytes, this document reaches the templates: keys they read, every
// JSON type, escapes, non-ASCII and invalid UTF-8, duplicate keys, numbers at the
// edges of float64.
func fuzzJSON(in []byte) []byte {
	g := jsonGen{in: in}
	g.object(0)
	return g.out
}

type jsonGen struct {
	in  []byte
	out []byte
}

var (
	fuzzKeys    = []string{"a", "b", "c", "d", "id", "identity", "traits", "email", "", "é", "A", "a b", `\u0000`, `\ud83d\ude00`}
	fuzzNumbers = []string{"0", "-0", "1", "-1", "1.5", "-2.25", "1e21", "1e22", "1e-7", "12345678901234567890", "0.1",
		"1e400", "-1e400", "1e-400", "5e-324", "1.7976931348623157e308", "123456789", "100.0", "2.5E+3", "9007199254740993"}
	fuzzEscapes = []string{`\n`, `\"`, `\\`, `\/`, `\t`, `\b`, `\f`, `\r`, `\u0000`, `\u001f`, `\u007f`, `\u0085`, `\u2028`,
		`\ud83d\ude00`, `\ud800`, `\udc00`, "é", "日", "😀", "\xff", "\xe2\x82"}
)

func (g *jsonGen) next() byte {
	if len(g.in) == 0 {
		return 0
	}
	b := g.in[0]
	g.in = g.in[1:]
	return b
}

func (g *jsonGen) value(depth int) {
	c := g.next()
	if depth > 8 && c%8 < 2 {
		c = 7 // null: keep the nesting bounded
	}
	switch c % 8 {
	case 0:
		g.object(depth + 1)
	case 1:
		g.out = append(g.out, '[')
		for i := range int(g.next() % 4) {
			if i > 0 {
				g.out = append(g.out, ',')
			}
			g.value(depth + 1)
		}
		g.out = append(g.out, ']')
	case 2, 3:
		g.str()
	case 4:
		g.out = append(g.out, fuzzNumbers[int(g.next())%len(fuzzNumbers)]...)
	case 5:
		g.out = strconv.AppendInt(g.out, int64(int8(g.next()))*int64(g.next()), 10)
	case 6:
		g.out = strconv.AppendBool(g.out, g.next()%2 == 0)
	default:
		g.out = append(g.out, "null"...)
	}
}

func (g *jsonGen) object(depth int) {
	g.out = append(g.out, '{')
	for i := range int(g.next() % 5) {
		if i > 0 {
			g.out = append(g.out, ',')
		}
		g.out = append(g.out, '"')
		g.out = append(g.out, fuzzKeys[int(g.next())%len(fuzzKeys)]...)
		g.out = append(g.out, '"', ':')
		g.value(depth)
	}
	g.out = append(g.out, '}')
}

func (g *jsonGen) str() {
	g.out = append(g.out, '"')
	for range int(g.next() % 8) {
		switch b := g.next(); {
		case b < 0x40:
			g.out = append(g.out, fuzzEscapes[int(b)%len(fuzzEscapes)]...)
		case b == '"' || b == '\\' || b == 0x7f:
			g.out = append(g.out, 'q')
		default:
			g.out = append(g.out, b) // printable ASCII, or a raw byte ≥ 0x80
		}
	}
	g.out = append(g.out, '"')
}
