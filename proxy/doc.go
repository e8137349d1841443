// Package proxy is the verifying reverse proxy behind `hmacgate proxy`: it
// puts the partner-side checks of the signed-order scheme in front of an
// application written in any language.
//
// Every request goes through [github.com/hmacgate/hmacgate/order.Verifier]'s
// middleware: POST only, a form body of at most MaxBody bytes, the signature
// against every secret, the timestamp window, the values bound to the URL by
// a route's {wildcards}, and a replay guard. Only verified orders reach the
// upstream, with their body unchanged and these headers:
//
//	X-Hmacgate-Verified: 1
//	X-Hmacgate-User-Id, X-Hmacgate-User-Email, X-Hmacgate-User-Name,
//	X-Hmacgate-Installation-Id, X-Hmacgate-Order-Id, X-Hmacgate-Correlation-Id
//
// Each value is the signed field percent-encoded as UTF-8 (RFC 3986): bytes
// outside printable ASCII, spaces and '%' become %XX; every other byte is
// itself, so plain ASCII IDs and e-mail addresses arrive unchanged. Decode
// with decodeURIComponent, urllib.parse.unquote, rawurldecode or
// url.PathUnescape (not with a form decoder, which turns '+' into a space).
//
// # Spoofing
//
// Any inbound header whose name starts with X-Hmacgate- is removed from
// every request before anything else happens, so a client cannot forge
// them; names spelled with underscores (X_Hmacgate_User_Id), which some
// servers and CGI gateways treat as the same header, are removed too.
//
// # Operations
//
// GET /healthz answers 200 on the proxy's address and on the admin address,
// which also serves Prometheus metrics at /metrics. [Proxy.Reload] re-reads
// the secret files (the command does it on SIGHUP) without closing a
// connection; [Proxy.Close] finishes the requests in flight. Logs (log/slog)
// never hold a secret, a signature, a body or a user's name or e-mail.
package proxy
