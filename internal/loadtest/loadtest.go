// Package loadtest drives bounded load at loopback servers with vegeta and
// summarizes the result. It refuses any target that is not on this machine.
package loadtest

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Result summarizes one attack (or, for the partner scenarios, the rounds
// of one scenario). Its JSON form is what scripts/loadtest.sh reads.
type Result struct {
	Key      string         `json:"key"`  // stable name for the report: "noop", "a", "proxy-redis", …
	Name     string         `json:"name"` // for people
	Requests uint64         `json:"requests"`
	Rate     float64        `json:"rate"` // answered requests per second
	P50      time.Duration  `json:"p50_ns"`
	P99      time.Duration  `json:"p99_ns"`
	Codes    map[string]int `json:"codes"`

	// Partner scenarios only.
	RoundRates    []float64     `json:"round_rates,omitempty"`        // req/s of each round
	CPUPerRequest time.Duration `json:"cpu_per_request_ns,omitempty"` // client and servers together
}

// String formats the result as a table row.
func (r Result) String() string {
	codes := make([]string, 0, len(r.Codes))
	for c, n := range r.Codes {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	return fmt.Sprintf("| %s | %d | %.0f | %s | %s | %s |", r.Name, r.Requests, r.Rate,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), strings.Join(codes, " "))
}

// Header is the table header matching Result.String.
const Header = "| scenario | requests | req/s | p50 | p99 | status codes |\n| --- | --- | --- | --- | --- | --- |"

// Attack sends as many requests as workers can for duration (an
// open-throughput attack: rate 0, a fixed number of workers), to loopback
// targets only, and bounded in time and count: at most maxRequests targets
// are ever handed out, so that a targeter with that many one-time bodies
// never repeats one.
func Attack(key, name string, targeter vegeta.Targeter, workers uint64, duration time.Duration, maxRequests uint64) (Result, error) {
	if workers == 0 {
		workers = 16
	}
	attacker := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(5*time.Second))
	var m vegeta.Metrics
	for res := range attacker.Attack(bounded(loopbackOnly(targeter), maxRequests), vegeta.Rate{}, duration, name) {
		if res.Code == 0 && res.Error == vegeta.ErrNoTargets.Error() {
			continue // the bound was reached: not a request
		}
		m.Add(res)
	}
	m.Close()
	r := Result{Key: key, Name: name, Requests: m.Requests, P50: m.Latencies.P50, P99: m.Latencies.P99, Codes: map[string]int{}}
	for c, k := range m.StatusCodes {
		r.Codes[c] = k
	}
	if m.Duration > 0 {
		r.Rate = float64(m.Requests) / (m.Duration + m.Wait).Seconds()
	}
	// Refusals (4xx) are what some scenarios measure; only transport
	// failures (status 0) make the result worthless.
	if failed := r.Codes["0"]; failed > 0 {
		return r, fmt.Errorf("%s: %d requests failed: %v", name, failed, m.Errors)
	}
	return r, nil
}

// bounded wraps a targeter so that it hands out at most n targets, then
// stops the attack with vegeta.ErrNoTargets.
func bounded(t vegeta.Targeter, n uint64) vegeta.Targeter {
	var count atomic.Uint64
	return func(tgt *vegeta.Target) error {
		if count.Add(1) > n {
			return vegeta.ErrNoTargets
		}
		return t(tgt)
	}
}

// loopbackOnly wraps a targeter so that any target outside 127.0.0.0/8 and
// ::1 stops the attack with an error.
func loopbackOnly(t vegeta.Targeter) vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		if err := t(tgt); err != nil {
			return err
		}
		u, err := url.Parse(tgt.URL)
		if err != nil {
			return err
		}
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("loadtest: %s is not a loopback address", host)
		}
		return nil
	}
}

// Static returns a targeter that sends the same request every time.
func Static(method, url string, header http.Header, body []byte) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header, t.Body = method, url, header, body
		return nil
	}
}

// Cycle returns a targeter that sends bodies[i] for the i-th request, in
// turn; each body should be used at most once when the server refuses
// replays, so give at least as many as the attack can send.
func Cycle(method, url string, header http.Header, bodies [][]byte) vegeta.Targeter {
	return Spread(method, []string{url}, header, bodies)
}

// Spread is Cycle over several servers: the i-th request goes to
// urls[i % len(urls)], as a load balancer would send it.
func Spread(method string, urls []string, header http.Header, bodies [][]byte) vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		i := n.Add(1) - 1
		t.Method, t.URL, t.Header, t.Body = method, urls[i%uint64(len(urls))], header, bodies[i%uint64(len(bodies))]
		return nil
	}
}
