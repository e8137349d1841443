// Package bench holds the side-by-side benchmarks of hmacgate against the
// Go libraries people use today to verify signed requests: Standard
// Webhooks, Svix and Stripe's webhook package, plus the hand-written
// pipelines from the seeds and the physical floors (a bare crypto/hmac pass,
// one SHA-256).
//
// It is its own module so that the main module never depends on the peers.
// The benchmarks are in bench_test.go; scripts/bench.sh runs them and writes
// docs/benchmarks.md.
//
// This file builds the inputs: the same payload bytes for every contender,
// each contender's valid signature made with that contender's own signing
// function, and timestamps inside every contender's tolerance.
package bench

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v85/webhook"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/order"
)

// Payload sizes of the signature benchmarks.
const (
	Size1KiB  = 1 << 10
	Size64KiB = 64 << 10
)

// Payload returns n bytes of JSON: an event wrapping the reference order,
// padded with a deterministic note to exactly n bytes. Every contender
// verifies these same bytes.
func Payload(n int) []byte {
	head := `{"type":"order.launched","id":"evt_01J9Z3K7Q2","data":` + RefOrderdata + `,"note":"`
	const tail = `"}`
	const filler = "Fotografering og plantegning bestilt for visning; nøkler hentes på kontoret. "
	if n < len(head)+len(tail) {
		panic(fmt.Sprintf("bench: payload of %d bytes is too small", n))
	}
	p := make([]byte, 0, n)
	p = append(p, head...)
	for len(p) < n-len(tail) {
		c := filler[len(p)%len(filler)]
		if c >= 0x80 { // keep the padding ASCII so the length is exact
			c = 'o'
		}
		p = append(p, c)
	}
	return append(p, tail...)
}

// The reference order: the same 611 bytes of orderdata (11 fields, a
// Norwegian name) as order/ref_test.go in the main module.
const (
	RefSecretString = "hgk_Qm9rc21hbFNlY3JldEZvclRlc3RzT25seTEyMzQ1Njc"
	RefTimestamp    = 1764151200000 // 2025-11-26T10:00:00Z
	RefOrderdata    = `{"hmacTimestamp":1764151200000,` +
		`"currentUserId":"4f1c2a9e-7b3d-4e8a-9f60-2d5b8c7a1e34",` +
		`"currentUserEmail":"bjorn.odegard@eiendomsmegler-ostlandet.example.no",` +
		`"currentUserName":"Bjørn Ødegård Kristiansen-Løvås",` +
		`"correlationId":"9b2e4f71-0c3a-4d5e-8f16-a7b9c2d3e4f5",` +
		`"orderUrl":"https://partner.example.com/orders/launch?installationId=inst-20931&source=next",` +
		`"installationId":"inst-20931",` +
		`"orderId":"ord-2025-11-26-000184-fotografering-plan",` +
		`"estateId":"est-7f3a9c21-5b8e-4d02-a6c4-31e9b7d05f8a",` +
		`"departmentId":"dep-0042-oslo-sentrum-eiendomsmegling-avdeling-nord",` +
		`"departmentOrganizationNumber":"987654321"}`
)

var (
	// RefSecret is the product's shared secret of the reference order.
	RefSecret = hmacgate.MustParseKey(RefSecretString)
	// RefNow is two seconds after the reference order was signed.
	RefNow = time.UnixMilli(RefTimestamp).Add(2 * time.Second)
)

// RefBody returns the reference order as the form-encoded POST body a
// platform sends: orderdata and hmacsignature.
func RefBody() []byte {
	return []byte(url.Values{
		order.FieldOrderdata: {RefOrderdata},
		order.FieldSignature: {order.Sign(RefSecret, []byte(RefOrderdata))},
	}.Encode())
}

// RefVerifier returns hmacgate's order verifier for the reference secret,
// with its clock fixed at RefNow so the timestamp stays inside the window.
// It is for tests of the reference order; benchmarks use [NewVerifier].
func RefVerifier() *order.Verifier {
	v := order.NewVerifier(hmacgate.MustNewKeyring(RefSecret))
	v.Now = func() time.Time { return RefNow }
	return v
}

