// Package seal encrypts secrets at rest with AES-256-GCM under a master key.
//
// The AES key is derived from the master key with HKDF-SHA256, so the master
// key can be any string of at least 32 bytes, such as one printed by
// "hmacgate keygen". Each sealed value carries a version byte and a random
// nonce, and is bound to a context string (the row it belongs to) as
// additional data: a sealed value copied into another row does not open.
//
// # Rotation
//
// A [Sealer] may hold several master keys: the first seals, every one opens.
// Rotating the master key is then: add the new key after the current one on
// every instance; move it first; [Sealer.Reseal] every stored value; drop the
// old key. No step needs all instances to change at once.
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
	aeads []cipher.AEAD // the first seals; all open
}

// New returns a Sealer that seals under master and opens values sealed
// under master or any of older. It refuses a key shorter than
// [hmacgate.MinKeyLen] bytes.
func New(master hmacgate.Key, older ...hmacgate.Key) (*Sealer, error) {
	s := &Sealer{}
	for _, k := range append([]hmacgate.Key{master}, older...) {
		aead, err := newAEAD(k)
		if err != nil {
			return nil, err
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

func newAEAD(master hmacgate.Key) (cipher.AEAD, error) {
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
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext bound to context, under the first master key.
func (s *Sealer) Seal(plaintext []byte, context string) []byte {
	aead := s.aeads[0]
	ns := aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+aead.Overhead())
	out[0] = version1
	_, _ = rand.Read(out[1 : 1+ns])
	return aead.Seal(out, out[1:1+ns], plaintext, []byte(context))
}

// Open decrypts a value sealed under any of the master keys with the same
// context.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	pt, _, err := s.open(sealed, context)
	return pt, err
}

// open returns the plaintext and the index of the key that opened it.
func (s *Sealer) open(sealed []byte, context string) ([]byte, int, error) {
	for i, aead := range s.aeads {
		ns := aead.NonceSize()
		if len(sealed) < 1+ns+aead.Overhead() || sealed[0] != version1 {
			return nil, -1, ErrOpen
		}
		if pt, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(context)); err == nil {
			return pt, i, nil
		}
	}
	return nil, -1, ErrOpen
}

// Reseal returns the value sealed under the first master key: sealed itself
// (changed false) when that key already sealed it, else the value opened
// with an older key and sealed again. It fails with [ErrOpen] when no key
// opens it.
func (s *Sealer) Reseal(sealed []byte, context string) (out []byte, changed bool, err error) {
	pt, i, err := s.open(sealed, context)
	if err != nil {
		return nil, false, err
	}
	if i == 0 {
		return sealed, false, nil
	}
	return s.Seal(pt, context), true, nil
}
