package render

import (
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/bench/benchdata"
)

func BenchmarkTmpBuild(b *testing.B) {
	reg, _ := benchdata.LoadRegistration()
	ctx := string(reg.Ctx())
	b.Logf("ctx %d bytes", len(ctx))
	for _, name := range benchdata.SeedTemplates {
		code, _ := benchdata.SeedTemplate(name)
		tpl, _ := Compile(name, code, Options{})
		bl := newCtxBuilder()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bl.build(ctx, tpl.need); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	bl := newCtxBuilder()
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bl.build(ctx, allOfCtx)
		}
	})
}
