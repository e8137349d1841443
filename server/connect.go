package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	verdict       verdict // what the gate found of the digest, for the audit log
}

// admit is the connect gate. It resolves the environment from its public
// key and the integration from the path, checks the digest against the
// environment's keys and applies the HMAC mode. It reads only the in-memory
// cache, so refusals cost no database work.
func (s *Server) admit(r *http.Request, p *params) (*admission, error) {
	pk := p.publicKey
	if pk == "" {
		return nil, platform.ErrUnauthorized.With("the connect call needs the environment's public_key")
	}
	st, err := s.cache.byPublicKey(r.Context(), pk)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, platform.ErrUnauthorized.With("unknown public_key")
		}
		return nil, s.unavailable(err)
	}
	integrationID, connectionID := r.PathValue("integration"), p.connectionID
	mode, ok := st.integrations[integrationID]
	if !ok {
		return nil, platform.ErrNotFound.With("no integration " + web.Quote(integrationID) + " in this environment")
	}
	if connectionID == "" {
		return nil, invalid("connection_id is required")
	}
	if len(connectionID) > 256 {
		return nil, invalid("connection_id is longer than 256 bytes")
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
	return &admission{env: st, integrationID: integrationID, connectionID: connectionID, authMode: mode, verdict: v}, nil
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
	adm, err := s.admit(r, p)
	if err != nil {
		return err
	}
	creds, err := credentialsFor(adm.authMode, p)
	if err != nil {
		return err
	}
	c, created, err := s.saveConnection(r.Context(), adm, creds, "/v1/connect")
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

// saveConnection creates or re-authorizes the admitted connection with the
// checked credentials (nil for none), sealed to the connection, and writes
// the audit entry in the same transaction. via names the route, for the
// audit log. Every connect route ends here: there is one way to store a
// connection, and it takes the gate's admission.
func (s *Server) saveConnection(ctx context.Context, adm *admission, creds map[string]string, via string) (*platform.Connection, bool, error) {
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
			return nil, invalid(`this integration takes an API key: send {"credentials": {"api_key": "…"}}`)
		}
	case platform.AuthBasic:
		if c["username"] == "" || len(c) != 2 || c["password"] == "" {
			return nil, invalid(`this integration takes basic credentials: send {"credentials": {"username": "…", "password": "…"}}`)
		}
	default:
		if p.hasCreds && len(c) > 0 {
			return nil, invalid("this integration takes no credentials")
		}
		return nil, nil
	}
	for _, v := range c {
		if len(v) > 4096 {
			return nil, invalid("a credential is longer than 4096 bytes")
		}
	}
	return c, nil
}
