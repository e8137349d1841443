package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hmacgate/hmacgate/order"
)

type metrics struct {
	requests *prometheus.HistogramVec
	connect  *prometheus.CounterVec
	sandbox  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hmacgate_http_request_duration_seconds",
			Help:    "Duration of API requests by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"route", "status"}),
		connect: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hmacgate_connect_calls_total",
			Help: "Connect calls by HMAC mode, digest verdict (valid, missing, invalid, unchecked) and outcome (accepted, refused).",
		}, []string{"mode", "verdict", "outcome"}),
	}
	m.sandbox = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hmacgate_sandbox_orders_total",
		Help: "Orders received by the sandbox partner endpoint, by outcome (accepted or a refusal code).",
	}, []string{"outcome"})
	reg.MustRegister(m.requests, m.connect, m.sandbox)
	return m
}

func (m *metrics) observeSandbox(o order.Outcome) { m.sandbox.WithLabelValues(o.Code).Inc() }
