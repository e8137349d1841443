package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database at path to out, online:
// other connections and processes (a running serve) go on reading and
// writing meanwhile. VACUUM INTO reads one snapshot, so the copy holds
// every transaction committed before it started and none after; it is
// checked with PRAGMA integrity_check before it takes the name out. The
// copy has mode 0600, and out must not exist: nothing is overwritten, and
// nothing half-written is ever left under out.
func Backup(ctx context.Context, path, out string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: no database: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file name", out)
	}
	// CreateTemp makes the file with mode 0600; VACUUM INTO accepts an
	// empty file and keeps its mode.
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // after the link below, only the temporary name goes
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := vacuumInto(ctx, path, tmpPath); err != nil {
		return err
	}
	if err := checkIntegrity(ctx, tmpPath); err != nil {
		return err
	}
	if err := syncFile(tmpPath); err != nil {
		return err
	}
	// A hard link fails if out appeared meanwhile: never overwrite.
	if err := os.Link(tmpPath, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(filepath.Dir(out))
}

// vacuumInto copies the database at path into the empty file at to.
func vacuumInto(ctx context.Context, path, to string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// checkIntegrity runs PRAGMA integrity_check on the database file at path.
func checkIntegrity(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("backup: integrity check: %w", err)
	}
	if res != "ok" {
		return errors.New("backup: the copy fails its integrity check: " + res)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
