package proxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/proxy"
)

var (
	secretA  = "hgk_proxy-test-secret-A-0000000000000000000000"
	secretB  = "hgk_proxy-test-secret-B-1111111111111111111111"
	signedAt = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now      = signedAt.Add(2 * time.Second)
)

// testOrder is the order the tests send, with a user name that needs
// percent-encoding.
func testOrder(orderID string) order.OrderData {
	return order.OrderData{
		Timestamp:      signedAt.UnixMilli(),
		User:           order.User{ID: "u-42", Email: "kari.nordmann@example.no", Name: "Kari Ødegård 100%"},
		CorrelationID:  "corr-1",
		InstallationID: "inst-7",
		OrderID:        orderID,
	}
}

// signed returns the form body the platform sends for d, signed with secret.
func signed(t testing.TB, secret string, d order.OrderData) string {
	t.Helper()
	od, err := order.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return "orderdata=" + url.QueryEscape(string(od)) + "&hmacsignature=" + url.QueryEscape(order.Sign(hmacgate.MustParseKey(secret), od))
}

// upstream is the application behind the proxy; it records what arrives.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
	hold chan struct{} // when set, requests wait for it to close
}

type seen struct {
	method, path, query, body string
	header                    http.Header
}

func startUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		hold := u.hold
		u.mu.Unlock()
		if hold != nil {
			<-hold
		}
		_, _ = io.WriteString(w, "upstream ok")
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

// testProxy is a running proxy with its secret files and logs.
type testProxy struct {
	*proxy.Proxy
	dir  string
	logs *testenv.SyncBuffer
	url  string
}

