package order_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// The platform side: build orderdata once and sign exactly those bytes.
func ExampleEncode() {
	secret := hmacgate.MustParseKey("hgk_product-secret-from-the-partner-portal-0")
	form, err := order.Encode(secret, order.OrderData{
		Timestamp:      1764151200000,
		User:           order.User{ID: "u-1", Email: "kari@example.no", Name: "Kari Nordmann"},
		InstallationID: "inst-1",
		OrderID:        "ord-1",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(form.Get("orderdata"))
	fmt.Println(form.Get("hmacsignature"))
	// Output:
	// {"hmacTimestamp":1764151200000,"currentUserId":"u-1","currentUserEmail":"kari@example.no","currentUserName":"Kari Nordmann","correlationId":"","orderUrl":"","installationId":"inst-1","orderId":"ord-1","estateId":"","departmentId":"","departmentOrganizationNumber":""}
	// Vvu0KvJ6UwDn7G/cEKdoWQUOfDQW2P+xfY2t4ZnWjVU=
}

// The partner side: verify a form body, with the old secret still accepted
// while a regenerated one propagates, and the installationId from the URL
// bound to the signed one.
func ExampleVerifier_VerifyBody() {
	current := hmacgate.MustParseKey("hgk_product-secret-from-the-partner-portal-0")
	previous := hmacgate.MustParseKey("hgk_previous-secret-still-propagating-12345")
	v := order.NewVerifier(hmacgate.MustNewKeyring(current, previous))
	v.Now = func() time.Time { return time.UnixMilli(1764151200000).Add(3 * time.Second) } // a fixed clock for the example

	form, _ := order.Encode(previous, order.OrderData{Timestamp: 1764151200000, InstallationID: "inst-1",
		User: order.User{Email: "kari@example.no"}})
	body := []byte(form.Encode()) // what arrives over HTTP

	o, err := v.VerifyBody(body, order.Expect("installationId", "inst-1"))
	if err != nil {
		fmt.Println(hmacgate.ErrorCode(err))
		return
	}
	fmt.Println(o.User.Email, "signed with secret", o.KeyIndex)

	_, err = v.VerifyBody(body, order.Expect("installationId", "inst-2"))
	fmt.Println(hmacgate.ErrorCode(err))
	// Output:
	// kari@example.no signed with secret 1
	// binding_mismatch
}

// Explain tells a person why a signature does not match.
func ExampleVerifier_Explain() {
	secret := hmacgate.MustParseKey("hgk_product-secret-from-the-partner-portal-0")
	v := order.NewVerifier(hmacgate.MustNewKeyring(secret))
	v.Now = func() time.Time { return time.UnixMilli(1764151200000) }

	signed := `{"hmacTimestamp":1764151200000,"orderId":"ord-1"}`
	sent := "{\n  \"hmacTimestamp\": 1764151200000,\n  \"orderId\": \"ord-1\"\n}" // a framework pretty-printed it
	body := "orderdata=" + urlEscape(sent) + "&hmacsignature=" + urlEscape(order.Sign(secret, []byte(signed)))

	fmt.Print(v.Explain([]byte(body), nil))
	// Output:
	// signature_mismatch: the signature does not match orderdata under any valid secret; check the secret and that orderdata is signed exactly as sent
	//   - the signature matches orderdata with its whitespace removed (under secret #0): the body was re-serialized between signing and verifying (by the sender or a framework); sign and verify the exact bytes
}

// urlEscape is url.QueryEscape, for the examples.
func urlEscape(s string) string { return url.QueryEscape(s) }
