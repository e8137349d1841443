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
// through its handler without a network. It returns the handler, the
// environment's public key and its HMAC key.
func benchServer(b *testing.B) (http.Handler, string, string) {
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
	key := hmacgate.GenerateKey().Reveal()
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/integrations", `{"id":"github"}`}, {"POST", "/v1/hmac/keys", `{"key":"` + key + `"}`}, {"PUT", "/v1/hmac/mode", `{"mode":"enforce"}`},
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+e.SecretKey)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	return h, e.PublicKey, key
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
	h, _, _ := benchServer(b)
	benchRequest(b, h, "GET", "/healthz", "", 200)
}

// BenchmarkConnectRefusedMissing is a connect call without a digest under enforce.
func BenchmarkConnectRefusedMissing(b *testing.B) {
	h, pk, _ := benchServer(b)
	benchRequest(b, h, "POST", "/v1/connect/github", `{"public_key":"`+pk+`","connection_id":"user-1"}`, 401)
}

// BenchmarkConnectRefusedWrong is a connect call with a wrong digest under enforce.
func BenchmarkConnectRefusedWrong(b *testing.B) {
	h, pk, _ := benchServer(b)
	benchRequest(b, h, "POST", "/v1/connect/github", `{"public_key":"`+pk+`","connection_id":"user-1","hmac":"`+strings.Repeat("0", 64)+`"}`, 401)
}

// BenchmarkConnectAccepted re-authorizes one connection with a valid
// digest through /v1/connect: the gate, sealing, the upsert and its audit
// entry in one transaction.
func BenchmarkConnectAccepted(b *testing.B) {
	h, pk, key := benchServer(b)
	body := `{"public_key":"` + pk + `","connection_id":"user-1","hmac":"` + digest(b, key, "github", "user-1") + `"}`
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/v1/connect/github", strings.NewReader(body))) // creates it
	benchRequest(b, h, "POST", "/v1/connect/github", body, 200)
}

// BenchmarkNangoConnectAccepted is the same call as @nangohq/frontend makes
// it, through the /nango adapter; side by side with
// BenchmarkConnectAccepted it is the adapter's cost.
func BenchmarkNangoConnectAccepted(b *testing.B) {
	h, pk, key := benchServer(b)
	benchRequest(b, h, "POST", "/nango/auth/unauthenticated/github?connection_id=user-1&public_key="+pk+"&hmac="+digest(b, key, "github", "user-1"), "", 200)
}

// BenchmarkNangoConnectRefusedMissing is BenchmarkConnectRefusedMissing
// through the /nango adapter.
func BenchmarkNangoConnectRefusedMissing(b *testing.B) {
	h, pk, _ := benchServer(b)
	benchRequest(b, h, "POST", "/nango/auth/unauthenticated/github?connection_id=user-1&public_key="+pk, "", 401)
}
