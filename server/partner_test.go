package server_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/replay"
)

var loopback = netip.MustParsePrefix("127.0.0.0/8")

type productView struct {
	ID              string     `json:"id"`
	HMACEnabled     bool       `json:"hmac_enabled"`
	SigningSecretID string     `json:"signing_secret_id"`
	SwitchAt        *time.Time `json:"switch_at"`
	Warning         string     `json:"warning"`
	Secrets         []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"secrets"`
}

func (ts *testServer) newProduct(e envCreds, orderURL string) productView {
	ts.t.Helper()
	var p productView
	if code, b := ts.json("POST", "/v1/products", e.SecretKey, `{"name":"Fotografering","order_url":"`+orderURL+`"}`, &p); code != 201 {
		ts.t.Fatalf("create product: %d %s", code, b)
	}
	return p
}

func (ts *testServer) newSecret(e envCreds, productID, body string) (string, productView) {
	ts.t.Helper()
	var out struct {
		Secret  string      `json:"secret"`
		Product productView `json:"product"`
	}
	if code, b := ts.json("POST", "/v1/products/"+productID+"/secrets", e.SecretKey, body, &out); code != 201 {
		ts.t.Fatalf("create secret: %d %s", code, b)
	}
	return out.Secret, out.Product
}

// partner is a test partner: it verifies orders with the order
// middleware, as a partner mounts it (installationId bound to the URL,
// replay claims on), and records what it saw.
type partner struct {
	*httptest.Server
	mu     sync.Mutex
	v      *order.Verifier
	guard  hmacgate.ReplayGuard
	orders []*order.Order
	errs   []string
}

func newPartner(t *testing.T, ts *testServer, secrets ...string) *partner {
	p := &partner{guard: replay.NewMemory(0)}
	p.setSecrets(ts, secrets...)
	welcome := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, _ := order.FromContext(r.Context())
		p.mu.Lock()
		p.orders = append(p.orders, o)
		p.mu.Unlock()
		w.Write([]byte("welcome " + o.User.Name))
	})
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		v := p.v
		p.mu.Unlock()
		v.Middleware(welcome).ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *partner) setSecrets(ts *testServer, secrets ...string) {
	keys := make([]hmacgate.Key, len(secrets))
	for i, s := range secrets {
		keys[i] = hmacgate.MustParseKey(s)
	}
	v := order.NewVerifier(hmacgate.MustNewKeyring(keys[0], keys[1:]...))
	v.Now = ts.clock.Now
	v.Replay = p.guard // one guard across secret changes, as a running partner has
	v.OnRefuse = func(w http.ResponseWriter, r *http.Request, err error) {
		p.mu.Lock()
		p.errs = append(p.errs, hmacgate.ErrorCode(err))
		p.mu.Unlock()
		hmacgate.WriteError(w, err)
	}
	v = v.Bind("installationId", func(r *http.Request) string { return r.URL.Query().Get("installationId") })
	p.mu.Lock()
	p.v = v
	p.mu.Unlock()
}

type testOrderResult struct {
	Order struct {
		CorrelationID string `json:"correlationId"`
		Orderdata     string `json:"orderdata"`
		Signature     string `json:"hmacsignature"`
	} `json:"order"`
	Delivery struct {
		Status  int    `json:"status"`
		Body    string `json:"body"`
		Latency int64  `json:"latency_ms"`
		Error   string `json:"error"`
	} `json:"delivery"`
}

func (ts *testServer) testOrder(e envCreds, productID string) testOrderResult {
	ts.t.Helper()
	var r testOrderResult
	body := `{"installationId":"inst-1","user":{"id":"u-1","email":"bjorn@example.no","name":"Bjørn Ødegård 😀"}}`
	if code, b := ts.json("POST", "/v1/products/"+productID+"/test-order", e.SecretKey, body, &r); code != 200 {
		ts.t.Fatalf("test order: %d %s", code, b)
	}
	return r
}

// TestLaunchRoundTrip: a test order from the server reaches a partner that
// verifies it, and the partner sees the user and the IDs.
func TestLaunchRoundTrip(t *testing.T) {
	ts := startServer(t, loopback)
	e := ts.newEnv("partner")
	var p *partner
	secret := ""
	p = newPartner(t, ts, "placeholder-secret-replaced-below-000000000")
	prod := ts.newProduct(e, p.URL+"/orders?installationId=inst-1")
	secret, _ = ts.newSecret(e, prod.ID, `{}`)
	p.setSecrets(ts, secret)
	r := ts.testOrder(e, prod.ID)
	if r.Delivery.Status != 200 || r.Delivery.Body != "welcome Bjørn Ødegård 😀" {
		t.Fatalf("delivery: %+v (partner errors %v)", r.Delivery, p.errs)
	}
	o := p.orders[0]
	if o.User.Email != "bjorn@example.no" || o.InstallationID != "inst-1" || o.CorrelationID != r.Order.CorrelationID ||
		o.OrderURL != p.URL+"/orders?installationId=inst-1" || o.Timestamp != ts.clock.Now().UnixMilli() {
		t.Errorf("the partner saw %+v", o.OrderData)
	}
	var launches struct {
		Launches []struct{ CorrelationID, Kind, Result string }
	}
	ts.json("GET", "/v1/launches", e.SecretKey, "", &launches)
	if len(launches.Launches) != 1 || launches.Launches[0].Kind != "test" || launches.Launches[0].Result != "200 OK" {
		t.Errorf("launch log: %+v", launches)
	}
}

// TestOrderBytes: orders are what the seed specifies, byte for byte.
func TestOrderBytes(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("bytes")
	prod := ts.newProduct(e, "https://partner.example/orders")
	secret, _ := ts.newSecret(e, prod.ID, `{}`)
	var o struct {
		CorrelationID string `json:"correlationId"`
		OrderURL      string `json:"orderUrl"`
		Orderdata     string `json:"orderdata"`
		Signature     string `json:"hmacsignature"`
		LaunchURL     string `json:"launchUrl"`
	}
	body := `{"productId":"` + prod.ID + `","installationId":"inst-7","orderId":"o-1","estateId":"e-1","departmentId":"d-1",
		"departmentOrganizationNumber":"987654321","user":{"id":"u-1","email":"kari@example.no","name":"Kåre Ødegård"}}`
	if code, b := ts.json("POST", "/v1/orders", e.SecretKey, body, &o); code != 201 {
		t.Fatalf("create order: %d %s", code, b)
	}
	want := `{"hmacTimestamp":` + strconvI(ts.clock.Now().UnixMilli()) + `,"currentUserId":"u-1","currentUserEmail":"kari@example.no",` +
		`"currentUserName":"Kåre Ødegård","correlationId":"` + o.CorrelationID + `","orderUrl":"https://partner.example/orders",` +
		`"installationId":"inst-7","orderId":"o-1","estateId":"e-1","departmentId":"d-1","departmentOrganizationNumber":"987654321"}`
	if o.Orderdata != want {
		t.Errorf("orderdata:\ngot  %s\nwant %s", o.Orderdata, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(o.CorrelationID) {
		t.Errorf("correlationId %q is not a UUID v4", o.CorrelationID)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(o.Signature)
	if err != nil || len(raw) != 32 || len(o.Signature) != 44 {
		t.Errorf("signature %q is not padded standard base64 of 32 bytes", o.Signature)
	}
	if o.Signature != order.Sign(hmacgate.MustParseKey(secret), []byte(want)) {
		t.Error("the signature is not HMAC-SHA256 of the orderdata's UTF-8 bytes")
	}
	if !strings.Contains(o.Orderdata, "Kåre Ødegård") {
		t.Error("the Norwegian name is not raw UTF-8 in orderdata")
	}

	// The launch link: a page that posts exactly these fields, once.
	res, err := http.Get(ts.base + o.LaunchURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "form-action https://partner.example;") || !strings.Contains(csp, "script-src 'sha256-") ||
		!strings.Contains(csp, "default-src 'none'") {
		t.Errorf("launch page: %d, CSP %q", res.StatusCode, csp)
	}
	form := parseHiddenFields(t, string(page))
	if form.Get("orderdata") != want || form.Get("hmacsignature") != o.Signature {
		t.Errorf("the page's form does not carry the order: %v", form)
	}
	if !strings.Contains(string(page), `action="https://partner.example/orders"`) || !strings.Contains(string(page), "<button") {
		t.Errorf("no form action or fallback button:\n%s", page)
	}
	if res, _ := http.Get(ts.base + o.LaunchURL); res.StatusCode != 410 {
		t.Errorf("a launch link worked twice: %d", res.StatusCode)
	}

	// Accept: text/html answers with the page at once.
	req, _ := http.NewRequest("POST", ts.base+"/v1/orders", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.SecretKey)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || parseHiddenFields(t, string(page)).Get("orderdata") == "" {
		t.Errorf("Accept: text/html: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// parseHiddenFields reads the hidden inputs of the launch page as the
// browser would submit them.
func parseHiddenFields(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	re := regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	return v
}

// TestSecretRotationEndToEnd follows the seed's propagation: during it the
// old secret still signs, after it the new one does, and orders signed
// before the switch keep verifying under the old secret until they expire.
func TestSecretRotationEndToEnd(t *testing.T) {
	ts := startServer(t, loopback)
	e := ts.newEnv("rotation")
	p := newPartner(t, ts, "placeholder-secret-replaced-below-000000000")
	prod := ts.newProduct(e, p.URL+"/orders?installationId=inst-1")
	oldSecret, view := ts.newSecret(e, prod.ID, `{}`)
	if view.Secrets[0].Status != "signing" || view.SwitchAt != nil {
		t.Fatalf("first secret: %+v", view)
	}
	p.setSecrets(ts, oldSecret)
	if r := ts.testOrder(e, prod.ID); r.Delivery.Status != 200 {
		t.Fatalf("before rotation: %+v", r.Delivery)
	}
	newSecret, view := ts.newSecret(e, prod.ID, `{"propagation":"5m"}`)
	if view.Secrets[0].Status != "propagating" || view.Secrets[1].Status != "propagating" || view.SwitchAt == nil ||
		!view.SwitchAt.Equal(ts.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("during propagation: %+v", view)
	}
	// During propagation a verifier with the old secret alone still accepts.
	r := ts.testOrder(e, prod.ID)
	if r.Delivery.Status != 200 {
		t.Fatalf("during propagation, old-secret partner: %+v %v", r.Delivery, p.errs)
	}
	signedBeforeSwitch := r.Order
	ts.clock.Add(5 * time.Minute)
	var pv productView
	ts.json("GET", "/v1/products/"+prod.ID, e.SecretKey, "", &pv)
	if pv.Secrets[0].Status != "signing" || pv.Secrets[1].Status != "retired" || pv.SwitchAt != nil {
		t.Fatalf("after propagation: %+v", pv)
	}
	// After propagation: a verifier with both accepts; one with only the new accepts.
	p.setSecrets(ts, newSecret, oldSecret)
	if r := ts.testOrder(e, prod.ID); r.Delivery.Status != 200 {
		t.Fatalf("after, both secrets: %+v", r.Delivery)
	}
	p.setSecrets(ts, newSecret)
	if r := ts.testOrder(e, prod.ID); r.Delivery.Status != 200 {
		t.Fatalf("after, new secret only: %+v", r.Delivery)
	}
	// An order signed before the switch still verifies under the old secret
	// until it expires (it is 5 minutes old now: the edge of the window).
	v := order.NewVerifier(hmacgate.MustNewKeyring(hmacgate.MustParseKey(newSecret), hmacgate.MustParseKey(oldSecret)))
	v.Now = ts.clock.Now
	form := url.Values{"orderdata": {signedBeforeSwitch.Orderdata}, "hmacsignature": {signedBeforeSwitch.Signature}}
	if o, err := v.Verify(form); err != nil || o.KeyIndex != 1 {
		t.Fatalf("pre-switch order under the old secret: %v", err)
	}
	ts.clock.Add(time.Millisecond)
	if _, err := v.Verify(form); hmacgate.ErrorCode(err) != "timestamp_expired" {
		t.Fatalf("pre-switch order after its window: %v", err)
	}
}

func TestProductHMACSwitch(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("switch")
	prod := ts.newProduct(e, "https://partner.example/orders")
	if !prod.HMACEnabled || prod.Warning == "" {
		t.Errorf("new product: HMAC should be on with a reminder to make a secret: %+v", prod)
	}
	var r refusal
	if code, _ := ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`"}`, &r); code != 409 || r.Error != "no_product_secret" {
		t.Errorf("order without a secret: %d %+v", code, r)
	}
	var pv productView
	ts.json("PATCH", "/v1/products/"+prod.ID, e.SecretKey, `{"hmac_enabled":false}`, &pv)
	if pv.HMACEnabled || !strings.Contains(pv.Warning, "unsigned") {
		t.Errorf("switching HMAC off must warn: %+v", pv)
	}
	var o struct {
		Signature string `json:"hmacsignature"`
	}
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`"}`, &o)
	if o.Signature != "" {
		t.Error("an order was signed with HMAC off")
	}
	pv = productView{}
	ts.json("PATCH", "/v1/products/"+prod.ID, e.SecretKey, `{"hmac_enabled":true}`, &pv)
	if !pv.HMACEnabled || pv.Warning != "" {
		t.Errorf("switching HMAC on: %+v", pv)
	}
	for _, bad := range []string{`{"order_url":"ftp://x"}`, `{"order_url":"/relative"}`, `{"order_url":"https://user:pw@x"}`, `{"name":""}`} {
		if code, _ := ts.json("PATCH", "/v1/products/"+prod.ID, e.SecretKey, bad, nil); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
}

