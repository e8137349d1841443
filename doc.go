// Package hmacgate holds the core shared by both HMAC schemes that hmacgate
// implements: keys, keyrings with rotation, MAC computation and the stable
// refusal codes.
//
// # The two schemes
//
//   - Connect authorization (package [github.com/hmacgate/hmacgate/connect]):
//     a backend signs "<integration>:<connection>" with its environment's key
//     and hands the lowercase hex digest to its frontend.
//   - Signed order launches (package [github.com/hmacgate/hmacgate/order]):
//     a platform POSTs orderdata (JSON) and hmacsignature (base64 HMAC-SHA256
//     of the orderdata bytes) to a partner, which verifies both.
//
// # Keys
//
// A [Key] is a string whose exact UTF-8 bytes are the HMAC key, as in every
// code sample of both schemes: it is never base64-decoded, trimmed or
// normalized. [GenerateKey] makes a 32-byte random key written as "hgk_"
// followed by unpadded base64url. A Key never prints its value: String,
// Format, MarshalJSON, MarshalText and LogValue all print "[REDACTED]".
//
// # Security
//
// MACs are compared in constant time on decoded bytes. A [Keyring] tries every
// valid key without an early exit, so the time a verification takes does not
// reveal which key matched. Refusals are [*Error] values with a stable code
// and HTTP status; no refusal contains a key or an expected MAC.
package hmacgate
