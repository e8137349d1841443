package storetest

import (
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hmacgate/hmacgate/internal/sqlstore"
	"github.com/hmacgate/hmacgate/platform"
)

// uniqueNamesMigration is the migration that makes environment names unique.
const uniqueNamesMigration = "0007_ux_unique_environment_names.sql"

// RunUniqueNamesMigration checks the migration that makes environment
// names unique on a database that has repeated names from before it: the
// oldest environment of a name keeps it, the others get their ID added, and
// from then on a repeated name is a conflict. db is empty; migrations are
// the store's.
func RunUniqueNamesMigration(t *testing.T, db *sql.DB, migrations fs.FS, d sqlstore.Dialect, lock string) {
	t.Helper()
	before := fstest.MapFS{}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n < uniqueNamesMigration {
			b, _ := fs.ReadFile(migrations, n)
			before[n] = &fstest.MapFile{Data: b}
		}
	}
	if err := sqlstore.Migrate(ctx, db, before, d, lock); err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, d)
	for _, e := range []struct {
		id string
		at time.Time
	}{{"env_b", at.Add(time.Second)}, {"env_a", at}, {"env_c", at}, {"env_other", at}} {
		name := "production"
		if e.id == "env_other" {
			name = "staging"
		}
		err := s.CreateEnvironment(ctx, &platform.Environment{ID: e.id, Name: name, PublicKey: "pk_" + e.id,
			SecretKeyHash: []byte(e.id), HMACMode: platform.ModeOff, CreatedAt: e.at}, audit("environment.create"))
		if err != nil {
			t.Fatalf("a repeated name before the migration: %v", err)
		}
	}
	if err := sqlstore.Migrate(ctx, db, migrations, d, lock); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"env_a": "production", "env_b": "production (env_b)", "env_c": "production (env_c)", "env_other": "staging"} {
		e, err := s.Environment(ctx, id)
		if err != nil || e.Name != want {
			t.Errorf("%s after the migration: %+v, %v; want the name %q", id, e, err, want)
		}
		if strings.HasSuffix(want, ")") && e != nil && e.Version != 2 {
			t.Errorf("%s: version %d; want 2, so that caches reload it", id, e.Version)
		}
	}
	err = s.CreateEnvironment(ctx, &platform.Environment{ID: "env_d", Name: "staging", PublicKey: "pk_env_d",
		SecretKeyHash: []byte("env_d"), HMACMode: platform.ModeOff, CreatedAt: at}, audit("environment.create"))
	wantErr(t, err, platform.ErrConflict)
}
