package render

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The builder accepts exactly the JSON objects encoding/json accepts.
func TestCtxBuilderAcceptsWhatEncodingJSONAccepts(t *testing.T) {
	for _, doc := range []string{
		`{}`, ` { } `, "{\n\t\"a\" :\r\n 1 }", `{"a": [1, 2, {"b": null}], "c": {"d": [true, false]}}`,
		`{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": +1}`, `{"a": 1e}`, `{"a": -}`, `{"a": 0x10}`,
		`{"a": NaN}`, `{"a": Infinity}`, `{"a": tru}`, `{"a": nulls}`, `{"a": 'x'}`, `{a: 1}`,
		`{"a": 1,}`, `{"a": [1,]}`, `{"a": [,1]}`, `{"a" 1}`, `{"a": 1 "b": 2}`, `{"a": "x\q"}`,
		`{"a": "\u12"}`, `{"a": "\u12g4"}`, "{\"a\": \"x\ny\"}", `{"a": "x`, `{"a": [`, `{"a": {`,
		`{"a": 1}}`, `{"a": 1} {}`, `{"a": -0.0e+00}`, `{"a": 1E5, "b": -1.25e-3}`, `{"a": "\/"}`,
	} {
		_, err := newCtxBuilder().build(doc, allOfCtx)
		if valid := json.Valid([]byte(doc)); valid != (err == nil) {
			t.Errorf("%q: encoding/json valid=%v, builder error=%v", doc, valid, err)
		}
	}
}

func TestCtxBuilderDuplicateKeysKeepLast(t *testing.T) {
	// encoding/json (Kratos's decoder of everything that reaches its ctx) keeps the
	// last value of a repeated key.
	got := render(t, wholeCtx, `{"a": 1, "b": {"x": 1, "x": 2}, "a": 3}`)
	want := "{\n   \"a\": 3,\n   \"b\": {\n      \"x\": 2\n   }\n}\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCtxBuilderDepthLimit(t *testing.T) {
	deep := `{"a": ` + strings.Repeat("[", maxNestingDepth+1) + strings.Repeat("]", maxNestingDepth+1) + `}`
	if _, err := newCtxBuilder().build(deep, allOfCtx); err == nil || !strings.Contains(err.Error(), "depth") {
		t.Fatalf("got %v, want a depth error", err)
	}
	ok := `{"a": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	if _, err := newCtxBuilder().build(ok, allOfCtx); err != nil {
		t.Fatal(err)
	}
}

// Cached key nodes must not change results across documents, and the cache is bounded.
func TestCtxBuilderKeyCache(t *testing.T) {
	b := newCtxBuilder()
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < 2*maxCachedNodes; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `_` + strconv.Itoa(i) + `": 1`)
	}
	sb.WriteString("}")
	if _, err := b.build(sb.String(), allOfCtx); err != nil {
		t.Fatal(err)
	}
	if len(b.strCache) > maxCachedNodes {
		t.Fatalf("key cache grew to %d", len(b.strCache))
	}
	tpl := compile(t, wholeCtx, Options{MaxConcurrent: 1}) // one VM slot: the cache is reused
	for _, doc := range []string{`{"a": 1, "b": 2}`, `{"b": "x", "c": 3}`} {
		out, err := tpl.Evaluate(t.Context(), []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, out, []byte(doc)) {
			t.Fatalf("%s rendered as %s", doc, out)
		}
	}
}

// Large objects (a client's cookies) keep duplicate handling and build in linear time.
func TestCtxBuilderLargeObject(t *testing.T) {
	const n = 100000
	var sb strings.Builder
	sb.WriteString(`{"c": {`)
	for i := 0; i < n; i++ {
		sb.WriteString(`"k` + strconv.Itoa(i) + `": ` + strconv.Itoa(i) + `, `)
	}
	sb.WriteString(`"k5": "last"}}`)
	tpl := compile(t, `function(ctx) [std.length(ctx.c), ctx.c.k5, ctx.c.k99999]`, Options{Timeout: time.Minute})
	start := time.Now()
	out, err := tpl.Evaluate(t.Context(), []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if want := "[\n   100000,\n   \"last\",\n   99999\n]\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Fatalf("took %v: quadratic duplicate detection?", elapsed)
	}
}
