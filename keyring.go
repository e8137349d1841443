package hmacgate

import (
	"crypto/subtle"
	"time"
)

// KeyringEntry is one key of a [Keyring] and the time after which it is no
// longer accepted. A zero ValidUntil means the key stays valid until it is
// removed from the keyring.
type KeyringEntry struct {
	Key        Key
	ValidUntil time.Time
}

// Keyring is an ordered set of keys: the primary key first (the one that
// signs), then retiring keys that are still accepted while a new key
// propagates. A Keyring is immutable and safe for concurrent use.
//
// Verification tries every valid key without an early exit, so timing does
// not tell which key matched, and reports the index of the matching key so
// that a caller can see when an old key stops being used.
type Keyring struct {
	entries []KeyringEntry
	expires bool // some entry has a ValidUntil
}

// NewKeyring returns a keyring of keys that stay valid until removed; the
// first is the primary key.
func NewKeyring(primary Key, retiring ...Key) (*Keyring, error) {
	entries := make([]KeyringEntry, 0, 1+len(retiring))
	entries = append(entries, KeyringEntry{Key: primary})
	for _, k := range retiring {
		entries = append(entries, KeyringEntry{Key: k})
	}
	return NewKeyringEntries(entries...)
}

// MustNewKeyring is like [NewKeyring] but panics on error. It is meant for
// tests and examples.
func MustNewKeyring(primary Key, retiring ...Key) *Keyring {
	r, err := NewKeyring(primary, retiring...)
	if err != nil {
		panic(err)
	}
	return r
}

// NewKeyringEntries returns a keyring of the given entries; the first is the
// primary key. It fails on an empty list or a zero Key.
func NewKeyringEntries(entries ...KeyringEntry) (*Keyring, error) {
	if len(entries) == 0 {
		return nil, ErrInvalidKey.With("a keyring needs at least one key")
	}
	for _, e := range entries {
		if e.Key.IsZero() {
			return nil, ErrInvalidKey.With("a keyring may not hold an empty key")
		}
	}
	r := &Keyring{entries: append([]KeyringEntry(nil), entries...)}
	for _, e := range r.entries {
		r.expires = r.expires || !e.ValidUntil.IsZero()
	}
	return r, nil
}

// Primary returns the key that signs.
func (r *Keyring) Primary() Key { return r.entries[0].Key }

// Len returns the number of keys, valid or not.
func (r *Keyring) Len() int { return len(r.entries) }

// Entries returns a copy of the keyring's entries.
func (r *Keyring) Entries() []KeyringEntry { return append([]KeyringEntry(nil), r.entries...) }

// Expires reports whether some key of the keyring has a ValidUntil. When
// none has, every key is valid at every time and the matching methods do not
// look at their now argument, so a caller may skip reading the clock (which
// costs up to half as much as a short MAC) and pass the zero time.
func (r *Keyring) Expires() bool { return r.expires }

// Valid reports whether entry i is accepted at time now.
func (r *Keyring) Valid(i int, now time.Time) bool {
	u := r.entries[i].ValidUntil
	return u.IsZero() || now.Before(u)
}

// Match returns the index of the key whose HMAC-SHA256 over msg equals mac,
// among the keys valid at now, or -1. Every valid key is tried, and the MACs
// are compared in constant time.
func (r *Keyring) Match(msg, mac []byte, now time.Time) int {
	if len(mac) != Size {
		return -1
	}
	return r.match(msg, (*[Size]byte)(mac), now, false)
}

// MatchAny is like [Keyring.Match] but also tries keys whose ValidUntil has
// passed. It is meant for diagnosis, never for acceptance.
func (r *Keyring) MatchAny(msg, mac []byte) int {
	if len(mac) != Size {
		return -1
	}
	return r.match(msg, (*[Size]byte)(mac), time.Time{}, true)
}

// match is Match and MatchAny: all tries every key, valid or not.
func (r *Keyring) match(msg []byte, want *[Size]byte, now time.Time, all bool) int {
	found := -1
	var got [Size]byte
	for i := range r.entries {
		if !all && !r.Valid(i, now) {
			continue // validity is public; skipping it reveals nothing secret
		}
		r.entries[i].Key.m.sum(&got, msg)
		found = keepFirst(found, i, subtle.ConstantTimeCompare(got[:], want[:]))
	}
	return found
}

// MatchStrings is [Keyring.Match] for a message that is the concatenation
// of parts; the concatenation is never built, so nothing is copied.
func (r *Keyring) MatchStrings(mac []byte, now time.Time, parts ...string) int {
	if len(mac) != Size {
		return -1
	}
	found := -1
	var got [Size]byte
	for i := range r.entries {
		if !r.Valid(i, now) {
			continue
		}
		r.entries[i].Key.m.sumStrings(&got, parts)
		found = keepFirst(found, i, subtle.ConstantTimeCompare(got[:], mac))
	}
	return found
}

// keepFirst returns i if eq is 1 and nothing was found yet, else found,
// without a branch on eq.
func keepFirst(found, i, eq int) int {
	first := eq & subtle.ConstantTimeEq(int32(found), -1)
	return subtle.ConstantTimeSelect(first, i, found)
}
