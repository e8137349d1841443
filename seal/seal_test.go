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
