package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// The Nango-compatible surface: the routes that Nango's own SDKs call,
// @nangohq/frontend (nango_connect.go) and @nangohq/node
// (nango_backend.go), under the fixed prefix /nango, so that a customer
// changes `host` and keeps the code. It is a thin adapter: the connect
// routes go through the one gate ([Server.admit]) and store connections
// with [Server.saveConnection], like /v1/connect; the backend routes read
// the same store behind the same secret-key check as /v1. What it adds is
// Nango's request and answer shapes and its error envelope.

// nangoPrefix is where the Nango-compatible routes live; the SDKs take
// `host: "https://<hmacgate>/nango"`.
const nangoPrefix = "/nango"

// Nango's refusal codes, where they differ from hmacgate's own; the
// statuses are /v1's for the same refusal. The frontend SDK turns the code
// into AuthError.type and the message into AuthError.message.
var (
	errNangoUnknownAccount = hmacgate.NewError("unknown_user_account", http.StatusUnauthorized,
		"no environment has this public key; pass the environment's public key (pk_…) as publicKey to new Nango(…)")
	errNangoUnknownIntegration = hmacgate.NewError("unknown_provider_config", http.StatusNotFound,
		"no integration with this key in the environment; create it with POST /v1/integrations")
	errNangoInvalidAuthMode = hmacgate.NewError("invalid_auth_mode", http.StatusBadRequest,
		"the integration uses another auth mode than this route")
	errNangoInvalidBody = hmacgate.NewError("invalid_body", http.StatusBadRequest,
		"the body is not what this route takes")
	errNangoUnknownConnection = hmacgate.NewError("unknown_connection", http.StatusNotFound,
		"no connection with this ID for the integration")
	errNangoMissingConnection = hmacgate.NewError("missing_connection", http.StatusBadRequest,
		"pass a connection ID of at most 256 bytes: nango.auth(integration, connectionId, {hmac}); hmacgate makes no connection IDs, because the digest signs it")
	errNangoMissingIntegration = hmacgate.NewError("missing_provider_config_key", http.StatusBadRequest,
		"pass the integration's key as provider_config_key")
	errNangoInvalidQuery = hmacgate.NewError("invalid_query_params", http.StatusBadRequest,
		"the query string is not valid for this route")
	errNangoConnectSession = hmacgate.NewError("connect_session_unsupported", http.StatusBadRequest,
		"hmacgate has no connect sessions yet: create new Nango({publicKey, host}) and pass the digest as {hmac}, not connectSessionToken")
)

// NangoCodes lists the refusal codes that only the Nango-compatible routes
// under /nango answer with, in a stable order, for documentation and the
// test that keeps docs/nango.md true. They also answer hmacgate's own
// missing_hmac, invalid_hmac, unauthorized, unavailable and body_too_large.
func NangoCodes() []*hmacgate.Error {
	return []*hmacgate.Error{
		errNangoUnknownAccount, errNangoUnknownIntegration, errNangoInvalidAuthMode, errNangoInvalidBody,
		errNangoUnknownConnection, errNangoMissingConnection, errNangoMissingIntegration, errNangoInvalidQuery,
		errNangoConnectSession,
	}
}

// nangoRoutes lists the Nango-compatible routes. The three connect routes
// are public and behind the gate; the rest take the environment's secret
// key, as Nango's node SDK sends it (Authorization: Bearer <secret key>).
func (s *Server) nangoRoutes() []route {
	var out []route
	for _, fr := range nangoAuthRoutes {
		out = append(out,
			route{method: "POST", pattern: nangoPrefix + fr.path, access: public, createsConnection: true, nango: true, handle: s.nangoAuth(fr)},
			route{method: "OPTIONS", pattern: nangoPrefix + fr.path, access: public, nango: true, handle: s.connectPreflight})
	}
	return append(out,
		route{method: "GET", pattern: nangoPrefix + "/connections", access: environment, nango: true, handle: s.nangoListConnections},
		route{method: "GET", pattern: nangoPrefix + "/connections/{connectionId}", access: environment, nango: true, handle: s.nangoGetConnection},
		route{method: "DELETE", pattern: nangoPrefix + "/connections/{connectionId}", access: environment, nango: true, handle: s.nangoDeleteConnection},
		route{method: "GET", pattern: nangoPrefix + "/integrations", access: environment, nango: true, handle: s.nangoListIntegrations},
		route{method: "GET", pattern: nangoPrefix + "/integrations/{key}", access: environment, nango: true, handle: s.nangoGetIntegration},
	)
}

// nangoErrorBody is Nango's error envelope; the frontend SDK reads
// error.code and error.message and nothing else.
type nangoErrorBody struct {
	Error nangoError `json:"error"`
}

type nangoError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeNangoError writes err in Nango's envelope with its HTTP status. Like
// [hmacgate.WriteError], it writes only a refusal's code and message (never
// a key, a secret or an expected MAC) and a generic message for anything
// else.
func writeNangoError(w http.ResponseWriter, err error) {
	status, code, msg := hmacgate.HTTPStatus(err), hmacgate.ErrorCode(err), hmacgate.ErrorMessage(err)
	if err == nil {
		status, code, msg = http.StatusInternalServerError, hmacgate.Internal, "internal error"
	}
	w.Header().Del("Content-Length")
	web.WriteJSON(w, status, nangoErrorBody{nangoError{Code: code, Message: msg}})
}

// nangoRefusal turns a refusal of the shared code paths into Nango's code
// for it: kind maps hmacgate's sentinels to Nango's. A refusal with its own
// message keeps it, since it says what exactly was wrong; a bare sentinel
// takes the Nango refusal's message. Refusals Nango names the same way
// (missing_hmac, invalid_hmac, unavailable, …) pass unchanged.
func nangoRefusal(err error, kind map[*hmacgate.Error]*hmacgate.Error) error {
	var e *hmacgate.Error
	if !errors.As(err, &e) {
		return err
	}
	for from, to := range kind {
		switch {
		case e == from:
			return to
		case errors.Is(e, from):
			return to.With(e.Message())
		}
	}
	return err
}

// How the gate's refusals read in Nango's words.
var nangoGateRefusals = map[*hmacgate.Error]*hmacgate.Error{
	platform.ErrUnauthorized:   errNangoUnknownAccount,
	platform.ErrNotFound:       errNangoUnknownIntegration,
	platform.ErrInvalidRequest: errNangoMissingConnection,
}

// isNangoPath reports whether a path is under /nango.
func isNangoPath(path string) bool {
	return path == nangoPrefix || strings.HasPrefix(path, nangoPrefix+"/")
}

// nangoNotFound answers a path under /nango that matches no route, in
// Nango's envelope (with CORS headers, so a browser shows the answer
// rather than a CORS failure).
func nangoNotFound(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w)
	writeNangoError(w, platform.ErrNotFound.With("no route "+r.Method+" "+r.URL.Path+
		"; hmacgate supports the API key, basic and unauthenticated connect calls and the connections and integrations reads (docs/nango.md)"))
}
