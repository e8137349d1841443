package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type sandboxAnswer struct {
	Accepted bool `json:"accepted"`
	KeyIndex int  `json:"key_index"`
	User     struct {
		Name  string `json:"Name"`
		Email string `json:"Email"`
	} `json:"user"`
	InstallationID string `json:"installationId"`
	Error          string `json:"error"`
}

// postForm sends a signed order form to a URL and decodes the answer.
func postForm(t *testing.T, target, orderdata, signature string) (int, sandboxAnswer) {
	t.Helper()
	res, err := http.Post(target, "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"orderdata": {orderdata}, "hmacsignature": {signature}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var a sandboxAnswer
	_ = json.Unmarshal(b, &a)
	return res.StatusCode, a
}

// TestSandbox: the built-in partner endpoint verifies launches like a
// careful partner: signature, window, binding, and each order once.
func TestSandbox(t *testing.T) {
	ts := startServer(t, loopback)
	e := ts.newEnv("sandbox")
	var env struct{ ID string }
	ts.json("GET", "/v1/environment", e.SecretKey, "", &env)
	prod := ts.newProduct(e, "https://placeholder.example/")
	sandboxURL := ts.base + "/sandbox/" + env.ID + "/" + prod.ID + "?installationId=inst-1"
	ts.json("PATCH", "/v1/products/"+prod.ID, e.SecretKey, `{"order_url":"`+sandboxURL+`"}`, nil)
	oldSecret, _ := ts.newSecret(e, prod.ID, `{}`)
	_ = oldSecret

	// A test delivery reaches the sandbox and is accepted.
	r := ts.testOrder(e, prod.ID)
	if r.Delivery.Status != 200 || !strings.Contains(r.Delivery.Body, `"accepted":true`) || !strings.Contains(r.Delivery.Body, "Bjørn Ødegård") {
		t.Fatalf("test order to the sandbox: %+v", r.Delivery)
	}
	// The same order again is a replay.
	if code, a := postForm(t, sandboxURL, r.Order.Orderdata, r.Order.Signature); code != 401 || a.Error != "replayed" {
		t.Errorf("replay: %d %+v", code, a)
	}
	// An installation in the URL that differs from the signed one.
	var o struct {
		Orderdata string `json:"orderdata"`
		Signature string `json:"hmacsignature"`
	}
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`","installationId":"inst-1","user":{"name":"Kari"}}`, &o)
	if code, a := postForm(t, strings.Replace(sandboxURL, "inst-1", "inst-2", 1), o.Orderdata, o.Signature); code != 403 || a.Error != "binding_mismatch" {
		t.Errorf("binding: %d %+v", code, a)
	}
	// Rotation: during propagation the sandbox takes the new secret too;
	// an order signed before the switch keeps verifying until it expires.
	ts.newSecret(e, prod.ID, `{"propagation":"5m"}`)
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`","installationId":"inst-1","user":{"name":"Kari"}}`, &o)
	signedBefore := o
	ts.clock.Add(5 * time.Minute)
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`","installationId":"inst-1","user":{"name":"Kari"}}`, &o)
	if code, a := postForm(t, sandboxURL, o.Orderdata, o.Signature); code != 200 || a.KeyIndex != 0 {
		t.Errorf("order signed with the new secret: %d %+v", code, a)
	}
	if code, a := postForm(t, sandboxURL, signedBefore.Orderdata, signedBefore.Signature); code != 200 || a.KeyIndex != 1 {
		t.Errorf("order signed before the switch, inside its window: %d %+v", code, a)
	}
	if code, a := postForm(t, sandboxURL+"x", o.Orderdata, o.Signature); code != 403 {
		t.Errorf("installationId inst-1x: %d %+v", code, a)
	}
	var bad struct{ Error string }
	if code, _ := ts.do("POST", "/sandbox/"+env.ID+"/prod_nope", "", "application/x-www-form-urlencoded", "orderdata=x", &bad); code != 404 {
		t.Errorf("unknown product: %d", code)
	}
}
