package main

import (
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the three scenarios briefly, bounded to a few hundred
// orders: it checks the wiring (every fresh order answered 200 through the
// middleware and the proxy), not the speed.
func TestSmoke(t *testing.T) {
	c := config{duration: 300 * time.Millisecond, rounds: 1, workers: 4, orders: 200}
	rep, err := run(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.scenarios {
		if s.metrics.Requests == 0 || s.ok != s.metrics.Requests || s.metrics.Requests > uint64(c.orders) {
			t.Errorf("%s: %d requests, %d answered 200; want 1 to %d, all 200", s.name, s.metrics.Requests, s.ok, c.orders)
		}
	}
	res := rep.results()
	if len(res) != 3 || res[0].Key != "a" || res[1].Key != "b" || res[2].Key != "c" {
		t.Fatalf("results: %+v", res)
	}
	for _, r := range res {
		if r.Rate <= 0 || r.Requests == 0 || r.Codes["200"] != int(r.Requests) || len(r.RoundRates) != c.rounds || r.CPUPerRequest <= 0 {
			t.Errorf("result %s: %+v", r.Key, r)
		}
	}
	var b strings.Builder
	rep.print(&b, c)
	if !strings.Contains(b.String(), "(b)/(a) = ") {
		t.Errorf("report lacks the ratio:\n%s", b.String())
	}
}

func TestRefusesRunsLongerThanTheWindow(t *testing.T) {
	if _, err := run(config{duration: time.Minute, rounds: 2, workers: 1, orders: 1}); err == nil {
		t.Error("a 6-minute run was accepted")
	}
}
