package server

import (
	"net/http"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/server/console"
)

// The routes that end users open in a browser (launch links, the sandbox
// partner) answer a browser, which asks for text/html, with a page in the
// console's look; API clients and partners' code get JSON as everywhere.

// endUserHeadings title the pages of the refusals end users meet.
var endUserHeadings = map[string]string{
	platform.ErrLaunchUsed.Code():    "This link was used already",
	platform.ErrLaunchExpired.Code(): "This link has expired",
	platform.ErrNotFound.Code():      "There is no such link",
}

// endUserRefusal writes a refusal as an end user's page when a browser
// asks, and otherwise returns it to be written as JSON.
func (s *Server) endUserRefusal(w http.ResponseWriter, r *http.Request, err error) error {
	if !web.WantsHTML(r) {
		return err
	}
	code := hmacgate.ErrorCode(err)
	heading, ok := endUserHeadings[code]
	if !ok {
		heading = "This did not work"
	}
	s.console.RenderEndUser(w, hmacgate.HTTPStatus(err), console.EndUserPage{Title: heading, Heading: heading,
		Kind: "error", Lines: []string{web.Sentence(hmacgate.ErrorMessage(err))}, Code: code})
	return nil
}

// sandboxRefused renders the sandbox's refusal of an order: a page for a
// browser, JSON for code.
func (s *Server) sandboxRefused(w http.ResponseWriter, r *http.Request, err error) {
	if !web.WantsHTML(r) {
		hmacgate.WriteError(w, err)
		return
	}
	s.console.RenderEndUser(w, hmacgate.HTTPStatus(err), console.EndUserPage{
		Title: "Sandbox: not signed in", Heading: "The sandbox refused this order", Kind: "error",
		Lines: []string{web.Sentence(hmacgate.ErrorMessage(err)),
			"A partner verifying orders as the second seed describes would refuse it too: nobody is signed in."},
		Code: hmacgate.ErrorCode(err),
	})
}

// sandboxSignedIn renders the sandbox's page for a verified order.
func (s *Server) sandboxSignedIn(w http.ResponseWriter, o *order.Order) {
	user := o.User.Name
	if o.User.Email != "" {
		user += " <" + o.User.Email + ">"
	}
	s.console.RenderEndUser(w, http.StatusOK, console.EndUserPage{
		Title: "Sandbox: signed in", Heading: "Signed in to the sandbox", Kind: "ok",
		Lines: []string{"The order's signature, timestamp and installation were verified, and the order was used once: " +
			"a partner would now sign this user in."},
		Facts: [][2]string{{"User", user}, {"User ID", o.User.ID}, {"Installation", o.InstallationID}, {"Order", o.OrderID},
			{"Correlation ID", o.CorrelationID}, {"Signed with", secretName(o.KeyIndex)}},
	})
}

// secretName says which of the product's secrets signed an order.
func secretName(i int) string {
	if i == 0 {
		return "the secret that signs now"
	}
	return "an older secret (still accepted while a new one propagates)"
}
