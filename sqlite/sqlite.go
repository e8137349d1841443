// Package sqlite is the embedded default store: SQLite through the pure-Go
// driver modernc.org/sqlite, in one file in the data directory. Migrations
// are embedded and applied by [Open].
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"net/url"
	"os"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hmacgate/hmacgate/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect describes SQLite to the shared store.
var Dialect = sqlstore.Dialect{
	Name: "sqlite",
	IsUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	Transient: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY || e.Code()&0xff == sqlite3.SQLITE_LOCKED)
	},
}

// Open opens (creating if needed) the database file at path, applies the
// migrations and returns the store. The file is made with mode 0600, and an
// existing one (with its -wal and -shm files) is tightened to 0600: the
// database holds connection IDs, audit entries and sealed secrets.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate") // take the write lock at BEGIN: no deadlocked upgrades
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	files, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db, files, Dialect, ""); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

// privateFiles creates the database file with mode 0600 before SQLite does
// (SQLite would use 0644 less the umask; it gives its -wal and -shm files
// the database file's mode), and tightens existing files to 0600.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
