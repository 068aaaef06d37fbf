package render

// Most of a ctx document is parts no template reads (flow.ui.nodes above all), and
// they still have to be validated: go-jsonnet (Kratos) rejects the whole ctx if any
// of it is not JSON. Validating them with the node-building code costs a function
// call, a defer and interface returns per token; skipValue does it in one flat
// loop instead. It accepts exactly what ctxBuilder.value accepts or less: on
// anything it would have to report (or nesting it does not track), it gives up and
// the caller re-reads the value with the reporting code, so error messages are
// unchanged.

// skipValue validates the JSON value at b.pos (at nesting depth depth) and moves
// past it. false means the value must be re-read by ctxBuilder.value, from the
// position it started at.
func (b *ctxBuilder) skipValue(depth int) bool {
	data := b.data
	pos := b.pos
	open := b.skipStack[:0] // '{' or '[' per container entered
	defer func() { b.skipStack = open[:0] }()
	for {
		// A value starts here.
		pos = skipJSONSpace(data, pos)
		if pos >= len(data) || depth+len(open) > maxNestingDepth {
			return false
		}
		switch c := data[pos]; {
		case c == '{' || c == '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			pos = skipJSONSpace(data, pos+1)
			if pos < len(data) && data[pos] == closer {
				pos++
				break
			}
			open = append(open, c)
			if c == '{' {
				if pos = skipKey(data, pos); pos < 0 {
					return false
				}
			}
			continue // the first member's value
		case c == '"':
			if pos = skipString(data, pos); pos < 0 {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if pos = skipNumber(data, pos); pos < 0 {
				return false
			}
		default:
			if pos = skipLiteral(data, pos); pos < 0 {
				return false
			}
		}
		// A value ended: close containers until one continues with a comma.
		for {
			if len(open) == 0 {
				b.pos = pos
				return true
			}
			pos = skipJSONSpace(data, pos)
			if pos >= len(data) {
				return false
			}
			top := open[len(open)-1]
			c := data[pos]
			if c == ',' {
				pos++
				if top == '{' {
					if pos = skipKey(data, skipJSONSpace(data, pos)); pos < 0 {
						return false
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				pos++
				open = open[:len(open)-1]
				continue
			}
			return false
		}
	}
}

func skipJSONSpace(data string, pos int) int {
	for pos < len(data) {
		switch data[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// skipKey moves past `"key" :` at pos; -1 when it is not there.
func skipKey(data string, pos int) int {
	if pos >= len(data) || data[pos] != '"' {
		return -1
	}
	if pos = skipString(data, pos); pos < 0 {
		return -1
	}
	pos = skipJSONSpace(data, pos)
	if pos >= len(data) || data[pos] != ':' {
		return -1
	}
	return pos + 1
}

// skipString moves past the string at pos (its opening quote); -1 when it is not
// valid. The rules are rawString's.
func skipString(data string, pos int) int {
	pos++
	for {
		pos += plainPrefix(data[pos:])
		if pos >= len(data) {
			return -1
		}
		switch data[pos] {
		case '"':
			return pos + 1
		case '\\':
			if pos+1 >= len(data) {
				return -1
			}
			switch data[pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				pos += 2
			case 'u':
				if pos+6 > len(data) || !isHex4(data[pos+2:pos+6]) {
					return -1
				}
				pos += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// skipNumber moves past the number at pos; -1 when it is not valid. The rules are
// numberText's.
func skipNumber(data string, pos int) int {
	digits := func() int {
		start := pos
		for pos < len(data) && data[pos] >= '0' && data[pos] <= '9' {
			pos++
		}
		return pos - start
	}
	if data[pos] == '-' {
		pos++
	}
	switch {
	case pos < len(data) && data[pos] == '0':
		pos++
	case pos < len(data) && data[pos] >= '1' && data[pos] <= '9':
		digits()
	default:
		return -1
	}
	if pos < len(data) && data[pos] == '.' {
		pos++
		if digits() == 0 {
			return -1
		}
	}
	if pos < len(data) && (data[pos] == 'e' || data[pos] == 'E') {
		pos++
		if pos < len(data) && (data[pos] == '+' || data[pos] == '-') {
			pos++
		}
		if digits() == 0 {
			return -1
		}
	}
	return pos
}

// skipLiteral moves past true, false or null at pos; -1 when none is there.
func skipLiteral(data string, pos int) int {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(data)-pos >= len(lit) && data[pos:pos+len(lit)] == lit {
			return pos + len(lit)
		}
	}
	return -1
}
