package postgres

import (
	"database/sql"
	"io/fs"
	"testing"

	"github.com/hmacgate/hmacgate/internal/storetest"
	"github.com/hmacgate/hmacgate/internal/testenv"
)

func TestUniqueNamesMigration(t *testing.T) {
	u, _ := testenv.PostgresSchema(t)
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, _ := fs.Sub(migrations, "migrations")
	storetest.RunUniqueNamesMigration(t, db, files, Dialect, migrationLock)
}
