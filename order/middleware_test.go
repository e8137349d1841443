package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// body returns the form body of orderdata signed with secret.
func body(secret hmacgate.Key, od string) string {
	return "orderdata=" + url.QueryEscape(od) + "&hmacsignature=" + url.QueryEscape(order.Sign(secret, []byte(od)))
}

// post returns a signed-order request for path.
func post(path, b string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(b))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// recorder is the application behind the middleware in tests: it records
// the orders that reach it.
type recorder struct {
	mu     sync.Mutex
	orders []*order.Order
	bodies []string
}

// ServeHTTP records the order and the body it sees and greets the user.
func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o, ok := order.FromContext(r.Context())
	if !ok {
		http.Error(w, "no order in context", http.StatusInternalServerError)
		return
	}
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.orders = append(h.orders, o)
	h.bodies = append(h.bodies, string(b))
	h.mu.Unlock()
	_, _ = io.WriteString(w, "hello "+o.User.Email)
}

// count returns the number of orders seen.
func (h *recorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.orders)
}

// outcomes records what the middleware reports to Observe.
type outcomes struct {
	mu  sync.Mutex
	got []order.Outcome
}

// observe records one outcome.
func (o *outcomes) observe(x order.Outcome) {
	o.mu.Lock()
	o.got = append(o.got, x)
	o.mu.Unlock()
}

// failingGuard is a replay guard whose store is down.
type failingGuard struct{}

// Claim fails as an unreachable store does.
func (failingGuard) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("guard store unreachable at 10.0.0.9")
}

// mountOrders mounts the middleware, with installationId bound to the URL,
// on POST-less Go 1.22 patterns of a ServeMux, as an application would.
func mountOrders(v *order.Verifier, next http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/orders/{installationId}", v.Bind("installationId", func(r *http.Request) string {
		return r.PathValue("installationId")
	}).Middleware(next))
	mux.Handle("/query", v.Bind("installationId", func(r *http.Request) string {
		return r.URL.Query().Get("installationId")
	}).Middleware(next))
	return mux
}

// refusalCase is one row of the refusal table: a request and the refusal it
// must get.
type refusalCase struct {
	name  string
	req   func() *http.Request
	guard hmacgate.ReplayGuard // nil: a fresh in-memory guard
	first bool                 // send the request once before, expecting 200
	want  *hmacgate.Error
}

// orderRefusalCodes are the codes a signed-order endpoint can answer; the
// table must cover each.
var orderRefusalCodes = []*hmacgate.Error{
	hmacgate.ErrMethodNotAllowed, hmacgate.ErrUnsupportedMediaType, hmacgate.ErrBodyTooLarge,
	hmacgate.ErrMissingOrderdata, hmacgate.ErrMissingSignature, hmacgate.ErrMalformedSignature,
	hmacgate.ErrSignatureMismatch, hmacgate.ErrMalformedOrderdata, hmacgate.ErrDuplicateField,
	hmacgate.ErrMissingTimestamp, hmacgate.ErrTimestampExpired, hmacgate.ErrTimestampInFuture,
	hmacgate.ErrBindingMismatch, hmacgate.ErrReplayed, hmacgate.ErrUnavailable,
}

