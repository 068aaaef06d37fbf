package fastpath

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// Strings and numbers as go-jsonnet itself manifests them, handed over as AST nodes
// (no JSON decoding in between): every rune class, invalid UTF-8, random floats.
func TestManifestScalarsMatchGoJsonnet(t *testing.T) {
	vm := jsonnet.MakeVM()
	fn, err := jsonnet.SnippetToAST("t", wholeCtx)
	if err != nil {
		t.Fatal(err)
	}
	manifest := func(n ast.Node) string {
		vm.TLANode("ctx", n)
		out, err := vm.Evaluate(fn)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var sb strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		sb.WriteRune(r)
	}
	strs := []string{sb.String(), "\xff", "a\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", "😀\U0010FFFF", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		want := manifest(&ast.LiteralString{Value: s})
		if got := string(appendJSONString(nil, s)) + "\n"; got != want {
			t.Errorf("%q (valid UTF-8 %v): got %q, go-jsonnet %q", s, utf8.ValidString(s), got, want)
		}
	}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e21, 1e22, 1e-7, 123456789012345678, math.MaxFloat64, math.SmallestNonzeroFloat64, 1.0 / 3}
	for range 2000 {
		nums = append(nums, math.Float64frombits(rng.Uint64()), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), float64(rng.IntN(1<<20)))
	}
	for _, v := range nums {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want := manifest(&ast.LiteralNumber{OriginalString: strconv.FormatFloat(v, 'g', -1, 64)})
		if got := string(appendJSONNumber(nil, v)) + "\n"; got != want {
			t.Errorf("%v: got %q, go-jsonnet %q", v, got, want)
		}
	}
}
