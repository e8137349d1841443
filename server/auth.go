package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
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

// checkEnv accepts an environment's secret key, or its previous one until
// that retires, and returns the environment's state and whether the key was
// the previous one.
func (s *Server) checkEnv(ctx context.Context, r *http.Request) (*envState, bool, error) {
	tok := bearer(r)
	if !strings.HasPrefix(tok, prefixSecret) {
		return nil, false, platform.ErrUnauthorized
	}
	st, err := s.cache.bySecretKey(ctx, tok)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, false, platform.ErrUnauthorized
		}
		return nil, false, s.unavailable(err)
	}
	h, env := hashToken(tok), st.env
	if subtle.ConstantTimeCompare(h, env.SecretKeyHash) == 1 {
		return st, false, nil
	}
	if subtle.ConstantTimeCompare(h, env.PreviousSecretKeyHash) == 1 && s.now().Before(env.PreviousSecretRetiresAt) {
		return st, true, nil
	}
	return nil, false, platform.ErrUnauthorized
}

// MinAdminTokenLen is the shortest admin token HMACGATE_ADMIN_TOKEN may
// set: the token is the whole of the admin's authentication.
const MinAdminTokenLen = 32

// errShortAdminToken refuses a weak HMACGATE_ADMIN_TOKEN.
var errShortAdminToken = fmt.Errorf("HMACGATE_ADMIN_TOKEN must be at least %d bytes; make one with hmacgate keygen, or unset it to have one made", MinAdminTokenLen)

// EnsureAdminToken makes sure an admin token exists. With token set (at
// least [MinAdminTokenLen] bytes), its hash replaces the stored one;
// otherwise, if none is stored, a new token is made and returned (to be
// shown once). Of several instances starting together on a new database
// exactly one makes it: the others find it stored. It returns "" when
// nothing new was made.
func EnsureAdminToken(ctx context.Context, store platform.Store, token string) (string, error) {
	if token != "" {
		if len(token) < MinAdminTokenLen {
			return "", errShortAdminToken
		}
		if old, err := store.Setting(ctx, platform.SettingAdminToken); err == nil && subtle.ConstantTimeCompare(old, hashToken(token)) == 1 {
			return "", nil // already this token: no audit entry on every start
		}
		return "", store.SetSetting(ctx, platform.SettingAdminToken, hashToken(token),
			platform.AuditEntry{Actor: "system", Action: "admin.token.set", Detail: "from HMACGATE_ADMIN_TOKEN"})
	}
	tok := web.RandomToken(prefixAdmin, 32)
	err := store.AddSetting(ctx, platform.SettingAdminToken, hashToken(tok),
		platform.AuditEntry{Actor: "system", Action: "admin.token.create"})
	switch {
	case errors.Is(err, platform.ErrConflict):
		return "", nil // made before, or by an instance that started with this one
	case err != nil:
		return "", err
	}
	return tok, nil
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
