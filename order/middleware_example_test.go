package order_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// Mount the middleware on a route whose URL carries the installationId: only
// verified, fresh orders for that installation reach the handler, which
// finds the order in the request context.
func ExampleVerifier_Middleware() {
	secret := hmacgate.MustParseKey("hgk_product-secret-from-the-partner-portal-0")
	v := order.NewVerifier(hmacgate.MustNewKeyring(secret))
	v.Now = func() time.Time { return time.UnixMilli(1764151200000) } // a fixed clock for the example

	mux := http.NewServeMux()
	mux.Handle("/orders/{installationId}", v.Bind("installationId", func(r *http.Request) string {
		return r.PathValue("installationId")
	}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, _ := order.FromContext(r.Context())
		fmt.Fprintf(w, "welcome %s, order %s", o.User.Email, o.OrderID)
	})))

	// What the platform POSTs.
	form, _ := order.Encode(secret, order.OrderData{Timestamp: 1764151200000, InstallationID: "inst-1",
		OrderID: "ord-1", User: order.User{Email: "kari@example.no"}})
	send := func(path string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Body)
		fmt.Println(w.Code, strings.TrimSpace(string(b)))
	}
	send("/orders/inst-2") // the URL was changed
	send("/orders/inst-1")
	send("/orders/inst-1") // the same order again
	// Output:
	// 403 {"error":"binding_mismatch","message":"installationId in the request URL differs from the signed installationId in orderdata"}
	// 200 welcome kari@example.no, order ord-1
	// 401 {"error":"replayed","message":"this signed order was already used; every launch must be signed anew"}
}
