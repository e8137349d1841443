package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/server"
)

// nangoEnv is an environment with the integrations the Nango tests use:
// github (api_key), basic (basic) and plain (none), a key, in enforce.
type nangoEnv struct {
	envCreds
	key string
}

func (ts *testServer) newNangoEnv(name string) nangoEnv {
	ts.t.Helper()
	e := ts.newEnv(name)
	if code, b := ts.json("POST", "/v1/integrations", e.SecretKey, `{"id":"basic","auth_mode":"basic"}`, nil); code != 201 {
		ts.t.Fatalf("basic integration: %d %s", code, b)
	}
	key := ts.newKey(e, `{}`)
	ts.setMode(e, "enforce")
	return nangoEnv{e, key}
}

// nangoAuth makes a connect call as @nangohq/frontend does: the IDs and
// the digest in the query string, not URL-encoded; the credentials as the
// JSON body.
func (ts *testServer) nangoAuth(route, integration, query, body string) (int, string) {
	ts.t.Helper()
	return ts.do("POST", "/nango/"+route+"/"+integration+"?"+query, "", "application/json", body, nil)
}

func (n nangoEnv) query(t *testing.T, integration, connection string) string {
	return "connection_id=" + connection + "&public_key=" + n.PublicKey + "&hmac=" + digest(t, n.key, integration, connection)
}

// nangoRefusal reads Nango's envelope and fails for any other shape or an
// empty message: the frontend SDK would make an AuthError without a type
// or a message of it.
func nangoRefusal(t *testing.T, raw string) string {
	t.Helper()
	var r struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil || r.Error.Code == "" || r.Error.Message == "" {
		t.Fatalf("not a Nango refusal with a code and a message: %s", raw)
	}
	return r.Error.Code
}