// TestDeliveryGuard: the server-side request forgery guard.
func TestDeliveryGuard(t *testing.T) {
	ts := startServer(t) // no private range allowed
	e := ts.newEnv("ssrf")
	allowedTS := startServer(t, loopback)
	ae := allowedTS.newEnv("ssrf-allowed")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("other host")) }))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 127.0.0.1 and localhost are different hosts to the guard.
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1), http.StatusFound)
	}))
	defer redirect.Close()
	for _, tc := range []struct {
		name, url string
		srv       *testServer
		env       envCreds
		want      string
	}{
		// Order URLs are https (plain http only to allowed ranges): the guard
		// refuses at the dial, before any TLS.
		{"cloud metadata", "https://169.254.169.254/latest/meta-data/", ts, e, "link-local"},
		{"ipv6 link-local", "https://[fe80::1]/orders", ts, e, "link-local"},
		{"loopback name", "https://localhost:9/orders", ts, e, "private address"},
		{"private address", "https://10.1.2.3/orders", ts, e, "private address"},
		{"NAT64 metadata", "https://[64:ff9b::a9fe:a9fe]/", allowedTS, ae, "link-local"},
		{"metadata even when private ranges are allowed", "https://169.254.169.254/", allowedTS, ae, "link-local"},
		{"redirect to another host", redirect.URL + "/orders", allowedTS, ae, "another host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prod := tc.srv.newProduct(tc.env, tc.url)
			tc.srv.json("PATCH", "/v1/products/"+prod.ID, tc.env.SecretKey, `{"hmac_enabled":false}`, nil)
			var r refusal
			code, _ := tc.srv.json("POST", "/v1/products/"+prod.ID+"/test-order", tc.env.SecretKey, ``, &r)
			if code != 400 || r.Error != "delivery_refused" || !strings.Contains(r.Message, tc.want) {
				t.Errorf("got %d %+v; want 400 delivery_refused mentioning %q", code, r, tc.want)
			}
		})
	}
}

