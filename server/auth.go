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

// checkEnv accepts an environment's secret key and returns its state.
func (s *Server) checkEnv(ctx context.Context, r *http.Request) (*envState, error) {
	tok, malformed := credential(r)
	switch {
	case malformed:
		return nil, errMalformedAuth
	case tok == "":
		return nil, errNoSecretKey
	case strings.HasPrefix(tok, prefixAdmin):
		return nil, errAdminTokenForEnv
	case strings.HasPrefix(tok, prefixPublic):
		return nil, errPublicKeyForEnv
	case !strings.HasPrefix(tok, prefixSecret):
		return nil, errNotASecretKey
	}
	st, err := s.cache.bySecretKey(ctx, tok)
	if err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			return nil, errUnknownSecretKey
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
