package order_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// signedForm signs orderdata with refSecret.
func signedForm(od string) url.Values {
	return url.Values{order.FieldOrderdata: {od}, order.FieldSignature: {order.Sign(refSecret, []byte(od))}}
}

// withTimestamp replaces the reference timestamp in the reference orderdata.
func withTimestamp(ts string) string {
	return strings.Replace(refOrderdata, "1764151200000", ts, 1)
}

// ms is the timestamp d after the reference clock, in Unix milliseconds.
func ms(d time.Duration) string { return formatMS(refNow.Add(d)) }

// formatMS is t in Unix milliseconds.
func formatMS(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func TestVerifyRefusals(t *testing.T) {
	goodSig := order.Sign(refSecret, []byte(refOrderdata))
	tests := []struct {
		name   string
		form   url.Values
		expect []order.Expectation
		want   *hmacgate.Error
	}{
		{"missing orderdata", url.Values{"hmacsignature": {goodSig}}, nil, hmacgate.ErrMissingOrderdata},
		{"empty orderdata", url.Values{"orderdata": {""}, "hmacsignature": {goodSig}}, nil, hmacgate.ErrMissingOrderdata},
		{"missing signature", url.Values{"orderdata": {refOrderdata}}, nil, hmacgate.ErrMissingSignature},
		{"two orderdata", url.Values{"orderdata": {refOrderdata, "{}"}, "hmacsignature": {goodSig}}, nil, hmacgate.ErrDuplicateField},
		{"two signatures", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {goodSig, goodSig}}, nil, hmacgate.ErrDuplicateField},
		{"hex signature", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {strings.Repeat("ab", 32)}}, nil, hmacgate.ErrMalformedSignature},
		{"url-safe signature", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {strings.NewReplacer("+", "-", "/", "_").Replace(goodSig) + "-"}}, nil, hmacgate.ErrMalformedSignature},
		{"unpadded signature", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {strings.TrimRight(goodSig, "=")}}, nil, hmacgate.ErrMalformedSignature},
		{"signature of other data", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {order.Sign(refSecret, []byte("{}"))}}, nil, hmacgate.ErrSignatureMismatch},
		{"other secret", url.Values{"orderdata": {refOrderdata}, "hmacsignature": {order.Sign(hmacgate.MustParseKey("other"), []byte(refOrderdata))}}, nil, hmacgate.ErrSignatureMismatch},
		{"tampered orderdata", url.Values{"orderdata": {strings.Replace(refOrderdata, "inst-20931", "inst-20932", 1)}, "hmacsignature": {goodSig}}, nil, hmacgate.ErrSignatureMismatch},
		{"array", signedForm(`[1]`), nil, hmacgate.ErrMalformedOrderdata},
		{"two objects", signedForm(`{"hmacTimestamp":1}{}`), nil, hmacgate.ErrMalformedOrderdata},
		{"invalid utf-8", signedForm("{\"hmacTimestamp\":" + ms(0) + ",\"currentUserName\":\"\xff\"}"), nil, hmacgate.ErrMalformedOrderdata},
		{"truncated", signedForm(refOrderdata[:100]), nil, hmacgate.ErrMalformedOrderdata},
		{"duplicate key", signedForm(`{"hmacTimestamp":` + ms(0) + `,"installationId":"a","installationId":"b"}`), nil, hmacgate.ErrDuplicateField},
		{"duplicate key by case", signedForm(`{"hmacTimestamp":` + ms(0) + `,"installationId":"a","InstallationID":"b"}`), nil, hmacgate.ErrDuplicateField},
		{"duplicate key by escape", signedForm(`{"hmacTimestamp":` + ms(0) + `,"orderId":"a","\u006frderId":"b"}`), nil, hmacgate.ErrDuplicateField},
		{"duplicate nested key", signedForm(`{"hmacTimestamp":` + ms(0) + `,"x":{"a":1,"a":2}}`), nil, hmacgate.ErrDuplicateField},
		{"missing timestamp", signedForm(`{"orderId":"1"}`), nil, hmacgate.ErrMissingTimestamp},
		{"null timestamp", signedForm(`{"hmacTimestamp":null}`), nil, hmacgate.ErrMissingTimestamp},
		{"fractional timestamp", signedForm(`{"hmacTimestamp":1764151200000.5}`), nil, hmacgate.ErrMalformedOrderdata},
		{"string timestamp", signedForm(`{"hmacTimestamp":"1764151200000"}`), nil, hmacgate.ErrMalformedOrderdata},
		{"huge timestamp", signedForm(`{"hmacTimestamp":99999999999999999999}`), nil, hmacgate.ErrMalformedOrderdata},
		{"object as user id", signedForm(`{"hmacTimestamp":` + ms(0) + `,"currentUserId":{}}`), nil, hmacgate.ErrMalformedOrderdata},
		{"expired", signedForm(withTimestamp(ms(-5*time.Minute - time.Millisecond))), nil, hmacgate.ErrTimestampExpired},
		{"seconds", signedForm(withTimestamp(strconv.FormatInt(refNow.Unix(), 10))), nil, hmacgate.ErrTimestampExpired},
		{"in future", signedForm(withTimestamp(ms(time.Minute + time.Millisecond))), nil, hmacgate.ErrTimestampInFuture},
		{"binding mismatch", refForm(), []order.Expectation{order.Expect("installationId", "inst-1")}, hmacgate.ErrBindingMismatch},
		{"binding on absent field", refForm(), []order.Expectation{order.Expect("tenantId", "t")}, hmacgate.ErrBindingMismatch},
	}
	v := refVerifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, o *order.Order, err error) {
				t.Helper()
				if !errors.Is(err, tt.want) {
					t.Fatalf("%s: got %v; want %s", how, err, tt.want.Code())
				}
				if o != nil {
					t.Errorf("%s: an order came with a refusal", how)
				}
				if strings.Contains(err.Error(), goodSig) || strings.Contains(err.Error(), refSecret.Reveal()) {
					t.Errorf("%s: refusal reveals the expected signature or the secret: %v", how, err)
				}
			}
			o, err := v.Verify(tt.form, tt.expect...)
			check("Verify", o, err)
			o, err = v.VerifyBody([]byte(tt.form.Encode()), tt.expect...)
			check("VerifyBody", o, err)
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	v := refVerifier()
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"reference", refForm()},
		{"at max age", signedForm(withTimestamp(ms(-5 * time.Minute)))},
		{"at max future", signedForm(withTimestamp(ms(time.Minute)))},
		{"numbers as ids", signedForm(`{"hmacTimestamp":` + ms(0) + `,"installationId":20931,"orderId":-1.5e3}`)},
		{"nulls", signedForm(`{"hmacTimestamp":` + ms(0) + `,"estateId":null}`)},
		{"unknown fields", signedForm(`{"hmacTimestamp":` + ms(0) + `,"tenant":{"id":[1,true,null,"x"]},"note":"a\"b"}`)},
		{"whitespace", signedForm(" {\n \"hmacTimestamp\" : " + ms(0) + " ,\"orderId\":\"1\"\t}\r\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o1, err := v.Verify(tt.form)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			o2, err := v.VerifyBody([]byte(tt.form.Encode()))
			if err != nil {
				t.Fatalf("VerifyBody: %v", err)
			}
			if o1.Orderdata != tt.form.Get("orderdata") || o2.Orderdata != o1.Orderdata {
				t.Errorf("Orderdata is not the received text")
			}
			if o1.MAC() != o2.MAC() || o1.KeyIndex != 0 {
				t.Errorf("MAC or key index differ")
			}
		})
	}
}

