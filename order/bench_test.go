package order_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

func TestRefOrderdataSize(t *testing.T) {
	if len(refOrderdata) != 611 {
		t.Fatalf("reference orderdata is %d bytes; want 611", len(refOrderdata))
	}
}

// liveOrderdata is the reference orderdata signed at now, so that a
// verifier with the real clock accepts it: benchmarks call the API as a
// partner does, with the default clock read on every call.
func liveOrderdata(now time.Time) string { return withTimestamp(formatMS(now)) }

// liveVerifier is the reference verifier with the default clock.
func liveVerifier() *order.Verifier { return order.NewVerifier(hmacgate.MustNewKeyring(refSecret)) }

// BenchmarkVerifyBody is hmacgate's full verification of the reference
// order from its raw form body: form decoding, signature, strict JSON and
// timestamp.
func BenchmarkVerifyBody(b *testing.B) {
	v := liveVerifier()
	od := liveOrderdata(time.Now())
	body := []byte(url.Values{order.FieldOrderdata: {od}, order.FieldSignature: {order.Sign(refSecret, []byte(od))}}.Encode())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyBody(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyForm is the same from an already decoded form.
func BenchmarkVerifyForm(b *testing.B) {
	v := liveVerifier()
	form := signedForm(liveOrderdata(time.Now()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(form); err != nil {
			b.Fatal(err)
		}
	}
}

// naiveOrder is what the seed's steps lead a partner to write.
type naiveOrder struct {
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

// BenchmarkNaiveSeedPipeline is the baseline: url.ParseQuery, hmac.New per
// request, base64 comparison and json.Unmarshal, following the seed's steps.
func BenchmarkNaiveSeedPipeline(b *testing.B) {
	secret := []byte(refSecret.Reveal())
	body := signedForm(liveOrderdata(time.Now())).Encode()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		form, err := url.ParseQuery(body)
		if err != nil {
			b.Fatal(err)
		}
		od := form.Get("orderdata")
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(od))
		got, err := base64.StdEncoding.DecodeString(form.Get("hmacsignature"))
		if err != nil || !hmac.Equal(got, h.Sum(nil)) {
			b.Fatal("mismatch")
		}
		var o naiveOrder
		if err := json.Unmarshal([]byte(od), &o); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(time.UnixMilli(o.HmacTimestamp)); d > 5*time.Minute || d < -time.Minute {
			b.Fatal("window")
		}
	}
}