// NewVerifier returns hmacgate's order verifier for the reference secret as
// a partner makes it: order.NewVerifier, with the default clock.
func NewVerifier() *order.Verifier {
	return order.NewVerifier(hmacgate.MustNewKeyring(RefSecret))
}

// LiveOrderdata returns the reference orderdata signed at now instead of at
// RefTimestamp: the same 611 bytes until the year 2286.
func LiveOrderdata(now time.Time) string {
	return strings.Replace(RefOrderdata, strconv.FormatInt(RefTimestamp, 10), strconv.FormatInt(now.UnixMilli(), 10), 1)
}

// LiveBody returns the form body of [LiveOrderdata] at now: an order that
// a verifier with the real clock accepts for the next five minutes.
func LiveBody(now time.Time) []byte {
	od := LiveOrderdata(now)
	return []byte(url.Values{
		order.FieldOrderdata: {od},
		order.FieldSignature: {order.Sign(RefSecret, []byte(od))},
	}.Encode())
}

// Hmacgate is hmacgate's order-signature check over a payload signed with
// order.Sign.
type Hmacgate struct {
	V   *order.Verifier
	Sig string
}

// NewHmacgate signs payload with order.Sign, for a verifier with the
// default clock.
func NewHmacgate(payload []byte) *Hmacgate {
	return &Hmacgate{V: NewVerifier(), Sig: order.Sign(RefSecret, payload)}
}

// Verify checks payload's signature; it does not copy payload.
func (h *Hmacgate) Verify(payload []byte) error {
	_, err := h.V.CheckSignature(payload, h.Sig)
	return err
}

// peerSecret is the Standard Webhooks / Svix secret: "whsec_" and base64 of
// the key bytes. Stripe uses the whole string as its key.
const peerSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// StandardWebhooks is Standard Webhooks' Go library (Webhook.Verify).
type StandardWebhooks struct {
	WH      *standardwebhooks.Webhook
	Headers http.Header
}

// NewStandardWebhooks signs payload at now with the library's Sign.
func NewStandardWebhooks(payload []byte, now time.Time) (*StandardWebhooks, error) {
	wh, err := standardwebhooks.NewWebhook(peerSecret)
	if err != nil {
		return nil, err
	}
	const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
	sig, err := wh.Sign(id, now, payload)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, fmt.Sprint(now.Unix()))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return &StandardWebhooks{WH: wh, Headers: h}, nil
}

// Verify checks payload against the signature headers.
func (s *StandardWebhooks) Verify(payload []byte) error { return s.WH.Verify(payload, s.Headers) }

// Svix is Svix's Go library (Webhook.Verify).
type Svix struct {
	WH      *svix.Webhook
	Headers http.Header
}

// NewSvix signs payload at now with the library's Sign.
func NewSvix(payload []byte, now time.Time) (*Svix, error) {
	wh, err := svix.NewWebhook(peerSecret)
	if err != nil {
		return nil, err
	}
	const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
	sig, err := wh.Sign(id, now, payload)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", fmt.Sprint(now.Unix()))
	h.Set("svix-signature", sig)
	return &Svix{WH: wh, Headers: h}, nil
}

// Verify checks payload against the signature headers.
func (s *Svix) Verify(payload []byte) error { return s.WH.Verify(payload, s.Headers) }

// Stripe is stripe-go's webhook.ValidatePayload: the signature check alone,
// without ConstructEvent's JSON decoding.
type Stripe struct {
	Header string // Stripe-Signature
}

// NewStripe signs payload at now with webhook.GenerateTestSignedPayload
// (which calls webhook.ComputeSignature).
func NewStripe(payload []byte, now time.Time) *Stripe {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: peerSecret, Timestamp: now,
	})
	return &Stripe{Header: sp.Header}
}