// TestNangoRefusals: every refusal of the /nango routes is Nango's
// envelope, with the code the issue lists and /v1's status.
func TestNangoRefusals(t *testing.T) {
	ts := startServer(t)
	n := ts.newNangoEnv("refusals")
	q := n.query(t, "github", "u-1")
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"missing digest", "POST", "/nango/api-auth/api-key/github?connection_id=u-1&public_key=" + n.PublicKey, "", `{"apiKey":"k"}`, 401, "missing_hmac"},
		{"wrong digest", "POST", "/nango/api-auth/api-key/github?connection_id=u-1&public_key=" + n.PublicKey + "&hmac=" + strings.Repeat("ab", 32), "", `{"apiKey":"k"}`, 401, "invalid_hmac"},
		{"unknown public key", "POST", "/nango/api-auth/api-key/github?connection_id=u-1&public_key=pk_nope&hmac=00", "", `{"apiKey":"k"}`, 401, "unknown_user_account"},
		{"no public key", "POST", "/nango/api-auth/api-key/github?connection_id=u-1", "", `{"apiKey":"k"}`, 401, "unknown_user_account"},
		{"unknown integration", "POST", "/nango/api-auth/api-key/nope?" + n.query(t, "nope", "u-1"), "", `{"apiKey":"k"}`, 404, "unknown_provider_config"},
		{"basic route, api_key integration", "POST", "/nango/api-auth/basic/github?" + q, "", `{"username":"u","password":"p"}`, 400, "invalid_auth_mode"},
		{"unauthenticated route, api_key integration", "POST", "/nango/auth/unauthenticated/github?" + q, "", ``, 400, "invalid_auth_mode"},
		{"api-key route, no key", "POST", "/nango/api-auth/api-key/github?" + q, "", `{}`, 400, "invalid_body"},
		{"api-key route, empty key", "POST", "/nango/api-auth/api-key/github?" + q, "", `{"apiKey":""}`, 400, "invalid_body"},
		{"api-key route, key not a string", "POST", "/nango/api-auth/api-key/github?" + q, "", `{"apiKey":7}`, 400, "invalid_body"},
		{"body not JSON", "POST", "/nango/api-auth/api-key/github?" + q, "", `apiKey=k`, 400, "invalid_body"},
		{"basic without password", "POST", "/nango/api-auth/basic/basic?" + n.query(t, "basic", "u-1"), "", `{"username":"u"}`, 400, "invalid_body"},
		{"credentials for none", "POST", "/nango/auth/unauthenticated/plain?" + n.query(t, "plain", "u-1"), "", `{"apiKey":"k"}`, 400, "invalid_body"},
		{"no connection ID", "POST", "/nango/auth/unauthenticated/plain?public_key=" + n.PublicKey, "", ``, 400, "missing_connection"},
		{"connect session", "POST", "/nango/auth/unauthenticated/plain?connection_id=u-1&connect_session_token=nango_connect_session_x", "", ``, 400, "connect_session_unsupported"},
		{"malformed query", "POST", "/nango/auth/unauthenticated/plain?connection_id=50%zz&public_key=" + n.PublicKey, "", ``, 400, "invalid_query_params"},
		{"body too large", "POST", "/nango/api-auth/api-key/github?" + q, "", `{"apiKey":"` + strings.Repeat("k", 70<<10) + `"}`, 413, "body_too_large"},
		{"wrong secret key", "GET", "/nango/connections", "sk_" + strings.Repeat("A", 43), "", 401, "unauthorized"},
		{"no secret key", "GET", "/nango/integrations", "", "", 401, "unauthorized"},
		{"unknown connection", "GET", "/nango/connections/nobody?provider_config_key=github", n.SecretKey, "", 404, "unknown_connection"},
		{"get, unknown integration", "GET", "/nango/connections/u-1?provider_config_key=nope", n.SecretKey, "", 404, "unknown_provider_config"},
		{"get, no provider_config_key", "GET", "/nango/connections/u-1", n.SecretKey, "", 400, "missing_provider_config_key"},
		{"delete unknown connection", "DELETE", "/nango/connections/nobody?provider_config_key=github", n.SecretKey, "", 404, "unknown_connection"},
		{"unknown integration key", "GET", "/nango/integrations/nope", n.SecretKey, "", 404, "unknown_provider_config"},
		{"end-user filter", "GET", "/nango/connections?endUserId=x", n.SecretKey, "", 400, "invalid_query_params"},
		{"tag filter", "GET", "/nango/connections?tags[plan]=pro", n.SecretKey, "", 400, "invalid_query_params"},
		{"two integrations", "GET", "/nango/connections?integrationId=github,plain", n.SecretKey, "", 400, "invalid_query_params"},
		{"limit too large", "GET", "/nango/connections?limit=501", n.SecretKey, "", 400, "invalid_query_params"},
		{"unsupported flow", "POST", "/nango/oauth/connect/github?" + q, "", "", 404, "not_found"},
		{"wrong method", "GET", "/nango/api-auth/api-key/github?" + q, "", "", 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, raw := ts.do(tc.method, tc.path, tc.token, "application/json", tc.body, nil)
			if got := nangoRefusal(t, raw); code != tc.status || got != tc.code {
				t.Errorf("got %d %s; want %d %s", code, raw, tc.status, tc.code)
			}
		})
	}
	if c := ts.connectionCount(n.envCreds); c != 0 {
		t.Errorf("refused calls created %d connections", c)
	}
}

