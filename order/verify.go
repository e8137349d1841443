package order

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/unsafeconv"
	"github.com/hmacgate/hmacgate/replay"
)

// Verifier checks signed orders on the partner side: the signature against
// every valid secret of its keyring, the JSON, the timestamp window and
// values bound to the URL. A Verifier is safe for concurrent use once set up.
type Verifier struct {
	// Keyring holds the product's secrets: the current one first, then the
	// old one while a regenerated secret propagates.
	Keyring *hmacgate.Keyring
	// MaxAge is how old hmacTimestamp may be; zero means [DefaultMaxAge].
	MaxAge time.Duration
	// MaxFuture is how far ahead of this server's clock hmacTimestamp may be;
	// zero means [DefaultMaxFuture].
	MaxFuture time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// The fields below are used by [Verifier.Middleware] only.

	// MaxBody is the largest request body the middleware reads, in bytes;
	// zero means [DefaultMaxBody] (64 KiB). A larger body is refused with
	// 413 without reading the rest.
	MaxBody int64
	// Replay is where the middleware claims each verified order's MAC for
	// [Verifier.ReplayWindow], to accept it once. [NewVerifier] sets it to
	// a new in-memory guard ([github.com/hmacgate/hmacgate/replay.Memory]),
	// which every handler made from the Verifier (and its [Verifier.Bind]
	// copies) shares. Several instances behind one address need a shared
	// guard, such as package replay/redis. Middleware panics if it is nil.
	Replay hmacgate.ReplayGuard
	// OnRefuse, when set, answers a refused request instead of the default
	// JSON refusal ([hmacgate.WriteError]), for example with the
	// application's own page. err is a refusal: use [hmacgate.ErrorCode],
	// [hmacgate.HTTPStatus] and [hmacgate.ErrorMessage] to show it; its
	// Error text may hold a replay guard's error, fit for logs only.
	OnRefuse func(w http.ResponseWriter, r *http.Request, err error)
	// Observe, when set, is called once for every request the middleware
	// handles, with its outcome: for counting by code and by secret, as
	// package orderprom does for Prometheus. It must be safe for concurrent
	// use and quick.
	Observe func(Outcome)

	bindings []binding // added by Bind
}

// NewVerifier returns a Verifier with the default windows, the default
// body limit, and a new in-memory replay guard of its own
// (replay.NewMemory(0)) as Replay.
func NewVerifier(keyring *hmacgate.Keyring) *Verifier {
	return &Verifier{Keyring: keyring, Replay: replay.NewMemory(0)}
}

// Expectation is a value that must equal a field of the signed orderdata,
// such as an installationId taken from the request URL.
type Expectation struct {
	Field string // JSON name, e.g. "installationId"
	Value string
}

// Expect returns the expectation that field equals value.
func Expect(field, value string) Expectation { return Expectation{Field: field, Value: value} }

// now reads the Verifier's clock.
func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// keyTime is the time at which a signature check chooses the valid keys of
// the keyring: now, but without reading the clock when no key expires
// ([hmacgate.Keyring.Expires]), as the answer cannot depend on it then.
func (v *Verifier) keyTime() time.Time {
	if v.Keyring.Expires() {
		return v.now()
	}
	return time.Time{}
}

// maxAge is MaxAge or its default.
func (v *Verifier) maxAge() time.Duration {
	if v.MaxAge > 0 {
		return v.MaxAge
	}
	return DefaultMaxAge
}

// maxFuture is MaxFuture or its default.
func (v *Verifier) maxFuture() time.Duration {
	if v.MaxFuture > 0 {
		return v.MaxFuture
	}
	return DefaultMaxFuture
}

// ReplayWindow is how long an accepted order must be remembered to refuse
// its replay: MaxAge + MaxFuture.
func (v *Verifier) ReplayWindow() time.Duration {
	a, f := v.maxAge(), v.maxFuture()
	if a > math.MaxInt64-f {
		return math.MaxInt64 // saturate: a huge window must not wrap to a negative ttl
	}
	return a + f
}

// Verify checks a decoded form (for example r.PostForm). The checks run in
// this order: both fields present, the signature decodes, the MAC over the
// exact UTF-8 bytes of orderdata matches a valid secret, orderdata is strict
// JSON, the timestamp is inside the window, expectations hold.
func (v *Verifier) Verify(form url.Values, expect ...Expectation) (*Order, error) {
	od, ok, err := single(form, FieldOrderdata)
	if err != nil {
		return nil, err
	}
	if !ok || od == "" {
		return nil, hmacgate.ErrMissingOrderdata
	}
	sig, ok, err := single(form, FieldSignature)
	if err != nil {
		return nil, err
	}
	if !ok || sig == "" {
		return nil, hmacgate.ErrMissingSignature
	}
	var mac [hmacgate.Size]byte
	if err := decodeSignature(&mac, sig); err != nil {
		return nil, err
	}
	now := v.now()
	idx := v.Keyring.MatchStrings(mac[:], now, od)
	if idx < 0 {
		return nil, hmacgate.ErrSignatureMismatch
	}
	return v.accept(od, mac, idx, now, expect)
}

// single returns the one value of field in form; ok is false when there is
// none, and more than one is a duplicate_field refusal.
func single(form url.Values, field string) (string, bool, error) {
	vs, ok := form[field]
	switch {
	case !ok || len(vs) == 0:
		return "", false, nil
	case len(vs) > 1:
		return "", false, hmacgate.ErrDuplicateField.With("the form has more than one " + field + " field")
	}
	return vs[0], true, nil
}

