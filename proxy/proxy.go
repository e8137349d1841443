package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"

	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/order/orderprom"
	"github.com/hmacgate/hmacgate/replay"
)

// Proxy is the verifying reverse proxy. It is an [http.Handler]; [Proxy.Run]
// also serves it on Config.Listen, with the admin endpoints on
// Config.AdminListen, until [Proxy.Close].
type Proxy struct {
	cfg     Config
	log     *slog.Logger
	guard   hmacgate.ReplayGuard
	forward http.Handler

	reg            *prometheus.Registry
	outcomes       *orderprom.Collector
	upstreamErrors prometheus.Counter
	reloads        *prometheus.CounterVec
	secrets        prometheus.Gauge

	reloadMu sync.Mutex
	routes   atomic.Pointer[http.ServeMux] // the order routes under the current secrets
	nsecrets atomic.Int32                  // secrets in use, for logs

	srv, admin *http.Server
	addr       net.Addr
	adminAddr  net.Addr
	serving    sync.WaitGroup
}

// New checks cfg, reads the secret files and returns a proxy ready to
// [Proxy.Run] or to serve as a handler.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger, guard: cfg.Replay}
	if p.guard == nil {
		p.guard = replay.NewMemory(0)
	}
	p.initMetrics()
	p.forward = newForwarder(cfg.Upstream, p.log, p.upstreamErrors)
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Proxy) initMetrics() {
	p.reg = prometheus.NewRegistry()
	p.outcomes = orderprom.New()
	p.upstreamErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "hmacgate", Subsystem: "proxy", Name: "upstream_errors_total",
		Help: "Verified orders the upstream did not answer (the client got 502).",
	})
	p.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "hmacgate", Subsystem: "proxy", Name: "secret_reloads_total",
		Help: `Secret reloads by result ("ok" or "error"; after an error the previous secrets stay in use).`,
	}, []string{"result"})
	p.reloads.WithLabelValues("ok")
	p.reloads.WithLabelValues("error")
	p.secrets = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "hmacgate", Subsystem: "proxy", Name: "secrets",
		Help: "Secrets in use: 1, or 2 while a regenerated secret propagates.",
	})
	p.reg.MustRegister(p.outcomes, p.upstreamErrors, p.reloads, p.secrets,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// load reads the secret files and installs routes that verify with them.
func (p *Proxy) load() error {
	ring, weak, err := LoadKeyring(p.cfg.SecretFiles)
	if err != nil {
		return err
	}
	for _, name := range weak {
		p.log.Warn("secret is shorter than recommended; generate one with 'hmacgate keygen'",
			"file", name, "min_bytes", hmacgate.MinKeyLen)
	}
	v := &order.Verifier{
		Keyring:   ring,
		MaxAge:    p.cfg.MaxAge,
		MaxFuture: p.cfg.MaxFuture,
		Now:       p.cfg.Now,
		MaxBody:   p.cfg.MaxBody,
		Replay:    p.guard, // shared by every generation of secrets
		OnRefuse:  p.refuse,
		Observe:   p.outcomes.Observe,
	}
	noRoute := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.outcomes.Observe(order.Outcome{Code: ErrNoRoute.Code(), KeyIndex: -1})
		p.refuse(w, r, ErrNoRoute)
	})
	mux, err := routeMux(v, p.cfg.Routes, p.forward, noRoute)
	if err != nil {
		return err
	}
	p.routes.Store(mux)
	p.secrets.Set(float64(ring.Len()))
	p.nsecrets.Store(int32(ring.Len()))
	return nil
}

// Reload reads the secret files again and verifies new requests with them;
// requests in flight finish with the secrets they started with, and no
// connection is closed. On error the previous secrets stay in use.
func (p *Proxy) Reload() error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	if err := p.load(); err != nil {
		p.reloads.WithLabelValues("error").Inc()
		p.log.Error("secret reload failed; the previous secrets stay in use", "error", err)
		return err
	}
	p.reloads.WithLabelValues("ok").Inc()
	p.log.Info("secrets reloaded", "secrets", p.nsecrets.Load())
	return nil
}

// ServeHTTP strips inbound X-Hmacgate-* headers, answers /healthz, and
// sends everything else through the verifying routes.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	stripHmacgateHeaders(r.Header)
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		healthz(w, r)
		return
	}
	p.routes.Load().ServeHTTP(w, r)
}

// refuse logs a refusal and answers it as JSON.
func (p *Proxy) refuse(w http.ResponseWriter, r *http.Request, err error) {
	level := slog.LevelInfo
	if hmacgate.HTTPStatus(err) >= 500 {
		level = slog.LevelError
	}
	// err's text is safe to log: refusals never hold a secret or the
	// expected signature, and a guard's error describes the guard.
	p.log.Log(r.Context(), level, "order refused", "code", hmacgate.ErrorCode(err), "status", hmacgate.HTTPStatus(err),
		"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "error", err.Error())
	hmacgate.WriteError(w, err)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// Registry returns the registry of the proxy's metrics, served at /metrics.
func (p *Proxy) Registry() *prometheus.Registry { return p.reg }

// Run listens on Config.Listen (and Config.AdminListen, when set) and serves
// in the background; it returns once both listen. ctx bounds only the
// listening. Stop with [Proxy.Close].
func (p *Proxy) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", p.cfg.Listen)
	if err != nil {
		return err
	}
	var adminLn net.Listener
	if p.cfg.AdminListen != "" {
		if adminLn, err = lc.Listen(ctx, "tcp", p.cfg.AdminListen); err != nil {
			ln.Close()
			return err
		}
	}
	errLog := slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // a 64 KiB body arrives well within it
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errLog,
	}
	p.addr = ln.Addr()
	p.serve(p.srv, ln)
	if adminLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{ErrorLog: errLog}))
		mux.HandleFunc("GET /healthz", healthz)
		p.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
		p.adminAddr = adminLn.Addr()
		p.serve(p.admin, adminLn)
	}
	p.log.Info("proxy listening", "addr", p.addr.String(), "admin", addrString(p.adminAddr),
		"upstream", p.cfg.Upstream.Redacted(), "routes", p.cfg.Routes, "secrets", p.nsecrets.Load(),
		"pid", os.Getpid())
	return nil
}

func (p *Proxy) serve(srv *http.Server, ln net.Listener) {
	p.serving.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Error("server stopped", "addr", ln.Addr().String(), "error", err)
		}
	})
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// Addr returns the address the proxy serves on, once Run has returned.
func (p *Proxy) Addr() net.Addr { return p.addr }

// AdminAddr returns the admin address, or nil when there is none.
func (p *Proxy) AdminAddr() net.Addr { return p.adminAddr }

// Close stops accepting connections and waits, at most ShutdownTimeout, for
// the requests in flight to finish; then it closes what is left.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range []*http.Server{p.srv, p.admin} {
		if srv == nil {
			continue
		}
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err, srv.Close())
		}
	}
	p.serving.Wait()
	p.log.Info("proxy stopped")
	return errors.Join(errs...)
}

// HandleSignals blocks until ctx is done, reloading the secrets each time a
// value arrives on reload (the command sends SIGHUP there); then it closes
// the proxy gracefully and returns Close's error.
func (p *Proxy) HandleSignals(ctx context.Context, reload <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			p.log.Info("shutting down; finishing requests in flight", "timeout", p.cfg.ShutdownTimeout.String())
			return p.Close()
		case sig := <-reload:
			p.log.Info("reloading secrets", "signal", sig.String())
			_ = p.Reload() // logged; the previous secrets stay in use on error
		}
	}
}
