package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

type scanner interface{ Scan(...any) error }

func scanEnv(r scanner) (*platform.Environment, error) {
	var e platform.Environment
	var mode string
	var created int64
	if err := r.Scan(&e.ID, &e.Name, &e.PublicKey, &e.SecretKeyHash, &mode, &created, &e.Version); err != nil {
		return nil, err
	}
	e.HMACMode, e.CreatedAt = platform.HMACMode(mode), fromMS(created)
	return &e, nil
}

// CreateEnvironment inserts env.
func (s *Store) CreateEnvironment(ctx context.Context, env *platform.Environment, audit platform.AuditEntry) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, s.q["envInsert"], env.ID, env.Name, env.PublicKey, env.SecretKeyHash,
			string(env.HMACMode), ms(env.CreatedAt)); err != nil {
			return s.mapErr(err)
		}
		env.Version = 1
		return s.audit(ctx, t, audit)
	})
}

func (s *Store) envBy(ctx context.Context, query string, arg any) (*platform.Environment, error) {
	e, err := scanEnv(s.db.QueryRowContext(ctx, s.q[query], arg))
	return e, s.mapErr(err)
}

// Environment returns the environment with the given ID.
func (s *Store) Environment(ctx context.Context, id string) (*platform.Environment, error) {
	return s.envBy(ctx, "envByID", id)
}

// EnvironmentByPublicKey returns the environment with the given public key.
func (s *Store) EnvironmentByPublicKey(ctx context.Context, pk string) (*platform.Environment, error) {
	return s.envBy(ctx, "envByPK", pk)
}

// EnvironmentBySecretHash returns the environment whose secret key hashes to hash.
func (s *Store) EnvironmentBySecretHash(ctx context.Context, hash []byte) (*platform.Environment, error) {
	return s.envBy(ctx, "envByHash", hash)
}

// Environments lists all environments, oldest first.
func (s *Store) Environments(ctx context.Context) ([]*platform.Environment, error) {
	return list(ctx, s, "envList", scanEnv)
}

// DeleteEnvironment deletes an environment with its keys, integrations,
// connections and report.
func (s *Store) DeleteEnvironment(ctx context.Context, id string, audit platform.AuditEntry) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, s.q["reportDelete"], id); err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, s.q["envDelete"], id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.ErrNotFound
		}
		return s.audit(ctx, t, audit)
	})
}

// SetHMACMode sets the environment's HMAC mode.
func (s *Store) SetHMACMode(ctx context.Context, envID string, mode platform.HMACMode, audit platform.AuditEntry) error {
	return s.exec(ctx, "envMode", audit, string(mode), envID)
}

// AddHMACKey makes key current and retires the previous keys at retirePreviousAt.
func (s *Store) AddHMACKey(ctx context.Context, key *platform.StoredKey, retirePreviousAt time.Time, audit platform.AuditEntry) error {
	now := key.CreatedAt
	if now.IsZero() {
		now = time.Now()
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		res, err := t.ExecContext(ctx, s.q["envBump"], key.EnvID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.ErrNotFound
		}
		retire := ms(retirePreviousAt)
		if retire < 1 {
			retire = 1 // 0 means "current"; any past instant retires at once
		}
		// A key whose retirement is already set keeps the earlier of the two times.
		if _, err := t.ExecContext(ctx, s.q["keyRetire"], retire, key.EnvID, retire); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, s.q["keyPurge"], key.EnvID, ms(now)); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, s.q["keyInsert"], key.ID, key.EnvID, key.Sealed, ms(now)); err != nil {
			return s.mapErr(err)
		}
		return s.audit(ctx, t, audit)
	})
}

// HMACKeys returns the keys valid at now, newest first.
func (s *Store) HMACKeys(ctx context.Context, envID string, now time.Time) ([]platform.StoredKey, error) {
	rows, err := s.db.QueryContext(ctx, s.q["keyList"], envID, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []platform.StoredKey
	for rows.Next() {
		var k platform.StoredKey
		var retires, created int64
		if err := rows.Scan(&k.ID, &k.EnvID, &k.Sealed, &retires, &created); err != nil {
			return nil, err
		}
		k.RetiresAt, k.CreatedAt = fromMS(retires), fromMS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

func scanIntegration(r scanner) (*platform.Integration, error) {
	var in platform.Integration
	var mode string
	var created int64
	if err := r.Scan(&in.EnvID, &in.ID, &in.Name, &mode, &created); err != nil {
		return nil, err
	}
	in.AuthMode, in.CreatedAt = platform.AuthMode(mode), fromMS(created)
	return &in, nil
}

// CreateIntegration inserts an integration.
func (s *Store) CreateIntegration(ctx context.Context, in *platform.Integration, audit platform.AuditEntry) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, s.q["intInsert"], in.EnvID, in.ID, in.Name, string(in.AuthMode), ms(in.CreatedAt)); err != nil {
			return s.mapErr(err)
		}
		// Caches hold the integrations with the environment.
		if _, err := t.ExecContext(ctx, s.q["envBump"], in.EnvID); err != nil {
			return err
		}
		return s.audit(ctx, t, audit)
	})
}

