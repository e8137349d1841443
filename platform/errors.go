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
		"HMAC is on for the product but it has no secret; generate one with POST /v1/products/{id}/secrets")
	// ErrDeliveryRefused: a server-to-server delivery was refused by the
	// request-forgery guard (scheme, address or redirect).
	ErrDeliveryRefused = hmacgate.NewError("delivery_refused", http.StatusBadRequest,
		"the order URL may not be called from the server: only http and https to public addresses (or allowed private ones), no redirects to other hosts")
	// ErrRateLimited: too many requests from one client.
	ErrRateLimited = hmacgate.NewError("rate_limited", http.StatusTooManyRequests, "too many requests; slow down and retry")
)

// Codes lists the refusal codes of the platform API, in a stable order.
func Codes() []*hmacgate.Error {
	return []*hmacgate.Error{
		ErrUnauthorized, ErrNotFound, ErrConflict, ErrInvalidRequest, ErrNoKey, ErrNoSecret, ErrDeliveryRefused, ErrRateLimited,
	}
}
