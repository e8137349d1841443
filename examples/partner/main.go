// Command partner is a small partner application that receives signed order
// launches from the platform through hmacgate's middleware, signs the user
// in by the signed currentUserEmail (a session cookie) and shows the order.
//
//	go run ./examples/partner --secret-file secret.txt
//
// See README.md for sending it an order made by `hmacgate sign order --form`.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "serve on `ADDR`")
	var secretFiles []string
	flag.Func("secret-file", "read the product's secret from `FILE`; repeat for the retiring secret (the current one first)", func(s string) error {
		secretFiles = append(secretFiles, s)
		return nil
	})
	redisURL := flag.String("redis-url", "", "keep replay claims in the Redis at `URL` (redis://…), for several instances of the app")
	flag.Parse()
	if len(secretFiles) == 0 {
		fmt.Fprintln(os.Stderr, "usage: partner --secret-file FILE [--secret-file OLD] [--listen ADDR] [--redis-url URL]")
		os.Exit(2)
	}
	var guard hmacgate.ReplayGuard // nil: the middleware's in-memory guard
	if *redisURL != "" {
		g, client, err := replayredis.Open(*redisURL, "")
		if err != nil {
			fmt.Fprintln(os.Stderr, "error: --redis-url:", err)
			os.Exit(2)
		}
		defer client.Close()
		guard = g
	}
	ring, err := loadKeyring(secretFiles)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv := &http.Server{
		Addr:              *listen,
		Handler:           newApp(ring, log, nil, guard),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
	}
	log.Info("partner app listening", "addr", *listen, "order_url", "http://"+*listen+"/orders/{installationId}")
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// loadKeyring reads one secret per file, minus one trailing newline.
func loadKeyring(files []string) (*hmacgate.Keyring, error) {
	var keys []hmacgate.Key
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		k, err := hmacgate.ParseKey(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"))
		if err != nil {
			return nil, fmt.Errorf("%s: %s", f, hmacgate.ErrorMessage(err))
		}
		keys = append(keys, k)
	}
	return hmacgate.NewKeyring(keys[0], keys[1:]...)
}

// app is the partner application: orders come in on
// POST /orders/{installationId}, and GET / shows who is signed in.
type app struct {
	log      *slog.Logger
	sessions sync.Map // session id → *session
}

// session is what the application remembers of a signed-in user.
type session struct {
	Email, Name string
	Order       *order.Order
	Expires     time.Time
}

const sessionCookie = "partner_session"

// newApp wires the application. now is the verifier's clock (nil: time.Now).
func newApp(ring *hmacgate.Keyring, log *slog.Logger, now func() time.Time, guard hmacgate.ReplayGuard) http.Handler {
	a := &app{log: log}
	v := order.NewVerifier(ring)
	v.Now = now
	if guard != nil {
		v.Replay = guard // shared by every instance when it is Redis; else NewVerifier's in-memory one
	}
	v.OnRefuse = a.refused // the application's own page instead of JSON
	v.Observe = func(o order.Outcome) {
		// During a rotation, watch key_index: once 1 (the old secret) stops
		// appearing, remove the old secret. Refusals are logged by refused.
		if o.Code == order.Accepted {
			log.Info("order accepted", "key_index", o.KeyIndex)
		}
	}
	// The installationId in the URL routes the order here: bind it to the
	// signed one, or anyone could re-route a signed order.
	orders := v.Bind("installationId", func(r *http.Request) string { return r.PathValue("installationId") })

	mux := http.NewServeMux()
	mux.Handle("/orders/{installationId}", orders.Middleware(http.HandlerFunc(a.launch)))
	mux.HandleFunc("GET /{$}", a.home)
	return mux
}

// launch runs for verified, fresh orders only: it signs the user in and
// redirects to the order page (POST-redirect-GET, so that reloading the page
// does not send the used order again).
func (a *app) launch(w http.ResponseWriter, r *http.Request) {
	o, _ := order.FromContext(r.Context())
	if o.User.Email == "" {
		a.page(w, http.StatusBadRequest, "The order has no user", "The platform sent no currentUserEmail, so nobody can be signed in.", nil)
		return
	}
	id := newSessionID()
	a.sessions.Store(id, &session{Email: o.User.Email, Name: o.User.Name, Order: o, Expires: time.Now().Add(8 * time.Hour)})
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", MaxAge: 8 * 3600,
		HttpOnly: true, Secure: r.TLS != nil,
		// Lax: the cookie set by this cross-site POST is sent on the
		// redirect that follows, a top-level GET.
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	s := a.current(r)
	if s == nil {
		a.page(w, http.StatusOK, "Not signed in", "Open an order from the platform to sign in.", nil)
		return
	}
	a.page(w, http.StatusOK, "Welcome, "+s.Name, "Signed in as "+s.Email+" by the platform's signed order.", s.Order)
}

// current returns the session of the request's cookie, if it is live.
func (a *app) current(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	v, ok := a.sessions.Load(c.Value)
	if !ok {
		return nil
	}
	s := v.(*session)
	if time.Now().After(s.Expires) {
		a.sessions.Delete(c.Value)
		return nil
	}
	return s
}

// refused renders a refusal for a person: what happened and what to do.
func (a *app) refused(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Warn("order refused", "code", hmacgate.ErrorCode(err), "path", r.URL.Path, "error", err)
	title := "This order link cannot be used"
	switch hmacgate.ErrorCode(err) {
	case "replayed", "timestamp_expired":
		title = "This order link has already been used or has expired"
	case "unavailable":
		title = "Please try again in a moment"
	}
	a.page(w, hmacgate.HTTPStatus(err), title, "Open the order again from the platform. ("+hmacgate.ErrorCode(err)+": "+hmacgate.ErrorMessage(err)+")", nil)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>{{.Title}}</title>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{with .Order}}<table>
<tr><th>Order</th><td>{{.OrderID}}</td></tr>
<tr><th>Installation</th><td>{{.InstallationID}}</td></tr>
<tr><th>Estate</th><td>{{.EstateID}}</td></tr>
<tr><th>Department</th><td>{{.DepartmentID}} ({{.DepartmentOrganizationNumber}})</td></tr>
<tr><th>Signed at</th><td>{{.Time.UTC.Format "2006-01-02 15:04:05 MST"}}</td></tr>
<tr><th>Correlation ID</th><td>{{.CorrelationID}}</td></tr>
</table>{{end}}
</html>
`))

func (a *app) page(w http.ResponseWriter, status int, title, text string, o *order.Order) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, struct {
		Title, Text string
		Order       *order.Order
	}{title, text, o}); err != nil {
		a.log.Error("render", "error", err)
	}
}

func newSessionID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
