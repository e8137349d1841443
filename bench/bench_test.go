package bench

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

// Benchmark names follow benchstat's key=value convention so that
// `benchstat -col /impl` lays the contenders side by side:
//
//	Signature/size=1KiB/impl=hmacgate
//	SignatureParallel/size=64KiB/impl=stripe
//	Order/impl=naive
//	Connect/impl=sha256-64B
//
// Every loop calls its contender directly (no closure or interface in the
// measured path), so that no contender pays for the harness, and calls it
// as a user would: hmacgate's verifiers with the default clock, never a
// time read once outside the loop.

var sizes = []struct {
	name string
	n    int
}{
	{"1KiB", Size1KiB},
	{"64KiB", Size64KiB},
}

// BenchmarkSignature is the signature check alone: hmacgate's order
// signature check (CheckSignature of a Verifier with the default clock),
// each peer's verify and the crypto/hmac floor over the same payload bytes.
func BenchmarkSignature(b *testing.B) {
	for _, sz := range sizes {
		payload := Payload(sz.n)
		b.Run("size="+sz.name+"/impl=hmacgate", func(b *testing.B) {
			c := NewHmacgate(payload)
			start(b, len(payload))
			for b.Loop() {
				if err := c.Verify(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+sz.name+"/impl=hmac-floor", func(b *testing.B) {
			c := NewFloor(payload)
			start(b, len(payload))
			for b.Loop() {
				if err := c.Verify(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+sz.name+"/impl=standardwebhooks", func(b *testing.B) {
			c, err := NewStandardWebhooks(payload, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			start(b, len(payload))
			for b.Loop() {
				if err := c.Verify(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+sz.name+"/impl=svix", func(b *testing.B) {
			c, err := NewSvix(payload, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			start(b, len(payload))
			for b.Loop() {
				if err := c.Verify(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+sz.name+"/impl=stripe", func(b *testing.B) {
			c := NewStripe(payload, time.Now())
			start(b, len(payload))
			for b.Loop() {
				if err := c.Verify(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignatureParallel is BenchmarkSignature on every core.
func BenchmarkSignatureParallel(b *testing.B) {
	for _, sz := range sizes {
		payload := Payload(sz.n)
		b.Run("size="+sz.name+"/impl=hmacgate", func(b *testing.B) {
			c := NewHmacgate(payload)
			start(b, len(payload))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Verify(payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("size="+sz.name+"/impl=hmac-floor", func(b *testing.B) {
			start(b, len(payload))
			b.RunParallel(func(pb *testing.PB) {
				c := NewFloor(payload) // a keyed state per goroutine
				for pb.Next() {
					if err := c.Verify(payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("size="+sz.name+"/impl=standardwebhooks", func(b *testing.B) {
			c, err := NewStandardWebhooks(payload, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			start(b, len(payload))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Verify(payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("size="+sz.name+"/impl=svix", func(b *testing.B) {
			c, err := NewSvix(payload, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			start(b, len(payload))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Verify(payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("size="+sz.name+"/impl=stripe", func(b *testing.B) {
			c := NewStripe(payload, time.Now())
			start(b, len(payload))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Verify(payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkOrder is the full verification of the reference order from its
// raw form body (form decoding, signature, JSON, timestamp window) against
// the naive seed pipeline. The order is signed when the benchmark starts and
// both contenders read the real clock on every call, as they do in use.
func BenchmarkOrder(b *testing.B) {
	b.Run("impl=hmacgate", func(b *testing.B) {
		v := NewVerifier()
		body := LiveBody(time.Now())
		start(b, len(body))
		for b.Loop() {
			if _, err := v.VerifyBody(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=naive", func(b *testing.B) {
		secret := []byte(RefSecretString)
		body := string(LiveBody(time.Now()))
		start(b, len(body))
		for b.Loop() {
			if _, err := NaivePipeline(secret, body, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOrderParallel is BenchmarkOrder on every core.
func BenchmarkOrderParallel(b *testing.B) {
	b.Run("impl=hmacgate", func(b *testing.B) {
		v := NewVerifier()
		body := LiveBody(time.Now())
		start(b, len(body))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.VerifyBody(body); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("impl=naive", func(b *testing.B) {
		secret := []byte(RefSecretString)
		body := string(LiveBody(time.Now()))
		start(b, len(body))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := NaivePipeline(secret, body, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkConnect is the connect digest verification, connect.Verify as the
// README calls it (default clock), against the seed's snippet and the floor,
// one SHA-256 of 64 bytes.
func BenchmarkConnect(b *testing.B) {
	b.Run("impl=hmacgate", func(b *testing.B) {
		kr := hmacgate.MustNewKeyring(ConnectKey)
		digest := ConnectDigest()
		start(b, 0)
		for b.Loop() {
			if err := connect.Verify(kr, ConnectIntegration, ConnectConnection, digest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=seed-snippet", func(b *testing.B) {
		digest := ConnectDigest()
		start(b, 0)
		for b.Loop() {
			if !SeedConnectVerify(ConnectKeyString, ConnectIntegration, ConnectConnection, digest) {
				b.Fatal("mismatch")
			}
		}
	})
	b.Run("impl=sha256-64B", func(b *testing.B) {
		var msg [64]byte
		start(b, 0)
		for b.Loop() {
			sha256.Sum256(msg[:])
		}
	})
}

// BenchmarkConnectParallel is BenchmarkConnect on every core.
func BenchmarkConnectParallel(b *testing.B) {
	b.Run("impl=hmacgate", func(b *testing.B) {
		kr := hmacgate.MustNewKeyring(ConnectKey)
		digest := ConnectDigest()
		start(b, 0)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := connect.Verify(kr, ConnectIntegration, ConnectConnection, digest); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("impl=seed-snippet", func(b *testing.B) {
		digest := ConnectDigest()
		start(b, 0)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !SeedConnectVerify(ConnectKeyString, ConnectIntegration, ConnectConnection, digest) {
					b.Error("mismatch")
					return
				}
			}
		})
	})
	b.Run("impl=sha256-64B", func(b *testing.B) {
		start(b, 0)
		b.RunParallel(func(pb *testing.PB) {
			var msg [64]byte
			for pb.Next() {
				sha256.Sum256(msg[:])
			}
		})
	})
}

// start reports allocations and throughput and excludes the setup above it
// from the measurement.
func start(b *testing.B, bytes int) {
	b.Helper()
	if bytes > 0 {
		b.SetBytes(int64(bytes))
	}
	b.ReportAllocs()
	b.ResetTimer()
}