// refusalCases returns one request for each refusal the middleware makes.
func refusalCases() []refusalCase {
	good := body(refSecret, refOrderdata)
	const path = "/orders/inst-20931"
	withCT := func(ct string) func() *http.Request {
		return func() *http.Request {
			r := post(path, good)
			r.Header.Set("Content-Type", ct)
			return r
		}
	}
	signed := func(od string) func() *http.Request {
		return func() *http.Request { return post(path, body(refSecret, od)) }
	}
	raw := func(b string) func() *http.Request { return func() *http.Request { return post(path, b) } }
	return []refusalCase{
		{name: "GET", req: func() *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }, want: hmacgate.ErrMethodNotAllowed},
		{name: "PUT", req: func() *http.Request {
			r := post(path, good)
			r.Method = http.MethodPut
			return r
		}, want: hmacgate.ErrMethodNotAllowed},
		{name: "JSON", req: withCT("application/json"), want: hmacgate.ErrUnsupportedMediaType},
		{name: "multipart", req: withCT("multipart/form-data; boundary=x"), want: hmacgate.ErrUnsupportedMediaType},
		{name: "no content type", req: withCT(""), want: hmacgate.ErrUnsupportedMediaType},
		{name: "body over 64 KiB", req: raw(good + "&pad=" + strings.Repeat("x", 64<<10)), want: hmacgate.ErrBodyTooLarge},
		{name: "chunked body over 64 KiB", req: func() *http.Request {
			r := post(path, good+"&pad="+strings.Repeat("x", 64<<10))
			r.ContentLength = -1
			return r
		}, want: hmacgate.ErrBodyTooLarge},
		{name: "empty body", req: raw(""), want: hmacgate.ErrMissingOrderdata},
		{name: "no orderdata", req: raw("hmacsignature=" + url.QueryEscape(order.Sign(refSecret, []byte(refOrderdata)))), want: hmacgate.ErrMissingOrderdata},
		{name: "no signature", req: raw("orderdata=" + url.QueryEscape(refOrderdata)), want: hmacgate.ErrMissingSignature},
		{name: "hex signature", req: raw("orderdata=" + url.QueryEscape(refOrderdata) + "&hmacsignature=" + strings.Repeat("ab", 32)), want: hmacgate.ErrMalformedSignature},
		{name: "other secret", req: raw(body(hmacgate.MustParseKey("hgk_some-other-secret-000000000000000000000"), refOrderdata)), want: hmacgate.ErrSignatureMismatch},
		{name: "tampered orderdata", req: raw(strings.Replace(good, "fotografering", "fotograferin9", 1)), want: hmacgate.ErrSignatureMismatch},
		{name: "not JSON", req: signed(`[1]`), want: hmacgate.ErrMalformedOrderdata},
		{name: "duplicate key", req: signed(`{"hmacTimestamp":` + ms(0) + `,"installationId":"inst-20931","installationId":"x"}`), want: hmacgate.ErrDuplicateField},
		{name: "duplicate form field", req: raw(good + "&orderdata=x"), want: hmacgate.ErrDuplicateField},
		{name: "no timestamp", req: signed(`{"installationId":"inst-20931"}`), want: hmacgate.ErrMissingTimestamp},
		{name: "expired", req: signed(withTimestamp(ms(-5*time.Minute - time.Millisecond))), want: hmacgate.ErrTimestampExpired},
		{name: "in future", req: signed(withTimestamp(ms(time.Minute + time.Millisecond))), want: hmacgate.ErrTimestampInFuture},
		{name: "other installation in URL", req: func() *http.Request { return post("/orders/inst-1", good) }, want: hmacgate.ErrBindingMismatch},
		{name: "no installation in URL", req: func() *http.Request { return post("/query", good) }, want: hmacgate.ErrBindingMismatch},
		{name: "replayed", req: raw(good), first: true, want: hmacgate.ErrReplayed},
		{name: "guard down", req: raw(good), guard: failingGuard{}, want: hmacgate.ErrUnavailable},
	}
}

func TestMiddlewareRefusals(t *testing.T) {
	cases := refusalCases()
	covered := map[string]bool{}
	for _, tt := range cases {
		covered[tt.want.Code()] = true
	}
	for _, e := range orderRefusalCodes {
		if !covered[e.Code()] {
			t.Errorf("no case for %s", e.Code())
		}
	}
	goodSig := order.Sign(refSecret, []byte(refOrderdata))
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			v := refVerifier()
			if tt.guard != nil {
				v.Replay = tt.guard
			}
			var seen outcomes
			v.Observe = seen.observe
			app := &recorder{}
			h := mountOrders(v, app)
			if tt.first {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, tt.req())
				if w.Code != http.StatusOK {
					t.Fatalf("first request: %d %s", w.Code, w.Body)
				}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req())
			if w.Code != tt.want.Status() {
				t.Errorf("status %d; want %d (%s)", w.Code, tt.want.Status(), w.Body)
			}
			var got struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not JSON: %q", w.Body)
			}
			if got.Error != tt.want.Code() || got.Message == "" {
				t.Errorf("body %q; want error %q and a message", w.Body, tt.want.Code())
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q; want no-store", cc)
			}
			if tt.want == hmacgate.ErrMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q; want POST", w.Header().Get("Allow"))
			}
			for _, leak := range []string{goodSig, url.QueryEscape(goodSig), refSecret.Reveal(), "10.0.0.9"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Errorf("response reveals %q: %s", leak, w.Body)
				}
			}
			wantApp := 0
			if tt.first {
				wantApp = 1
			}
			if app.count() != wantApp {
				t.Errorf("the application saw %d orders; want %d", app.count(), wantApp)
			}
			if n := len(seen.got); n == 0 || seen.got[n-1].Code != tt.want.Code() {
				t.Errorf("Observe got %v; want last code %s", seen.got, tt.want.Code())
			}
		})
	}
}

func TestMiddlewareAccepts(t *testing.T) {
	v := refVerifier()
	var seen outcomes
	v.Observe = seen.observe
	app := &recorder{}
	h := mountOrders(v, app)
	good := body(refSecret, refOrderdata)
	r := post("/orders/inst-20931", good)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if app.count() != 1 || app.orders[0].InstallationID != "inst-20931" || app.orders[0].Orderdata != refOrderdata {
		t.Fatalf("the application got %+v", app.orders)
	}
	if app.bodies[0] != good {
		t.Errorf("the application read the body %q; want the original %q", app.bodies[0], good)
	}
	if want := []order.Outcome{{Code: order.Accepted, KeyIndex: 0}}; len(seen.got) != 1 || seen.got[0] != want[0] {
		t.Errorf("Observe got %v; want %v", seen.got, want)
	}
}

func TestMiddlewareNextCanParseForm(t *testing.T) {
	v := refVerifier()
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, r.PostForm.Get("orderdata"))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, post("/", body(refSecret, refOrderdata)))
	if w.Body.String() != refOrderdata {
		t.Errorf("got %q; want the orderdata", w.Body)
	}
}

// TestMiddlewareConcurrentReplay: 64 goroutines submit the same valid order
// at once; exactly one is accepted. Run with -race.
func TestMiddlewareConcurrentReplay(t *testing.T) {
	v := refVerifier()
	app := &recorder{}
	h := mountOrders(v, app)
	good := body(refSecret, refOrderdata)
	var ok, replayed atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			r := post("/orders/inst-20931", good)
			<-start
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			switch {
			case w.Code == http.StatusOK:
				ok.Add(1)
			case w.Code == http.StatusUnauthorized && strings.Contains(w.Body.String(), `"replayed"`):
				replayed.Add(1)
			default:
				t.Errorf("unexpected answer %d %s", w.Code, w.Body)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || replayed.Load() != 63 || app.count() != 1 {
		t.Fatalf("accepted %d, replayed %d, reached the application %d; want 1, 63, 1", ok.Load(), replayed.Load(), app.count())
	}
}

// TestMiddlewareRotation: while a regenerated secret propagates, orders
// signed with the old and the new secret are both accepted (and told apart
// by KeyIndex); once the old secret is removed, its orders are refused.
func TestMiddlewareRotation(t *testing.T) {
	oldSecret := refSecret
	newSecret := hmacgate.MustParseKey("hgk_the-regenerated-secret-from-the-portal-000")
	send := func(v *order.Verifier, secret hmacgate.Key, orderID string) (int, []order.Outcome) {
		var seen outcomes
		v.Observe = seen.observe
		h := v.Middleware(&recorder{})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, post("/", body(secret, `{"hmacTimestamp":`+ms(0)+`,"orderId":"`+orderID+`"}`)))
		return w.Code, seen.got
	}
	during := refVerifier(newSecret, oldSecret)
	if code, got := send(during, newSecret, "1"); code != http.StatusOK || got[0].KeyIndex != 0 {
		t.Errorf("new secret during rotation: %d %v; want 200 with secret 0", code, got)
	}
	if code, got := send(during, oldSecret, "2"); code != http.StatusOK || got[0].KeyIndex != 1 {
		t.Errorf("old secret during rotation: %d %v; want 200 with secret 1", code, got)
	}
	after := refVerifier(newSecret)
	if code, got := send(after, oldSecret, "3"); code != http.StatusUnauthorized || got[0].Code != "signature_mismatch" {
		t.Errorf("old secret after removal: %d %v; want 401 signature_mismatch", code, got)
	}
	if code, _ := send(after, newSecret, "4"); code != http.StatusOK {
		t.Errorf("new secret after removal: %d; want 200", code)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	n      atomic.Int64
	remain int64
}

// Read fills p with 'x' until remain bytes have been read, and counts them.
func (c *countingReader) Read(p []byte) (int, error) {
	if c.remain == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, c.remain)
	for i := int64(0); i < n; i += int64(copy(p[i:n], xs[:])) {
	}
	c.remain -= n
	c.n.Add(n)
	return int(n), nil
}

