package render

import (
	"math/rand/v2"
	"testing"
)

// plainPrefix's word-at-a-time scan must stop exactly where a byte-wise scan does.
func TestPlainPrefixMatchesBytewiseScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{'"', '\\', 0, 0x1f, 0x20, 0x21, 0x22 ^ 0x80, 0x5c ^ 0x80, 0x7f, 0x80, 0xa0, 0xff, 'a', 'z'}
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte(rng.UintN(256))
			}
		}
		want := 0
		for want < len(b) && b[want] != '"' && b[want] != '\\' && b[want] >= 0x20 {
			want++
		}
		if got := plainPrefix(string(b)); got != want {
			t.Fatalf("%q: got %d, want %d", b, got, want)
		}
	}
}
