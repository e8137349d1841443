package platform

import (
	"net/http"

	"github.com/hmacgate/hmacgate"
)

// Refusals of the platform API.
var (
	// ErrUnauthorized: the request has no valid credentials for the route.
	ErrUnauthorized = hmacgate.NewError("unauthorized", http.StatusUnauthorized,
		"send Authorization: Bearer <token> with a valid token for this route")
	// ErrNotFound: the addressed resource does not exist.
	ErrNotFound = hmacgate.NewError("not_found", http.StatusNotFound, "no such resource")
	// ErrConflict: the resource exists already.
	ErrConflict = hmacgate.NewError("conflict", http.StatusConflict, "the resource exists already")
	// ErrInvalidRequest: the request body or parameters are not acceptable.
	ErrInvalidRequest = hmacgate.NewError("invalid_request", http.StatusBadRequest, "the request is not valid")
	// ErrNoKey: HMAC cannot be switched on for an environment without a key.
	ErrNoKey = hmacgate.NewError("no_hmac_key", http.StatusConflict,
		"the environment has no HMAC key; create one with POST /v1/hmac/keys before switching HMAC on")
	// ErrNoSecret: a product with HMAC on has no secret to sign with.
	ErrNoSecret = hmacgate.NewError("no_product_secret", http.StatusConflict,
		"HMAC is on for the product but it has no secret; generate one with POST /v1/products/<product ID>/secrets")
	// ErrDeliveryRefused: a server-to-server delivery was refused by the
	// request-forgery guard (scheme, address or redirect).
	ErrDeliveryRefused = hmacgate.NewError("delivery_refused", http.StatusBadRequest,
		"the order URL may not be called from the server: only http and https to public addresses (or allowed private ones), no redirects to other hosts")
	// ErrRateLimited: too many requests from one client.
	ErrRateLimited = hmacgate.NewError("rate_limited", http.StatusTooManyRequests, "too many requests; slow down and retry")
	// ErrLaunchUsed: a single-use launch link was opened already.
	ErrLaunchUsed = hmacgate.NewError("launch_used", http.StatusGone,
		"this launch link was used already: each link opens the order once; launch the order again from where you started")
	// ErrLaunchExpired: a launch link is older than the order's validity.
	ErrLaunchExpired = hmacgate.NewError("launch_expired", http.StatusGone,
		"this launch link has expired: it works for 5 minutes; launch the order again from where you started")
)

// Codes lists the refusal codes of the platform API, in a stable order.
func Codes() []*hmacgate.Error {
	return []*hmacgate.Error{
		ErrUnauthorized, ErrNotFound, ErrConflict, ErrInvalidRequest, ErrNoKey, ErrNoSecret, ErrDeliveryRefused, ErrRateLimited,
		ErrLaunchUsed, ErrLaunchExpired,
	}
}

// FieldError is an invalid_request refusal about one field of a request:
// the field's name, what is wrong with it and how to fix it. The API writes
// it as "<field> <problem>: <fix>"; the console says the same with the
// form's label for the field, so both speak of the same limit and the same
// fix. It matches [ErrInvalidRequest] with errors.Is, and errors.As finds
// the *hmacgate.Error behind it.
type FieldError struct {
	// Field is the field's name in the API: "name", "order_url".
	Field string
	// Problem says what is wrong, after the field's name: "is required",
	// "is longer than 100 characters (it has 5000)".
	Problem string
	// Fix says what to do: "use 1 to 100 characters". It may be empty.
	Fix string

	err *hmacgate.Error
}

// NewFieldError returns the refusal of a field.
func NewFieldError(field, problem, fix string) *FieldError {
	msg := field + " " + problem
	if fix != "" {
		msg += ": " + fix
	}
	return &FieldError{Field: field, Problem: problem, Fix: fix, err: ErrInvalidRequest.With(msg)}
}

// Error returns "invalid_request: <field> <problem>: <fix>".
func (e *FieldError) Error() string { return e.err.Error() }

// Unwrap returns the refusal, for errors.Is and errors.As.
func (e *FieldError) Unwrap() error { return e.err }
