package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// verdict is what the gate found of a call's digest.
type verdict string

const (
	verdictValid     verdict = "valid"
	verdictMissing   verdict = "missing"
	verdictInvalid   verdict = "invalid"
	verdictUnchecked verdict = "unchecked" // mode off and no key: nothing to check against
)

// admission is the connect gate's permission to create or re-authorize one
// connection. Only [Server.admit] makes one; the handlers that write
// connections take it as an argument, so none can skip the gate.
type admission struct {
	env           *envState
	integrationID string
	connectionID  string
	authMode      platform.AuthMode
	// credentials are the end user's, checked against the integration's
	// auth mode; nil when it takes none.
	credentials map[string]string
	verdict     verdict // what the gate found of the digest, for the audit log
}

// shapeCheck checks what a connect call carries against its integration's
// auth mode and returns the end user's credentials to store (nil for
// none). Each connect route has its own: /v1/connect takes hmacgate's
// credentials, the Nango routes Nango's.
type shapeCheck func(mode platform.AuthMode) (map[string]string, error)

// publicKeyLimit bounds a public key: longer ones are refused without a
// lookup.
const publicKeyLimit = 64

// admit is the connect gate. It resolves the environment from its public
// key and the integration from the path, checks that the call is well
// formed, then checks the digest against the environment's keys and
// applies the HMAC mode. Only well-formed calls get a verdict, so the
// report and the metrics count what enforce would judge, never a call
// refused for its shape. It reads only the in-memory cache, so refusals
// cost no database work.
func (s *Server) admit(r *http.Request, p *params, check shapeCheck) (*admission, error) {
	st, err := s.connectEnvironment(r, p.publicKey)
	if err != nil {
		return nil, err
	}
	integrationID, connectionID := r.PathValue("integration"), p.connectionID
	mode, ok := st.integrations[integrationID]
	if !ok {
		return nil, platform.ErrNotFound.With("no integration " + web.Quote(integrationID) +
			" in this environment: create it first (POST /v1/integrations, or the console's integrations page)")
	}
	if connectionID == "" {
		return nil, required("connection_id", "the end user's connection ID, in the query string, a form or the JSON body")
	}
	if len(connectionID) > 256 {
		return nil, badField("connection_id", fmt.Sprintf("is longer than 256 bytes (it has %d)", len(connectionID)), "shorten it")
	}
	creds, err := check(mode)
	if err != nil {
		return nil, err
	}
	v, derr := s.checkDigest(st, integrationID, connectionID, p.hmac)
	envMode := st.env.HMACMode
	if v != verdictUnchecked {
		s.report.add(st.env.ID, v)
	}
	if envMode == platform.ModeEnforce && v != verdictValid {
		s.metrics.connect.WithLabelValues(string(envMode), string(v), "refused").Inc()
		if derr == nil {
			derr = hmacgate.ErrMissingHMAC
		}
		return nil, derr
	}
	if envMode == platform.ModeReport && v != verdictValid {
		// Report mode: accept, and say what enforce would have done.
		s.log.Warn("connect call would be refused under enforce", "env", st.env.ID, "integration", integrationID,
			"code", hmacgate.ErrorCode(derr))
	}
	s.metrics.connect.WithLabelValues(string(envMode), string(v), "accepted").Inc()
	return &admission{env: st, integrationID: integrationID, connectionID: connectionID, authMode: mode, credentials: creds, verdict: v}, nil
}

// connectEnvironment finds the environment of a connect call by its public
// key.
func (s *Server) connectEnvironment(r *http.Request, pk string) (*envState, error) {
	switch {
	case pk == "":
		return nil, platform.ErrUnauthorized.With("the connect call needs the environment's public_key (pk_…), " +
			"in the query string, a form or the JSON body")
	case strings.HasPrefix(pk, prefixSecret):
		return nil, platform.ErrUnauthorized.With("public_key holds a secret key (sk_…): send the environment's public key " +
			"(pk_…), and keep the secret key in your backend, never in a browser")
	case !strings.HasPrefix(pk, prefixPublic) || len(pk) > publicKeyLimit:
		return nil, platform.ErrUnauthorized.With("public_key is not an environment's public key, which starts with pk_ " +
			"(see the environment's settings page)")
	}
	st, err := s.cache.byPublicKey(r.Context(), pk)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, platform.ErrUnauthorized.With("no environment has this public_key: check that it is complete, " +
				"and that its environment was not deleted")
		}
		return nil, s.unavailable(err)
	}
	return st, nil
}

