// Package postgres is the store for several instances: PostgreSQL through
// github.com/jackc/pgx/v5 (its connection pool, behind database/sql), with
// the same SQL and migration semantics as the embedded SQLite store.
// Migrations are embedded and applied by [Open] under an advisory lock, so
// instances that start together do not race.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hmacgate/hmacgate/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect describes PostgreSQL to the shared store.
var Dialect = sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	IsUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	Transient: func(err error) bool {
		var e *pgconn.PgError
		if errors.As(err, &e) {
			// serialization failure, deadlock, admin shutdown / terminated connection
			return e.Code == "40001" || e.Code == "40P01" || e.Code == "57P01"
		}
		return pgconn.SafeToRetry(err) || errors.Is(err, sql.ErrConnDone)
	},
}

// migrationLock serializes migrations across instances for the transaction.
const migrationLock = `SELECT pg_advisory_xact_lock(7306733642)`

// Open connects to the database at url (postgres://…), applies the
// migrations and returns the store. The pool reconnects by itself when a
// connection is lost.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, err
	}
	files, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db, files, Dialect, migrationLock); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" driver
