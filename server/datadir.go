package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/sqlite"
)

// sqliteFile is the SQLite database's name in the data directory.
const sqliteFile = "hmacgate.db"

// lockFile is the file a serve on SQLite holds locked in the data directory.
const lockFile = "serve.lock"

// sqlitePath is where the SQLite database of cfg lives.
func sqlitePath(cfg Config) string { return filepath.Join(cfg.DataDir, sqliteFile) }

// prepareDataDir makes the data directory, or tightens one the operator
// made, to mode 0700: it holds the master key and the database.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data dir %s: cannot make it private (mode 0700): %w", dir, err)
	}
	return nil
}

// errDataDirInUse is the refusal of a second serve on one SQLite data
// directory.
var errDataDirInUse = errors.New("is in use by another hmacgate serve")

// lockDataDir takes the exclusive lock of a serve on the SQLite data
// directory dir, held until the returned file is closed (or the process
// ends). Two servers on one SQLite database would each keep their own cache
// of the environments, so one could go on enforcing an HMAC mode the other
// switched off (issue 12, finding 4); the second one refuses to start.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if !errors.Is(err, errLocked) {
			return nil, fmt.Errorf("data dir lock %s: %w", path, err)
		}
		holder := ""
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = " (pid " + strconv.Itoa(pid) + ")"
			}
		}
		return nil, fmt.Errorf("the data directory %s %w%s: stop it first, or run several instances on PostgreSQL (docs/deploy.md)",
			dir, errDataDirInUse, holder)
	}
	// The holder's pid, for the message above; the lock, not the file, is
	// what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// OpenExistingStore opens the store of cfg for an admin command: like
// [OpenStore], but a data directory without a SQLite database is refused
// rather than given a new, empty one. It takes no lock: admin commands run
// next to a serving instance.
func OpenExistingStore(ctx context.Context, cfg Config) (platform.Store, error) {
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(sqlitePath(cfg)); err != nil {
			return nil, fmt.Errorf("no database in the data directory %s (%w); pass --data-dir or --database-url", cfg.DataDir, err)
		}
	}
	return OpenStore(ctx, cfg)
}

// BackupSQLite writes a consistent copy of the SQLite database of cfg to
// out while a serve may be running on it (see [sqlite.Backup]).
func BackupSQLite(ctx context.Context, cfg Config, out string) error {
	if cfg.DatabaseURL != "" {
		return errors.New("backup copies the embedded SQLite database; for PostgreSQL use pg_dump (docs/deploy.md)")
	}
	return sqlite.Backup(ctx, sqlitePath(cfg), out)
}
