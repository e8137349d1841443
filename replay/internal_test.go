package replay

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSweepRebuildsAfterBurst checks that the map and heap are rebuilt (Go
// maps never shrink) once most of a burst has expired.
func TestSweepRebuildsAfterBurst(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &Memory{Now: func() time.Time { return now }}
	for i := range 5000 {
		if _, err := m.Claim(context.Background(), fmt.Sprint(i), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if m.peak != 5000 {
		t.Fatalf("peak = %d; want 5000", m.peak)
	}
	now = now.Add(time.Minute)
	if _, err := m.Claim(context.Background(), "x", time.Minute); err != nil {
		t.Fatal(err)
	}
	if m.peak != 1 || cap(m.byTime) > 16 || len(m.live) != 1 {
		t.Fatalf("after expiry: peak %d, heap cap %d, map len %d; want the burst's memory released", m.peak, cap(m.byTime), len(m.live))
	}
}

// TestExpiryHeapOrder pushes expiries out of order and pops them sorted.
func TestExpiryHeapOrder(t *testing.T) {
	var h expiryHeap
	offsets := []int{5, 1, 9, 3, 3, 0, 7, 2, 8, 6, 4}
	for _, o := range offsets {
		h.push(claim{key: keyOf(fmt.Sprint(o)), exp: time.Duration(o) * time.Second})
	}
	prev := -time.Second
	for range offsets {
		c := h.pop()
		if c.exp < prev {
			t.Fatalf("popped %v after %v", c.exp, prev)
		}
		prev = c.exp
	}
	if len(h) != 0 {
		t.Fatalf("%d left", len(h))
	}
}

// TestKeys: 32-byte ids are their own keys; other ids are hashed, and all
// stay distinct.
func TestKeys(t *testing.T) {
	mac := strings.Repeat("\xab", 32)
	if k := keyOf(mac); string(k[:]) != mac {
		t.Error("a 32-byte id is not its own key")
	}
	seen := map[key]string{}
	for _, id := range []string{"", "a", "b", mac, mac[:31], mac + "x", strings.Repeat("a", 32), strings.Repeat("a", 64)} {
		k := keyOf(id)
		if prev, dup := seen[k]; dup {
			t.Errorf("%q and %q have the same key", prev, id)
		}
		seen[k] = id
	}
}
