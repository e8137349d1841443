package hmacgate

import "time"

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
	for i := range r.entries {
		if !r.Valid(i, now) {
			continue
		}
		r.entries[i].Key.m.sumStrings(&sum, parts)
		found = keepFirst(found, i, equalHexFolded(&sum, digest))
	}
	return found
}

// equalHexFolded returns 1 if digest is mac in hex (lowercase, or with
// 'A'-'F' for 'a'-'f') and 0 otherwise, in time that depends only on the
// length. Four MAC bytes at a time are spread into eight hex digits in a
// uint64; the digest's bytes with bit 0x40 set are lowercased before the
// comparison. Digits (0x30-0x39) lack bit 0x40 and so are compared as they
// are: no other character folds onto a digit.
func equalHexFolded(mac *[Size]byte, digest string) int {
	const (
		fold   = 0x4040404040404040
		nibble = 0x000f000f000f000f
	)
	var diff uint64
	for i := 0; i < Size; i += 4 {
		// Bytes b0..b3 in 16-bit lanes, then high nibble to the even byte
		// and low nibble to the odd byte of each lane: the digits in order.
		x := uint64(mac[i]) | uint64(mac[i+1])<<16 | uint64(mac[i+2])<<32 | uint64(mac[i+3])<<48
		n := (x>>4)&nibble | (x&nibble)<<8
		// '0'+n, plus 'a'-'0'-10 where n >= 10.
		want := n + 0x3030303030303030 + ((n+0x0606060606060606)>>4&0x0101010101010101)*('a'-'0'-10)
		d := load64(digest, 2*i)
		d |= (d & fold) >> 1 // 'A'-'F' (0x41-0x46) become 'a'-'f'; bit 0x40 moves to 0x20
		diff |= want ^ d
	}
	// 1 when diff is 0, without a branch.
	return int(((diff | -diff) >> 63) ^ 1)
}

// load64 returns the eight bytes of s at i as a little-endian uint64. The
// compiler merges the byte loads into one 64-bit load (and the index check
// into one), so this costs what binary.LittleEndian.Uint64 costs on a
// []byte, without converting the string.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
