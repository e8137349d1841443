package order_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

func TestMarshalReference(t *testing.T) {
	d := order.OrderData{
		Timestamp: refTimestamp,
		User: order.User{ID: "4f1c2a9e-7b3d-4e8a-9f60-2d5b8c7a1e34", Email: "bjorn.odegard@eiendomsmegler-ostlandet.example.no",
			Name: "Bjørn Ødegård Kristiansen-Løvås"},
		CorrelationID: "9b2e4f71-0c3a-4d5e-8f16-a7b9c2d3e4f5", OrderURL: "https://partner.example.com/orders/launch?installationId=inst-20931&source=next",
		InstallationID: "inst-20931", OrderID: "ord-2025-11-26-000184-fotografering-plan", EstateID: "est-7f3a9c21-5b8e-4d02-a6c4-31e9b7d05f8a",
		DepartmentID: "dep-0042-oslo-sentrum-eiendomsmegling-avdeling-nord", DepartmentOrganizationNumber: "987654321",
	}
	got, err := order.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != refOrderdata {
		t.Errorf("got %s\nwant %s", got, refOrderdata)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	d := order.OrderData{
		User:           order.User{ID: "u\"1\\", Email: "<a&b>@x", Name: "Ødegård 😀 \u2028 \x01\n\t\r"},
		InstallationID: "inst-1",
		Extra:          map[string]json.RawMessage{"zeta": json.RawMessage(`[1,{"a":null}]`), "alpha": json.RawMessage(`"x"`)},
	}
	form, err := order.Encode(refSecret, d)
	if err != nil {
		t.Fatal(err)
	}
	od := form.Get("orderdata")
	if !json.Valid([]byte(od)) {
		t.Fatalf("not valid JSON: %s", od)
	}
	if strings.Contains(od, `\u003c`) || !strings.Contains(od, `<a&b>`) {
		t.Errorf("HTML was escaped: %s", od)
	}
	if strings.Index(od, `"alpha"`) > strings.Index(od, `"zeta"`) {
		t.Errorf("extra keys not sorted: %s", od)
	}
	if form.Get("hmacsignature") != order.Sign(refSecret, []byte(od)) {
		t.Error("the signature is not over the sent bytes")
	}
	v := order.NewVerifier(hmacgate.MustNewKeyring(refSecret))
	o, err := v.Verify(form)
	if err != nil {
		t.Fatalf("Encode's output does not verify: %v", err)
	}
	if o.User != d.User || o.InstallationID != "inst-1" || string(o.Extra["zeta"]) != `[1,{"a":null}]` {
		t.Errorf("round trip: got %+v", o.OrderData)
	}
	if o.Timestamp == 0 {
		t.Error("Encode did not set the timestamp")
	}
	// The JSON unmarshaler agrees with the strict parser.
	var back order.OrderData
	if err := json.Unmarshal([]byte(od), &back); err != nil || back.User != d.User {
		t.Errorf("UnmarshalJSON: %v %+v", err, back)
	}
}

func TestEncodeRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		d    order.OrderData
		want error
	}{
		{"invalid utf-8", order.OrderData{OrderID: "\xff"}, hmacgate.ErrMalformedOrderdata},
		{"extra repeats a field", order.OrderData{Extra: map[string]json.RawMessage{"OrderId": json.RawMessage(`"1"`)}}, hmacgate.ErrDuplicateField},
		{"extra not JSON", order.OrderData{Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}, hmacgate.ErrMalformedOrderdata},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := order.Encode(refSecret, tt.d); !errors.Is(err, tt.want) {
				t.Errorf("got %v; want %v", err, tt.want)
			}
		})
	}
	if _, err := order.Encode(hmacgate.Key{}, order.OrderData{}); !errors.Is(err, hmacgate.ErrInvalidKey) {
		t.Errorf("zero key: got %v", err)
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// The Python sample: base64.b64encode(hmac.new(b"secret", b'{"a":1}', hashlib.sha256).digest())
	if got, want := order.Sign(hmacgate.MustParseKey("secret"), []byte(`{"a":1}`)), "qp4uNXX11wmLbKzNeQiIw21f22M0KnO62i1qUXR6hJQ="; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}
