// Package connect implements the connect-authorization scheme: a customer's
// backend signs "<integration>:<connection>" with its environment's HMAC key
// and passes the lowercase hex digest to its frontend, which sends it as
// "hmac" in the auth call. The platform refuses auth calls without a proper
// digest once HMAC is enforced for the environment.
//
// The digest is byte-compatible with the scheme's code samples in every
// language:
//
//	lower-hex(HMAC-SHA256(utf8(key), utf8(integrationID + ":" + connectionID)))
//
// # Why integration IDs may not contain ':'
//
// The message joins the two IDs with ':'. If integration IDs could contain
// ':', ("a:b", "c") and ("a", "b:c") would have the same digest, and a digest
// issued for one connection would authorize another. Connection IDs may
// contain ':' because they come last.
package connect

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
)

// DigestLen is the length of a digest in hex characters.
const DigestLen = 2 * hmacgate.Size

// Message returns the signed message "<integrationID>:<connectionID>". It
// refuses an empty ID ([hmacgate.ErrMissingID]) and an integration ID that
// contains ':' ([hmacgate.ErrAmbiguousID]).
func Message(integrationID, connectionID string) (string, error) {
	if err := checkIDs(integrationID, connectionID); err != nil {
		return "", err
	}
	return integrationID + ":" + connectionID, nil
}

func checkIDs(integrationID, connectionID string) error {
	if integrationID == "" || connectionID == "" {
		return hmacgate.ErrMissingID
	}
	if strings.IndexByte(integrationID, ':') >= 0 {
		return hmacgate.ErrAmbiguousID
	}
	return nil
}

// Digest returns the lowercase hex HMAC-SHA256 of
// "<integrationID>:<connectionID>" under key.
func Digest(key hmacgate.Key, integrationID, connectionID string) (string, error) {
	if key.IsZero() {
		return "", hmacgate.ErrInvalidKey
	}
	if err := checkIDs(integrationID, connectionID); err != nil {
		return "", err
	}
	var sum [hmacgate.Size]byte
	key.SumStrings(sum[:0], integrationID, ":", connectionID)
	return hex.EncodeToString(sum[:]), nil
}

// Verify checks digest against every key of keyring that is valid now.
// It returns [hmacgate.ErrMissingHMAC] for an empty digest and
// [hmacgate.ErrInvalidHMAC] for a malformed or wrong one. Upper- and
// lowercase hex are both accepted; the comparison is constant time.
func Verify(keyring *hmacgate.Keyring, integrationID, connectionID, digest string) error {
	_, err := VerifyAt(keyring, integrationID, connectionID, digest, time.Now())
	return err
}

// VerifyAt is [Verify] at the given time. It also returns the index of the
// keyring entry that matched, so a caller can see when a retiring key stops
// being used; the index is -1 on error.
func VerifyAt(keyring *hmacgate.Keyring, integrationID, connectionID, digest string, now time.Time) (int, error) {
	if err := checkIDs(integrationID, connectionID); err != nil {
		return -1, err
	}
	if digest == "" {
		return -1, hmacgate.ErrMissingHMAC
	}
	var want [hmacgate.Size]byte
	if !decodeHex(&want, digest) {
		return -1, errMalformed
	}
	i := keyring.MatchStrings(want[:], now, integrationID, ":", connectionID)
	if i < 0 {
		return -1, hmacgate.ErrInvalidHMAC
	}
	return i, nil
}

var errMalformed = hmacgate.ErrInvalidHMAC.With("the hmac digest must be 64 hex characters: lowercase hex of HMAC-SHA256")

// decodeHex decodes 64 hex digits of either case into dst. The digest is
// what the caller sent, not a secret, so a table lookup is safe here.
func decodeHex(dst *[hmacgate.Size]byte, s string) bool {
	if len(s) != DigestLen {
		return false
	}
	var bad byte
	for i := range dst {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0x0f
	}
	return bad&0xf0 == 0
}

// hexValue maps a hex digit to its value and any other byte to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()
