package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/server"
)

// RouteInfo is a route of the server's table.
type RouteInfo = server.RouteInfo

func digest(t testing.TB, key, integration, connection string) string {
	t.Helper()
	d, err := connect.Digest(hmacgate.MustParseKey(key), integration, connection)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fillPath puts concrete values into a route pattern.
func fillPath(p string) string {
	return strings.NewReplacer("{integration}", "github", "{connection}", "user-1", "{connectionId}", "user-1",
		"{key}", "github", "{id}", "env_x").Replace(p)
}

// gateProbe is what a connect call on the route needs to create a
// connection, except a valid digest: the integration of the route's auth
// mode and a body with the credentials, in the route's shape.
func gateProbe(pattern, publicKey, connection string) (integration, body string) {
	switch {
	case strings.HasPrefix(pattern, "/nango/api-auth/basic/"):
		return "basic", `{"username":"u","password":"p"}`
	case strings.HasPrefix(pattern, "/nango/auth/unauthenticated/"):
		return "plain", ""
	case strings.HasPrefix(pattern, "/nango/"):
		return "github", `{"apiKey":"k"}`
	}
	return "github", `{"public_key":"` + publicKey + `","connection_id":"` + connection + `","credentials":{"api_key":"k"}}`
}

// TestGateOnEveryConnectionRoute walks the route table: every route marked
// as creating connections refuses a missing or wrong digest under enforce,
// no route at all creates a connection without a valid digest, and every
// marked route creates one with a valid digest (so the probes above were
// complete calls that only the gate stopped).
func TestGateOnEveryConnectionRoute(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("gate")
	if code, b := ts.json("POST", "/v1/integrations", e.SecretKey, `{"id":"basic","auth_mode":"basic"}`, nil); code != 201 {
		t.Fatalf("basic integration: %d %s", code, b)
	}
	key := ts.newKey(e, `{}`)
	ts.setMode(e, "enforce")
	other := hmacgate.GenerateKey().Reveal()

	var gated []RouteInfo
	for _, rt := range ts.d.Server().Routes() {
		integration, body := gateProbe(rt.Pattern, e.PublicKey, "user-1")
		path := fillPath(strings.Replace(rt.Pattern, "{integration}", integration, 1))
		// The request carries everything a connect call needs except a valid
		// digest, plus the environment's secret key.
		query := "?public_key=" + e.PublicKey + "&connection_id=user-1"
		for _, tc := range []struct{ name, query, want string }{
			{"missing", query, "missing_hmac"},
			{"wrong key", query + "&hmac=" + digest(t, other, integration, "user-1"), "invalid_hmac"},
			{"other connection", query + "&hmac=" + digest(t, key, integration, "user-2"), "invalid_hmac"},
			{"other integration", query + "&hmac=" + digest(t, key, "other", "user-1"), "invalid_hmac"},
		} {
			code, raw := ts.do(rt.Method, path+tc.query, e.SecretKey, "application/json", body, nil)
			if rt.CreatesConnection && (code != 401 || refusalCode(t, raw) != tc.want) {
				t.Errorf("%s %s (%s digest): got %d %s; want 401 %s", rt.Method, rt.Pattern, tc.name, code, raw, tc.want)
			}
		}
		if rt.CreatesConnection {
			gated = append(gated, rt)
		}
		if n := ts.connectionCount(e); n != 0 {
			t.Fatalf("%s %s created a connection without a valid digest", rt.Method, rt.Pattern)
		}
	}
	if len(gated) < 4 { // /v1/connect and the three Nango connect routes
		t.Fatalf("only %d routes are marked as creating connections", len(gated))
	}
	// And a valid digest passes the gate of each.
	for i, rt := range gated {
		conn := fmt.Sprintf("ok-%d", i)
		integration, body := gateProbe(rt.Pattern, e.PublicKey, conn)
		path := strings.Replace(rt.Pattern, "{integration}", integration, 1) +
			"?public_key=" + e.PublicKey + "&connection_id=" + conn + "&hmac=" + digest(t, key, integration, conn)
		if code, raw := ts.do(rt.Method, path, "", "application/json", body, nil); code/100 != 2 {
			t.Errorf("%s %s with a valid digest: %d %s", rt.Method, rt.Pattern, code, raw)
		}
	}
	if n := ts.connectionCount(e); n != len(gated) {
		t.Fatalf("%d connections after %d valid calls", n, len(gated))
	}
}

// TestEveryNonPublicRouteNeedsCredentials walks the route table with no
// token, a wrong token, and the other kind of token.
func TestEveryNonPublicRouteNeedsCredentials(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("auth")
	checked := 0
	for _, rt := range ts.d.Server().Routes() {
		if rt.Access == "public" || rt.Access == "session" {
			continue // session routes: TestEveryConsolePageNeedsASession
		}
		wrongKind := e.SecretKey
		if rt.Access == "environment" {
			wrongKind = ts.admin
		}
		for _, tok := range []string{"", "not-a-token", "sk_" + strings.Repeat("A", 43), wrongKind} {
			code, raw := ts.json(rt.Method, fillPath(rt.Pattern), tok, `{"name":"x","id":"x","mode":"off"}`, nil)
			if code != 401 || refusalCode(t, raw) != "unauthorized" {
				t.Errorf("%s %s with token %q: got %d %s; want 401 unauthorized", rt.Method, rt.Pattern, tok, code, raw)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d non-public routes", checked)
	}
}

// publicRoutes are the only routes anyone may call without credentials.
// A new public route must be added here on purpose.
var publicRoutes = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /sdk.js": true,
	"POST /v1/connect/{integration}": true, "OPTIONS /v1/connect/{integration}": true,
	"GET /launch/{correlationId}": true, "POST /v1/fiddle": true,
	"POST /sandbox/{env}/{product}": true, // a partner endpoint: the signed order is its credential
	// Nango's frontend SDK: the digest is the credential, as on /v1/connect.
	"POST /nango/api-auth/api-key/{integration}": true, "OPTIONS /nango/api-auth/api-key/{integration}": true,
	"POST /nango/api-auth/basic/{integration}": true, "OPTIONS /nango/api-auth/basic/{integration}": true,
	"POST /nango/auth/unauthenticated/{integration}": true, "OPTIONS /nango/auth/unauthenticated/{integration}": true,
	"GET /login": true, "POST /login": true, "GET /fiddle": true, "POST /fiddle": true,
	"GET /assets/{name}": true, // the console's stylesheet, script and icon
}

// TestEveryConsolePageNeedsASession walks the route table: every route
// that is not on the public list needs credentials, and every console
// page sends a visitor without a valid session to /login, even with the
// admin token as a bearer token or a forged, expired or logged-out
// session cookie. The paths name a real environment and product, so a
// missing check would render the page.
func TestEveryConsolePageNeedsASession(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("console")
	p := ts.newProduct(e, "https://partner.example/orders")
	b := ts.newBrowser()
	b.login()
	ended := b.session()
	b.logout()

	checked := 0
	for _, rt := range ts.d.Server().Routes() {
		name := rt.Method + " " + rt.Pattern
		if rt.Access == "public" {
			if !publicRoutes[name] {
				t.Errorf("%s is public but not on the list of public routes", name)
			}
			continue
		}
		if publicRoutes[name] {
			t.Errorf("%s is on the public list but needs %s", name, rt.Access)
		}
		if rt.Access != "session" {
			continue
		}
		path := consolePath(rt.Pattern, e.ID, p.ID)
		for _, tc := range []struct{ name, cookie, bearer string }{
			{"no session", "", ""},
			{"admin token as bearer", "", ts.admin},
			{"forged session", "hgs_" + strings.Repeat("A", 43), ""},
			{"logged-out session", ended, ""},
		} {
			code, loc := ts.noRedirect(rt.Method, path, tc.cookie, tc.bearer, url.Values{"csrf": {"x"}, "confirm": {"yes"}})
			if code != 303 || !strings.HasPrefix(loc, "/login") {
				t.Errorf("%s (%s): got %d to %q; want 303 to /login", name, tc.name, code, loc)
			}
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("only %d console routes", checked)
	}
	// The environment and the product are still there: nothing ran.
	if code, _ := ts.json("GET", "/v1/products/"+p.ID, e.SecretKey, "", nil); code != 200 {
		t.Fatalf("a console route without a session changed state: product gone (%d)", code)
	}
}

// TestEveryConsoleFormNeedsItsCSRFToken posts every console form with a
// valid session (or, for the public forms, the pre-session cookie) but
// without the form's token, with a wrong one, and from another site.
func TestEveryConsoleFormNeedsItsCSRFToken(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("csrf")
	p := ts.newProduct(e, "https://partner.example/orders")
	b := ts.newBrowser()
	b.login()
	checked := 0
	for _, rt := range ts.d.Server().Routes() {
		if rt.Method != "POST" || (rt.Access != "session" && !publicRoutes[rt.Method+" "+rt.Pattern]) || strings.HasPrefix(rt.Pattern, "/v1/") || strings.HasPrefix(rt.Pattern, "/nango/") ||
			strings.HasPrefix(rt.Pattern, "/sandbox/") { // a partner endpoint: cross-site POSTs of signed orders are its job
			continue
		}
		path := consolePath(rt.Pattern, e.ID, p.ID)
		right := b.csrf
		if rt.Access == "public" {
			right = b.preCSRF
		}
		form := url.Values{"confirm": {"yes"}, "name": {"x"}, "mode": {"off"}, "token": {ts.admin}, "secret": {"s"}}
		for _, tc := range []struct {
			name, csrf, origin string
		}{
			{"no token", "", ""},
			{"wrong token", "8aM0T5v1P2WBtolPy808jxr2PwlTxu77p2j5Cdd-IUI", ""},
			{"right token, other site", right, "https://evil.example"},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if tc.csrf != "" {
				f.Set("csrf", tc.csrf)
			}
			code, body := b.post(path, f, tc.origin)
			if code != 403 || !strings.Contains(body, "csrf_failed") {
				t.Errorf("POST %s (%s): got %d; want 403 csrf_failed", rt.Pattern, tc.name, code)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d console forms", checked)
	}
	if code, _ := ts.json("GET", "/v1/products/"+p.ID, e.SecretKey, "", nil); code != 200 {
		t.Fatal("a form without its token changed state")
	}
	if n := len(ts.environments()); n != 1 {
		t.Fatalf("a form without its token changed state: %d environments", n)
	}
}

func TestConnectModes(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("modes")
	// Mode off, no key: anything goes.
	if code, r := ts.connect(e, "plain", "a", "", ""); code != 201 {
		t.Fatalf("off: %d %+v", code, r)
	}
	// Switching on without a key is refused.
	var r refusal
	if code, _ := ts.json("PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"enforce"}`, &r); code != 409 || r.Error != "no_hmac_key" {
		t.Fatalf("enforce without key: %d %+v", code, r)
	}
	key := ts.newKey(e, `{}`)
	ts.setMode(e, "report")
	if code, r := ts.connect(e, "plain", "b", "", ""); code != 201 {
		t.Fatalf("report, missing: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "plain", "c", strings.Repeat("0", 64), ""); code != 201 {
		t.Fatalf("report, invalid: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "plain", "d", digest(t, key, "plain", "d"), ""); code != 201 {
		t.Fatalf("report, valid: %d %+v", code, r)
	}
	var rep struct {
		Valid, Missing, Invalid int64
		Verdict                 string
		Hours                   []struct{ Valid, Missing, Invalid int64 }
	}
	ts.json("GET", "/v1/hmac/report", e.SecretKey, "", &rep)
	if rep.Valid != 1 || rep.Missing != 1 || rep.Invalid != 1 || len(rep.Hours) != 24 || !strings.Contains(rep.Verdict, "would reject them") {
		t.Errorf("report: %+v", rep)
	}
	ts.setMode(e, "enforce")
	if code, r := ts.connect(e, "plain", "e", "", ""); code != 401 || r.Error != "missing_hmac" {
		t.Fatalf("enforce, missing: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "plain", "e", "zz", ""); code != 401 || r.Error != "invalid_hmac" {
		t.Fatalf("enforce, malformed: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "plain", "e", strings.ToUpper(digest(t, key, "plain", "e")), ""); code != 201 {
		t.Fatalf("enforce, valid uppercase: %d %+v", code, r)
	}
	// Query-string parameters, as the seed's SDK sends them.
	code, _ := ts.do("POST", "/v1/connect/plain?public_key="+e.PublicKey+"&connection_id=f&hmac="+digest(t, key, "plain", "f"), "", "", "", nil)
	if code != 201 {
		t.Fatalf("query parameters: %d", code)
	}
	// Form body.
	code, _ = ts.do("POST", "/v1/connect/plain", "", "application/x-www-form-urlencoded",
		"public_key="+e.PublicKey+"&connection_id=g&hmac="+digest(t, key, "plain", "g"), nil)
	if code != 201 {
		t.Fatalf("form body: %d", code)
	}
	// Unknown public key and unknown integration.
	if code, r := ts.connect(envCreds{PublicKey: "pk_nope"}, "plain", "h", "", ""); code != 401 {
		t.Errorf("unknown public key: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "nope", "h", digest(t, key, "nope", "h"), ""); code != 404 {
		t.Errorf("unknown integration: %d %+v", code, r)
	}
}

func TestConnectCredentials(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("creds")
	for _, tc := range []struct {
		name, integration, creds string
		want                     int
	}{
		{"api key", "github", `{"api_key":"secret-api-key-1"}`, 201},
		{"re-authorization", "github", `{"api_key":"secret-api-key-2"}`, 200},
		{"missing", "github", ``, 400},
		{"wrong shape", "github", `{"username":"u","password":"p"}`, 400},
		{"not strings", "github", `{"api_key":1}`, 400},
		{"none takes none", "plain", `{"api_key":"x"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, r := ts.connect(e, tc.integration, "user-1", "", tc.creds); code != tc.want {
				t.Errorf("got %d %+v; want %d", code, r, tc.want)
			}
		})
	}
	var c struct {
		Credentials map[string]string `json:"credentials"`
	}
	ts.json("GET", "/v1/connections/github/user-1?include_credentials=true", e.SecretKey, "", &c)
	if c.Credentials["api_key"] != "secret-api-key-2" {
		t.Errorf("stored credentials: %+v", c)
	}
	var plain map[string]any
	ts.json("GET", "/v1/connections/github/user-1", e.SecretKey, "", &plain)
	if _, ok := plain["credentials"]; ok {
		t.Error("credentials returned without include_credentials")
	}
}

// TestKeyRotation: a digest made with the retiring key is accepted until
// its time, then refused.
func TestKeyRotation(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("rotation")
	oldKey := ts.newKey(e, `{}`)
	ts.setMode(e, "enforce")
	newKey := ts.newKey(e, `{"retire_previous_at":"1h"}`)
	oldDigest := digest(t, oldKey, "plain", "u")
	if code, r := ts.connect(e, "plain", "u", oldDigest, ""); code != 201 {
		t.Fatalf("retiring key during its hour: %d %+v", code, r)
	}
	if code, r := ts.connect(e, "plain", "u", digest(t, newKey, "plain", "u"), ""); code != 200 {
		t.Fatalf("new key: %d %+v", code, r)
	}
	ts.clock.Add(time.Hour)
	if code, r := ts.connect(e, "plain", "u", oldDigest, ""); code != 401 || r.Error != "invalid_hmac" {
		t.Fatalf("retired key: %d %+v", code, r)
	}
	// "now" retires the previous key at once.
	newest := ts.newKey(e, `{"retire_previous_at":"now"}`)
	if code, _ := ts.connect(e, "plain", "u", digest(t, newKey, "plain", "u"), ""); code != 401 {
		t.Fatalf("key retired now still accepted: %d", code)
	}
	if code, _ := ts.connect(e, "plain", "u", digest(t, newest, "plain", "u"), ""); code != 200 {
		t.Fatalf("newest key: %d", code)
	}
	// A supplied key must be strong.
	var r refusal
	if code, _ := ts.json("POST", "/v1/hmac/keys", e.SecretKey, `{"key":"short"}`, &r); code != 400 {
		t.Errorf("weak supplied key: %d %+v", code, r)
	}
	supplied := hmacgate.GenerateKey().Reveal()
	if got := ts.newKey(e, `{"key":"`+supplied+`"}`); got != supplied {
		t.Errorf("supplied key: got %q", got)
	}
}

// TestNoSecretsInLogsOrResponses runs a whole flow with logs at debug level
// and checks that no key, secret, digest or credential shows up in any log
// line, nor in any response after the one that created it.
func TestNoSecretsInLogsOrResponses(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("leaks")
	key := ts.newKey(e, `{}`)
	ts.setMode(e, "report")
	created := ts.seen.String()
	ts.seen = &testenv.SyncBuffer{}
	d := digest(t, key, "github", "user-1")
	ts.connect(e, "github", "user-1", d, `{"api_key":"CREDENTIAL-api-key-value"}`)
	ts.connect(e, "github", "user-2", strings.Repeat("ab", 32), `{"api_key":"CREDENTIAL-api-key-value"}`)
	ts.do("POST", "/v1/connect/github?public_key="+e.PublicKey+"&connection_id=user-3&hmac="+d, "", "", "", nil)
	ts.setMode(e, "enforce")
	ts.connect(e, "github", "user-4", d, `{"api_key":"CREDENTIAL-api-key-value"}`)
	for _, p := range []string{"/v1/environment", "/v1/hmac/keys", "/v1/hmac/report", "/v1/connections", "/v1/environment/audit", "/v1/integrations"} {
		ts.json("GET", p, e.SecretKey, "", nil)
	}
	ts.json("GET", "/v1/environments", ts.admin, "", nil)
	ts.json("GET", "/v1/audit", ts.admin, "", nil)
	ts.do("GET", "/metrics", "", "", "", nil)
	if !strings.Contains(created, key) || !strings.Contains(created, e.SecretKey) {
		t.Fatal("the creating responses should show the key and the secret key once")
	}
	logs, later := ts.logs.String(), ts.seen.String()
	if !strings.Contains(logs, "would be refused under enforce") {
		t.Fatal("report mode did not log the would-be refusal; the log capture is not working")
	}
	for name, secret := range map[string]string{"hmac key": key, "secret key": e.SecretKey, "admin token": ts.admin,
		"digest": d, "credential": "CREDENTIAL-api-key-value"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the %s", name)
		}
		if strings.Contains(later, secret) {
			t.Errorf("a later response contains the %s", name)
		}
	}
}
