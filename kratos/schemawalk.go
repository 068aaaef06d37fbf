package kratos

import (
	"strings"

	"github.com/tidwall/gjson"
)

// maxSchemaDepth bounds schema recursion (nesting plus $ref hops) so a
// self-referencing schema cannot loop.
const maxSchemaDepth = 32

// Address is a verifiable or recovery address Kratos derives from the
// "ory.sh/kratos" extension of a trait.
type Address struct {
	// Value is normalised as Kratos does: trimmed, and lower-cased for
	// e-mail addresses.
	Value string
	// Via is the channel, e.g. "email".
	Via string
}

// extensionScan is what the "ory.sh/kratos" extension yields for a set of
// traits.
type extensionScan struct {
	verifiable  []Address
	recovery    []Address
	identifiers []string // password identifiers, lower-cased
	anyIDs      []string // identifiers of any credential type, lower-cased
	invalid     []string // pointers the extension itself rejects
}

// Addresses derives the addresses Kratos's identity validator would create
// for these traits: verification.via and recovery.via on trait properties,
// nested objects and array items included, deduplicated by value and
// channel. Kratos visits properties in Go map order (random when several
// traits carry addresses); the schema's document order is used here.
func (s *Schema) Addresses(traits []byte) (verifiable, recovery []Address) {
	ext := s.scanExtensions(traits)
	return ext.verifiable, ext.recovery
}

// PasswordIdentifiers lists the values of traits marked
// credentials.password.identifier, lower-cased as Kratos stores them. An
// empty result means Kratos refuses a password registration with "missing
// identifier".
func (s *Schema) PasswordIdentifiers(traits []byte) []string {
	return s.scanExtensions(traits).identifiers
}

// LoginIdentifiers lists the values of traits that are an identifier of
// any credential type, lower-cased: the values Kratos's admin API finds the
// identity by (credentials_identifier).
func (s *Schema) LoginIdentifiers(traits []byte) []string {
	return s.scanExtensions(traits).anyIDs
}

// scanExtensions walks the traits along the schema's compiled trait tree
// (see schematree.go), so only the instance is parsed per call.
func (s *Schema) scanExtensions(traits []byte) extensionScan {
	var out extensionScan
	if s.traits == nil {
		return out
	}
	inst := gjson.ParseBytes(traits)
	if !inst.IsObject() {
		return out
	}
	w := instanceWalker{out: &out}
	w.walk(s.traits, inst, 0)
	return out
}

// resolveLocalRef follows "#/..." references (draft-07 ignores the
// siblings of $ref); remote references resolve to nothing.
func resolveLocalRef(root, node gjson.Result) gjson.Result {
	for hops := 0; hops < maxSchemaDepth; hops++ {
		ref := node.Get(`\$ref`)
		if !ref.Exists() {
			return node
		}
		r := ref.String()
		if r == "#" {
			node = root
			continue
		}
		if !strings.HasPrefix(r, "#/") {
			return gjson.Result{}
		}
		next := root
		for _, tok := range strings.Split(r[2:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			next = next.Get(gjson.Escape(tok))
		}
		node = next
	}
	return gjson.Result{}
}

// apply runs the three parts of Kratos's identity extension for one value.
func (out *extensionScan) apply(ext *nodeExtension, value gjson.Result, w *instanceWalker) {
	if ext.passwordIdentifier {
		out.identifiers = appendUnique(out.identifiers, strings.ToLower(extensionString(value)))
	}
	if ext.anyIdentifier || ext.passwordIdentifier {
		out.anyIDs = appendUnique(out.anyIDs, strings.ToLower(extensionString(value)))
	}
	if ext.verificationVia != "" {
		out.verification(ext, value, w)
	}
	switch via := ext.recoveryVia; via {
	case "":
	case "email":
		if !isKratosEmail(value.String()) || value.Type != gjson.String {
			out.invalid = appendUnique(out.invalid, w.pointer())
			return
		}
		out.recovery = appendAddress(out.recovery, Address{strings.ToLower(strings.TrimSpace(value.String())), via})
	default:
		out.invalid = appendUnique(out.invalid, w.pointer()) // recovery.via has an unknown value
	}
}

// verification mirrors SchemaExtensionVerification.Run: without a format,
// e-mail addresses must be valid e-mails and other channels are an error; a
// non-string format disables the extension.
func (out *extensionScan) verification(ext *nodeExtension, value gjson.Result, w *instanceWalker) {
	via := ext.verificationVia
	format := ""
	if ext.hasFormat {
		if !ext.formatIsString {
			return
		}
		format = ext.format
	}
	if format == "" {
		if via != "email" {
			out.invalid = appendUnique(out.invalid, w.pointer())
			return
		}
		format = "email"
		if value.Type != gjson.String || !isKratosEmail(value.String()) {
			out.invalid = appendUnique(out.invalid, w.pointer())
			return
		}
	}
	v := strings.TrimSpace(extensionString(value))
	if format == "email" {
		v = strings.ToLower(v)
	}
	out.verifiable = appendAddress(out.verifiable, Address{v, via})
}

// extensionString is fmt.Sprintf("%s", value) as Kratos applies it to the
// decoded instance (ory/jsonschema decodes numbers as json.Number).
func extensionString(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.String()
	case gjson.Number:
		return v.Raw
	case gjson.True:
		return "%!s(bool=true)" // what fmt prints for %s of a bool
	case gjson.False:
		return "%!s(bool=false)"
	case gjson.Null:
		return "%!s(<nil>)"
	}
	return v.Raw
}

func appendAddress(dst []Address, a Address) []Address {
	for _, d := range dst {
		if d == a {
			return dst
		}
	}
	return append(dst, a)
}

func escapePointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
