package hmacgate_test

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hmacgate/hmacgate"
)

// A Key never prints its value, whatever prints it.
func ExampleKey() {
	key := hmacgate.MustParseKey("hgk_do-not-log-me-0123456789abcdefghijklmnop")
	fmt.Println(key)
	fmt.Printf("%v %+v %#v %q %x\n", key, key, key, key, key)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("loaded", "key", key, "weak", key.Weak())
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// level=INFO msg=loaded key=[REDACTED] weak=false
}

// During a rotation the keyring holds the new key first and the old one
// until a deadline; Match reports which one signed.
func ExampleKeyring() {
	oldKey := hmacgate.MustParseKey("hgk_old-key-0123456789abcdefghijklmnopqrstuv")
	newKey := hmacgate.MustParseKey("hgk_new-key-0123456789abcdefghijklmnopqrstuv")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	keyring, _ := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: newKey},
		hmacgate.KeyringEntry{Key: oldKey, ValidUntil: now.Add(24 * time.Hour)},
	)
	msg := []byte("github:user-1")
	fmt.Println(keyring.Match(msg, oldKey.Sum(nil, msg), now))
	fmt.Println(keyring.Match(msg, newKey.Sum(nil, msg), now))
	fmt.Println(keyring.Match(msg, oldKey.Sum(nil, msg), now.Add(25*time.Hour)))
	// Output:
	// 1
	// 0
	// -1
}

// Refusals carry a stable code and an HTTP status.
func ExampleErrorCode() {
	err := fmt.Errorf("verify order: %w", hmacgate.ErrTimestampExpired)
	fmt.Println(hmacgate.ErrorCode(err), hmacgate.HTTPStatus(err))
	// Output: timestamp_expired 401
}
