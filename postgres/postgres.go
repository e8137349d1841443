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

// migrationLock is the first statement of the migration transaction: it
// serializes instances that start together on one database (and schema)
// until the transaction ends. The key is per schema, so that databases
// shared by unrelated schemas (tests) do not wait for each other; coalesce
// keeps a missing schema from making the key NULL, which would lock nothing.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtextextended('hmacgate migrate:' || coalesce(current_schema(), ''), 0))`

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

// HasSetting reports whether the database at url holds the named setting,
// without creating or migrating anything: a new database (no settings table)
// has none. The server asks it before it makes a master key.
func HasSetting(ctx context.Context, url, name string) (bool, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return false, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('settings') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return false, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE name = $1`, name).Scan(&n)
	return n > 0, err
}
