package hmacgate

import (
	"context"
	"time"
)

// ReplayGuard remembers which signed requests were already accepted, so that
// a captured request cannot be accepted a second time while its timestamp is
// still inside the window.
//
// A timestamp window alone does not stop a replay: anyone who sees a signed
// order (a browser history, a proxy log, a shoulder) can send it again within
// minutes. The guard closes that gap by claiming each accepted request's MAC,
// which only the holder of the secret can produce and which changes with
// every byte of the signed data; an unsigned request ID would be bypassable.
//
// Implementations must be safe for concurrent use. The in-memory guard is in
// package [github.com/hmacgate/hmacgate/replay]; a guard shared by several
// instances (Redis) claims with the equivalent of SET key value NX PX ttl.
type ReplayGuard interface {
	// Claim records id for ttl unless it is already recorded, and reports
	// whether this call recorded it: fresh is true for exactly one of any
	// number of concurrent or repeated claims of the same id within ttl.
	//
	// id is opaque binary data (for signed orders, the 32 bytes of the
	// verified MAC); an implementation that needs text keys encodes it.
	// ttl is positive. A claimed id must not be forgotten before ttl has
	// passed: a guard that cannot keep a claim (it is full, its store is
	// down, ctx is done) returns an error instead, and the caller refuses the
	// request with [ErrUnavailable] (fail closed), never accepts it.
	Claim(ctx context.Context, id string, ttl time.Duration) (fresh bool, err error)
}
