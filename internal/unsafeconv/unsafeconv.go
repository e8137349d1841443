// Package unsafeconv converts between strings and byte slices without
// copying, for the few hot paths where a copy measurably costs: hashing a
// long string (an orderdata of 64 KiB is copied in about a tenth of the time
// its MAC takes) and keeping an order's decoded orderdata. Everywhere else,
// use the ordinary conversions.
//
// Both functions break Go's guarantee that strings are immutable if their
// rules are not kept, so every caller says, in a comment, why it keeps them.
package unsafeconv

import "unsafe"

// StringBytes returns the bytes of s without copying. The result must never
// be modified, and may only be passed to code that does not keep it or
// change it, such as a hash's Write.
func StringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// OwnedString returns b as a string without copying. The caller must own b,
// and nothing may modify b afterwards.
func OwnedString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
