package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// storeOf returns the server's store, and its database for fault injection.
func (ts *testServer) storeOf() (platform.Store, *sql.DB) {
	s := ts.d.Store()
	return s, s.(interface{ DB() *sql.DB }).DB()
}

type createdOrder struct {
	CorrelationID string `json:"correlationId"`
	LaunchURL     string `json:"launchUrl"`
}

// signingProduct makes a product with HMAC on and its first secret.
func (ts *testServer) signingProduct(e envCreds) productView {
	ts.t.Helper()
	prod := ts.newProduct(e, "https://partner.example/orders")
	ts.newSecret(e, prod.ID, `{}`)
	return prod
}

func (ts *testServer) createOrder(e envCreds, productID string) createdOrder {
	ts.t.Helper()
	var o createdOrder
	body := `{"productId":"` + productID + `","installationId":"i-1","user":{"id":"u-1","email":"kari@example.no","name":"Kari Nordmann"}}`
	if code, b := ts.json("POST", "/v1/orders", e.SecretKey, body, &o); code != 201 {
		ts.t.Fatalf("create order: %d %s", code, b)
	}
	return o
}

// TestOrderdataForgotten: the launch table keeps the orderdata (the user's
// name and e-mail) only until the link is used or expires; the launch log
// keeps the rest (issue 12, finding 6: it was kept forever).
func TestOrderdataForgotten(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("forget")
	prod := ts.signingProduct(e)
	store, _ := ts.storeOf()
	ctx := context.Background()

	used := ts.createOrder(e, prod.ID)
	if l, _ := store.Launch(ctx, used.CorrelationID); !strings.Contains(l.Orderdata, "kari@example.no") {
		t.Fatalf("a live launch link lost its orderdata: %q", l.Orderdata)
	}
	res, err := http.Get(ts.base + used.LaunchURL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("open the launch link: %v %v", res, err)
	}
	res.Body.Close()
	if l, _ := store.Launch(ctx, used.CorrelationID); l.Orderdata != "" || l.Result != "opened" {
		t.Errorf("after use: orderdata %q, result %q; want it forgotten", l.Orderdata, l.Result)
	}

	expired := ts.createOrder(e, prod.ID)
	ts.clock.Add(5*time.Minute + time.Second)
	if err := ts.d.Server().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := store.Launch(ctx, expired.CorrelationID); l.Orderdata != "" || l.Result != "expired" {
		t.Errorf("after expiry: orderdata %q, result %q; want it forgotten and marked expired", l.Orderdata, l.Result)
	}
	var log struct {
		Launches []struct {
			CorrelationID string `json:"correlationId"`
			Result        string `json:"result"`
		}
	}
	ts.json("GET", "/v1/launches", e.SecretKey, "", &log)
	if len(log.Launches) != 2 {
		t.Errorf("the launch log lost rows: %+v", log)
	}
}

// TestRetention: the sweep deletes launch log, audit log and report rows
// older than the retention (default 90 days), and nothing newer.
func TestRetention(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("retention")
	prod := ts.signingProduct(e)
	old := ts.createOrder(e, prod.ID)
	ts.clock.Add(89 * 24 * time.Hour)
	recent := ts.createOrder(e, prod.ID)
	ts.setMode(e, "off") // a recent audit entry
	ctx := context.Background()
	if err := ts.d.Server().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	store, _ := ts.storeOf()
	if _, err := store.Launch(ctx, old.CorrelationID); err != nil {
		t.Fatalf("89 days: the launch went early: %v", err)
	}
	if _, b := ts.json("GET", "/v1/audit?environment_id="+e.ID, ts.admin, "", nil); !strings.Contains(b, "environment.create") {
		t.Fatal("89 days: the environment's creation left the audit log early")
	}
	ts.clock.Add(24*time.Hour + time.Second)
	if err := ts.d.Server().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Launch(ctx, old.CorrelationID); err == nil {
		t.Error("a launch older than 90 days is still there")
	}
	if _, err := store.Launch(ctx, recent.CorrelationID); err != nil {
		t.Errorf("a recent launch went: %v", err)
	}
	// Entries are stamped when written (environment.create with the
	// server's clock, most others with the wall clock): what stays must be
	// newer than the cut-off, and the creation must be gone.
	var audit struct {
		Entries []struct {
			At     time.Time `json:"at"`
			Action string    `json:"action"`
		}
	}
	ts.json("GET", "/v1/audit?environment_id="+e.ID, ts.admin, "", &audit)
	cutoff := ts.clock.Now().Add(-90 * 24 * time.Hour)
	for _, a := range audit.Entries {
		if a.Action == "environment.create" || a.At.Before(cutoff) {
			t.Errorf("audit entry %s of %v is older than 90 days and still there", a.Action, a.At)
		}
	}
	if !strings.Contains(ts.logs.String(), `"msg":"retention: deleted old rows"`) {
		t.Error("the sweep did not log what it deleted")
	}
}

