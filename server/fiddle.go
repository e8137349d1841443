package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/platform"
)

// The fiddle checks a signed order for anyone, without login: paste the
// secret(s), orderdata and hmacsignature (or a whole form body) and get the
// verdict and the diagnosis of `hmacgate verify order --explain`. Nothing is
// stored and nothing of the request is logged; the secrets live only for
// the request.

// fiddleAllowed applies the fiddle's rate limit to the request's client.
// It comes before the body is read, so a flood costs no parsing.
func (s *Server) fiddleAllowed(r *http.Request) error {
	if !s.limiter.allow(web.ClientIP(r), s.now()) {
		return platform.ErrRateLimited
	}
	return nil
}

// runFiddle checks a signed order and diagnoses it: the fiddle of the API
// and of the console.
func (s *Server) runFiddle(in *platform.FiddleRequest) (*platform.FiddleResult, error) {
	if len(in.Secrets) == 0 || len(in.Secrets) > 5 {
		return nil, badField("secrets", fmt.Sprintf("must hold 1 to 5 secrets (it has %d)", len(in.Secrets)),
			"the current one first, then older ones")
	}
	keys := make([]hmacgate.Key, 0, len(in.Secrets))
	for i, sec := range in.Secrets {
		k, err := hmacgate.ParseKey(sec)
		if err != nil {
			return nil, badField("secrets", fmt.Sprintf("has an empty secret (number %d)", i+1), "give each secret in full, hgk_ prefix included")
		}
		keys = append(keys, k)
	}
	v := order.NewVerifier(hmacgate.MustNewKeyring(keys[0], keys[1:]...))
	now := s.now()
	if in.Now != "" {
		t, err := parseTime(in.Now)
		if err != nil {
			return nil, badField("now", "must be an RFC 3339 time or Unix milliseconds", "such as 2026-01-01T00:00:00Z or 1767225600000")
		}
		now = t
	}
	v.Now = func() time.Time { return now }
	for _, f := range []struct {
		name, raw string
		dst       *time.Duration
	}{{"max_age", in.MaxAge, &v.MaxAge}, {"max_future", in.MaxFuture, &v.MaxFuture}} {
		if f.raw != "" {
			d, err := time.ParseDuration(f.raw)
			if err != nil || d <= 0 {
				return nil, badField(f.name, "must be a positive duration", `such as "5m"`)
			}
			*f.dst = d
		}
	}
	var expect []order.Expectation
	for k, val := range in.Expect {
		expect = append(expect, order.Expect(k, val))
	}
	var d *order.Diagnosis
	if in.Body != "" {
		d = v.Explain([]byte(in.Body), expect)
	} else {
		d = v.ExplainForm(url.Values{order.FieldOrderdata: {in.Orderdata}, order.FieldSignature: {in.Signature}}, expect)
	}
	out := &platform.FiddleResult{Valid: d.Code == "", Code: d.Code, Message: d.Message, Findings: d.Findings, KeyIndex: d.KeyIndex}
	if out.Findings == nil {
		out.Findings = []string{}
	}
	if d.Order != nil {
		od := d.Order.OrderData
		out.Order = &od
	}
	return out, nil
}

func (s *Server) fiddle(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := s.fiddleAllowed(r); err != nil {
		return err
	}
	var in platform.FiddleRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.runFiddle(&in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func parseTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// rateLimiter is a token bucket per client, bounded in memory.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	max     int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perMinute, burst int) *rateLimiter {
	return &rateLimiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: map[string]*bucket{}, max: 10000}
}

func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			// Forget clients whose buckets are full again; if that frees
			// nothing, start over rather than grow without bound.
			for k, old := range l.buckets {
				if old.tokens+now.Sub(old.last).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= l.max {
				l.buckets = map[string]*bucket{}
			}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	b.last = now
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
