package server

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// DefaultPropagation is how long a regenerated product secret propagates
// before it signs, as the second seed describes ("a few minutes").
const DefaultPropagation = 5 * time.Minute

// secretSchedule says, at a time, which secret signs and what each is.
type secretSchedule struct {
	signing  *platform.ProductSecret // nil: none can sign yet
	switchAt time.Time               // when a propagating secret starts signing; zero if none
	views    []platform.SecretInfo
}

// schedule works out the secrets' states at now. secrets are newest first.
// The newest secret whose ActiveFrom has come signs; newer ones are
// propagating (and so is the signing one, while they are); older ones were
// retired when their successor started signing.
func schedule(secrets []platform.ProductSecret, now time.Time) secretSchedule {
	var sc secretSchedule
	signingIdx := -1
	for i := range secrets {
		if !secrets[i].ActiveFrom.After(now) {
			signingIdx = i
			sc.signing = &secrets[i]
			break
		}
	}
	for i, s := range secrets {
		v := platform.SecretInfo{ID: s.ID, CreatedAt: s.CreatedAt, ActiveFrom: s.ActiveFrom}
		switch {
		case signingIdx < 0 || i < signingIdx:
			v.Status = "propagating"
			if sc.switchAt.IsZero() || s.ActiveFrom.Before(sc.switchAt) {
				sc.switchAt = s.ActiveFrom
			}
		case i == signingIdx:
			v.Status = "signing"
			if i > 0 {
				v.Status = "propagating" // a newer secret takes over at switch_at
			}
		default:
			v.Status = "retired"
			t := secrets[i-1].ActiveFrom
			v.RetiredAt = &t
		}
		sc.views = append(sc.views, v)
	}
	return sc
}

// productView is a product with the state of its secrets now.
func (s *Server) productView(ctx context.Context, p *platform.Product) (platform.ProductInfo, error) {
	secrets, err := s.store.ProductSecrets(ctx, p.EnvID, p.ID)
	if err != nil {
		return platform.ProductInfo{}, s.storeErr(err)
	}
	sc := schedule(secrets, s.now())
	out := platform.ProductInfo{ID: p.ID, Name: p.Name, OrderURL: p.OrderURL, HMACEnabled: p.HMACEnabled,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Secrets: sc.views}
	if out.Secrets == nil {
		out.Secrets = []platform.SecretInfo{}
	}
	if sc.signing != nil {
		out.SigningSecretID = sc.signing.ID
	}
	if !sc.switchAt.IsZero() {
		t := sc.switchAt
		out.SwitchAt = &t
	}
	return out, nil
}

