package gateway

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
)

// MinSecretLength is the shortest secret DeriveKey accepts, in bytes. The
// key seals tokens that browsers hold for the length of a flow, so a
// guessable secret would let anyone forge a gateway error id or a carried
// interrupt.
const MinSecretLength = 32

// keyInfo binds derived keys to this use, so the same secret used for
// something else yields an unrelated key.
const keyInfo = "caddy-ory-actions sealing key v1"

// DeriveKey turns the operator's secret into the sealing key with HKDF
// (SHA-256). Secrets shorter than MinSecretLength bytes are refused.
func DeriveKey(secret string) ([32]byte, error) {
	var key [32]byte
	if len(secret) < MinSecretLength {
		return key, fmt.Errorf("must be at least %d bytes (got %d); generate one with `head -c 32 /dev/urandom | base64`", MinSecretLength, len(secret))
	}
	b, err := hkdf.Key(sha256.New, []byte(secret), nil, keyInfo, len(key))
	if err != nil {
		return key, err
	}
	copy(key[:], b)
	return key, nil
}

var (
	processKeyOnce sync.Once
	processKey     [32]byte
)

// ProcessKey is a random key drawn once per process: it survives config
// reloads (a reload must not invalidate every token in flight) but not a
// restart, and it is not shared with other instances.
func ProcessKey() [32]byte {
	processKeyOnce.Do(func() {
		// crypto/rand.Read never fails; it panics instead.
		_, _ = rand.Read(processKey[:])
	})
	return processKey
}
