package order

import (
	"encoding/binary"
	"math/bits"
)

// Word-at-a-time byte tests ("SWAR"): a uint64 holds eight bytes of input,
// and each test sets 0x80 in exactly the bytes that match, with no false
// positives (no carry crosses a byte), so the lowest set bit finds the first
// match.

const (
	ones = 0x0101010101010101
	lo7  = 0x7f7f7f7f7f7f7f7f
)

// zeroBytes marks the bytes of x that are zero.
func zeroBytes(x uint64) uint64 { return ^(((x & lo7) + lo7) | x | lo7) }

// equalBytes marks the bytes of x equal to c.
func equalBytes(x uint64, c byte) uint64 { return zeroBytes(x ^ (ones * uint64(c))) }

// controlBytes marks the bytes of x below 0x20.
func controlBytes(x uint64) uint64 { return zeroBytes(x & (ones * 0xe0)) }

// firstMarked returns the index of the lowest marked byte of a non-zero mask.
func firstMarked(mask uint64) int { return bits.TrailingZeros64(mask) >> 3 }

// load64 returns the first eight bytes of b as a little-endian uint64.
func load64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// load64s returns the eight bytes of s at i as a little-endian uint64; the
// compiler merges the byte loads into one.
func load64s(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}
