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

// credential returns the token of an "Authorization: Bearer …" header, and
// whether the request has an Authorization header of another form.
func credential(r *http.Request) (tok string, malformed bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), false
	}
	return "", h != ""
}

// The refusals of the credential checks name the credential the route
// takes and what was sent instead, by its prefix only: a token is never
// echoed.
var (
	errMalformedAuth = platform.ErrUnauthorized.With(
		"the Authorization header is not of the form \"Bearer <token>\": send Authorization: Bearer <token>")
	errNoAdminToken = platform.ErrUnauthorized.With("this route takes the admin token: send Authorization: Bearer hga_… " +
		"(printed once as \"admin token: hga_…\" at the server's first start; hmacgate admin reset-token makes a new one)")
	errSecretKeyForAdmin = platform.ErrUnauthorized.With("this route takes the admin token (hga_…), not an environment's " +
		"secret key (sk_…): environments are created and listed by the admin")
	errPublicKeyForAdmin = platform.ErrUnauthorized.With("this route takes the admin token (hga_…), not a public key " +
		"(pk_…), which is no credential")
	errWrongAdminToken = platform.ErrUnauthorized.With("the admin token is not valid: use the one printed at the server's " +
		"first start, or make a new one with hmacgate admin reset-token")
	errNoSecretKey = platform.ErrUnauthorized.With("this route takes the environment's secret key: send Authorization: " +
		"Bearer sk_… (shown once when the environment was created)")
	errAdminTokenForEnv = platform.ErrUnauthorized.With("this route takes an environment's secret key (sk_…), not the " +
		"admin token (hga_…): the admin token manages environments under /v1/environments")
	errPublicKeyForEnv = platform.ErrUnauthorized.With("this route takes the environment's secret key (sk_…), not its " +
		"public key (pk_…), which is for browsers")
	errNotASecretKey    = platform.ErrUnauthorized.With("this route takes the environment's secret key, which starts with sk_")
	errUnknownSecretKey = platform.ErrUnauthorized.With("no environment has this secret key: check that it is complete, " +
		"and that its environment was not deleted")
	errRetiredSecretKey = platform.ErrUnauthorized.With("this secret key was replaced by a rotation and has retired: " +
		"use the environment's current secret key")
)

// checkAdmin accepts the admin token. Its hash is read from the store on
// every call (admin calls are rare), so a token reset by another process
// takes effect at once.
func (s *Server) checkAdmin(ctx context.Context, r *http.Request) error {
	tok, malformed := credential(r)
	switch {
	case malformed:
		return errMalformedAuth
	case tok == "":
		return errNoAdminToken
	case strings.HasPrefix(tok, prefixSecret):
		return errSecretKeyForAdmin
	case strings.HasPrefix(tok, prefixPublic):
		return errPublicKeyForAdmin
	}
	if err := s.checkAdminToken(ctx, tok); err != nil {
		if errors.Is(err, platform.ErrUnauthorized) {
			return errWrongAdminToken
		}
		return err
	}
	return nil
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
	tok, malformed := credential(r)
	switch {
	case malformed:
		return nil, false, errMalformedAuth
	case tok == "":
		return nil, false, errNoSecretKey
	case strings.HasPrefix(tok, prefixAdmin):
		return nil, false, errAdminTokenForEnv
	case strings.HasPrefix(tok, prefixPublic):
		return nil, false, errPublicKeyForEnv
	case !strings.HasPrefix(tok, prefixSecret):
		return nil, false, errNotASecretKey
	}
	st, err := s.cache.bySecretKey(ctx, tok)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, false, errUnknownSecretKey
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
	return nil, false, errRetiredSecretKey
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
