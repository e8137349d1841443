package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// redirectOf posts a form that must answer with a redirect
// (post/redirect/get) and returns where it leads.
func (b *consoleClient) redirectOf(path string, form url.Values) string {
	b.ts.t.Helper()
	req, _ := http.NewRequest("POST", b.ts.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.ts.t.Fatalf("POST %s: %d, not a redirect: %s", path, res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

// submit posts a form and follows its redirect: it returns where it led
// and that page.
func (b *consoleClient) submit(path string, form url.Values) (location, page string) {
	b.ts.t.Helper()
	location = b.redirectOf(path, form)
	code, page := b.get(location)
	if code != 200 {
		b.ts.t.Fatalf("POST %s led to %s: %d", path, location, code)
	}
	return location, html.UnescapeString(page)
}

// form is a console form with the session's token.
func (b *consoleClient) form(kv ...string) url.Values {
	v := url.Values{"csrf": {b.csrf}}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// mustContain fails unless page contains every one of want.
func mustContain(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Fatalf("%s lacks %q", what, w)
		}
	}
}

var onceValue = regexp.MustCompile(`id="once-value">([^<]+)<`)

// TestConsoleWithoutJavaScript runs the console's forms as a browser
// without JavaScript would: every post answers with a redirect, refusals
// come back on the form's page in the form's words with its values, a new
// key or secret is shown once on the page the redirect leads to, and a
// reload repeats nothing.
func TestConsoleWithoutJavaScript(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	b.login()
	form := b.form
	_, page := b.submit("/environments", form("name", "  "))
	mustContain(t, "empty name", page, "Name is required: use one line of 1 to 100 characters.")
	long := strings.Repeat("n", 5000)
	_, page = b.submit("/environments", form("name", long))
	mustContain(t, "long name", page, "Name is longer than 100 characters (it has 5000): shorten it.", `value="`+long+`"`)
	loc, page := b.submit("/environments", form("name", "nojs"))
	m := regexp.MustCompile(`^/environments/(env_[^?]+)\?shown=`).FindStringSubmatch(loc)
	sk := onceValue.FindStringSubmatch(page)
	if m == nil || sk == nil || !strings.HasPrefix(sk[1], "sk_") {
		t.Fatalf("create led to %s without the secret key", loc)
	}
	base, env := "/environments/"+m[1], envCreds{SecretKey: sk[1]}
	// Reloading the page shows the key no more and creates nothing.
	if _, again := b.get(loc); strings.Contains(again, "once-value") || !strings.Contains(again, "is not shown again") {
		t.Fatal("a reload shows the secret key again, or does not say why it is gone")
	}
	if n := len(ts.environments()); n != 1 {
		t.Fatalf("%d environments after a reload", n)
	}
	_, page = b.submit("/environments", form("name", "nojs"))
	mustContain(t, "repeated name", page, `An environment named "nojs" exists already: choose another name.`)

	// Switching HMAC on without a key is refused on the settings page.
	code, loc := ts.noRedirect("GET", base+"/mode?mode=enforce", b.session(), "", nil)
	if _, page = b.get(loc); code != 303 || !strings.Contains(page, "The environment has no HMAC key: make one under “HMAC key”") {
		t.Fatalf("enforce without a key: %d to %s", code, loc)
	}
	// A pasted key must be long enough, and is used exactly as typed.
	_, page = b.submit(base+"/keys", form("source", "paste", "key", "short"))
	mustContain(t, "short key", page, "Your key is shorter than 32 bytes (it has 5): use a key of at least 32 bytes, or choose “Generate a key”.",
		`value="paste" id="source-paste" checked`)
	pasted := " a pasted key with spaces, 32+ bytes long, kept as is "
	loc, page = b.submit(base+"/keys", form("source", "paste", "key", pasted))
	if got := onceValue.FindStringSubmatch(page); got == nil || got[1] != pasted {
		t.Fatalf("pasted key shown as %q", got)
	}
	if _, again := b.get(loc); strings.Contains(html.UnescapeString(again), pasted) {
		t.Fatal("the pasted key is shown again on a reload")
	}
	var keys struct{ Keys []json.RawMessage }
	if ts.json("GET", "/v1/hmac/keys", env.SecretKey, "", &keys); len(keys.Keys) != 1 {
		t.Fatalf("%d keys after a reload of the key's page; want 1", len(keys.Keys))
	}
	// The mode form asks first (a GET), stating the consequence; only the
	// confirmation switches, and a post without it is sent to the question.
	code, page = b.get(base + "/mode?mode=enforce")
	mustContain(t, "mode question", page, "will be refused with 401")
	if code != 200 {
		t.Fatalf("mode question: %d", code)
	}
	loc, _ = b.submit(base+"/mode", form("mode", "enforce"))
	if loc != base+"/mode?mode=enforce" {
		t.Fatalf("an unconfirmed mode post led to %s", loc)
	}
	if _, page = b.get(base); !strings.Contains(page, "HMAC off") {
		t.Fatal("the mode changed without confirmation")
	}
	_, page = b.submit(base+"/mode", form("mode", "enforce", "confirm", "yes"))
	mustContain(t, "after enforce", page, "HMAC enforce", "connect calls without a valid digest are refused")
	pk := regexp.MustCompile(`id="public-key">(pk_[^<]+)<`).FindStringSubmatch(page)[1]
	// The environment's key signs digests that the gate accepts.
	_, page = b.submit(base+"/integrations", form("id", "CRM:1", "name", "CRM"))
	mustContain(t, "bad integration ID", page, "ID contains ':'", `value="CRM:1"`, `value="CRM"`)
	_, page = b.submit(base+"/integrations", form("id", "crm"))
	mustContain(t, "integration", page, `The integration "crm" was added.`)
	if code, r := ts.connect(envCreds{PublicKey: pk}, "crm", "u", digest(t, pasted, "crm", "u"), ""); code != 201 {
		t.Fatalf("connect with the pasted key: %d %+v", code, r)
	}
	// The audit table and the demo say things in words.
	ts.json("POST", "/v1/integrations", env.SecretKey, `{"id":"billing","name":"Billing"}`, nil)
	_, page = b.get(base)
	mustContain(t, "audit table", html.UnescapeString(page), `title="connect">a connect call<`, `>your backend<`, `>admin<`)
	_, page = b.get(base + "/demo")
	mustContain(t, "demo", page, `data-auth="none">crm</option>`, `data-auth="none">billing (Billing)</option>`)
	consoleProducts(t, b, base)
	consoleDelete(t, b, base)
	if logs := ts.logs.String(); strings.Contains(logs, pasted) {
		t.Error("the logs contain the pasted key")
	}
}

// consoleProducts: the partner portal's forms without JavaScript.
func consoleProducts(t *testing.T, b *consoleClient, base string) {
	form := b.form
	_, page := b.submit(base+"/products", form("name", "Metadata", "order_url", "ftp://x", "hmac_enabled", "on"))
	mustContain(t, "bad order URL", page, "Order URL must be an absolute https address", `value="ftp://x"`)
	loc, page := b.submit(base+"/products", form("name", "Metadata", "order_url", "https://169.254.169.254/latest", "hmac_enabled", "on"))
	mustContain(t, "new product", page, "Generate its secret now")
	pid := regexp.MustCompile(`/products/(prod_[^/]+)/credentials`).FindStringSubmatch(loc)[1]
	product := base + "/products/" + pid
	_, page = b.submit(product+"/test-order", form())
	mustContain(t, "test order without a secret", page, "HMAC is on for this product but it has no secret yet")
	loc, page = b.submit(product+"/credentials", form())
	secret := onceValue.FindStringSubmatch(page)
	if secret == nil || !strings.HasPrefix(secret[1], "hgk_") {
		t.Fatal("the new secret is not shown")
	}
	if _, again := b.get(loc); strings.Contains(again, secret[1]) {
		t.Fatal("the secret is shown again on a reload")
	}
	_, page = b.submit(product+"/test-order", form("installationId", "i-1"))
	mustContain(t, "test order to the metadata address", page, "link-local", `value="i-1"`)
	_, page = b.get(base + "/launches")
	mustContain(t, "launch log", page, "delivery_refused")
	// Launching a test order leads to its single-use launch link.
	loc, page = b.submit(product+"/launch", form("installationId", "i-2"))
	if !strings.HasPrefix(loc, "/launch/") || !strings.Contains(page, `action="https://169.254.169.254/latest"`) {
		t.Fatalf("launch led to %s", loc)
	}
	if code, _ := b.get(loc); code != 410 {
		t.Fatalf("the launch link opened twice: %d", code)
	}
	_, page = b.get(base + "/launches")
	if got := html.UnescapeString(page); !strings.Contains(got, ">opened <span") || strings.Contains(got, "opened opened") {
		t.Fatal("the launch log does not say once that the launch was opened")
	}
	// Switching a product's HMAC off asks first.
	loc, page = b.submit(product, form("name", "Metadata", "order_url", "https://partner.example/o"))
	mustContain(t, "HMAC off question", page, "cannot tell them from forged ones", `value="https://partner.example/o"`)
	if !strings.HasPrefix(loc, product+"/hmac-off?") {
		t.Fatalf("HMAC off without confirmation led to %s", loc)
	}
	_, page = b.submit(product, form("name", "Metadata", "order_url", "https://partner.example/o", "confirm", "yes"))
	mustContain(t, "HMAC off", page, "unsigned", `value="https://partner.example/o"`)
}

// consoleDelete: deleting an environment asks first.
func consoleDelete(t *testing.T, b *consoleClient, base string) {
	if code, page := b.get(base + "/delete"); code != 200 || !strings.Contains(page, "This cannot be undone") {
		t.Fatalf("delete question: %d", code)
	}
	if loc, _ := b.submit(base+"/delete", b.form()); loc != base+"/delete" {
		t.Fatalf("an unconfirmed delete led to %s", loc)
	}
	if len(b.ts.environments()) != 1 {
		t.Fatal("deleted without confirmation")
	}
	_, page := b.submit(base+"/delete", b.form("confirm", "yes"))
	mustContain(t, "deleted", page, `The environment "nojs" was deleted.`)
	if len(b.ts.environments()) != 0 {
		t.Fatal("not deleted")
	}
	if code, _ := b.get(base); code != 404 {
		t.Fatalf("a deleted environment's page: %d", code)
	}
}

// TestFiddleWithoutJavaScript: the public fiddle form, without a session.
func TestFiddleWithoutJavaScript(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	code, page := b.get("/fiddle")
	if code != 200 || !strings.Contains(page, `name="secret" type="password"`) || !strings.Contains(page, `name="previous" type="password"`) {
		t.Fatalf("fiddle page: %d, or its secrets are not password fields", code)
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
			for _, sec := range tc.form["secret"] {
				if strings.Contains(page, sec) {
					t.Error("the result page shows the secret again")
				}
			}
		})
	}
	if strings.Contains(ts.logs.String(), secret.Reveal()) {
		t.Error("the logs contain the fiddle's secret")
	}
}

