package platform

import (
	"context"
	"time"
)

// Product is a partner's product in the partner portal: where orders go and
// whether they are signed.
type Product struct {
	ID          string
	EnvID       string
	Name        string
	OrderURL    string
	HMACEnabled bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProductSecret is a product's shared secret as stored: sealed under the
// master key.
//
// A regenerated secret propagates before it signs: from CreatedAt to
// ActiveFrom the previous secret still signs and both are "propagating";
// from ActiveFrom the new one signs and the previous one is retired.
type ProductSecret struct {
	ID         string
	ProductID  string
	EnvID      string
	Sealed     []byte
	CreatedAt  time.Time
	ActiveFrom time.Time
}

// Launch records one order sent to a product: a launch through the browser
// or a server-to-server test delivery.
type Launch struct {
	CorrelationID string
	EnvID         string
	ProductID     string
	Kind          string // "launch" or "test"
	CreatedAt     time.Time
	Orderdata     string
	Signature     string // empty when HMAC is off for the product
	// Result is what happened: for a test delivery the partner's status or
	// the delivery error; for a launch "created" and later "opened".
	Result    string
	LatencyMS int64
	// UsedAt is when the short-lived launch link was opened; zero if never.
	UsedAt time.Time
}

// PartnerStore keeps the partner portal's state. Like [Store], changes take
// the audit entry to write in the same transaction.
type PartnerStore interface {
	CreateProduct(ctx context.Context, p *Product, audit AuditEntry) error
	Product(ctx context.Context, envID, id string) (*Product, error)
	Products(ctx context.Context, envID string) ([]*Product, error)
	UpdateProduct(ctx context.Context, p *Product, audit AuditEntry) error

	// AddProductSecret stores a new secret of a product.
	AddProductSecret(ctx context.Context, s *ProductSecret, audit AuditEntry) error
	// ProductSecrets returns a product's secrets, the one that signs last
	// first (by ActiveFrom, then CreatedAt).
	ProductSecrets(ctx context.Context, envID, productID string) ([]ProductSecret, error)

	CreateLaunch(ctx context.Context, l *Launch) error
	Launch(ctx context.Context, correlationID string) (*Launch, error)
	// UseLaunch marks a launch link as opened at the given time; it returns
	// ErrNotFound when the launch does not exist or was opened already, so a
	// link works once.
	UseLaunch(ctx context.Context, correlationID string, at time.Time) error
	Launches(ctx context.Context, envID, productID string, limit int) ([]*Launch, error)
}
