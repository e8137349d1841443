package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/seal"
	"github.com/hmacgate/hmacgate/server"
	"github.com/hmacgate/hmacgate/sqlite"
)

// benchServer is a Server with one environment in enforce mode, driven
// through its handler without a network.
func benchServer(b *testing.B) (http.Handler, string) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	sealer, _ := seal.New(hmacgate.GenerateKey())
	srv := server.New(server.Options{Store: store, Sealer: sealer})
	b.Cleanup(func() { srv.Close(); store.Close() })
	tok, _ := server.ResetAdminToken(ctx, store)
	h := srv.Handler()
	var e envCreds
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/v1/environments", strings.NewReader(`{"name":"bench"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	h.ServeHTTP(rec, req)
	decode(b, rec, &e)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/integrations", `{"id":"github"}`}, {"POST", "/v1/hmac/keys", `{}`}, {"PUT", "/v1/hmac/mode", `{"mode":"enforce"}`},
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+e.SecretKey)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	return h, e.PublicKey
}

func benchRequest(b *testing.B, h http.Handler, method, path, body string, want int) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkHealthz is the no-op baseline through the same route wrapper.
func BenchmarkHealthz(b *testing.B) {
	h, _ := benchServer(b)
	benchRequest(b, h, "GET", "/healthz", "", 200)
}

// BenchmarkConnectRefusedMissing is a connect call without a digest under enforce.
func BenchmarkConnectRefusedMissing(b *testing.B) {
	h, pk := benchServer(b)
	benchRequest(b, h, "POST", "/v1/connect/github", `{"public_key":"`+pk+`","connection_id":"user-1"}`, 401)
}

// BenchmarkConnectRefusedWrong is a connect call with a wrong digest under enforce.
func BenchmarkConnectRefusedWrong(b *testing.B) {
	h, pk := benchServer(b)
	benchRequest(b, h, "POST", "/v1/connect/github", `{"public_key":"`+pk+`","connection_id":"user-1","hmac":"`+strings.Repeat("0", 64)+`"}`, 401)
}
