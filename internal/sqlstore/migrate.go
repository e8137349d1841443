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
// yet, in name order, all in one transaction together with their rows in
// schema_migrations: a start that fails part-way leaves the schema as it
// was.
//
// lock, if not empty, is the first statement of that transaction, before
// schema_migrations is even created: PostgreSQL takes an advisory lock there,
// so that instances starting together on a new database wait for each other
// instead of racing to create the same tables (issue 12, finding 3).
func Migrate(ctx context.Context, db *sql.DB, migrations fs.FS, d Dialect, lock string) error {
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("migrate: no migrations found")
	}
	sort.Strings(names)
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // after Commit it is a no-op
	if lock != "" {
		if _, err := t.ExecContext(ctx, lock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := t.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		if err := apply(ctx, t, migrations, name, d); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return t.Commit()
}

// apply runs one migration file in t unless schema_migrations says it ran.
func apply(ctx context.Context, t *sql.Tx, migrations fs.FS, name string, d Dialect) error {
	var n int
	if err := t.QueryRowContext(ctx, rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, d.Numbered), name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	for _, stmt := range strings.Split(string(body), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := t.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	_, err = t.ExecContext(ctx, rebind(`INSERT INTO schema_migrations (name) VALUES (?)`, d.Numbered), name)
	return err
}
