package server

import (
	"context"
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// An environment's secret key (sk_…) rotates like an HMAC key: a new one is
// made and shown once, and the one it replaces keeps working until
// retire_previous_at (default 24 h), so that the customer's backend can
// switch without an outage. Only the key's hash is stored; the cache finds
// the environment by either hash during the overlap (cache.go).

// errRetiringKeyRotates refuses a rotation asked with the key being retired:
// whoever holds a leaked old key must not be able to lock the owner out.
var errRetiringKeyRotates = platform.ErrUnauthorized.With(
	"this secret key is retiring; only the environment's current secret key (or the admin) may rotate it")

// rotateSecretKey makes a new secret key for the environment; the current
// one stays valid until retirePrevious ("", "now", an RFC 3339 time or a
// duration; see retireTime). actor is who asked, for the audit log.
func (s *Server) rotateSecretKey(ctx context.Context, envID, actor, retirePrevious string) (*platform.NewSecretKey, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	retire, err := s.retireTime(retirePrevious, now)
	if err != nil {
		return nil, err
	}
	secret := web.RandomToken(prefixSecret, 32)
	audit := platform.AuditEntry{Actor: actor, EnvID: envID, Action: "environment.secret_key.rotate",
		Detail: "the previous secret key retires at " + retire.Format(time.RFC3339)}
	if err := s.store.RotateSecretKey(ctx, envID, hashToken(secret), retire, audit); err != nil {
		return nil, s.storeErr(err)
	}
	s.cache.invalidate(envID)
	return &platform.NewSecretKey{SecretKey: hmacgate.MustParseKey(secret), RetirePreviousAt: retire}, nil
}

// readRetire reads the body of a rotation: {"retire_previous_at"?: …}.
func readRetire(w http.ResponseWriter, r *http.Request) (string, error) {
	var in struct {
		RetirePreviousAt string `json:"retire_previous_at"`
	}
	err := decodeJSON(w, r, &in)
	return in.RetirePreviousAt, err
}

// writeNewSecretKey answers a rotation with the new key, once.
func writeNewSecretKey(w http.ResponseWriter, k *platform.NewSecretKey) {
	web.WriteJSON(w, http.StatusCreated, map[string]any{
		"secret_key": k.SecretKey.Reveal(), "retire_previous_at": k.RetirePreviousAt,
		"warning": "store this secret key now: it is shown only once. The previous key works until retire_previous_at",
	})
}

// rotateOwnSecretKey serves POST /v1/environment/secret-key, asked with the
// environment's current secret key.
func (s *Server) rotateOwnSecretKey(w http.ResponseWriter, r *http.Request, c *call) error {
	if c.retiringKey {
		return errRetiringKeyRotates
	}
	retire, err := readRetire(w, r)
	if err != nil {
		return err
	}
	k, err := s.rotateSecretKey(r.Context(), c.env.env.ID, c.actor, retire)
	if err != nil {
		return err
	}
	writeNewSecretKey(w, k)
	return nil
}

// adminRotateSecretKey serves POST /v1/environments/{id}/secret-key: the
// admin's remedy when the current key is lost or leaked.
func (s *Server) adminRotateSecretKey(w http.ResponseWriter, r *http.Request, _ *call) error {
	retire, err := readRetire(w, r)
	if err != nil {
		return err
	}
	k, err := s.rotateSecretKey(r.Context(), r.PathValue("id"), "admin", retire)
	if err != nil {
		return err
	}
	writeNewSecretKey(w, k)
	return nil
}
