// Package testenv gives tests the services they need — PostgreSQL and
// Redis on this machine — and decides what happens when one is missing:
// with HMACGATE_REQUIRE_SERVICES set (CI sets it) the test fails; without
// it, the test is skipped with a message that says how to run it.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/redis/go-redis/v9"
)

// Unavailable fails or skips t for a missing service.
func Unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if os.Getenv("HMACGATE_REQUIRE_SERVICES") != "" {
		t.Fatalf("%s is required (HMACGATE_REQUIRE_SERVICES is set) but not available: %v", service, err)
	}
	t.Skipf("%s not available (set HMACGATE_REQUIRE_SERVICES=1 to make this a failure): %v", service, err)
}

// PostgresURL is the PostgreSQL server for tests:
// HMACGATE_TEST_DATABASE_URL, or the local one CI runs.
func PostgresURL() string {
	if u := os.Getenv("HMACGATE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// RedisURL is the Redis server for tests: HMACGATE_TEST_REDIS_URL, or the
// local one CI runs.
func RedisURL() string {
	if u := os.Getenv("HMACGATE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Redis returns a client for the test Redis, closed at the end of the test.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		Unavailable(t, "Redis at "+RedisURL(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// OwnRedis is a redis-server the test started on a spare port, so that it
// may stop and restart it.
type OwnRedis struct {
	t    testing.TB
	Port int
	URL  string
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server of the test's own on a spare loopback
// port, stopped at the end of the test.
func StartRedis(t testing.TB) *OwnRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "redis-server", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &OwnRedis{t: t, Port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start starts the server (again) and waits until it answers.
func (r *OwnRedis) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.Port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d did not start: %v", r.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server and waits for it to exit.
func (r *OwnRedis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// PostgresSchema creates a schema of the test's own in the test database,
// dropped at the end, and returns a URL whose connections use it, so that
// test runs never collide.
func PostgresSchema(t testing.TB) (dbURL, schema string) {
	t.Helper()
	admin, err := sql.Open("pgx", PostgresURL())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		Unavailable(t, "PostgreSQL at "+PostgresURL(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = "hmacgate_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // lets a test find (and kill) its own connections
	u.RawQuery = q.Encode()
	return u.String(), schema
}
