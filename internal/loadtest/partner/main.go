// Command partner measures the cost of the partner-side checks under load,
// on loopback only, in one run:
//
//	(a) a bare handler,
//	(b) the same handler behind order.Verifier.Middleware,
//	(c) the same handler as the upstream of hmacgate's verifying proxy.
//
// Every request carries a fresh signed order (pre-generated before the
// clock starts), so the replay guards stay on and accept each order once.
// After one warm-up attack each, not counted, the scenarios run in turn,
// round after round, so that drift in the machine's load touches all three
// alike. Each attack is bounded in time (-duration) and in count (-orders);
// targets other than 127.0.0.1 are impossible: every server is started
// here, on 127.0.0.1.
//
//	go run ./internal/loadtest/partner -duration 500ms -rounds 10
//
// It prints a Markdown table, and with -json FILE writes the results in the
// form scripts/loadtest.sh turns into docs/benchmarks.md; it fails if any
// response is not 200.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/loadtest"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/order/orderprom"
	"github.com/hmacgate/hmacgate/proxy"
)

// config bounds a run.
type config struct {
	duration time.Duration // per attack
	rounds   int           // attacks per scenario
	workers  int           // concurrent requests
	orders   int           // orders generated; each scenario sends each at most once
	only     string        // the scenarios to run, of "abc"; "" means all
	ignore   bool          // the handler ignores the body instead of reading it
}

func main() {
	var c config
	flag.DurationVar(&c.duration, "duration", 500*time.Millisecond, "length of one attack")
	flag.IntVar(&c.rounds, "rounds", 10, "attacks per scenario, interleaved")
	flag.IntVar(&c.workers, "workers", 16, "concurrent requests (closed loop)")
	flag.IntVar(&c.orders, "orders", 200000, "signed orders to generate: the bound on requests per scenario")
	flag.BoolVar(&c.ignore, "ignore-body", false, "the handler does not read the request body (an order endpoint would)")
	flag.StringVar(&c.only, "scenarios", "abc", "run only these of the scenarios a, b and c (to profile one)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (servers and load) to `FILE`")
	jsonOut := flag.String("json", "", "also write the results as JSON to `FILE` (for scripts/loadtest.sh)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := run(c)
	if rep != nil {
		rep.print(os.Stdout, c)
	}
	if err == nil && *jsonOut != "" {
		err = loadtest.NewRun("partner", loadtest.CommandLine("go run ./internal/loadtest/partner", os.Args[1:]), c.settings(),
			rep.results()).WriteFile(*jsonOut)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// scenario is one of (a), (b), (c) and what it measured.
type scenario struct {
	name    string
	url     string
	cursor  atomic.Int64 // next order to send
	metrics vegeta.Metrics
	ok      uint64        // 200 responses
	elapsed time.Duration // sum of the attacks' wall time
	cpu     time.Duration // sum of this process's CPU time (servers and load) during the attacks
	rates   []float64     // per round
}

type report struct {
	scenarios []*scenario
}

func run(c config) (*report, error) {
	if c.duration <= 0 || c.rounds <= 0 || c.workers <= 0 || c.orders <= 0 {
		return nil, errors.New("duration, rounds, workers and orders must be positive")
	}
	if total := time.Duration(3*c.rounds) * c.duration; total > 3*time.Minute {
		return nil, fmt.Errorf("a run of %v would outlive the orders' 5-minute window", total)
	}
	secret := hmacgate.GenerateKey()
	bodies, err := signOrders(secret, c.orders)
	if err != nil {
		return nil, err
	}

	app := readingApp
	if c.ignore {
		app = ignoringApp
	}

	// (a) the bare handler.
	bare, err := serve(routes(app))
	if err != nil {
		return nil, err
	}
	defer bare.Close()

	// (b) the same handler behind the middleware, as a partner mounts it:
	// installationId bound to the URL, default in-memory replay guard,
	// outcomes counted for Prometheus.
	v := order.NewVerifier(hmacgate.MustNewKeyring(secret))
	v.Observe = orderprom.New().Observe
	mw, err := serve(routes(v.Bind("installationId", func(r *http.Request) string { return r.PathValue("installationId") }).Middleware(app)))
	if err != nil {
		return nil, err
	}
	defer mw.Close()

	// (c) the same handler behind the proxy, with its defaults (logs at
	// info, formatted and discarded; metrics on).
	upstream, err := serve(routes(app))
	if err != nil {
		return nil, err
	}
	defer upstream.Close()
	p, err := startProxy(secret, "http://"+upstream.addr)
	if err != nil {
		return nil, err
	}
	defer p.Close()

	rep := &report{scenarios: []*scenario{
		{name: "(a) bare handler", url: "http://" + bare.addr},
		{name: "(b) handler behind the middleware", url: "http://" + mw.addr},
		{name: "(c) upstream behind hmacgate proxy", url: "http://" + p.Addr().String()},
	}}
	if c.only != "" {
		rep.scenarios = slices.DeleteFunc(rep.scenarios, func(s *scenario) bool { return !strings.Contains(c.only, s.name[1:2]) })
	}
	// A warm-up attack per scenario, not counted: connections, the first
	// growth of the replay guards' maps, code paths not yet in the caches.
	warm := c
	warm.duration = min(c.duration, 300*time.Millisecond)
	for _, s := range rep.scenarios {
		s.attack(warm, bodies, max(1, len(bodies)/20))
		s.reset()
	}
	for range c.rounds {
		for _, s := range rep.scenarios {
			s.attack(c, bodies, len(bodies))
		}
	}
	for _, s := range rep.scenarios {
		s.metrics.Close()
		if s.metrics.Requests == 0 {
			return rep, fmt.Errorf("%s: no request was sent", s.name)
		}
		if s.ok != s.metrics.Requests {
			return rep, fmt.Errorf("%s: %d of %d responses were not 200: %v %v", s.name, s.metrics.Requests-s.ok, s.metrics.Requests, s.metrics.StatusCodes, s.metrics.Errors)
		}
	}
	return rep, nil
}

// readingApp is the application's handler in all three scenarios: it reads
// the form body, as an endpoint that receives orders does (behind the
// middleware it gets the body again from memory), and answers. It does the
// same work in each, so that only the checks in front of it differ.
var readingApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "order received\n")
})

