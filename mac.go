package hmacgate

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/binary"
	"hash"
	"sync"

	"github.com/hmacgate/hmacgate/internal/unsafeconv"
)

// Size is the length in bytes of an HMAC-SHA256.
const Size = sha256.Size

// blockSize is SHA-256's block size.
const blockSize = 64

// mac is the one place that computes MACs: HMAC-SHA256 as in RFC 2104,
//
//	HMAC(K, m) = SHA256((K0 ^ opad) || SHA256((K0 ^ ipad) || m))
//
// The states of SHA-256 after the key blocks (K0^ipad, K0^opad) are computed
// once per key and saved; each MAC restores them instead of hashing the key
// blocks again, so a short message costs two SHA-256 compressions. Hash
// states are pooled, so MACs are concurrency-safe and allocation-free.
//
// Each pass pads its message by hand (FIPS 180-4, 5.1.1), writes whole
// blocks, and reads the hash from the saved state rather than calling Sum:
// Sum copies the whole state and pads in a buffer of its own, which made a
// connect verification (two compressions) about a fifth slower.
type mac struct {
	secret       string
	inner, outer []byte // marshaled SHA-256 states after K0^ipad and K0^opad
	pool         sync.Pool
}

// sha256State is what crypto/sha256's hash offers to save and restore it.
type sha256State interface {
	hash.Hash
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// A saved SHA-256 state is a 4-byte magic string, the eight 32-bit words of
// the hash (big-endian: the digest, once the message is padded), the
// 64-byte block buffer and the 8-byte length. crypto/sha256 keeps this
// format stable so that saved states can be restored by later versions;
// keyedState checks it, and the tests compare every message length with
// crypto/hmac.
const (
	stateMagic    = "sha\x03"
	marshaledSize = len(stateMagic) + Size + blockSize + 8
)

// hmacState is one pooled SHA-256 with buffers for the padded messages.
type hmacState struct {
	h     sha256State
	buf   [2 * blockSize]byte // the inner message's last bytes and padding, hashed with one Write
	outer [blockSize]byte     // the inner hash and its padding: the outer message
	saved [marshaledSize]byte // where the hash is read
}

// newMAC returns the MAC of secret, with its key blocks hashed once.
func newMAC(secret string) *mac {
	k := []byte(secret)
	if len(k) > blockSize {
		s := sha256.Sum256(k)
		k = s[:]
	}
	var ipad, opad [blockSize]byte
	copy(ipad[:], k)
	copy(opad[:], k)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	m := &mac{secret: secret}
	m.inner = keyedState(ipad[:])
	m.outer = keyedState(opad[:])
	m.pool.New = newHMACState
	return m
}

// newHMACState makes a state for the pool.
func newHMACState() any {
	st := &hmacState{h: sha256.New().(sha256State)}
	// The outer message is always one block: the 32-byte inner hash after
	// the 64-byte key block, so its padding never changes.
	st.outer[Size] = 0x80
	binary.BigEndian.PutUint64(st.outer[blockSize-8:], (blockSize+Size)*8)
	return st
}

// keyedState returns the saved state of SHA-256 after one key block.
func keyedState(pad []byte) []byte {
	h := sha256.New().(sha256State)
	h.Write(pad)
	b, err := h.AppendBinary(make([]byte, 0, marshaledSize))
	if err != nil || len(b) != marshaledSize || string(b[:len(stateMagic)]) != stateMagic {
		panic("hmacgate: crypto/sha256 saves its state in an unknown format")
	}
	return b
}

// begin returns a pooled state whose hash has absorbed K0^ipad.
func (m *mac) begin() *hmacState {
	st := m.pool.Get().(*hmacState)
	_ = st.h.UnmarshalBinary(m.inner) // a state this package saved: cannot fail
	return st
}

// sum writes HMAC-SHA256(secret, msg) to out.
func (m *mac) sum(out *[Size]byte, msg []byte) {
	st := m.begin()
	full := len(msg) &^ (blockSize - 1)
	if full > 0 {
		st.h.Write(msg[:full]) // whole blocks are hashed where they are
	}
	tail := st.buf[:copy(st.buf[:], msg[full:])]
	m.finish(st, out, tail, len(msg))
}

// sumStrings writes HMAC-SHA256(secret, concatenation of parts) to out,
// without allocating the concatenation: short messages are joined in the
// state's buffer, with their padding, and hashed with one Write.
func (m *mac) sumStrings(out *[Size]byte, parts []string) {
	st := m.begin()
	buf, n := st.buf[:0], 0
	for _, p := range parts {
		n += len(p)
		if len(buf)+len(p) > cap(buf) {
			st.h.Write(buf)
			buf = st.buf[:0]
			if len(p) > cap(buf) {
				st.h.Write(unsafeconv.StringBytes(p)) // only hashed
				continue
			}
		}
		buf = append(buf, p...)
	}
	m.finish(st, out, buf, n)
}

// finish completes the MAC of an n-byte message whose last bytes, tail (a
// prefix of st.buf), are not written yet; writes it to out and returns st
// to the pool.
func (m *mac) finish(st *hmacState, out *[Size]byte, tail []byte, n int) {
	// Inner pass: 0x80, zeros up to 56 mod 64, then the length in bits of
	// the key block and the message.
	pad := 1 + (blockSize+55-n%blockSize)%blockSize + 8
	if len(tail)+pad > len(st.buf) {
		st.h.Write(tail)
		tail = st.buf[:0]
	}
	k := len(tail)
	tail = st.buf[:k+pad]
	tail[k] = 0x80
	clear(tail[k+1 : k+pad-8])
	binary.BigEndian.PutUint64(tail[k+pad-8:], uint64(blockSize+n)*8)
	st.h.Write(tail)
	copy(st.outer[:Size], st.hash())

	// Outer pass: one block, whose padding newHMACState wrote.
	_ = st.h.UnmarshalBinary(m.outer)
	st.h.Write(st.outer[:])
	copy(out[:], st.hash())
	m.pool.Put(st)
}

// hash returns the hash of a message that has been padded and written in
// whole blocks: the words of the saved state. It is valid until the next
// call.
func (st *hmacState) hash() []byte {
	_, _ = st.h.AppendBinary(st.saved[:0]) // fits: keyedState checked the size
	return st.saved[len(stateMagic) : len(stateMagic)+Size]
}

// equal32 compares two MACs in constant time.
func equal32(a, b *[Size]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
