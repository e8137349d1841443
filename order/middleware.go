package order

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/hmacgate/hmacgate"
)

// DefaultMaxBody is the largest form body [Verifier.Middleware] reads when
// MaxBody is zero: 64 KiB, far above a real order (about 1 KiB) and small
// enough that an unauthenticated sender cannot make the server buffer much.
const DefaultMaxBody = 64 << 10

// Accepted is the [Outcome] code of an order the middleware let through.
const Accepted = "accepted"

// Outcome is what [Verifier.Middleware] did with one request, reported to
// Verifier.Observe.
type Outcome struct {
	// Code is [Accepted] or the refusal's code ("signature_mismatch",
	// "replayed", "unavailable", …).
	Code string
	// KeyIndex is the index in the keyring of the secret that matched the
	// signature, or -1 when none did or the request was refused before the
	// signature was checked. Counting accepted orders by KeyIndex shows when
	// a retiring secret is no longer used and can be removed.
	KeyIndex int
}

// contextKey is the type of the context key under which the middleware
// stores the verified order.
type contextKey struct{}

// FromContext returns the verified order that [Verifier.Middleware] stored in
// the request's context. ok is false outside a handler behind the middleware.
func FromContext(ctx context.Context) (o *Order, ok bool) {
	o, ok = ctx.Value(contextKey{}).(*Order)
	return o, ok && o != nil
}

// NewContext returns a copy of ctx that carries o, as the middleware does.
// It is meant for tests of handlers that run behind the middleware.
func NewContext(ctx context.Context, o *Order) context.Context {
	return context.WithValue(ctx, contextKey{}, o)
}

// binding takes a value from the request (its URL, usually) that must equal
// a signed field.
type binding struct {
	field string
	from  func(*http.Request) string
}

// Bind returns a copy of v whose middleware also requires that the signed
// field equals the value from returns for the request, such as the
// installationId in the URL:
//
//	v.Bind("installationId", func(r *http.Request) string { return r.PathValue("installationId") })
//
// The seed's rule: data used to route a request to the partner's endpoint
// is not covered by the signature until it is compared with the signed
// value. A mismatch, an absent field, or an empty value from the request is
// refused with binding_mismatch (403). Calls chain. v itself is never
// changed, so Bind may be called on a shared Verifier from any goroutine;
// the copy keeps v's Replay guard, so that an order accepted on one route
// is a replay on every other route made from v.
func (v *Verifier) Bind(field string, from func(*http.Request) string) *Verifier {
	c := *v
	c.bindings = append(append([]binding(nil), v.bindings...), binding{field: field, from: from})
	return &c
}

// Middleware returns a handler that lets only verified, fresh signed orders
// reach next, with the order in the request context ([FromContext]).
//
// For each request, in this order, it:
//
//  1. refuses any method but POST (405, with Allow: POST);
//  2. refuses a Content-Type other than application/x-www-form-urlencoded (415);
//  3. reads the body through [http.MaxBytesReader], refusing more than
//     MaxBody bytes (413) without reading the rest — at once when the
//     declared Content-Length is already too large;
//  4. verifies it with [Verifier.VerifyBody] and the expectations of
//     [Verifier.Bind];
//  5. claims the order's MAC in the replay guard for [Verifier.ReplayWindow]:
//     a second use is refused as replayed (401), and a guard error as
//     unavailable (503) — fail closed.
//
// Refusals go to OnRefuse (by default JSON, see [hmacgate.WriteError]); no
// refusal holds a secret or the expected signature. next sees the original
// body again in r.Body, so it may parse the form itself.
//
// Middleware uses a copy of v made when it is called: later changes to v do
// not affect the returned handler, and v is not changed, so Middleware may
// be called on a shared Verifier from any goroutine. To change secrets while
// serving, build a new Verifier with the same Replay and Observe, and swap
// handlers.
//
// Middleware panics if v.Replay is nil (a Verifier not made by
// [NewVerifier], whose Replay was never set): a guard made here would not
// be shared by the other handlers made from v, so an order could be
// replayed on another route.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	if v.Replay == nil {
		panic("order: Verifier.Replay is nil: make the Verifier with NewVerifier (an in-memory guard) or set Replay to the guard every handler shares")
	}
	c := *v
	c.bindings = append([]binding(nil), v.bindings...)
	return &middleware{v: &c, next: next}
}