// TestNangoConnect: the frontend's three connect calls create connections
// that the backend routes read back in Nango's shape; a re-authorization
// replaces the credentials; the call is audited and counted in the report.
func TestNangoConnect(t *testing.T) {
	ts := startServer(t)
	n := ts.newNangoEnv("connect")
	for _, tc := range []struct{ route, integration, conn, extra, body string }{
		{"api-auth/api-key", "github", "user-1", "", `{"apiKey":"key-1"}`},
		{"api-auth/basic", "basic", "user-1", "&params[subdomain]=acme&user_scope=a,b", `{"username":"kari","password":"pw"}`},
		{"auth/unauthenticated", "plain", "user-1", "", ``},
		{"api-auth/api-key", "github", "user-1", "", `{"apiKey":"key-2","username":"ignored"}`}, // re-authorization
	} {
		code, raw := ts.nangoAuth(tc.route, tc.integration, n.query(t, tc.integration, tc.conn)+tc.extra, tc.body)
		want := `{"connectionId":"` + tc.conn + `","providerConfigKey":"` + tc.integration + `"}`
		if code != 200 || strings.TrimSpace(raw) != want {
			t.Fatalf("%s: got %d %s; want 200 %s", tc.route, code, raw, want)
		}
	}
	var got map[string]any
	ts.json("GET", "/nango/connections/user-1?provider_config_key=github&force_refresh=false&refresh_token=false", n.SecretKey, "", &got)
	creds, _ := got["credentials"].(map[string]any)
	if creds["type"] != "API_KEY" || creds["apiKey"] != "key-2" || got["connection_id"] != "user-1" || got["provider_config_key"] != "github" {
		t.Errorf("getConnection: %v", got)
	}
	if id, ok := got["id"].(float64); !ok || id <= 0 || id > 1<<53 {
		t.Errorf("id %v is not a positive integer a JavaScript number holds", got["id"])
	}
	ts.json("GET", "/nango/connections/user-1?provider_config_key=basic", n.SecretKey, "", &got)
	if creds, _ := got["credentials"].(map[string]any); creds["type"] != "BASIC" || creds["username"] != "kari" || creds["password"] != "pw" {
		t.Errorf("basic credentials: %v", got["credentials"])
	}
	var list struct{ Connections []map[string]any }
	ts.json("GET", "/nango/connections?connectionId=user-1", n.SecretKey, "", &list)
	if len(list.Connections) != 3 || list.Connections[0]["provider_config_key"] != "basic" || list.Connections[0]["created"] == nil {
		t.Errorf("listConnections by ID: %v", list.Connections)
	}
	// The audit log has each call, with the route and the verdict.
	var audit struct {
		Entries []struct{ Actor, Action, Detail string }
	}
	ts.json("GET", "/v1/environment/audit", n.SecretKey, "", &audit)
	authorized := 0
	for _, a := range audit.Entries {
		if a.Action == "connection.authorize" && a.Actor == "connect" && strings.Contains(a.Detail, "via /nango/") && strings.Contains(a.Detail, "digest valid") {
			authorized++
		}
	}
	if authorized != 4 {
		t.Errorf("%d audited Nango connect calls; want 4: %+v", authorized, audit.Entries)
	}
	var rep struct{ Valid, Missing, Invalid int64 }
	ts.json("GET", "/v1/hmac/report", n.SecretKey, "", &rep)
	if rep.Valid != 4 {
		t.Errorf("report counts %d valid calls; want 4", rep.Valid)
	}
	if code, raw := ts.do("DELETE", "/nango/connections/user-1?provider_config_key=plain", n.SecretKey, "", "", nil); code != 200 || !strings.Contains(raw, `"success":true`) {
		t.Errorf("delete: %d %s", code, raw)
	}
	if c := ts.connectionCount(n.envCreds); c != 2 {
		t.Errorf("%d connections after the delete; want 2", c)
	}
}

// TestNangoListConnections: filters, pages, and what the store's order is.
func TestNangoListConnections(t *testing.T) {
	ts := startServer(t)
	n := ts.newNangoEnv("list")
	for _, c := range []string{"a-1", "a-2", "b-1", "b-2", "b-3"} {
		if code, raw := ts.nangoAuth("auth/unauthenticated", "plain", n.query(t, "plain", c), ""); code != 200 {
			t.Fatalf("connect %s: %d %s", c, code, raw)
		}
	}
	if code, raw := ts.nangoAuth("api-auth/api-key", "github", n.query(t, "github", "a-1"), `{"apiKey":"k"}`); code != 200 {
		t.Fatalf("connect github: %d %s", code, raw)
	}
	for _, tc := range []struct{ query, want string }{
		{"", "github/a-1 plain/a-1 plain/a-2 plain/b-1 plain/b-2 plain/b-3"},
		{"?integrationId=plain&limit=2", "plain/a-1 plain/a-2"},
		{"?integrationId=plain&limit=2&page=1", "plain/b-1 plain/b-2"},
		{"?integrationId=plain&limit=2&page=2", "plain/b-3"},
		{"?integrationId=plain&limit=2&page=3", ""},
		{"?search=b-", "plain/b-1 plain/b-2 plain/b-3"},
		{"?connectionId=a-1", "github/a-1 plain/a-1"},
		{"?connectionId=a-1&integrationId=plain", "plain/a-1"},
		{"?connectionId=a-1&limit=1&page=1", "plain/a-1"},
		{"?connectionId=a", ""}, // exact, not a substring
	} {
		var out struct{ Connections []map[string]any }
		if code, raw := ts.json("GET", "/nango/connections"+tc.query, n.SecretKey, "", &out); code != 200 {
			t.Fatalf("%s: %d %s", tc.query, code, raw)
		}
		var got []string
		for _, c := range out.Connections {
			got = append(got, c["provider_config_key"].(string)+"/"+c["connection_id"].(string))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: got %q; want %q", tc.query, strings.Join(got, " "), tc.want)
		}
	}
	var ints struct{ Data []map[string]any }
	ts.json("GET", "/nango/integrations", n.SecretKey, "", &ints)
	if len(ints.Data) != 3 || ints.Data[0]["unique_key"] == nil || ints.Data[0]["display_name"] == nil {
		t.Errorf("integrations: %v", ints.Data)
	}
	var one struct{ Data map[string]any }
	ts.json("GET", "/nango/integrations/github", n.SecretKey, "", &one)
	if one.Data["unique_key"] != "github" || one.Data["display_name"] != "GitHub" || one.Data["provider"] != "github" {
		t.Errorf("integration: %v", one.Data)
	}
}

