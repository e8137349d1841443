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

// Result summarizes one attack.
type Result struct {
	Name     string
	Requests uint64
	Rate     float64 // answered requests per second
	P50, P99 time.Duration
	Codes    map[string]int
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
// targets only, and bounded in time and count.
func Attack(name string, targeter vegeta.Targeter, workers uint64, duration time.Duration, maxRequests uint64) (Result, error) {
	if workers == 0 {
		workers = 16
	}
	attacker := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(5*time.Second))
	var m vegeta.Metrics
	n := uint64(0)
	for res := range attacker.Attack(loopbackOnly(targeter), vegeta.Rate{}, duration, name) {
		m.Add(res)
		n++
		if n >= maxRequests {
			attacker.Stop()
		}
	}
	m.Close()
	r := Result{Name: name, Requests: m.Requests, P50: m.Latencies.P50, P99: m.Latencies.P99, Codes: map[string]int{}}
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
