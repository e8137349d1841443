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
	// MasterKey seals keys and credentials at rest: one key, or several
	// separated by commas or newlines (the first seals, all open). Empty
	// means the key file in DataDir, made on the first start only.
	MasterKey string
	// AdminToken, when set, becomes the admin token (its hash is stored); it
	// must be at least MinAdminTokenLen bytes.
	AdminToken string
	// Retention is how long the launch log and the audit log are kept;
	// zero means DefaultRetention.
	Retention time.Duration
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
	cfg       Config
	lock      *os.File // the SQLite data directory's lock; nil with PostgreSQL
	store     platform.Store
	redis     *redis.Client
	server    *Server
	api       *http.Server
	admin     *http.Server
	reg       *prometheus.Registry
	lns       []net.Listener
	closeOnce sync.Once
	errc      chan error
}

// Open prepares the daemon: data directory (locked, with SQLite), master
// key, store, admin token, Redis, the server and its listeners. It does not
// serve yet. On an error, whatever was opened is closed again.
func Open(ctx context.Context, cfg Config) (*Daemon, error) {
	d := &Daemon{cfg: cfg.withDefaults(), errc: make(chan error, 2)}
	if err := d.open(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// withDefaults fills in the settings left empty.
func (cfg Config) withDefaults() Config {
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
	return cfg
}

// open runs the steps of Open in order; each leaves what it opened in d.
func (d *Daemon) open(ctx context.Context) error {
	if err := d.checkConfig(); err != nil {
		return err
	}
	if err := d.openDataDir(); err != nil {
		return err
	}
	sealer, err := d.openSealer(ctx)
	if err != nil {
		return err
	}
	if err := d.openStore(ctx, sealer); err != nil {
		return err
	}
	if err := d.ensureAdminToken(ctx); err != nil {
		return err
	}
	bus, guard, err := d.openRedis()
	if err != nil {
		return err
	}
	d.newServer(sealer, bus, guard)
	return d.listen()
}

// checkConfig refuses settings that must not start a server, before
// anything is written.
func (d *Daemon) checkConfig() error {
	if d.cfg.AdminToken != "" && len(d.cfg.AdminToken) < MinAdminTokenLen {
		return errShortAdminToken
	}
	return nil
}

// usesDataDir reports whether anything lives in the data directory: the
// SQLite database, or the master key file when the environment gives none.
func (cfg Config) usesDataDir() bool { return cfg.DatabaseURL == "" || cfg.MasterKey == "" }

// openDataDir makes the data directory private, when it is used, and with
// SQLite takes its lock, so that a second serve on it refuses to start.
func (d *Daemon) openDataDir() error {
	if !d.cfg.usesDataDir() {
		return nil
	}
	if err := prepareDataDir(d.cfg.DataDir); err != nil {
		return err
	}
	if d.cfg.DatabaseURL != "" {
		return nil
	}
	lock, err := lockDataDir(d.cfg.DataDir)
	if err != nil {
		return err
	}
	d.lock = lock
	return nil
}

// openStore opens the store and checks that the master key opens its
// secrets.
func (d *Daemon) openStore(ctx context.Context, sealer *seal.Sealer) error {
	store, err := OpenStore(ctx, d.cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	d.store = store
	return checkMasterKey(ctx, store, sealer)
}

// ensureAdminToken makes the admin token on the first start and prints it
// once, or sets the one the configuration gives.
func (d *Daemon) ensureAdminToken(ctx context.Context) error {
	tok, err := EnsureAdminToken(ctx, d.store, d.cfg.AdminToken)
	if err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if tok != "" {
		fmt.Fprintf(d.cfg.Stdout, "admin token: %s\n", tok)
	}
	return nil
}

// openRedis connects to Redis when it is configured: the bus that carries
// cache invalidations and the shared replay guard. Both are nil without it.
func (d *Daemon) openRedis() (Bus, hmacgate.ReplayGuard, error) {
	if d.cfg.RedisURL == "" {
		return nil, nil, nil
	}
	opts, err := redis.ParseURL(d.cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %w", err)
	}
	d.redis = redis.NewClient(opts)
	return redisbus.New(d.redis, ""), replayredis.New(d.redis, ""), nil
}

// newServer makes the API server with its metrics registry.
func (d *Daemon) newServer(sealer *seal.Sealer, bus Bus, guard hmacgate.ReplayGuard) {
	refresh := d.cfg.RefreshEvery
	if refresh == 0 && d.cfg.DatabaseURL != "" {
		refresh = 5 * time.Second
	}
	d.reg = prometheus.NewRegistry()
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.server = New(Options{Store: d.store, Sealer: sealer, Logger: d.cfg.Logger, Registry: d.reg, Now: d.cfg.Now,
		DeliveryAllow: d.cfg.DeliveryAllow, Bus: bus, RefreshEvery: refresh, Replay: guard, SessionTTL: d.cfg.SessionTTL,
		Retention: d.cfg.Retention})
}

// listen opens the API's listener, and the admin listener when configured
// (/metrics moves there).
func (d *Daemon) listen() error {
	metricsHandler := promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{})
	apiMux := http.NewServeMux()
	apiMux.Handle("/", d.server.Handler())
	if d.cfg.AdminListen == "" {
		apiMux.Handle("GET /metrics", metricsHandler)
	}
	d.api = &http.Server{Handler: apiMux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 32 << 10}
	ln, err := listenOn(d.cfg.Listen, "--listen (HMACGATE_LISTEN)")
	if err != nil {
		return err
	}
	d.lns = append(d.lns, ln)
	if d.cfg.AdminListen == "" {
		return nil
	}
	adminMux := http.NewServeMux()
	adminMux.Handle("GET /metrics", metricsHandler)
	adminMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	d.admin = &http.Server{Handler: adminMux, ReadHeaderTimeout: 10 * time.Second}
	aln, err := listenOn(d.cfg.AdminListen, "--admin-listen (HMACGATE_ADMIN_LISTEN)")
	if err != nil {
		return err
	}
	d.lns = append(d.lns, aln)
	return nil
}

// listenOn opens a TCP listener; its error names the setting that chose the
// address, so that a port in use says how to pick another.
func listenOn(addr, setting string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w; if another program uses it, choose another address with %s", addr, err, setting)
	}
	return ln, nil
}

// OpenStore opens PostgreSQL when a database URL is given, else SQLite in
// the data directory.
func OpenStore(ctx context.Context, cfg Config) (platform.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	return sqlite.Open(ctx, sqlitePath(cfg))
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
	d.cfg.Logger.Info("serving", d.servingAttrs()...)
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

// servingAttrs describe what the daemon serves, and with what, for the log
// line at start: only what is in use.
func (d *Daemon) servingAttrs() []any {
	attrs := []any{"listen", d.Addr()}
	if a := d.AdminAddr(); a != "" {
		attrs = append(attrs, "admin_listen", a)
	}
	if d.cfg.DatabaseURL != "" {
		attrs = append(attrs, "store", "postgres")
	} else {
		attrs = append(attrs, "store", "sqlite")
	}
	if d.cfg.usesDataDir() {
		attrs = append(attrs, "data_dir", d.cfg.DataDir)
	}
	if d.redis != nil {
		attrs = append(attrs, "redis", true)
	}
	return attrs
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
	d.closeOnce.Do(func() {
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
			err = errors.Join(err, d.server.Shutdown(ctx))
		}
		if d.store != nil {
			err = errors.Join(err, d.store.Close())
		}
		if d.redis != nil {
			err = errors.Join(err, d.redis.Close())
		}
		if d.lock != nil {
			err = errors.Join(err, d.lock.Close()) // releases the data directory
		}
	})
	return err
}
