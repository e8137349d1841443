// Package sqlstore implements [platform.Store] over database/sql. The SQL is
// shared by SQLite and PostgreSQL; a [Dialect] covers what differs
// (placeholders, error codes). The sqlite and postgres packages open the
// database, apply their migrations and hand it to [New].
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// Dialect is what differs between databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered is true when placeholders are $1, $2, … instead of ?.
	Numbered bool
	// IsUniqueViolation reports whether err is a unique-constraint error.
	IsUniqueViolation func(error) bool
	// Transient reports whether err is worth one retry (a lost connection,
	// a busy database).
	Transient func(error) bool
}

// Store is the shared implementation.
type Store struct {
	db *sql.DB
	d  Dialect
	q  map[string]string // query text by name, rebound for the dialect
}

var _ platform.Store = (*Store)(nil)

// New returns a Store over db, whose schema is already migrated.
func New(db *sql.DB, d Dialect) *Store {
	s := &Store{db: db, d: d, q: make(map[string]string, len(queries))}
	for name, text := range queries {
		s.q[name] = rebind(text, d.Numbered)
	}
	return s
}

// DB returns the underlying database.
func (s *Store) DB() *sql.DB { return s.db }

// rebind turns ? placeholders into $n for dialects that number them.
func rebind(q string, numbered bool) string {
	if !numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// tx runs fn in a transaction, retrying once on a transient error.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.tryTx(ctx, fn)
	if err != nil && s.d.Transient != nil && s.d.Transient(err) && ctx.Err() == nil {
		err = s.tryTx(ctx, fn)
	}
	return err
}

func (s *Store) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		_ = t.Rollback()
		return err
	}
	return t.Commit()
}

func (s *Store) audit(ctx context.Context, t *sql.Tx, a platform.AuditEntry) error {
	if a.Action == "" {
		return nil
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	_, err := t.ExecContext(ctx, s.q["auditInsert"], ms(a.At), a.EnvID, a.Actor, a.Action, a.Detail)
	return err
}

// exec runs one statement (an insert, update or delete) and its audit entry
// in a transaction; it fails with ErrConflict for a duplicate and with
// ErrNotFound when the statement changed no row.
func (s *Store) exec(ctx context.Context, query string, audit platform.AuditEntry, args ...any) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		res, err := t.ExecContext(ctx, s.q[query], args...)
		if err != nil {
			return s.mapErr(err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return platform.ErrNotFound
		}
		return s.audit(ctx, t, audit)
	})
}

func (s *Store) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return platform.ErrNotFound
	case s.d.IsUniqueViolation != nil && s.d.IsUniqueViolation(err):
		return platform.ErrConflict
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }
