package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

func scanProduct(r scanner) (*platform.Product, error) {
	var p platform.Product
	var enabled int64
	var created, updated int64
	if err := r.Scan(&p.ID, &p.EnvID, &p.Name, &p.OrderURL, &enabled, &created, &updated); err != nil {
		return nil, err
	}
	p.HMACEnabled, p.CreatedAt, p.UpdatedAt = enabled != 0, fromMS(created), fromMS(updated)
	return &p, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateProduct inserts a product.
func (s *Store) CreateProduct(ctx context.Context, p *platform.Product, audit platform.AuditEntry) error {
	return s.exec(ctx, "productInsert", audit, p.ID, p.EnvID, p.Name, p.OrderURL, boolInt(p.HMACEnabled),
		ms(p.CreatedAt), ms(p.UpdatedAt))
}

// Product returns one product.
func (s *Store) Product(ctx context.Context, envID, id string) (*platform.Product, error) {
	p, err := scanProduct(s.db.QueryRowContext(ctx, s.q["productGet"], envID, id))
	return p, s.mapErr(err)
}

// Products lists an environment's products, oldest first.
func (s *Store) Products(ctx context.Context, envID string) ([]*platform.Product, error) {
	return list(ctx, s, "productList", scanProduct, envID)
}

// UpdateProduct saves a product's name, order URL and HMAC switch.
func (s *Store) UpdateProduct(ctx context.Context, p *platform.Product, audit platform.AuditEntry) error {
	return s.exec(ctx, "productUpdate", audit, p.Name, p.OrderURL, boolInt(p.HMACEnabled), ms(p.UpdatedAt), p.EnvID, p.ID)
}

// AddProductSecret stores a new secret; ErrNotFound if the product does not exist.
func (s *Store) AddProductSecret(ctx context.Context, ps *platform.ProductSecret, audit platform.AuditEntry) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		var n int
		if err := t.QueryRowContext(ctx, s.q["productExists"], ps.EnvID, ps.ProductID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return platform.ErrNotFound
		}
		if _, err := t.ExecContext(ctx, s.q["secretInsert"], ps.ID, ps.ProductID, ps.EnvID, ps.Sealed, ms(ps.CreatedAt), ms(ps.ActiveFrom)); err != nil {
			return s.mapErr(err)
		}
		return s.audit(ctx, t, audit)
	})
}

// ProductSecrets returns a product's secrets, newest first.
func (s *Store) ProductSecrets(ctx context.Context, envID, productID string) ([]platform.ProductSecret, error) {
	return listValues(ctx, s, "secretList", func(r scanner) (platform.ProductSecret, error) {
		var ps platform.ProductSecret
		var created, active int64
		err := r.Scan(&ps.ID, &ps.ProductID, &ps.EnvID, &ps.Sealed, &created, &active)
		ps.CreatedAt, ps.ActiveFrom = fromMS(created), fromMS(active)
		return ps, err
	}, envID, productID)
}

func scanLaunch(r scanner) (*platform.Launch, error) {
	var l platform.Launch
	var created, used int64
	if err := r.Scan(&l.CorrelationID, &l.EnvID, &l.ProductID, &l.Kind, &created, &l.Orderdata, &l.Signature, &l.Result,
		&l.LatencyMS, &used); err != nil {
		return nil, err
	}
	l.CreatedAt, l.UsedAt = fromMS(created), fromMS(used)
	return &l, nil
}

// CreateLaunch records a launch or test delivery.
func (s *Store) CreateLaunch(ctx context.Context, l *platform.Launch) error {
	_, err := s.db.ExecContext(ctx, s.q["launchInsert"], l.CorrelationID, l.EnvID, l.ProductID, l.Kind, ms(l.CreatedAt),
		l.Orderdata, l.Signature, l.Result, l.LatencyMS)
	return s.mapErr(err)
}

// Launch returns one launch by correlation ID.
func (s *Store) Launch(ctx context.Context, correlationID string) (*platform.Launch, error) {
	l, err := scanLaunch(s.db.QueryRowContext(ctx, s.q["launchGet"], correlationID))
	return l, s.mapErr(err)
}

// UseLaunch marks a launch link opened, once.
func (s *Store) UseLaunch(ctx context.Context, correlationID string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q["launchUse"], ms(at), correlationID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return platform.ErrNotFound
	}
	return nil
}

// Launches lists launches, newest first.
func (s *Store) Launches(ctx context.Context, envID, productID string, limit int) ([]*platform.Launch, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return list(ctx, s, "launchList", scanLaunch, envID, productID, productID, limit)
}
