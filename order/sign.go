package order

import (
	"encoding/base64"

	"github.com/hmacgate/hmacgate"
)

// Sign returns the order signature: standard, padded base64 of
// HMAC-SHA256(secret, orderdata), computed over orderdata exactly as given.
func Sign(secret hmacgate.Key, orderdata []byte) string {
	var sum [hmacgate.Size]byte
	secret.Sum(sum[:0], orderdata)
	return base64.StdEncoding.EncodeToString(sum[:])
}
