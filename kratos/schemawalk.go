package kratos

import (
	"strconv"
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

func (s *Schema) scanExtensions(traits []byte) extensionScan {
	var out extensionScan
	root := gjson.ParseBytes(s.raw)
	node := resolveLocalRef(root, root)
	inst := gjson.ParseBytes(traits)
	if !inst.IsObject() {
		return out
	}
	walkInstance(root, node.Get("properties.traits"), inst, "#/traits", 0, func(n, v gjson.Result, ptr string) {
		out.apply(n, v, ptr)
	})
	return out
}

// walkInstance visits each schema node together with the instance value it
// applies to, following properties (document order), items and local $refs.
func walkInstance(root, node, value gjson.Result, ptr string, depth int, visit func(n, v gjson.Result, ptr string)) {
	if depth > maxSchemaDepth || !node.Exists() {
		return
	}
	node = resolveLocalRef(root, node)
	visit(node, value, ptr)
	switch {
	case value.IsObject():
		node.Get("properties").ForEach(func(k, sub gjson.Result) bool {
			if v := value.Get(gjson.Escape(k.String())); v.Exists() {
				walkInstance(root, sub, v, ptr+"/"+escapePointerToken(k.String()), depth+1, visit)
			}
			return true
		})
	case value.IsArray():
		items := node.Get("items")
		for i, el := range value.Array() {
			sub := items
			if items.IsArray() {
				sub = items.Get(strconv.Itoa(i))
			}
			if sub.IsObject() {
				walkInstance(root, sub, el, ptr+"/"+strconv.Itoa(i), depth+1, visit)
			}
		}
	}
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
func (out *extensionScan) apply(node, value gjson.Result, ptr string) {
	ext := node.Get(`ory\.sh/kratos`)
	if !ext.Exists() {
		return
	}
	if ext.Get("credentials.password.identifier").Bool() {
		out.identifiers = appendUnique(out.identifiers, strings.ToLower(extensionString(value)))
	}
	if via := ext.Get("verification.via").String(); via != "" {
		out.verification(node, value, via, ptr)
	}
	switch via := ext.Get("recovery.via").String(); via {
	case "":
	case "email":
		if !isKratosEmail(value.String()) || value.Type != gjson.String {
			out.invalid = appendUnique(out.invalid, ptr)
			return
		}
		out.recovery = appendAddress(out.recovery, Address{strings.ToLower(strings.TrimSpace(value.String())), via})
	default:
		out.invalid = appendUnique(out.invalid, ptr) // recovery.via has an unknown value
	}
}

// verification mirrors SchemaExtensionVerification.Run: without a format,
// e-mail addresses must be valid e-mails and other channels are an error; a
// non-string format disables the extension.
func (out *extensionScan) verification(node, value gjson.Result, via, ptr string) {
	format := ""
	if f := node.Get("format"); f.Exists() {
		if f.Type != gjson.String {
			return
		}
		format = f.String()
	}
	if format == "" {
		if via != "email" {
			out.invalid = appendUnique(out.invalid, ptr)
			return
		}
		format = "email"
		if value.Type != gjson.String || !isKratosEmail(value.String()) {
			out.invalid = appendUnique(out.invalid, ptr)
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
