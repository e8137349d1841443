// Package server is the platform's HTTP side: the admin API (admin.go),
// the environment API (envapi.go), the HMAC-gated connect endpoint
// (connect.go, the gate), the partner portal (products.go, orders.go,
// delivery.go, sandbox.go, fiddle.go), the Nango-compatible routes under
// /nango that Nango's own SDKs call (nango.go, nango_connect.go,
// nango_backend.go), the pages end users meet on the launch links and the
// sandbox (enduser.go), the browser SDK, health checks and metrics. It
// mounts the web console, package
// [github.com/hmacgate/hmacgate/server/console], which reaches the platform
// only through [Server.ConsolePlatform]. [Daemon] runs it all as
// `hmacgate serve`.
//
// # Refusals
//
// Every refusal says what was wrong and what to do, in one vocabulary
// (httpjson.go: the field, the limit, the fix; auth.go: the credential the
// route takes), and a path asked with a method it does not take answers 405
// with Allow. A test walks the route table with the usual mistakes.
//
// # The gate
//
// Every route that creates or re-authorizes a connection is marked in the
// route table and runs only after the connect gate admitted the call: the
// handler receives the gate's [admission], which nothing else can make. A
// test walks the table to prove it.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/netguard"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/replay"
	"github.com/hmacgate/hmacgate/seal"
	"github.com/hmacgate/hmacgate/server/console"
)

// Options configure a Server.
type Options struct {
	Store  platform.Store
	Sealer *seal.Sealer
	Logger *slog.Logger
	// Registry receives the server's metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DefaultRetire is how long a replaced HMAC key stays valid when the
	// request names no time; zero means 24 hours.
	DefaultRetire time.Duration
	// DeliveryAllow lists private address ranges that test deliveries may
	// reach (for a partner on the same network, or tests on loopback).
	// Link-local and metadata addresses are refused whatever it says.
	DeliveryAllow []netip.Prefix
	// FiddlePerMinute limits fiddle requests per client address; zero means 30.
	FiddlePerMinute int
	// SessionTTL is how long a console session lasts; zero means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// Bus, when set, tells other instances sharing the store about changes
	// (and them about theirs).
	Bus Bus
	// Replay remembers the orders the sandbox accepted; nil means in memory.
	// Instances that share a store should share a guard (Redis).
	Replay hmacgate.ReplayGuard
	// Retention is how long the launch log, the audit log and the connect
	// report are kept; zero means DefaultRetention.
	Retention time.Duration
	// RefreshEvery, when positive, compares the cached environments with
	// the store at this interval and drops stale ones: the fallback for a
	// lost invalidation. Instances that share a store should set it.
	RefreshEvery time.Duration
}

// Server serves the platform API. Create it with [New]; stop its background
// work with [Server.Close].
type Server struct {
	store    platform.Store
	sealer   *seal.Sealer
	log      *slog.Logger
	now      func() time.Time
	retire   time.Duration
	cache    *cache
	report   *reportCounter
	metrics  *metrics
	reg      *prometheus.Registry
	routes   []route
	handler  http.Handler
	delivery *http.Client
	// deliveryAllow lists the private ranges deliveries may reach, and
	// order URLs may use plain http to.
	deliveryAllow []netip.Prefix
	limiter       *rateLimiter
	console       *console.Console
	replay        hmacgate.ReplayGuard
	stopSync      context.CancelFunc
	syncDone      chan struct{}

	retention time.Duration
	stopSweep context.CancelFunc
	sweepDone chan struct{}
}

// access says who may call a route.
type access int

const (
	public access = iota
	admin
	environment
)

func (a access) String() string { return [...]string{"public", "admin", "environment"}[a] }

// route is one entry of the route table.
type route struct {
	method, pattern string
	access          access
	// createsConnection marks routes that create or re-authorize a
	// connection; they must take the gate's admission.
	createsConnection bool
	// nango marks the Nango-compatible routes (nango.go): they answer
	// refusals in Nango's envelope, {"error":{"code","message"}}.
	nango  bool
	handle func(w http.ResponseWriter, r *http.Request, c *call) error
}

// call carries what the route's access check established.
type call struct {
	env *envState // for environment routes, and the connect gate's environment
	// actor is who makes the change, for the audit log: "env:<id>" for the
	// environment's secret key, "admin" for the console.
	actor string
	// retiringKey is true when the call came with the environment's
	// previous secret key, valid until it retires.
	retiringKey bool
}

// New returns a Server.
func New(o Options) *Server {
	s := &Server{store: o.Store, sealer: o.Sealer, log: o.Logger, now: o.Now, retire: o.DefaultRetire, reg: o.Registry}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.retire == 0 {
		s.retire = 24 * time.Hour
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.reg)
	s.delivery, s.deliveryAllow = netguard.NewClient(o.DeliveryAllow, deliveryTimeout), o.DeliveryAllow
	perMinute := o.FiddlePerMinute
	if perMinute <= 0 {
		perMinute = 30
	}
	s.limiter = newRateLimiter(perMinute, 10)
	s.replay = o.Replay
	if s.replay == nil {
		s.replay = replay.NewMemory(0)
	}
	s.cache = newCache(s.store, s.sealer, s.now)
	s.report = newReportCounter(s.store, s.log, s.now)
	s.startSync(o.Bus, o.RefreshEvery)
	s.retention = o.Retention
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	s.startSweep()
	s.routes = s.routeTable()
	s.console = console.New(console.Options{Platform: consolePlatform{s}, Logger: s.log, SessionTTL: o.SessionTTL})
	s.handler = s.newMux()
	return s
}