// Integration returns one integration.
func (s *Store) Integration(ctx context.Context, envID, id string) (*platform.Integration, error) {
	in, err := scanIntegration(s.db.QueryRowContext(ctx, s.q["intGet"], envID, id))
	return in, s.mapErr(err)
}

// Integrations lists an environment's integrations by ID.
func (s *Store) Integrations(ctx context.Context, envID string) ([]*platform.Integration, error) {
	return list(ctx, s, "intList", scanIntegration, envID)
}

func scanConnection(r scanner) (*platform.Connection, error) {
	var c platform.Connection
	var created, updated int64
	if err := r.Scan(&c.EnvID, &c.IntegrationID, &c.ConnectionID, &c.SealedCredentials, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// UpsertConnection creates a connection or replaces its credentials, and
// writes its audit entry in the same transaction.
func (s *Store) UpsertConnection(ctx context.Context, c *platform.Connection, audit platform.AuditEntry) (bool, error) {
	now := c.UpdatedAt
	if now.IsZero() {
		now = time.Now()
	}
	var revision, created int64
	err := s.tx(ctx, func(t *sql.Tx) error {
		err := t.QueryRowContext(ctx, s.q["connUpsert"], c.EnvID, c.IntegrationID, c.ConnectionID, c.SealedCredentials,
			ms(now), ms(now)).Scan(&revision, &created)
		if err != nil {
			return err
		}
		return s.audit(ctx, t, audit)
	})
	if err != nil {
		return false, s.mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), now.UTC()
	return revision == 1, nil
}

// Connection returns one connection.
func (s *Store) Connection(ctx context.Context, envID, integrationID, connectionID string) (*platform.Connection, error) {
	c, err := scanConnection(s.db.QueryRowContext(ctx, s.q["connGet"], envID, integrationID, connectionID))
	return c, s.mapErr(err)
}

// Connections lists connections, ordered by integration and connection ID.
func (s *Store) Connections(ctx context.Context, f platform.ConnectionFilter) ([]*platform.Connection, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	like := ""
	if f.Search != "" {
		like = "%" + escapeLike(f.Search) + "%"
	}
	return list(ctx, s, "connList", scanConnection, f.EnvID, f.IntegrationID, f.IntegrationID, like, like, f.After, f.After, limit)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DeleteConnection deletes one connection.
func (s *Store) DeleteConnection(ctx context.Context, envID, integrationID, connectionID string, audit platform.AuditEntry) error {
	return s.exec(ctx, "connDelete", audit, envID, integrationID, connectionID)
}

// AddReportCounts adds the counts to their hourly rows.
func (s *Store) AddReportCounts(ctx context.Context, counts []platform.ReportCount) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		for _, c := range counts {
			if _, err := t.ExecContext(ctx, s.q["reportAdd"], c.EnvID, ms(c.Hour.UTC().Truncate(time.Hour)), c.Valid, c.Missing, c.Invalid); err != nil {
				return err
			}
		}
		return nil
	})
}

// Report returns the hourly counts since the given time.
func (s *Store) Report(ctx context.Context, envID string, since time.Time) ([]platform.ReportCount, error) {
	return listValues(ctx, s, "reportList", func(r scanner) (platform.ReportCount, error) {
		var c platform.ReportCount
		var hour int64
		err := r.Scan(&c.EnvID, &hour, &c.Valid, &c.Missing, &c.Invalid)
		c.Hour = fromMS(hour)
		return c, err
	}, envID, ms(since.UTC().Truncate(time.Hour)))
}

// AuditLog returns the newest audit entries, for one environment or all.
func (s *Store) AuditLog(ctx context.Context, envID string, limit int) ([]platform.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return listValues(ctx, s, "auditList", func(r scanner) (platform.AuditEntry, error) {
		var a platform.AuditEntry
		var at int64
		err := r.Scan(&a.ID, &at, &a.EnvID, &a.Actor, &a.Action, &a.Detail)
		a.At = fromMS(at)
		return a, err
	}, envID, envID, limit)
}

// Setting returns a stored setting.
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, s.q["settingGet"], name).Scan(&v)
	return v, s.mapErr(err)
}

// SetSetting stores a setting.
func (s *Store) SetSetting(ctx context.Context, name string, value []byte, audit platform.AuditEntry) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, s.q["settingSet"], name, value); err != nil {
			return err
		}
		return s.audit(ctx, t, audit)
	})
}

// DeleteSetting removes a setting.
func (s *Store) DeleteSetting(ctx context.Context, name string, audit platform.AuditEntry) error {
	return s.exec(ctx, "settingDelete", audit, name)
}

func list[T any](ctx context.Context, s *Store, query string, scan func(scanner) (*T, error), args ...any) ([]*T, error) {
	return listValues(ctx, s, query, scan, args...)
}

func listValues[T any](ctx context.Context, s *Store, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, s.q[query], args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
