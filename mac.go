package hmacgate

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"sync"
	"unsafe"
)

// Size is the length in bytes of an HMAC-SHA256.
const Size = sha256.Size

// mac is the one place that computes MACs. It keeps keyed HMAC states in a
// pool: a state is Reset (which restores the saved inner state after the key
// block) rather than keyed anew, so a short message costs about two SHA-256
// compressions.
type mac struct {
	secret string
	pool   sync.Pool // of *hmacState
}

type hmacState struct {
	h   hash.Hash
	out [Size]byte
}

func newMAC(secret string) *mac {
	m := &mac{secret: secret}
	m.pool.New = func() any {
		return &hmacState{h: hmac.New(sha256.New, []byte(m.secret))}
	}
	return m
}

// sum writes HMAC-SHA256(secret, msg) to out.
func (m *mac) sum(out *[Size]byte, msg []byte) {
	st := m.pool.Get().(*hmacState)
	st.h.Reset()
	st.h.Write(msg)
	st.h.Sum(st.out[:0])
	*out = st.out
	m.pool.Put(st)
}

// sumStrings writes HMAC-SHA256(secret, concatenation of parts) to out,
// without building the concatenation.
func (m *mac) sumStrings(out *[Size]byte, parts []string) {
	st := m.pool.Get().(*hmacState)
	st.h.Reset()
	for _, p := range parts {
		st.h.Write(stringBytes(p))
	}
	st.h.Sum(st.out[:0])
	*out = st.out
	m.pool.Put(st)
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
