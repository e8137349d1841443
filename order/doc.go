// Package order implements the signed-order scheme: a platform sends an
// order to a partner product as a form-encoded POST with two fields,
// orderdata (a JSON string) and hmacsignature (standard base64 of
// HMAC-SHA256 over the UTF-8 bytes of orderdata, keyed by the product's
// shared secret).
package order
