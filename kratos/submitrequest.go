package kratos

import (
	"fmt"
	"net/url"
	"strings"
)

// SubmitRequest is a submit as Kratos's decoder (ory/x decoderx) sees it.
type SubmitRequest struct {
	// Method is the HTTP method: GET or POST.
	Method string
	// ContentType is the first Content-Type header line.
	ContentType string
	// RawQuery is the request's raw query.
	RawQuery string
	// Body is the request body (ignored for GET).
	Body []byte
	// QueryAndBody is set for the strategies that decode with
	// decoderx.HTTPDecoderUseQueryAndBody (the code and link strategies of
	// recovery and verification, and OIDC): query values then count too.
	QueryAndBody bool
}

// DecodeSubmit decodes a submit exactly from where Kratos reads it:
//   - GET: the query, as a form (decoderx decodes r.URL.Query() for GET,
//     and r.ParseForm refuses a malformed query);
//   - POST with a JSON Content-Type (decoderx's httpx.HasContentType, so
//     "application/json; charset=utf-8" counts): the first JSON value's
//     top-level members;
//   - POST with a urlencoded form: the body's form values (r.PostForm);
//   - anything else Kratos cannot decode: a multipart body yields no values
//     at all in v1.3.1 (r.ParseForm does not parse multipart), other
//     Content-Types are refused. Both are errors here.
//
// With QueryAndBody, query values override a JSON body's members and follow
// a form body's values, as decoderx merges them. schema types the traits
// (see ParseSubmitWithSchema); it may be nil.
func DecodeSubmit(req SubmitRequest, schema *Schema) (Submit, error) {
	if req.Method == "GET" {
		values, err := url.ParseQuery(req.RawQuery)
		if err != nil {
			return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
		}
		s, err := decodeSubmitValues(values, schema, nil)
		s.Form, s.FromQuery, s.Raw = true, true, []byte(req.RawQuery)
		return s, err
	}
	if !req.QueryAndBody || req.RawQuery == "" {
		return ParseSubmitWithSchema(req.ContentType, req.Body, schema)
	}
	query, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return Submit{}, fmt.Errorf("%w: %w", ErrSubmitMalformed, err)
	}
	s, err := ParseSubmitWithSchema(req.ContentType, req.Body, schema)
	if err != nil {
		return s, err
	}
	merged := mergeQuery(s, query, submitMediaType(req.ContentType) == "application/json")
	out, err := decodeSubmitValues(merged, schema, nil)
	out.Form, out.Raw = s.Form, s.Raw
	if s.Traits != nil && !hasTraitKeys(query) {
		out.Traits = s.Traits // keep the body's exactly typed traits
	}
	return out, err
}

// mergeQuery is decoderx's query-and-body merge: for a JSON body every
// query key replaces the member (values.Set), for a form body query values
// follow the body's (r.Form), so the body's first value still wins.
func mergeQuery(s Submit, query url.Values, jsonBody bool) url.Values {
	merged := url.Values{}
	for k, v := range s.fields {
		merged.Set(k, v)
	}
	if s.Traits != nil {
		merged.Set("traits", string(s.Traits))
	}
	if s.TransientPayload != nil {
		merged.Set("transient_payload", string(s.TransientPayload))
	}
	for k, vs := range query {
		if jsonBody {
			merged.Set(k, vs[0])
			continue
		}
		merged[k] = append(merged[k], vs...)
	}
	return merged
}

// hasTraitKeys reports query keys that touch the traits.
func hasTraitKeys(q url.Values) bool {
	for k := range q {
		if k == "traits" || strings.HasPrefix(k, "traits.") {
			return true
		}
	}
	return false
}

// MalformedQuery reports a raw query that Go's url.ParseQuery refuses. A
// form POST whose query is malformed is refused by Kratos too (r.ParseForm
// parses the query alongside the body and returns its error).
func MalformedQuery(rawQuery string) bool {
	_, err := url.ParseQuery(rawQuery)
	return err != nil
}