// Verify checks payload against the Stripe-Signature header.
func (s *Stripe) Verify(payload []byte) error {
	return webhook.ValidatePayload(payload, s.Header, peerSecret)
}

// Floor is the physical floor of a signature check: one crypto/hmac pass
// over the payload with a keyed state that is reused (Reset), a
// constant-time comparison, nothing else. It is not safe for concurrent use:
// make one per goroutine.
type Floor struct {
	h    hash.Hash
	want []byte
	sum  [sha256.Size]byte
}

// NewFloor keys an HMAC state with the reference secret.
func NewFloor(payload []byte) *Floor {
	f := &Floor{h: hmac.New(sha256.New, []byte(RefSecretString))}
	f.h.Write(payload)
	f.want = f.h.Sum(nil)
	return f
}

// Verify computes the HMAC of payload and compares it.
func (f *Floor) Verify(payload []byte) error {
	f.h.Reset()
	f.h.Write(payload)
	if !hmac.Equal(f.h.Sum(f.sum[:0]), f.want) {
		return errMismatch
	}
	return nil
}

var errMismatch = errors.New("signature mismatch")

// NaiveOrder is what the order seed's steps lead a partner to write.
type NaiveOrder struct {
	HmacTimestamp                int64  `json:"hmacTimestamp"`
	CurrentUserID                string `json:"currentUserId"`
	CurrentUserEmail             string `json:"currentUserEmail"`
	CurrentUserName              string `json:"currentUserName"`
	CorrelationID                string `json:"correlationId"`
	OrderURL                     string `json:"orderUrl"`
	InstallationID               string `json:"installationId"`
	OrderID                      string `json:"orderId"`
	EstateID                     string `json:"estateId"`
	DepartmentID                 string `json:"departmentId"`
	DepartmentOrganizationNumber string `json:"departmentOrganizationNumber"`
}

// NaivePipeline verifies a form-encoded order body the way the order seed's
// steps lead a partner to: url.ParseQuery, hmac.New per request, base64
// decoding and hmac.Equal, json.Unmarshal into a struct, then the timestamp
// window (5 minutes old, 1 minute ahead).
func NaivePipeline(secret []byte, body string, now time.Time) (*NaiveOrder, error) {
	form, err := url.ParseQuery(body)
	if err != nil {
		return nil, err
	}
	od := form.Get("orderdata")
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(od))
	got, err := base64.StdEncoding.DecodeString(form.Get("hmacsignature"))
	if err != nil || !hmac.Equal(got, h.Sum(nil)) {
		return nil, errMismatch
	}
	var o NaiveOrder
	if err := json.Unmarshal([]byte(od), &o); err != nil {
		return nil, err
	}
	if d := now.Sub(time.UnixMilli(o.HmacTimestamp)); d > 5*time.Minute || d < -time.Minute {
		return nil, errWindow
	}
	return &o, nil
}

var errWindow = errors.New("hmacTimestamp outside the window")

// The connect inputs: the same as connect/bench_test.go in the main module.
const (
	ConnectIntegration = "github"
	ConnectConnection  = "user-7d1f5a2c-4b8e-4f0a-9c3d-2e6b1a0f9e87"
	ConnectKeyString   = "hgk_3q2-7wW5yE1mPZc8J0bLr9VxKf4TnQa6sDh2uGiYoXo"
)

// ConnectKey is the environment's HMAC key.
var ConnectKey = hmacgate.MustParseKey(ConnectKeyString)

// ConnectDigest returns the digest the customer's backend sends.
func ConnectDigest() string {
	d, err := connect.Digest(ConnectKey, ConnectIntegration, ConnectConnection)
	if err != nil {
		panic(err)
	}
	return d
}

// SeedConnectVerify is the connect seed's Go sample followed by the string
// comparison the seed's platform did: hmac.New per call, hex encoding, ==.
func SeedConnectVerify(key, integrationID, connectionID, digest string) bool {
	message := integrationID + ":" + connectionID
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(message))
	return hex.EncodeToString(h.Sum(nil)) == digest
}
