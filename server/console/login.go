package console

import (
	"net/http"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
)

// loginView is the data of the login page.
type loginView struct {
	Next string
}

func (s *Console) loginPage(w http.ResponseWriter, r *http.Request, _ *call) error {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := s.checkSession(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, next, nil)
}

func (s *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, next string, n *notice) error {
	v := &view{Title: "Sign in", Section: "login", Notice: n, Data: loginView{Next: next}}
	return s.render(w, r, nil, status, "login", s.withPublicCSRF(w, r, v))
}

// login opens a session for the admin token. A wrong token costs a fiddle
// token too: both limits guard the public forms against guessing.
func (s *Console) login(w http.ResponseWriter, r *http.Request, _ *call) error {
	next := safeNext(r.PostForm.Get("next"))
	if err := s.p.Allow(r); err != nil {
		return s.renderLogin(w, r, http.StatusTooManyRequests, next, errorNotice(err))
	}
	err := s.openSession(w, r, r.PostForm.Get("token"))
	if err != nil {
		if hmacgate.ErrorCode(err) == platform.ErrUnauthorized.Code() {
			return s.renderLogin(w, r, http.StatusUnauthorized, next,
				&notice{Kind: "error", Text: "That is not the admin token. The server printed it once, as “admin token: hga_…”, " +
					"when it first started; the command “hmacgate admin reset-token” makes a new one."})
		}
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Console) logout(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.closeSession(w, r, c.session); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
