package render

import (
	"math/rand/v2"
	"strings"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// skipValue validates the parts of the ctx no template reads. A document must be
// accepted or rejected alike, with the same error, whether a part is skipped
// (pruned need) or built (the whole ctx needed).
func TestSkipValueAgreesWithBuilder(t *testing.T) {
	node, err := jsonnet.SnippetToAST("t", `function(ctx) ctx.identity.id`)
	if err != nil {
		t.Fatal(err)
	}
	need := analyzeCtxUse(node)
	docs := []string{
		`{"identity": {"id": "x"}, "flow": {"a": [1, -2.5e+3, true, false, null, "s\"\\\/\b\f\n\r\t\u00e9", {}, [], {"k": [[]]}]}}`,
		`{"flow": [1,]}`, `{"flow": {"a": 1,}}`, `{"flow": {"a" 1}}`, `{"flow": {1: 2}}`, `{"flow": [01]}`,
		`{"flow": [1.]}`, `{"flow": [1e]}`, `{"flow": [-]}`, `{"flow": "\x"}`, `{"flow": "\u12g4"}`,
		"{\"flow\": \"a\tb\"}", `{"flow": nul}`, `{"flow": truex}`, `{"flow": [1 2]}`, `{"flow": {"a": 1 "b": 2}}`,
		`{"flow": "unterminated`, `{"flow": [`, `{"flow": {`, `{"flow": `, `{"flow": "\`, `{"flow": "\u12`,
		`{"flow": ` + strings.Repeat("[", maxNestingDepth+5) + strings.Repeat("]", maxNestingDepth+5) + `}`,
		`{"flow": ` + strings.Repeat(`{"a":`, maxNestingDepth-1) + "1" + strings.Repeat("}", maxNestingDepth-1) + `}`,
		`{"flow": ` + strings.Repeat(`{"a":`, maxNestingDepth) + "1" + strings.Repeat("}", maxNestingDepth) + `}`,
	}
	var seeds []string // the documents to mutate: small and realistic ones
	for _, c := range webhookBodies(t)[:20] {
		seeds = append(seeds, string(c.body))
	}
	seeds = append(seeds, docs[0])
	docs = append(docs, seeds...)
	rng := rand.New(rand.NewPCG(5, 6))
	const mutations = `{}[]",:\ 0123456789-+.eEtrufalsn` + "\x00\x1f\x7f\xff"
	for i := range 3000 {
		doc := []byte(seeds[i%len(seeds)])
		for range 1 + rng.IntN(3) {
			p := rng.IntN(len(doc) + 1)
			m := mutations[rng.IntN(len(mutations))]
			switch rng.IntN(3) {
			case 0: // insert
				doc = append(doc[:p], append([]byte{m}, doc[p:]...)...)
			case 1: // delete
				if p < len(doc) {
					doc = append(doc[:p], doc[p+1:]...)
				}
			default: // replace
				if p < len(doc) {
					doc[p] = m
				}
			}
		}
		docs = append(docs, string(doc))
	}
	rejected := 0
	for _, doc := range docs {
		_, pruned := newCtxBuilder().build(doc, need)
		_, whole := newCtxBuilder().build(doc, allOfCtx)
		if (pruned == nil) != (whole == nil) || (pruned != nil && pruned.Error() != whole.Error()) {
			t.Errorf("%.120q: skipping gives %v, building gives %v", doc, pruned, whole)
		}
		if whole != nil {
			rejected++
		}
	}
	if rejected < len(docs)/4 {
		t.Fatalf("only %d of %d documents rejected: the mutations do not probe errors", rejected, len(docs))
	}
}