// VerifyBody is [Verifier.Verify] for a raw application/x-www-form-urlencoded
// body. It finds the two fields without building a url.Values, hashes
// orderdata in place when it needs no decoding, and never modifies body.
func (v *Verifier) VerifyBody(body []byte, expect ...Expectation) (*Order, error) {
	rawOD, rawSig, haveOD, haveSig, err := formFields(body)
	if err != nil {
		return nil, err
	}
	if !haveOD || len(rawOD) == 0 {
		return nil, hmacgate.ErrMissingOrderdata
	}
	if !haveSig || len(rawSig) == 0 {
		return nil, hmacgate.ErrMissingSignature
	}
	var mac [hmacgate.Size]byte
	if err := decodeRawSignature(&mac, rawSig); err != nil {
		return nil, err
	}
	var data []byte
	n, changed := formDecodedLen(rawOD)
	if n < 0 {
		return nil, errBadFormEncoding
	}
	if changed {
		data = make([]byte, n)
		m, ok := unescapeInto(data, rawOD)
		if !ok || m != n {
			return nil, errBadFormEncoding
		}
	} else {
		data = rawOD
	}
	now := v.now()
	idx := v.Keyring.Match(data, mac[:], now)
	if idx < 0 {
		return nil, hmacgate.ErrSignatureMismatch
	}
	var od string
	if changed {
		// Our own buffer, never written again: a string view of it saves
		// copying the orderdata, the largest allocation of a verification.
		od = unsafeconv.OwnedString(data)
	} else {
		od = string(data) // body belongs to the caller: copy once, after the MAC matched
	}
	return v.accept(od, mac, idx, now, expect)
}

var errBadFormEncoding = errMalformed("orderdata is not valid form encoding (a '%' is not followed by two hex digits)")

// decodeRawSignature form-decodes and then decodes a raw hmacsignature.
func decodeRawSignature(mac *[hmacgate.Size]byte, raw []byte) error {
	var buf [2 * SignatureLen]byte
	if len(raw) > 3*SignatureLen {
		return hmacgate.ErrMalformedSignature.With(signatureHint(string(raw[:3*SignatureLen])))
	}
	dec, ok := unescapeForm(buf[:0], raw)
	if !ok {
		return hmacgate.ErrMalformedSignature.With("hmacsignature is not valid form encoding")
	}
	return decodeSignatureBytes(mac, dec)
}

// CheckSignature checks only the signature of orderdata: sig must be padded
// standard base64 of HMAC-SHA256 under a secret valid now. It returns the
// index of the matching secret. It does not copy orderdata.
func (v *Verifier) CheckSignature(orderdata []byte, sig string) (int, error) {
	var mac [hmacgate.Size]byte
	if err := decodeSignature(&mac, sig); err != nil {
		return -1, err
	}
	idx := v.Keyring.Match(orderdata, mac[:], v.keyTime())
	if idx < 0 {
		return -1, hmacgate.ErrSignatureMismatch
	}
	return idx, nil
}

// accept runs the checks after the MAC: JSON, timestamp, expectations.
func (v *Verifier) accept(od string, mac [hmacgate.Size]byte, idx int, now time.Time, expect []Expectation) (*Order, error) {
	o := &Order{Orderdata: od, KeyIndex: idx, mac: mac}
	if err := parseOrderdata(od, &o.OrderData); err != nil {
		return nil, err
	}
	if err := v.checkTime(o.Timestamp, now); err != nil {
		return nil, err
	}
	for _, e := range expect {
		if got, ok := o.Field(e.Field); !ok || got != e.Value {
			return nil, hmacgate.ErrBindingMismatch.With(e.Field + " in the request URL differs from the signed " + e.Field + " in orderdata")
		}
	}
	return o, nil
}

// secondsLike is the range of hmacTimestamp values that look like Unix
// seconds rather than milliseconds (2001 to 5138 in seconds; 1970 in ms).
const secondsLow, secondsHigh = 1e9, 1e11

// checkTime checks that ts (Unix ms) is no older than MaxAge and no further
// ahead than MaxFuture.
func (v *Verifier) checkTime(ts int64, now time.Time) error {
	skew := time.UnixMilli(ts).Sub(now) // positive: in the future; saturates at ±292 years
	switch {
	case skew == math.MinInt64:
		return hmacgate.ErrTimestampExpired.With("hmacTimestamp is centuries old; milliseconds since 1970 are expected")
	case skew < -v.maxAge():
		msg := "hmacTimestamp is " + roundDur(-skew) + " old; at most " + v.maxAge().String() + " is allowed"
		if ts >= secondsLow && ts < secondsHigh {
			msg += "; it looks like Unix seconds, but milliseconds are expected"
		}
		return hmacgate.ErrTimestampExpired.With(msg)
	case skew > v.maxFuture():
		return hmacgate.ErrTimestampInFuture.With("hmacTimestamp is " + roundDur(skew) + " ahead of this server's clock; at most " +
			v.maxFuture().String() + " is allowed; check that both clocks are synchronized (NTP)")
	}
	return nil
}

// roundDur writes d for a message: in seconds, or in hours when it is huge.
func roundDur(d time.Duration) string {
	if d > 1000*time.Hour {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return d.Round(time.Second).String()
}
