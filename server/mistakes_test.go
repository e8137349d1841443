package server_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/server"
)

// The route-mistake table: every route of Server.Routes() is called with
// the mistakes people make — no credentials, the other kind of credential,
// an Authorization header that is not "Bearer", a method the path does not
// take, an empty body, [], {}, a 5000-character field, malformed JSON, an
// unknown field, the wrong content type, a console form without its token
// — and each answer must name the problem: the status and the words a
// person needs to fix it.

// bodyKind is what a route's body is.
type bodyKind int

const (
	noBody       bodyKind = iota
	jsonBody              // a JSON object (decodeJSON)
	connectBody           // the connect call: query, form or JSON
	orderBody             // a signed order form (the sandbox)
	consoleForm           // a console form
	nangoConnect          // @nangohq/frontend's connect call: the query, and credentials in a JSON body
)

// routeSpec says what a route takes, for the mistakes about its body.
type routeSpec struct {
	body bodyKind
	// empty are the words of the answer to an empty body (and {} and an
	// empty form); "" means an empty body is valid.
	empty string
	// long is a body (or form, or for nangoConnect a query string) with a
	// 5000-character field (x5000 stands for it), and longWants the words
	// of its refusal.
	long, longWants string
}

// x5000 in a spec's body stands for 5000 characters.
const x5000 = "{x5000}"

