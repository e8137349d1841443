package hmacgate

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
)

// KeyPrefix starts every generated key. It makes leaked keys easy for secret
// scanners to find; it is part of the key (the HMAC key is the whole string).
const KeyPrefix = "hgk_"

// MinKeyLen is the length in bytes under which a key is [Key.Weak].
const MinKeyLen = 32

// redacted is what every printing method of a Key shows.
const redacted = "[REDACTED]"

// Key is an HMAC key or shared secret. The HMAC key is the exact UTF-8 bytes
// of the string it was made from: never base64-decoded, trimmed or
// normalized, so that it matches what the seeds' code samples compute.
//
// A Key never reveals its value when printed, formatted, logged or marshaled;
// only [Key.Reveal] returns it. The zero Key is not usable.
//
// A Key is safe for concurrent use and cheap to copy.
type Key struct {
	m *mac
}

// GenerateKey returns a new key made of 32 bytes from crypto/rand, written as
// [KeyPrefix] followed by unpadded base64url.
func GenerateKey() Key {
	var b [32]byte
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b[:])
	return Key{newMAC(KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:]))}
}

// ParseKey returns the key whose HMAC key is the exact bytes of s. Any
// non-empty string is a key; use [Key.Weak] to find keys that are too short.
func ParseKey(s string) (Key, error) {
	if s == "" {
		return Key{}, ErrInvalidKey
	}
	return Key{newMAC(s)}, nil
}

// MustParseKey is like [ParseKey] but panics on an empty string. It is meant
// for tests and examples.
func MustParseKey(s string) Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

// Reveal returns the key's value. Call it only to show a new key to its owner
// once or to store it encrypted.
func (k Key) Reveal() string {
	if k.m == nil {
		return ""
	}
	return k.m.secret
}

// IsZero reports whether k is the zero Key.
func (k Key) IsZero() bool { return k.m == nil }

// Len returns the key's length in bytes.
func (k Key) Len() int {
	if k.m == nil {
		return 0
	}
	return len(k.m.secret)
}

// Weak reports whether the key is shorter than [MinKeyLen] bytes.
func (k Key) Weak() bool { return k.Len() < MinKeyLen }

// Equal reports whether k and other are the same key, in constant time.
func (k Key) Equal(other Key) bool {
	a, b := sha256.Sum256([]byte(k.Reveal())), sha256.Sum256([]byte(other.Reveal()))
	return equal32(&a, &b) && k.IsZero() == other.IsZero()
}

// Sum appends HMAC-SHA256(k, msg) to dst and returns the result. It returns
// dst unchanged for the zero Key.
func (k Key) Sum(dst, msg []byte) []byte {
	if k.m == nil {
		return dst
	}
	var s [Size]byte
	k.m.sum(&s, msg)
	return append(dst, s[:]...)
}

// SumStrings appends the HMAC-SHA256 under k of the concatenation of parts
// to dst; the concatenation is never built.
func (k Key) SumStrings(dst []byte, parts ...string) []byte {
	if k.m == nil {
		return dst
	}
	var s [Size]byte
	k.m.sumStrings(&s, parts)
	return append(dst, s[:]...)
}

// String returns "[REDACTED]".
func (k Key) String() string { return redacted }

// GoString returns "[REDACTED]".
func (k Key) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb, so that no fmt verb (%x, %q, %#v
// …) reveals the key.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (k Key) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[REDACTED]".
func (k Key) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue makes log/slog print "[REDACTED]".
func (k Key) LogValue() slog.Value { return slog.StringValue(redacted) }

var (
	_ fmt.Stringer                 = Key{}
	_ fmt.GoStringer               = Key{}
	_ fmt.Formatter                = Key{}
	_ slog.LogValuer               = Key{}
	_ interface{ Reveal() string } = Key{}
)
