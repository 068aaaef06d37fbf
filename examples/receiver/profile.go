package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// profileCheck is the synchronous settings check (settings after profile,
// response parse): it tidies the first name the user typed ("ada" →
// "Ada") by answering an identity patch. A traits patch replaces all
// traits, so it sends them back whole. Without a first name it passes (204).
func profileCheck(body []byte) (int, any) {
	var req struct {
		Traits map[string]any `json:"traits"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Traits == nil {
		return http.StatusBadRequest, messages("#/", 10002, "the profile check could not read the request", "error", nil)
	}
	name, _ := req.Traits["name"].(map[string]any)
	first, _ := name["first"].(string)
	if first == "" {
		return http.StatusNoContent, nil
	}
	name["first"] = capitalize(strings.TrimSpace(first))
	return http.StatusOK, map[string]any{"identity": map[string]any{"traits": req.Traits}}
}

// capitalize upper-cases the first letter.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