// TestShownOnce: a new secret travels from the form's post to its page in
// a flash that is sealed in the store (the URL holds only its ID), that
// only the session that made it can open, and that exactly one of several
// loads at once shows.
func TestShownOnce(t *testing.T) {
	ts := startServer(t)
	b := ts.newBrowser()
	b.login()
	redirectOf := func(name string) string {
		t.Helper()
		return b.redirectOf("/environments", b.form("name", name))
	}
	loc := redirectOf("sealed")
	_, id, ok := strings.Cut(loc, "?shown=")
	if !ok {
		t.Fatalf("redirect %q names no flash", loc)
	}
	h := sha256.Sum256([]byte(b.session()))
	stored, err := ts.d.Store().Setting(context.Background(), "console_flash:"+hex.EncodeToString(h[:16])+":"+id)
	if err != nil {
		t.Fatalf("the flash is not in the store: %v", err)
	}
	if bytes.Contains(stored, []byte("sk_")) || bytes.Contains(stored, []byte(`"secret"`)) {
		t.Fatal("the flash is stored in the clear")
	}
	// Another session cannot open it, and does not use it up.
	other := ts.newBrowser()
	other.login()
	if _, page := other.get(loc); strings.Contains(page, "once-value") {
		t.Fatal("another session sees the secret key")
	}
	if _, page := b.get(loc); !strings.Contains(page, `id="once-value">sk_`) {
		t.Fatal("the session that made it does not see the secret key")
	}
	// Of several loads at once, one shows it.
	loc = redirectOf("race")
	var wg sync.WaitGroup
	var shown atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", ts.base+loc, nil)
			req.AddCookie(&http.Cookie{Name: "hmacgate_session", Value: b.session()})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if bytes.Contains(page, []byte(`id="once-value"`)) {
				shown.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := shown.Load(); n != 1 {
		t.Fatalf("%d of 8 loads at once showed the secret key; want 1", n)
	}
	// A flash that waited too long is gone.
	loc = redirectOf("late")
	ts.clock.Add(11 * time.Minute)
	if _, page := b.get(loc); strings.Contains(page, "once-value") || !strings.Contains(page, "not shown again") {
		t.Fatal("an expired flash is shown")
	}
}
