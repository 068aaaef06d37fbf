package cli

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	a := "{\n   \"a\": 1,\n   \"b\": 2,\n   \"c\": 3,\n   \"d\": 4,\n   \"e\": 5,\n   \"f\": 6,\n   \"g\": 7,\n   \"h\": 8,\n   \"i\": 9,\n   \"j\": 10\n}\n"
	b := strings.Replace(strings.Replace(a, `"b": 2`, `"b": 20`, 1), `"j": 10`, `"j": 10,`+"\n   \"k\": 11", 1)
	want := `@@ -1 +1 @@
 {
    "a": 1,
-   "b": 2,
+   "b": 20,
    "c": 3,
    "d": 4,
    "e": 5,
@@ -8 +8 @@
    "g": 7,
    "h": 8,
    "i": 9,
-   "j": 10
+   "j": 10,
+   "k": 11
 }
`
	if got := lineDiff([]byte(a), []byte(b)); got != want {
		t.Errorf("lineDiff:\n%s\nwant:\n%s", got, want)
	}
	if got := lineDiff([]byte("x\n"), []byte("x")); !strings.Contains(got, "final newline") {
		t.Errorf("newline-only difference: %q", got)
	}
}
