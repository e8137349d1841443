// Package seal encrypts secrets at rest with AES-256-GCM under a master key.
//
// The AES key is derived from the master key with HKDF-SHA256, so the master
// key can be any string of at least 32 bytes, such as one printed by
// "hmacgate keygen". Each sealed value carries a version byte and a random
// nonce, and is bound to a context string (the row it belongs to) as
// additional data: a sealed value copied into another row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"github.com/hmacgate/hmacgate"
)

const version1 = 1

// ErrOpen is returned when a sealed value does not open: wrong master key,
// wrong context, or a damaged value.
var ErrOpen = errors.New("seal: cannot open sealed value (wrong master key or damaged data)")

// Sealer seals and opens values. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for the master key. It refuses a master key shorter
// than [hmacgate.MinKeyLen] bytes.
func New(master hmacgate.Key) (*Sealer, error) {
	if master.Weak() {
		return nil, hmacgate.ErrInvalidKey.With("the master key must be at least 32 bytes; make one with hmacgate keygen")
	}
	key, err := hkdf.Key(sha256.New, []byte(master.Reveal()), nil, "hmacgate seal v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to context.
func (s *Sealer) Seal(plaintext []byte, context string) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = version1
	_, _ = rand.Read(out[1 : 1+ns])
	return s.aead.Seal(out, out[1:1+ns], plaintext, []byte(context))
}

// Open decrypts a value sealed with the same master key and context.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != version1 {
		return nil, ErrOpen
	}
	pt, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
