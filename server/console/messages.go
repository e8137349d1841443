package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// The console says what the platform refuses in the words of its forms: a
// field's refusal names the form's label for the field, not the API's
// field name, and a message that points at an API route points at a page.

// fieldLabels are the forms' labels of the API's fields.
var fieldLabels = map[string]string{
	"name":                         "Name",
	"order_url":                    "Order URL",
	"id":                           "ID",
	"auth_mode":                    "“End users give”",
	"key":                          "Your key",
	"retire_previous_at":           "“The current key keeps working”",
	"propagation":                  "“The new secret starts signing”",
	"mode":                         "The HMAC mode",
	"installationId":               "installationId",
	"orderId":                      "orderId",
	"estateId":                     "estateId",
	"departmentId":                 "departmentId",
	"departmentOrganizationNumber": "departmentOrganizationNumber",
	"user.id":                      "User ID",
	"user.email":                   "User email",
	"user.name":                    "User name",
	"secrets":                      "Secret",
	"now":                          "“Check at”",
}

// fieldFixes replace an API fix that names an API field or route.
var fieldFixes = map[string]string{
	"key": "use a key of at least 32 bytes, or choose “Generate a key”",
}

// codeMessages replace messages that point at API routes.
var codeMessages = map[string]string{
	platform.ErrNoKey.Code(): "The environment has no HMAC key: make one under “HMAC key” before switching HMAC on.",
	platform.ErrNoSecret.Code(): "HMAC is on for this product but it has no secret yet: generate one on its credentials page " +
		"(“Credentials (HMAC secret)”) first.",
	hmacgate.ErrMethodNotAllowed.Code(): "This page does not take that kind of request: open it from a link or a form of the console.",
}

// consoleMessage is a refusal's message in the console's words, as a
// sentence.
func consoleMessage(err error) string {
	var fe *platform.FieldError
	if errors.As(err, &fe) {
		label, ok := fieldLabels[fe.Field]
		if !ok {
			label = fe.Field
		}
		msg := label + " " + fe.Problem
		if fix, ok := fieldFixes[fe.Field]; ok {
			msg += ": " + fix
		} else if fe.Fix != "" {
			msg += ": " + fe.Fix
		}
		return strings.TrimSuffix(msg, ".") + "." // labels have their own case: installationId stays as it is
	}
	if msg, ok := codeMessages[hmacgate.ErrorCode(err)]; ok {
		return msg
	}
	return web.Sentence(hmacgate.ErrorMessage(err))
}

// errorNotice is a refusal shown on the page whose form caused it.
func errorNotice(err error) *notice {
	return &notice{Kind: "error", Text: consoleMessage(err)}
}

// isRefusal reports whether err is a refusal of a form's content to show on
// the form's page (bad input, a conflict), rather than a failure for the
// error page.
func isRefusal(err error) bool {
	s := hmacgate.HTTPStatus(err)
	return s == http.StatusBadRequest || s == http.StatusConflict || s == http.StatusTooManyRequests
}
