package hmacgate_test

import (
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
)

func TestKeyringMatch(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k0, k1, k2 := hmacgate.MustParseKey("new"), hmacgate.MustParseKey("old"), hmacgate.MustParseKey("older")
	kr, err := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: k0},
		hmacgate.KeyringEntry{Key: k1, ValidUntil: now.Add(time.Hour)},
		hmacgate.KeyringEntry{Key: k2, ValidUntil: now.Add(-time.Second)},
	)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("integration:connection")
	tests := []struct {
		name string
		key  hmacgate.Key
		at   time.Time
		want int
	}{
		{"primary", k0, now, 0},
		{"retiring, before its time", k1, now, 1},
		{"retiring, at its time", k1, now.Add(time.Hour), -1},
		{"retired", k2, now, -1},
		{"unknown", hmacgate.MustParseKey("stranger"), now, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mac := tt.key.Sum(nil, msg)
			if got := kr.Match(msg, mac, tt.at); got != tt.want {
				t.Errorf("Match: got %d; want %d", got, tt.want)
			}
			if got := kr.MatchStrings(mac, tt.at, "integration", ":", "connection"); got != tt.want {
				t.Errorf("MatchStrings: got %d; want %d", got, tt.want)
			}
		})
	}
	if got := kr.MatchAny(msg, k2.Sum(nil, msg)); got != 2 {
		t.Errorf("MatchAny: got %d; want 2", got)
	}
	if got := kr.Match(msg, []byte("short"), now); got != -1 {
		t.Errorf("short MAC: got %d; want -1", got)
	}
}

func TestKeyringSameKeyTwiceReportsFirst(t *testing.T) {
	k := hmacgate.MustParseKey("dup")
	kr := hmacgate.MustNewKeyring(k, hmacgate.MustParseKey("x"), k)
	if got := kr.Match([]byte("m"), k.Sum(nil, []byte("m")), time.Now()); got != 0 {
		t.Errorf("got %d; want 0", got)
	}
}

func TestNewKeyringRefusesEmpty(t *testing.T) {
	if _, err := hmacgate.NewKeyringEntries(); hmacgate.ErrorCode(err) != "invalid_key" {
		t.Errorf("no keys: got %v", err)
	}
	if _, err := hmacgate.NewKeyring(hmacgate.Key{}); hmacgate.ErrorCode(err) != "invalid_key" {
		t.Errorf("zero key: got %v", err)
	}
}

func TestKeyringIsImmutable(t *testing.T) {
	k := hmacgate.MustParseKey("a")
	entries := []hmacgate.KeyringEntry{{Key: k}}
	kr, _ := hmacgate.NewKeyringEntries(entries...)
	entries[0].Key = hmacgate.MustParseKey("b")
	got := kr.Entries()
	got[0].Key = hmacgate.MustParseKey("c")
	if !kr.Primary().Equal(k) {
		t.Error("keyring changed through a slice")
	}
}

func TestKeyringExpires(t *testing.T) {
	k0, k1 := hmacgate.MustParseKey("new"), hmacgate.MustParseKey("old")
	for _, tt := range []struct {
		name    string
		entries []hmacgate.KeyringEntry
		want    bool
	}{
		{"one key", []hmacgate.KeyringEntry{{Key: k0}}, false},
		{"two keys without expiry", []hmacgate.KeyringEntry{{Key: k0}, {Key: k1}}, false},
		{"retiring key with expiry", []hmacgate.KeyringEntry{{Key: k0}, {Key: k1, ValidUntil: time.Now()}}, true},
		{"primary with expiry", []hmacgate.KeyringEntry{{Key: k0, ValidUntil: time.Now()}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := hmacgate.NewKeyringEntries(tt.entries...)
			if err != nil {
				t.Fatal(err)
			}
			if got := kr.Expires(); got != tt.want {
				t.Errorf("Expires() = %v; want %v", got, tt.want)
			}
		})
	}
	// Without expiry, the time passed cannot change the answer: the zero
	// time, which callers pass when they skip the clock, matches as now does.
	kr := hmacgate.MustNewKeyring(k0, k1)
	mac := k1.Sum(nil, []byte("m"))
	if a, b := kr.Match([]byte("m"), mac, time.Time{}), kr.Match([]byte("m"), mac, time.Now()); a != 1 || b != 1 {
		t.Errorf("Match at the zero time: %d, now: %d; want 1 and 1", a, b)
	}
}
