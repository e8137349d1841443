// Package console is the platform's web interface: html/template pages
// (templates/), one stylesheet and one small script (assets/), all
// embedded, served by the platform server next to its JSON API. Every page
// works without JavaScript where a plain form can do the job; the script
// adds copy buttons, countdowns and the connect demo, which runs the
// browser SDK.
//
// The console reaches the platform only through [Platform]: the same
// operations the JSON API runs. A handler here reads a form and renders a
// page; it makes no decision the API would make differently.
//
// # Sessions and CSRF
//
// A person signs in with the admin token; see session.go for how sessions
// are kept and how every form is protected.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/console.css assets/console.js assets/favicon.svg
var assetFS embed.FS

// consolePages holds a parsed template set per page.
type pages struct {
	byName map[string]*template.Template
	// assetVersion is a hash of the assets, appended to their URLs so that
	// a new binary's assets are never taken from a stale cache.
	assetVersion string
}

var templateFuncs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"ptime": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pair":  func(a, b string) [2]string { return [2]string{a, b} },
	"actor": actorName,
}

// actorName says who made a change, for the audit table: the audit log's
// actor in words ("admin": the console or the admin token; "env:<id>": a
// call with the environment's secret key; "connect": the connect gate).
func actorName(actor string) string {
	switch {
	case actor == "admin":
		return "admin"
	case strings.HasPrefix(actor, "env:"):
		return "your backend"
	case actor == "connect":
		return "a connect call"
	case actor == "system":
		return "the server"
	}
	return actor
}

// loadPages parses every page with the layout and the partials.
func loadPages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		switch base {
		case "layout", "partials":
			continue
		case "enduser": // its own layout
			p.byName[base] = template.Must(template.New(base).Funcs(templateFuncs).ParseFS(templateFS, n))
			continue
		}
		p.byName[base] = template.Must(template.New(base).Funcs(templateFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n))
	}
	h := sha256.New()
	for _, a := range []string{"assets/console.css", "assets/console.js", "assets/favicon.svg"} {
		b, _ := assetFS.ReadFile(a)
		h.Write(b)
	}
	p.assetVersion = hex.EncodeToString(h.Sum(nil))[:12]
	return p
}

// notice is a message at the top of a page.
type notice struct {
	Kind string // "ok", "warn" or "error"
	Text string
}

// envSummary is what every page of an environment shows of it.
type envSummary struct {
	ID, Name, PublicKey string
	HMACMode            string
}

// view is the data of every console page; Data is the page's own.
type view struct {
	Title    string
	Section  string // the main navigation's current entry
	Tab      string // the environment navigation's current entry
	SignedIn bool
	CSRF     string
	Env      *envSummary
	Notice   *notice
	// Once is a new key or secret, shown once at the top of the page.
	Once         *shownOnce
	AssetVersion string
	Data         any
}

// consoleHeaders are the security headers of every console page. The
// policy allows only the console's own stylesheet, script and requests.
func consoleHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages can show a key once; never keep them
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// render writes a page. The template runs into a buffer first, so a
// template error never leaves half a page.
func (s *Console) render(w http.ResponseWriter, r *http.Request, c *call, status int, name string, v *view) error {
	t := s.pages.byName[name]
	if t == nil {
		panic("console: no template " + name)
	}
	v.AssetVersion = s.pages.assetVersion
	if c != nil && c.session != nil {
		v.SignedIn = true
		v.CSRF = csrfToken(c.session.token)
	}
	if c != nil && c.env != nil && v.Env == nil {
		e := c.env
		v.Env = &envSummary{ID: e.ID, Name: e.Name, PublicKey: e.PublicKey, HMACMode: string(e.HMACMode)}
	}
	if c != nil && v.Notice == nil {
		switch {
		case c.flash != nil && c.flash.Notice != nil:
			v.Notice = c.flash.Notice
		case c.flashGone:
			v.Notice = flashGone
		}
	}
	if c != nil && c.flash != nil {
		v.Once = c.flash.Secret
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	consoleHeaders(w)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Code    string
	Message string
	Back    string
}

// renderError writes a refusal as a page. Only the refusal's code and
// message are shown; other errors show a generic text.
func (s *Console) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := hmacgate.HTTPStatus(err)
	ev := errorView{Status: status, Code: hmacgate.ErrorCode(err), Message: consoleMessage(err)}
	switch {
	case ev.Code == errCSRF.Code():
		ev.Back = "Go back, reload the page and send the form again."
	case status == http.StatusBadRequest || status == http.StatusConflict:
		ev.Back = "Go back, correct the form and send it again."
	}
	v := &view{Title: http.StatusText(status), Data: ev}
	c := &call{}
	if sess, serr := s.checkSession(r); serr == nil {
		c.session = sess
	}
	if rerr := s.render(w, r, c, status, "error", v); rerr != nil {
		hmacgate.WriteError(w, err)
	}
}

