// Package orderprom counts the outcomes of signed-order verification for
// Prometheus. It is a separate package so that package order has no
// dependency outside the standard library.
//
//	c := orderprom.New()
//	prometheus.MustRegister(c)
//	v.Observe = c.Observe // v is an *order.Verifier
//
// It exports one counter:
//
//	hmacgate_order_outcomes_total{outcome="accepted|<refusal code>", secret="0|1|…|none"}
//
// secret is the index of the matching secret in the keyring (0 the current
// one, 1 the retiring one), or "none" when no secret matched. During a
// rotation, the retiring secret can be removed once
// rate(hmacgate_order_outcomes_total{outcome="accepted",secret="1"}[1h]) is 0.
package orderprom

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hmacgate/hmacgate/order"
)

// Collector counts [order.Outcome]s by outcome code and secret index. It is
// a [prometheus.Collector] and safe for concurrent use.
type Collector struct {
	outcomes *prometheus.CounterVec
	counters sync.Map // outcomeKey → prometheus.Counter, to skip the label lookup
}

type outcomeKey struct {
	code     string
	keyIndex int
}

var _ prometheus.Collector = (*Collector)(nil)

// New returns a Collector with the accepted count of the current secret
// (secret "0") present from the start at zero, so that dashboards and
// alerts see the series before the first order.
func New() *Collector {
	c := &Collector{outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "hmacgate",
		Subsystem: "order",
		Name:      "outcomes_total",
		Help:      `Signed order requests by outcome ("accepted" or the refusal code) and index of the matching secret ("none" if no secret matched).`,
	}, []string{"outcome", "secret"})}
	c.outcomes.WithLabelValues(order.Accepted, "0")
	return c
}

// Observe counts one outcome. Its method value fits order.Verifier.Observe.
func (c *Collector) Observe(o order.Outcome) {
	k := outcomeKey{o.Code, o.KeyIndex}
	if ctr, ok := c.counters.Load(k); ok {
		ctr.(prometheus.Counter).Inc()
		return
	}
	ctr := c.outcomes.WithLabelValues(o.Code, secretLabel(o.KeyIndex))
	c.counters.Store(k, ctr)
	ctr.Inc()
}

// secretLabels avoids formatting the common indexes.
var secretLabels = [...]string{"0", "1", "2", "3"}

func secretLabel(i int) string {
	switch {
	case i < 0:
		return "none"
	case i < len(secretLabels):
		return secretLabels[i]
	}
	return strconv.Itoa(i)
}

// Describe implements [prometheus.Collector].
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { c.outcomes.Describe(ch) }

// Collect implements [prometheus.Collector].
func (c *Collector) Collect(ch chan<- prometheus.Metric) { c.outcomes.Collect(ch) }
