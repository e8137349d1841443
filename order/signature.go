package order

import (
	"encoding/base64"
	"strings"

	"github.com/hmacgate/hmacgate"
)

// SignatureLen is the length of a signature: padded base64 of 32 bytes.
const SignatureLen = 44

// strictStd is standard padded base64, refusing non-zero trailing bits, so
// that each MAC has exactly one accepted signature text.
var strictStd = base64.StdEncoding.Strict()

// decodeSignature decodes hmacsignature, which must be standard, padded
// base64 of 32 bytes. Anything else is malformed_signature with a hint that
// names the likely mistake.
func decodeSignature(dst *[hmacgate.Size]byte, sig string) error {
	if len(sig) != SignatureLen {
		return hmacgate.ErrMalformedSignature.With(signatureHint(sig))
	}
	var b [SignatureLen]byte // a copy on the stack: cheaper than converting
	copy(b[:], sig)
	return decodeSignatureBytes(dst, b[:])
}

// decodeSignatureBytes is [decodeSignature] for a signature in bytes.
func decodeSignatureBytes(dst *[hmacgate.Size]byte, sig []byte) error {
	if len(sig) == SignatureLen {
		var buf [SignatureLen / 4 * 3]byte // 33: room for 44 characters without padding
		if n, err := strictStd.Decode(buf[:], sig); err == nil && n == hmacgate.Size {
			copy(dst[:], buf[:n])
			return nil
		}
	}
	return hmacgate.ErrMalformedSignature.With(signatureHint(string(sig)))
}

// signatureHint says what is wrong with a signature that did not decode.
func signatureHint(sig string) string {
	const want = "hmacsignature must be standard base64 of HMAC-SHA256 with padding (44 characters ending in '='): "
	switch {
	case len(sig) == 64 && isHex(sig):
		return want + "it looks like hex; encode the raw 32 MAC bytes with standard base64 instead"
	case strings.ContainsAny(sig, "-_"):
		return want + "it uses the URL-safe alphabet ('-' and '_'); use '+' and '/'"
	case strings.Contains(sig, " "):
		return want + "it contains a space: a '+' was sent without percent-encoding and became a space; percent-encode the form body"
	case len(sig) == SignatureLen-1 && !strings.HasSuffix(sig, "="):
		return want + "the '=' padding is missing"
	case len(sig) > SignatureLen && len(sig) < 2*SignatureLen:
		return want + "it is too long; check that it was encoded only once and that no whitespace was added"
	}
	return want + "it is not 32 bytes of base64"
}

// isHex reports whether s is hex digits only.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if unhex(s[i]) > 15 {
			return false
		}
	}
	return true
}
