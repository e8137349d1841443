// Package testenv gives tests the services they need — PostgreSQL and
// Redis on this machine — and decides what happens when one is missing:
// with HMACGATE_REQUIRE_SERVICES set (CI sets it) the test fails; without
// it, the test is skipped with a message that says how to run it.
package testenv

import (
	"context"
	"os"
	"testing"
	"time"

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
