// Package scaleout_test runs several real `hmacgate serve` instances in
// process, sharing PostgreSQL and Redis, and checks what instances behind
// one address must guarantee.
package scaleout_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/server"
)

const adminToken = "hga_scaleout-test-admin-token-0123456789abcdef"

// cluster is several instances on one PostgreSQL schema and one Redis.
type cluster struct {
	t      *testing.T
	dbURL  string
	schema string
	nodes  []*server.Daemon
	bases  []string
}

func startCluster(t *testing.T, n int, redisURL string) *cluster {
	t.Helper()
	dbURL, schema := testenv.PostgresSchema(t)
	if redisURL == "" {
		testenv.Redis(t) // fails or skips when Redis is missing
		redisURL = testenv.RedisURL()
	}
	c := &cluster{t: t, dbURL: dbURL, schema: schema}
	master := hmacgate.GenerateKey().Reveal()
	for range n {
		d, err := server.Open(context.Background(), server.Config{
			Listen: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, RedisURL: redisURL,
			MasterKey: master, AdminToken: adminToken, Stdout: io.Discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		c.nodes = append(c.nodes, d)
		c.bases = append(c.bases, "http://"+d.Addr())
	}
	return c
}

func (c *cluster) do(node int, method, path, token, body string, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.bases[node]+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		_ = json.Unmarshal(b, out)
	}
	return res.StatusCode
}

type env struct {
	PublicKey string `json:"public_key"`
	SecretKey string `json:"secret_key"`
	key       string
}

// newEnv makes an environment with integration "github" and an HMAC key,
// through node 0.
func (c *cluster) newEnv() env {
	c.t.Helper()
	var e env
	if code := c.do(0, "POST", "/v1/environments", adminToken, `{"name":"scale"}`, &e); code != 201 {
		c.t.Fatalf("create environment: %d", code)
	}
	c.do(0, "POST", "/v1/integrations", e.SecretKey, `{"id":"github"}`, nil)
	var k struct{ Key string }
	c.do(0, "POST", "/v1/hmac/keys", e.SecretKey, `{}`, &k)
	e.key = k.Key
	return e
}

func (c *cluster) connect(node int, e env, connection, digest string) int {
	b, _ := json.Marshal(map[string]string{"public_key": e.PublicKey, "connection_id": connection, "hmac": digest})
	return c.do(node, "POST", "/v1/connect/github", "", string(b), nil)
}

// TestEnforceReachesTheOtherInstance: HMAC mode switched to enforce on one
// instance is enforced by the other within a second.
func TestEnforceReachesTheOtherInstance(t *testing.T) {
	c := startCluster(t, 2, "")
	e := c.newEnv()
	// Node 1 caches the environment in mode off: a call without a digest passes.
	if code := c.connect(1, e, "warm", ""); code != 201 {
		t.Fatalf("mode off on node 1: %d", code)
	}
	if code := c.do(0, "PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"enforce"}`, nil); code != 200 {
		t.Fatalf("set mode: %d", code)
	}
	switched := time.Now()
	for {
		code := c.connect(1, e, "probe", "")
		if code == 401 {
			t.Logf("node 1 refused %v after the switch on node 0", time.Since(switched).Round(time.Millisecond))
			break
		}
		if time.Since(switched) > time.Second {
			t.Fatalf("node 1 still accepts calls without a digest %v after enforce was set on node 0 (last status %d)", time.Since(switched), code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConcurrentConnectMakesOneRow: 200 concurrent connect calls for the
// same connection, spread over both instances, make exactly one row and
// exactly one 201.
func TestConcurrentConnectMakesOneRow(t *testing.T) {
	c := startCluster(t, 2, "")
	e := c.newEnv()
	c.do(0, "PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"enforce"}`, nil)
	d, _ := connect.Digest(hmacgate.MustParseKey(e.key), "github", "the-one")
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := c.connect(i%2, e, "the-one", d)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 1 || codes[200] != 199 {
		t.Errorf("status codes %v; want one 201 and 199 200", codes)
	}
	var list struct{ Connections []json.RawMessage }
	c.do(1, "GET", "/v1/connections", e.SecretKey, "", &list)
	if len(list.Connections) != 1 {
		t.Errorf("%d rows; want 1", len(list.Connections))
	}
}

// TestPostgresConnectionsKilled: after the server's database connections
// are terminated, it recovers without a restart and no committed row is lost.
func TestPostgresConnectionsKilled(t *testing.T) {
	c := startCluster(t, 1, "")
	e := c.newEnv()
	committed := map[string]bool{}
	write := func(from, to int) (failed int) {
		for i := from; i < to; i++ {
			id := "conn-" + itoa(i)
			switch code := c.connect(0, e, id, ""); code {
			case 201:
				committed[id] = true
			default:
				failed++
			}
		}
		return failed
	}
	if failed := write(0, 50); failed != 0 {
		t.Fatalf("%d writes failed before the kill", failed)
	}
	admin, err := sql.Open("pgx", testenv.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, c.schema).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no server connection was found to kill")
	}
	failedDuring := write(50, 100)
	if failedDuring > 1 {
		t.Errorf("%d of 50 writes failed after the kill; the pool should recover at once", failedDuring)
	}
	if failed := write(100, 120); failed != 0 {
		t.Errorf("%d writes failed after recovery", failed)
	}
	var list struct {
		Connections []struct {
			ConnectionID string `json:"connection_id"`
		}
	}
	c.do(0, "GET", "/v1/connections?limit=500", e.SecretKey, "", &list)
	got := map[string]bool{}
	for _, cn := range list.Connections {
		got[cn.ConnectionID] = true
	}
	for id := range committed {
		if !got[id] {
			t.Errorf("committed connection %s is lost", id)
		}
	}
	t.Logf("killed %d connections; %d writes failed at the moment of the kill; %d rows committed", killed, failedDuring, len(committed))
}

func itoa(i int) string { return string(bytes.TrimSpace([]byte(jsonInt(i)))) }

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestSecretKeyRotationReachesTheOtherInstance: a secret key rotated on one
// instance works on the other at once, the old one keeps working there
// during the overlap, and a rotation that retires it "now" stops it there
// within a second (each instance's cache knows both hashes while they
// overlap, and drops them on the announcement).
func TestSecretKeyRotationReachesTheOtherInstance(t *testing.T) {
	c := startCluster(t, 2, "")
	e := c.newEnv()
	if code := c.do(1, "GET", "/v1/environment", e.SecretKey, "", nil); code != 200 {
		t.Fatalf("node 1 before: %d", code)
	}
	var r struct {
		SecretKey string `json:"secret_key"`
	}
	if code := c.do(0, "POST", "/v1/environment/secret-key", e.SecretKey, `{}`, &r); code != 201 {
		t.Fatalf("rotate: %d", code)
	}
	if c.do(1, "GET", "/v1/environment", r.SecretKey, "", nil) != 200 || c.do(1, "GET", "/v1/environment", e.SecretKey, "", nil) != 200 {
		t.Fatal("during the overlap node 1 must take both keys")
	}
	var now struct {
		SecretKey string `json:"secret_key"`
	}
	if code := c.do(0, "POST", "/v1/environment/secret-key", r.SecretKey, `{"retire_previous_at":"now"}`, &now); code != 201 {
		t.Fatalf("rotate now: %d", code)
	}
	rotated := time.Now()
	for c.do(1, "GET", "/v1/environment", r.SecretKey, "", nil) != 401 {
		if time.Since(rotated) > time.Second {
			t.Fatal("node 1 still takes the retired key a second after the rotation")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := c.do(1, "GET", "/v1/environment", now.SecretKey, "", nil); code != 200 {
		t.Errorf("node 1 with the new key: %d", code)
	}
}
