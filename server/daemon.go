package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/postgres"
	"github.com/hmacgate/hmacgate/redisbus"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
	"github.com/hmacgate/hmacgate/seal"
	"github.com/hmacgate/hmacgate/sqlite"
)

// Config is the configuration of `hmacgate serve`.
type Config struct {
	// Listen is the API's address; default 127.0.0.1:8080.
	Listen string
	// AdminListen, when set, serves /metrics there instead of on Listen.
	AdminListen string
	// DataDir holds the SQLite database and the master key file; default
	// ./hmacgate-data.
	DataDir string
	// DatabaseURL, when set (postgres://…), keeps state in PostgreSQL
	// instead of SQLite, so that several instances can share it.
	DatabaseURL string
	// RedisURL, when set (redis://…), carries cache invalidations between
	// instances (and replay claims, where the server verifies orders).
	RedisURL string
	// RefreshEvery is the fallback cache refresh; zero means 5 s with a
	// shared database and none with SQLite.
	RefreshEvery time.Duration
	// MasterKey seals keys and credentials at rest; empty means the key file
	// in DataDir (made on first start).
	MasterKey string
	// AdminToken, when set, becomes the admin token (its hash is stored).
	AdminToken string
	// ShutdownTimeout bounds a graceful shutdown; default 10 s.
	ShutdownTimeout time.Duration
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Stdout receives the one-time "admin token: …" line; nil means os.Stdout.
	Stdout io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DeliveryAllow lists private ranges test deliveries may reach.
	DeliveryAllow []netip.Prefix
	// SessionTTL is how long a console session lasts; zero means 8 hours.
	SessionTTL time.Duration
}

// Daemon is the running platform server: store, listeners, background work.
// Tests start it in-process with Addr ":0"-style listen addresses.
type Daemon struct {
	cfg     Config
	store   platform.Store
	redis   *redis.Client
	server  *Server
	api     *http.Server
	admin   *http.Server
	lns     []net.Listener
	closeMu sync.Once
	errc    chan error
}

const masterKeyFile = "master.key"

// settingMasterCheck holds a value sealed under the master key, to detect a
// wrong master key at start instead of on the first request.
const settingMasterCheck = "master_key_check"

// Open prepares the daemon: data directory, master key, store, admin token,
// listeners. It does not serve yet.
func Open(ctx context.Context, cfg Config) (*Daemon, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "hmacgate-data"
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	d := &Daemon{cfg: cfg, errc: make(chan error, 2)}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(master)
	if err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	d.store = store
	if err := checkMasterKey(ctx, store, sealer); err != nil {
		store.Close()
		return nil, err
	}
	tok, err := EnsureAdminToken(ctx, store, cfg.AdminToken)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("admin token: %w", err)
	}
	if tok != "" {
		fmt.Fprintf(cfg.Stdout, "admin token: %s\n", tok)
	}
	var bus Bus
	var guard hmacgate.ReplayGuard
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("--redis-url: %w", err)
		}
		d.redis = redis.NewClient(opts)
		bus = redisbus.New(d.redis, "")
		guard = replayredis.New(d.redis, "")
	}
	refresh := cfg.RefreshEvery
	if refresh == 0 && cfg.DatabaseURL != "" {
		refresh = 5 * time.Second
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.server = New(Options{Store: store, Sealer: sealer, Logger: cfg.Logger, Registry: reg, Now: cfg.Now,
		DeliveryAllow: cfg.DeliveryAllow, Bus: bus, RefreshEvery: refresh, Replay: guard, SessionTTL: cfg.SessionTTL})

	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	apiMux := http.NewServeMux()
	apiMux.Handle("/", d.server.Handler())
	if cfg.AdminListen == "" {
		apiMux.Handle("GET /metrics", metricsHandler)
	}
	d.api = &http.Server{Handler: apiMux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 32 << 10}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.lns = append(d.lns, ln)
	if cfg.AdminListen != "" {
		adminMux := http.NewServeMux()
		adminMux.Handle("GET /metrics", metricsHandler)
		adminMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { web.WriteJSON(w, 200, map[string]string{"status": "ok"}) })
		d.admin = &http.Server{Handler: adminMux, ReadHeaderTimeout: 10 * time.Second}
		aln, err := net.Listen("tcp", cfg.AdminListen)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.lns = append(d.lns, aln)
	}
	return d, nil
}