// newMux routes the API's and the console's routes. Each pattern also
// answers the methods it does not take, with 405 and the Allow header;
// every other path is a 404.
func (s *Server) newMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.pattern, s.observe(rt.method, rt.pattern, s.wrap(rt)))
	}
	for _, rt := range s.console.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.observe(rt.Method, rt.Pattern, rt.Handler))
	}
	var patterns []string
	methods := map[string][]string{}
	for _, rt := range s.Routes() {
		if methods[rt.Pattern] == nil {
			patterns = append(patterns, rt.Pattern)
		}
		methods[rt.Pattern] = append(methods[rt.Pattern], rt.Method)
	}
	for _, p := range patterns {
		mux.Handle(p, s.observe("other", p, s.methodNotAllowed(methods[p])))
	}
	mux.HandleFunc("/", s.notFound)
	return mux
}

// methodNotAllowed answers a known path asked with a method it does not
// take: 405 with the methods it takes, in the Allow header and the message.
func (s *Server) methodNotAllowed(methods []string) http.Handler {
	allowed := slices.Clone(methods)
	if slices.Contains(allowed, http.MethodGet) {
		allowed = append(allowed, http.MethodHead) // the mux answers HEAD with GET's handler
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.refuse(w, r, hmacgate.ErrMethodNotAllowed.With("this address takes "+allow+", not "+web.Quote(r.Method)+
			": check the method of your request (see docs/api.md)"))
	})
}

// routeTable lists every route of the API; the console has its own.
func (s *Server) routeTable() []route {
	return append([]route{
		{method: "GET", pattern: "/healthz", access: public, handle: s.healthz},
		{method: "GET", pattern: "/readyz", access: public, handle: s.readyz},
		{method: "GET", pattern: "/sdk.js", access: public, handle: s.sdk},
		{method: "POST", pattern: "/v1/connect/{integration}", access: public, createsConnection: true, handle: s.connect},
		{method: "OPTIONS", pattern: "/v1/connect/{integration}", access: public, handle: s.connectPreflight},
		{method: "GET", pattern: "/launch/{correlationId}", access: public, handle: s.launch},
		{method: "POST", pattern: "/v1/fiddle", access: public, handle: s.fiddle},
		{method: "POST", pattern: "/sandbox/{env}/{product}", access: public, handle: s.sandbox},

		{method: "POST", pattern: "/v1/environments", access: admin, handle: s.createEnvironment},
		{method: "GET", pattern: "/v1/environments", access: admin, handle: s.listEnvironments},
		{method: "GET", pattern: "/v1/environments/{id}", access: admin, handle: s.getEnvironment},
		{method: "DELETE", pattern: "/v1/environments/{id}", access: admin, handle: s.deleteEnvironment},
		{method: "POST", pattern: "/v1/environments/{id}/secret-key", access: admin, handle: s.adminRotateSecretKey},
		{method: "GET", pattern: "/v1/audit", access: admin, handle: s.adminAudit},

		{method: "GET", pattern: "/v1/environment", access: environment, handle: s.currentEnvironment},
		{method: "POST", pattern: "/v1/environment/secret-key", access: environment, handle: s.rotateOwnSecretKey},
		{method: "POST", pattern: "/v1/integrations", access: environment, handle: s.createIntegration},
		{method: "GET", pattern: "/v1/integrations", access: environment, handle: s.listIntegrations},
		{method: "GET", pattern: "/v1/connections", access: environment, handle: s.listConnections},
		{method: "GET", pattern: "/v1/connections/{integration}/{connection}", access: environment, handle: s.getConnection},
		{method: "DELETE", pattern: "/v1/connections/{integration}/{connection}", access: environment, handle: s.deleteConnection},
		{method: "POST", pattern: "/v1/hmac/keys", access: environment, handle: s.createHMACKey},
		{method: "GET", pattern: "/v1/hmac/keys", access: environment, handle: s.listHMACKeys},
		{method: "PUT", pattern: "/v1/hmac/mode", access: environment, handle: s.setHMACMode},
		{method: "GET", pattern: "/v1/hmac/report", access: environment, handle: s.hmacReport},
		{method: "GET", pattern: "/v1/environment/audit", access: environment, handle: s.envAudit},

		{method: "POST", pattern: "/v1/products", access: environment, handle: s.createProduct},
		{method: "GET", pattern: "/v1/products", access: environment, handle: s.listProducts},
		{method: "GET", pattern: "/v1/products/{id}", access: environment, handle: s.getProduct},
		{method: "PATCH", pattern: "/v1/products/{id}", access: environment, handle: s.patchProduct},
		{method: "POST", pattern: "/v1/products/{id}/secrets", access: environment, handle: s.createProductSecret},
		{method: "POST", pattern: "/v1/products/{id}/test-order", access: environment, handle: s.testOrder},
		{method: "POST", pattern: "/v1/orders", access: environment, handle: s.createOrder},
		{method: "GET", pattern: "/v1/launches", access: environment, handle: s.listLaunches},
	}, s.nangoRoutes()...)
}

