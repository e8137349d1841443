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

// BenchmarkVerify is hmacgate's connect verification.
func BenchmarkVerify(b *testing.B) {
	kr := hmacgate.MustNewKeyring(benchKey)
	digest, _ := connect.Digest(benchKey, benchIntegration, benchConnection)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := connect.VerifyAt(kr, benchIntegration, benchConnection, digest, now); err != nil {
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
