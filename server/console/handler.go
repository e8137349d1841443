package console

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
)

// Options configure a Console.
type Options struct {
	// Platform is the platform server the console shows and changes.
	Platform Platform
	// Logger receives failures the console cannot show; nil discards them.
	Logger *slog.Logger
	// SessionTTL is how long a session lasts; zero means DefaultSessionTTL.
	SessionTTL time.Duration
}

// Console serves the web console's pages. Create it with [New] and mount
// the handlers of [Console.Routes] on the server's mux.
type Console struct {
	p          Platform
	log        *slog.Logger
	sessionTTL time.Duration
	pages      *pages
	routes     []route
}

// New returns a Console.
func New(o Options) *Console {
	s := &Console{p: o.Platform, log: o.Logger, sessionTTL: o.SessionTTL, pages: loadPages()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	s.routes = s.routeTable()
	return s
}

// access says who may call a route.
type access int

const (
	public access = iota
	// session routes need a console session; a visitor without one is sent
	// to /login.
	session
)

// handler is a route's handler: it returns a refusal instead of writing it.
type handler func(w http.ResponseWriter, r *http.Request, c *call) error

// route is one entry of the console's route table.
type route struct {
	method, pattern string
	access          access
	// form marks the public forms (login, fiddle): their POSTs need the
	// pre-session CSRF token. Every session route's POST needs the
	// session's CSRF token, form or not.
	form bool
	// html marks pages: refusals are written as a page instead of JSON.
	html   bool
	handle handler
}

// call carries what the route's checks established.
type call struct {
	session *consoleSession
	env     *platform.Environment // for the routes under /environments/{env}
	hasKey  bool                  // whether env has an HMAC key
	// flash is what the form post that led here hands to the page;
	// flashGone says that the URL names a flash shown already.
	flash     *flash
	flashGone bool
}

// Route is one route of the console, for the server's mux.
type Route struct {
	Method, Pattern string
	// Access is "public" or "session" (a console session).
	Access string
	// Page marks the routes that answer with a page (a GET of one is a
	// page a person opens; the others are forms, assets and JSON).
	Page bool
	// Handler checks the session and the CSRF token itself.
	Handler http.Handler
}

// Routes lists the console's routes with their handlers.
func (s *Console) Routes() []Route {
	out := make([]Route, 0, len(s.routes))
	for _, rt := range s.routes {
		a := "public"
		if rt.access == session {
			a = "session"
		}
		out = append(out, Route{Method: rt.method, Pattern: rt.pattern, Access: a, Page: rt.html, Handler: s.wrap(rt)})
	}
	return out
}

// wrap applies a route's checks and writes its refusal: a page for pages,
// JSON otherwise.
func (s *Console) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.serve(w, r, rt)
		if err == nil {
			return
		}
		if hmacgate.ErrorCode(err) == hmacgate.Internal {
			s.log.Error("console request failed", "route", rt.pattern, "method", r.Method, "err", err.Error())
		}
		if rt.html {
			s.renderError(w, r, err)
		} else {
			hmacgate.WriteError(w, err)
		}
	})
}

func (s *Console) serve(w http.ResponseWriter, r *http.Request, rt route) error {
	c := &call{}
	switch rt.access {
	case session:
		sess, err := s.checkSession(r)
		if err != nil {
			if hmacgate.ErrorCode(err) == platform.ErrUnauthorized.Code() {
				redirectToLogin(w, r)
				return nil
			}
			return err
		}
		c.session = sess
		if err := s.checkCSRF(w, r, sess.token); err != nil {
			return err
		}
		if r.Method == http.MethodGet {
			if c.flash, c.flashGone, err = s.takeFlash(r, sess); err != nil {
				return err
			}
		}
	case public:
		if rt.form {
			if err := s.checkCSRF(w, r, preSessionToken(r)); err != nil {
				return err
			}
		}
	}
	return rt.handle(w, r, c)
}

// unavailable logs a failure of the store behind the sessions and returns
// the refusal for it: 503, never an accept.
func (s *Console) unavailable(err error) error {
	if !errors.Is(err, hmacgate.ErrUnavailable) {
		s.log.Error("console sessions unavailable", "err", err.Error())
	}
	return hmacgate.ErrUnavailable
}

func isNotFound(err error) bool { return errors.Is(err, platform.ErrNotFound) }
