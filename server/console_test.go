package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/server"
)

// consoleClient is a cookie-keeping HTTP client that signs in to the
// console like a browser without JavaScript, and does not follow
// redirects, so tests see them.
type consoleClient struct {
	ts      *testServer
	c       *http.Client
	csrf    string // the session's form token
	preCSRF string // the public forms' token
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (ts *testServer) newBrowser() *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{ts: ts, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a page and returns its status and body.
func (b *consoleClient) get(path string) (int, string) {
	b.ts.t.Helper()
	res, err := b.c.Get(b.ts.base + path)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// post sends a form, with an Origin header when origin is not "".
func (b *consoleClient) post(path string, form url.Values, origin string) (int, string) {
	b.ts.t.Helper()
	req, _ := http.NewRequest("POST", b.ts.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// login signs in with the admin token and keeps the session's form token.
func (b *consoleClient) login() {
	b.ts.t.Helper()
	code, page := b.get("/login")
	m := csrfInput.FindStringSubmatch(page)
	if code != 200 || m == nil {
		b.ts.t.Fatalf("login page: %d", code)
	}
	b.preCSRF = m[1]
	if code, body := b.post("/login", url.Values{"csrf": {b.preCSRF}, "token": {b.ts.admin}}, ""); code != 303 {
		b.ts.t.Fatalf("login: %d %s", code, body)
	}
	code, page = b.get("/environments")
	m = csrfInput.FindStringSubmatch(page)
	if code != 200 || m == nil {
		b.ts.t.Fatalf("environments page after login: %d", code)
	}
	b.csrf = m[1]
}

// session returns the session cookie's value.
func (b *consoleClient) session() string {
	u, _ := url.Parse(b.ts.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "hmacgate_session" {
			return c.Value
		}
	}
	return ""
}

func (b *consoleClient) logout() {
	b.ts.t.Helper()
	if code, body := b.post("/logout", url.Values{"csrf": {b.csrf}}, ""); code != 303 {
		b.ts.t.Fatalf("logout: %d %s", code, body)
	}
}

// noRedirect sends a request with an optional session cookie and bearer
// token and returns the status and the redirect's target.
func (ts *testServer) noRedirect(method, path, session, bearer string, form url.Values) (int, string) {
	ts.t.Helper()
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, ts.base+path, body)
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "hmacgate_session", Value: session})
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// consolePath fills a console route pattern with real IDs.
func consolePath(pattern, envID, productID string) string {
	return strings.NewReplacer("{$}", "", "{env}", envID, "{product}", productID, "{name}", "console.css").Replace(pattern)
}

func (ts *testServer) environments() []envCreds {
	ts.t.Helper()
	var out struct {
		Environments []envCreds `json:"environments"`
	}
	ts.json("GET", "/v1/environments", ts.admin, "", &out)
	return out.Environments
}

// TestConsoleSession: the session cookie's attributes, the login's
// redirect back, and that a session ends with logout and with a reset of
// the admin token.
func TestConsoleSession(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	code, loc := ts.noRedirect("GET", "/environments?x=1", "", "", nil)
	if code != 303 || loc != "/login?next=%2Fenvironments%3Fx%3D1" {
		t.Fatalf("no session: %d %q", code, loc)
	}
	_, page := b.get("/login")
	pre := csrfInput.FindStringSubmatch(page)[1]
	if code, body := b.post("/login", url.Values{"csrf": {pre}, "token": {"hga_wrong"}}, ""); code != 401 || !strings.Contains(body, "not the admin token") {
		t.Fatalf("wrong token: %d", code)
	}
	req, _ := http.NewRequest("POST", ts.base+"/login", strings.NewReader(url.Values{"csrf": {pre}, "token": {ts.admin}, "next": {"/environments?x=1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u, _ := url.Parse(ts.base)
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 || res.Header.Get("Location") != "/environments?x=1" {
		t.Fatalf("login: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var set string
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "hmacgate_session=") {
			set = v
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure: %q", set)
	}
	// Behind a TLS proxy the cookie is Secure.
	b2 := ts.newBrowser()
	_, page = b2.get("/login")
	pre2 := csrfInput.FindStringSubmatch(page)[1]
	req, _ = http.NewRequest("POST", ts.base+"/login", strings.NewReader(url.Values{"csrf": {pre2}, "token": {ts.admin}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	for _, c := range b2.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	res, err = b2.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("session cookie under TLS is not Secure: %q", sc)
	}

	// Log in for real, then see the session end with logout.
	c := ts.newBrowser()
	c.login()
	sess := c.session()
	if code, _ := ts.noRedirect("GET", "/environments", sess, "", nil); code != 200 {
		t.Fatalf("live session: %d", code)
	}
	c.logout()
	if code, _ := ts.noRedirect("GET", "/environments", sess, "", nil); code != 303 {
		t.Fatalf("session survived logout: %d", code)
	}
	// Sessions expire.
	c.login()
	sess = c.session()
	ts.clock.Add(8*3600e9 + 1)
	if code, _ := ts.noRedirect("GET", "/environments", sess, "", nil); code != 303 {
		t.Fatalf("session survived its expiry: %d", code)
	}
	// A new admin token ends the sessions opened with the old one.
	c.login()
	sess = c.session()
	if _, err := server.ResetAdminToken(context.Background(), ts.d.Store()); err != nil {
		t.Fatal(err)
	}
	if code, _ := ts.noRedirect("GET", "/environments", sess, "", nil); code != 303 {
		t.Fatalf("session survived an admin token reset: %d", code)
	}
	// Neither the admin token nor a session token is in the logs.
	if logs := ts.logs.String(); strings.Contains(logs, ts.admin) || strings.Contains(logs, sess) {
		t.Error("logs contain the admin token or a session token")
	}
}

// TestConsoleWithoutJavaScript runs the console's forms as a browser
// without JavaScript would: plain form posts and redirects.
func TestConsoleWithoutJavaScript(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	b.login()
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {b.csrf}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	code, page := b.post("/environments", form("name", "  "), "")
	if code != 400 || !strings.Contains(page, "name is required") {
		t.Fatalf("empty name: %d", code)
	}
	code, page = b.post("/environments", form("name", "nojs"), "")
	if code != 201 || !regexp.MustCompile(`id="once-value">sk_`).MatchString(page) {
		t.Fatalf("create: %d", code)
	}
	envID := regexp.MustCompile(`href="/environments/(env_[^"]+)"`).FindStringSubmatch(page)[1]
	base := "/environments/" + envID

	// Switching HMAC on without a key is refused on the page.
	if code, page = b.post(base+"/mode", form("mode", "enforce"), ""); code != 409 || !strings.Contains(page, "no HMAC key") {
		t.Fatalf("enforce without a key: %d", code)
	}
	// A pasted key must be long enough, and is used exactly as typed.
	if code, page = b.post(base+"/keys", form("source", "paste", "key", "short"), ""); code != 400 || !strings.Contains(page, "at least 32 bytes") {
		t.Fatalf("short key: %d", code)
	}
	pasted := " a pasted key with spaces, 32+ bytes long, kept as is "
	if code, page = b.post(base+"/keys", form("source", "paste", "key", pasted), ""); code != 201 || !strings.Contains(html.UnescapeString(page), ">"+pasted+"<") {
		t.Fatalf("pasted key: %d", code)
	}
	if _, page = b.get(base); strings.Contains(html.UnescapeString(page), pasted) {
		t.Fatal("the pasted key is shown again")
	}
	// The mode form asks first, stating the consequence; only the
	// confirmation switches.
	if code, page = b.post(base+"/mode", form("mode", "enforce"), ""); code != 200 || !strings.Contains(page, "will be refused with 401") {
		t.Fatalf("mode without confirmation: %d", code)
	}
	if _, page = b.get(base); !strings.Contains(page, "HMAC off") {
		t.Fatal("the mode changed without confirmation")
	}
	if code, _ = b.post(base+"/mode", form("mode", "enforce", "confirm", "yes"), ""); code != 303 {
		t.Fatalf("confirmed mode: %d", code)
	}
	if _, page = b.get(base + "?done=mode-enforce"); !strings.Contains(page, "HMAC enforce") || !strings.Contains(page, "connect calls without a valid digest are refused") {
		t.Fatal("the mode did not change")
	}
	// The environment's key signs digests that the gate accepts.
	if code, _ = b.post(base+"/integrations", form("id", "crm"), ""); code != 303 {
		t.Fatalf("add integration: %d", code)
	}
	if code, r := ts.connect(envCreds{PublicKey: regexp.MustCompile(`id="public-key">(pk_[^<]+)<`).FindStringSubmatch(page)[1]},
		"crm", "u", digest(t, pasted, "crm", "u"), ""); code != 201 {
		t.Fatalf("connect with the pasted key: %d %+v", code, r)
	}

	// Products: the SSRF guard's refusal shows on the product page.
	code, page = b.post(base+"/products", form("name", "Metadata", "order_url", "https://169.254.169.254/latest", "hmac_enabled", "on"), "")
	if code != 303 {
		t.Fatalf("add product: %d %s", code, page)
	}
	_, page = b.get(base + "/products")
	pid := regexp.MustCompile(`/products/(prod_[^"/]+)"`).FindStringSubmatch(page)[1]
	if code, page = b.post(base+"/products/"+pid+"/test-order", form(), ""); code != 409 || !strings.Contains(page, "has no secret yet") {
		t.Fatalf("test order without a secret: %d", code)
	}
	if code, _ = b.post(base+"/products/"+pid+"/credentials", form(), ""); code != 201 {
		t.Fatalf("generate secret: %d", code)
	}
	if code, page = b.post(base+"/products/"+pid+"/test-order", form("installationId", "i-1"), ""); code != 400 || !strings.Contains(page, "link-local") {
		t.Fatalf("test order to the metadata address: %d", code)
	}
	_, page = b.get(base + "/launches")
	if !strings.Contains(page, "delivery_refused") {
		t.Error("the refused delivery is not in the launch log")
	}
	// Switching a product's HMAC off asks first.
	if code, page = b.post(base+"/products/"+pid, form("name", "Metadata", "order_url", "https://partner.example/o"), ""); code != 200 || !strings.Contains(page, "cannot tell them from forged ones") {
		t.Fatalf("HMAC off without confirmation: %d", code)
	}
	if code, _ = b.post(base+"/products/"+pid, form("name", "Metadata", "order_url", "https://partner.example/o", "confirm", "yes"), ""); code != 303 {
		t.Fatalf("HMAC off: %d", code)
	}

	// Delete the environment, confirmed.
	if code, _ = b.post(base+"/delete", form(), ""); code != 200 {
		t.Fatalf("delete without confirmation: %d", code)
	}
	if len(ts.environments()) != 1 {
		t.Fatal("deleted without confirmation")
	}
	if code, _ = b.post(base+"/delete", form("confirm", "yes"), ""); code != 303 || len(ts.environments()) != 0 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ = b.get(base); code != 404 {
		t.Fatalf("a deleted environment's page: %d", code)
	}
	if logs := ts.logs.String(); strings.Contains(logs, pasted) {
		t.Error("the logs contain the pasted key")
	}
}

// TestFiddleWithoutJavaScript: the public fiddle form, without a session.
func TestFiddleWithoutJavaScript(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	code, page := b.get("/fiddle")
	if code != 200 {
		t.Fatalf("fiddle page: %d", code)
	}
	tok := csrfInput.FindStringSubmatch(page)[1]
	secret := hmacgate.GenerateKey()
	od := `{"hmacTimestamp":` + strconv.FormatInt(ts.clock.Now().UnixMilli(), 10) + `,"installationId":"inst-1","currentUserName":"Ærlig Åse"}`
	sig := order.Sign(secret, []byte(od))
	body := url.Values{"orderdata": {od}, "hmacsignature": {sig}}.Encode()
	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"valid", url.Values{"secret": {secret.Reveal()}, "orderdata": {od}, "hmacsignature": {sig}}, []string{"Valid", "Ærlig Åse"}},
		{"whole body", url.Values{"secret": {secret.Reveal()}, "body": {body + "\r\n"}}, []string{"Valid"}},
		{"old secret first", url.Values{"secret": {hmacgate.GenerateKey().Reveal()}, "previous": {secret.Reveal()}, "body": {body}}, []string{"Valid", "previous secret"}},
		{"binding", url.Values{"secret": {secret.Reveal()}, "body": {body}, "installationId": {"inst-2"}}, []string{"binding_mismatch"}},
		{"CRLF from a textarea", url.Values{"secret": {secret.Reveal()}, "orderdata": {strings.ReplaceAll(od, ",", ",\r\n")}, "hmacsignature": {sig}}, []string{"signature_mismatch", "whitespace removed"}},
		{"expired", url.Values{"secret": {secret.Reveal()}, "body": {body}, "now": {"2027-01-01T00:00:00Z"}}, []string{"timestamp_expired"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{"csrf": {tok}}
			for k, v := range tc.form {
				f[k] = v
			}
			code, page := b.post("/fiddle", f, "")
			if code != 200 {
				t.Fatalf("got %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(html.UnescapeString(page), w) {
					t.Errorf("the result lacks %q", w)
				}
			}
		})
	}
	if strings.Contains(ts.logs.String(), secret.Reveal()) {
		t.Error("the logs contain the fiddle's secret")
	}
}
