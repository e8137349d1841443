package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hmacgate/hmacgate/internal/testenv"
)

// nangoFrontendDist is the real @nangohq/frontend's browser build: the ES
// modules a bundler ships to browsers, loaded here as they are.
func nangoFrontendDist(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(nangoInterop, "node_modules", "@nangohq", "frontend", "dist")
	if _, err := os.Stat(filepath.Join(dir, "index.js")); err != nil {
		testenv.Unavailable(t, "npm package @nangohq/frontend in interop/nango (run make interop)", err)
	}
	return dir
}

// nangoAppPage is a customer's page: it loads the SDK from its own origin,
// connects with the digest its backend made, then tries without one.
const nangoAppPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A customer's app</title></head>
<body><pre id="result"></pre>
<script type="module">
import Nango from '/sdk/index.js';
const config = %s;
const nango = new Nango({ publicKey: config.publicKey, host: config.host });
const out = document.getElementById('result');
try {
	const connected = await nango.auth('github', 'user-1', { hmac: config.digest, credentials: { apiKey: 'browser-key' } });
	const refused = await nango.auth('github', 'user-2', { credentials: { apiKey: 'stolen' } })
		.then(() => 'accepted', (e) => e.type + ': ' + e.message);
	out.dataset.done = JSON.stringify({ connected, refused });
} catch (e) {
	out.dataset.done = JSON.stringify({ error: String(e), type: e.type });
}
</script></body></html>`

// TestNangoFrontendInBrowser: a page on another origin loads the real
// @nangohq/frontend and connects through CORS; the call without a digest
// is refused with its AuthError type and creates nothing.
func TestNangoFrontendInBrowser(t *testing.T) {
	dist := nangoFrontendDist(t)
	ts := startServer(t)
	n := ts.newNangoEnv("browser")
	b := startBrowser(t, ts)
	config, _ := json.Marshal(map[string]string{"publicKey": n.PublicKey, "host": ts.base + "/nango",
		"digest": digest(t, n.key, "github", "user-1")})
	mux := http.NewServeMux()
	mux.Handle("GET /sdk/", http.StripPrefix("/sdk/", http.FileServer(http.Dir(dist))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, nangoAppPage, config)
	})
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	if app.URL == ts.base {
		t.Fatal("the app must be on another origin than the server")
	}

	tb := b.tab(t, true)
	tb.others = []string{app.URL}
	if _, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(app.URL+"/")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	raw, err := chromedp.Run(tb.ctx, chromedp.Poll[string](`document.getElementById("result").dataset.done || ""`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the page did not finish: %v", err)
	}
	var got struct {
		Connected map[string]string
		Refused   string
		Error     string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil || got.Error != "" {
		t.Fatalf("the page: %s", raw)
	}
	if got.Connected["connectionId"] != "user-1" || got.Connected["providerConfigKey"] != "github" {
		t.Errorf("auth() resolved to %v", got.Connected)
	}
	if !strings.HasPrefix(got.Refused, "missing_hmac: ") {
		t.Errorf("auth() without a digest: %q; want an AuthError of type missing_hmac", got.Refused)
	}
	var conn struct{ Credentials map[string]string }
	if code, body := ts.json("GET", "/nango/connections/user-1?provider_config_key=github", n.SecretKey, "", &conn); code != 200 || conn.Credentials["apiKey"] != "browser-key" {
		t.Errorf("the connection the browser made: %d %s", code, body)
	}
	if c := ts.connectionCount(n.envCreds); c != 1 {
		t.Errorf("%d connections; want only the one with a digest", c)
	}
}
