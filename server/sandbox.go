package server

import (
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/platform"
)

// The sandbox is a partner endpoint built into the platform: point a
// product's order URL at /sandbox/{env}/{product} and every launch or test
// order is verified exactly as a careful partner would — signature under the
// product's secrets (both during a propagation), timestamp window, the
// installationId in the URL bound to the signed one, and each order accepted
// once (replay claims in memory, or in Redis shared by every instance). A
// platform builder sees the whole flow work before any partner does.

// sandboxKeyring returns the secrets the sandbox accepts for a product at
// now: the one that signs first, then the propagating ones, then retired
// ones while orders they signed may still be inside their window.
func (s *Server) sandboxKeyring(r *http.Request, p *platform.Product, window time.Duration) (*hmacgate.Keyring, error) {
	secrets, err := s.store.ProductSecrets(r.Context(), p.EnvID, p.ID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	now := s.now()
	sc := schedule(secrets, now)
	var entries []hmacgate.KeyringEntry
	add := func(ps *platform.ProductSecret, until time.Time) error {
		plain, err := s.sealer.Open(ps.Sealed, secretContext(ps.EnvID, ps.ProductID, ps.ID))
		if err != nil {
			return s.unavailable(err)
		}
		k, err := hmacgate.ParseKey(string(plain))
		if err != nil {
			return s.unavailable(err)
		}
		entries = append(entries, hmacgate.KeyringEntry{Key: k, ValidUntil: until})
		return nil
	}
	if sc.signing != nil {
		if err := add(sc.signing, time.Time{}); err != nil {
			return nil, err
		}
	}
	for i, v := range sc.views {
		ps := &secrets[i]
		switch {
		case sc.signing != nil && ps.ID == sc.signing.ID:
		case v.Status == "propagating":
			if err := add(ps, time.Time{}); err != nil {
				return nil, err
			}
		case v.Status == "retired" && v.RetiredAt != nil && now.Before(v.RetiredAt.Add(window)):
			if err := add(ps, v.RetiredAt.Add(window)); err != nil {
				return nil, err
			}
		}
	}
	if len(entries) == 0 {
		return nil, errNoSecret(p.ID)
	}
	return hmacgate.NewKeyringEntries(entries...)
}

type sandboxJSON struct {
	Accepted       bool       `json:"accepted"`
	KeyIndex       int        `json:"key_index"`
	User           order.User `json:"user"`
	InstallationID string     `json:"installationId"`
	OrderID        string     `json:"orderId"`
	CorrelationID  string     `json:"correlationId"`
	SignedAt       time.Time  `json:"signed_at"`
}

// sandbox serves POST /sandbox/{env}/{product}.
func (s *Server) sandbox(w http.ResponseWriter, r *http.Request, _ *call) error {
	v, err := s.sandboxVerifier(r)
	if err != nil {
		s.sandboxRefused(w, r, err)
		return nil
	}
	v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, _ := order.FromContext(r.Context())
		if web.WantsHTML(r) {
			s.sandboxSignedIn(w, o)
			return
		}
		web.WriteJSON(w, http.StatusOK, sandboxJSON{Accepted: true, KeyIndex: o.KeyIndex, User: o.User, InstallationID: o.InstallationID,
			OrderID: o.OrderID, CorrelationID: o.CorrelationID, SignedAt: o.Time().UTC()})
	})).ServeHTTP(w, r)
	return nil
}

// sandboxVerifier is the verifier of the sandbox the request addresses:
// the product's secrets, the replay guard, the installationId binding.
func (s *Server) sandboxVerifier(r *http.Request) (*order.Verifier, error) {
	p, err := s.store.Product(r.Context(), r.PathValue("env"), r.PathValue("product"))
	if err != nil {
		if isNotFound(err) {
			return nil, platform.ErrNotFound.With("there is no sandbox at this address: its product or environment does not exist; " +
				"copy the order URL from the product's page again")
		}
		return nil, s.storeErr(err)
	}
	v := order.NewVerifier(nil)
	v.Now = s.now
	if v.Keyring, err = s.sandboxKeyring(r, p, v.ReplayWindow()); err != nil {
		return nil, err
	}
	v.Replay = s.replay
	if r.URL.Query().Has("installationId") {
		v = v.Bind(order.KeyInstallationID, func(r *http.Request) string { return r.URL.Query().Get("installationId") })
	}
	v.Observe = s.metrics.observeSandbox
	v.OnRefuse = s.sandboxRefused
	return v, nil
}
