package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzFastPathTemplates generates templates (genTemplate) as well as ctx documents
// (fuzzJSON) and holds render to Kratos's own way of rendering them (kratosRender:
// the template code evaluated by EvaluateAnonymousSnippet with the ctx bound as code
// by TLACode): whenever the fast path claims a template and renders a ctx, its bytes
// must be Kratos's; whatever path Evaluate takes, it must succeed exactly when
// Kratos does, with the same bytes, or fail with Kratos's error text, cancelling
// exactly when Kratos does. A panic in the fast path fails too: it is recovered in
// production, but it is a bug.
//
//	go test -run '^$' -fuzz FuzzFastPathTemplates -fuzztime 60s ./render
func FuzzFastPathTemplates(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzFastPathTemplates: inputs picked from a
	// random search so that each outcome (refused by Compile; outside the subset;
	// rendered by the fast path; given up on and failing, cancelling or rendering
	// on go-jsonnet) occurs with each construct of the subset, and the inputs of
	// past failures (6c3858a01ea5b985: a ctx field read only by an object assert
	// was pruned from the ctx, see children in ctxuse.go).
	f.Add([]byte{}, []byte{})
	const name = "file://t.jsonnet"
	f.Fuzz(func(t *testing.T, tmplIn, ctxIn []byte) {
		code := genTemplate(tmplIn)
		ctx := kratosCtx(fuzzJSON(ctxIn))
		want, wantErr := kratosRender(name, code, string(ctx))

		tpl, err := Compile(name, code, Options{Timeout: time.Minute})
		if err != nil {
			if wantErr == nil {
				t.Fatalf("%s\nrefused by Compile (%v), rendered by Kratos", code, err)
			}
			return
		}
		if tpl.fastPath() {
			out, ok := tpl.evaluateFast(ctx)
			if ok && (wantErr != nil || string(out) != want) {
				t.Fatalf("%s\non %s\nfast path: %q\nKratos: (%q, %v)", code, ctx, out, want, wantErr)
			}
			if tpl.FastPathPanics() != 0 {
				t.Fatalf("%s\non %s\nthe fast path panicked", code, ctx)
			}
		}
		got, gotErr := tpl.Evaluate(t.Context(), ctx)
		switch {
		case (gotErr == nil) != (wantErr == nil):
			t.Fatalf("%s\non %s\nEvaluate: (%q, %v)\nKratos: (%q, %v)", code, ctx, got, gotErr, want, wantErr)
		case gotErr == nil && string(got) != want:
			t.Fatalf("%s\non %s\nEvaluate:\n%s\nKratos:\n%s", code, ctx, got, want)
		case gotErr != nil && errors.Is(gotErr, ErrCancel) != strings.Contains(wantErr.Error(), kratosCancelMarker):
			t.Fatalf("%s\non %s\ncancel differs: Evaluate %v\nKratos %v", code, ctx, gotErr, wantErr)
		case gotErr != nil && gotErr.Error() != kratosErrorPrefix+wantErr.Error() && !strings.Contains(wantErr.Error(), kratosCtxLocation):
			t.Fatalf("%s\non %s\nerror differs: Evaluate\n%v\nKratos\n%v", code, ctx, gotErr, wantErr)
		}
	})
}

// kratosCtxLocation is where Kratos's errors point when they arise in the ctx
// itself (a number out of range): it binds the ctx as code, named so. render's ctx
// AST carries no source locations, so such a trace lacks that one line; the
// message is the same.
const kratosCtxLocation = "<top-level-arg:ctx>"

// kratosCtx re-encodes a JSON object as Kratos's ctx is encoded: by encoding/json
// from Go values, so valid UTF-8, no lone surrogates, no duplicate keys (the ctx
// builder decodes those as encoding/json does, where Jsonnet would read the raw
// text differently; Kratos never sends them). Numbers keep their text.
func kratosCtx(doc []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(`{}`) // fuzzJSON makes valid JSON: unreachable
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(`{}`)
	}
	return out
}
