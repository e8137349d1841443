package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// asBrowser sends a request as a browser does (Accept: text/html) and
// returns the status and the body.
func (ts *testServer) asBrowser(method, path, contentType, body string) (int, string) {
	ts.t.Helper()
	req, _ := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// isStyledPage reports whether a body is an end user's page in the
// console's look, rather than JSON or bare HTML.
func isStyledPage(body string) bool {
	return strings.HasPrefix(body, "<!doctype html>") && strings.Contains(body, `href="/assets/console.css?v=`) &&
		!strings.Contains(body, `href="/login"`) // no console navigation for end users
}

// TestLaunchLinkPages: a launch link works once and for 5 minutes; a
// browser that opens it used, expired or unknown gets a page that says so
// (410 or 404), an API client the same refusal as JSON.
func TestLaunchLinkPages(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("links")
	prod := ts.newProduct(e, "https://partner.example/orders")
	ts.newSecret(e, prod.ID, `{}`)
	launch := func() string {
		var o struct{ LaunchURL string }
		if code, b := ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`"}`, &o); code != 201 {
			t.Fatalf("launch: %d %s", code, b)
		}
		return o.LaunchURL
	}
	used := launch()
	if code, page := ts.asBrowser("GET", used, "", ""); code != 200 || !strings.Contains(page, `action="https://partner.example/orders"`) {
		t.Fatalf("first open: %d", code)
	}
	expired := launch()
	ts.clock.Add(5*time.Minute + time.Second)
	for _, tc := range []struct {
		name, path string
		status     int
		code, text string
	}{
		{"used", used, 410, "launch_used", "This link was used already"},
		{"expired", expired, 410, "launch_expired", "This link has expired"},
		{"unknown", "/launch/00000000-0000-4000-8000-000000000000", 404, "not_found", "There is no such link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := ts.asBrowser("GET", tc.path, "", "")
			if code != tc.status || !isStyledPage(page) || !strings.Contains(page, tc.text) || !strings.Contains(page, tc.code) {
				t.Errorf("browser: %d %s", code, page)
			}
			if !strings.Contains(page, "launch the order again") && tc.code != "not_found" {
				t.Errorf("the page does not say what to do: %s", page)
			}
			var r refusal
			if code, raw := ts.do("GET", tc.path, "", "", "", &r); code != tc.status || r.Error != tc.code {
				t.Errorf("API client: %d %s", code, raw)
			}
		})
	}
}

// TestRefusalPagesForBrowsers: a browser that asks a page for a method it
// does not take gets a page that says so.
func TestRefusalPagesForBrowsers(t *testing.T) {
	ts := startServer(t)
	if code, page := ts.asBrowser("GET", "/logout", "", ""); code != 405 || !strings.Contains(page, "This page does not take that kind of request") {
		t.Errorf("GET /logout: %d %s", code, page)
	}
}

// TestSandboxPages: the sandbox answers a browser with a styled page, for
// a verified order and for a refused one; code gets JSON.
func TestSandboxPages(t *testing.T) {
	ts := startServer(t, loopback)
	e := ts.newEnv("sandbox-pages")
	var env struct{ ID string }
	ts.json("GET", "/v1/environment", e.SecretKey, "", &env)
	prod := ts.newProduct(e, "https://placeholder.example/")
	sandbox := "/sandbox/" + env.ID + "/" + prod.ID + "?installationId=inst-1"
	ts.newSecret(e, prod.ID, `{}`)
	var o struct {
		Orderdata string `json:"orderdata"`
		Signature string `json:"hmacsignature"`
	}
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`","installationId":"inst-1","user":{"name":"Kari Nordmann","email":"kari@example.no"}}`, &o)
	form := url.Values{"orderdata": {o.Orderdata}, "hmacsignature": {o.Signature}}.Encode()
	post := func(path string) (int, string) {
		return ts.asBrowser("POST", path, "application/x-www-form-urlencoded", form)
	}
	if code, page := post(sandbox); code != 200 || !isStyledPage(page) || !strings.Contains(page, "Signed in to the sandbox") ||
		!strings.Contains(page, "Kari Nordmann &lt;kari@example.no&gt;") {
		t.Errorf("signed in: %d %s", code, page)
	}
	if code, page := post(sandbox); code != 401 || !isStyledPage(page) || !strings.Contains(page, "refused this order") || !strings.Contains(page, "replayed") {
		t.Errorf("replayed: %d %s", code, page)
	}
	if code, page := post("/sandbox/" + env.ID + "/prod_nope"); code != 404 || !isStyledPage(page) || !strings.Contains(page, "no sandbox at this address") {
		t.Errorf("unknown product: %d %s", code, page)
	}
	if code, a := postForm(t, ts.base+sandbox, o.Orderdata, o.Signature); code != 401 || a.Error != "replayed" {
		t.Errorf("JSON for code: %d %+v", code, a)
	}
}
