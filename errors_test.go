package hmacgate_test

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hmacgate/hmacgate"
)

func TestErrorCodes(t *testing.T) {
	code := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	seen := map[string]bool{}
	for _, e := range hmacgate.Codes() {
		if !code.MatchString(e.Code()) || seen[e.Code()] {
			t.Errorf("bad or repeated code %q", e.Code())
		}
		seen[e.Code()] = true
		if http.StatusText(e.Status()) == "" || e.Status() < 400 {
			t.Errorf("%s: status %d", e.Code(), e.Status())
		}
		if e.Message() == "" {
			t.Errorf("%s: no message", e.Code())
		}
	}
	for _, c := range []string{"missing_orderdata", "missing_signature", "malformed_signature", "signature_mismatch",
		"malformed_orderdata", "duplicate_field", "missing_timestamp", "timestamp_expired", "timestamp_in_future",
		"binding_mismatch", "replayed", "body_too_large", "missing_hmac", "invalid_hmac", "ambiguous_id"} {
		if !seen[c] {
			t.Errorf("code %s is missing", c)
		}
	}
}

func TestErrorWith(t *testing.T) {
	e := hmacgate.ErrMalformedSignature.With("it looks like hex")
	wrapped := fmt.Errorf("verify: %w", e)
	if !errors.Is(wrapped, hmacgate.ErrMalformedSignature) {
		t.Error("errors.Is fails on a detailed error")
	}
	if errors.Is(wrapped, hmacgate.ErrSignatureMismatch) {
		t.Error("errors.Is matches the wrong sentinel")
	}
	if got := hmacgate.ErrorCode(wrapped); got != "malformed_signature" {
		t.Errorf("got %q; want malformed_signature", got)
	}
	if got := hmacgate.HTTPStatus(wrapped); got != http.StatusUnauthorized {
		t.Errorf("got %d; want 401", got)
	}
	if got := hmacgate.ErrorMessage(wrapped); got != "it looks like hex" {
		t.Errorf("got %q", got)
	}
	if !errors.Is(e.With("again"), hmacgate.ErrMalformedSignature) {
		t.Error("With of With lost its sentinel")
	}
	other := errors.New("disk on fire")
	if hmacgate.ErrorCode(other) != hmacgate.Internal || hmacgate.HTTPStatus(other) != 500 || hmacgate.ErrorMessage(other) != "internal error" {
		t.Error("non-refusal errors are not reported as internal")
	}
	if hmacgate.ErrorCode(nil) != "" || hmacgate.HTTPStatus(nil) != 200 {
		t.Error("nil error")
	}
}
