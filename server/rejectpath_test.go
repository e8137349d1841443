package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/seal"
	"github.com/hmacgate/hmacgate/server"
	"github.com/hmacgate/hmacgate/sqlite"
)

// countingStore counts every call that reaches the database.
type countingStore struct {
	platform.Store
	calls atomic.Int64
}

func (c *countingStore) Environment(ctx context.Context, id string) (*platform.Environment, error) {
	c.calls.Add(1)
	return c.Store.Environment(ctx, id)
}

func (c *countingStore) EnvironmentByPublicKey(ctx context.Context, pk string) (*platform.Environment, error) {
	c.calls.Add(1)
	return c.Store.EnvironmentByPublicKey(ctx, pk)
}

func (c *countingStore) EnvironmentBySecretHash(ctx context.Context, h []byte) (*platform.Environment, error) {
	c.calls.Add(1)
	return c.Store.EnvironmentBySecretHash(ctx, h)
}

func (c *countingStore) HMACKeys(ctx context.Context, envID string, now timeT) ([]platform.StoredKey, error) {
	c.calls.Add(1)
	return c.Store.HMACKeys(ctx, envID, now)
}

func (c *countingStore) Integrations(ctx context.Context, envID string) ([]*platform.Integration, error) {
	c.calls.Add(1)
	return c.Store.Integrations(ctx, envID)
}

func (c *countingStore) UpsertConnection(ctx context.Context, conn *platform.Connection, audit platform.AuditEntry) (bool, error) {
	c.calls.Add(1)
	return c.Store.UpsertConnection(ctx, conn, audit)
}

func (c *countingStore) AddReportCounts(ctx context.Context, counts []platform.ReportCount) error {
	c.calls.Add(1)
	return c.Store.AddReportCounts(ctx, counts)
}

// TestRejectPathDoesNotTouchTheDatabase: once an environment is cached,
// refused connect calls make no database call at all.
func TestRejectPathDoesNotTouchTheDatabase(t *testing.T) {
	var store *countingStore
	p := newInProcess(t, func(base platform.Store) platform.Store {
		store = &countingStore{Store: base}
		return store
	})
	call, tok := p.call, p.admin
	var e envCreds
	rec := call("POST", "/v1/environments", tok, `{"name":"hot"}`)
	decode(t, rec, &e)
	call("POST", "/v1/integrations", e.SecretKey, `{"id":"plain"}`)
	call("POST", "/v1/hmac/keys", e.SecretKey, `{}`)
	if rec := call("PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"enforce"}`); rec.Code != 200 {
		t.Fatalf("mode: %d %s", rec.Code, rec.Body)
	}
	body := `{"public_key":"` + e.PublicKey + `","connection_id":"u"}`
	call("POST", "/v1/connect/plain", "", body) // warms the cache
	before := store.calls.Load()
	for range 200 {
		for _, b := range []string{body, strings.Replace(body, `"u"}`, `"u","hmac":"`+strings.Repeat("0", 64)+`"}`, 1)} {
			if rec := call("POST", "/v1/connect/plain", "", b); rec.Code != http.StatusUnauthorized {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
		}
	}
	if n := store.calls.Load() - before; n != 0 {
		t.Errorf("400 refused connect calls made %d database calls; want 0", n)
	}
}

// inProcess is a Server on a SQLite store of the test's own, wrapped as the
// test needs, called through its handler (no listener, no daemon).
type inProcess struct {
	t     *testing.T
	h     http.Handler
	admin string // admin token
}

func newInProcess(t *testing.T, wrap func(platform.Store) platform.Store) *inProcess {
	t.Helper()
	ctx := context.Background()
	base, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := seal.New(hmacgate.GenerateKey())
	srv := server.New(server.Options{Store: wrap(base), Sealer: sealer})
	t.Cleanup(func() {
		srv.Close()
		base.Close()
	})
	tok, err := server.ResetAdminToken(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	return &inProcess{t: t, h: srv.Handler(), admin: tok}
}

// call sends a JSON request with a bearer token (if not empty).
func (p *inProcess) call(method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec
}
