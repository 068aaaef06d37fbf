package kratos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// Errors of ParseSubmit. All but ErrMultipartSubmit are bodies Kratos
// itself refuses (400) before any hook runs.
var (
	// ErrEmptySubmit: no body (Kratos: Content-Length is zero).
	ErrEmptySubmit = errors.New("kratos: submit body is empty")
	// ErrSubmitContentType: Kratos decodes only JSON and forms.
	ErrSubmitContentType = errors.New("kratos: submit Content-Type is neither JSON nor a form")
	// ErrSubmitNotObject: a JSON body must be an object.
	ErrSubmitNotObject = errors.New("kratos: JSON submit body is not an object")
	// ErrSubmitMalformed: invalid JSON, a bad form encoding, or a field
	// that must hold JSON and does not.
	ErrSubmitMalformed = errors.New("kratos: submit body cannot be decoded")
	// ErrTraitsNotObject: traits fail the schema's "type": "object".
	ErrTraitsNotObject = errors.New("kratos: submitted traits are not a JSON object")
	// ErrTransientNotObject: transient_payload must be an object.
	ErrTransientNotObject = errors.New("kratos: submitted transient_payload is not a JSON object")
	// ErrAmbiguousTraits: both a "traits" object and dotted "traits.*"
	// fields; Kratos's decoder applies them in Go map order, so which one
	// it stores is random.
	ErrAmbiguousTraits = errors.New("kratos: submit carries both a traits object and dotted traits fields")
	// ErrMultipartSubmit: Kratos v1.3.1 reads multipart bodies only when
	// something parsed the multipart form before its decoder, so the gateway
	// cannot tell what Kratos will see; such submits are passed through.
	ErrMultipartSubmit = errors.New("kratos: multipart submit bodies are not interpreted")
)

// Submit is a decoded self-service submit body. The raw body is kept so it
// can be forwarded or rewritten without re-encoding anything else.
type Submit struct {
	// Method is the "method" field (the strategy: password, profile, ...).
	Method string
	// Traits is the submitted traits object, nil when the body has none
	// (Kratos then uses {}).
	Traits []byte
	// Password is the "password" field. Never log it.
	Password string
	// CSRFToken is the "csrf_token" field. Never log it.
	CSRFToken string
	// TransientPayload is the submitted transient_payload object, nil when
	// absent or empty (Kratos then uses {}).
	TransientPayload []byte
	// Form is true for application/x-www-form-urlencoded bodies and for
	// GET submits (whose values are the query).
	Form bool
	// FromQuery is true for a GET submit: Raw is then the raw query, and a
	// rewrite (ReplaceTraits) belongs in the query, not the body.
	FromQuery bool
	// Raw is the body as received.
	Raw []byte

	// fields are the other top-level fields as strings (the decoder's view:
	// gjson's String() for JSON values, the first value of a form field).
	fields map[string]string
}

// TransientPayloadOrEmpty is the transient payload as Kratos's decoder
// yields it: {} when the submit had none.
func (s Submit) TransientPayloadOrEmpty() []byte {
	if s.TransientPayload == nil {
		return []byte("{}")
	}
	return s.TransientPayload
}

// Field returns another top-level field as Kratos's decoder reads it as a
// string (e.g. "identifier", "email", "code"); "" when absent.
func (s Submit) Field(name string) string { return s.fields[name] }

// Flag reads a boolean field as Kratos's decoder does: set, and neither
// "false" nor "0".
func (s Submit) Flag(name string) bool {
	v := s.fields[name]
	return v != "" && v != "false" && v != "0"
}

// ParseSubmit decodes a submit body like Kratos's decoder (ory/x decoderx
// in "JSON follows form format" mode) without schema knowledge: form values
// under traits.* stay strings. Use ParseSubmitWithSchema to type them.
func ParseSubmit(contentType string, body []byte) (Submit, error) {
	return ParseSubmitWithSchema(contentType, body, nil)
}

// ParseSubmitWithSchema decodes a submit body; with an identity schema,
// dotted trait fields (form fields, or dotted keys of a JSON body) are
// typed as Kratos types them: numbers and integers parsed as floats (kept
// as strings when unparsable), booleans from the last value, arrays from
// repeated fields, objects from a JSON string; fields the schema does not
// know are dropped; and, as Kratos's decoder does, every object-typed
// property missing from the submit is set to {} (so traits is never nil).
// A "traits" field (JSON object, or in a form a string holding JSON) is
// taken as is, then dotted fields are set into it.
func ParseSubmitWithSchema(contentType string, body []byte, schema *Schema) (Submit, error) {
	if len(body) == 0 {
		return Submit{}, ErrEmptySubmit
	}
	switch submitMediaType(contentType) {
	case "application/json":
		return parseJSONSubmit(body, schema)
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
		}
		s, err := decodeSubmitValues(values, schema, nil)
		s.Form, s.Raw = true, body
		return s, err
	case "multipart/form-data":
		return Submit{}, ErrMultipartSubmit
	}
	return Submit{}, ErrSubmitContentType
}