// checkDigest classifies a digest. The comparison is constant time
// (connect.VerifyAt); the digest itself is never logged or echoed.
func (s *Server) checkDigest(st *envState, integrationID, connectionID, digest string) (verdict, error) {
	if st.keyring == nil {
		if st.env.HMACMode == platform.ModeOff {
			return verdictUnchecked, nil
		}
		return verdictInvalid, hmacgate.ErrUnavailable.With("HMAC is on but the environment has no key")
	}
	_, err := connect.VerifyAt(st.keyring, integrationID, connectionID, digest, s.now())
	switch {
	case err == nil:
		return verdictValid, nil
	case errors.Is(err, hmacgate.ErrMissingHMAC):
		return verdictMissing, err
	}
	return verdictInvalid, err
}

// connect handles POST /v1/connect/{integration}.
func (s *Server) connect(w http.ResponseWriter, r *http.Request, _ *call) error {
	corsHeaders(w)
	p, err := readParams(w, r)
	if err != nil {
		return err
	}
	adm, err := s.admit(r, p, func(mode platform.AuthMode) (map[string]string, error) { return credentialsFor(mode, p) })
	if err != nil {
		return err
	}
	c, created, err := s.saveConnection(r.Context(), adm, "/v1/connect")
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.WriteJSON(w, status, connectionJSON(c, nil))
	return nil
}

// saveConnection creates or re-authorizes the admitted connection with its
// checked credentials (nil for none), sealed to the connection, and writes
// the audit entry in the same transaction. via names the route, for the
// audit log. Every connect route ends here: there is one way to store a
// connection, and it takes the gate's admission.
func (s *Server) saveConnection(ctx context.Context, adm *admission, via string) (*platform.Connection, bool, error) {
	creds := adm.credentials
	c := &platform.Connection{EnvID: adm.env.env.ID, IntegrationID: adm.integrationID, ConnectionID: adm.connectionID,
		UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if creds != nil {
		plain, _ := json.Marshal(creds)
		c.SealedCredentials = s.sealer.Seal(plain, connContext(c.EnvID, c.IntegrationID, c.ConnectionID))
	}
	audit := platform.AuditEntry{Actor: "connect", EnvID: c.EnvID, Action: "connection.authorize",
		Detail: c.IntegrationID + "/" + web.Quote(c.ConnectionID) + " via " + via + " (digest " + string(adm.verdict) + ")"}
	created, err := s.store.UpsertConnection(ctx, c, audit)
	if err != nil {
		return nil, false, s.storeErr(err)
	}
	return c, created, nil
}

// connContext binds sealed credentials to their connection.
func connContext(envID, integrationID, connectionID string) string {
	return platform.SealContext(platform.SealedConnection, envID, integrationID, connectionID)
}

// credentialsFor checks the end user's credentials against the
// integration's auth mode.
func credentialsFor(mode platform.AuthMode, p *params) (map[string]string, error) {
	c := p.credentials
	switch mode {
	case platform.AuthAPIKey:
		if c["api_key"] == "" || len(c) != 1 {
			return nil, badField("credentials", `must hold an "api_key" and nothing else: this integration takes an API key`,
				`send {"credentials": {"api_key": "…"}}`)
		}
	case platform.AuthBasic:
		if c["username"] == "" || len(c) != 2 || c["password"] == "" {
			return nil, badField("credentials", `must hold a "username" and a "password" and nothing else: this integration takes basic credentials`,
				`send {"credentials": {"username": "…", "password": "…"}}`)
		}
	default:
		if p.hasCreds && len(c) > 0 {
			return nil, badField("credentials", "must be left out: this integration takes none", "")
		}
		return nil, nil
	}
	for name, v := range c {
		if len(v) > 4096 {
			return nil, badField("credentials", fmt.Sprintf("has a %s longer than 4096 bytes (it has %d)", name, len(v)), "shorten it")
		}
	}
	return c, nil
}
