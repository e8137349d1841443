package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// TestLaunchSignsInAndShowsOrder walks the example as a browser would: the
// platform's form POST signs the user in, the redirect shows the order, and
// the same order again, or on another installation's URL, is refused.
func TestLaunchSignsInAndShowsOrder(t *testing.T) {
	secret := hmacgate.MustParseKey("hgk_example-partner-secret-000000000000000000")
	signedAt := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(newApp(hmacgate.MustNewKeyring(secret), slog.New(slog.NewTextHandler(io.Discard, nil)),
		func() time.Time { return signedAt.Add(time.Second) }, nil))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	form, err := order.Encode(secret, order.OrderData{
		Timestamp: signedAt.UnixMilli(), InstallationID: "inst-1", OrderID: "ord-1",
		User: order.User{Email: "kari@example.no", Name: "Kari <Nordmann>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	launch := func(path string) (int, string) {
		resp, err := browser.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, page := launch("/orders/inst-2"); code != http.StatusForbidden || !strings.Contains(page, "binding_mismatch") {
		t.Errorf("other installation: %d %s", code, page)
	}
	code, page := launch("/orders/inst-1")
	if code != http.StatusOK || !strings.Contains(page, "Signed in as kari@example.no") ||
		!strings.Contains(page, "ord-1") || !strings.Contains(page, "Kari &lt;Nordmann&gt;") {
		t.Errorf("launch: %d %s", code, page)
	}
	if code, page := launch("/orders/inst-1"); code != http.StatusUnauthorized || !strings.Contains(page, "already been used") {
		t.Errorf("replay: %d %s", code, page)
	}
	u, _ := url.Parse(srv.URL)
	if cs := jar.Cookies(u); len(cs) != 1 || cs[0].Name != sessionCookie {
		t.Errorf("cookies %v; want one session cookie", cs)
	}
	// Without the cookie, nobody is signed in.
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Not signed in") {
		t.Errorf("home without a session: %s", b)
	}
}
