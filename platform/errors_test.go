package platform_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
)

// The platform's codes follow the library's rules and never reuse one of
// its codes, so a client can tell a refusal's origin by its code alone.
func TestCodes(t *testing.T) {
	code := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	seen := map[string]bool{}
	for _, e := range hmacgate.Codes() {
		seen[e.Code()] = true
	}
	for _, e := range platform.Codes() {
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
}
