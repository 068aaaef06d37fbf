package cli

import (
	"strings"
)

// caddyToken writes v as one Caddyfile token. Plain words stay bare; a value
// the lexer would split or read otherwise (spaces, quotes, a leading # or
// <<, a lone brace, emptiness) is quoted with backticks, inside which
// nothing is special, or, when it holds a backtick itself, with double
// quotes, inside which only \" is an escape.
func caddyToken(v string) string {
	if isBareToken(v) {
		return v
	}
	if !strings.Contains(v, "`") {
		return "`" + v + "`"
	}
	return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
}

func isBareToken(v string) bool {
	switch {
	case v == "", v == "{", v == "}",
		strings.HasPrefix(v, "#"), strings.HasPrefix(v, "<<"),
		strings.ContainsAny(v, " \t\r\n\"`\\"):
		return false
	}
	return true
}
