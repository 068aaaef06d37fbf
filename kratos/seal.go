package kratos

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
)

// Sealer encrypts and authenticates the small documents the gateway hands
// to browsers instead of storing them (carry tokens, error ids), so any
// number of gateway instances sharing the secret work without shared
// storage. Safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// ErrUnsealed is returned for tampered, truncated or foreign tokens.
var ErrUnsealed = errors.New("kratos: token cannot be opened")

// NewSealer makes an AES-256-GCM sealer from a 32-byte key.
func NewSealer(key [32]byte) (*Sealer, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to purpose (so a token of one kind cannot
// be replayed as another) and returns it URL- and cookie-safe.
func (s *Sealer) Seal(purpose string, plaintext []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("kratos: crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	sealed := s.aead.Seal(nonce, nonce, plaintext, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// Open reverses Seal for the same purpose.
func (s *Sealer) Open(purpose, token string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, ErrUnsealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return nil, ErrUnsealed
	}
	return plain, nil
}
