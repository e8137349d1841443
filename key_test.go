package hmacgate_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
)

func TestGenerateKeyFormat(t *testing.T) {
	re := regexp.MustCompile(`^hgk_[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 100 {
		k := hmacgate.GenerateKey()
		s := k.Reveal()
		if !re.MatchString(s) {
			t.Fatalf("got %q; want hgk_ and 43 base64url characters", s)
		}
		if seen[s] {
			t.Fatal("GenerateKey repeated a key")
		}
		seen[s] = true
		if k.Weak() {
			t.Errorf("a generated key is weak")
		}
	}
}

func TestParseKey(t *testing.T) {
	if _, err := hmacgate.ParseKey(""); hmacgate.ErrorCode(err) != "invalid_key" {
		t.Errorf("ParseKey(\"\"): got %v; want invalid_key", err)
	}
	// The key is the exact string: no trimming, no decoding.
	for _, s := range []string{" spaced ", "line\n", "aGVsbG8=", "ø", "\x00"} {
		k, err := hmacgate.ParseKey(s)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", s, err)
		}
		if k.Reveal() != s {
			t.Errorf("got %q; want %q", k.Reveal(), s)
		}
		if k.Len() != len(s) {
			t.Errorf("Len: got %d; want %d", k.Len(), len(s))
		}
	}
}

func TestKeyWeak(t *testing.T) {
	for n, want := range map[int]bool{1: true, 31: true, 32: false, 200: false} {
		k := hmacgate.MustParseKey(strings.Repeat("k", n))
		if k.Weak() != want {
			t.Errorf("%d bytes: Weak() = %v; want %v", n, k.Weak(), want)
		}
	}
}

// TestKeyNeverRevealed checks every way a value gets printed.
func TestKeyNeverRevealed(t *testing.T) {
	const secret = "hgk_this-is-the-secret-value-0123456789abcdefgh"
	k := hmacgate.MustParseKey(secret)
	type wrapper struct {
		Name string
		Key  hmacgate.Key
		Ptr  *hmacgate.Key
	}
	w := wrapper{Name: "w", Key: k, Ptr: &k}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, w))
	}
	outputs = append(outputs, k.String(), k.GoString(), fmt.Sprint(k), fmt.Sprintln(k, &k))
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	txt, _ := k.MarshalText()
	outputs = append(outputs, string(txt))
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("key", "key", k, "wrapper", w, "ptr", &k)
		l.Info("group", slog.Group("g", "key", k))
	}
	outputs = append(outputs, logs.String())
	for _, out := range outputs {
		for _, leak := range []string{secret, secret[4:20], fmt.Sprintf("%x", secret)[:16]} {
			if strings.Contains(out, leak) {
				t.Errorf("output reveals the key: %q", out)
			}
		}
	}
	if !strings.Contains(string(j), "[REDACTED]") || !strings.Contains(logs.String(), "[REDACTED]") {
		t.Errorf("redaction marker missing: %s / %s", j, logs.String())
	}
}

func TestKeyEqual(t *testing.T) {
	a, b := hmacgate.MustParseKey("same"), hmacgate.MustParseKey("same")
	if !a.Equal(b) || a.Equal(hmacgate.MustParseKey("other")) || a.Equal(hmacgate.Key{}) {
		t.Error("Equal is wrong")
	}
}

func TestKeySumMatchesCryptoHMAC(t *testing.T) {
	k := hmacgate.MustParseKey("key")
	// RFC 4231-style known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
	const want = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	got := fmt.Sprintf("%x", k.Sum(nil, []byte("The quick brown fox jumps over the lazy dog")))
	if got != want {
		t.Errorf("got %s; want %s", got, want)
	}
	if got2 := fmt.Sprintf("%x", k.SumStrings(nil, "The quick brown fox ", "jumps over", " the lazy dog")); got2 != want {
		t.Errorf("SumStrings: got %s; want %s", got2, want)
	}
	if (hmacgate.Key{}).Sum(nil, []byte("x")) != nil {
		t.Error("zero key produced a MAC")
	}
}

func TestKeySumConcurrent(t *testing.T) {
	k := hmacgate.MustParseKey("concurrent")
	want := k.Sum(nil, []byte("message"))
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && bytes.Equal(k.Sum(nil, []byte("message")), want)
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Fatal("concurrent Sum gave a different MAC")
		}
	}
}

// TestMACMatchesCryptoHMAC compares the package's HMAC with crypto/hmac for
// keys around the block size and messages in pieces of every size.
func TestMACMatchesCryptoHMAC(t *testing.T) {
	for _, n := range []int{1, 31, 32, 63, 64, 65, 127, 128, 200} {
		key := strings.Repeat("k", n-1) + "ø"[:1]
		k := hmacgate.MustParseKey(key)
		for _, parts := range [][]string{{""}, {"a"}, {"github", ":", "user-1"}, {strings.Repeat("x", 100), ":", strings.Repeat("y", 100)},
			{strings.Repeat("z", 127), "1"}, {"", strings.Repeat("w", 300), ""}} {
			msg := strings.Join(parts, "")
			h := hmac.New(sha256.New, []byte(key))
			h.Write([]byte(msg))
			want := h.Sum(nil)
			if got := k.Sum(nil, []byte(msg)); !bytes.Equal(got, want) {
				t.Errorf("key %d bytes, msg %d bytes: Sum differs from crypto/hmac", n, len(msg))
			}
			if got := k.SumStrings(nil, parts...); !bytes.Equal(got, want) {
				t.Errorf("key %d bytes, parts %d: SumStrings differs from crypto/hmac", n, len(parts))
			}
		}
	}
}

// TestMACEveryLength compares the package's HMAC with crypto/hmac for every
// message length around the padding boundaries (55, 56 and 64 bytes mod 64,
// where the padding needs a block of its own) and around the 128-byte buffer
// that joins parts, cut into parts in several ways.
func TestMACEveryLength(t *testing.T) {
	k := hmacgate.MustParseKey("hgk_every-length")
	full := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz", 12)
	for n := 0; n <= 400; n++ {
		msg := full[:n]
		h := hmac.New(sha256.New, []byte("hgk_every-length"))
		h.Write([]byte(msg))
		want := h.Sum(nil)
		if got := k.Sum(nil, []byte(msg)); !bytes.Equal(got, want) {
			t.Fatalf("Sum of %d bytes differs from crypto/hmac", n)
		}
		cuts := [][]string{
			{msg},
			{msg[:n/2], msg[n/2:]},
			{msg[:n/3], "", msg[n/3 : 2*n/3], msg[2*n/3:]},
			{msg[:min(n, 129)], msg[min(n, 129):]},
			{msg[:min(n, 7)], msg[min(n, 7):]},
		}
		for _, parts := range cuts {
			if got := k.SumStrings(nil, parts...); !bytes.Equal(got, want) {
				t.Fatalf("SumStrings of %d bytes in parts of %d differs from crypto/hmac", n, len(parts[0]))
			}
		}
	}
}

// FuzzSum compares Sum and SumStrings with crypto/hmac for any key and any
// message, cut into parts at two points.
func FuzzSum(f *testing.F) {
	f.Add("key", "The quick brown fox jumps over the lazy dog", 4, 20)
	f.Add(strings.Repeat("k", 65), strings.Repeat("m", 119), 55, 56)
	f.Add("ø", "", 0, 0)
	f.Fuzz(func(t *testing.T, key, msg string, i, j int) {
		if key == "" {
			return
		}
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(msg))
		want := h.Sum(nil)
		k := hmacgate.MustParseKey(key)
		if got := k.Sum(nil, []byte(msg)); !bytes.Equal(got, want) {
			t.Fatalf("Sum differs from crypto/hmac")
		}
		i, j = clampCut(i, len(msg)), clampCut(j, len(msg))
		i, j = min(i, j), max(i, j)
		if got := k.SumStrings(nil, msg[:i], msg[i:j], msg[j:]); !bytes.Equal(got, want) {
			t.Fatalf("SumStrings cut at %d and %d differs from crypto/hmac", i, j)
		}
	})
}

// clampCut maps any int to a cut point in [0, n].
func clampCut(i, n int) int {
	if i < 0 {
		i = -(i + 1)
	}
	return i % (n + 1)
}
