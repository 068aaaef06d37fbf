package kratos

import (
	"errors"
	"net/mail"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The gateway skips a parse hook when it believes Kratos will refuse the
// submit, so its schema validation must never be stricter than Kratos's
// (ory/jsonschema v3 with Kratos's formats): a false refusal would silently
// skip the hook. Formats whose checks differ between the two libraries are
// therefore accepted as-is; only "email", the one that matters for identity
// schemas, is checked, with ory/jsonschema's exact rules.
var lenientFormatNames = []string{
	"date-time", "date", "time", "hostname", "idn-hostname", "idn-email", "tel",
	"ip-address", "ipv4", "ipv6", "uri", "iri", "uri-reference", "uriref",
	"iri-reference", "uri-template", "json-pointer", "relative-json-pointer",
	"uuid", "duration", "period", "semver", "no-validate",
}

func registerKratosFormats(c *jsonschema.Compiler) {
	for _, name := range lenientFormatNames {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(any) error { return nil }})
	}
	c.RegisterFormat(&jsonschema.Format{Name: "email", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil // lenient: the type keyword reports non-strings
		}
		if !isKratosEmail(s) {
			return errors.New("not a valid email address")
		}
		return nil
	}})
}

// isKratosEmail is ory/jsonschema v3's isEmail, which Kratos uses for the
// "email" format and for verification and recovery addresses.
func isKratosEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at == -1 {
		return false
	}
	if len(s[:at]) > 64 {
		return false
	}
	if !isKratosHostname(s[at+1:]) {
		return false
	}
	_, err := mail.ParseAddress(s)
	return err == nil
}

// isKratosHostname is ory/jsonschema v3's isHostname, including its quirk
// of testing the first character of the whole name, not of each label, for
// a leading hyphen.
func isKratosHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if n := len(label); n < 1 || n > 63 {
			return false
		}
		if s[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
				return false
			}
		}
	}
	return true
}
