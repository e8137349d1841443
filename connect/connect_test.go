package connect_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

// sampleDigest is what the seed's Python sample prints for key "secret",
// integration "github" and connection "user-1" (more cases, from more
// languages, are in testdata/vectors.json).
const sampleDigest = "3605b55773b41a876033068bb1e4e9de4f2d8f8c324e6f35591eb8ce4654c72a"

func TestDigestSeedSample(t *testing.T) {
	got, err := connect.Digest(hmacgate.MustParseKey("secret"), "github", "user-1")
	if err != nil || got != sampleDigest {
		t.Errorf("got %q, %v; want %q", got, err, sampleDigest)
	}
}

func TestDigestKnownAnswer(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"),
	// split so that the ':' join reproduces the message.
	got, err := connect.Digest(hmacgate.MustParseKey("key"), "The quick brown fox jumps over the lazy dog"[:3], "The quick brown fox jumps over the lazy dog"[4:])
	if err == nil && got == "" {
		t.Fatal("empty digest")
	}
	// The message differs (':' instead of ' '), so compare with the core.
	want := hmacgate.MustParseKey("key").SumStrings(nil, "The:quick brown fox jumps over the lazy dog")
	if got != hexString(want) {
		t.Errorf("got %s; want %x", got, want)
	}
}

// hexString is lowercase hex, written out here so as not to trust encoding/hex.
func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestDigestRefusals(t *testing.T) {
	k := hmacgate.MustParseKey("k")
	tests := []struct {
		name, integration, connection string
		key                           hmacgate.Key
		want                          error
	}{
		{"colon in integration", "a:b", "c", k, hmacgate.ErrAmbiguousID},
		{"empty integration", "", "c", k, hmacgate.ErrMissingID},
		{"empty connection", "a", "", k, hmacgate.ErrMissingID},
		{"zero key", "a", "c", hmacgate.Key{}, hmacgate.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := connect.Digest(tt.key, tt.integration, tt.connection)
			if !errors.Is(err, tt.want) || d != "" {
				t.Errorf("got %q, %v; want %v", d, err, tt.want)
			}
		})
	}
	// A colon in the connection ID is fine: it comes last.
	if _, err := connect.Digest(k, "a", "b:c"); err != nil {
		t.Errorf("colon in connection: %v", err)
	}
}

func TestVerify(t *testing.T) {
	k := hmacgate.MustParseKey("hgk_current-key-0123456789abcdefghijklmnopq")
	old := hmacgate.MustParseKey("hgk_old-key-0123456789abcdefghijklmnopqrstuv")
	now := time.Now()
	kr, _ := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: k},
		hmacgate.KeyringEntry{Key: old, ValidUntil: now.Add(time.Hour)},
	)
	good, _ := connect.Digest(k, "github", "user-1")
	oldDigest, _ := connect.Digest(old, "github", "user-1")
	other, _ := connect.Digest(k, "github", "user-2")
	tests := []struct {
		name, integration, connection, digest string
		at                                    time.Time
		wantIdx                               int
		want                                  error
	}{
		{"valid", "github", "user-1", good, now, 0, nil},
		{"uppercase hex", "github", "user-1", strings.ToUpper(good), now, 0, nil},
		{"retiring key", "github", "user-1", oldDigest, now, 1, nil},
		{"retired key", "github", "user-1", oldDigest, now.Add(2 * time.Hour), -1, hmacgate.ErrInvalidHMAC},
		{"missing", "github", "user-1", "", now, -1, hmacgate.ErrMissingHMAC},
		{"other connection", "github", "user-1", other, now, -1, hmacgate.ErrInvalidHMAC},
		{"swapped ids", "user-1", "github", good, now, -1, hmacgate.ErrInvalidHMAC},
		{"short", "github", "user-1", good[:63], now, -1, hmacgate.ErrInvalidHMAC},
		{"long", "github", "user-1", good + "0", now, -1, hmacgate.ErrInvalidHMAC},
		{"not hex", "github", "user-1", "g" + good[1:], now, -1, hmacgate.ErrInvalidHMAC},
		{"base64 instead of hex", "github", "user-1", "HZrmtankxbLx1vvUqbPGs7Liwf", now, -1, hmacgate.ErrInvalidHMAC},
		{"ambiguous", "git:hub", "user-1", good, now, -1, hmacgate.ErrAmbiguousID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, err := connect.VerifyAt(kr, tt.integration, tt.connection, tt.digest, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("got %v; want %v", err, tt.want)
			}
			if idx != tt.wantIdx {
				t.Errorf("index: got %d; want %d", idx, tt.wantIdx)
			}
			if err != nil && strings.Contains(err.Error(), good) {
				t.Errorf("error reveals the expected digest: %v", err)
			}
		})
	}
}

// TestVerifyReadsTheClock: Verify skips the clock only when no key can
// expire, so with an expiring keyring it still refuses a key whose time has
// passed and accepts one whose time has not.
func TestVerifyReadsTheClock(t *testing.T) {
	k := hmacgate.MustParseKey("hgk_current-key-0123456789abcdefghijklmnopq")
	old := hmacgate.MustParseKey("hgk_old-key-0123456789abcdefghijklmnopqrstuv")
	oldDigest, _ := connect.Digest(old, "github", "user-1")
	for _, tt := range []struct {
		name  string
		until time.Time
		want  error
	}{
		{"old key valid for an hour more", time.Now().Add(time.Hour), nil},
		{"old key expired an hour ago", time.Now().Add(-time.Hour), hmacgate.ErrInvalidHMAC},
		{"old key without expiry", time.Time{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := hmacgate.NewKeyringEntries(hmacgate.KeyringEntry{Key: k}, hmacgate.KeyringEntry{Key: old, ValidUntil: tt.until})
			if err != nil {
				t.Fatal(err)
			}
			if err := connect.Verify(kr, "github", "user-1", oldDigest); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("got %v; want %v", err, tt.want)
			}
		})
	}
}

func TestColonAmbiguityIsRefused(t *testing.T) {
	// ("a:b","c") and ("a","b:c") would sign the same message.
	k := hmacgate.MustParseKey("k")
	d, _ := connect.Digest(k, "a", "b:c")
	if err := connect.Verify(hmacgate.MustNewKeyring(k), "a:b", "c", d); !errors.Is(err, hmacgate.ErrAmbiguousID) {
		t.Errorf("got %v; want ambiguous_id", err)
	}
}

func TestMessage(t *testing.T) {
	m, err := connect.Message("github", "user:1")
	if err != nil || m != "github:user:1" {
		t.Errorf("got %q, %v", m, err)
	}
}
