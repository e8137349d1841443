package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hmacgate/hmacgate/internal/storetest"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/postgres"
)

// openSchema opens a store in a schema of its own.
func openSchema(t *testing.T) *sqlStore {
	t.Helper()
	u, schema := testenv.PostgresSchema(t)
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return &sqlStore{Store: s, url: u, schema: schema}
}

type sqlStore struct {
	platform.Store
	url, schema string
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) platform.Store { return openSchema(t) })
}

func TestAtomicity(t *testing.T) {
	s := openSchema(t)
	defer s.Close()
	db := s.Store.(interface{ DB() *sql.DB }).DB()
	storetest.RunAtomicity(t, s, func(t *testing.T) {
		for _, stmt := range []string{
			`CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.action = '` + storetest.FailingAction + `' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()`,
		} {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestMigrationsAreIdempotent opens the same schema twice, as a second
// instance would.
func TestMigrationsAreIdempotent(t *testing.T) {
	s := openSchema(t)
	defer s.Close()
	storetest.MustEnv(t, s, "env1")
	again, err := postgres.Open(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Environment(context.Background(), "env1"); err != nil {
		t.Fatal(err)
	}
}
