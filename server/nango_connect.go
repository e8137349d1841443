package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// nangoAuthRoute is one of @nangohq/frontend's connect calls: its path
// under /nango and the auth mode an integration must have to take it.
type nangoAuthRoute struct {
	path string
	mode platform.AuthMode
	// hint says what body the route takes, in the SDK's terms.
	hint string
}

// nangoAuthRoutes are the frontend's calls that hmacgate serves (read from
// @nangohq/frontend 0.71.10): auth() with {apiKey} or {username, password}
// credentials, and create() for an integration without credentials.
var nangoAuthRoutes = []nangoAuthRoute{
	{"/api-auth/api-key/{integration}", platform.AuthAPIKey,
		`this integration takes an API key: nango.auth(integration, connectionId, {hmac, credentials: {apiKey: "…"}}), at most 4096 bytes`},
	{"/api-auth/basic/{integration}", platform.AuthBasic,
		`this integration takes basic credentials: nango.auth(integration, connectionId, {hmac, credentials: {username: "…", password: "…"}}), both non-empty, at most 4096 bytes each`},
	{"/auth/unauthenticated/{integration}", platform.AuthNone,
		`this integration takes no credentials: nango.create(integration, connectionId, {hmac}) with no body`},
}

// nangoAuthResult is Nango's answer to a connect call, for a new and a
// re-authorized connection alike.
type nangoAuthResult struct {
	ConnectionID      string `json:"connectionId"`
	ProviderConfigKey string `json:"providerConfigKey"`
}

// nangoAuth returns the handler of one of the frontend's connect routes.
// It reads Nango's request shape into the connect call's params, then does
// what /v1/connect does: the gate, the credential check, the one way to
// store a connection.
func (s *Server) nangoAuth(fr nangoAuthRoute) func(http.ResponseWriter, *http.Request, *call) error {
	return func(w http.ResponseWriter, r *http.Request, _ *call) error {
		corsHeaders(w)
		p, err := readNangoParams(w, r, fr.mode)
		if err != nil {
			return err
		}
		// The route's auth mode and Nango's credentials are the call's
		// shape: checked by the gate before the digest is judged.
		adm, err := s.admit(r, p, func(mode platform.AuthMode) (map[string]string, error) {
			if mode != fr.mode {
				return nil, errNangoInvalidAuthMode.With("the integration " + web.Quote(r.PathValue("integration")) + " takes auth mode " +
					string(mode) + ", not " + string(fr.mode) + "; " + nangoHint(mode))
			}
			creds, err := credentialsFor(mode, p)
			if err != nil {
				return nil, errNangoInvalidBody.With(fr.hint)
			}
			return creds, nil
		})
		if err != nil {
			return nangoRefusal(err, nangoGateRefusals)
		}
		if _, _, err := s.saveConnection(r.Context(), adm, nangoPrefix+strings.TrimSuffix(fr.path, "/{integration}")); err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, nangoAuthResult{ConnectionID: adm.connectionID, ProviderConfigKey: adm.integrationID})
		return nil
	}
}

// nangoHint says how to call the route of an auth mode.
func nangoHint(mode platform.AuthMode) string {
	for _, fr := range nangoAuthRoutes {
		if fr.mode == mode {
			return fr.hint
		}
	}
	return ""
}

// nangoCredentials is the body of the frontend's connect calls: the
// credentials at the top level, as the SDK sends them. Other fields are
// ignored, as Nango does.
type nangoCredentials struct {
	APIKey   *string `json:"apiKey"`
	Username *string `json:"username"`
	Password *string `json:"password"`
}

// readNangoParams reads a frontend connect call: connection_id, public_key
// and hmac from the query string, which the SDK does not URL-encode, so
// they are whatever standard decoding yields; the credentials from the JSON
// body, renamed to hmacgate's (apiKey → api_key). params[…] and user_scope
// are accepted and ignored (they steer OAuth, which hmacgate does not do).
func readNangoParams(w http.ResponseWriter, r *http.Request, mode platform.AuthMode) (*params, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errNangoInvalidQuery.With("the query string is malformed: a '%' in a connection ID or digest must be followed by two hex digits")
	}
	if _, ok := q["connect_session_token"]; ok {
		return nil, errNangoConnectSession
	}
	p := &params{}
	p.setAll(q)
	body, err := readBody(w, r)
	if err != nil || len(body) == 0 {
		return p, err
	}
	var in nangoCredentials
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errNangoInvalidBody.With(hmacgate.ErrorMessage(jsonRefusal(err, body, "application/json", &in)) + "; " + nangoHint(mode))
	}
	names := map[platform.AuthMode][]struct {
		name string
		v    *string
	}{
		platform.AuthAPIKey: {{"api_key", in.APIKey}},
		platform.AuthBasic:  {{"username", in.Username}, {"password", in.Password}},
		// An unauthenticated call that sends credentials is refused by the
		// credential check, not silently stripped of them.
		platform.AuthNone: {{"api_key", in.APIKey}, {"username", in.Username}, {"password", in.Password}},
	}
	for _, f := range names[mode] {
		p.setCredential(f.name, f.v)
	}
	return p, nil
}