// writeSecrets writes the secrets to files secret0, secret1, … in dir and
// returns their names.
func writeSecrets(t *testing.T, dir string, secrets ...string) []string {
	t.Helper()
	var files []string
	for i, s := range secrets {
		name := filepath.Join(dir, fmt.Sprint("secret", i))
		if err := os.WriteFile(name, []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	return files
}

func startProxy(t *testing.T, up *upstream, edit func(*proxy.Config)) *testProxy {
	t.Helper()
	tp := &testProxy{dir: t.TempDir(), logs: &testenv.SyncBuffer{}}
	u, _ := url.Parse(up.URL)
	cfg := proxy.Config{
		Listen:      "127.0.0.1:0",
		AdminListen: "127.0.0.1:0",
		Upstream:    u,
		SecretFiles: writeSecrets(t, tp.dir, secretA, ""), // no retiring secret yet
		Routes:      []string{"/orders/{installationId}"},
		Logger:      slog.New(slog.NewJSONHandler(tp.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:         func() time.Time { return now },
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	tp.Proxy, tp.url = p, "http://"+p.Addr().String()
	return tp
}

// postOrder POSTs a form body to the proxy.
func postOrder(t *testing.T, c *http.Client, target, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs // as given, not canonicalized
	}
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestForwardsVerifiedOrder(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	body := signed(t, secretA, testOrder("ord-1"))
	resp, got := postOrder(t, nil, p.url+"/orders/inst-7?source=next", body, nil)
	if resp.StatusCode != http.StatusOK || got != "upstream ok" {
		t.Fatalf("got %d %q", resp.StatusCode, got)
	}
	reqs := up.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream got %d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/orders/inst-7" || r.query != "source=next" {
		t.Errorf("upstream got %s %s?%s", r.method, r.path, r.query)
	}
	if r.body != body {
		t.Errorf("body changed on the way:\ngot  %q\nwant %q", r.body, body)
	}
	for name, want := range map[string]string{
		proxy.HeaderVerified:       "1",
		proxy.HeaderUserID:         "u-42",
		proxy.HeaderUserEmail:      "kari.nordmann@example.no",
		proxy.HeaderUserName:       "Kari%20%C3%98deg%C3%A5rd%20100%25",
		proxy.HeaderInstallationID: "inst-7",
		proxy.HeaderOrderID:        "ord-1",
		proxy.HeaderCorrelationID:  "corr-1",
		"Content-Type":             "application/x-www-form-urlencoded",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: %q; want %q", name, got, want)
		}
	}
	if name, err := url.PathUnescape(r.header.Get(proxy.HeaderUserName)); err != nil || name != "Kari Ødegård 100%" {
		t.Errorf("the user name decodes to %q, %v", name, err)
	}
	if r.header.Get("X-Forwarded-For") == "" {
		t.Error("no X-Forwarded-For")
	}

	// A chunked order arrives unchanged too, with its length.
	body = signed(t, secretA, testOrder("ord-2"))
	req, _ := http.NewRequest(http.MethodPost, p.url+"/orders/inst-7", io.MultiReader(strings.NewReader(body)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, got := do(t, nil, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("chunked: %d %s", resp.StatusCode, got)
	}
	if r := up.requests()[1]; r.body != body || r.header.Get("X-Hmacgate-Order-Id") != "ord-2" {
		t.Errorf("chunked: upstream got %q with order %q", r.body, r.header.Get("X-Hmacgate-Order-Id"))
	}
}

// proxyRefusalCases are requests the proxy must refuse without a word to
// the upstream; together they cover every refusal code of the proxy.
func proxyRefusalCases(t *testing.T) []struct {
	name   string
	method string
	path   string
	ct     string
	body   string
	first  bool
	guard  hmacgate.ReplayGuard
	want   *hmacgate.Error
} {
	good := signed(t, secretA, testOrder("ord-1"))
	at := func(d time.Duration, id string) string {
		o := testOrder(id)
		o.Timestamp = now.Add(d).UnixMilli()
		return signed(t, secretA, o)
	}
	sign := func(od string) string {
		return "orderdata=" + url.QueryEscape(od) + "&hmacsignature=" + url.QueryEscape(order.Sign(hmacgate.MustParseKey(secretA), []byte(od)))
	}
	const form, path = "application/x-www-form-urlencoded", "/orders/inst-7"
	ts := fmt.Sprint(now.UnixMilli())
	return []struct {
		name   string
		method string
		path   string
		ct     string
		body   string
		first  bool
		guard  hmacgate.ReplayGuard
		want   *hmacgate.Error
	}{
		{name: "GET", method: "GET", path: path, want: hmacgate.ErrMethodNotAllowed},
		{name: "JSON", method: "POST", path: path, ct: "application/json", body: good, want: hmacgate.ErrUnsupportedMediaType},
		{name: "too large", method: "POST", path: path, ct: form, body: good + "&x=" + strings.Repeat("a", 64<<10), want: hmacgate.ErrBodyTooLarge},
		{name: "no orderdata", method: "POST", path: path, ct: form, body: "a=b", want: hmacgate.ErrMissingOrderdata},
		{name: "no signature", method: "POST", path: path, ct: form, body: strings.Split(good, "&")[0], want: hmacgate.ErrMissingSignature},
		{name: "hex signature", method: "POST", path: path, ct: form, body: strings.Split(good, "&")[0] + "&hmacsignature=" + strings.Repeat("0f", 32), want: hmacgate.ErrMalformedSignature},
		{name: "other secret", method: "POST", path: path, ct: form, body: signed(t, secretB, testOrder("ord-1")), want: hmacgate.ErrSignatureMismatch},
		{name: "not an object", method: "POST", path: path, ct: form, body: sign(`"x"`), want: hmacgate.ErrMalformedOrderdata},
		{name: "duplicate key", method: "POST", path: path, ct: form, body: sign(`{"hmacTimestamp":` + ts + `,"installationId":"inst-7","installationId":"inst-8"}`), want: hmacgate.ErrDuplicateField},
		{name: "no timestamp", method: "POST", path: path, ct: form, body: sign(`{"installationId":"inst-7"}`), want: hmacgate.ErrMissingTimestamp},
		{name: "expired", method: "POST", path: path, ct: form, body: at(-6*time.Minute, "ord-2"), want: hmacgate.ErrTimestampExpired},
		{name: "in future", method: "POST", path: path, ct: form, body: at(2*time.Minute, "ord-3"), want: hmacgate.ErrTimestampInFuture},
		{name: "other installation", method: "POST", path: "/orders/inst-8", ct: form, body: good, want: hmacgate.ErrBindingMismatch},
		{name: "replayed", method: "POST", path: path, ct: form, body: good, first: true, want: hmacgate.ErrReplayed},
		{name: "guard down", method: "POST", path: path, ct: form, body: good, guard: downGuard{}, want: hmacgate.ErrUnavailable},
		{name: "outside the routes", method: "POST", path: "/admin/delete", ct: form, body: good, want: proxy.ErrNoRoute},
	}
}

type downGuard struct{}

func (downGuard) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, fmt.Errorf("redis: connection refused")
}

func TestRefusals(t *testing.T) {
	cases := proxyRefusalCases(t)
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.want.Code()] = true
	}
	for _, e := range []*hmacgate.Error{
		hmacgate.ErrMethodNotAllowed, hmacgate.ErrUnsupportedMediaType, hmacgate.ErrBodyTooLarge,
		hmacgate.ErrMissingOrderdata, hmacgate.ErrMissingSignature, hmacgate.ErrMalformedSignature,
		hmacgate.ErrSignatureMismatch, hmacgate.ErrMalformedOrderdata, hmacgate.ErrDuplicateField,
		hmacgate.ErrMissingTimestamp, hmacgate.ErrTimestampExpired, hmacgate.ErrTimestampInFuture,
		hmacgate.ErrBindingMismatch, hmacgate.ErrReplayed, hmacgate.ErrUnavailable, proxy.ErrNoRoute,
	} {
		if !covered[e.Code()] {
			t.Errorf("no case for %s", e.Code())
		}
	}
	up := startUpstream(t)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, up, func(c *proxy.Config) { c.Replay = tt.guard })
			before := len(up.requests())
			send := func() (*http.Response, string) {
				req, _ := http.NewRequest(tt.method, p.url+tt.path, strings.NewReader(tt.body))
				if tt.ct != "" {
					req.Header.Set("Content-Type", tt.ct)
				}
				return do(t, nil, req)
			}
			if tt.first {
				if resp, b := send(); resp.StatusCode != http.StatusOK {
					t.Fatalf("first: %d %s", resp.StatusCode, b)
				}
				before++
			}
			resp, b := send()
			if resp.StatusCode != tt.want.Status() {
				t.Errorf("status %d; want %d: %s", resp.StatusCode, tt.want.Status(), b)
			}
			var got struct{ Error, Message string }
			if err := json.Unmarshal([]byte(b), &got); err != nil || got.Error != tt.want.Code() || got.Message == "" {
				t.Errorf("body %q; want error %q", b, tt.want.Code())
			}
			if n := len(up.requests()); n != before {
				t.Errorf("a refused request reached the upstream (%d requests; want %d)", n, before)
			}
			if strings.Contains(b, "connection refused") {
				t.Errorf("the guard's error leaked into the response: %s", b)
			}
		})
	}
}

