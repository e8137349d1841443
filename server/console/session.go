package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// # Console sessions
//
// A person signs in to the console with the admin token. The session is a
// random token in a cookie (HttpOnly, SameSite=Strict, Secure under TLS,
// expiring); the store keeps only its SHA-256, as a setting, so that every
// instance sharing the store knows the session and a stolen database holds
// no usable token. A session row holds its expiry and a fingerprint of the
// admin token it was opened with: resetting the admin token ends every
// session. Logout overwrites the row, so the cookie is worthless after it.
//
// # CSRF
//
// Every form carries a token derived from the cookie it is checked against:
// HMAC-SHA256(cookie token, "hmacgate console form"). A page on another site
// can neither read the cookie nor compute the token. Session forms use the
// session cookie; the public forms (login, fiddle) use a pre-session cookie
// made when their page is shown. On top, a POST whose Origin or
// Sec-Fetch-Site shows another site is refused.

const (
	sessionCookie    = "hmacgate_session"
	preSessionCookie = "hmacgate_form"
	// settingSessionPrefix names a session's row: the prefix and the hex
	// SHA-256 of the session token.
	settingSessionPrefix = "console_session:"
	// DefaultSessionTTL is how long a console session lasts.
	DefaultSessionTTL = 8 * time.Hour
	csrfField         = "csrf"
)

// consoleSession is a signed-in console session.
type consoleSession struct {
	token   string // the cookie's value; never logged or stored
	expires time.Time
}

// errCSRF refuses a form post without a valid token.
var errCSRF = hmacgate.NewError("csrf_failed", http.StatusForbidden,
	"this form did not come from the console's own page, or the page is too old: reload it and try again")

func sessionSetting(token string) string {
	h := sha256.Sum256([]byte(token))
	return settingSessionPrefix + hex.EncodeToString(h[:])
}

// adminFingerprint is a short hash of the stored admin-token hash, kept in
// each session so that a token reset ends the sessions opened with the old one.
func adminFingerprint(adminHash []byte) []byte {
	h := sha256.Sum256(append([]byte("hmacgate console session\x00"), adminHash...))
	return h[:16]
}

// openSession starts a session for someone who gave the admin token and
// sets its cookie.
func (s *Console) openSession(w http.ResponseWriter, r *http.Request, adminToken string) error {
	ctx := r.Context()
	if err := s.p.CheckAdminToken(ctx, adminToken); err != nil {
		return err
	}
	adminHash, err := s.p.Setting(ctx, platform.SettingAdminToken)
	if err != nil {
		return s.unavailable(err)
	}
	token := web.RandomToken("hgs_", 32)
	expires := s.p.Now().Add(s.sessionTTL)
	value := binary.BigEndian.AppendUint64(nil, uint64(expires.UnixMilli()))
	value = append(value, adminFingerprint(adminHash)...)
	err = s.p.SetSetting(ctx, sessionSetting(token), value,
		platform.AuditEntry{Actor: "admin", Action: "console.login", Detail: "session until " + expires.UTC().Format(time.RFC3339)})
	if err != nil {
		return s.unavailable(err)
	}
	setCookie(w, r, sessionCookie, token, int(s.sessionTTL/time.Second))
	return nil
}

// checkSession returns the request's valid session, ErrUnauthorized when
// it has none, or ErrUnavailable when the store cannot tell.
func (s *Console) checkSession(r *http.Request) (*consoleSession, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, platform.ErrUnauthorized
	}
	ctx := r.Context()
	value, err := s.p.Setting(ctx, sessionSetting(ck.Value))
	if isNotFound(err) {
		return nil, platform.ErrUnauthorized
	} else if err != nil {
		return nil, s.unavailable(err)
	}
	if len(value) != 8+16 {
		return nil, platform.ErrUnauthorized // ended by logout
	}
	expires := time.UnixMilli(int64(binary.BigEndian.Uint64(value[:8])))
	if !s.p.Now().Before(expires) {
		// Expired: forget it (best effort; a failure leaves a dead row).
		_ = s.p.DeleteSetting(ctx, sessionSetting(ck.Value), platform.AuditEntry{})
		return nil, platform.ErrUnauthorized
	}
	adminHash, err := s.p.Setting(ctx, platform.SettingAdminToken)
	if err != nil {
		if isNotFound(err) {
			return nil, platform.ErrUnauthorized
		}
		return nil, s.unavailable(err)
	}
	if subtle.ConstantTimeCompare(adminFingerprint(adminHash), value[8:]) != 1 {
		return nil, platform.ErrUnauthorized // the admin token was reset
	}
	return &consoleSession{token: ck.Value, expires: expires}, nil
}

// closeSession ends a session for good and clears its cookie.
func (s *Console) closeSession(w http.ResponseWriter, r *http.Request, sess *consoleSession) error {
	err := s.p.DeleteSetting(r.Context(), sessionSetting(sess.token),
		platform.AuditEntry{Actor: "admin", Action: "console.logout"})
	if err != nil && !isNotFound(err) {
		return s.unavailable(err)
	}
	setCookie(w, r, sessionCookie, "", -1)
	return nil
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, Secure when
// the request came over TLS (directly or through a proxy that says so).
// maxAge < 0 deletes it. The lifetime is relative (Max-Age), so it does not
// depend on the browser's clock agreeing with the server's.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: web.IsTLS(r)})
}

// preSessionToken returns the request's pre-session cookie, "" if none.
func preSessionToken(r *http.Request) string {
	if ck, err := r.Cookie(preSessionCookie); err == nil && len(ck.Value) <= 100 {
		return ck.Value
	}
	return ""
}

// ensurePreSession makes sure the visitor has a pre-session cookie and
// returns it, for the CSRF token of the public forms.
func ensurePreSession(w http.ResponseWriter, r *http.Request) string {
	if tok := preSessionToken(r); tok != "" {
		return tok
	}
	tok := web.RandomToken("hgf_", 24)
	setCookie(w, r, preSessionCookie, tok, int((24 * time.Hour).Seconds()))
	return tok
}

// csrfToken is the form token that goes with a cookie token.
func csrfToken(cookieToken string) string {
	if cookieToken == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(cookieToken))
	m.Write([]byte("hmacgate console form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses an unsafe request whose form token does not go with
// cookieToken, or that comes from another site. Safe methods pass. It
// parses the form (bounded to web.MaxBody), so handlers read r.PostForm.
func (s *Console) checkCSRF(w http.ResponseWriter, r *http.Request, cookieToken string) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if crossSite(r) {
		return errCSRF
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" {
		return hmacgate.ErrUnsupportedMediaType.With("the console's forms are posted by its pages, as application/x-www-form-urlencoded; " +
			"programs use the API under /v1/ with a token (docs/api.md)")
	}
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxBody)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return web.ErrBodyTooLarge
		}
		return platform.ErrInvalidRequest.With("the form could not be read")
	}
	got, want := r.PostForm.Get(csrfField), csrfToken(cookieToken)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// crossSite reports whether the browser says the request comes from
// another site.
func crossSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return true
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return true
		}
	}
	return false
}

// redirectToLogin sends a visitor without a session to the login page,
// which brings them back afterwards.
func redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, "/" otherwise, so
// the login page cannot be made to redirect elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	// Browsers drop tabs and newlines when they parse a URL ("/\t/evil" is
	// "//evil"): refuse every control character, and a backslash anywhere.
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	return next
}
