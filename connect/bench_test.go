package connect_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

const (
	benchIntegration = "github"
	benchConnection  = "user-7d1f5a2c-4b8e-4f0a-9c3d-2e6b1a0f9e87"
)

var benchKey = hmacgate.MustParseKey("hgk_3q2-7wW5yE1mPZc8J0bLr9VxKf4TnQa6sDh2uGiYoXo")

// BenchmarkVerify is hmacgate's connect verification as the README calls
// it: connect.Verify, with the default clock.
func BenchmarkVerify(b *testing.B) {
	kr := hmacgate.MustNewKeyring(benchKey)
	digest, _ := connect.Digest(benchKey, benchIntegration, benchConnection)
	b.ReportAllocs()
	for b.Loop() {
		if err := connect.Verify(kr, benchIntegration, benchConnection, digest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyExpiringKeyring is connect.Verify with a keyring whose
// retiring key has a ValidUntil, so that every call reads the clock: the
// cost of a rotation in progress.
func BenchmarkVerifyExpiringKeyring(b *testing.B) {
	kr, err := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: benchKey},
		hmacgate.KeyringEntry{Key: hmacgate.MustParseKey("hgk_retiring-key-for-the-benchmark-0000000"), ValidUntil: time.Now().Add(time.Hour)},
	)
	if err != nil {
		b.Fatal(err)
	}
	digest, _ := connect.Digest(benchKey, benchIntegration, benchConnection)
	b.ReportAllocs()
	for b.Loop() {
		if err := connect.Verify(kr, benchIntegration, benchConnection, digest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySeedSnippet is the baseline: the seed's Go sample followed
// by a string comparison, as the seed's platform did it.
func BenchmarkVerifySeedSnippet(b *testing.B) {
	key := benchKey.Reveal()
	digest, _ := connect.Digest(benchKey, benchIntegration, benchConnection)
	b.ReportAllocs()
	for b.Loop() {
		message := benchIntegration + ":" + benchConnection
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(message))
		if hex.EncodeToString(h.Sum(nil)) != digest {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkSHA256Floor is one SHA-256 of 64 bytes: the physical floor.
func BenchmarkSHA256Floor(b *testing.B) {
	var msg [64]byte
	b.ReportAllocs()
	for b.Loop() {
		sha256.Sum256(msg[:])
	}
}
