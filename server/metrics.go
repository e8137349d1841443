package server

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests *prometheus.HistogramVec
	connect  *prometheus.CounterVec
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
	reg.MustRegister(m.requests, m.connect)
	return m
}
