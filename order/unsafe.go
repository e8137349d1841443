package order

import "unsafe"

// stringBytes returns the bytes of s without copying. The result is only
// read (hashed or decoded), never modified or kept.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// ownedString returns b as a string without copying. The caller must own b
// and never modify it afterwards.
func ownedString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
