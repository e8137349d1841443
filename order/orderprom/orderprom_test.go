package orderprom_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/order/orderprom"
)

func TestCollectorCountsByOutcomeAndSecret(t *testing.T) {
	c := orderprom.New()
	for _, o := range []order.Outcome{
		{Code: order.Accepted, KeyIndex: 0},
		{Code: order.Accepted, KeyIndex: 1},
		{Code: order.Accepted, KeyIndex: 1},
		{Code: "signature_mismatch", KeyIndex: -1},
		{Code: "replayed", KeyIndex: 7},
	} {
		c.Observe(o)
	}
	want := `
# HELP hmacgate_order_outcomes_total Signed order requests by outcome ("accepted" or the refusal code) and index of the matching secret ("none" if no secret matched).
# TYPE hmacgate_order_outcomes_total counter
hmacgate_order_outcomes_total{outcome="accepted",secret="0"} 1
hmacgate_order_outcomes_total{outcome="accepted",secret="1"} 2
hmacgate_order_outcomes_total{outcome="replayed",secret="7"} 1
hmacgate_order_outcomes_total{outcome="signature_mismatch",secret="none"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestAcceptedCurrentSecretStartsAtZero(t *testing.T) {
	c := orderprom.New()
	if n := testutil.CollectAndCount(c); n != 1 {
		t.Fatalf("series before any order = %d; want 1", n)
	}
}
