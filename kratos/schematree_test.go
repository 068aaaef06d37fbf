package kratos

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// edgeSchemas exercise every path of the trait walk: $refs (local, root,
// chained, looping, remote, missing), recursion deeper than maxSchemaDepth, arrays
// with one items schema or tuple items, odd keys and odd keywords.
var edgeSchemas = map[string]string{
	"fixtures": testIdentitySchema,
	"refs and arrays": `{"type":"object","definitions":{
		"mail":{"type":"string","format":"email","ory.sh/kratos":{"verification":{"via":"email"},"recovery":{"via":"email"}}},
		"alias":{"$ref":"#/definitions/mail"}},
		"properties":{"traits":{"type":"object","properties":{
			"email":{"$ref":"#/definitions/mail","ory.sh/kratos":{"ignored":"$ref siblings"}},
			"chained":{"$ref":"#/definitions/alias"},
			"login":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
			"phone":{"type":"string","format":"tel","ory.sh/kratos":{"verification":{"via":"sms"}}},
			"backup":{"type":"array","items":{"type":"string","ory.sh/kratos":{"recovery":{"via":"email"},"verification":{"via":"email"}}}},
			"refitems":{"type":"array","items":{"$ref":"#/definitions/mail"}},
			"nested":{"type":"object","properties":{"work":{"type":"string","ory.sh/kratos":{"verification":{"via":"email"}}}}}
		}}}}`,
	"tuple items": `{"properties":{"traits":{"properties":{
		"pair":{"type":"array","items":[
			{"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
			true,
			{"ory.sh/kratos":{"verification":{"via":"email"}}},
			{"type":"object","properties":{"m":{"ory.sh/kratos":{"recovery":{"via":"email"}}}}}]},
		"bad":{"items":true},
		"worse":{"items":"nope"},
		"nested":{"items":{"items":{"ory.sh/kratos":{"verification":{"via":"email"},"recovery":{"via":"email"}}}}}}}}}`,
	// One recursive branch per schema: listFormPaths (CompileSchema)
	// expands every branch down to maxSchemaDepth.
	"recursion": `{"definitions":{"node":{"type":"object","properties":{
		"mail":{"type":"string","ory.sh/kratos":{"verification":{"via":"email"},"credentials":{"password":{"identifier":true}}}},
		"child":{"$ref":"#/definitions/node"}}}},
		"properties":{"traits":{"$ref":"#/definitions/node"}}}`,
	"recursive items": `{"definitions":{"node":{"type":"object","properties":{
		"mail":{"type":"string","ory.sh/kratos":{"verification":{"via":"email"},"credentials":{"password":{"identifier":true}}}},
		"kids":{"type":"array","items":{"$ref":"#/definitions/node"}}}}},
		"properties":{"traits":{"$ref":"#/definitions/node"}}}`,
	"traits recursion": `{"properties":{"traits":{"properties":{
		"mail":{"ory.sh/kratos":{"recovery":{"via":"email"}}},
		"self":{"$ref":"#/properties/traits"}}}}}`,
	"root recursion": `{"properties":{"traits":{"properties":{
		"mail":{"ory.sh/kratos":{"recovery":{"via":"email"}}},
		"whole":{"$ref":"#"}}}}}`,
	"ref loops, remote and missing refs": `{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"},
		"x~y":{"ory.sh/kratos":{"verification":{"via":"email"}}},"p/q":{"ory.sh/kratos":{"recovery":{"via":"email"}}}},
		"properties":{"traits":{"properties":{
		"loop":{"$ref":"#/definitions/a"},
		"remote":{"$ref":"https://example.com/s.json#/mail"},
		"missing":{"$ref":"#/definitions/none"},
		"tilde":{"$ref":"#/definitions/x~0y"},
		"slash":{"$ref":"#/definitions/p~1q"},
		"empty":{"$ref":"#/"}}}}}`,
	"root ref": `{"$ref":"#/definitions/doc","definitions":{"doc":{"properties":{"traits":{"properties":{
		"mail":{"format":"email","ory.sh/kratos":{"verification":{"via":"email"},"recovery":{"via":"email"}}}}}}}}}`,
	"odd keys and keywords": `{"properties":{"traits":{"properties":{
		"a.b":{"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
		"x/y":{"ory.sh/kratos":{"recovery":{"via":"email"}}},
		"t~z":{"ory.sh/kratos":{"verification":{"via":"sms"}}},
		"*":{"ory.sh/kratos":{"verification":{"via":"email"},"recovery":{"via":"sms"}}},
		"dup":{"ory.sh/kratos":{"verification":{"via":"email"}}},
		"dup":{"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
		"emptyfmt":{"format":"","ory.sh/kratos":{"verification":{"via":"sms"}}},
		"phone":{"format":"tel","ory.sh/kratos":{"verification":{"via":"sms"},"credentials":{"password":{"identifier":true}}}},
		"weird":{"properties":{}},
		"numfmt":{"format":5,"ory.sh/kratos":{"verification":{"via":"email"}}},
		"strprops":{"properties":"string"},
		"listprops":{"properties":[{"ory.sh/kratos":{"recovery":{"via":"email"}}}]},
		"boolschema":true}}}}`,
	"no traits":             `{"type":"object","properties":{"other":{"ory.sh/kratos":{"verification":{"via":"email"}}}}}`,
	"boolean traits schema": `{"properties":{"traits":true}}`,
	"string traits schema":  `{"properties":{"traits":"x"}}`,
}

