package main

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/loadtest"
	"github.com/hmacgate/hmacgate/internal/testenv"
)

// keys returns the report keys of rs, in order.
func keys(rs []loadtest.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Key)
	}
	return out
}

// TestConnectSmoke runs the connect scenario briefly: it checks the wiring
// and the keys scripts/loadtest.sh reports by, not the speed.
func TestConnectSmoke(t *testing.T) {
	rs, err := runConnect(config{duration: 200 * time.Millisecond, workers: 2, max: 300})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(rs), []string{"noop", "refused-missing", "refused-wrong", "accepted"}; !slices.Equal(got, want) {
		t.Fatalf("keys %v; want %v", got, want)
	}
	for _, r := range rs {
		code := map[string]string{"noop": "200", "accepted": "201"}[r.Key]
		if code == "" {
			code = "401"
		}
		if r.Requests == 0 || r.Rate <= 0 || r.Codes[code] != int(r.Requests) {
			t.Errorf("%s: %+v; want every answer %s", r.Key, r, code)
		}
	}
}

// TestScaleoutSmoke runs the scale-out scenario briefly on this machine's
// PostgreSQL and Redis.
func TestScaleoutSmoke(t *testing.T) {
	db, err := sql.Open("pgx", testenv.PostgresURL())
	if err == nil {
		err = db.Ping()
		db.Close()
	}
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at "+testenv.PostgresURL(), err)
	}
	testenv.Redis(t)
	t.Setenv("HMACGATE_TEST_DATABASE_URL", testenv.PostgresURL())
	t.Setenv("HMACGATE_TEST_REDIS_URL", testenv.RedisURL())
	rs, err := runScaleout(config{duration: 200 * time.Millisecond, workers: 2, max: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"refused-single", "accepted-single", "refused-pair", "accepted-pair", "proxy-memory", "proxy-redis"}
	if got := keys(rs); !slices.Equal(got, want) {
		t.Fatalf("keys %v; want %v", got, want)
	}
	for _, r := range rs {
		code := "200" // proxied orders, each fresh
		switch r.Key[:strings.Index(r.Key, "-")] {
		case "refused":
			code = "401"
		case "accepted":
			code = "201" // a new connection each, never a repeated body
		}
		if r.Requests == 0 || r.Rate <= 0 || r.Codes[code] != int(r.Requests) {
			t.Errorf("%s: %+v; want every answer %s", r.Key, r, code)
		}
	}
}
