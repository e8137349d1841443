// Package replay holds replay guards: stores of the signed requests already
// accepted, so that each is accepted once. [Memory] keeps them in this
// process; it is the default of [github.com/hmacgate/hmacgate/order.Verifier]'s
// middleware. Several instances behind one address need a shared guard
// (package replay/redis), since a replay may reach another instance.
//
// # Fail closed
//
// A guard that cannot keep a claim for its whole lifetime returns an error
// instead of forgetting an older claim or answering "fresh": forgetting a
// live claim would let that request be accepted twice. Callers refuse the
// request with 503 (hmacgate.ErrUnavailable) when Claim fails.
package replay
