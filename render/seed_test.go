package render_test

import (
	"bytes"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/bench/benchdata"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// The seed templates render the benchmarks' ~6 KB registration ctx on the fast
// path, byte-identical to go-jsonnet.
func TestSeedTemplatesTakeFastPath(t *testing.T) {
	reg, err := benchdata.LoadRegistration()
	if err != nil {
		t.Fatal(err)
	}
	ctx := reg.Ctx()
	for _, name := range benchdata.SeedTemplates {
		code, err := benchdata.SeedTemplate(name)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := render.Compile(name, code, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		slow, err := render.Compile(name, code, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		render.DisableFastPath(slow)
		got, err := fast.Evaluate(t.Context(), ctx)
		if err != nil || render.FastPathHits(fast) != 1 {
			t.Fatalf("%s: (%v), fast path hits %d", name, err, render.FastPathHits(fast))
		}
		want, err := slow.Evaluate(t.Context(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: fast path\n%s\ngo-jsonnet\n%s", name, got, want)
		}
	}
}
