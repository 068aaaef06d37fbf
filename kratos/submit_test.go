package kratos

import (
	"encoding/json"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// Every registration parse-hook fixture: the traits and transient payload
// ParseSubmitWithSchema decodes equal what Kratos put into the ctx.
func TestParseSubmitMatchesKratosDecoding(t *testing.T) {
	s := mustTestSchema(t)
	paths, _ := filepath.Glob(filepath.Join(fixtureDir(t), "wh_parse_*registration*.json"))
	checked := 0
	for _, p := range paths {
		f := loadFixture(t, strings.TrimSuffix(filepath.Base(p), ".json"))
		if len(f.WebhookCalls) == 0 || f.Request.Method != "POST" {
			continue
		}
		ctx := []byte(f.WebhookCalls[0].Body)
		if gjson.GetBytes(ctx, "identity.schema_url").String() != "" || !gjson.GetBytes(ctx, "identity").Exists() {
			continue // not a pre-persist identity
		}
		sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), s)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		assertSameJSON(t, f.Name+" traits", sub.Traits, []byte(gjson.GetBytes(ctx, "identity.traits").Raw))
		assertSameJSON(t, f.Name+" transient_payload", sub.TransientPayloadOrEmpty(), []byte(gjson.GetBytes(ctx, "flow.transient_payload").Raw))
		if sub.Method != "password" || sub.Password == "" {
			t.Errorf("%s: method %q, password set %v", f.Name, sub.Method, sub.Password != "")
		}
		if gjson.GetBytes(ctx, "flow.type").String() == "browser" && sub.CSRFToken == "" {
			t.Errorf("%s: no CSRF token decoded", f.Name)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d fixtures checked", checked)
	}
}

