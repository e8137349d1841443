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
//
// An Error cannot be changed once made: its fields are read through
// [Error.Code()], [Error.Status()] and [Error.Message()], so the exported
// sentinels are safe to share between goroutines and packages.
type Error struct {
	code    string
	status  int
	message string

	base *Error
}

// NewError returns a refusal with a stable code (lower-case words joined by
// '_'), the HTTP status it maps to and a message that says what to do.
// Packages that build on hmacgate use it for their own sentinels.
func NewError(code string, status int, message string) *Error {
	return &Error{code: code, status: status, message: message}
}

// Code is stable and safe to show: "signature_mismatch", "replayed", …
func (e *Error) Code() string { return e.code }

// Status is the HTTP status a server answers the refusal with.
func (e *Error) Status() int { return e.status }

// Message says what went wrong and what to do about it.
func (e *Error) Message() string { return e.message }

// Error returns "code: message".
func (e *Error) Error() string { return e.code + ": " + e.message }

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
	return &Error{code: e.code, status: e.status, message: message, base: base}
}

func newError(code string, status int, message string) *Error { return NewError(code, status, message) }

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
		return e.code
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
		return e.status
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
		return e.message
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
	}
}
