package hmacgate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
)

func TestWriteError(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		status    int
		code, msg string
		notInBody string
	}{
		{"sentinel", hmacgate.ErrReplayed, 401, "replayed", hmacgate.ErrReplayed.Message(), ""},
		{"with message", hmacgate.ErrBodyTooLarge.With("over 64 KiB"), 413, "body_too_large", "over 64 KiB", ""},
		{"wrapped", fmt.Errorf("claim: %w", hmacgate.ErrUnavailable), 503, "unavailable", hmacgate.ErrUnavailable.Message(), "claim"},
		{"joined", errors.Join(hmacgate.ErrUnavailable, errors.New("dial tcp 10.1.2.3:6379")), 503, "unavailable", hmacgate.ErrUnavailable.Message(), "10.1.2.3"},
		{"not a refusal", errors.New("pq: password authentication failed for user admin"), 500, "internal", "internal error", "password"},
		{"nil", nil, 500, "internal", "internal error", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("Content-Length", "999") // a stale length must not survive
			hmacgate.WriteError(w, tt.err)
			if w.Code != tt.status {
				t.Errorf("status %d; want %d", w.Code, tt.status)
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", w.Body, err)
			}
			if len(got) != 2 || got["error"] != tt.code || got["message"] != tt.msg {
				t.Errorf("body %q; want error %q, message %q", w.Body, tt.code, tt.msg)
			}
			if tt.notInBody != "" && strings.Contains(w.Body.String(), tt.notInBody) {
				t.Errorf("body reveals %q: %s", tt.notInBody, w.Body)
			}
			for k, want := range map[string]string{
				"Content-Type":           "application/json; charset=utf-8",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         "",
			} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s: %q; want %q", k, got, want)
				}
			}
		})
	}
}

func ExampleWriteError() {
	w := httptest.NewRecorder()
	hmacgate.WriteError(w, hmacgate.ErrTimestampExpired.With("hmacTimestamp is 7m0s old; at most 5m0s is allowed"))
	fmt.Print(w.Code, " ", w.Body)
	// Output:
	// 401 {"error":"timestamp_expired","message":"hmacTimestamp is 7m0s old; at most 5m0s is allowed"}
}
