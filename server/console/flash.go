package console

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/seal"
)

// # Post/redirect/get
//
// Every form of a signed-in page ends with a redirect (303) to the page
// that shows the result, so that reloading that page, or going back to it,
// repeats nothing. What the post has to tell that page travels in a flash:
// a notice, the values of a refused form (to fill it in again), a new key
// or secret to show once, a result such as a test delivery.
//
// A flash is kept in the store for one read (so the redirect may land on
// another instance), under a setting named after the session and a random
// ID; the URL carries only that ID (?shown=…), never the flash. Its value
// is sealed (AES-256-GCM, package seal) under a key derived from the
// session token, which the store never holds: a copy of the database
// cannot open it. The page that the redirect leads to takes it: reads it
// and deletes it, and only the read whose delete succeeds shows it, so two
// loads at once cannot both show a secret. A reload finds it gone and says
// so. A flash nobody takes (the redirect was never followed) expires after
// flashTTL and can never be opened once its session ends.
//
// A page gets it all by being a session route: [Console.redirect] ends the
// post, and serve takes the flash into the call before the handler runs;
// render shows its notice and its secret.

const (
	// flashParam names the query parameter that carries a flash's ID.
	flashParam = "shown"
	// flashPrefix begins a flash's setting name.
	flashPrefix = "console_flash:"
	// flashTTL is how long a flash waits for its page.
	flashTTL = 10 * time.Minute
)

// flash is what a form post hands to the page its redirect leads to.
type flash struct {
	Notice *notice `json:"notice,omitempty"`
	// Secret is a new key or secret, shown once by the layout.
	Secret *shownOnce `json:"secret,omitempty"`
	// Form holds a refused form's values, to fill it in again. It never
	// holds a key, a secret or a token.
	Form url.Values `json:"form,omitempty"`
	// Result is a page's own result, such as a test delivery.
	Result json.RawMessage `json:"result,omitempty"`
	// Expires is when the flash stops being shown, in Unix milliseconds.
	Expires int64 `json:"expires"`
}

// shownOnce is a key or secret on the one page that shows it.
type shownOnce struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// done is a flash with a notice of kind ("ok", "warn" or "error").
func done(kind, text string) *flash { return &flash{Notice: &notice{Kind: kind, Text: text}} }

// withResult adds a page's result to the flash.
func (f *flash) withResult(v any) *flash {
	f.Result, _ = json.Marshal(v)
	return f
}

// result decodes the flash's result into v and reports whether there was one.
func (f *flash) result(v any) bool {
	return f != nil && len(f.Result) > 0 && json.Unmarshal(f.Result, v) == nil
}

// formValue is a refused form's value of a field, "" if none.
func (f *flash) formValue(name string) string {
	if f == nil {
		return ""
	}
	return f.Form.Get(name)
}

// redirect ends a form post with 303 to the page to, handing it f (nil for
// nothing).
func (s *Console) redirect(w http.ResponseWriter, r *http.Request, c *call, to string, f *flash) error {
	if f != nil {
		id, err := s.putFlash(r, c.session, f)
		if err != nil {
			return err
		}
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + flashParam + "=" + id
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// refused ends a form post that the platform refused: a refusal of the
// form's content goes back to the form's page (to), with the message and
// the form's values; any other error is the error page's.
func (s *Console) refused(w http.ResponseWriter, r *http.Request, c *call, to string, err error, form url.Values) error {
	if !isRefusal(err) {
		return err
	}
	return s.redirect(w, r, c, to, &flash{Notice: errorNotice(err), Form: form})
}

// flashSetting names a flash's setting: the session's and the flash's IDs.
func flashSetting(sess *consoleSession, id string) string {
	h := sha256.Sum256([]byte(sess.token))
	return flashPrefix + hex.EncodeToString(h[:16]) + ":" + id
}

// flashSealer seals a session's flashes under a key derived from its token.
func flashSealer(sess *consoleSession) (*seal.Sealer, error) {
	k, err := hmacgate.ParseKey("hmacgate console flash\x00" + sess.token)
	if err != nil {
		return nil, err
	}
	return seal.New(k)
}

// putFlash stores a flash for the session and returns its ID.
func (s *Console) putFlash(r *http.Request, sess *consoleSession, f *flash) (string, error) {
	f.Expires = s.p.Now().Add(flashTTL).UnixMilli()
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	sealer, err := flashSealer(sess)
	if err != nil {
		return "", err
	}
	id := web.RandomToken("", 16)
	name := flashSetting(sess, id)
	if err := s.p.SetSetting(r.Context(), name, sealer.Seal(plain, name), platform.AuditEntry{}); err != nil {
		return "", s.unavailable(err)
	}
	return id, nil
}

// takeFlash returns the flash the request's URL names, once: the first
// read deletes it. gone reports a URL that names a flash no longer there
// (shown already, or expired).
func (s *Console) takeFlash(r *http.Request, sess *consoleSession) (f *flash, gone bool, err error) {
	id := r.URL.Query().Get(flashParam)
	if id == "" {
		return nil, false, nil
	}
	if len(id) > 32 {
		return nil, true, nil
	}
	ctx := r.Context()
	name := flashSetting(sess, id)
	sealed, err := s.p.Setting(ctx, name)
	if isNotFound(err) {
		return nil, true, nil
	} else if err != nil {
		return nil, false, s.unavailable(err)
	}
	// Only the read whose delete succeeds shows the flash.
	if err := s.p.DeleteSetting(ctx, name, platform.AuditEntry{}); isNotFound(err) {
		return nil, true, nil
	} else if err != nil {
		return nil, false, s.unavailable(err)
	}
	sealer, err := flashSealer(sess)
	if err != nil {
		return nil, false, err
	}
	plain, err := sealer.Open(sealed, name)
	if err != nil || json.Unmarshal(plain, &f) != nil || s.p.Now().UnixMilli() > f.Expires {
		return nil, true, nil
	}
	return f, false, nil
}

// flashGone is the notice of a page whose flash was taken already.
var flashGone = &notice{Kind: "warn", Text: "What this page showed once after a change (a new key or secret, a result) " +
	"is not shown again; reloading repeats nothing. If you did not store a new key or secret, make another."}