func TestStripsSpoofedHeaders(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, func(c *proxy.Config) { c.Routes = nil })
	spoof := http.Header{
		"X-Hmacgate-Verified":        {"1"},
		"X-Hmacgate-User-Email":      {"attacker@evil.example"},
		"x-hmacgate-user-id":         {"admin"},
		"X-HMACGATE-ORDER-ID":        {"forged"},
		"X_Hmacgate_User_Name":       {"forged"},
		"x_hmacgate_installation_id": {"forged"},
		"X-Hmacgate-Role":            {"admin"},
	}
	// A refused request with spoofed headers: nothing reaches the upstream.
	if resp, _ := postOrder(t, nil, p.url+"/", "orderdata=x", spoof); resp.StatusCode == http.StatusOK {
		t.Fatal("a forged request was accepted")
	}
	if n := len(up.requests()); n != 0 {
		t.Fatalf("a refused request reached the upstream")
	}
	// A verified order with spoofed headers: only the proxy's values arrive.
	resp, b := postOrder(t, nil, p.url+"/", signed(t, secretA, testOrder("ord-1")), spoof)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	h := up.requests()[0].header
	for name, vs := range h {
		if !strings.HasPrefix(strings.ToLower(strings.ReplaceAll(name, "_", "-")), "x-hmacgate-") {
			continue
		}
		if len(vs) != 1 {
			t.Errorf("%s arrived %d times: %q", name, len(vs), vs)
		}
		switch name {
		case proxy.HeaderVerified, proxy.HeaderUserID, proxy.HeaderUserEmail, proxy.HeaderUserName,
			proxy.HeaderInstallationID, proxy.HeaderOrderID, proxy.HeaderCorrelationID:
		default:
			t.Errorf("spoofed header %s: %q reached the upstream", name, vs)
		}
	}
	for _, name := range []string{proxy.HeaderUserEmail, proxy.HeaderUserID, proxy.HeaderOrderID, proxy.HeaderUserName, proxy.HeaderInstallationID} {
		if v := h.Get(name); v == "forged" || v == "admin" || strings.Contains(v, "evil") {
			t.Errorf("%s = %q: a spoofed value reached the upstream", name, v)
		}
	}
}