// routeSpecs list every route: a route missing here fails the test, so a
// new route is added with what it takes.
var routeSpecs = map[string]routeSpec{
	"GET /healthz":                      {},
	"GET /readyz":                       {},
	"GET /sdk.js":                       {},
	"OPTIONS /v1/connect/{integration}": {},
	"GET /launch/{correlationId}":       {},
	"POST /v1/connect/{integration}": {body: connectBody, empty: "needs the environment's public_key",
		long: `{"public_key":"{pk}","connection_id":"{x5000}"}`, longWants: "connection_id is longer than 256 bytes (it has 5000)"},
	"POST /v1/fiddle": {body: jsonBody, empty: "secrets must hold 1 to 5 secrets (it has 0)",
		long: `{"secrets":["s"],"now":"{x5000}"}`, longWants: "now must be an RFC 3339 time or Unix milliseconds"},
	"POST /sandbox/{env}/{product}": {body: orderBody, empty: "no orderdata field",
		long: "orderdata={x5000}", longWants: "no hmacsignature field"},

	"POST /v1/environments": {body: jsonBody, empty: "name is required",
		long: `{"name":"{x5000}"}`, longWants: "name is longer than 100 characters (it has 5000)"},
	"GET /v1/environments":         {},
	"GET /v1/environments/{id}":    {},
	"DELETE /v1/environments/{id}": {},
	"GET /v1/audit":                {},
	// A valid call (an empty body is one) would rotate the table's secret
	// key; the credential and method mistakes still run.
	"POST /v1/environments/{id}/secret-key": {},

	"GET /v1/environment":             {},
	"POST /v1/environment/secret-key": {}, // as above
	"POST /v1/integrations": {body: jsonBody, empty: "id is required",
		long: `{"id":"{x5000}"}`, longWants: "id is longer than 64 characters (it has 5000)"},
	"GET /v1/integrations":                              {},
	"GET /v1/connections":                               {},
	"GET /v1/connections/{integration}/{connection}":    {},
	"DELETE /v1/connections/{integration}/{connection}": {},
	"POST /v1/hmac/keys": {body: jsonBody,
		long: `{"key":"{x5000}"}`, longWants: "key is longer than 1024 bytes (it has 5000)"},
	"GET /v1/hmac/keys": {},
	"PUT /v1/hmac/mode": {body: jsonBody, empty: "mode is required",
		long: `{"mode":"{x5000}"}`, longWants: `mode must be "off", "report" or "enforce"`},
	"GET /v1/hmac/report":       {},
	"GET /v1/environment/audit": {},
	"GET /v1/products":          {},
	"GET /v1/products/{id}":     {},
	"GET /v1/launches":          {},
	"POST /v1/products": {body: jsonBody, empty: "name is required",
		long: `{"name":"{x5000}","order_url":"https://partner.example/"}`, longWants: "name is longer than 100 characters (it has 5000)"},
	"PATCH /v1/products/{id}": {body: jsonBody,
		long: `{"order_url":"https://partner.example/{x5000}"}`, longWants: "order_url is longer than 2048 bytes"},
	"POST /v1/products/{id}/secrets": {body: jsonBody,
		long: `{"propagation":"{x5000}"}`, longWants: "propagation must be a duration"},
	"POST /v1/products/{id}/test-order": {body: jsonBody, empty: "is a private address; allow it with --delivery-allow",
		long: `{"installationId":"{x5000}"}`, longWants: "installationId is longer than 256 characters (it has 5000)"},
	"POST /v1/orders": {body: jsonBody, empty: "productId is required",
		long: `{"productId":"{product}","orderId":"{x5000}"}`, longWants: "orderId is longer than 256 characters (it has 5000)"},

	"POST /nango/api-auth/api-key/{integration}": {body: nangoConnect, empty: "unknown_user_account: the connect call needs the environment's public_key",
		long: "?public_key={pk}&connection_id={x5000}", longWants: "connection_id is longer than 256 bytes (it has 5000)"},
	"POST /nango/api-auth/basic/{integration}": {body: nangoConnect, empty: "unknown_user_account: the connect call needs the environment's public_key",
		long: "?public_key={pk}&connection_id={x5000}", longWants: "connection_id is longer than 256 bytes (it has 5000)"},
	"POST /nango/auth/unauthenticated/{integration}": {body: nangoConnect, empty: "unknown_user_account: the connect call needs the environment's public_key",
		long: "?public_key={pk}&connection_id={x5000}", longWants: "connection_id is longer than 256 bytes (it has 5000)"},
	"OPTIONS /nango/api-auth/api-key/{integration}":     {},
	"OPTIONS /nango/api-auth/basic/{integration}":       {},
	"OPTIONS /nango/auth/unauthenticated/{integration}": {},
	"GET /nango/connections":                            {},
	"GET /nango/connections/{connectionId}":             {},
	"DELETE /nango/connections/{connectionId}":          {},
	"GET /nango/integrations":                           {},
	"GET /nango/integrations/{key}":                     {},

	"GET /assets/{name}": {},
	"GET /login":         {},
	"POST /login": {body: consoleForm, empty: "That is not the admin token",
		long: "token={x5000}", longWants: "That is not the admin token"},
	"GET /fiddle": {},
	"POST /fiddle": {body: consoleForm, empty: "Secret must hold 1 to 5 secrets (it has 0)",
		long: "secret=s&now={x5000}", longWants: "“Check at” must be an RFC 3339 time"},
	"POST /logout":      {}, // its form takes nothing but the token; posting it would end the table's session
	"GET /{$}":          {},
	"GET /environments": {},
	"POST /environments": {body: consoleForm, empty: "Name is required",
		long: "name={x5000}", longWants: "Name is longer than 100 characters (it has 5000): shorten it."},
	"GET /environments/{env}/delete":     {},
	"GET /environments/{env}/secret-key": {},
	"POST /environments/{env}/secret-key": {body: consoleForm, empty: "Rotate the secret key",
		long: "retire={x5000}", longWants: "Rotate the secret key"},
	"POST /environments/{env}/delete": {body: consoleForm, empty: "Delete the environment",
		long: "name={x5000}", longWants: "Delete the environment"},
	"GET /environments/{env}": {},
	"POST /environments/{env}/keys": {body: consoleForm, empty: "New HMAC key",
		long: "source=paste&key={x5000}", longWants: "Your key is longer than 1024 bytes (it has 5000)"},
	"GET /environments/{env}/mode": {},
	"POST /environments/{env}/mode": {body: consoleForm, empty: "The HMAC mode is required",
		long: "confirm=yes&mode={x5000}", longWants: `The HMAC mode must be "off", "report" or "enforce"`},
	"GET /environments/{env}/integrations": {},
	"POST /environments/{env}/integrations": {body: consoleForm, empty: "ID is required",
		long: "id={x5000}", longWants: "ID is longer than 64 characters (it has 5000)"},
	"GET /environments/{env}/connections/delete": {},
	"POST /environments/{env}/connections/delete": {body: consoleForm, empty: "Delete the connection",
		long: "confirm=yes&integration=crm&connection={x5000}", longWants: "was deleted already"},
	"GET /environments/{env}/snippets": {},
	"GET /environments/{env}/demo":     {},
	"POST /environments/{env}/demo/digest": {body: consoleForm, empty: "must not be empty",
		long: "integration=github&connection={x5000}", longWants: `"digest"`},
	"GET /environments/{env}/products": {},
	"POST /environments/{env}/products": {body: consoleForm, empty: "Name is required",
		long: "order_url=https://partner.example/&name={x5000}", longWants: "Name is longer than 100 characters (it has 5000)"},
	"GET /environments/{env}/products/{product}": {},
	"POST /environments/{env}/products/{product}": {body: consoleForm, empty: "Switch HMAC off",
		long: "hmac_enabled=on&order_url=https://partner.example/&name={x5000}", longWants: "Name is longer than 100 characters (it has 5000)"},
	"GET /environments/{env}/products/{product}/hmac-off": {},
	"POST /environments/{env}/products/{product}/test-order": {body: consoleForm, empty: "is a private address; allow it with --delivery-allow",
		long: "installationId={x5000}", longWants: "installationId is longer than 256 characters (it has 5000)"},
	"POST /environments/{env}/products/{product}/launch": {body: consoleForm, empty: "Continue to 127.0.0.1:9",
		long: "userName={x5000}", longWants: "User name is longer than 200 characters (it has 5000)"},
	"GET /environments/{env}/products/{product}/credentials": {},
	"POST /environments/{env}/products/{product}/credentials": {body: consoleForm, empty: "New secret",
		long: "propagation={x5000}", longWants: "“The new secret starts signing” must be a duration"},
	"GET /environments/{env}/launches": {},
}

