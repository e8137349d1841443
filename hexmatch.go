package hmacgate

import (
	"encoding/binary"
	"time"
)

const hexDigits = "0123456789abcdef"

// MatchHexStrings is [Keyring.MatchStrings] for a MAC written in hex, as in
// the connect scheme: it returns the index of the first valid key whose
// HMAC-SHA256 over the concatenation of parts, in lowercase hex, equals
// digest, with 'A'-'F' accepted for 'a'-'f'; or -1.
//
// The digest is not decoded first: each key's MAC is written in hex and
// compared with the digest eight characters at a time, in constant time.
// Only the ASCII letters are folded to lowercase, so a digest that matches is
// exactly 64 hex digits; anything else matches no key.
func (r *Keyring) MatchHexStrings(digest string, now time.Time, parts ...string) int {
	if len(digest) != 2*Size {
		return -1
	}
	found := -1
	var sum [Size]byte
	var want [2 * Size]byte
	for i := range r.entries {
		if !r.Valid(i, now) {
			continue
		}
		r.entries[i].Key.m.sumStrings(&sum, parts)
		for j, b := range sum {
			want[2*j], want[2*j+1] = hexDigits[b>>4], hexDigits[b&0x0f]
		}
		found = keepFirst(found, i, equalHexFolded(&want, digest))
	}
	return found
}

// equalHexFolded returns 1 if digest equals want (lowercase hex) once the
// characters with bit 0x40 set are lowercased, and 0 otherwise, in time that
// depends only on the length. Digits (0x30-0x39) lack bit 0x40 and so are
// compared as they are: no other character folds onto a digit.
func equalHexFolded(want *[2 * Size]byte, digest string) int {
	const fold = 0x4040404040404040
	var diff uint64
	for i := 0; i < len(want); i += 8 {
		w := binary.LittleEndian.Uint64(want[i:])
		d := uint64(digest[i]) | uint64(digest[i+1])<<8 | uint64(digest[i+2])<<16 | uint64(digest[i+3])<<24 |
			uint64(digest[i+4])<<32 | uint64(digest[i+5])<<40 | uint64(digest[i+6])<<48 | uint64(digest[i+7])<<56
		d |= (d & fold) >> 1 // 'A'-'F' (0x41-0x46) become 'a'-'f'; bit 0x40 moves to 0x20
		diff |= w ^ d
	}
	// 1 when diff is 0, without a branch.
	return int(((diff | -diff) >> 63) ^ 1)
}
