package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/storetest"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/postgres"
)

// openSchema opens a store in a new schema of its own, dropped at the end,
// so that test runs never collide. Without a server it fails when
// HMACGATE_REQUIRE_SERVICES is set (CI) and skips otherwise.
func openSchema(t *testing.T) *sqlStore {
	t.Helper()
	admin, err := sql.Open("pgx", testenv.PostgresURL())
	if err == nil {
		err = admin.PingContext(context.Background())
	}
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at "+testenv.PostgresURL(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "hmacgate_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, _ := url.Parse(testenv.PostgresURL())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	return &sqlStore{Store: s, schema: schema}
}

type sqlStore struct {
	hmacgate.Store
	schema string
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hmacgate.Store { return openSchema(t) })
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
	u, _ := url.Parse(testenv.PostgresURL())
	q := u.Query()
	q.Set("search_path", s.schema)
	u.RawQuery = q.Encode()
	again, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Environment(context.Background(), "env1"); err != nil {
		t.Fatal(err)
	}
}