// TestLargeBodyRefusedUnread: a 10 MB body is refused with 413 and never
// reaches the upstream. In-process, a counting reader shows how much was
// read; over TCP, the client is answered before it could send it all.
func TestLargeBodyRefusedUnread(t *testing.T) {
	const size = 10 << 20
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	good := signed(t, secretA, testOrder("ord-1"))
	for _, tt := range []struct {
		name    string
		length  int64
		maxRead int64
	}{
		{"declared Content-Length", size, 0},
		{"chunked", -1, order.DefaultMaxBody + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingReader{prefix: good + "&pad=", remain: size}
			r := httptest.NewRequest(http.MethodPost, "/orders/inst-7", src)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.ContentLength = tt.length
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)
			if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "body_too_large") {
				t.Fatalf("got %d %s; want 413 body_too_large", w.Code, w.Body)
			}
			if got := src.n.Load(); got > tt.maxRead {
				t.Errorf("read %d bytes of %d; want at most %d", got, size, tt.maxRead)
			}
		})
	}
	t.Run("over TCP", func(t *testing.T) {
		// The proxy's handler on a listener that counts what the server
		// reads from the connection.
		srv := httptest.NewUnstartedServer(p)
		counted := &countingListener{Listener: srv.Listener}
		srv.Listener = counted
		srv.Start()
		src := &countingReader{prefix: good + "&pad=", remain: size}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/orders/inst-7", src)
		req.ContentLength = int64(len(src.prefix)) + size
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, b := do(t, &http.Client{Transport: &http.Transport{}}, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %d %s; want 413", resp.StatusCode, b)
		}
		srv.Close() // waits for the connection to end
		t.Logf("the server read %d bytes of %d", counted.read.Load(), req.ContentLength)
		if got := counted.read.Load(); got >= 1<<20 {
			t.Errorf("the server read %d bytes of a %d-byte request; want under 1 MiB", got, req.ContentLength)
		}
	})
	if n := len(up.requests()); n != 0 {
		t.Errorf("the upstream got %d requests", n)
	}
}

// countingReader yields prefix, then remain bytes of 'x', counting them.
type countingReader struct {
	prefix string
	remain int64
	n      atomic.Int64
	off    int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.off < len(c.prefix) {
		n := copy(p, c.prefix[c.off:])
		c.off += n
		c.n.Add(int64(n))
		return n, nil
	}
	if c.remain == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), c.remain)
	for i := int64(0); i < n; i += int64(copy(p[i:n], xs[:])) {
	}
	c.remain -= n
	c.n.Add(n)
	return int(n), nil
}

