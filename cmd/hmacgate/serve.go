package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hmacgate/hmacgate/server"
)

var serveSpec = &spec{
	name:     "serve",
	synopsis: "[--listen ADDR] [--data-dir DIR | --database-url URL] [--redis-url URL] [flags]",
	about: `Run the platform server: environments with HMAC settings, the HMAC-gated
connect endpoint (POST /v1/connect/{integration}), the admin and environment
APIs (docs/api.md), /sdk.js, /healthz, /readyz and Prometheus /metrics.

With no flags it keeps its state in embedded SQLite under ./hmacgate-data and
listens on 127.0.0.1:8080. On first start it creates the master key file
(mode 0600) that encrypts HMAC keys and credentials at rest, and prints the
admin token once, as a line "admin token: <token>"; only its hash is stored.

Every flag can also be set by the environment variable named in brackets
after it; a flag given on the command line wins.

Secrets come only from the environment:
  HMACGATE_MASTER_KEY   master key (hmacgate keygen); instances sharing a database share it.
                        Several keys, separated by commas, rotate it: the first seals, all
                        open (docs/deploy.md, hmacgate admin reseal)
  HMACGATE_ADMIN_TOKEN  use this admin token (at least 32 bytes) instead of a generated one

With SQLite, serve locks the data directory (mode 0700, database files 0600):
a second serve on it refuses to start. A database without its master key
(master.key deleted, HMACGATE_MASTER_KEY unset) refuses to start too, and
nothing is written. Launch orderdata is kept only until the link is used or
expires; the launch log, the audit log and the connect report for --retention.

SIGTERM or SIGINT stops it gracefully: in-flight requests finish first.`,
	example: `  $ hmacgate serve > serve.log &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 localhost:8080/healthz
  {"status":"ok"}
  $ TOKEN=$(sed -n 's/^admin token: //p' serve.log)
  # printed once, on the first start: keep it
  $ curl -s -X POST localhost:8080/v1/environments -H "Authorization: Bearer $TOKEN" -d '{"name":"production"}'
  {"id":"env_…"…}
  $ kill %1
  # SIGTERM: requests in flight finish first`,
}

func runServe(e *env, args []string) int {
	fs := newFlags(serveSpec)
	listen := fs.String("listen", envOr(e, "HMACGATE_LISTEN", "127.0.0.1:8080"), "serve the API, the console and /sdk.js on `ADDR` [HMACGATE_LISTEN]")
	adminListen := fs.String("admin-listen", envOr(e, "HMACGATE_ADMIN_LISTEN", ""), "serve /metrics on `ADDR` instead of --listen [HMACGATE_ADMIN_LISTEN]")
	dataDir := fs.String("data-dir", envOr(e, "HMACGATE_DATA_DIR", "hmacgate-data"), "keep the master key file and the SQLite database in `DIR` [HMACGATE_DATA_DIR]")
	databaseURL := fs.String("database-url", envOr(e, "HMACGATE_DATABASE_URL", ""), "keep state in PostgreSQL at `URL` (postgres://…) instead of SQLite,\nfor several instances (docs/deploy.md) [HMACGATE_DATABASE_URL]")
	redisURL := fs.String("redis-url", envOr(e, "HMACGATE_REDIS_URL", ""), "use Redis at `URL` (redis://…) for cache invalidation and replay claims\nshared by several instances [HMACGATE_REDIS_URL]")
	logLevel := fs.String("log-level", envOr(e, "HMACGATE_LOG_LEVEL", "info"), "log at `LEVEL`: debug, info, warn or error [HMACGATE_LOG_LEVEL]")
	logFormat := fs.String("log-format", envOr(e, "HMACGATE_LOG_FORMAT", "text"), "log as `FORMAT`: text or json [HMACGATE_LOG_FORMAT]")
	shutdown := fs.String("shutdown-timeout", envOr(e, "HMACGATE_SHUTDOWN_TIMEOUT", "10s"), "on SIGTERM, wait at most `DURATION` for requests in flight [HMACGATE_SHUTDOWN_TIMEOUT]")
	sessionTTL := fs.String("session-ttl", envOr(e, "HMACGATE_SESSION_TTL", "8h"), "a console sign-in lasts `DURATION` (at least 1m) [HMACGATE_SESSION_TTL]")
	deliveryAllow := fs.String("delivery-allow", envOr(e, "HMACGATE_DELIVERY_ALLOW", ""), "deliver test orders to these private ranges: comma-separated `CIDRS` such as\n10.1.0.0/16,127.0.0.1/32 (default: none; link-local and metadata addresses\nare always refused); product order URLs must be https, except to addresses in\nthese ranges (development) [HMACGATE_DELIVERY_ALLOW]")
	retention := fs.String("retention", envOr(e, "HMACGATE_RETENTION", "90d"), "keep the launch log, the audit log and the connect report for `DAYS`\n(such as 90d, or a duration such as 720h; at least 1 day) [HMACGATE_RETENTION]")
	if code, done := e.parse(serveSpec, fs, args); done {
		return code
	}
	logger, err := newLogger(e, *logLevel, *logFormat)
	if err != nil {
		return e.usageError("serve", "%v", err)
	}
	timeout, err := time.ParseDuration(*shutdown)
	if err != nil || timeout <= 0 {
		return e.usageError("serve", "--shutdown-timeout: %q is not a positive duration", *shutdown)
	}
	ttl, err := time.ParseDuration(*sessionTTL)
	if err != nil || ttl < time.Minute {
		return e.usageError("serve", "--session-ttl: %q is not a duration of at least 1m", *sessionTTL)
	}
	keep, err := parseRetention(*retention)
	if err != nil {
		return e.usageError("serve", "--retention: %v", err)
	}
	var allow []netip.Prefix
	for _, c := range strings.Split(*deliveryAllow, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return e.usageError("serve", "--delivery-allow: %q is not a CIDR such as 10.0.0.0/8", c)
		}
		allow = append(allow, p)
	}
	ctx, stop := signal.NotifyContext(e.ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	d, err := server.Open(ctx, server.Config{
		Listen: *listen, AdminListen: *adminListen, DataDir: *dataDir, DatabaseURL: *databaseURL, RedisURL: *redisURL,
		MasterKey: e.getenv("HMACGATE_MASTER_KEY"), AdminToken: e.getenv("HMACGATE_ADMIN_TOKEN"),
		ShutdownTimeout: timeout, Logger: logger, Stdout: e.stdout, DeliveryAllow: allow, SessionTTL: ttl, Retention: keep,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "error: serve: %v\n", err)
		return exitRefused
	}
	if err := d.Run(ctx); err != nil {
		fmt.Fprintf(e.stderr, "error: serve: %v\n", err)
		return exitRefused
	}
	return exitOK
}

// parseRetention reads a retention: a number of days ("90d") or a Go
// duration ("720h"), at least one day: the audit log is a security record.
func parseRetention(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days such as 90d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 90d or 720h", v)
		}
	}
	if d < 24*time.Hour {
		return 0, fmt.Errorf("%q is shorter than one day", v)
	}
	return d, nil
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// newLogger makes the structured logger of a daemon subcommand, on stderr.
func newLogger(e *env, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}
