package hooks

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Content types Kratos's request builder accepts for a body; anything else
// fails every call ("invalid config - incorrect Content-Type for request
// with body"), so we refuse it at load.
const (
	contentTypeJSON = "application/json"
	contentTypeForm = "application/x-www-form-urlencoded"
)

// supportedMethods are the methods a webhook may use. Kratos passes any
// token through (even "post", sent verbatim); we accept the standard
// upper-case methods only, since anything else is almost surely a typo.
var supportedMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
	http.MethodOptions: true, http.MethodTrace: true,
}

// Validate checks a config at load. Every problem is reported, each prefixed
// with the key it concerns (e.g. "url: required"); values that may be
// secrets (URLs, auth values) are never echoed.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch u, err := url.Parse(c.URL); {
	case c.URL == "":
		add("url: required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		add("url: must be an absolute http or https URL")
	}

	switch {
	case c.Method == "":
		add("method: required")
	case !supportedMethods[c.Method]:
		add("method: unsupported %q", c.Method)
	}

	for _, name := range sortedKeys(c.Headers) {
		value := c.Headers[name]
		switch {
		case !isToken(name):
			add("headers: invalid header name %q", name)
		case strings.ContainsAny(value, "\r\n\x00"):
			add("headers.%s: value contains a line break or NUL", name)
		case http.CanonicalHeaderKey(name) == "Content-Type" && c.Method != http.MethodTrace &&
			value != contentTypeJSON && value != contentTypeForm:
			// TRACE sends no body, so Kratos never checks its content type.
			add("headers.%s: unsupported %q", name, value)
		}
	}

	if c.Auth != nil {
		errs = append(errs, c.Auth.validate()...)
	}

	if c.Response.Ignore && c.Parses() {
		add("response: ignore and parse are mutually exclusive")
	}
	errs = append(errs, c.validateSign()...)
	return errors.Join(errs...)
}

// validate checks one auth block as Kratos's config schema does: the type's
// fields are required and the other type's fields are not allowed.
func (a *Auth) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := a.Config
	switch a.Type {
	case "":
		add("auth.type: required (want basic_auth or api_key)")
	case "basic_auth":
		required(add, "user", c.User)
		required(add, "password", c.Password)
		notAllowed(add, a.Type, "name", c.Name)
		notAllowed(add, a.Type, "value", c.Value)
		notAllowed(add, a.Type, "in", c.In)
	case "api_key":
		required(add, "name", c.Name)
		required(add, "value", c.Value)
		if c.In != "header" && c.In != "cookie" {
			add("auth.config.in: must be header or cookie")
		}
		if c.In == "header" && c.Name != "" && !isToken(c.Name) {
			add("auth.config.name: invalid header name %q", c.Name)
		}
		notAllowed(add, a.Type, "user", c.User)
		notAllowed(add, a.Type, "password", c.Password)
	default:
		add("auth.type: unknown %q (want basic_auth or api_key)", a.Type)
	}
	return errs
}

func required(add func(string, ...any), key, value string) {
	if value == "" {
		add("auth.config.%s: required", key)
	}
}

func notAllowed(add func(string, ...any), typ, key, value string) {
	if value != "" {
		add("auth.config.%s: not allowed for %s", key, typ)
	}
}

// isToken reports whether s is an RFC 9110 token (a valid header name);
// net/http would otherwise refuse the request on every attempt.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