func TestVerifyFields(t *testing.T) {
	o, err := refVerifier().VerifyBody(refBody(), order.Expect("installationId", "inst-20931"), order.Expect("hmacTimestamp", "1764151200000"))
	if err != nil {
		t.Fatal(err)
	}
	want := order.OrderData{
		Timestamp: refTimestamp,
		User: order.User{ID: "4f1c2a9e-7b3d-4e8a-9f60-2d5b8c7a1e34", Email: "bjorn.odegard@eiendomsmegler-ostlandet.example.no",
			Name: "Bjørn Ødegård Kristiansen-Løvås"},
		CorrelationID: "9b2e4f71-0c3a-4d5e-8f16-a7b9c2d3e4f5", OrderURL: "https://partner.example.com/orders/launch?installationId=inst-20931&source=next",
		InstallationID: "inst-20931", OrderID: "ord-2025-11-26-000184-fotografering-plan", EstateID: "est-7f3a9c21-5b8e-4d02-a6c4-31e9b7d05f8a",
		DepartmentID: "dep-0042-oslo-sentrum-eiendomsmegling-avdeling-nord", DepartmentOrganizationNumber: "987654321",
	}
	if o.OrderData.User != want.User || o.InstallationID != want.InstallationID || o.OrderID != want.OrderID ||
		o.EstateID != want.EstateID || o.DepartmentID != want.DepartmentID || o.DepartmentOrganizationNumber != want.DepartmentOrganizationNumber ||
		o.CorrelationID != want.CorrelationID || o.OrderURL != want.OrderURL || o.Timestamp != want.Timestamp || o.Extra != nil {
		t.Errorf("got %+v; want %+v", o.OrderData, want)
	}
	if !o.Time().Equal(time.UnixMilli(refTimestamp)) {
		t.Errorf("Time: got %v", o.Time())
	}
}