// TestMiddlewareLargeBodyNotRead: a 10 MB body is refused with 413; with a
// declared Content-Length not one byte is read, and without one no more
// than the limit (plus the one byte that shows it is exceeded).
func TestMiddlewareLargeBodyNotRead(t *testing.T) {
	const size = 10 << 20
	for _, tt := range []struct {
		name    string
		length  int64
		maxRead int64
		maxBody int64
	}{
		{"declared length", size, 0, 0},
		{"unknown length", -1, order.DefaultMaxBody + 1, 0},
		{"unknown length, 1 KiB limit", -1, 1<<10 + 1, 1 << 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := refVerifier()
			v.MaxBody = tt.maxBody
			app := &recorder{}
			h := v.Middleware(app)
			src := &countingReader{remain: size}
			r := httptest.NewRequest(http.MethodPost, "/", src)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.ContentLength = tt.length
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d; want 413", w.Code)
			}
			if got := src.n.Load(); got > tt.maxRead {
				t.Errorf("read %d bytes of a %d-byte body; want at most %d", got, size, tt.maxRead)
			}
			if app.count() != 0 {
				t.Error("the application saw the order")
			}
		})
	}
}

// TestMiddlewareOnRefuse: the application renders its own page, and sees
// the guard's error (to log it) that the default response hides.
func TestMiddlewareOnRefuse(t *testing.T) {
	v := refVerifier()
	v.Replay = failingGuard{}
	var logged string
	v.OnRefuse = func(w http.ResponseWriter, r *http.Request, err error) {
		logged = err.Error()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(hmacgate.HTTPStatus(err))
		_, _ = io.WriteString(w, "<h1>Please open the order again from the platform</h1><!-- "+hmacgate.ErrorCode(err)+" -->")
	}
	w := httptest.NewRecorder()
	v.Middleware(&recorder{}).ServeHTTP(w, post("/", body(refSecret, refOrderdata)))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "<h1>") || !strings.Contains(w.Body.String(), "unavailable") {
		t.Errorf("got %d %q; want the application's 503 page", w.Code, w.Body)
	}
	if !strings.Contains(logged, "guard store unreachable") {
		t.Errorf("OnRefuse error %q does not carry the guard's error", logged)
	}
}

// TestDefaultGuardSharedAcrossRoutes: two handlers made from one Verifier
// share its default guard, so an order used on one route is a replay on the
// other.
func TestDefaultGuardSharedAcrossRoutes(t *testing.T) {
	v := refVerifier()
	mux := http.NewServeMux()
	mux.Handle("/a", v.Middleware(&recorder{}))
	mux.Handle("/b/{installationId}", v.Bind("installationId", func(r *http.Request) string { return r.PathValue("installationId") }).Middleware(&recorder{}))
	good := body(refSecret, refOrderdata)
	for _, step := range []struct {
		path string
		want int
	}{{"/a", http.StatusOK}, {"/b/inst-20931", http.StatusUnauthorized}} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, post(step.path, good))
		if w.Code != step.want {
			t.Errorf("%s: status %d; want %d", step.path, w.Code, step.want)
		}
	}
}

