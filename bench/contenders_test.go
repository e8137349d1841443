package bench

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/order"
)

// The benchmarks only mean something if every contender does the work: each
// verify accepts its own valid input and refuses a tampered one.

type verifier interface{ Verify(payload []byte) error }

// contenders returns every signature contender, set up for payload.
func contenders(t *testing.T, payload []byte) map[string]verifier {
	t.Helper()
	now := time.Now()
	sw, err := NewStandardWebhooks(payload, now)
	if err != nil {
		t.Fatal(err)
	}
	sx, err := NewSvix(payload, now)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]verifier{
		"hmacgate":         NewHmacgate(payload),
		"hmac-floor":       NewFloor(payload),
		"standardwebhooks": sw,
		"svix":             sx,
		"stripe":           NewStripe(payload, now),
	}
}

func TestPayload(t *testing.T) {
	for _, n := range []int{Size1KiB, Size64KiB} {
		p := Payload(n)
		if len(p) != n {
			t.Errorf("Payload(%d) is %d bytes", n, len(p))
		}
		if !utf8.Valid(p) || !bytes.HasPrefix(p, []byte(`{"type":`)) || !bytes.HasSuffix(p, []byte(`"}`)) {
			t.Errorf("Payload(%d) is not the expected JSON", n)
		}
		if !bytes.Equal(p, Payload(n)) {
			t.Errorf("Payload(%d) is not deterministic", n)
		}
	}
}

func TestSignatureContenders(t *testing.T) {
	for _, n := range []int{Size1KiB, Size64KiB} {
		payload := Payload(n)
		for name, c := range contenders(t, payload) {
			if err := c.Verify(payload); err != nil {
				t.Errorf("%s, %d bytes: valid payload refused: %v", name, n, err)
			}
			for _, i := range []int{0, n / 2, n - 1} {
				tampered := bytes.Clone(payload)
				tampered[i] ^= 0x01
				if err := c.Verify(tampered); err == nil {
					t.Errorf("%s, %d bytes: payload with byte %d flipped accepted", name, n, i)
				}
			}
			if err := c.Verify(payload[:n-1]); err == nil {
				t.Errorf("%s, %d bytes: truncated payload accepted", name, n)
			}
		}
	}
}

// Each peer's signature is made with its own signing function, so one
// contender's signature must not pass another's check.
func TestSignaturesAreEachLibrarysOwn(t *testing.T) {
	payload := Payload(Size1KiB)
	cs := contenders(t, payload)
	sw := cs["standardwebhooks"].(*StandardWebhooks)
	sx := cs["svix"].(*Svix)
	st := cs["stripe"].(*Stripe)
	hg := cs["hmacgate"].(*Hmacgate)
	if !strings.HasPrefix(sw.Headers.Get("webhook-signature"), "v1,") ||
		!strings.HasPrefix(sx.Headers.Get("svix-signature"), "v1,") ||
		!strings.Contains(st.Header, ",v1=") || len(hg.Sig) != order.SignatureLen {
		t.Fatalf("unexpected signature formats: %q %q %q %q",
			sw.Headers.Get("webhook-signature"), sx.Headers.Get("svix-signature"), st.Header, hg.Sig)
	}
	if _, err := hg.V.CheckSignature(payload, strings.TrimPrefix(sw.Headers.Get("webhook-signature"), "v1,")); err == nil {
		t.Error("hmacgate accepted a Standard Webhooks signature made with another key and message")
	}
}

