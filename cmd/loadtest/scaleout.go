package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/loadtest"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/proxy"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
	"github.com/hmacgate/hmacgate/server"
)

// runScaleout compares one instance with its state in memory and SQLite
// against two instances sharing PostgreSQL and Redis, for connect calls and
// for proxy verifications, on this machine's PostgreSQL and Redis
// (HMACGATE_TEST_DATABASE_URL, HMACGATE_TEST_REDIS_URL).
func runScaleout(cfg config) ([]loadtest.Result, error) {
	pgURL := envOr("HMACGATE_TEST_DATABASE_URL", "postgres://127.0.0.1:5432/test?sslmode=disable")
	redisURL := envOr("HMACGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	dbURL, cleanup, err := schemaURL(pgURL)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	master := hmacgate.GenerateKey().Reveal()
	const admin = "hga_loadtest-admin-token-0123456789abcdefghij"
	start := func(databaseURL, redis string) (string, func(), error) {
		dir, err := os.MkdirTemp("", "hmacgate-load-")
		if err != nil {
			return "", nil, err
		}
		d, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: dir, DatabaseURL: databaseURL,
			RedisURL: redis, MasterKey: master, AdminToken: admin, Stdout: io.Discard})
		if err != nil {
			return "", nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		return "http://" + d.Addr(), func() { cancel(); <-done; os.RemoveAll(dir) }, nil
	}
	single, stop1, err := start("", "")
	if err != nil {
		return nil, err
	}
	defer stop1()
	var pair []string
	for range 2 {
		b, stop, err := start(dbURL, redisURL)
		if err != nil {
			return nil, err
		}
		defer stop()
		pair = append(pair, b)
	}

	var rows []loadtest.Result
	for _, setup := range []struct {
		key, name string
		bases     []string
	}{{"single", "one instance, SQLite", []string{single}}, {"pair", "two instances, PostgreSQL + Redis", pair}} {
		pk, key, err := connectEnv(setup.bases[0], admin)
		if err != nil {
			return nil, err
		}
		h := http.Header{"Content-Type": {"application/json"}}
		urls := make([]string, len(setup.bases))
		for i, b := range setup.bases {
			urls[i] = b + "/v1/connect/github"
		}
		missing := [][]byte{[]byte(`{"public_key":"` + pk + `","connection_id":"user-1"}`)}
		accepted := make([][]byte, cfg.max)
		for i := range accepted {
			id := fmt.Sprintf("user-%d", i)
			dg, _ := connect.Digest(key, "github", id)
			accepted[i] = []byte(`{"public_key":"` + pk + `","connection_id":"` + id + `","hmac":"` + dg + `"}`)
		}
		for _, a := range []struct {
			key, name string
			bodies    [][]byte
		}{{"refused", "connect refused (no digest)", missing}, {"accepted", "connect accepted (new row)", accepted}} {
			r, err := loadtest.Attack(a.key+"-"+setup.key, a.name+", "+setup.name, loadtest.Spread("POST", urls, h, a.bodies), cfg.workers, cfg.duration, cfg.max)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	}

	// Proxies: one with its claims in memory, two sharing Redis.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer up.Close()
	upURL, _ := url.Parse(up.URL)
	secret := hmacgate.GenerateKey()
	dir, _ := os.MkdirTemp("", "hmacgate-load-")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(file, []byte(secret.Reveal()), 0o600); err != nil {
		return nil, err
	}
	startProxy := func(guard hmacgate.ReplayGuard) (string, error) {
		p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: upURL, SecretFiles: []string{file}, Replay: guard,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return "", err
		}
		if err := p.Run(context.Background()); err != nil {
			return "", err
		}
		return "http://" + p.Addr().String() + "/orders", nil
	}
	memProxy, err := startProxy(nil)
	if err != nil {
		return nil, err
	}
	var redisProxies []string
	for range 2 {
		g, client, err := replayredis.Open(redisURL, "loadtest-"+randomHex())
		if err != nil {
			return nil, err
		}
		defer client.Close()
		u, err := startProxy(g)
		if err != nil {
			return nil, err
		}
		redisProxies = append(redisProxies, u)
	}
	orders := make([][]byte, cfg.max)
	for i := range orders {
		form, err := order.Encode(secret, order.OrderData{InstallationID: "inst-1", OrderID: fmt.Sprintf("o-%d", i),
			User: order.User{ID: "u-1", Email: "kari@example.no", Name: "Kari Nordmann"}})
		if err != nil {
			return nil, err
		}
		orders[i] = []byte(form.Encode())
	}
	fh := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for _, p := range []struct {
		key, name string
		urls      []string
		from      int
	}{{"proxy-memory", "proxy verification, one proxy, claims in memory", []string{memProxy}, 0},
		{"proxy-redis", "proxy verification, two proxies, claims in Redis", redisProxies, len(orders) / 2}} {
		r, err := loadtest.Attack(p.key, p.name, loadtest.Spread("POST", p.urls, fh, orders[p.from:]), cfg.workers, cfg.duration, uint64(len(orders)/2))
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	fmt.Println(loadtest.Header)
	for _, r := range rows {
		fmt.Println(r)
	}
	return rows, nil
}

// connectEnv makes an environment in enforce mode with integration github.
func connectEnv(base, admin string) (string, hmacgate.Key, error) {
	var env struct {
		PublicKey string `json:"public_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := call(base, "POST", "/v1/environments", admin, `{"name":"load"}`, &env); err != nil {
		return "", hmacgate.Key{}, err
	}
	var k struct{ Key string }
	for _, err := range []error{
		call(base, "POST", "/v1/integrations", env.SecretKey, `{"id":"github"}`, nil),
		call(base, "POST", "/v1/hmac/keys", env.SecretKey, `{}`, &k),
		call(base, "PUT", "/v1/hmac/mode", env.SecretKey, `{"mode":"enforce"}`, nil),
	} {
		if err != nil {
			return "", hmacgate.Key{}, err
		}
	}
	return env.PublicKey, hmacgate.MustParseKey(k.Key), nil
}

// schemaURL creates a schema of its own in the database and returns a URL
// that uses it, and a function that drops it.
func schemaURL(pgURL string) (string, func(), error) {
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		return "", nil, err
	}
	schema := "hmacgate_load_" + randomHex()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", pgURL, err)
	}
	u, _ := url.Parse(pgURL)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); db.Close() }, nil
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
