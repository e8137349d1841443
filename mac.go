package hmacgate

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"hash"
	"sync"
	"unsafe"
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
type mac struct {
	secret       string
	inner, outer []byte // marshaled SHA-256 states after K0^ipad and K0^opad
	pool         sync.Pool
}

// hmacState is one pooled pair of hash states with scratch space.
type hmacState struct {
	inner, outer hash.Hash
	scratch      [128]byte // small messages in pieces are joined here, for one Write
	sum          [Size]byte
}

type binaryState interface {
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

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
	m.pool.New = func() any { return &hmacState{inner: sha256.New(), outer: sha256.New()} }
	return m
}

func keyedState(pad []byte) []byte {
	h := sha256.New()
	h.Write(pad)
	b, err := h.(binaryState).MarshalBinary()
	if err != nil {
		panic("hmacgate: crypto/sha256 cannot save its state: " + err.Error())
	}
	return b
}

// begin returns a pooled state whose inner hash has absorbed K0^ipad.
func (m *mac) begin() *hmacState {
	st := m.pool.Get().(*hmacState)
	_ = st.inner.(binaryState).UnmarshalBinary(m.inner) // a state this package saved: cannot fail
	return st
}

// finish completes the MAC into out and returns st to the pool.
func (m *mac) finish(st *hmacState, out *[Size]byte) {
	st.inner.Sum(st.sum[:0])
	_ = st.outer.(binaryState).UnmarshalBinary(m.outer)
	st.outer.Write(st.sum[:])
	st.outer.Sum(st.sum[:0])
	*out = st.sum
	m.pool.Put(st)
}

// sum writes HMAC-SHA256(secret, msg) to out.
func (m *mac) sum(out *[Size]byte, msg []byte) {
	st := m.begin()
	st.inner.Write(msg)
	m.finish(st, out)
}

// sumStrings writes HMAC-SHA256(secret, concatenation of parts) to out,
// without allocating the concatenation: short messages are joined in the
// state's scratch space and hashed with one Write.
func (m *mac) sumStrings(out *[Size]byte, parts []string) {
	st := m.begin()
	buf := st.scratch[:0]
	for _, p := range parts {
		if len(buf)+len(p) > cap(buf) {
			st.inner.Write(buf)
			buf = st.scratch[:0]
			if len(p) > cap(buf) {
				st.inner.Write(stringBytes(p))
				continue
			}
		}
		buf = append(buf, p...)
	}
	st.inner.Write(buf)
	m.finish(st, out)
}

// equal32 compares two MACs in constant time.
func equal32(a, b *[Size]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// stringBytes returns the bytes of s without copying. The result must not be
// modified; it is only passed to hash writers, which do not keep or change it.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
