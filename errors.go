package hmacgate

import (
	"errors"
	"net/http"
)

// Error is a refusal with a stable machine-readable code, the HTTP status it
// maps to and a message that tells a person what to do.
//
// The exported Err* values are sentinels: compare with [errors.Is]. A refusal
// that carries more detail (a hint, a field name) is a new *Error made by
// [Error.With]; it still matches its sentinel with errors.Is and has the same
// Code and Status.
//
// No Error ever contains a key, a secret or an expected MAC.
type Error struct {
	// Code is stable and safe to show: "signature_mismatch", "replayed", …
	Code string
	// Status is the HTTP status a server answers with.
	Status int
	// Message says what went wrong and what to do about it.
	Message string

	base *Error
}

// Error returns "code: message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is reports whether target is the sentinel e was derived from.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return e == t || (e.base != nil && e.base == t)
}

// With returns a refusal with the same code and status as e and the given
// message. The result matches e with [errors.Is].
func (e *Error) With(message string) *Error {
	base := e
	if e.base != nil {
		base = e.base
	}
	return &Error{Code: e.Code, Status: e.Status, Message: message, base: base}
}

func newError(code string, status int, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Refusals of the signed-order scheme.
var (
	// ErrMissingOrderdata: the form has no orderdata field.
	ErrMissingOrderdata = newError("missing_orderdata", http.StatusBadRequest,
		"the request has no orderdata field; send orderdata and hmacsignature as form fields")
	// ErrMissingSignature: the form has no hmacsignature field.
	ErrMissingSignature = newError("missing_signature", http.StatusUnauthorized,
		"the request has no hmacsignature field; enable HMAC for the product and send the signature")
	// ErrMalformedSignature: hmacsignature is not padded standard base64 of 32 bytes.
	ErrMalformedSignature = newError("malformed_signature", http.StatusUnauthorized,
		"hmacsignature must be standard, padded base64 of a 32-byte HMAC-SHA256")
	// ErrSignatureMismatch: no valid secret produces the signature over orderdata.
	ErrSignatureMismatch = newError("signature_mismatch", http.StatusUnauthorized,
		"the signature does not match orderdata under any valid secret; check the secret and that orderdata is signed exactly as sent")
	// ErrMalformedOrderdata: orderdata is not one JSON object of valid UTF-8.
	ErrMalformedOrderdata = newError("malformed_orderdata", http.StatusBadRequest,
		"orderdata must be a single JSON object in valid UTF-8")
	// ErrDuplicateField: a JSON key appears twice in orderdata.
	ErrDuplicateField = newError("duplicate_field", http.StatusBadRequest,
		"orderdata has a duplicate key; JSON parsers disagree on which copy wins, so it is refused")
	// ErrMissingTimestamp: orderdata has no hmacTimestamp.
	ErrMissingTimestamp = newError("missing_timestamp", http.StatusBadRequest,
		"orderdata has no hmacTimestamp (an integer, Unix time in milliseconds)")
	// ErrTimestampExpired: hmacTimestamp is older than the maximum age.
	ErrTimestampExpired = newError("timestamp_expired", http.StatusUnauthorized,
		"hmacTimestamp is older than the allowed age; the order must be used right after it is signed")
	// ErrTimestampInFuture: hmacTimestamp is further ahead than the allowed skew.
	ErrTimestampInFuture = newError("timestamp_in_future", http.StatusUnauthorized,
		"hmacTimestamp is further in the future than the allowed clock skew; check both clocks")
	// ErrBindingMismatch: a value from the URL differs from the signed value.
	ErrBindingMismatch = newError("binding_mismatch", http.StatusForbidden,
		"a value in the URL differs from the signed value in orderdata")
	// ErrReplayed: the same signed order was already accepted.
	ErrReplayed = newError("replayed", http.StatusUnauthorized,
		"this signed order was already used; every launch must be signed anew")
	// ErrBodyTooLarge: the request body exceeds the limit.
	ErrBodyTooLarge = newError("body_too_large", http.StatusRequestEntityTooLarge,
		"the request body is larger than the limit")
)

// Refusals of the connect-authorization scheme.
var (
	// ErrMissingHMAC: the auth call carries no digest while HMAC is enforced.
	ErrMissingHMAC = newError("missing_hmac", http.StatusUnauthorized,
		"the auth call has no hmac digest; sign <integration>:<connection> in your backend and pass the digest")
	// ErrInvalidHMAC: the digest is malformed or does not match.
	ErrInvalidHMAC = newError("invalid_hmac", http.StatusUnauthorized,
		"the hmac digest is not valid for this integration and connection; check the key and the IDs")
	// ErrAmbiguousID: an integration ID contains ':'.
	ErrAmbiguousID = newError("ambiguous_id", http.StatusBadRequest,
		"integration IDs may not contain ':' because the signed message joins the IDs with ':'")
	// ErrMissingID: an integration or connection ID is empty.
	ErrMissingID = newError("missing_id", http.StatusBadRequest,
		"integration and connection IDs must not be empty")
)

// General refusals.
var (
	// ErrInvalidKey: a key or secret is empty.
	ErrInvalidKey = newError("invalid_key", http.StatusBadRequest,
		"a key must be a non-empty string")
	// ErrUnavailable: a store or replay guard could not answer; the request is refused (fail closed).
	ErrUnavailable = newError("unavailable", http.StatusServiceUnavailable,
		"verification is temporarily unavailable; try again")
	// ErrMethodNotAllowed: the request is not a POST.
	ErrMethodNotAllowed = newError("method_not_allowed", http.StatusMethodNotAllowed,
		"signed orders are sent with POST")
	// ErrUnsupportedMediaType: the request body is not form-encoded.
	ErrUnsupportedMediaType = newError("unsupported_media_type", http.StatusUnsupportedMediaType,
		"signed orders are sent as application/x-www-form-urlencoded")
)

// Refusals of the platform API.
var (
	// ErrUnauthorized: the request has no valid credentials for the route.
	ErrUnauthorized = newError("unauthorized", http.StatusUnauthorized,
		"send Authorization: Bearer <token> with a valid token for this route")
	// ErrNotFound: the addressed resource does not exist.
	ErrNotFound = newError("not_found", http.StatusNotFound, "no such resource")
	// ErrConflict: the resource exists already.
	ErrConflict = newError("conflict", http.StatusConflict, "the resource exists already")
	// ErrInvalidRequest: the request body or parameters are not acceptable.
	ErrInvalidRequest = newError("invalid_request", http.StatusBadRequest, "the request is not valid")
	// ErrNoKey: HMAC cannot be switched on for an environment without a key.
	ErrNoKey = newError("no_hmac_key", http.StatusConflict,
		"the environment has no HMAC key; create one with POST /v1/hmac/keys before switching HMAC on")
	// ErrNoSecret: a product with HMAC on has no secret to sign with.
	ErrNoSecret = newError("no_product_secret", http.StatusConflict,
		"HMAC is on for the product but it has no secret; generate one with POST /v1/products/{id}/secrets")
	// ErrDeliveryRefused: a server-to-server delivery was refused by the
	// request-forgery guard (scheme, address or redirect).
	ErrDeliveryRefused = newError("delivery_refused", http.StatusBadRequest,
		"the order URL may not be called from the server: only http and https to public addresses (or allowed private ones), no redirects to other hosts")
	// ErrRateLimited: too many requests from one client.
	ErrRateLimited = newError("rate_limited", http.StatusTooManyRequests, "too many requests; slow down and retry")
)

// Internal is the code [ErrorCode] reports for an error that is not a refusal.
const Internal = "internal"

// ErrorCode returns the stable code of err, "" for nil and [Internal] for an
// error that is not an [*Error].
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// HTTPStatus returns the HTTP status for err: 200 for nil, the refusal's
// status for an [*Error] and 500 otherwise.
func HTTPStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}

// ErrorMessage returns the message of err's refusal, or a generic message
// for an error that is not an [*Error] (whose text may not be fit to show).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Codes lists every refusal code this package defines, in a stable order.
func Codes() []*Error {
	return []*Error{
		ErrMissingOrderdata, ErrMissingSignature, ErrMalformedSignature, ErrSignatureMismatch,
		ErrMalformedOrderdata, ErrDuplicateField, ErrMissingTimestamp, ErrTimestampExpired,
		ErrTimestampInFuture, ErrBindingMismatch, ErrReplayed, ErrBodyTooLarge,
		ErrMissingHMAC, ErrInvalidHMAC, ErrAmbiguousID, ErrMissingID,
		ErrInvalidKey, ErrUnavailable, ErrMethodNotAllowed, ErrUnsupportedMediaType,
		ErrUnauthorized, ErrNotFound, ErrConflict, ErrInvalidRequest, ErrNoKey, ErrNoSecret, ErrDeliveryRefused, ErrRateLimited,
	}
}