func TestOrderContenders(t *testing.T) {
	body := RefBody()
	if len(RefOrderdata) != 611 {
		t.Fatalf("reference orderdata is %d bytes; want 611", len(RefOrderdata))
	}
	o, err := RefVerifier().VerifyBody(body)
	if err != nil {
		t.Fatalf("hmacgate refused the reference order: %v", err)
	}
	n, err := NaivePipeline([]byte(RefSecretString), string(body), RefNow)
	if err != nil {
		t.Fatalf("naive pipeline refused the reference order: %v", err)
	}
	// Both decode the same order.
	if o.Timestamp != n.HmacTimestamp || o.User.Name != n.CurrentUserName || o.User.Email != n.CurrentUserEmail ||
		o.InstallationID != n.InstallationID || o.OrderID != n.OrderID || o.EstateID != n.EstateID ||
		o.DepartmentID != n.DepartmentID || o.DepartmentOrganizationNumber != n.DepartmentOrganizationNumber ||
		o.OrderURL != n.OrderURL || o.CorrelationID != n.CorrelationID || o.User.ID != n.CurrentUserID {
		t.Errorf("hmacgate and the naive pipeline decoded different orders:\n%+v\n%+v", o.OrderData, *n)
	}
	if o.User.Name != "Bjørn Ødegård Kristiansen-Løvås" {
		t.Errorf("currentUserName = %q", o.User.Name)
	}

	// A tampered orderdata, signed with the old signature, is refused by both.
	tampered := url.Values{
		order.FieldOrderdata: {strings.Replace(RefOrderdata, "inst-20931", "inst-20932", 1)},
		order.FieldSignature: {order.Sign(RefSecret, []byte(RefOrderdata))},
	}.Encode()
	if _, err := RefVerifier().VerifyBody([]byte(tampered)); !errors.Is(err, hmacgate.ErrSignatureMismatch) {
		t.Errorf("hmacgate on a tampered order: %v; want signature_mismatch", err)
	}
	if _, err := NaivePipeline([]byte(RefSecretString), tampered, RefNow); err == nil {
		t.Error("naive pipeline accepted a tampered order")
	}

	// The benchmarks' order, signed now, passes both with the real clock;
	// signed ten minutes ago, it fails both: they read the clock.
	now := time.Now()
	if od := LiveOrderdata(now); len(od) != len(RefOrderdata) || od == RefOrderdata {
		t.Errorf("LiveOrderdata: %d bytes, changed %v; want %d bytes with another timestamp", len(od), od != RefOrderdata, len(RefOrderdata))
	}
	if _, err := NewVerifier().VerifyBody(LiveBody(now)); err != nil {
		t.Errorf("hmacgate with the default clock refused an order signed now: %v", err)
	}
	if _, err := NaivePipeline([]byte(RefSecretString), string(LiveBody(now)), time.Now()); err != nil {
		t.Errorf("naive pipeline refused an order signed now: %v", err)
	}
	stale := LiveBody(now.Add(-10 * time.Minute))
	if _, err := NewVerifier().VerifyBody(stale); !errors.Is(err, hmacgate.ErrTimestampExpired) {
		t.Errorf("hmacgate with the default clock on an order signed 10 minutes ago: %v; want timestamp_expired", err)
	}
	if _, err := NaivePipeline([]byte(RefSecretString), string(stale), time.Now()); err == nil {
		t.Error("naive pipeline accepted an order signed 10 minutes ago")
	}

	// Both enforce the window, so the fixed clock matters.
	late := RefNow.Add(10 * time.Minute)
	v := RefVerifier()
	v.Now = func() time.Time { return late }
	if _, err := v.VerifyBody(body); !errors.Is(err, hmacgate.ErrTimestampExpired) {
		t.Errorf("hmacgate 10 minutes late: %v; want timestamp_expired", err)
	}
	if _, err := NaivePipeline([]byte(RefSecretString), string(body), late); err == nil {
		t.Error("naive pipeline accepted an order 10 minutes late")
	}
}

func TestConnectContenders(t *testing.T) {
	kr := hmacgate.MustNewKeyring(ConnectKey)
	digest := ConnectDigest()
	if err := connect.Verify(kr, ConnectIntegration, ConnectConnection, digest); err != nil {
		t.Fatalf("hmacgate refused a valid digest: %v", err)
	}
	if !SeedConnectVerify(ConnectKeyString, ConnectIntegration, ConnectConnection, digest) {
		t.Fatal("seed snippet refused a valid digest")
	}
	bad := []byte(digest)
	if bad[10] == '0' {
		bad[10] = '1'
	} else {
		bad[10] = '0'
	}
	if err := connect.Verify(kr, ConnectIntegration, ConnectConnection, string(bad)); !errors.Is(err, hmacgate.ErrInvalidHMAC) {
		t.Errorf("hmacgate on a tampered digest: %v; want invalid_hmac", err)
	}
	if SeedConnectVerify(ConnectKeyString, ConnectIntegration, ConnectConnection, string(bad)) {
		t.Error("seed snippet accepted a tampered digest")
	}
	if err := connect.Verify(kr, ConnectIntegration, ConnectConnection+"x", digest); err == nil {
		t.Error("hmacgate accepted a digest for another connection")
	}
}