// TestNangoCORS: a browser on another origin may make the connect calls
// and read their answers, refusals included.
func TestNangoCORS(t *testing.T) {
	ts := startServer(t)
	n := ts.newNangoEnv("cors")
	for _, fr := range []string{"api-auth/api-key/github", "api-auth/basic/basic", "auth/unauthenticated/plain"} {
		req, _ := http.NewRequest("OPTIONS", ts.base+"/nango/"+fr+"?connection_id=x", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		if res.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.EqualFold(h.Get("Access-Control-Allow-Headers"), "content-type") {
			t.Errorf("preflight %s: %d %v", fr, res.StatusCode, h)
		}
	}
	req, _ := http.NewRequest("POST", ts.base+"/nango/api-auth/api-key/github?connection_id=x&public_key="+n.PublicKey, strings.NewReader(`{"apiKey":"k"}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("refusal: %d without CORS headers %v", res.StatusCode, res.Header)
	}
}

// failingStore is a store whose database stops answering when down is set.
type failingStore struct {
	platform.Store
	down atomic.Bool
}

var errDown = errors.New("database is down")

func (f *failingStore) UpsertConnection(ctx context.Context, c *platform.Connection, a platform.AuditEntry) (bool, error) {
	if f.down.Load() {
		return false, errDown
	}
	return f.Store.UpsertConnection(ctx, c, a)
}

func (f *failingStore) Connection(ctx context.Context, envID, integrationID, connectionID string) (*platform.Connection, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Connection(ctx, envID, integrationID, connectionID)
}

func (f *failingStore) Connections(ctx context.Context, filter platform.ConnectionFilter) ([]*platform.Connection, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Connections(ctx, filter)
}

// TestNangoStoreDown: a store that cannot answer means 503 in Nango's
// envelope, never an accept, and nothing is stored.
func TestNangoStoreDown(t *testing.T) {
	var store *failingStore
	p := newInProcess(t, func(base platform.Store) platform.Store {
		store = &failingStore{Store: base}
		return store
	})
	call := func(method, path, token, body string) (int, string) {
		rec := p.call(method, path, token, body)
		return rec.Code, rec.Body.String()
	}
	var e envCreds
	decode(t, p.call("POST", "/v1/environments", p.admin, `{"name":"down"}`), &e)
	call("POST", "/v1/integrations", e.SecretKey, `{"id":"github","auth_mode":"api_key"}`)
	call("GET", "/nango/integrations", e.SecretKey, "") // caches the environment
	store.down.Store(true)
	for _, c := range []struct{ method, path, token, body string }{
		{"POST", "/nango/api-auth/api-key/github?connection_id=u&public_key=" + e.PublicKey, "", `{"apiKey":"k"}`},
		{"GET", "/nango/connections/u?provider_config_key=github", e.SecretKey, ""},
		{"GET", "/nango/connections", e.SecretKey, ""},
		{"GET", "/nango/connections?connectionId=u", e.SecretKey, ""},
	} {
		code, raw := call(c.method, c.path, c.token, c.body)
		if got := nangoRefusal(t, raw); code != 503 || got != "unavailable" {
			t.Errorf("%s %s with the store down: %d %s; want 503 unavailable", c.method, c.path, code, raw)
		}
	}
	store.down.Store(false)
	if code, raw := call("GET", "/nango/connections", e.SecretKey, ""); code != 200 || strings.Contains(raw, `"connection_id"`) {
		t.Errorf("after the outage: %d %s; want no connections", code, raw)
	}
}

// TestNangoDocsListEveryCode keeps docs/nango.md's table of error codes
// complete.
func TestNangoDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../docs/nango.md")
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{"missing_hmac", "invalid_hmac", "unauthorized", "unavailable", "body_too_large", "not_found"}
	for _, e := range server.NangoCodes() {
		codes = append(codes, e.Code())
	}
	for _, c := range codes {
		if !strings.Contains(string(doc), "| `"+c+"` |") {
			t.Errorf("docs/nango.md has no table row for %s", c)
		}
	}
}
