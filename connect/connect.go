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

// checkIDs refuses an empty ID and an integration ID that contains ':'.
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
//
// The clock is read only when a key of keyring has a ValidUntil
// ([hmacgate.Keyring.Expires]): otherwise the time cannot change the
// answer, and reading it costs up to half as much as the MAC.
func Verify(keyring *hmacgate.Keyring, integrationID, connectionID, digest string) error {
	var now time.Time
	if keyring.Expires() {
		now = time.Now()
	}
	_, err := VerifyAt(keyring, integrationID, connectionID, digest, now)
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
	i := keyring.MatchHexStrings(digest, now, integrationID, ":", connectionID)
	if i < 0 {
		if !isHexDigest(digest) {
			return -1, errMalformed
		}
		return -1, hmacgate.ErrInvalidHMAC
	}
	return i, nil
}

var errMalformed = hmacgate.ErrInvalidHMAC.With("the hmac digest must be 64 hex characters: lowercase hex of HMAC-SHA256")

// isHexDigest reports whether s is 64 hex digits of either case. It only
// chooses the refusal's message: a digest is compared without decoding it.
func isHexDigest(s string) bool {
	if len(s) != DigestLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