// checkOrderURL accepts absolute https URLs without credentials. The signed
// order carries the user's name and e-mail, so plain http is accepted only
// to a host that --delivery-allow names (a partner on the same network, or
// development on loopback).
func (s *Server) checkOrderURL(raw string) error {
	const example = "such as https://partner.example/orders"
	if raw == "" {
		return required("order_url", "the partner's address that receives the orders, "+example)
	}
	if len(raw) > 2048 {
		return badField("order_url", fmt.Sprintf("is longer than 2048 bytes (it has %d)", len(raw)), "shorten it")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !cspSafeHost(u.Host) || u.User != nil {
		return badField("order_url", "must be an absolute https address with a plain host name and no user:password@", example)
	}
	if u.Scheme == "http" && !s.plainHTTPAllowed(u.Hostname()) {
		return badField("order_url", "must be https: the signed order carries the user's name and e-mail",
			"use https; plain http is accepted only to an address --delivery-allow names (development)")
	}
	return nil
}

// plainHTTPAllowed reports whether host is an IP address (or localhost)
// inside a range of --delivery-allow. Names other than localhost are not
// resolved: what they resolve to may change.
func (s *Server) plainHTTPAllowed(host string) bool {
	var addrs []netip.Addr
	if strings.EqualFold(host, "localhost") {
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	} else if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		addrs = []netip.Addr{ip.Unmap()}
	}
	for _, a := range addrs {
		for _, p := range s.deliveryAllow {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// addProduct checks and stores a new product of the call's environment.
func (s *Server) addProduct(ctx context.Context, c *call, in platform.ProductInput) (platform.ProductInfo, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return platform.ProductInfo{}, err
	}
	if err := s.checkOrderURL(in.OrderURL); err != nil {
		return platform.ProductInfo{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p := &platform.Product{ID: web.RandomToken("prod_", 9), EnvID: c.env.env.ID, Name: name, OrderURL: in.OrderURL,
		HMACEnabled: in.HMACEnabled == nil || *in.HMACEnabled, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateProduct(ctx, p, envAudit(c, "product.create", p.ID+" "+web.Quote(p.Name))); err != nil {
		return platform.ProductInfo{}, s.storeErr(err)
	}
	return s.productView(ctx, p)
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	var in platform.ProductInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.addProduct(r.Context(), c, in)
	if err != nil {
		return err
	}
	if out.HMACEnabled {
		out.Warning = "HMAC is on: generate the product's secret with POST /v1/products/" + out.ID + "/secrets before sending orders"
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// productList returns the call's environment's products with their secrets' state.
func (s *Server) productList(ctx context.Context, c *call) ([]platform.ProductInfo, error) {
	ps, err := s.store.Products(ctx, c.env.env.ID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	out := make([]platform.ProductInfo, 0, len(ps))
	for _, p := range ps {
		v, err := s.productView(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := s.productList(r.Context(), c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"products": out})
	return nil
}

// productByID returns a product of the call's environment.
func (s *Server) productByID(ctx context.Context, c *call, id string) (platform.ProductInfo, error) {
	p, err := s.store.Product(ctx, c.env.env.ID, id)
	if err != nil {
		return platform.ProductInfo{}, s.storeErr(err)
	}
	return s.productView(ctx, p)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := s.productByID(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// changeProduct applies a patch to a product of the call's environment.
// Switching HMAC off is allowed, with a warning in the result.
func (s *Server) changeProduct(ctx context.Context, c *call, id string, in platform.ProductPatch) (platform.ProductInfo, error) {
	p, err := s.store.Product(ctx, c.env.env.ID, id)
	if err != nil {
		return platform.ProductInfo{}, s.storeErr(err)
	}
	var changes []string
	if in.Name != nil {
		if p.Name, err = checkName(*in.Name); err != nil {
			return platform.ProductInfo{}, err
		}
		changes = append(changes, "name")
	}
	if in.OrderURL != nil {
		if err := s.checkOrderURL(*in.OrderURL); err != nil {
			return platform.ProductInfo{}, err
		}
		p.OrderURL = *in.OrderURL
		changes = append(changes, "order_url")
	}
	warning := ""
	if in.HMACEnabled != nil && *in.HMACEnabled != p.HMACEnabled {
		p.HMACEnabled = *in.HMACEnabled
		changes = append(changes, "hmac_enabled="+map[bool]string{true: "on", false: "off"}[p.HMACEnabled])
		if !p.HMACEnabled {
			warning = platform.HMACOffWarning
		}
	}
	p.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.UpdateProduct(ctx, p, envAudit(c, "product.update", p.ID+": "+strings.Join(changes, ", "))); err != nil {
		return platform.ProductInfo{}, s.storeErr(err)
	}
	out, err := s.productView(ctx, p)
	if err != nil {
		return platform.ProductInfo{}, err
	}
	out.Warning = warning
	return out, nil
}

func (s *Server) patchProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	var in platform.ProductPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.changeProduct(r.Context(), c, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// secretContext binds a sealed product secret to its row.
func secretContext(envID, productID, secretID string) string {
	return platform.SealContext(platform.SealedProductSecret, envID, productID, secretID)
}

// propagationTime reads a propagation period: "" for the default, else a
// duration from 0s to 168h.
func propagationTime(raw string) (time.Duration, error) {
	if raw == "" {
		return DefaultPropagation, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > 7*24*time.Hour {
		return 0, badField("propagation", `must be a duration from "0s" to "168h"`, `such as "5m"`)
	}
	return d, nil
}

// addProductSecret generates a secret for a product of the call's
// environment. The first secret signs at once; a regenerated one signs
// after the propagation period, while the previous one still signs.
func (s *Server) addProductSecret(ctx context.Context, c *call, productID, propagation string) (*platform.NewSecret, error) {
	prop, err := propagationTime(propagation)
	if err != nil {
		return nil, err
	}
	p, err := s.store.Product(ctx, c.env.env.ID, productID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	existing, err := s.store.ProductSecrets(ctx, p.EnvID, p.ID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	activeFrom := now.Add(prop)
	if len(existing) == 0 {
		activeFrom = now // nothing to replace: the first secret signs at once
	} else if last := existing[0].ActiveFrom; !activeFrom.After(last) {
		activeFrom = last.Add(time.Millisecond) // the newest secret always takes over last
	}
	secret := hmacgate.GenerateKey()
	ps := &platform.ProductSecret{ID: web.RandomToken("sec_", 9), ProductID: p.ID, EnvID: p.EnvID, CreatedAt: now, ActiveFrom: activeFrom}
	ps.Sealed = s.sealer.Seal([]byte(secret.Reveal()), secretContext(p.EnvID, p.ID, ps.ID))
	detail := p.ID + ": secret " + ps.ID + " signs from " + activeFrom.Format(time.RFC3339)
	if err := s.store.AddProductSecret(ctx, ps, envAudit(c, "product.secret.create", detail)); err != nil {
		return nil, s.storeErr(err)
	}
	out, err := s.productView(ctx, p)
	if err != nil {
		return nil, err
	}
	return &platform.NewSecret{ID: ps.ID, Secret: secret, ActiveFrom: activeFrom, Product: out}, nil
}

func (s *Server) createProductSecret(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Propagation string `json:"propagation"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ns, err := s.addProductSecret(r.Context(), c, r.PathValue("id"), in.Propagation)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{
		"id": ns.ID, "secret": ns.Secret.Reveal(), "active_from": ns.ActiveFrom, "product": ns.Product,
		"warning": "store this secret now: it is shown only once. Until active_from the previous secret still signs; verify with both until then",
	})
	return nil
}

// errNoSecret refuses to sign for a product with HMAC on and no secret.
func errNoSecret(productID string) error {
	return platform.ErrNoSecret.With("HMAC is on for the product " + productID + " but it has no secret: generate one with POST /v1/products/" +
		productID + "/secrets (or on its credentials page in the console)")
}

// signingSecret returns the key that signs a product's orders now.
func (s *Server) signingSecret(ctx context.Context, p *platform.Product) (hmacgate.Key, string, error) {
	secrets, err := s.store.ProductSecrets(ctx, p.EnvID, p.ID)
	if err != nil {
		return hmacgate.Key{}, "", s.storeErr(err)
	}
	sc := schedule(secrets, s.now())
	if sc.signing == nil {
		return hmacgate.Key{}, "", errNoSecret(p.ID)
	}
	plain, err := s.sealer.Open(sc.signing.Sealed, secretContext(p.EnvID, p.ID, sc.signing.ID))
	if err != nil {
		return hmacgate.Key{}, "", s.unavailable(err)
	}
	k, err := hmacgate.ParseKey(string(plain))
	return k, sc.signing.ID, err
}
