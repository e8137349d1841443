package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

type environmentJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	PublicKey string    `json:"public_key"`
	SecretKey string    `json:"secret_key,omitempty"` // only in the response that creates it
	HMACMode  string    `json:"hmac_mode"`
	CreatedAt time.Time `json:"created_at"`
}

func envJSON(e *platform.Environment) environmentJSON {
	return environmentJSON{ID: e.ID, Name: e.Name, PublicKey: e.PublicKey, HMACMode: string(e.HMACMode), CreatedAt: e.CreatedAt}
}

func adminAudit(action, envID, detail string) platform.AuditEntry {
	return platform.AuditEntry{Actor: "admin", Action: action, EnvID: envID, Detail: detail}
}

// newEnvironment creates an environment and returns it with its secret key,
// which exists only here: the store keeps its hash.
func (s *Server) newEnvironment(ctx context.Context, name string) (*platform.Environment, string, error) {
	name, err := checkName(name)
	if err != nil {
		return nil, "", err
	}
	secret := web.RandomToken(prefixSecret, 32)
	env := &platform.Environment{
		ID: web.RandomToken("env_", 9), Name: name, PublicKey: web.RandomToken(prefixPublic, 16),
		SecretKeyHash: hashToken(secret), HMACMode: platform.ModeOff, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	a := adminAudit("environment.create", env.ID, "name "+web.Quote(env.Name))
	a.At = env.CreatedAt
	if err := s.store.CreateEnvironment(ctx, env, a); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return nil, "", platform.ErrConflict.With("an environment named " + web.Quote(name) + " exists already: choose another name")
		}
		return nil, "", s.storeErr(err)
	}
	return env, secret, nil
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request, _ *call) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	env, secret, err := s.newEnvironment(r.Context(), in.Name)
	if err != nil {
		return err
	}
	out := envJSON(env)
	out.SecretKey = secret // shown once; only its hash is stored
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, _ *call) error {
	envs, err := s.store.Environments(r.Context())
	if err != nil {
		return s.storeErr(err)
	}
	out := make([]environmentJSON, 0, len(envs))
	for _, e := range envs {
		out = append(out, envJSON(e))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"environments": out})
	return nil
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, _ *call) error {
	e, err := s.store.Environment(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.storeErr(err)
	}
	web.WriteJSON(w, http.StatusOK, envJSON(e))
	return nil
}

// removeEnvironment deletes an environment with everything in it.
func (s *Server) removeEnvironment(ctx context.Context, id string) error {
	if err := s.store.DeleteEnvironment(ctx, id, adminAudit("environment.delete", id, "")); err != nil {
		return s.storeErr(err)
	}
	s.cache.invalidate(id)
	return nil
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := s.removeEnvironment(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type auditJSON struct {
	At     time.Time `json:"at"`
	EnvID  string    `json:"environment_id,omitempty"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// auditEntries returns the newest audit entries, of one environment or
// (envID "") of all.
func (s *Server) auditEntries(ctx context.Context, envID string, limit int) ([]auditJSON, error) {
	entries, err := s.store.AuditLog(ctx, envID, limit)
	if err != nil {
		return nil, s.storeErr(err)
	}
	out := make([]auditJSON, 0, len(entries))
	for _, a := range entries {
		out = append(out, auditJSON{At: a.At, EnvID: a.EnvID, Actor: a.Actor, Action: a.Action, Detail: a.Detail})
	}
	return out, nil
}

func (s *Server) writeAudit(w http.ResponseWriter, r *http.Request, envID string) error {
	out, err := s.auditEntries(r.Context(), envID, 200)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, _ *call) error {
	return s.writeAudit(w, r, r.URL.Query().Get("environment_id"))
}
