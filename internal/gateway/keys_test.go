package gateway

import (
	"strings"
	"testing"
)

func TestDeriveKeyRefusesShortSecretsAndIsStable(t *testing.T) {
	if _, err := DeriveKey(strings.Repeat("x", MinSecretLength-1)); err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
		t.Fatalf("short secret: err = %v", err)
	}
	a, err := DeriveKey(strings.Repeat("s", MinSecretLength))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DeriveKey(strings.Repeat("s", MinSecretLength))
	c, _ := DeriveKey(strings.Repeat("t", MinSecretLength))
	if a != b || a == c {
		t.Fatal("the key must depend on the secret alone")
	}
	if ProcessKey() != ProcessKey() {
		t.Fatal("the process key changed between calls (a config reload would invalidate every token)")
	}
}