func TestParseSubmitJSON(t *testing.T) {
	body := `{"method":"password","password":"pw","csrf_token":"tok","identifier":"a@b.c",` +
		`"traits.email":"a@b.c","traits.name.first":"F","transient_payload":"{\"x\":1}","unknown":{"k":1}} trailing`
	s, err := ParseSubmit("application/json; charset=utf-8", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if s.Form || s.Method != "password" || s.Password != "pw" || s.CSRFToken != "tok" || s.Field("identifier") != "a@b.c" {
		t.Fatalf("fields: %+v", s)
	}
	assertSameJSON(t, "traits", s.Traits, []byte(`{"email":"a@b.c","name":{"first":"F"}}`))
	assertSameJSON(t, "transient_payload", s.TransientPayload, []byte(`{"x":1}`))
	if string(s.Raw) != body {
		t.Error("Raw is not the body")
	}

	vals := s.Values()
	want := map[string]string{"traits.email": `"a@b.c"`, "traits.name.first": `"F"`, "identifier": `"a@b.c"`, "unknown": `"{\"k\":1}"`}
	if len(vals) != len(want) {
		t.Errorf("Values = %v", stringify(vals))
	}
	for k, v := range want {
		if string(vals[k]) != v {
			t.Errorf("Values[%s] = %s, want %s", k, vals[k], v)
		}
	}
	for _, secret := range []string{"password", "csrf_token", "method", "transient_payload"} {
		if _, ok := vals[secret]; ok {
			t.Errorf("Values exposes %s", secret)
		}
	}
}

func TestParseSubmitWithoutTraits(t *testing.T) {
	s, err := ParseSubmit("application/json", []byte(`{"method":"password","traits":null,"transient_payload":""}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Traits != nil || s.TransientPayload != nil || string(s.TransientPayloadOrEmpty()) != "{}" {
		t.Fatalf("traits %s, transient %s", s.Traits, s.TransientPayload)
	}
	typed, err := ParseSubmitWithSchema("application/json", []byte(`{"method":"password"}`), mustTestSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "schema defaults", typed.Traits, []byte(`{"name":{}}`))
}

func TestParseSubmitFormTypedBySchema(t *testing.T) {
	schema, err := CompileSchema("typed", []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{
		"email":{"type":"string"},
		"age":{"type":"integer"},
		"ratio":{"type":"number"},
		"score":{"type":"number"},
		"newsletter":{"type":"boolean"},
		"terms":{"type":"boolean"},
		"tags":{"type":"array","items":{"type":"string"}},
		"lucky":{"type":"array","items":{"type":"number"}},
		"prefs":{"type":"object"},
		"addr":{"$ref":"#/definitions/addr"}
	},"required":["score"]}},"definitions":{"addr":{"type":"object","properties":{"zip":{"type":"integer"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"method":            {"password"},
		"traits.email":      {"a@b.c", "ignored"},
		"traits.age":        {"42"},
		"traits.ratio":      {"not-a-number"},
		"traits.score":      {""},
		"traits.newsletter": {"false", "true"},
		"traits.terms":      {""},
		"traits.tags":       {"x", "y"},
		"traits.lucky":      {"7", "nope"},
		"traits.prefs":      {`{"theme":"dark"}`},
		"traits.addr.zip":   {"12345"},
		"traits.unknown":    {"dropped"},
		"transient_payload": {`{"invite":"abc"}`},
	}
	s, err := ParseSubmitWithSchema("application/x-www-form-urlencoded", []byte(form.Encode()), schema)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Form {
		t.Error("Form not set")
	}
	assertSameJSON(t, "typed traits", s.Traits, []byte(`{"email":"a@b.c","age":42,"ratio":"not-a-number","score":0,
		"newsletter":true,"tags":["x","y"],"lucky":[7,"nope"],"prefs":{"theme":"dark"},"addr":{"zip":12345}}`))
	assertSameJSON(t, "transient", s.TransientPayload, []byte(`{"invite":"abc"}`))

	untyped, err := ParseSubmit("application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(untyped.Traits, "age").Raw; got != `"42"` {
		t.Errorf("without schema a form number stays a string, got %s", got)
	}
	if got := gjson.GetBytes(untyped.Traits, "unknown").String(); got != "dropped" {
		t.Errorf("without schema unknown fields are kept, got %q", got)
	}
}

func TestParseSubmitErrors(t *testing.T) {
	tests := []struct {
		ct, body string
		want     error
	}{
		{"application/json", "", ErrEmptySubmit},
		{"text/plain", "x", ErrSubmitContentType},
		{"", "x", ErrSubmitContentType},
		{"application/json", "{", ErrSubmitMalformed},
		{"application/json", "[1]", ErrSubmitNotObject},
		{"application/json", `{"traits":"nope"}`, ErrTraitsNotObject},
		{"application/json", `{"traits":[1]}`, ErrTraitsNotObject},
		{"application/json", `{"transient_payload":[1]}`, ErrTransientNotObject},
		{"application/x-www-form-urlencoded", "a=1;b=2", ErrSubmitMalformed},
		{"application/x-www-form-urlencoded", "transient_payload=%7Bbad", ErrTransientNotObject},
		{"application/x-www-form-urlencoded", "traits=%5B%5D", ErrTraitsNotObject},
		{"multipart/form-data; boundary=x", "--x--", ErrMultipartSubmit},
	}
	for _, tt := range tests {
		if _, err := ParseSubmit(tt.ct, []byte(tt.body)); !errors.Is(err, tt.want) {
			t.Errorf("ParseSubmit(%q, %q) error = %v, want %v", tt.ct, tt.body, err, tt.want)
		}
	}
	// JSON wins over a form type in a list, as in Kratos's decoder.
	if s, err := ParseSubmit("application/x-www-form-urlencoded, application/json", []byte(`{"method":"m"}`)); err != nil || s.Method != "m" {
		t.Errorf("content type list: %v %+v", err, s)
	}
	// Kratos applies a traits object and dotted traits fields in random
	// order: such a submit has no single meaning.
	for _, ambiguous := range []string{`{"traits":{"email":"a@b.c"},"traits.email":"x@y.z"}`, `{"traits.email":"x@y.z","traits":{}}`} {
		if _, err := ParseSubmit("application/json", []byte(ambiguous)); !errors.Is(err, ErrAmbiguousTraits) {
			t.Errorf("%s: err = %v, want ErrAmbiguousTraits", ambiguous, err)
		}
	}
	if _, err := ParseSubmit("application/x-www-form-urlencoded", []byte("traits=%7B%7D&traits.email=a")); !errors.Is(err, ErrAmbiguousTraits) {
		t.Errorf("form: err = %v, want ErrAmbiguousTraits", err)
	}
}

func TestReplaceTraits(t *testing.T) {
	newTraits := []byte(`{"email":"new@example.com","name":{"first":"N","n":1}}`)

	jsonBody := `{"csrf_token":"t","traits.email":"old@example.com","traits.name.first":"O","method":"password","password":"p"}`
	s, err := ParseSubmit("application/json", []byte(jsonBody))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ReplaceTraits(s, newTraits)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "json body", out, []byte(`{"csrf_token":"t","method":"password","password":"p","traits":{"email":"new@example.com","name":{"first":"N","n":1}}}`))

	form := "csrf_token=t&method=password&password=p%21&traits.email=old%40example.com&traits.name.first=O&transient_payload=%7B%7D"
	fs, err := ParseSubmit("application/x-www-form-urlencoded", []byte(form))
	if err != nil {
		t.Fatal(err)
	}
	fout, err := ReplaceTraits(fs, newTraits)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSubmitWithSchema("application/x-www-form-urlencoded", fout, mustTestSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "form traits after replace", again.Traits, newTraits)
	if again.Password != "p!" || again.CSRFToken != "t" || string(again.TransientPayload) != "{}" {
		t.Errorf("other form fields changed: %+v", again)
	}
	if strings.Contains(string(fout), "traits.email") {
		t.Errorf("dotted trait fields kept: %s", fout)
	}
	if _, err := ReplaceTraits(s, []byte(`[1]`)); !errors.Is(err, ErrTraitsNotObject) {
		t.Errorf("non-object traits: %v", err)
	}
}

func TestTraitValuesFlattensLikeKratos(t *testing.T) {
	got := TraitValues([]byte(`{"email":"a@b.c","name":{"first":"F","empty":{}},"tags":["x",{"k":true}],"n":1.50,"nil":null,"dot.ted":"d","none":[]}`))
	want := map[string]string{
		"traits.email": `"a@b.c"`, "traits.name.first": `"F"`, "traits.tags.0": `"x"`, "traits.tags.1.k": `true`,
		"traits.n": `1.5`, "traits.nil": `null`, `traits.dot\.ted`: `"d"`,
	}
	if len(got) != len(want) {
		t.Errorf("TraitValues = %v", stringify(got))
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("TraitValues[%s] = %s, want %s", k, got[k], v)
		}
	}
	if len(TraitValues(nil)) != 0 || len(TraitValues([]byte(`[1]`))) != 0 {
		t.Error("TraitValues of a non-object is not empty")
	}
}

func stringify(m map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