func TestVerifyEscapesAndExtras(t *testing.T) {
	od := `{"hmacTimestamp":` + ms(0) + `,"currentUserName":"Bj\u00f8rn \"B\" \ud83d\ude00 \ud800","installationId":42,"extra":{"k":[1,2]},"n":7}`
	o, err := refVerifier().Verify(signedForm(od), order.Expect("installationId", "42"), order.Expect("n", "7"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Bjørn \"B\" 😀 \uFFFD"; o.User.Name != want {
		t.Errorf("got %q; want %q", o.User.Name, want)
	}
	if string(o.Extra["extra"]) != `{"k":[1,2]}` {
		t.Errorf("extra: got %s", o.Extra["extra"])
	}
}

func TestVerifyBodyFormRules(t *testing.T) {
	sig := url.QueryEscape(order.Sign(refSecret, []byte(refOrderdata)))
	od := url.QueryEscape(refOrderdata)
	v := refVerifier()
	for _, tt := range []struct {
		name, body string
		want       error
	}{
		{"other fields around", "a=1&orderdata=" + od + "&&b&hmacsignature=" + sig + "&c=", nil},
		{"encoded key", "%6Frderdata=" + od + "&hmac%73ignature=" + sig, nil},
		{"semicolon pair skipped", "orderdata=" + od + "&hmacsignature=" + sig + "&orderdata;x=1", nil},
		{"bad escape", "orderdata=" + od + "%G0&hmacsignature=" + sig, hmacgate.ErrMalformedOrderdata},
		{"truncated escape", "hmacsignature=" + sig + "&orderdata=" + od + "%4", hmacgate.ErrMalformedOrderdata},
		{"duplicate via encoding", "orderdata=" + od + "&%6Frderdata=" + od + "&hmacsignature=" + sig, hmacgate.ErrDuplicateField},
		{"empty body", "", hmacgate.ErrMissingOrderdata},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyBody([]byte(tt.body))
			if tt.want == nil && err != nil {
				t.Fatalf("got %v", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v; want %v", err, tt.want)
			}
			form, perr := url.ParseQuery(tt.body)
			if perr == nil && tt.want == nil {
				if _, err := v.Verify(form); err != nil {
					t.Errorf("Verify on ParseQuery's result: %v", err)
				}
			}
		})
	}
}

func TestVerifyBodyDoesNotModifyBody(t *testing.T) {
	body := refBody()
	orig := string(body)
	o, err := refVerifier().VerifyBody(body)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != orig {
		t.Fatal("VerifyBody modified the body")
	}
	for i := range body {
		body[i] = 'x'
	}
	if o.Orderdata != refOrderdata {
		t.Fatal("the order aliases the caller's body")
	}
}

func TestVerifyRotation(t *testing.T) {
	newSecret := hmacgate.MustParseKey("hgk_new-secret-after-regeneration-0123456789")
	both := refVerifier(newSecret, refSecret)
	o, err := both.Verify(refForm())
	if err != nil || o.KeyIndex != 1 {
		t.Fatalf("old secret during propagation: %v, index %v", err, o)
	}
	o, err = both.Verify(url.Values{"orderdata": {refOrderdata}, "hmacsignature": {order.Sign(newSecret, []byte(refOrderdata))}})
	if err != nil || o.KeyIndex != 0 {
		t.Fatalf("new secret: %v", err)
	}
	onlyNew := refVerifier(newSecret)
	if _, err := onlyNew.Verify(refForm()); !errors.Is(err, hmacgate.ErrSignatureMismatch) {
		t.Fatalf("old secret after removal: got %v; want signature_mismatch", err)
	}
}

func TestVerifierWindows(t *testing.T) {
	v := refVerifier()
	v.MaxAge, v.MaxFuture = 10*time.Second, 2*time.Second
	if v.ReplayWindow() != 12*time.Second {
		t.Errorf("ReplayWindow: got %v", v.ReplayWindow())
	}
	if _, err := v.Verify(signedForm(withTimestamp(ms(-11 * time.Second)))); !errors.Is(err, hmacgate.ErrTimestampExpired) {
		t.Errorf("got %v", err)
	}
	if _, err := v.Verify(signedForm(withTimestamp(ms(3 * time.Second)))); !errors.Is(err, hmacgate.ErrTimestampInFuture) {
		t.Errorf("got %v", err)
	}
	if d := order.NewVerifier(hmacgate.MustNewKeyring(refSecret)).ReplayWindow(); d != 6*time.Minute {
		t.Errorf("default ReplayWindow: got %v", d)
	}
}

func TestSecondsHint(t *testing.T) {
	_, err := refVerifier().Verify(signedForm(withTimestamp(strconv.FormatInt(refNow.Unix(), 10))))
	if !strings.Contains(hmacgate.ErrorMessage(err), "milliseconds") {
		t.Errorf("no seconds hint: %v", err)
	}
}

func TestCheckSignature(t *testing.T) {
	v := refVerifier()
	if i, err := v.CheckSignature([]byte(refOrderdata), order.Sign(refSecret, []byte(refOrderdata))); err != nil || i != 0 {
		t.Errorf("got %d, %v", i, err)
	}
	if _, err := v.CheckSignature([]byte(refOrderdata+" "), order.Sign(refSecret, []byte(refOrderdata))); !errors.Is(err, hmacgate.ErrSignatureMismatch) {
		t.Errorf("got %v", err)
	}
}

// TestCheckSignatureExpiringSecret: CheckSignature skips the clock only
// when no secret expires; an old secret with a ValidUntil is accepted before
// it by the Verifier's clock and refused after it.
func TestCheckSignatureExpiringSecret(t *testing.T) {
	newSecret := hmacgate.MustParseKey("hgk_new-secret-after-regeneration-0123456789")
	kr, err := hmacgate.NewKeyringEntries(
		hmacgate.KeyringEntry{Key: newSecret},
		hmacgate.KeyringEntry{Key: refSecret, ValidUntil: refNow.Add(time.Minute)},
	)
	if err != nil {
		t.Fatal(err)
	}
	sig := order.Sign(refSecret, []byte(refOrderdata))
	for _, tt := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"before the old secret's end", refNow, 1},
		{"after it", refNow.Add(2 * time.Minute), -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := order.NewVerifier(kr)
			v.Now = func() time.Time { return tt.at }
			if i, _ := v.CheckSignature([]byte(refOrderdata), sig); i != tt.want {
				t.Errorf("got index %d; want %d", i, tt.want)
			}
		})
	}
}

