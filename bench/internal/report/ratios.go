package report

import (
	"fmt"
	"math"
)

// Contender names, as in the benchmarks' impl= keys.
const (
	Hmacgate         = "hmacgate"
	HmacFloor        = "hmac-floor"
	StandardWebhooks = "standardwebhooks"
	Svix             = "svix"
	Stripe           = "stripe"
	Naive            = "naive"
	SeedSnippet      = "seed-snippet"
	SHA256Floor      = "sha256-64B"
)

// Peers are the libraries hmacgate is compared with on the signature check.
var Peers = []string{StandardWebhooks, Svix, Stripe}

// Label returns a contender's display name.
func Label(impl string) string {
	switch impl {
	case Hmacgate:
		return "hmacgate"
	case HmacFloor:
		return "crypto/hmac floor"
	case StandardWebhooks:
		return "Standard Webhooks"
	case Svix:
		return "Svix"
	case Stripe:
		return "Stripe ValidatePayload"
	case Naive:
		return "naive seed pipeline"
	case SeedSnippet:
		return "seed snippet"
	case SHA256Floor:
		return "SHA-256 of 64 B (floor)"
	}
	return impl
}

// Group is one comparison: a benchmark (with its size key, if any) and its
// contenders, hmacgate first.
type Group struct {
	Title string
	Bench string // e.g. "Signature"
	Size  string // e.g. "1KiB", or "" when the benchmark has no size key
	Impls []string
}

// Name returns the benchmark name of impl in g, sequential or parallel.
func (g Group) Name(impl string, parallel bool) string {
	b := g.Bench
	if parallel {
		b += "Parallel"
	}
	if g.Size != "" {
		b += "/size=" + g.Size
	}
	return b + "/impl=" + impl
}

// Groups are the comparisons of the issue, in the order they are reported.
var Groups = []Group{
	{"Signature check, 1 KiB payload", "Signature", "1KiB", []string{Hmacgate, HmacFloor, StandardWebhooks, Svix, Stripe}},
	{"Signature check, 64 KiB payload", "Signature", "64KiB", []string{Hmacgate, HmacFloor, StandardWebhooks, Svix, Stripe}},
	{"Full order verification (reference order, form body)", "Order", "", []string{Hmacgate, Naive}},
	{"Connect digest verification", "Connect", "", []string{Hmacgate, SeedSnippet, SHA256Floor}},
}

// Target is one of the targets, checked against a run.
type Target struct {
	Text      string  // what the issue asks
	Group     Group   // where it is measured
	Base      string  // the contender hmacgate is divided by; "" means the fastest peer
	Max       float64 // the largest ratio that passes
	ZeroAlloc bool    // allocs/op must be 0 in every sample
	NoCopy    bool    // B/op must be 0 in every sample: the payload is not copied

	// Filled in by Check.
	BaseImpl string
	Ratio    float64
	Allocs   float64 // largest allocs/op over the samples
	Bytes    float64 // largest B/op over the samples
	Measured bool
	Pass     bool
}

// Targets returns the targets.
func Targets() []Target {
	return []Target{
		{Text: "Signature check on 1 KiB: ≤ 0.5 × the fastest peer's time, 0 allocs/op",
			Group: Groups[0], Base: "", Max: 0.5, ZeroAlloc: true},
		{Text: "Signature check on 64 KiB: ≤ 1.05 × a bare crypto/hmac pass, no copy of the payload",
			Group: Groups[1], Base: HmacFloor, Max: 1.05, ZeroAlloc: true, NoCopy: true},
		{Text: "Full order verification: ≤ 0.3 × the naive seed pipeline",
			Group: Groups[2], Base: Naive, Max: 0.3},
		{Text: "Connect verify: ≤ 1.8 × one SHA-256 of 64 bytes, 0 allocs/op",
			Group: Groups[3], Base: SHA256Floor, Max: 1.8, ZeroAlloc: true},
	}
}

// Fastest returns the peer of g with the lowest median time.
func Fastest(r *Results, g Group, parallel bool) (string, Stat, bool) {
	best, bestStat, found := "", Stat{}, false
	for _, p := range Peers {
		if s, ok := r.Get(g.Name(p, parallel)); ok && (!found || s.Ns < bestStat.Ns) {
			best, bestStat, found = p, s, true
		}
	}
	return best, bestStat, found
}

// Check measures t in r.
func (t Target) Check(r *Results) Target {
	hg, ok := r.Get(t.Group.Name(Hmacgate, false))
	if !ok {
		return t
	}
	var base Stat
	if t.Base == "" {
		t.BaseImpl, base, ok = Fastest(r, t.Group, false)
	} else {
		t.BaseImpl = t.Base
		base, ok = r.Get(t.Group.Name(t.Base, false))
	}
	if !ok || base.Ns == 0 {
		return t
	}
	t.Measured = true
	t.Ratio = hg.Ns / base.Ns
	t.Allocs = r.MaxAllocs(t.Group.Name(Hmacgate, false))
	t.Bytes = r.MaxBytes(t.Group.Name(Hmacgate, false))
	t.Pass = round2(t.Ratio) <= t.Max &&
		(!t.ZeroAlloc || t.Allocs == 0) &&
		(!t.NoCopy || t.Bytes == 0)
	return t
}

// round2 rounds to the two decimals the report shows, so that a ratio shown
// as 0.50 is not a MISS against ≤ 0.5.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Result returns "PASS", "MISS" or "not measured".
func (t Target) Result() string {
	switch {
	case !t.Measured:
		return "not measured"
	case t.Pass:
		return "PASS"
	}
	return "MISS"
}

// Measurement describes what was measured for t, e.g. "0.31× Stripe
// ValidatePayload, 0 allocs/op".
func (t Target) Measurement() string {
	if !t.Measured {
		return "—"
	}
	s := fmt.Sprintf("%.2f× %s", t.Ratio, Label(t.BaseImpl))
	if t.ZeroAlloc {
		s += fmt.Sprintf(", %s allocs/op", num(t.Allocs))
	}
	if t.NoCopy {
		s += fmt.Sprintf(", %s B/op", num(t.Bytes))
	}
	return s
}

func num(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

// Duration formats nanoseconds for people: 241 ns, 1.23 µs, 58.3 µs.
func Duration(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e4:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.2f ms", ns/1e6)
}
