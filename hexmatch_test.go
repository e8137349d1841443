package hmacgate_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
)

func TestMatchHexStrings(t *testing.T) {
	now := time.Now()
	k0, k1 := hmacgate.MustParseKey("current"), hmacgate.MustParseKey("retiring")
	kr := hmacgate.MustNewKeyring(k0, k1)
	d0 := hex.EncodeToString(k0.SumStrings(nil, "github", ":", "user-1"))
	d1 := hex.EncodeToString(k1.SumStrings(nil, "github", ":", "user-1"))
	upper := strings.ToUpper(d1)
	mixed := []byte(d0)
	for i := range mixed {
		if i%2 == 0 {
			mixed[i] = strings.ToUpper(string(mixed[i]))[0]
		}
	}
	for _, tc := range []struct {
		name, digest string
		want         int
	}{
		{"lowercase, current key", d0, 0},
		{"uppercase, retiring key", upper, 1},
		{"mixed case", string(mixed), 0},
		{"short", d0[:63], -1},
		{"long", d0 + "0", -1},
		{"one digit off", d0[:10] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", d0[10])+1)%16]) + d0[11:], -1},
		{"empty", "", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := kr.MatchHexStrings(tc.digest, now, "github", ":", "user-1"); got != tc.want {
				t.Errorf("got %d; want %d", got, tc.want)
			}
		})
	}
	// No character other than a hex digit (in either case) can stand for one.
	for i := 0; i < len(d0); i++ {
		for c := 0; c < 256; c++ {
			ch := byte(c)
			if ch == d0[i] || (d0[i] >= 'a' && ch == d0[i]-'a'+'A') {
				continue
			}
			bad := d0[:i] + string([]byte{ch}) + d0[i+1:]
			if got := kr.MatchHexStrings(bad, now, "github", ":", "user-1"); got != -1 {
				t.Fatalf("byte %#x at %d matched", c, i)
			}
		}
	}
}