// OpenStore opens PostgreSQL when a database URL is given, else SQLite in
// the data directory.
func OpenStore(ctx context.Context, cfg Config) (platform.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "hmacgate.db"))
}

func loadMasterKey(cfg Config) (hmacgate.Key, error) {
	if cfg.MasterKey != "" {
		k, err := hmacgate.ParseKey(cfg.MasterKey)
		if err != nil || k.Weak() {
			return hmacgate.Key{}, errors.New("HMACGATE_MASTER_KEY must be at least 32 bytes; make one with hmacgate keygen")
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, masterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := hmacgate.GenerateKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return hmacgate.Key{}, fmt.Errorf("create master key file: %w", err)
		}
		if _, err := f.WriteString(k.Reveal() + "\n"); err != nil {
			f.Close()
			return hmacgate.Key{}, err
		}
		if err := f.Close(); err != nil {
			return hmacgate.Key{}, err
		}
		return k, nil
	}
	if err != nil {
		return hmacgate.Key{}, fmt.Errorf("read master key file: %w", err)
	}
	k, err := hmacgate.ParseKey(strings.TrimRight(string(b), "\r\n"))
	if err != nil || k.Weak() {
		return hmacgate.Key{}, fmt.Errorf("%s must hold a key of at least 32 bytes", path)
	}
	return k, nil
}

func checkMasterKey(ctx context.Context, store platform.Store, sealer *seal.Sealer) error {
	const want = "hmacgate master key check"
	sealed, err := store.Setting(ctx, settingMasterCheck)
	if errors.Is(err, platform.ErrNotFound) {
		return store.SetSetting(ctx, settingMasterCheck, sealer.Seal([]byte(want), settingMasterCheck), platform.AuditEntry{})
	}
	if err != nil {
		return err
	}
	if plain, err := sealer.Open(sealed, settingMasterCheck); err != nil || string(plain) != want {
		return errors.New("the master key does not open this database's secrets: use the master key it was created with (HMACGATE_MASTER_KEY or the data dir's master.key)")
	}
	return nil
}

// Addr returns the API's listen address (useful with port 0).
func (d *Daemon) Addr() string { return d.lns[0].Addr().String() }

// AdminAddr returns the admin listener's address, or "".
func (d *Daemon) AdminAddr() string {
	if len(d.lns) < 2 {
		return ""
	}
	return d.lns[1].Addr().String()
}

// Server returns the API server.
func (d *Daemon) Server() *Server { return d.server }

// Store returns the daemon's store.
func (d *Daemon) Store() platform.Store { return d.store }

// Run serves until ctx is done, then shuts down gracefully: in-flight
// requests finish (up to ShutdownTimeout), report counts are flushed, the
// store is closed.
func (d *Daemon) Run(ctx context.Context) error {
	go func() { d.errc <- ignoreClosed(d.api.Serve(d.lns[0])) }()
	if d.admin != nil {
		go func() { d.errc <- ignoreClosed(d.admin.Serve(d.lns[1])) }()
	}
	d.cfg.Logger.Info("serving", "listen", d.Addr(), "admin", d.AdminAddr(), "data_dir", d.cfg.DataDir)
	var err error
	select {
	case <-ctx.Done():
	case err = <-d.errc:
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close shuts the daemon down gracefully; it is safe to call more than once.
func (d *Daemon) Close() error {
	var err error
	d.closeMu.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
		defer cancel()
		if d.api != nil {
			err = errors.Join(err, d.api.Shutdown(ctx))
		}
		if d.admin != nil {
			err = errors.Join(err, d.admin.Shutdown(ctx))
		}
		for _, ln := range d.lns {
			_ = ln.Close()
		}
		if d.server != nil {
			err = errors.Join(err, d.server.Close())
		}
		if d.store != nil {
			err = errors.Join(err, d.store.Close())
		}
		if d.redis != nil {
			err = errors.Join(err, d.redis.Close())
		}
	})
	return err
}