// EndUserPage is a page for the end users of the platform's customers: the
// launch links and the sandbox partner. It has the console's look and none
// of its navigation: the people who see it have no console account.
type EndUserPage struct {
	Title, Heading string
	// Kind is "ok" or "error".
	Kind  string
	Lines []string
	// Facts are terms and values, such as who signed in.
	Facts [][2]string
	// Code is a refusal's code, shown small for whoever gets asked for help.
	Code string
}

// RenderEndUser writes an end user's page with status.
func (s *Console) RenderEndUser(w http.ResponseWriter, status int, p EndUserPage) {
	var buf bytes.Buffer
	data := struct {
		EndUserPage
		AssetVersion string
	}{p, s.pages.assetVersion}
	if err := s.pages.byName["enduser"].ExecuteTemplate(&buf, "enduser", data); err != nil {
		s.log.Error("end-user page failed", "err", err.Error())
		http.Error(w, p.Heading, status)
		return
	}
	consoleHeaders(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// RenderRefusal writes a refusal as a console page, for a browser's
// request that the server refuses before any route's handler (a method the
// address does not take).
func (s *Console) RenderRefusal(w http.ResponseWriter, r *http.Request, err error) {
	s.renderError(w, r, err)
}

// NotFound answers a browser's request for a page that does not exist.
func (s *Console) NotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, platform.ErrNotFound.With("There is no page at this address."))
}

// asset serves the console's stylesheet, script and icon.
func (s *Console) asset(w http.ResponseWriter, r *http.Request, _ *call) error {
	name := r.PathValue("name")
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil || name == "sdk.js" {
		return platform.ErrNotFound
	}
	h := w.Header()
	switch path.Ext(name) {
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		h.Set("Content-Type", "image/svg+xml")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == s.pages.assetVersion {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(b)
	return nil
}

// routeTable lists the console's routes. Pages (html) render refusals as
// pages; every session route's POST is checked for its CSRF token in
// serve, before the handler runs, and ends with a redirect (see flash.go).
// Confirmation pages are GETs: they ask, and their form does the change.
func (s *Console) routeTable() []route {
	page := func(method, pattern string, h handler) route {
		return route{method: method, pattern: pattern, access: session, html: true, handle: h}
	}
	env := func(method, pattern string, h handler) route {
		return page(method, "/environments/{env}"+pattern, s.inEnvironment(h))
	}
	return []route{
		{method: "GET", pattern: "/assets/{name}", access: public, handle: s.asset},
		{method: "GET", pattern: "/login", access: public, html: true, handle: s.loginPage},
		{method: "POST", pattern: "/login", access: public, form: true, html: true, handle: s.login},
		{method: "GET", pattern: "/fiddle", access: public, html: true, handle: s.fiddlePage},
		{method: "POST", pattern: "/fiddle", access: public, form: true, html: true, handle: s.fiddleForm},

		page("POST", "/logout", s.logout),
		page("GET", "/{$}", s.home),
		page("GET", "/environments", s.environmentsPage),
		page("POST", "/environments", s.environmentCreate),
		env("GET", "/delete", s.environmentDeletePage),
		env("POST", "/delete", s.environmentDelete),
		env("GET", "", s.settingsPage),
		env("POST", "/keys", s.keyCreate),
		env("GET", "/secret-key", s.secretKeyPage),
		env("POST", "/secret-key", s.secretKeyRotate),
		env("GET", "/mode", s.modePage),
		env("POST", "/mode", s.modeChange),
		env("GET", "/integrations", s.integrationsPage),
		env("POST", "/integrations", s.integrationCreate),
		env("GET", "/connections/delete", s.connectionDeletePage),
		env("POST", "/connections/delete", s.connectionDelete),
		env("GET", "/snippets", s.snippetsPage),
		env("GET", "/demo", s.demoPage),
		{method: "POST", pattern: "/environments/{env}/demo/digest", access: session, handle: s.inEnvironment(s.demoDigest)},
		env("GET", "/products", s.productsPage),
		env("POST", "/products", s.productCreate),
		env("GET", "/products/{product}", s.productPage),
		env("POST", "/products/{product}", s.productUpdate),
		env("GET", "/products/{product}/hmac-off", s.hmacOffPage),
		env("POST", "/products/{product}/test-order", s.productTestOrder),
		env("POST", "/products/{product}/launch", s.productLaunch),
		env("GET", "/products/{product}/credentials", s.credentialsPage),
		env("POST", "/products/{product}/credentials", s.secretCreate),
		env("GET", "/launches", s.launchesPage),
	}
}

// inEnvironment loads the environment named in the path into the call.
func (s *Console) inEnvironment(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		env, hasKey, err := s.p.Environment(r.Context(), r.PathValue("env"))
		if err != nil {
			if isNotFound(err) {
				return platform.ErrNotFound.With("There is no such environment; it may have been deleted.")
			}
			return err
		}
		c.env, c.hasKey = env, hasKey
		return h(w, r, c)
	}
}

// envPath is the path of a page of the call's environment.
func (c *call) envPath(page string) string { return "/environments/" + c.env.ID + page }

func (s *Console) home(w http.ResponseWriter, r *http.Request, _ *call) error {
	http.Redirect(w, r, "/environments", http.StatusSeeOther)
	return nil
}