// edgeTraits are instances with missing, wrong-typed, nested, duplicated
// and deep values.
var edgeTraits = []string{
	``, `null`, `[]`, `"x"`, `5`, `{`, `{}`, `{"email":`,
	`{"email":"A@Example.com","chained":" B@example.org ","login":"Me","phone":" +49 1 ","backup":["b@x.io","me@example.com","B@X.IO",5],"refitems":["r@x.io","bad"],"nested":{"work":"w@corp.example"}}`,
	`{"email":5,"login":true,"phone":null,"backup":"b@x.io","nested":[1],"refitems":{"0":"a@b.cd"}}`,
	`{"email":{"a":1},"login":false,"phone":{"x":1},"chained":[],"nested":{"work":7}}`,
	`{"pair":["Id",true,"v@x.io",{"m":"m@x.io"},"extra@x.io"],"bad":[1,2],"worse":["a@b.io"],"nested":[["a@b.io","bad"],"c@d.io",[null]]}`,
	`{"pair":[],"nested":[[]]}`,
	`{"pair":{"0":"x"}}`,
	`{"mail":"top@x.io","child":{"mail":"c@x.io","child":{"mail":"bad"}},"kids":[{"mail":"k1@x.io"},{"kids":[{"mail":"k2@x.io"}]},5]}`,
	`{"mail":"r@x.io","self":{"mail":"s@x.io","self":{"mail":"nope"}},"whole":{"traits":{"mail":"w@x.io"}}}`,
	`{"loop":"l@x.io","remote":"r@x.io","missing":"m@x.io","tilde":"t@x.io","slash":"bad","empty":"e@x.io"}`,
	`{"mail":"Root@X.io"}`,
	`{"a.b":"Dot","x/y":"bad","t~z":"tel","*":"s@x.io","dup":"d@x.io","emptyfmt":"e","numfmt":"n","strprops":{"":"x"},"listprops":{"0":"x","":"y"},"phone":"+1","weird":{"":"x"},"boolschema":"b"}`,
	`{"dup":"first@x.io","dup":"second@x.io","a":{"b":"no"}}`,
	`{"other":"o@x.io"}`,
}

// deepTraits nests values deeper than maxSchemaDepth along a recursive
// $ref, so the depth bound decides where the walk stops.
func deepTraits(key string, depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, `{"mail":"level%d@x.io","%s":`, i, key)
	}
	b.WriteString(`{"mail":"bottom"}`)
	b.WriteString(strings.Repeat("}", depth))
	return b.String()
}

// fixtureTraits gathers every traits document in the fixtures: submitted
// ones and those of identities Kratos answered or sent to webhooks.
func fixtureTraits(t *testing.T, s *Schema) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(r gjson.Result) {
		if r.Exists() {
			out = append(out, []byte(r.Raw))
		}
	}
	for _, f := range allFixtures(t) {
		if f.Request.Method == "POST" {
			if sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), s); err == nil && sub.Traits != nil {
				out = append(out, sub.Traits)
			}
		}
		for _, doc := range [][]byte{f.Response.Body} {
			add(gjson.GetBytes(doc, "identity.traits"))
			add(gjson.GetBytes(doc, "session.identity.traits"))
		}
		for _, c := range f.WebhookCalls {
			add(gjson.GetBytes(c.Body, "identity.traits"))
			add(gjson.GetBytes(c.Body, "flow.identity.traits"))
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d traits documents found in the fixtures", len(out))
	}
	return out
}

// The compiled walk must agree exactly (addresses, identifiers, rejected
// pointers, order included) with the original walk over the raw schema.
func TestScanExtensionsMatchesReference(t *testing.T) {
	instances := fixtureTraits(t, mustTestSchema(t))
	for _, tr := range edgeTraits {
		instances = append(instances, []byte(tr))
	}
	for _, key := range []string{"child", "self"} {
		for _, d := range []int{maxSchemaDepth - 1, maxSchemaDepth, maxSchemaDepth + 1, maxSchemaDepth + 5} {
			instances = append(instances, []byte(deepTraits(key, d)))
		}
	}
	compared, nonEmpty, compiled := 0, 0, 0
	for name, raw := range edgeSchemas {
		s, err := CompileSchema(name, []byte(raw))
		if err == nil {
			compiled++
		} else {
			// Remote or missing $refs and keywords the meta-schema
			// rejects do not compile; the walk still has to agree on them.
			s = &Schema{ID: name, raw: []byte(raw), traits: compileTraitsTree(gjson.Parse(raw))}
		}
		for _, inst := range instances {
			got := s.scanExtensions(inst)
			want := refScanExtensions([]byte(raw), inst)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("schema %q, traits %s:\n got %+v\nwant %+v", name, truncate(string(inst), 200), got, want)
			}
			compared++
			if len(want.verifiable)+len(want.recovery)+len(want.identifiers)+len(want.invalid) > 0 {
				nonEmpty++
			}
		}
	}
	if compiled < 9 {
		t.Errorf("only %d edge schemas compile", compiled)
	}
	if nonEmpty < 100 {
		t.Fatalf("only %d of %d comparisons found anything; the cases do not exercise the walk", nonEmpty, compared)
	}
}

// The depth bound still stops a recursive schema: the deepest values are
// not visited.
func TestScanExtensionsStopsAtMaxSchemaDepth(t *testing.T) {
	s, err := CompileSchema("recursion", []byte(edgeSchemas["recursion"]))
	if err != nil {
		t.Fatal(err)
	}
	scan := s.scanExtensions([]byte(deepTraits("child", maxSchemaDepth+5)))
	// Level i's object is at depth i and its mail at depth i+1.
	if n := len(scan.verifiable); n != maxSchemaDepth {
		t.Errorf("visited %d levels, want %d", n, maxSchemaDepth)
	}
	if len(scan.invalid) != 0 {
		t.Errorf("the bottom value beyond the bound was checked: %v", scan.invalid)
	}
}