// RouteInfo describes one route of the API.
type RouteInfo struct {
	Method, Pattern string
	// Access is "public", "admin" (admin token), "environment"
	// (environment secret key) or "session" (a console session).
	Access string
	// CreatesConnection marks the routes behind the connect gate.
	CreatesConnection bool
	// ConsolePage marks the console's pages and forms (they answer with a
	// page, not JSON).
	ConsolePage bool
}

// Routes lists every route of the API and the console, for documentation
// and for the tests that prove each is guarded.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, RouteInfo{Method: rt.method, Pattern: rt.pattern, Access: rt.access.String(), CreatesConnection: rt.createsConnection})
	}
	for _, rt := range s.console.Routes() {
		out = append(out, RouteInfo{Method: rt.Method, Pattern: rt.Pattern, Access: rt.Access, ConsolePage: rt.Page})
	}
	return out
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the registry holding the server's metrics.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Close is Shutdown with a 10-second bound.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// Shutdown stops the background work (cache synchronization, retention
// sweep) and flushes the HMAC report counts, within ctx. It returns the last
// flush's error, if any.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopSync()
	s.stopSweep()
	if s.syncDone != nil {
		<-s.syncDone
	}
	<-s.sweepDone
	return s.report.Close(ctx)
}

// Invalidate drops the cached state of an environment ("" for all), so that
// a change made elsewhere takes effect.
func (s *Server) Invalidate(envID string) { s.cache.invalidate(envID) }

// wrap applies a route's access check and writes its refusal.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.serve(w, r, rt); err != nil {
			if hmacgate.ErrorCode(err) == hmacgate.Internal {
				s.log.Error("request failed", "route", rt.pattern, "method", r.Method, "err", err.Error())
			}
			if rt.nango {
				writeNangoError(w, err)
				return
			}
			hmacgate.WriteError(w, err)
		}
	})
}

// observe counts and logs every request of a route: its status and how
// long it took.
func (s *Server) observe(method, pattern string, h http.Handler) http.Handler {
	label := method + " " + pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(label, strconv.Itoa(sw.status)).Observe(d.Seconds())
		// The query string and body are never logged: the seed's SDK puts the
		// hmac digest in the query.
		s.log.Debug("request", "method", r.Method, "route", pattern, "status", sw.status, "duration", d)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) error {
	c := &call{}
	switch rt.access {
	case admin:
		if err := s.checkAdmin(r.Context(), r); err != nil {
			return err
		}
	case environment:
		st, retiring, err := s.checkEnv(r.Context(), r)
		if err != nil {
			return err
		}
		c.env, c.actor, c.retiringKey = st, "env:"+st.env.ID, retiring
	}
	return rt.handle(w, r, c)
}

// unavailable logs a store failure and returns the refusal for it: a store
// that cannot answer means 503, never an accept.
func (s *Server) unavailable(err error) error {
	if errors.Is(err, context.Canceled) {
		return hmacgate.ErrUnavailable
	}
	s.log.Error("store unavailable", "err", err.Error())
	return hmacgate.ErrUnavailable
}

// storeErr passes refusals (not found, conflict) through and turns any other
// store error into 503.
func (s *Server) storeErr(err error) error {
	var e *hmacgate.Error
	if errors.As(err, &e) {
		return err
	}
	return s.unavailable(err)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *call) error {
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *call) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return s.unavailable(err)
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, platform.ErrNotFound) }

// notFound answers requests that match no route.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if isNangoPath(r.URL.Path) {
		nangoNotFound(w, r)
		return
	}
	s.refuse(w, r, platform.ErrNotFound.With("there is no route at "+web.Quote(r.URL.Path)+
		": check the address (the API's routes are in docs/api.md)"))
}

// refuse writes a refusal that comes before any route's handler: in
// Nango's envelope under /nango, a page for a browser outside the API,
// JSON for everyone else.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if isNangoPath(r.URL.Path) {
		corsHeaders(w)
		writeNangoError(w, err)
		return
	}
	if web.WantsHTML(r) && !strings.HasPrefix(r.URL.Path, "/v1/") {
		if errors.Is(err, platform.ErrNotFound) {
			s.console.NotFound(w, r)
		} else {
			s.console.RenderRefusal(w, r, err)
		}
		return
	}
	hmacgate.WriteError(w, err)
}

// errOrNil is storeErr for a result that may be nil.
func (s *Server) errOrNil(err error) error {
	if err == nil {
		return nil
	}
	return s.storeErr(err)
}
