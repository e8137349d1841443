package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/hmacgate/hmacgate/internal/storetest"
)

func TestUniqueNamesMigration(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "old.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, _ := fs.Sub(migrations, "migrations")
	storetest.RunUniqueNamesMigration(t, db, files, Dialect, "")
}
