package console

import (
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
)

// fiddleView is the data of the fiddle page: the form's values and the
// result. The page is public; the secrets live only for the request and
// the response is never cached.
type fiddleView struct {
	Orderdata      string
	Signature      string
	Body           string
	InstallationID string
	Now            string
	Result         *platform.FiddleResult
	OrderFields    [][2]string
}

func (s *Console) fiddlePage(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.renderFiddle(w, r, c, http.StatusOK, &fiddleView{}, nil)
}

func (s *Console) renderFiddle(w http.ResponseWriter, r *http.Request, c *call, status int, fv *fiddleView, n *notice) error {
	if sess, err := s.checkSession(r); err == nil {
		c = &call{session: sess}
	}
	v := &view{Title: "Fiddle", Section: "fiddle", Notice: n, Data: fv}
	return s.render(w, r, c, status, "fiddle", s.withPublicCSRF(w, r, v))
}

// withPublicCSRF gives a public page's forms the pre-session CSRF token.
// The logout button of a signed-in visitor keeps the session's.
func (s *Console) withPublicCSRF(w http.ResponseWriter, r *http.Request, v *view) *view {
	v.Data = publicForm{Data: v.Data, CSRF: csrfToken(ensurePreSession(w, r))}
	return v
}

// publicForm wraps a public page's data with its forms' CSRF token.
type publicForm struct {
	Data any
	CSRF string
}

// fiddleForm checks the posted order with the API's fiddle.
func (s *Console) fiddleForm(w http.ResponseWriter, r *http.Request, c *call) error {
	f := r.PostForm
	fv := &fiddleView{
		// Browsers send a textarea's line breaks as CRLF; orderdata is
		// signed as the sender wrote it, most likely with LF.
		Orderdata:      strings.ReplaceAll(f.Get("orderdata"), "\r\n", "\n"),
		Signature:      strings.TrimSpace(f.Get("hmacsignature")),
		Body:           strings.TrimRight(f.Get("body"), "\r\n"),
		InstallationID: f.Get("installationId"), Now: strings.TrimSpace(f.Get("now"))}
	if err := s.p.Allow(r); err != nil {
		return s.renderFiddle(w, r, c, hmacgate.HTTPStatus(err), fv, errorNotice(err))
	}
	in := &platform.FiddleRequest{Orderdata: fv.Orderdata, Signature: fv.Signature, Body: fv.Body, Now: fv.Now}
	// The secrets go to the check and nowhere else: the page that answers
	// does not show them again.
	for _, sec := range []string{f.Get("secret"), f.Get("previous")} {
		if sec != "" {
			in.Secrets = append(in.Secrets, sec) // exact bytes: never trimmed
		}
	}
	if fv.InstallationID != "" {
		in.Expect = map[string]string{"installationId": fv.InstallationID}
	}
	res, err := s.p.Fiddle(in)
	if err != nil {
		if isRefusal(err) {
			return s.renderFiddle(w, r, c, hmacgate.HTTPStatus(err), fv, errorNotice(err))
		}
		return err
	}
	fv.Result = res
	if res.Order != nil {
		for _, name := range []string{"hmacTimestamp", "currentUserId", "currentUserEmail", "currentUserName", "correlationId",
			"orderUrl", "installationId", "orderId", "estateId", "departmentId", "departmentOrganizationNumber"} {
			if v, ok := res.Order.Field(name); ok {
				fv.OrderFields = append(fv.OrderFields, [2]string{name, v})
			}
		}
	}
	return s.renderFiddle(w, r, c, http.StatusOK, fv, nil)
}
