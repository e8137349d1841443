package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Migrate applies the *.sql files of migrations that have not been applied
// yet, in name order, each in its own transaction together with its row in
// schema_migrations. lock, if not empty, is run first inside each
// transaction (PostgreSQL uses an advisory lock so that instances starting
// together do not race).
func Migrate(ctx context.Context, db *sql.DB, migrations fs.FS, d Dialect, lock string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("migrate: no migrations found")
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return err
		}
		err = func() error {
			t, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer t.Rollback() //nolint:errcheck // after Commit it is a no-op
			if lock != "" {
				if _, err := t.ExecContext(ctx, lock); err != nil {
					return err
				}
			}
			var n int
			if err := t.QueryRowContext(ctx, rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, d.Numbered), name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range strings.Split(string(body), ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := t.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			if _, err := t.ExecContext(ctx, rebind(`INSERT INTO schema_migrations (name) VALUES (?)`, d.Numbered), name); err != nil {
				return err
			}
			return t.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}
