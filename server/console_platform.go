package server

import (
	"context"
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/server/console"
)

// consolePlatform is the server as the console sees it: each operation of
// the JSON API, addressed by environment ID and made by the admin.
type consolePlatform struct{ s *Server }

var _ console.Platform = consolePlatform{}

// ConsolePlatform returns the server as the console reaches it.
func (s *Server) ConsolePlatform() console.Platform { return consolePlatform{s} }

// in loads an environment as a call of the admin.
func (p consolePlatform) in(ctx context.Context, envID string) (*call, error) {
	st, err := p.s.cache.get(ctx, envID)
	if err != nil {
		return nil, p.s.storeErr(err)
	}
	return &call{env: st, actor: "admin"}, nil
}

func (p consolePlatform) Now() time.Time              { return p.s.now() }
func (p consolePlatform) Allow(r *http.Request) error { return p.s.fiddleAllowed(r) }

func (p consolePlatform) CheckAdminToken(ctx context.Context, token string) error {
	return p.s.checkAdminToken(ctx, token)
}

func (p consolePlatform) Setting(ctx context.Context, name string) ([]byte, error) {
	return p.s.store.Setting(ctx, name)
}

func (p consolePlatform) SetSetting(ctx context.Context, name string, value []byte, audit platform.AuditEntry) error {
	return p.s.store.SetSetting(ctx, name, value, audit)
}

func (p consolePlatform) DeleteSetting(ctx context.Context, name string, audit platform.AuditEntry) error {
	return p.s.store.DeleteSetting(ctx, name, audit)
}

func (p consolePlatform) Environments(ctx context.Context) ([]*platform.Environment, error) {
	envs, err := p.s.store.Environments(ctx)
	return envs, p.s.errOrNil(err)
}

func (p consolePlatform) Environment(ctx context.Context, id string) (*platform.Environment, bool, error) {
	c, err := p.in(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return c.env.env, c.env.keyring != nil, nil
}

func (p consolePlatform) CreateEnvironment(ctx context.Context, name string) (*platform.Environment, string, error) {
	return p.s.newEnvironment(ctx, name)
}

func (p consolePlatform) DeleteEnvironment(ctx context.Context, id string) error {
	return p.s.removeEnvironment(ctx, id)
}

func (p consolePlatform) RotateSecretKey(ctx context.Context, envID, retirePrevious string) (*platform.NewSecretKey, error) {
	return p.s.rotateSecretKey(ctx, envID, "admin", retirePrevious)
}

func (p consolePlatform) Audit(ctx context.Context, envID string, limit int) ([]platform.AuditEntry, error) {
	entries, err := p.s.store.AuditLog(ctx, envID, limit)
	return entries, p.s.errOrNil(err)
}

func (p consolePlatform) HMACKeys(ctx context.Context, envID string) ([]platform.KeyInfo, error) {
	keys, err := p.s.store.HMACKeys(ctx, envID, p.s.now())
	if err != nil {
		return nil, p.s.storeErr(err)
	}
	return platform.KeyInfos(keys), nil
}

func (p consolePlatform) AddHMACKey(ctx context.Context, envID string, supplied *string, retirePrevious string) (*platform.NewKey, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.addHMACKey(ctx, c, supplied, retirePrevious)
}

func (p consolePlatform) CheckMode(ctx context.Context, envID, mode string) (platform.HMACMode, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return "", err
	}
	return p.s.checkMode(ctx, c, mode)
}

func (p consolePlatform) SetMode(ctx context.Context, envID, mode string) error {
	c, err := p.in(ctx, envID)
	if err != nil {
		return err
	}
	_, err = p.s.changeMode(ctx, c, mode)
	return err
}

func (p consolePlatform) Report(ctx context.Context, envID string) (*platform.Report, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.buildReport(ctx, c.env)
}

func (p consolePlatform) Digest(ctx context.Context, envID, integration, connection string) (string, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return "", err
	}
	if c.env.keyring == nil {
		return "", platform.ErrNoKey.With("the environment has no HMAC key yet: generate one on the settings page")
	}
	return connect.Digest(c.env.keyring.Primary(), integration, connection)
}

func (p consolePlatform) Integrations(ctx context.Context, envID string) ([]*platform.Integration, error) {
	ins, err := p.s.store.Integrations(ctx, envID)
	return ins, p.s.errOrNil(err)
}

func (p consolePlatform) AddIntegration(ctx context.Context, envID string, in platform.IntegrationInput) error {
	c, err := p.in(ctx, envID)
	if err != nil {
		return err
	}
	_, err = p.s.addIntegration(ctx, c, in)
	return err
}

func (p consolePlatform) Connections(ctx context.Context, f platform.ConnectionFilter) ([]*platform.Connection, string, error) {
	return p.s.connectionPage(ctx, f)
}

func (p consolePlatform) DeleteConnection(ctx context.Context, envID, integration, connection string) error {
	c, err := p.in(ctx, envID)
	if err != nil {
		return err
	}
	return p.s.removeConnection(ctx, c, integration, connection)
}

func (p consolePlatform) Products(ctx context.Context, envID string) ([]platform.ProductInfo, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.productList(ctx, c)
}

func (p consolePlatform) Product(ctx context.Context, envID, id string) (platform.ProductInfo, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return platform.ProductInfo{}, err
	}
	return p.s.productByID(ctx, c, id)
}

func (p consolePlatform) AddProduct(ctx context.Context, envID string, in platform.ProductInput) (platform.ProductInfo, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return platform.ProductInfo{}, err
	}
	return p.s.addProduct(ctx, c, in)
}

func (p consolePlatform) UpdateProduct(ctx context.Context, envID, id string, in platform.ProductPatch) (platform.ProductInfo, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return platform.ProductInfo{}, err
	}
	return p.s.changeProduct(ctx, c, id, in)
}

func (p consolePlatform) AddProductSecret(ctx context.Context, envID, productID, propagation string) (*platform.NewSecret, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.addProductSecret(ctx, c, productID, propagation)
}

func (p consolePlatform) SendTestOrder(ctx context.Context, envID, productID string, in *platform.OrderRequest) (*platform.TestDelivery, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.sendTestOrder(ctx, c, productID, in)
}

func (p consolePlatform) LaunchOrder(ctx context.Context, envID, productID string, in *platform.OrderRequest) (*platform.SignedOrder, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	in.ProductID = productID
	return p.s.newLaunch(ctx, c, in)
}

func (p consolePlatform) Launches(ctx context.Context, envID, productID string) ([]platform.LaunchInfo, error) {
	c, err := p.in(ctx, envID)
	if err != nil {
		return nil, err
	}
	return p.s.launchLog(ctx, c, productID)
}

func (p consolePlatform) Fiddle(in *platform.FiddleRequest) (*platform.FiddleResult, error) {
	return p.s.runFiddle(in)
}