// ignoringApp answers without reading the body (-ignore-body): the
// cheapest handler possible, which no order endpoint is.
var ignoringApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "order received\n")
})

func routes(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/orders/{installationId}", h)
	return mux
}

// signOrders makes n form bodies of distinct orders signed now, each about
// as large as a real one (600 bytes of orderdata).
func signOrders(secret hmacgate.Key, n int) ([][]byte, error) {
	ts := time.Now().UnixMilli()
	bodies := make([][]byte, n)
	for i := range bodies {
		od, err := order.Marshal(order.OrderData{
			Timestamp: ts,
			User: order.User{ID: "4f1c2a9e-7b3d-4e8a-9f60-2d5b8c7a1e34", Email: "bjorn.odegard@eiendomsmegler-ostlandet.example.no",
				Name: "Bjørn Ødegård Kristiansen-Løvås"},
			CorrelationID:                fmt.Sprintf("9b2e4f71-0c3a-4d5e-8f16-%012d", i),
			OrderURL:                     "https://partner.example.com/orders/launch?installationId=inst-20931&source=next",
			InstallationID:               "inst-20931",
			OrderID:                      fmt.Sprintf("ord-2025-11-26-%09d-fotografering-plan", i),
			EstateID:                     "est-7f3a9c21-5b8e-4d02-a6c4-31e9b7d05f8a",
			DepartmentID:                 "dep-0042-oslo-sentrum-eiendomsmegling-avdeling-nord",
			DepartmentOrganizationNumber: "987654321",
		})
		if err != nil {
			return nil, err
		}
		bodies[i] = []byte("orderdata=" + url.QueryEscape(string(od)) + "&hmacsignature=" + url.QueryEscape(order.Sign(secret, od)))
	}
	return bodies, nil
}

type server struct {
	*http.Server
	addr string
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{Server: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String()}
	go func() { _ = s.Serve(ln) }()
	return s, nil
}

