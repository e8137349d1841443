package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/seal"
)

func TestSealOpen(t *testing.T) {
	s, err := seal.New(hmacgate.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("hgk_the-secret-that-must-not-be-stored-in-clear")
	a := s.Seal(secret, "hmac_key:env1:key1")
	b := s.Seal(secret, "hmac_key:env1:key1")
	if bytes.Equal(a, b) {
		t.Error("two seals of one value are equal (nonce reused)")
	}
	if bytes.Contains(a, secret) || bytes.Contains(a, secret[4:16]) {
		t.Error("sealed value contains the plaintext")
	}
	got, err := s.Open(a, "hmac_key:env1:key1")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := s.Open(a, "hmac_key:env2:key1"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("other context: got %v", err)
	}
	other, _ := seal.New(hmacgate.GenerateKey())
	if _, err := other.Open(a, "hmac_key:env1:key1"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("other master key: got %v", err)
	}
	a[len(a)-1] ^= 1
	if _, err := s.Open(a, "hmac_key:env1:key1"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("damaged: got %v", err)
	}
	for _, bad := range [][]byte{nil, {1}, {2, 0, 0}} {
		if _, err := s.Open(bad, "x"); !errors.Is(err, seal.ErrOpen) {
			t.Errorf("%v: got %v", bad, err)
		}
	}
}

func TestWeakMasterKeyRefused(t *testing.T) {
	if _, err := seal.New(hmacgate.MustParseKey("short")); !errors.Is(err, hmacgate.ErrInvalidKey) {
		t.Errorf("got %v", err)
	}
}

// TestSeveralKeys: the first key seals, every key opens, and Reseal moves a
// value to the first key once (the master key rotation).
func TestSeveralKeys(t *testing.T) {
	oldKey, newKey := hmacgate.GenerateKey(), hmacgate.GenerateKey()
	old, _ := seal.New(oldKey)
	rotating, err := seal.New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	const ctx = "connection:env1:github:u1"
	byOld := old.Seal([]byte("credentials"), ctx)
	if got, err := rotating.Open(byOld, ctx); err != nil || string(got) != "credentials" {
		t.Fatalf("a value of the old key: %q, %v", got, err)
	}
	byNew := rotating.Seal([]byte("credentials"), ctx)
	if _, err := old.Open(byNew, ctx); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("the old key alone opened a value sealed by the new first key: %v", err)
	}
	out, changed, err := rotating.Reseal(byOld, ctx)
	if err != nil || !changed {
		t.Fatalf("reseal: %v, %v", changed, err)
	}
	newOnly, _ := seal.New(newKey)
	if got, err := newOnly.Open(out, ctx); err != nil || string(got) != "credentials" {
		t.Errorf("the resealed value under the new key alone: %q, %v", got, err)
	}
	if again, changed, err := rotating.Reseal(out, ctx); err != nil || changed || !bytes.Equal(again, out) {
		t.Errorf("a second reseal changed the value: %v, %v", changed, err)
	}
	if _, _, err := newOnly.Reseal(byOld, ctx); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("reseal without the old key: %v", err)
	}
	if _, _, err := rotating.Reseal(byOld, "connection:env1:github:u2"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("reseal in another context: %v", err)
	}
	if _, err := seal.New(newKey, hmacgate.MustParseKey("short")); !errors.Is(err, hmacgate.ErrInvalidKey) {
		t.Errorf("a weak older key: %v", err)
	}
}
