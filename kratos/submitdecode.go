package kratos

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// decodeSubmitValues turns decoder input (form values, or the stringified
// top-level members of a JSON body with their raw values in raws) into a
// Submit, following decoderx.decodeURLValues for the fields the gateway
// needs.
func decodeSubmitValues(values url.Values, schema *Schema, raws map[string]gjson.Result) (Submit, error) {
	s := Submit{fields: map[string]string{}}
	doc := []byte(`{}`)
	var err error
	if v := values.Get("traits"); v != "" {
		t := gjson.Parse(v)
		if !gjson.Valid(v) || !t.IsObject() {
			return Submit{}, ErrTraitsNotObject
		}
		if doc, err = sjson.SetRawBytes(doc, "traits", []byte(v)); err != nil {
			return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
		}
	}
	// Kratos visits form fields in map order; dotted fields are applied
	// after "traits" here, in name order, so the result is deterministic.
	var dotted []string
	for k := range values {
		if strings.HasPrefix(k, "traits.") {
			dotted = append(dotted, k)
		}
	}
	if _, whole := values["traits"]; whole && len(dotted) > 0 {
		return Submit{}, ErrAmbiguousTraits
	}
	slices.Sort(dotted)
	for _, k := range dotted {
		if doc, err = setTraitField(doc, k, values[k], schema, raws); err != nil {
			return Submit{}, err
		}
	}
	if schema != nil {
		for _, name := range schema.jsonHintPaths() {
			if !gjson.GetBytes(doc, name).Exists() {
				if doc, err = sjson.SetRawBytes(doc, name, []byte(`{}`)); err != nil {
					return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
				}
			}
		}
	}
	if t := gjson.GetBytes(doc, "traits"); t.Exists() {
		if !t.IsObject() {
			return Submit{}, ErrTraitsNotObject
		}
		s.Traits = []byte(t.Raw)
	}

	if v := values.Get("transient_payload"); v != "" {
		if !gjson.Valid(v) || !gjson.Parse(v).IsObject() {
			return Submit{}, ErrTransientNotObject
		}
		s.TransientPayload = []byte(v)
	}
	for k, vs := range values {
		if k == "traits" || k == "transient_payload" || strings.HasPrefix(k, "traits.") || len(vs) == 0 {
			continue
		}
		s.fields[k] = vs[0]
	}
	s.Method, s.Password, s.CSRFToken = s.fields["method"], s.fields["password"], s.fields["csrf_token"]
	return s, nil
}

// setTraitField sets one dotted trait field into doc ({"traits": ...}) the
// way decoderx types it by the schema path. Without a schema the value is
// kept as sent: the raw JSON member for JSON bodies, a string for forms.
func setTraitField(doc []byte, name string, vs []string, schema *Schema, raws map[string]gjson.Result) ([]byte, error) {
	var err error
	if schema == nil {
		if raw, ok := raws[name]; ok {
			doc, err = sjson.SetRawBytes(doc, name, []byte(raw.Raw))
		} else if len(vs) > 0 && vs[0] != "" {
			doc, err = sjson.SetBytes(doc, name, vs[0])
		}
		return wrapMalformed(doc, err)
	}
	p, ok := schema.traitsFormPath(name)
	if !ok {
		return doc, nil // decoderx drops fields without a schema path
	}
	first, last := "", ""
	if len(vs) > 0 {
		first, last = vs[0], vs[len(vs)-1]
	}
	switch p.kind {
	case formString:
		if first != "" {
			doc, err = sjson.SetBytes(doc, name, first)
		}
	case formNumber:
		if first == "" {
			if !p.required {
				return doc, nil
			}
			first = "0.0"
		}
		doc, err = setParsed(doc, name, first, func(v string) (any, error) { return strconv.ParseFloat(v, 64) })
	case formBool:
		if last == "" {
			if !p.required {
				return doc, nil
			}
			last = "false"
		}
		doc, err = setParsed(doc, name, last, func(v string) (any, error) { return strconv.ParseBool(v) })
	case formStrings, formAnyList:
		doc, err = sjson.SetBytes(doc, name, vs)
	case formNumbers, formBools:
		parse := func(v string) (any, error) { return strconv.ParseFloat(v, 64) }
		if p.kind == formBools {
			parse = func(v string) (any, error) { return strconv.ParseBool(v) }
		}
		for i, v := range vs {
			if doc, err = setParsed(doc, name+"."+strconv.Itoa(i), v, parse); err != nil {
				break
			}
		}
	case formJSON:
		if first == "" && !p.required {
			return doc, nil
		}
		if !gjson.Valid(first) {
			return nil, fmt.Errorf("%w: field %s does not hold JSON", ErrSubmitMalformed, name)
		}
		doc, err = sjson.SetRawBytes(doc, name, []byte(first))
	}
	return wrapMalformed(doc, err)
}

// setParsed stores the parsed value, or the raw string when parsing fails
// (decoderx's default ParseErrorIgnoreConversionErrors).
func setParsed(doc []byte, name, v string, parse func(string) (any, error)) ([]byte, error) {
	if typed, err := parse(v); err == nil {
		return sjson.SetBytes(doc, name, typed)
	}
	return sjson.SetBytes(doc, name, v)
}

func wrapMalformed(doc []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
	}
	return doc, nil
}