// submitMediaType picks the media type Kratos's decoder dispatches on
// (httpx.HasContentType): JSON wins over forms, a comma-separated list is
// scanned until an unparsable entry.
func submitMediaType(contentType string) string {
	found := ""
	for _, v := range strings.Split(contentType, ",") {
		t, _, err := mime.ParseMediaType(strings.TrimSpace(v))
		if err != nil {
			break
		}
		switch t {
		case "application/json":
			return t
		case "application/x-www-form-urlencoded", "multipart/form-data":
			if found == "" {
				found = t
			}
		}
	}
	return found
}

// parseJSONSubmit reads the first JSON value of the body (trailing bytes
// are ignored, as json.Decoder does for Kratos) and feeds its top-level
// members to the form-format decoder as gjson strings, as Kratos does.
func parseJSONSubmit(body []byte, schema *Schema) (Submit, error) {
	var first json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&first); err != nil {
		return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
	}
	doc := gjson.ParseBytes(first)
	if !doc.IsObject() {
		return Submit{}, ErrSubmitNotObject
	}
	values := url.Values{}
	raws := map[string]gjson.Result{}
	doc.ForEach(func(k, v gjson.Result) bool {
		values.Set(k.String(), v.String())
		raws[k.String()] = v
		return true
	})
	s, err := decodeSubmitValues(values, schema, raws)
	s.Raw = body
	return s, err
}

// Values returns the submitted non-secret values as dotted node name ->
// JSON value, for refilling UI nodes (e.g. from a carry token): the traits
// flattened as Kratos flattens them, plus other top-level fields as
// strings. Secrets and control fields (password, csrf_token, code,
// totp_code, lookup_secret, method, transient_payload, webauthn_* and
// passkey_*) are never included. Kratos itself refills only traits after a
// hook interrupt; see TraitValues.
func (s Submit) Values() map[string]json.RawMessage {
	out := TraitValues(s.Traits)
	for name, v := range s.fields {
		if secretField(name) || strings.HasPrefix(name, "traits") {
			continue
		}
		out[name] = appendJSONString(nil, v)
	}
	return out
}

// secretField lists fields that must never be echoed into a flow or a
// cookie.
func secretField(name string) bool {
	switch name {
	case "password", "csrf_token", "code", "totp_code", "lookup_secret", "method", "transient_payload", "flow", "resend":
		return true
	}
	return strings.HasPrefix(name, "webauthn_") || strings.HasPrefix(name, "passkey_")
}

// TraitValues flattens a traits object to "traits.<path>" -> JSON value as
// Kratos does before refilling UI nodes (jsonx.Flatten: objects and arrays
// are walked, array indexes become path segments, dots in keys are escaped,
// empty objects and arrays vanish). A nil or non-object input gives an
// empty map.
func TraitValues(traits []byte) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	doc := gjson.ParseBytes(traits)
	if !doc.IsObject() {
		return out
	}
	flattenInto(doc, "traits", out)
	return out
}

func flattenInto(v gjson.Result, prefix string, out map[string]json.RawMessage) {
	switch {
	case v.IsObject():
		v.ForEach(func(k, sub gjson.Result) bool {
			flattenInto(sub, prefix+"."+strings.ReplaceAll(k.String(), ".", `\.`), out)
			return true
		})
	case v.IsArray():
		for i, sub := range v.Array() {
			flattenInto(sub, fmt.Sprintf("%s.%d", prefix, i), out)
		}
	case v.Type == gjson.Number:
		// Kratos decodes to float64 and re-encodes: 1.0 becomes 1.
		b, err := json.Marshal(v.Float())
		if err != nil { // NaN or Inf cannot come from JSON text
			b = []byte(v.Raw)
		}
		out[prefix] = b
	default:
		out[prefix] = json.RawMessage(v.Raw)
	}
}

// ReplaceTraits returns the submit body with its traits replaced by the
// given JSON object, in the body's own encoding; every other field is kept.
// A JSON body keeps its other members byte for byte and drops dotted
// "traits.*" members; a form body carries the traits as one "traits" field
// holding JSON (which Kratos's decoder reads with exact types) instead of
// dotted fields. The caller must update Content-Length.
func ReplaceTraits(s Submit, traits []byte) ([]byte, error) {
	if !gjson.ValidBytes(traits) || !gjson.ParseBytes(traits).IsObject() {
		return nil, ErrTraitsNotObject
	}
	if s.Form {
		values, err := url.ParseQuery(string(s.Raw))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
		}
		for k := range values {
			if k == "traits" || strings.HasPrefix(k, "traits.") {
				delete(values, k)
			}
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, traits); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrTraitsNotObject, err)
		}
		values.Set("traits", compact.String())
		return []byte(values.Encode()), nil
	}
	var first json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(s.Raw)).Decode(&first); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
	}
	doc := gjson.ParseBytes(first)
	if !doc.IsObject() {
		return nil, ErrSubmitNotObject
	}
	out := make([]byte, 0, len(first)+len(traits)+16)
	out = append(out, '{')
	doc.ForEach(func(k, v gjson.Result) bool {
		if name := k.String(); name == "traits" || strings.HasPrefix(name, "traits.") {
			return true
		}
		out = append(out, k.Raw...)
		out = append(out, ':')
		out = append(out, v.Raw...)
		out = append(out, ',')
		return true
	})
	out = append(out, `"traits":`...)
	out = append(out, traits...)
	return append(out, '}'), nil
}
