package console

import (
	"context"
	"net/http"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// Platform is what the console needs from the platform server: the
// operations the JSON API runs, addressed by environment ID and made by the
// admin, plus the settings that hold console sessions. The server provides
// it (see server.Server.ConsolePlatform); the console has no other way to
// reach the platform's state.
//
// Errors are refusals ([github.com/hmacgate/hmacgate.Error]) to show, or
// [github.com/hmacgate/hmacgate.ErrUnavailable] when the store cannot
// answer: an implementation logs the cause, the console never shows it.
type Platform interface {
	// Now is the platform's clock.
	Now() time.Time
	// Allow applies the rate limit of the public forms (login, fiddle) to
	// the request's client: platform.ErrRateLimited when it is spent.
	Allow(r *http.Request) error
	// CheckAdminToken accepts the admin token, or refuses with
	// platform.ErrUnauthorized.
	CheckAdminToken(ctx context.Context, token string) error

	// Setting, SetSetting and DeleteSetting keep console sessions (and read
	// the admin token's hash, platform.SettingAdminToken), as in
	// [platform.Store].
	Setting(ctx context.Context, name string) ([]byte, error)
	SetSetting(ctx context.Context, name string, value []byte, audit platform.AuditEntry) error
	DeleteSetting(ctx context.Context, name string, audit platform.AuditEntry) error

	Environments(ctx context.Context) ([]*platform.Environment, error)
	// Environment returns an environment and whether it has an HMAC key.
	Environment(ctx context.Context, id string) (env *platform.Environment, hasKey bool, err error)
	// CreateEnvironment returns the new environment and its secret key,
	// which exists only in this answer.
	CreateEnvironment(ctx context.Context, name string) (*platform.Environment, string, error)
	DeleteEnvironment(ctx context.Context, id string) error
	// RotateSecretKey makes a new secret key for the environment, which
	// exists only in this answer; the current one keeps working until
	// retirePrevious ("", "now", an RFC 3339 time or a duration).
	RotateSecretKey(ctx context.Context, envID, retirePrevious string) (*platform.NewSecretKey, error)
	Audit(ctx context.Context, envID string, limit int) ([]platform.AuditEntry, error)

	HMACKeys(ctx context.Context, envID string) ([]platform.KeyInfo, error)
	// AddHMACKey makes a new current key: the supplied one, or a generated
	// one when supplied is nil. retirePrevious is "", "now", an RFC 3339
	// time or a duration.
	AddHMACKey(ctx context.Context, envID string, supplied *string, retirePrevious string) (*platform.NewKey, error)
	// CheckMode says whether the environment may switch to mode.
	CheckMode(ctx context.Context, envID, mode string) (platform.HMACMode, error)
	SetMode(ctx context.Context, envID, mode string) error
	Report(ctx context.Context, envID string) (*platform.Report, error)
	// Digest signs "<integration>:<connection>" with the environment's
	// current key, for the connect demo; the key never leaves the platform.
	Digest(ctx context.Context, envID, integration, connection string) (string, error)

	Integrations(ctx context.Context, envID string) ([]*platform.Integration, error)
	AddIntegration(ctx context.Context, envID string, in platform.IntegrationInput) error
	// Connections returns one page and the cursor of the next ("" on the last).
	Connections(ctx context.Context, f platform.ConnectionFilter) ([]*platform.Connection, string, error)
	DeleteConnection(ctx context.Context, envID, integration, connection string) error

	Products(ctx context.Context, envID string) ([]platform.ProductInfo, error)
	Product(ctx context.Context, envID, id string) (platform.ProductInfo, error)
	AddProduct(ctx context.Context, envID string, in platform.ProductInput) (platform.ProductInfo, error)
	UpdateProduct(ctx context.Context, envID, id string, in platform.ProductPatch) (platform.ProductInfo, error)
	// AddProductSecret generates a product secret; propagation is "" (the
	// default) or a duration.
	AddProductSecret(ctx context.Context, envID, productID, propagation string) (*platform.NewSecret, error)
	SendTestOrder(ctx context.Context, envID, productID string, in *platform.OrderRequest) (*platform.TestDelivery, error)
	// LaunchOrder builds and signs an order and logs its launch, as
	// POST /v1/orders does; the order's single-use launch link,
	// /launch/<CorrelationID>, posts it to the product's order URL.
	LaunchOrder(ctx context.Context, envID, productID string, in *platform.OrderRequest) (*platform.SignedOrder, error)
	// Launches is the launch log, of one product or ("") of all.
	Launches(ctx context.Context, envID, productID string) ([]platform.LaunchInfo, error)

	// Fiddle checks and diagnoses a signed order; it stores nothing.
	Fiddle(in *platform.FiddleRequest) (*platform.FiddleResult, error)
}