// TestRotationByReload: add the new secret, reload, both are accepted; remove
// the old one, reload, its orders are refused. The client's connection is
// the same throughout: a reload closes none.
func TestRotationByReload(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	var conns atomic.Int32 // new connections
	n := 0
	send := func(secret string) (int, string) {
		n++
		req, _ := http.NewRequest(http.MethodPost, p.url+"/orders/inst-7", strings.NewReader(signed(t, secret, testOrder(fmt.Sprint("ord-", n)))))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) {
				if !i.Reused {
					conns.Add(1)
				}
			},
		}))
		resp, b := do(t, client, req)
		return resp.StatusCode, b
	}
	if code, b := send(secretA); code != 200 {
		t.Fatalf("secret A before rotation: %d %s", code, b)
	}
	writeSecrets(t, p.dir, secretB, secretA) // the regenerated secret first
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secretA, secretB} {
		if code, b := send(s); code != 200 {
			t.Errorf("during rotation: %d %s", code, b)
		}
	}
	if err := os.Remove(filepath.Join(p.dir, "secret1")); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err == nil {
		t.Fatal("reload with a missing file succeeded")
	}
	if code, _ := send(secretA); code != 200 {
		t.Error("a failed reload dropped the secrets in use")
	}
	writeSecrets(t, p.dir, secretB, "") // the old secret's counter fell to zero: remove it
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, b := send(secretA); code != http.StatusUnauthorized || !strings.Contains(b, "signature_mismatch") {
		t.Errorf("old secret after removal: %d %s; want 401 signature_mismatch", code, b)
	}
	if code, _ := send(secretB); code != 200 {
		t.Error("new secret after removal refused")
	}
	if c := conns.Load(); c != 1 {
		t.Errorf("the client opened %d connections; want 1 (reloads must not close connections)", c)
	}
	metrics := scrape(t, p)
	for _, want := range []string{
		`hmacgate_order_outcomes_total{outcome="accepted",secret="0"} 3`,
		`hmacgate_order_outcomes_total{outcome="accepted",secret="1"} 2`,
		`hmacgate_order_outcomes_total{outcome="signature_mismatch",secret="none"} 1`,
		`hmacgate_proxy_secret_reloads_total{result="error"} 1`,
		`hmacgate_proxy_secret_reloads_total{result="ok"} 2`,
		`hmacgate_proxy_secrets 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func scrape(t *testing.T, p *testProxy) string {
	t.Helper()
	resp, b := do(t, nil, mustGet(t, "http://"+p.AdminAddr().String()+"/metrics"))
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	return b
}

func mustGet(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestHealthzAndAdmin(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	for _, u := range []string{p.url + "/healthz", "http://" + p.AdminAddr().String() + "/healthz"} {
		resp, b := do(t, nil, mustGet(t, u))
		if resp.StatusCode != 200 || b != "ok\n" {
			t.Errorf("%s: %d %q", u, resp.StatusCode, b)
		}
	}
	// /metrics is on the admin address only.
	if resp, _ := do(t, nil, mustGet(t, p.url+"/metrics")); resp.StatusCode == 200 {
		t.Error("/metrics is served on the proxy's address")
	}
	if m := scrape(t, p); !strings.Contains(m, "go_goroutines") || !strings.Contains(m, "hmacgate_order_outcomes_total") {
		t.Error("/metrics lacks the runtime or the order metrics")
	}
	if len(up.requests()) != 0 {
		t.Error("health checks reached the upstream")
	}
}

func TestUpstreamDown(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	up.Close()
	resp, b := postOrder(t, nil, p.url+"/orders/inst-7", signed(t, secretA, testOrder("ord-1")), nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(b, `"upstream_unavailable"`) {
		t.Errorf("got %d %s; want 502 upstream_unavailable", resp.StatusCode, b)
	}
	if !strings.Contains(scrape(t, p), "hmacgate_proxy_upstream_errors_total 1") {
		t.Error("the upstream error was not counted")
	}
}

// TestConcurrentReplay: 64 clients send the same order at once; exactly one
// reaches the upstream.
func TestConcurrentReplay(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	body := signed(t, secretA, testOrder("ord-1"))
	var ok atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, p.url+"/orders/inst-7", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ok.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || len(up.requests()) != 1 {
		t.Fatalf("accepted %d, upstream got %d; want 1 and 1", ok.Load(), len(up.requests()))
	}
}

// TestLogsHoldNoSecrets sends accepted and refused orders and checks that
// the logs hold no secret, signature, body or user name or e-mail.
func TestLogsHoldNoSecrets(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up, nil)
	d := testOrder("ord-1")
	good := signed(t, secretA, d)
	postOrder(t, nil, p.url+"/orders/inst-7", good, nil)
	postOrder(t, nil, p.url+"/orders/inst-7", good, nil) // replayed
	postOrder(t, nil, p.url+"/orders/inst-7", signed(t, secretB, d), nil)
	postOrder(t, nil, p.url+"/orders/inst-8", good, nil)
	od, _ := order.Marshal(d)
	logs := p.logs.String()
	if !strings.Contains(logs, "order forwarded") || !strings.Contains(logs, "order refused") {
		t.Fatalf("logs lack the requests:\n%s", logs)
	}
	sig := order.Sign(hmacgate.MustParseKey(secretA), od)
	for _, leak := range []string{secretA, secretB, sig, url.QueryEscape(sig), d.User.Email, d.User.Name, string(od), url.QueryEscape(string(od))} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs hold %q", leak)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	files := writeSecrets(t, dir, secretA)
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up, _ := url.Parse("http://127.0.0.1:3000")
	for _, tt := range []struct {
		name string
		edit func(*proxy.Config)
		want string
	}{
		{"no upstream", func(c *proxy.Config) { c.Upstream = nil }, "upstream"},
		{"relative upstream", func(c *proxy.Config) { c.Upstream = &url.URL{Path: "/x"} }, "upstream"},
		{"ftp upstream", func(c *proxy.Config) { c.Upstream = &url.URL{Scheme: "ftp", Host: "x"} }, "scheme"},
		{"no secrets", func(c *proxy.Config) { c.SecretFiles = nil }, "secret"},
		{"missing file", func(c *proxy.Config) { c.SecretFiles = []string{filepath.Join(dir, "nope")} }, "no such file"},
		{"empty first file", func(c *proxy.Config) { c.SecretFiles = []string{empty, files[0]} }, "empty"},
		{"route without slash", func(c *proxy.Config) { c.Routes = []string{"orders/{installationId}"} }, "starting with /"},
		{"conflicting routes", func(c *proxy.Config) { c.Routes = []string{"/o/{a}", "/o/{b}"} }, "routes"},
		{"negative max age", func(c *proxy.Config) { c.MaxAge = -time.Second }, "negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := proxy.Config{Upstream: up, SecretFiles: files}
			tt.edit(&cfg)
			_, err := proxy.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error about %q", err, tt.want)
			}
		})
	}
}

// xs fills the bodies of countingReader.
var xs = [32 << 10]byte{}

func init() {
	for i := range xs {
		xs[i] = 'x'
	}
}

// countingListener counts the bytes read from its connections.
type countingListener struct {
	net.Listener
	read atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, read: &l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}