// mistakeRun is the table's server, with an environment, a product and a
// console session to make the calls with.
type mistakeRun struct {
	t       *testing.T
	ts      *testServer
	env     envCreds
	envID   string
	product string
	browser *consoleClient
	allowed map[string][]string // the methods of each pattern
}

// answer is what a call got: the status, the headers and the text of the
// body (a page's text unescaped; after a console form, the page its
// redirect led to).
type answer struct {
	status int
	header http.Header
	text   string
}

// call sends a request. auth is "", "admin", "env", "session" or "csrf"
// (a session and the form's token), or a raw Authorization header value. A
// form to a public console form gets the pre-session token unless noToken.
func (m *mistakeRun) call(method, path, auth, contentType, body string, follow, noToken bool) answer {
	m.t.Helper()
	if !noToken && (auth == "csrf" || (auth == "" && contentType == "application/x-www-form-urlencoded" && consolePublicForm(path))) {
		token := m.browser.csrf
		if auth == "" {
			token = m.browser.preCSRF
		}
		body = strings.TrimPrefix(body+"&csrf="+url.QueryEscape(token), "&")
	}
	req, _ := http.NewRequest(method, m.ts.base+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch auth {
	case "":
	case "admin":
		req.Header.Set("Authorization", "Bearer "+m.ts.admin)
	case "env":
		req.Header.Set("Authorization", "Bearer "+m.env.SecretKey)
	case "session", "csrf":
	default:
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if auth == "session" || auth == "csrf" || consolePublicForm(path) {
		client.Jar = m.browser.c.Jar
	}
	if follow {
		client.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
			if len(via) > 3 {
				return http.ErrUseLastResponse
			}
			return nil
		}
	}
	res, err := client.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	text := html.UnescapeString(string(b))
	var r refusal
	var nango struct{ Error refusalParts }
	switch {
	case !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"):
	case json.Unmarshal(b, &r) == nil && r.Error != "":
		text = r.Error + ": " + r.Message
	case json.Unmarshal(b, &nango) == nil && nango.Error.Code != "": // Nango's envelope
		text = nango.Error.Code + ": " + nango.Error.Message
	}
	return answer{res.StatusCode, res.Header, text}
}

// refusalParts is the inside of Nango's error envelope.
type refusalParts struct{ Code, Message string }

// consolePublicForm reports whether path is a public console form, whose
// token comes with the pre-session cookie.
func consolePublicForm(path string) bool { return path == "/login" || path == "/fiddle" }

// fill puts the run's IDs into a route pattern.
func (m *mistakeRun) fill(pattern string) string {
	r := strings.NewReplacer("{$}", "", "{env}", m.envID, "{product}", m.product, "{name}", "console.css",
		"{integration}", "github", "{connection}", "user-1", "{correlationId}", "00000000-0000-4000-8000-000000000000",
		"{connectionId}", "user-1", "{key}", "github")
	if strings.HasPrefix(pattern, "/v1/products/") {
		return r.Replace(strings.Replace(pattern, "{id}", m.product, 1))
	}
	return r.Replace(strings.Replace(pattern, "{id}", m.envID, 1))
}

// expand puts the run's values into a spec's body.
func (m *mistakeRun) expand(body string) string {
	return strings.NewReplacer(x5000, strings.Repeat("x", 5000), "{pk}", m.env.PublicKey, "{product}", m.product).Replace(body)
}

// mistake is one mistake made on one route and what its answer must say.
type mistake struct {
	name                      string
	method, auth, ctype, body string
	query                     string // added to the path
	follow, noToken           bool
	// status is the answer's status; 0: any refusal (400 to 499), 200:
	// any success, -1: anything but a failure (a page after a redirect).
	status int
	words  []string
}

// credentialMistakes are the mistakes about who calls.
func (m *mistakeRun) credentialMistakes(rt server.RouteInfo) []mistake {
	body, ctype := "{}", "application/json"
	switch rt.Access {
	case "admin":
		return []mistake{
			{name: "no token", status: 401, words: []string{"this route takes the admin token", "Authorization: Bearer hga_"}},
			{name: "a secret key", auth: "Bearer " + m.env.SecretKey, status: 401, words: []string{"not an environment's secret key"}},
			{name: "no Bearer", auth: m.ts.admin, status: 401, words: []string{`not of the form "Bearer <token>"`}},
			{name: "a wrong admin token", auth: "Bearer hga_wrong", status: 401, words: []string{"admin token is not valid"}},
		}
	case "environment":
		return []mistake{
			{name: "no token", status: 401, words: []string{"this route takes the environment's secret key", "Bearer sk_"}},
			{name: "the admin token", auth: "admin", status: 401, words: []string{"not the admin token"}},
			{name: "the public key", auth: "Bearer " + m.env.PublicKey, status: 401, words: []string{"not its public key"}},
			{name: "an unknown secret key", auth: "Bearer sk_unknown", status: 401, words: []string{"no environment has this secret key"}},
		}
	case "session":
		if rt.Method == "POST" {
			body, ctype = "", "application/x-www-form-urlencoded"
		}
		return []mistake{
			{name: "no session", ctype: ctype, body: body, status: 303, words: []string{}},
			{name: "the admin token instead of a session", auth: "admin", ctype: ctype, body: body, status: 303},
		}
	}
	return nil
}

// bodyMistakes are the mistakes about what a route's request carries.
func (m *mistakeRun) bodyMistakes(rt server.RouteInfo, spec routeSpec) []mistake {
	auth := map[string]string{"admin": "admin", "environment": "env", "session": "csrf"}[rt.Access]
	const j, f = "application/json", "application/x-www-form-urlencoded"
	emptyStatus := 0
	if spec.empty == "" {
		emptyStatus = 200 // any success
	}
	switch spec.body {
	case jsonBody, connectBody:
		ms := []mistake{
			{name: "empty body", ctype: j, body: "", status: emptyStatus, words: []string{spec.empty}},
			{name: "{}", ctype: j, body: "{}", status: emptyStatus, words: []string{spec.empty}},
			{name: "[]", ctype: j, body: "[]", status: 400, words: []string{"the body is a JSON array; this route takes a JSON object with the fields"}},
			{name: "malformed JSON", ctype: j, body: `{"a" 1}`, status: 400, words: []string{"not valid JSON: syntax error at line 1, column 6"}},
			{name: "cut-off JSON", ctype: j, body: `{"a":`, status: 400, words: []string{"ends before it is complete"}},
			{name: "5000-character field", ctype: j, body: m.expand(spec.long), status: 400, words: []string{spec.longWants}},
		}
		if spec.body == jsonBody {
			ms = append(ms,
				mistake{name: "unknown field", ctype: j, body: `{"nmae":"x"}`, status: 400, words: []string{`unknown field "nmae"`}},
				mistake{name: "a form instead of JSON", ctype: f, body: "name=x", status: 415, words: []string{"Content-Type: application/x-www-form-urlencoded", "send JSON"}})
		} else {
			ms = append(ms,
				mistake{name: "JSON sent as a form (curl -d)", ctype: f, body: `{"public_key":"` + m.env.PublicKey + `"}`, status: 415,
					words: []string{"the body is JSON but its Content-Type is application/x-www-form-urlencoded", "Content-Type: application/json"}},
				mistake{name: "a secret key as public_key", ctype: j, body: `{"public_key":"` + m.env.SecretKey + `","connection_id":"u"}`, status: 401,
					words: []string{"public_key holds a secret key"}})
		}
		for i := range ms {
			ms[i].auth = auth
		}
		return ms
	case nangoConnect:
		return []mistake{
			{name: "empty body", ctype: j, status: 401, words: []string{spec.empty}},
			{name: "{}", ctype: j, body: "{}", status: 401, words: []string{spec.empty}},
			{name: "[]", ctype: j, body: "[]", status: 400, words: []string{"invalid_body: the body is a JSON array; this route takes a JSON object with the fields apiKey, username, password"}},
			{name: "malformed JSON", ctype: j, body: `{"a" 1}`, status: 400, words: []string{"invalid_body: the body is not valid JSON: syntax error at line 1, column 6"}},
			{name: "cut-off JSON", ctype: j, body: `{"a":`, status: 400, words: []string{"ends before it is complete"}},
			{name: "a form instead of JSON", ctype: f, body: "apiKey=x", status: 400, words: []string{"invalid_body: the body is not valid JSON"}},
			{name: "5000-character field", query: m.expand(spec.long), ctype: j, status: 400, words: []string{spec.longWants}},
			{name: "a secret key as public_key", query: "?connection_id=u&public_key=" + m.env.SecretKey, ctype: j, status: 401,
				words: []string{"public_key holds a secret key"}},
		}
	case orderBody:
		return []mistake{
			{name: "empty body", ctype: f, status: 400, words: []string{spec.empty}},
			{name: "JSON", ctype: j, body: "{}", status: 415, words: []string{"application/x-www-form-urlencoded"}},
			{name: "5000-character field", ctype: f, body: m.expand(spec.long), status: 401, words: []string{spec.longWants}},
		}
	case consoleForm:
		return []mistake{
			{name: "no form token", auth: strings.Replace(auth, "csrf", "session", 1), noToken: true, ctype: f, body: "x=1", status: 403,
				words: []string{"csrf_failed", "did not come from the console's own page"}},
			{name: "JSON", auth: auth, ctype: j, body: "{}", status: 415, words: []string{"console's forms are posted by its pages"}},
			{name: "empty form", auth: auth, ctype: f, follow: true, status: -1, words: []string{spec.empty}},
			{name: "5000-character field", auth: auth, ctype: f, body: m.expand(spec.long), follow: true, status: -1, words: []string{spec.longWants}},
		}
	}
	return nil
}

// methodMistake calls a path with a method it does not take.
func (m *mistakeRun) methodMistake(rt server.RouteInfo) mistake {
	allowed := m.allowed[rt.Pattern]
	other := "PATCH"
	for _, c := range []string{"PATCH", "PUT", "DELETE", "POST", "GET"} {
		if !slices.Contains(allowed, c) {
			other = c
			break
		}
	}
	return mistake{name: "method " + other, method: other, status: 405, words: []string{`not "` + other + `"`, "this address takes"}}
}

// check runs one mistake and fails unless its answer names the problem.
func (m *mistakeRun) check(rt server.RouteInfo, mk mistake) {
	m.t.Helper()
	method := rt.Method
	if mk.method != "" {
		method = mk.method
	}
	a := m.call(method, m.fill(rt.Pattern)+mk.query, mk.auth, mk.ctype, mk.body, mk.follow, mk.noToken)
	where := rt.Method + " " + rt.Pattern + " (" + mk.name + ")"
	switch {
	case mk.status == 200 && (a.status < 200 || a.status > 299):
		m.t.Errorf("%s: got %d; want a success: %.300s", where, a.status, a.text)
	case mk.status == -1 && a.status >= 500, mk.status == 0 && (a.status < 400 || a.status > 499),
		mk.status > 200 && a.status != mk.status:
		m.t.Errorf("%s: got %d; want %d: %.300s", where, a.status, mk.status, a.text)
	}
	if mk.status == 303 && !strings.HasPrefix(a.header.Get("Location"), "/login") {
		m.t.Errorf("%s: sent to %q; want the login page", where, a.header.Get("Location"))
	}
	for _, w := range mk.words {
		if w != "" && !strings.Contains(a.text, w) {
			m.t.Errorf("%s: the answer (%d) does not say %q: %.400s", where, a.status, w, a.text)
		}
	}
	if mk.status == 405 {
		want := slices.Clone(m.allowed[rt.Pattern])
		if slices.Contains(want, "GET") {
			want = append(want, "HEAD")
		}
		slices.Sort(want)
		if got := a.header.Get("Allow"); got != strings.Join(want, ", ") {
			m.t.Errorf("%s: Allow %q; want %q", where, got, strings.Join(want, ", "))
		}
	}
}

// TestEveryRouteNamesTheMistake walks the route table with the mistakes
// people make and checks that each answer names the problem.
func TestEveryRouteNamesTheMistake(t *testing.T) {
	ts := startServer(t)
	m := &mistakeRun{t: t, ts: ts, env: ts.newEnv("mistakes"), allowed: map[string][]string{}}
	var env struct{ ID string }
	ts.json("GET", "/v1/environment", m.env.SecretKey, "", &env)
	m.envID = env.ID
	m.product = ts.newProduct(m.env, "https://127.0.0.1:9/orders").ID // a private address: refused at once
	ts.newSecret(m.env, m.product, `{}`)
	ts.newKey(m.env, `{}`)
	ts.json("POST", "/v1/integrations", m.env.SecretKey, `{"id":"crm"}`, nil)
	m.browser = ts.newBrowser()
	m.browser.login()
	routes := ts.d.Server().Routes()
	for _, rt := range routes {
		m.allowed[rt.Pattern] = append(m.allowed[rt.Pattern], rt.Method)
	}
	checked := 0
	for _, rt := range routes {
		spec, ok := routeSpecs[rt.Method+" "+rt.Pattern]
		if !ok {
			t.Errorf("%s %s is not in the mistake table (routeSpecs): add what it takes", rt.Method, rt.Pattern)
			continue
		}
		mistakes := append(m.credentialMistakes(rt), m.methodMistake(rt))
		mistakes = append(mistakes, m.bodyMistakes(rt, spec)...)
		for _, mk := range mistakes {
			ts.clock.Add(2 * time.Second) // the public forms' rate limit refills
			m.check(rt, mk)
			checked++
		}
	}
	// Mistakes in a path or a query.
	for _, mk := range []struct{ path, auth, want string }{
		{"/launch/00000000-0000-4000-8000-000000000000", "", "there is no launch at this link"},
		{"/v1/connections?limit=5000", "env", "limit must be a number from 1 to 500"},
		{"/v1/nosuchroute", "", `there is no route at "/v1/nosuchroute"`},
		{"/nango/connections/user-1", "env", "missing_provider_config_key"},
	} {
		if a := m.call("GET", mk.path, mk.auth, "", "", false, false); a.status < 400 || !strings.Contains(a.text, mk.want) {
			t.Errorf("GET %s: %d %.300s; want it to say %q", mk.path, a.status, a.text, mk.want)
		}
	}
	if len(routeSpecs) != len(routes) {
		for k := range routeSpecs {
			found := false
			for _, rt := range routes {
				found = found || rt.Method+" "+rt.Pattern == k
			}
			if !found {
				t.Errorf("the mistake table lists %s, which is no route", k)
			}
		}
	}
	t.Logf("%d mistakes on %d routes", checked, len(routes))
}