// TestOrderURLMustBeHTTPS: the signed order carries the user's name and
// e-mail; order_url is https, except to an address --delivery-allow names
// (issue 12, finding 6).
func TestOrderURLMustBeHTTPS(t *testing.T) {
	strict := startServer(t)
	dev := startServer(t, loopback)
	for _, tc := range []struct {
		srv  *testServer
		url  string
		want int
	}{
		{strict, "http://partner.example/orders", 400},
		{strict, "http://127.0.0.1:9/orders", 400},
		{strict, "http://localhost:9/orders", 400},
		{strict, "https://partner.example/orders", 201},
		{dev, "http://127.0.0.1:9/orders", 201},
		{dev, "http://localhost:9/orders", 201},
		{dev, "http://10.0.0.1/orders", 400},             // not in the allowed range
		{dev, "http://partner.example/orders", 400},      // a name is not resolved to decide
		{dev, "http://[::ffff:127.0.0.1]:9/orders", 201}, // the mapped loopback address
	} {
		e := tc.srv.newEnv(tc.url) // names are unique
		body, _ := json.Marshal(map[string]string{"name": "p", "order_url": tc.url})
		var r refusal
		code, _ := tc.srv.json("POST", "/v1/products", e.SecretKey, string(body), &r)
		if code != tc.want || (code == 400 && !strings.Contains(r.Message, "https")) {
			t.Errorf("%s (allow %v): %d %+v; want %d", tc.url, tc.srv == dev, code, r, tc.want)
		}
	}
	// A product saved before the rule sends no order over http.
	e := strict.newEnv("legacy")
	prod := strict.signingProduct(e)
	_, db := strict.storeOf()
	if _, err := db.Exec(`UPDATE products SET order_url = 'http://partner.example/orders' WHERE id = ?`, prod.ID); err != nil {
		t.Fatal(err)
	}
	body := `{"productId":"` + prod.ID + `","user":{"email":"kari@example.no"}}`
	if code, b := strict.json("POST", "/v1/orders", e.SecretKey, body, nil); code != 400 || !strings.Contains(b, "https") {
		t.Errorf("an order to a legacy http URL: %d %s", code, b)
	}
}

// TestLaunchPageFailsClosed: when the launch link cannot be spent (the
// database refuses the update), the launch page is not served: before, the
// error was discarded and a page shown for a link that stayed usable
// (issue 12, finding 6).
func TestLaunchPageFailsClosed(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("fail-closed")
	prod := ts.signingProduct(e)
	_, db := ts.storeOf()
	if _, err := db.Exec(`CREATE TRIGGER refuse_use BEFORE UPDATE OF used_at ON launches
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ts.base+"/v1/orders", strings.NewReader(`{"productId":"`+prod.ID+`"}`))
	req.Header.Set("Authorization", "Bearer "+e.SecretKey)
	req.Header.Set("Accept", "text/html")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 {
		t.Errorf("launch page with a link that could not be spent: %d; want 503", res.StatusCode)
	}
}