// TestSharedVerifierConcurrentUse builds handlers from one Verifier in many
// goroutines at once, with Bind and Middleware, while others serve orders
// through them. Under -race it fails if either method writes to the shared
// Verifier; every handler must also share its replay guard and leave it
// unchanged.
func TestSharedVerifierConcurrentUse(t *testing.T) {
	v := refVerifier()
	guard := v.Replay
	const workers = 8
	handlers := make([]http.Handler, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h http.Handler
			if i%2 == 0 {
				h = v.Bind("installationId", func(r *http.Request) string { return "inst-20931" }).Middleware(&recorder{})
			} else {
				h = v.Middleware(&recorder{})
			}
			// Serve a fresh order through it while other goroutines build theirs.
			od := strings.Replace(refOrderdata, "000184", fmt.Sprintf("%06d", i), 1)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, post("/", body(refSecret, od)))
			if w.Code != http.StatusOK {
				t.Errorf("worker %d: status %d (%s)", i, w.Code, w.Body)
			}
			handlers[i] = h
		}()
	}
	wg.Wait()
	if v.Replay != guard {
		t.Fatal("Bind or Middleware replaced the Verifier's guard")
	}
	// One guard for all: the order accepted by worker 0's handler is a
	// replay on every handler, bound or not.
	od0 := body(refSecret, strings.Replace(refOrderdata, "000184", "000000", 1))
	for i, h := range handlers {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, post("/", od0))
		if w.Code != http.StatusUnauthorized {
			t.Errorf("handler %d: replay got status %d; want 401", i, w.Code)
		}
	}
}

func TestNewVerifierHasGuard(t *testing.T) {
	a, b := order.NewVerifier(nil), order.NewVerifier(nil)
	if a.Replay == nil || a.Replay == b.Replay {
		t.Errorf("NewVerifier guards: %v and %v; want two distinct guards", a.Replay, b.Replay)
	}
}

func TestMiddlewareWithoutGuardPanics(t *testing.T) {
	v := &order.Verifier{Keyring: hmacgate.MustNewKeyring(refSecret)}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "NewVerifier") {
			t.Errorf("recovered %q; want a panic that names NewVerifier", msg)
		}
		if v.Replay != nil {
			t.Error("Middleware set the receiver's Replay")
		}
	}()
	v.Middleware(&recorder{})
}

func TestBindDoesNotChangeReceiver(t *testing.T) {
	v := refVerifier()
	_ = v.Bind("installationId", func(*http.Request) string { return "other" })
	w := httptest.NewRecorder()
	v.Middleware(&recorder{}).ServeHTTP(w, post("/", body(refSecret, refOrderdata)))
	if w.Code != http.StatusOK {
		t.Errorf("status %d; a binding leaked into the receiver", w.Code)
	}
}

func TestFromContextOutsideMiddleware(t *testing.T) {
	if o, ok := order.FromContext(context.Background()); ok || o != nil {
		t.Errorf("FromContext = %v, %v; want nil, false", o, ok)
	}
	o := &order.Order{Orderdata: "{}"}
	if got, ok := order.FromContext(order.NewContext(context.Background(), o)); !ok || got != o {
		t.Errorf("FromContext(NewContext) = %v, %v", got, ok)
	}
}

// xs fills the bodies of countingReader.
var xs = [32 << 10]byte{}

// init fills xs with the letter x.
func init() {
	for i := range xs {
		xs[i] = 'x'
	}
}

// BenchmarkMiddleware measures the middleware's cost per request on top of
// the handler: read the body, verify a fresh order, bind, claim, and call
// next. Each iteration sends a distinct order, pre-signed now, to a
// verifier with the default clock and guard, as a partner runs it.
func BenchmarkMiddleware(b *testing.B) {
	od := liveOrderdata(time.Now())
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = body(refSecret, strings.Replace(od, "000184", fmt.Sprintf("%06d", i%1000000), 1)+strings.Repeat(" ", i/1000000))
	}
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = post("/orders/inst-20931", bodies[i])
	}
	v := liveVerifier()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := mountOrders(v, ok)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(w, reqs[i])
	}
}