// TestUnencodedPlusInSignature: a sender that does not percent-encode the
// body turns each '+' of the signature into a space; the refusal says so.
func TestUnencodedPlusInSignature(t *testing.T) {
	od, sig := "", ""
	for i := 0; !strings.Contains(sig, "+"); i++ {
		od = `{"hmacTimestamp":` + ms(0) + `,"orderId":"` + strconv.Itoa(i) + `"}`
		sig = order.Sign(refSecret, []byte(od))
	}
	body := "orderdata=" + url.QueryEscape(od) + "&hmacsignature=" + sig
	_, err := refVerifier().VerifyBody([]byte(body))
	if !errors.Is(err, hmacgate.ErrMalformedSignature) || !strings.Contains(hmacgate.ErrorMessage(err), "'+'") {
		t.Fatalf("got %v; want malformed_signature with a hint about '+'", err)
	}
	d := refVerifier().Explain([]byte(body), nil)
	if !strings.Contains(strings.Join(d.Findings, "\n"), "not percent-encoded") {
		t.Errorf("explain: %s", d)
	}
}

func TestExtremeWindowsAndTimestamps(t *testing.T) {
	v := refVerifier()
	v.MaxAge, v.MaxFuture = time.Duration(1<<63-1), time.Hour
	if w := v.ReplayWindow(); w <= 0 {
		t.Errorf("ReplayWindow wrapped to %v", w)
	}
	for _, ts := range []string{"-9223372036854775808", "9223372036854775807", "-1"} {
		_, err := refVerifier().Verify(signedForm(`{"hmacTimestamp":` + ts + `}`))
		code := hmacgate.ErrorCode(err)
		if code != "timestamp_expired" && code != "timestamp_in_future" {
			t.Errorf("hmacTimestamp %s: got %v", ts, err)
		}
		if strings.Contains(hmacgate.ErrorMessage(err), "-") && code == "timestamp_expired" && ts != "-1" {
			t.Errorf("hmacTimestamp %s: message %q", ts, hmacgate.ErrorMessage(err))
		}
	}
}
