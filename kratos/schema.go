package kratos

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// Schema is a compiled Kratos identity schema (the document Kratos serves
// under /schemas/{id}). It is immutable and safe for concurrent use.
type Schema struct {
	// ID is the identity schema id the schema was compiled for.
	ID        string
	raw       []byte
	validator *jsonschema.Schema
	keys      []string
	formPaths map[string]formPath
	traits    *schemaNode // compiled properties.traits; nil without one
}

// TraitsError lists where identity traits break the schema. It carries only
// JSON pointers, never the submitted values.
type TraitsError struct {
	// Pointers are instance locations such as "#/traits/email", sorted
	// as found.
	Pointers []string
}

// Error implements error.
func (e *TraitsError) Error() string {
	return "identity traits do not match the identity schema at " + strings.Join(e.Pointers, ", ")
}

// knownDrafts are the meta-schemas the validator knows offline. Kratos
// identity schemas declare draft-07; anything else (for example Ory's own
// meta-schema URL) is validated as draft-07 instead of being fetched.
var knownDrafts = map[string]bool{
	"http://json-schema.org/draft-04/schema#":      true,
	"http://json-schema.org/draft-04/schema":       true,
	"http://json-schema.org/draft-06/schema#":      true,
	"http://json-schema.org/draft-06/schema":       true,
	"http://json-schema.org/draft-07/schema#":      true,
	"http://json-schema.org/draft-07/schema":       true,
	"https://json-schema.org/draft/2019-09/schema": true,
	"https://json-schema.org/draft/2020-12/schema": true,
}

// offlineLoader refuses every remote reference: compiling must never reach
// the network from the request path. A schema with remote $refs does not
// compile, and the caller then has no preflight for it.
type offlineLoader struct{}

// Load implements jsonschema.URLLoader by refusing.
func (offlineLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("kratos: remote schema reference %q is not loaded", u)
}

// CompileSchema compiles an identity schema for validation (draft-07 by
// default; the "ory.sh/kratos" keyword is an annotation to the validator and
// read separately for addresses and identifiers).
func CompileSchema(id string, raw []byte) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("kratos: identity schema %q is not JSON: %w", id, err)
	}
	if m, ok := doc.(map[string]any); ok {
		if s, ok := m["$schema"].(string); ok && !knownDrafts[s] {
			m["$schema"] = "http://json-schema.org/draft-07/schema#"
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(offlineLoader{})
	registerKratosFormats(c)
	location := "urn:kratos-identity-schema:" + url.PathEscape(id)
	if err := c.AddResource(location, doc); err != nil {
		return nil, fmt.Errorf("kratos: identity schema %q: %w", id, err)
	}
	v, err := c.Compile(location)
	if err != nil {
		return nil, fmt.Errorf("kratos: identity schema %q does not compile: %w", id, err)
	}
	root := gjson.ParseBytes(raw)
	s := &Schema{ID: id, raw: bytes.Clone(raw), validator: v}
	computeKeyPositions(root, &s.keys, nil)
	s.formPaths = listFormPaths(root)
	s.traits = compileTraitsTree(root)
	return s, nil
}

// ValidateTraits validates traits as Kratos validates an identity: the
// document {"traits": traits} against the whole schema ({} for empty
// traits), plus the e-mail checks of the verification and recovery
// extensions. It returns a *TraitsError on a mismatch.
func (s *Schema) ValidateTraits(traits []byte) error {
	_, err := s.validateTraits(traits)
	return err
}

// validateTraits is ValidateTraits returning the extension scan as well,
// so a caller that also needs identifiers or addresses (traitsRefusal)
// walks the traits once. The scan is only meaningful without an error.
func (s *Schema) validateTraits(traits []byte) (extensionScan, error) {
	if len(bytes.TrimSpace(traits)) == 0 {
		traits = []byte("{}")
	}
	doc := make([]byte, 0, len(traits)+12)
	doc = append(doc, `{"traits":`...)
	doc = append(doc, traits...)
	doc = append(doc, '}')
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return extensionScan{}, &TraitsError{Pointers: []string{"#/traits"}}
	}
	var ptrs []string
	if err := s.validator.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return extensionScan{}, fmt.Errorf("kratos: validating traits: %w", err)
		}
		ptrs = collectLeafPointers(ve, ptrs)
	}
	ext := s.scanExtensions(traits)
	for _, p := range ext.invalid {
		ptrs = appendUnique(ptrs, p)
	}
	if len(ptrs) == 0 {
		return ext, nil
	}
	return ext, &TraitsError{Pointers: ptrs}
}

// KeysInOrder lists the schema's leaf property paths in document order
// ("traits.email", "traits.name.first", ...), exactly as Kratos computes
// them to sort UI nodes (schema.GetKeysInOrder).
func (s *Schema) KeysInOrder() []string { return s.keys }

// computeKeyPositions is Kratos's schema.computeKeyPositions on raw JSON:
// objects recurse into "properties" in document order, anything else is a
// leaf; dots in property names are escaped.
func computeKeyPositions(node gjson.Result, dest *[]string, parents []string) {
	if node.Get("type").String() == "object" {
		node.Get("properties").ForEach(func(k, v gjson.Result) bool {
			next := append(parents[:len(parents):len(parents)], strings.ReplaceAll(k.String(), ".", `\.`))
			computeKeyPositions(v, dest, next)
			return true
		})
		return
	}
	*dest = append(*dest, strings.Join(parents, "."))
}

// collectLeafPointers gathers the instance locations of the innermost
// validation errors as "#/a/b" pointers.
func collectLeafPointers(ve *jsonschema.ValidationError, dst []string) []string {
	if len(ve.Causes) == 0 {
		return appendUnique(dst, instancePointer(ve.InstanceLocation))
	}
	for _, c := range ve.Causes {
		dst = collectLeafPointers(c, dst)
	}
	return dst
}

func instancePointer(loc []string) string {
	var b strings.Builder
	b.WriteString("#")
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	if len(loc) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

func appendUnique(dst []string, s string) []string {
	for _, d := range dst {
		if d == s {
			return dst
		}
	}
	return append(dst, s)
}
