package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// Token prefixes make leaked credentials easy for secret scanners to find.
const (
	prefixAdmin  = "hga_"
	prefixSecret = "sk_"
	prefixPublic = "pk_"
)

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// checkAdmin accepts the admin token. Its hash is read from the store on
// every call (admin calls are rare), so a token reset by another process
// takes effect at once.
func (s *Server) checkAdmin(ctx context.Context, r *http.Request) error {
	return s.checkAdminToken(ctx, bearer(r))
}

// checkAdminToken accepts the admin token, from the API's header or the
// console's login form.
func (s *Server) checkAdminToken(ctx context.Context, tok string) error {
	if tok == "" {
		return platform.ErrUnauthorized
	}
	want, err := s.store.Setting(ctx, platform.SettingAdminToken)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return platform.ErrUnauthorized
		}
		return hmacgate.ErrUnavailable
	}
	if subtle.ConstantTimeCompare(hashToken(tok), want) != 1 {
		return platform.ErrUnauthorized
	}
	return nil
}

// checkEnv accepts an environment's secret key and returns its state.
func (s *Server) checkEnv(ctx context.Context, r *http.Request) (*envState, error) {
	tok := bearer(r)
	if !strings.HasPrefix(tok, prefixSecret) {
		return nil, platform.ErrUnauthorized
	}
	st, err := s.cache.bySecretKey(ctx, tok)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, platform.ErrUnauthorized
		}
		return nil, s.unavailable(err)
	}
	return st, nil
}

// EnsureAdminToken makes sure an admin token exists. With token set, its
// hash replaces the stored one; otherwise, if none is stored, a new token is
// made and returned (to be shown once). It returns "" when nothing new was
// made.
func EnsureAdminToken(ctx context.Context, store platform.Store, token string) (string, error) {
	if token != "" {
		return "", store.SetSetting(ctx, platform.SettingAdminToken, hashToken(token),
			platform.AuditEntry{Actor: "system", Action: "admin.token.set", Detail: "from HMACGATE_ADMIN_TOKEN"})
	}
	if _, err := store.Setting(ctx, platform.SettingAdminToken); err == nil {
		return "", nil
	} else if !errors.Is(err, platform.ErrNotFound) {
		return "", err
	}
	return ResetAdminToken(ctx, store)
}

// ResetAdminToken makes a new admin token, stores its hash and returns it.
func ResetAdminToken(ctx context.Context, store platform.Store) (string, error) {
	tok := web.RandomToken(prefixAdmin, 32)
	err := store.SetSetting(ctx, platform.SettingAdminToken, hashToken(tok),
		platform.AuditEntry{Actor: "system", Action: "admin.token.reset"})
	if err != nil {
		return "", err
	}
	return tok, nil
}