// TestOrderURLHosts: a host that could end a CSP directive, or carries an
// IPv6 zone (which hides the address from prefix tests), is refused when the
// product is saved; the dial-time guard refuses zones too (TestGuardAddress).
func TestOrderURLHosts(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("hosts")
	for _, u := range []string{"http://[::1%25lo]:9/orders", "https://partner.example;script-src/x", "https://partner.example'/"} {
		body, _ := json.Marshal(map[string]string{"name": "p", "order_url": u})
		if code, b := ts.json("POST", "/v1/products", e.SecretKey, string(body), nil); code != 400 {
			t.Errorf("%s: %d %s", u, code, b)
		}
	}
}

func TestFiddle(t *testing.T) {
	ts := startServer(t)
	secret := hmacgate.GenerateKey()
	od := `{"hmacTimestamp":` + strconvI(ts.clock.Now().UnixMilli()) + `,"installationId":"inst-1","currentUserName":"Bjørn"}`
	sig := order.Sign(secret, []byte(od))
	pretty := "{\n  \"hmacTimestamp\": " + strconvI(ts.clock.Now().UnixMilli()) + ",\n  \"installationId\": \"inst-1\",\n  \"currentUserName\": \"Bjørn\"\n}"
	type verdict struct {
		Valid    bool     `json:"valid"`
		Code     string   `json:"code"`
		Findings []string `json:"findings"`
		KeyIndex int      `json:"key_index"`
		Order    *struct {
			InstallationID string `json:"installationId"`
		} `json:"order"`
	}
	body := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }
	var ok verdict
	ts.json("POST", "/v1/fiddle", "", body(map[string]any{"secrets": []string{secret.Reveal()}, "orderdata": od, "hmacsignature": sig}), &ok)
	if !ok.Valid || ok.Order == nil || ok.Order.InstallationID != "inst-1" {
		t.Errorf("valid order: %+v", ok)
	}
	var bad verdict
	ts.json("POST", "/v1/fiddle", "", body(map[string]any{"secrets": []string{secret.Reveal()}, "orderdata": pretty, "hmacsignature": sig}), &bad)
	if bad.Valid || bad.Code != "signature_mismatch" || !strings.Contains(strings.Join(bad.Findings, " "), "re-serialized") {
		t.Errorf("re-serialized orderdata: %+v", bad)
	}
	var whole verdict
	form := url.Values{"orderdata": {od}, "hmacsignature": {sig}}.Encode()
	ts.json("POST", "/v1/fiddle", "", body(map[string]any{"secrets": []string{"hgk_other-secret-0000000000000000000000000", secret.Reveal()},
		"body": form, "expect": map[string]string{"installationId": "inst-1"}}), &whole)
	if !whole.Valid || whole.KeyIndex != 1 {
		t.Errorf("whole body, second secret: %+v", whole)
	}
	var late verdict
	ts.json("POST", "/v1/fiddle", "", body(map[string]any{"secrets": []string{secret.Reveal()}, "orderdata": od, "hmacsignature": sig,
		"now": ts.clock.Now().Add(time.Hour).Format(time.RFC3339)}), &late)
	if late.Code != "timestamp_expired" {
		t.Errorf("now in an hour: %+v", late)
	}
	if strings.Contains(ts.logs.String(), secret.Reveal()) || strings.Contains(ts.logs.String(), sig) {
		t.Error("the fiddle logged a secret or a signature")
	}
	// Rate limited per client: the burst is 10.
	limited := false
	for range 15 {
		var r refusal
		if code, _ := ts.json("POST", "/v1/fiddle", "", body(map[string]any{"secrets": []string{"x"}, "orderdata": "{}", "hmacsignature": "x"}), &r); code == 429 {
			limited = r.Error == "rate_limited"
			break
		}
	}
	if !limited {
		t.Error("the fiddle is not rate-limited")
	}
}

func strconvI(v int64) string { return strings.TrimSpace(strings.Replace(jsonNumber(v), "\n", "", -1)) }

func jsonNumber(v int64) string { b, _ := json.Marshal(v); return string(b) }

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#43;", "+").Replace(s)
}
