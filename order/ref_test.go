package order_test

import (
	"net/url"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// refSecret and refOrderdata make the reference order used by tests and
// benchmarks: 611 bytes of orderdata with the 11 documented fields and a
// Norwegian name.
var refSecret = hmacgate.MustParseKey("hgk_Qm9rc21hbFNlY3JldEZvclRlc3RzT25seTEyMzQ1Njc")

const refTimestamp = 1764151200000 // 2025-11-26T10:00:00Z

var refNow = time.UnixMilli(refTimestamp).Add(2 * time.Second)

var refOrderdata = `{"hmacTimestamp":1764151200000,` +
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

// refForm is the reference order as a decoded form.
func refForm() url.Values {
	return url.Values{
		order.FieldOrderdata: {refOrderdata},
		order.FieldSignature: {order.Sign(refSecret, []byte(refOrderdata))},
	}
}

// refBody is the reference order as a form body.
func refBody() []byte { return []byte(refForm().Encode()) }

// refVerifier is a verifier of the given secrets (the reference secret by
// default) whose clock is fixed two seconds after the reference order.
func refVerifier(secrets ...hmacgate.Key) *order.Verifier {
	if len(secrets) == 0 {
		secrets = []hmacgate.Key{refSecret}
	}
	v := order.NewVerifier(hmacgate.MustNewKeyring(secrets[0], secrets[1:]...))
	v.Now = func() time.Time { return refNow }
	return v
}
