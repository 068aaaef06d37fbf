package kratos

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// refScanExtensions is the extension scan as it was before the trait tree
// was compiled: it re-parses the raw schema and resolves $refs on every
// call. It is kept, unchanged, as the reference the compiled walk must
// agree with exactly (TestScanExtensionsMatchesReference).
func refScanExtensions(raw, traits []byte) extensionScan {
	var out extensionScan
	root := gjson.ParseBytes(raw)
	node := resolveLocalRef(root, root)
	inst := gjson.ParseBytes(traits)
	if !inst.IsObject() {
		return out
	}
	refWalkInstance(root, node.Get("properties.traits"), inst, "#/traits", 0, func(n, v gjson.Result, ptr string) {
		refApply(&out, n, v, ptr)
	})
	return out
}

func refWalkInstance(root, node, value gjson.Result, ptr string, depth int, visit func(n, v gjson.Result, ptr string)) {
	if depth > maxSchemaDepth || !node.Exists() {
		return
	}
	node = resolveLocalRef(root, node)
	visit(node, value, ptr)
	switch {
	case value.IsObject():
		node.Get("properties").ForEach(func(k, sub gjson.Result) bool {
			if v := value.Get(gjson.Escape(k.String())); v.Exists() {
				refWalkInstance(root, sub, v, ptr+"/"+escapePointerToken(k.String()), depth+1, visit)
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
				refWalkInstance(root, sub, el, ptr+"/"+strconv.Itoa(i), depth+1, visit)
			}
		}
	}
}

func refApply(out *extensionScan, node, value gjson.Result, ptr string) {
	ext := node.Get(`ory\.sh/kratos`)
	if !ext.Exists() {
		return
	}
	if ext.Get("credentials.password.identifier").Bool() {
		out.identifiers = appendUnique(out.identifiers, strings.ToLower(extensionString(value)))
	}
	isID := false
	for _, c := range ext.Get("credentials").Map() {
		isID = isID || c.Get("identifier").Bool()
	}
	if isID {
		out.anyIDs = appendUnique(out.anyIDs, strings.ToLower(extensionString(value)))
	}
	if via := ext.Get("verification.via").String(); via != "" {
		refVerification(out, node, value, via, ptr)
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
		out.invalid = appendUnique(out.invalid, ptr)
	}
}

func refVerification(out *extensionScan, node, value gjson.Result, via, ptr string) {
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
