package replay

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/hmacgate/hmacgate"
)

// DefaultMaxEntries is the number of live claims a [Memory] holds when its
// MaxEntries is zero: room for about 700 orders a second, sustained over the
// default replay window of six minutes, in about 35 MiB at most.
const DefaultMaxEntries = 1 << 18

// ErrFull is returned by [Memory.Claim] when the guard holds MaxEntries live
// claims and a new id arrives. Evicting a live claim would let its request be
// replayed, so the new request is refused instead (fail closed).
var ErrFull = errors.New("replay: in-memory guard is full of live claims; raise MaxEntries or use a shared guard")

// ErrBadTTL is returned by [Memory.Claim] for a ttl that is not positive.
var ErrBadTTL = errors.New("replay: claim ttl must be positive")

// Memory is a [hmacgate.ReplayGuard] held in this process's memory: bounded,
// safe for concurrent use, with no background goroutine.
//
// A claim lives for its ttl; every Claim first sweeps the claims that have
// expired (a min-heap by expiry makes that cheap), so memory follows the
// number of claims inside the window, not the traffic seen so far, and is
// returned to the runtime once a burst has expired. At most MaxEntries claims
// live at once: when full, a new id is refused with [ErrFull] rather than by
// forgetting a live claim, while a replay of a live id is still recognized.
//
// Claims are kept as 32-byte keys, without pointers, so that the garbage
// collector never scans them: an id of 32 bytes (a MAC) is its own key, and
// any other id is keyed by its SHA-256.
//
// The zero Memory is ready to use. Claims are not shared with other
// processes and do not survive a restart: a restart forgets them, so a
// replay sent right after a restart, inside the window, is accepted once
// more. Use a shared guard where that matters.
type Memory struct {
	// MaxEntries bounds the live claims; zero means [DefaultMaxEntries].
	// Size it as peak accepted requests per second × the claim ttl.
	MaxEntries int
	// Now is the clock; nil means time.Now. Tests set it to step time.
	Now func() time.Time

	mu     sync.Mutex
	base   time.Time        // the clock's reading at the first claim
	live   map[key]struct{} // live claims
	byTime expiryHeap       // the same claims with their expiry, soonest first
	peak   int              // most live claims since the map was last rebuilt
}

// key is the map key of an id: the id itself when it has 32 bytes, its
// SHA-256 otherwise. A 32-byte id and the hash of another id collide only
// if SHA-256 has a preimage, so keys are as distinct as ids.
type key [32]byte

// keyOf is the map key of id: id itself when it is 32 bytes long (a MAC),
// else its SHA-256, so that every claim costs the same memory.
func keyOf(id string) key {
	if len(id) == len(key{}) {
		return key([]byte(id))
	}
	return sha256.Sum256([]byte(id))
}

var _ hmacgate.ReplayGuard = (*Memory)(nil)

// NewMemory returns a guard holding at most maxEntries live claims (zero
// means [DefaultMaxEntries]).
func NewMemory(maxEntries int) *Memory { return &Memory{MaxEntries: maxEntries} }

// Claim records id until ttl has passed and reports whether it was fresh.
// It returns [ErrFull] for a new id when MaxEntries claims are live, and
// [ErrBadTTL] for a ttl that is not positive. ctx is not used: the guard
// never waits.
func (m *Memory) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, ErrBadTTL
	}
	k := keyOf(id)
	t := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live == nil {
		m.base = t
		m.live = make(map[key]struct{})
	}
	now := m.since(t)
	m.sweep(now)
	n := len(m.live)
	if n >= m.maxEntries() {
		if _, ok := m.live[k]; ok {
			return false, nil
		}
		return false, ErrFull
	}
	// One hash lookup: insert, and tell a replay by the unchanged length.
	// A replay leaves its claim as it was, expiring ttl after the first.
	m.live[k] = struct{}{}
	if len(m.live) == n {
		return false, nil
	}
	m.byTime.push(claim{key: k, exp: now + ttl})
	m.peak = max(m.peak, n+1)
	return true, nil
}

// Len returns the number of live claims, after sweeping expired ones.
func (m *Memory) Len() int {
	t := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.since(t))
	return len(m.live)
}

// String describes the guard without its contents.
func (m *Memory) String() string {
	return "replay.Memory(max " + strconv.Itoa(m.maxEntries()) + " claims)"
}

// now reads the guard's clock.
func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// since returns t as time since the first claim. Durations are half the
// size of times in memory; with time.Now they come from the monotonic
// clock, so a step of the wall clock neither expires claims early nor late.
func (m *Memory) since(t time.Time) time.Duration { return t.Sub(m.base) }

// maxEntries is MaxEntries or its default.
func (m *Memory) maxEntries() int {
	if m.MaxEntries > 0 {
		return m.MaxEntries
	}
	return DefaultMaxEntries
}

// sweep drops the claims whose expiry is not after now. A claim expires at
// exactly now+ttl: the same instant at which a Redis key set with PX ttl
// disappears.
func (m *Memory) sweep(now time.Duration) {
	for len(m.byTime) > 0 && m.byTime[0].exp <= now {
		delete(m.live, m.byTime.pop().key)
	}
	// Go maps never shrink: after a burst has expired, rebuild the map and
	// the heap so that memory follows the live claims, not the peak.
	const minRebuild = 1024
	if n := len(m.live); m.peak > minRebuild && n < m.peak/4 {
		fresh := make(map[key]struct{}, n)
		for k := range m.live {
			fresh[k] = struct{}{}
		}
		m.live = fresh
		m.byTime = append(make(expiryHeap, 0, n), m.byTime...)
		m.peak = n
	}
}

// claim is one entry of the expiry heap.
type claim struct {
	key key
	exp time.Duration // since Memory.base
}

// expiryHeap is a binary min-heap of claims by expiry. It is written out
// rather than used through container/heap, whose interface boxes each
// pushed claim in an allocation.
type expiryHeap []claim

// push adds c to the heap.
func (h *expiryHeap) push(c claim) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if s[i].exp >= s[parent].exp {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

// pop removes and returns the claim that expires first.
func (h *expiryHeap) pop() claim {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s[l].exp < s[least].exp {
			least = l
		}
		if r < len(s) && s[r].exp < s[least].exp {
			least = r
		}
		if least == i {
			break
		}
		s[i], s[least] = s[least], s[i]
		i = least
	}
	*h = s
	return top
}
