package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/server"
)

// testServer is the real daemon, in-process on a random port, with a clock
// the test moves and logs captured at debug level.
type testServer struct {
	t     *testing.T
	d     *server.Daemon
	base  string
	admin string // admin token
	logs  *testenv.SyncBuffer
	clock *clock
	// seen collects every response body, to search for leaked secrets.
	seen *testenv.SyncBuffer
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func startServer(t *testing.T, allow ...netip.Prefix) *testServer {
	t.Helper()
	ts := &testServer{t: t, logs: &testenv.SyncBuffer{}, seen: &testenv.SyncBuffer{},
		clock: &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}}
	var out bytes.Buffer
	d, err := server.Open(context.Background(), server.Config{
		Listen: "127.0.0.1:0", DataDir: t.TempDir(), Stdout: &out, Now: ts.clock.Now, DeliveryAllow: allow,
		Logger: slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(strings.TrimSpace(out.String()), "admin token: ")
	if !ok {
		t.Fatalf("no admin token line: %q", out.String())
	}
	ts.d, ts.base, ts.admin = d, "http://"+d.Addr(), tok
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return ts
}

// do sends a request and decodes a JSON answer into out (if not nil).
func (ts *testServer) do(method, path, token, contentType, body string, out any) (int, string) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	ts.seen.Write(b)
	if out != nil && len(b) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(b, out); err != nil {
			ts.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, string(b)
}

func (ts *testServer) json(method, path, token, body string, out any) (int, string) {
	ts.t.Helper()
	return ts.do(method, path, token, "application/json", body, out)
}

type envCreds struct {
	ID        string `json:"id"`
	PublicKey string `json:"public_key"`
	SecretKey string `json:"secret_key"`
}

// newEnv creates an environment with an integration "github" of auth mode
// api_key and one "plain" of auth mode none.
func (ts *testServer) newEnv(name string) envCreds {
	ts.t.Helper()
	var e envCreds
	if code, body := ts.json("POST", "/v1/environments", ts.admin, `{"name":"`+name+`"}`, &e); code != 201 {
		ts.t.Fatalf("create environment: %d %s", code, body)
	}
	for _, in := range []string{`{"id":"github","name":"GitHub","auth_mode":"api_key"}`, `{"id":"plain"}`} {
		if code, body := ts.json("POST", "/v1/integrations", e.SecretKey, in, nil); code != 201 {
			ts.t.Fatalf("create integration: %d %s", code, body)
		}
	}
	return e
}

// newKey creates an HMAC key and returns it.
func (ts *testServer) newKey(e envCreds, body string) string {
	ts.t.Helper()
	var out struct {
		Key string `json:"key"`
	}
	if code, b := ts.json("POST", "/v1/hmac/keys", e.SecretKey, body, &out); code != 201 || out.Key == "" {
		ts.t.Fatalf("create key: %d %s", code, b)
	}
	return out.Key
}

func (ts *testServer) setMode(e envCreds, mode string) {
	ts.t.Helper()
	if code, b := ts.json("PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"`+mode+`"}`, nil); code != 200 {
		ts.t.Fatalf("set mode: %d %s", code, b)
	}
}

type refusal struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// refusalCode reads the code of a refusal in either shape: hmacgate's
// {"error":"<code>",…} or, on the routes under /nango, Nango's
// {"error":{"code":"<code>","message":…}}.
func refusalCode(t testing.TB, raw string) string {
	t.Helper()
	var flat struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal([]byte(raw), &flat); err != nil || len(flat.Error) == 0 {
		return ""
	}
	var code string
	if json.Unmarshal(flat.Error, &code) == nil {
		return code
	}
	var nested struct{ Code, Message string }
	if json.Unmarshal(flat.Error, &nested) != nil || nested.Message == "" {
		return "" // an envelope without a message is not Nango's
	}
	return nested.Code
}

// connect makes the connect call as hmacgate's sdk.js does.
func (ts *testServer) connect(e envCreds, integration, connection, digest, credentials string) (int, refusal) {
	ts.t.Helper()
	body := map[string]any{"public_key": e.PublicKey, "connection_id": connection}
	if digest != "" {
		body["hmac"] = digest
	}
	if credentials != "" {
		body["credentials"] = json.RawMessage(credentials)
	}
	b, _ := json.Marshal(body)
	var r refusal
	code, _ := ts.json("POST", "/v1/connect/"+integration, "", string(b), &r)
	return code, r
}

func (ts *testServer) connectionCount(e envCreds) int {
	ts.t.Helper()
	var out struct {
		Connections []json.RawMessage `json:"connections"`
	}
	if code, b := ts.json("GET", "/v1/connections?limit=500", e.SecretKey, "", &out); code != 200 {
		ts.t.Fatalf("list connections: %d %s", code, b)
	}
	return len(out.Connections)
}

type timeT = time.Time

func decode(t testing.TB, rec interface{ Result() *http.Response }, out any) {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
