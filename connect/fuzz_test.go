package connect_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

// FuzzVerify checks that Verify never panics, accepts exactly the digests
// crypto/hmac computes (in either case) and refuses everything else with a
// refusal code.
func FuzzVerify(f *testing.F) {
	f.Add("key", "github", "user-1", "")
	f.Add("key", "github", "user:1", "00ff")
	f.Add("k", "a:b", "c", strings.Repeat("0", 64))
	f.Add("ø", "ø", "😀", strings.Repeat("G", 64))
	f.Fuzz(func(t *testing.T, key, integration, connection, digest string) {
		if key == "" {
			return
		}
		k := hmacgate.MustParseKey(key)
		kr := hmacgate.MustNewKeyring(k)
		err := connect.Verify(kr, integration, connection, digest)
		if err != nil && hmacgate.ErrorCode(err) == hmacgate.Internal {
			t.Fatalf("not a refusal: %v", err)
		}
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(integration + ":" + connection))
		want := hex.EncodeToString(h.Sum(nil))
		validIDs := integration != "" && connection != "" && !strings.Contains(integration, ":")
		if validIDs && strings.EqualFold(digest, want) != (err == nil) {
			t.Fatalf("Verify(%q) = %v; crypto/hmac says %s", digest, err, want)
		}
		if !validIDs && err == nil {
			t.Fatal("accepted invalid IDs")
		}
		if validIDs {
			d, err := connect.Digest(k, integration, connection)
			if err != nil || d != want {
				t.Fatalf("Digest = %q, %v; want %s", d, err, want)
			}
			if connect.Verify(kr, integration, connection, strings.ToUpper(d)) != nil {
				t.Fatal("uppercase digest refused")
			}
		}
	})
}