func startProxy(secret hmacgate.Key, upstream string) (*proxy.Proxy, error) {
	dir, err := os.MkdirTemp("", "hmacgate-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // read at start; a reload would need it again
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte(secret.Reveal()), 0o600); err != nil {
		return nil, err
	}
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	p, err := proxy.New(proxy.Config{
		Listen: "127.0.0.1:0", Upstream: u, SecretFiles: []string{file},
		Routes: []string{"/orders/{installationId}"},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	return p, p.Run(context.Background())
}

// attack sends at most limit fresh orders to s, for c.duration with
// c.workers in a closed loop, and adds the results to s.metrics.
func (s *scenario) attack(c config, bodies [][]byte, limit int) {
	header := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	target := s.url + "/orders/inst-20931"
	end := min(int64(len(bodies)), s.cursor.Load()+int64(limit))
	targeter := func(t *vegeta.Target) error {
		i := s.cursor.Add(1) - 1
		if i >= end {
			return vegeta.ErrNoTargets // bounded in count
		}
		t.Method, t.URL, t.Header, t.Body = http.MethodPost, target, header, bodies[i]
		return nil
	}
	w := uint64(c.workers)
	a := vegeta.NewAttacker(vegeta.Workers(w), vegeta.MaxWorkers(w), vegeta.Connections(c.workers),
		vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second), vegeta.Redirects(vegeta.NoFollow))
	start, cpuStart := time.Now(), cpuTime()
	var ok, n uint64
	for res := range a.Attack(targeter, vegeta.Rate{}, c.duration, s.name) { // Rate{}: as fast as the workers go
		if res.Error == vegeta.ErrNoTargets.Error() && res.Code == 0 {
			continue // the order supply ran out: not a request
		}
		s.metrics.Add(res)
		n++
		if res.Code == http.StatusOK {
			ok++
		}
	}
	elapsed := time.Since(start)
	s.cpu += cpuTime() - cpuStart
	s.ok += ok
	s.elapsed += elapsed
	if n > 0 {
		s.rates = append(s.rates, float64(ok)/elapsed.Seconds())
	}
}

// reset forgets what was measured, but not which orders were sent.
func (s *scenario) reset() {
	s.metrics, s.ok, s.elapsed, s.cpu, s.rates = vegeta.Metrics{}, 0, 0, 0, nil
}

func (s *scenario) rate() float64 { return float64(s.ok) / s.elapsed.Seconds() }

// cpuPerRequest is the CPU time this process (the load generator and the
// servers together) spent per request: unlike req/s, it hardly moves when
// other processes compete for the machine.
func (s *scenario) cpuPerRequest() time.Duration {
	if s.metrics.Requests == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.metrics.Requests)
}

// cpuTime returns the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r *report) print(w io.Writer, c config) {
	handler := "reads the body"
	if c.ignore {
		handler = "ignores the body"
	}
	fmt.Fprintf(w, "%d rounds × %v per scenario, %d workers (closed loop), the handler %s; GOMAXPROCS=%d, %s, %s\n\n",
		c.rounds, c.duration, c.workers, handler, runtime.GOMAXPROCS(0), runtime.Version(), loadtest.CPUModel())
	fmt.Fprintln(w, "| scenario | requests | req/s | req/s per round | p50 | p99 | CPU per request |")
	fmt.Fprintln(w, "| --- | ---: | ---: | --- | ---: | ---: | ---: |")
	for _, s := range r.scenarios {
		rates := make([]string, len(s.rates))
		for i, x := range s.rates {
			rates[i] = fmt.Sprintf("%.0f", x)
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %v | %v | %.1fµs |\n", s.name, s.metrics.Requests, s.rate(),
			strings.Join(rates, ", "), s.metrics.Latencies.P50.Round(time.Microsecond), s.metrics.Latencies.P99.Round(time.Microsecond),
			float64(s.cpuPerRequest())/float64(time.Microsecond))
	}
	if len(r.scenarios) == 3 && r.scenarios[0].elapsed > 0 {
		a, b, cc := r.scenarios[0], r.scenarios[1], r.scenarios[2]
		fmt.Fprintf(w, "\nreq/s: (b)/(a) = %.3f (target ≥ 0.9); (c)/(a) = %.3f\n", b.rate()/a.rate(), cc.rate()/a.rate())
		fmt.Fprintf(w, "CPU per request: (a)/(b) = %.3f; (a)/(c) = %.3f (the req/s ratios on an otherwise idle machine)\n",
			float64(a.cpuPerRequest())/float64(b.cpuPerRequest()), float64(a.cpuPerRequest())/float64(cc.cpuPerRequest()))
	}
}

// settings describes the bounds of a run in words, for the report.
func (c config) settings() string {
	handler := "reads the body"
	if c.ignore {
		handler = "ignores the body"
	}
	return fmt.Sprintf("%d rounds of %v per scenario, %d workers in a closed loop, the handler %s, %d orders signed before the clock starts (the bound on requests per scenario)",
		c.rounds, c.duration, c.workers, handler, c.orders)
}

// results returns what each scenario measured, keyed "a", "b", "c".
func (r *report) results() []loadtest.Result {
	var out []loadtest.Result
	for _, s := range r.scenarios {
		codes := map[string]int{}
		for k, v := range s.metrics.StatusCodes {
			codes[k] = v
		}
		out = append(out, loadtest.Result{Key: s.name[1:2], Name: s.name, Requests: s.metrics.Requests, Rate: s.rate(),
			P50: s.metrics.Latencies.P50, P99: s.metrics.Latencies.P99, Codes: codes,
			RoundRates: s.rates, CPUPerRequest: s.cpuPerRequest()})
	}
	return out
}
