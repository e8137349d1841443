package replay_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/replay"
)

// clock is a settable clock for Memory.Now.
type clock struct{ t time.Time }

// now is the clock's time.
func (c *clock) now() time.Time { return c.t }

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// newGuard returns a guard of at most max claims on a clock of its own.
func newGuard(max int) (*replay.Memory, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &replay.Memory{MaxEntries: max, Now: c.now}, c
}

// mustClaim claims id and fails the test unless the answer is want.
func mustClaim(t *testing.T, m *replay.Memory, id string, ttl time.Duration, want bool) {
	t.Helper()
	fresh, err := m.Claim(context.Background(), id, ttl)
	if err != nil {
		t.Fatalf("Claim(%q): %v", id, err)
	}
	if fresh != want {
		t.Fatalf("Claim(%q) fresh = %v; want %v", id, fresh, want)
	}
}

func TestClaimOnceWithinTTL(t *testing.T) {
	m, c := newGuard(0)
	mustClaim(t, m, "a", time.Minute, true)
	mustClaim(t, m, "a", time.Minute, false)
	mustClaim(t, m, "b", time.Minute, true)
	c.advance(time.Minute - time.Nanosecond)
	mustClaim(t, m, "a", time.Minute, false) // still live: a replay does not extend it
	c.advance(time.Nanosecond)
	mustClaim(t, m, "a", time.Minute, true) // expired at exactly ttl, like PX
	if got := m.Len(); got != 1 {
		t.Errorf("Len = %d; want 1 (b expired, a claimed anew)", got)
	}
}

func TestExpiryOrderWithMixedTTLs(t *testing.T) {
	m, c := newGuard(0)
	mustClaim(t, m, "long", time.Hour, true)
	mustClaim(t, m, "short", time.Second, true)
	c.advance(2 * time.Second)
	mustClaim(t, m, "short", time.Second, true) // expired although claimed after "long"
	mustClaim(t, m, "long", time.Hour, false)
}

func TestFullRefusesNewIDsButKnowsLiveOnes(t *testing.T) {
	m, c := newGuard(3)
	for _, id := range []string{"a", "b", "c"} {
		mustClaim(t, m, id, time.Minute, true)
	}
	if fresh, err := m.Claim(context.Background(), "d", time.Minute); !errors.Is(err, replay.ErrFull) || fresh {
		t.Fatalf("Claim when full = %v, %v; want false, ErrFull", fresh, err)
	}
	mustClaim(t, m, "b", time.Minute, false) // a replay is still recognized when full
	c.advance(time.Minute)
	mustClaim(t, m, "d", time.Minute, true) // room again once claims expire
}

func TestBadTTL(t *testing.T) {
	m, _ := newGuard(0)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, err := m.Claim(context.Background(), "a", ttl); !errors.Is(err, replay.ErrBadTTL) {
			t.Errorf("ttl %v: err = %v; want ErrBadTTL", ttl, err)
		}
	}
	if m.Len() != 0 {
		t.Error("a refused claim was recorded")
	}
}

func TestZeroValueIsUsable(t *testing.T) {
	var m replay.Memory
	mustClaim(t, &m, "a", time.Minute, true)
	mustClaim(t, &m, "a", time.Minute, false)
}

// TestConcurrentClaims races 64 goroutines on one id, many times: exactly
// one wins each round. Run with -race.
func TestConcurrentClaims(t *testing.T) {
	m := replay.NewMemory(0)
	for round := range 20 {
		id := fmt.Sprint("order-", round)
		var fresh atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 64 {
			wg.Go(func() {
				<-start
				ok, err := m.Claim(context.Background(), id, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					fresh.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := fresh.Load(); got != 1 {
			t.Fatalf("round %d: %d goroutines got fresh; want exactly 1", round, got)
		}
	}
}

// TestMemoryFollowsTheWindow: after a burst expires, the guard holds only
// the claims inside the window.
func TestMemoryFollowsTheWindow(t *testing.T) {
	m, c := newGuard(0)
	for i := range 10000 {
		mustClaim(t, m, fmt.Sprint(i), time.Minute, true)
	}
	c.advance(time.Minute)
	mustClaim(t, m, "after", time.Minute, true)
	if got := m.Len(); got != 1 {
		t.Fatalf("Len after the burst expired = %d; want 1", got)
	}
}

func BenchmarkClaim(b *testing.B) {
	m := replay.NewMemory(0)
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// A ttl short enough that old claims expire as the loop goes round.
		if _, err := m.Claim(context.Background(), ids[i%len(ids)], time.Millisecond); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
