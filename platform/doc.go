// Package platform holds the domain of the hmacgate platform server: the
// environments of its customers with their HMAC settings, integrations and
// connections, the partner portal's products, secrets and order launches,
// the audit log, and the store interfaces that keep them.
//
// It is the platform's side only. A partner verifying orders or a backend
// signing connect digests needs the root package
// [github.com/hmacgate/hmacgate] and [github.com/hmacgate/hmacgate/connect]
// or [github.com/hmacgate/hmacgate/order], never this one.
//
// The adapters are named after what they adapt: package
// [github.com/hmacgate/hmacgate/sqlite] (the embedded default) and
// [github.com/hmacgate/hmacgate/postgres] (several instances) implement
// [Store]; package [github.com/hmacgate/hmacgate/server] serves it over HTTP.
//
// Every change takes the [AuditEntry] to write in the same transaction, so a
// change and its record are never separated. Refusals are
// [github.com/hmacgate/hmacgate.Error] values with stable codes: the
// platform's own ([ErrNotFound], [ErrConflict], …) are listed by [Codes].
package platform
