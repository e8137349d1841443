package proxy

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

func TestWildcards(t *testing.T) {
	for pattern, want := range map[string][]string{
		"/":                                   nil,
		"/orders/{installationId}":            {"installationId"},
		"/i/{installationId}/o/{orderId}/{$}": {"installationId", "orderId"},
		"/files/{rest...}":                    {"rest"},
		"/literal/{notclosed":                 nil,
	} {
		if got := wildcards(pattern); !slices.Equal(got, want) {
			t.Errorf("wildcards(%q) = %q; want %q", pattern, got, want)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"inst-7":          "inst-7",
		"kari@example.no": "kari@example.no",
		"Bjørn Ødegård":   "Bj%C3%B8rn%20%C3%98deg%C3%A5rd",
		"100%":            "100%25",
		"a\r\nX-Evil: 1":  "a%0D%0AX-Evil:%201",
		"tab\there\x7f":   "tab%09here%7F",
		"+/=?&#":          "+/=?&#",
	} {
		got := headerValue(in)
		if got != want {
			t.Errorf("headerValue(%q) = %q; want %q", in, got, want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != in {
			t.Errorf("%q does not decode back to %q: %q, %v", got, in, back, err)
		}
	}
}

func TestIsHmacgateHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"X-Hmacgate-User-Id": true, "x-hmacgate-verified": true, "X_HMACGATE_USER_EMAIL": true,
		"X-Hmacgate-": true, "X-Hmacgate": false, "X-Hmacgatex-User": false, "Content-Type": false, "": false,
	} {
		if got := isHmacgateHeader(name); got != want {
			t.Errorf("isHmacgateHeader(%q) = %v; want %v", name, got, want)
		}
	}
}

// newTestProxy starts a proxy in front of up with one secret.
func newTestProxy(t *testing.T, up *httptest.Server, secret string) *Proxy {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	p, err := New(Config{Listen: "127.0.0.1:0", Upstream: u, SecretFiles: []string{file},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

func signedNow(secret string, orderID string) string {
	form, err := order.Encode(hmacgate.MustParseKey(secret), order.OrderData{OrderID: orderID})
	if err != nil {
		panic(err)
	}
	return form.Encode()
}

func postAsync(p *Proxy, body string) <-chan *http.Response {
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post("http://"+p.Addr().String()+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			done <- nil
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp
	}()
	return done
}

// TestGracefulClose: a request in flight when Close starts is answered, and
// Close waits for it.
func TestGracefulClose(t *testing.T) {
	const secret = "hgk_graceful-close-secret-00000000000000000000"
	entered, release := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	}))
	defer up.Close()
	p := newTestProxy(t, up, secret)
	shutdownStarted := make(chan struct{})
	p.srv.RegisterOnShutdown(func() { close(shutdownStarted) })

	answer := postAsync(p, signedNow(secret, "ord-1"))
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	<-shutdownStarted
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	if resp := <-answer; resp == nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the request in flight got %v; want 200", resp)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// TestHandleSignals: a value on the reload channel reloads the secrets; a
// done context closes the proxy gracefully.
func TestHandleSignals(t *testing.T) {
	const oldSecret, newSecret = "hgk_signals-old-secret-000000000000000000000", "hgk_signals-new-secret-111111111111111111111"
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	p := newTestProxy(t, up, oldSecret)
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal) // unbuffered: a second send returns only after the first reload is done
	done := make(chan error, 1)
	go func() { done <- p.HandleSignals(ctx, hup) }()

	if err := os.WriteFile(p.cfg.SecretFiles[0], []byte(newSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	hup <- syscall.SIGHUP
	hup <- syscall.SIGHUP
	if resp := <-postAsync(p, signedNow(newSecret, "ord-1")); resp == nil || resp.StatusCode != http.StatusOK {
		t.Errorf("new secret after SIGHUP: %v; want 200", resp)
	}
	if resp := <-postAsync(p, signedNow(oldSecret, "ord-2")); resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old secret after SIGHUP: %v; want 401", resp)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("HandleSignals: %v", err)
	}
	if _, err := http.Get("http://" + p.Addr().String() + "/healthz"); err == nil {
		t.Error("the proxy still answers after shutdown")
	}
}