type middleware struct {
	v    *Verifier
	next http.Handler
}

const formType = "application/x-www-form-urlencoded"

// ServeHTTP runs the checks listed at [Verifier.Middleware].
func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := m.v
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		m.refuse(w, r, hmacgate.ErrMethodNotAllowed, -1)
		return
	}
	if !isForm(r.Header.Get("Content-Type")) {
		m.refuse(w, r, hmacgate.ErrUnsupportedMediaType, -1)
		return
	}
	body, err := readBody(w, r, v.maxBody())
	if err != nil {
		m.refuse(w, r, err, -1)
		return
	}
	var buf [4]Expectation
	expect := buf[:0]
	if len(v.bindings) > 0 {
		for _, b := range v.bindings {
			got := b.from(r)
			if got == "" {
				m.refuse(w, r, hmacgate.ErrBindingMismatch.With("the request URL has no "+b.field+" to compare with the signed one"), -1)
				return
			}
			expect = append(expect, Expect(b.field, got))
		}
	}
	o, err := v.VerifyBody(body, expect...)
	if err != nil {
		m.refuse(w, r, err, -1)
		return
	}
	fresh, err := v.Replay.Claim(r.Context(), string(o.mac[:]), v.ReplayWindow())
	switch {
	case err != nil:
		// The guard's error joins the refusal for OnRefuse (to log); the
		// response shows only the refusal's code and message.
		m.refuse(w, r, errors.Join(hmacgate.ErrUnavailable, err), o.KeyIndex)
		return
	case !fresh:
		m.refuse(w, r, hmacgate.ErrReplayed, o.KeyIndex)
		return
	}
	if v.Observe != nil {
		v.Observe(Outcome{Code: Accepted, KeyIndex: o.KeyIndex})
	}
	r2 := r.WithContext(NewContext(r.Context(), o))
	rb := &readBackBody{}
	rb.Reset(body)
	r2.Body, r2.ContentLength, r2.TransferEncoding = rb, int64(len(body)), nil // the length is known now
	m.next.ServeHTTP(w, r2)
}

// readBackBody gives next the body the middleware read, in one allocation.
type readBackBody struct{ bytes.Reader }

// Close does nothing: the body is in memory.
func (*readBackBody) Close() error { return nil }

// refuse reports the refusal to Observe and answers it through OnRefuse or
// as JSON.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, err error, keyIndex int) {
	if m.v.Observe != nil {
		m.v.Observe(Outcome{Code: hmacgate.ErrorCode(err), KeyIndex: keyIndex})
	}
	if m.v.OnRefuse != nil {
		m.v.OnRefuse(w, r, err)
		return
	}
	hmacgate.WriteError(w, err)
}

// maxBody is MaxBody or its default.
func (v *Verifier) maxBody() int64 {
	if v.MaxBody > 0 {
		return v.MaxBody
	}
	return DefaultMaxBody
}

// isForm reports whether a Content-Type is application/x-www-form-urlencoded,
// with any parameters (a charset does not change the bytes that are signed).
func isForm(ct string) bool {
	if ct == formType {
		return true // the common case, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == formType
}

// readBody reads the whole body, or refuses it once it passes limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	tooLarge := func() error {
		return hmacgate.ErrBodyTooLarge.With("the request body is larger than the limit of " + strconv.FormatInt(limit, 10) + " bytes")
	}
	if r.ContentLength > limit {
		return nil, tooLarge() // refused before a byte is read
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	size := r.ContentLength + 1 // +1 to see EOF without growing
	if size <= 0 {
		size = 4 << 10
	}
	buf := make([]byte, 0, size)
	rd := http.MaxBytesReader(w, r.Body, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge()
			}
			return nil, hmacgate.ErrMissingOrderdata.With("the request body could not be read completely; send it again")
		}
	}
}
