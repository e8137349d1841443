package order_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// bodyOf returns the form body of orderdata od and signature sig.
func bodyOf(od, sig string) []byte {
	return []byte(url.Values{"orderdata": {od}, "hmacsignature": {sig}}.Encode())
}

func TestExplain(t *testing.T) {
	other := hmacgate.MustParseKey("hgk_a-secret-the-verifier-does-not-have-yet-0")
	var indented bytes.Buffer
	_ = json.Indent(&indented, []byte(refOrderdata), "", "  ")
	mac := refSecret.Sum(nil, []byte(refOrderdata))
	latin := strings.NewReplacer("ø", "\xf8", "Ø", "\xd8", "å", "\xe5").Replace(refOrderdata)
	noPrefix := hmacgate.MustParseKey(strings.TrimPrefix(refSecret.Reveal(), "hgk_"))
	tests := []struct {
		name     string
		body     []byte
		others   []hmacgate.Key
		code     string
		contains string
	}{
		{"valid", refBody(), nil, "", "matches secret #0"},
		{"other secret", bodyOf(refOrderdata, order.Sign(other, []byte(refOrderdata))), []hmacgate.Key{other}, "signature_mismatch", "other secret #0"},
		{"re-indented body", bodyOf(indented.String(), order.Sign(refSecret, []byte(refOrderdata))), nil, "signature_mismatch", "re-serialized"},
		{"signed indented, sent compact", bodyOf(refOrderdata, order.Sign(refSecret, indented.Bytes())), nil, "signature_mismatch", "indented"},
		{"latin-1", bodyOf(refOrderdata, order.Sign(refSecret, []byte(latin))), nil, "signature_mismatch", "Latin-1"},
		{"unicode escapes", bodyOf(refOrderdata, order.Sign(refSecret, []byte(strings.NewReplacer("ø", `\u00f8`, "Ø", `\u00d8`, "å", `\u00e5`).Replace(refOrderdata)))), nil, "signature_mismatch", `\u escapes`},
		{"hex signature", bodyOf(refOrderdata, hex.EncodeToString(mac)), nil, "malformed_signature", "only the encoding is wrong"},
		{"prefix dropped", bodyOf(refOrderdata, order.Sign(noPrefix, []byte(refOrderdata))), nil, "signature_mismatch", "without its hgk_ prefix"},
		{"unknown cause", bodyOf(refOrderdata, order.Sign(hmacgate.MustParseKey("?"), []byte(refOrderdata))), nil, "signature_mismatch", "no secret given explains"},
		{"seconds", bodyOf(withTimestamp(strconv.FormatInt(refNow.Unix(), 10)), order.Sign(refSecret, []byte(withTimestamp(strconv.FormatInt(refNow.Unix(), 10))))), nil, "timestamp_expired", "Unix seconds"},
		{"clock ahead", bodyOf(withTimestamp(ms(90*time.Second)), order.Sign(refSecret, []byte(withTimestamp(ms(90*time.Second))))), nil, "timestamp_in_future", "1m30s ahead"},
	}
	v := refVerifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := v.Explain(tt.body, nil, tt.others...)
			if d.Code != tt.code {
				t.Fatalf("code: got %q; want %q (%s)", d.Code, tt.code, d)
			}
			text := d.String()
			if !strings.Contains(text, tt.contains) {
				t.Errorf("got %s; want it to mention %q", text, tt.contains)
			}
			for _, secret := range []string{refSecret.Reveal(), other.Reveal(), order.Sign(refSecret, []byte(refOrderdata)), hex.EncodeToString(mac)} {
				if strings.Contains(text, secret) {
					t.Errorf("diagnosis reveals a secret or the expected signature: %s", text)
				}
			}
		})
	}
}

func TestExplainRetiredSecret(t *testing.T) {
	newSecret := hmacgate.MustParseKey("hgk_new-secret-after-regeneration-0123456789")
	kr, _ := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: newSecret},
		hmacgate.KeyringEntry{Key: refSecret, ValidUntil: refNow.Add(-time.Minute)},
	)
	v := order.NewVerifier(kr)
	v.Now = func() time.Time { return refNow }
	d := v.Explain(refBody(), nil)
	if d.Code != "signature_mismatch" || !strings.Contains(d.String(), "retired") {
		t.Errorf("got %s", d)
	}
	d = v.ExplainForm(refForm(), nil)
	if !strings.Contains(d.String(), "retired") {
		t.Errorf("ExplainForm: got %s", d)
	}
}

func TestExplainBinding(t *testing.T) {
	d := refVerifier().Explain(refBody(), []order.Expectation{order.Expect("installationId", "inst-1"), order.Expect("tenantId", "t")})
	text := d.String()
	if d.Code != "binding_mismatch" || !strings.Contains(text, `"inst-20931" in orderdata, but the URL says "inst-1"`) || !strings.Contains(text, `no field "tenantId"`) {
		t.Errorf("got %s", text)
	}
}

func TestFieldPresence(t *testing.T) {
	o, err := refVerifier().Verify(signedForm(`{"hmacTimestamp":` + ms(0) + `,"orderId":"","estateId":null}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"orderId": true, "estateId": false, "installationId": false, "hmacTimestamp": true} {
		if _, ok := o.Field(name); ok != want {
			t.Errorf("Field(%q): ok = %v; want %v", name, ok, want)
		}
	}
	if _, err := refVerifier().Verify(signedForm(`{"hmacTimestamp":`+ms(0)+`}`), order.Expect("estateId", "")); err == nil {
		t.Error("an expectation of \"\" held for an absent field")
	}
}
